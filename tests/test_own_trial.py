"""A researcher's own trial: Trial.from_summaries / from_dict / a short TOML (issue 12)."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import lmssurv
from lmssurv import ArmSummary, HazardRatio, InputError, Trial
from lmssurv.checks import check_arm

# LMS-04 OS as printed in the NEJM 2024 report (the README's example); used here as "my" numbers.
CONTROL = ArmSummary(n=76, events=60, median=24.0, median_ci=(19.0, 31.0), landmarks={24: 0.49},
                     median_follow_up=55.0, accrual=26.0, label="Doxorubicin")
EXPERIMENTAL = ArmSummary(n=74, events=47, median=33.0, median_ci=(26.0, 48.0),
                          landmarks={24: 0.68}, median_follow_up=55.0, accrual=26.0,
                          label="Doxorubicin + trabectedin")
HR = HazardRatio(0.65, 0.44, 0.95)

SHORT_TOML = """
name = "My phase 2"
population = "adults with uterine leiomyosarcoma after one line"   # free text
line = "third line"
[endpoints.pfs.control]
label = "Gemcitabine"
n = 40
events = 35
median = 4.0
median_ci = [2.5, 6.00]
[endpoints.pfs.experimental]
label = "Gemcitabine + X"
n = 42
events = 30
median = 7.2
median_ci = [5.1, "NR"]
[endpoints.pfs.hr]
estimate = 0.55
ci = [0.33, 0.92]
p_value = "<0.05"
"""


@pytest.fixture(scope="module")
def mine() -> Trial:
    return Trial.from_summaries(
        "My LMS trial", {"os": (CONTROL, EXPERIMENTAL, HR), "os_control": (CONTROL,)},
        population="adult uterine LMS, any stage", line="maintenance after surgery",
        decimals={"median": 0, "median_ci": 0, "median_follow_up": 0})


def test_from_summaries_builds_a_trial_with_free_text_categories(mine):
    assert isinstance(mine, Trial) and mine.name == "My LMS trial" and mine.id == "my_lms_trial"
    assert (mine.population, mine.line) == ("adult uterine LMS, any stage",
                                           "maintenance after surgery")
    ep = mine.endpoint("OS")  # any case
    assert (ep.control, ep.experimental, ep.hr) == (CONTROL, EXPERIMENTAL, HR)
    assert ep.name == "Overall survival"
    one = mine.endpoints["os_control"]
    assert one.experimental is None and one.roles == ("control",)
    # precision: as the user said (decimals=), else one decimal for times, 2 for rates and HRs
    assert ep.decimals("control.median") == 0 and ep.decimals("control.median_ci") == 0
    assert ep.decimals("control.landmarks[24]") == 2
    assert ep.decimals("hr") == 2 and ep.decimals("hr.ci") == 2


def test_check_and_audit_accept_my_trial(mine):
    ipd = mine.reconstruct("os", seed=0)
    report = lmssurv.check(mine, "os", ipd)
    assert report.attrs["trial"] == "My LMS trial"
    # the NEJM numbers are reproduced by the engine (tests/test_curated_checks.py shows the same
    # for the curated file); here every row must pass with the user's decimals
    assert report.attrs["all_ok"], report[~report["ok"]]
    median = report[(report["quantity"] == "median") & (report["arm"] == "Doxorubicin")].iloc[0]
    assert "(reported)" in median["note"]  # decimals={"median": 0} -> +/-0.5, said so
    single = lmssurv.check(mine, "os_control", mine.reconstruct("os_control", seed=0))
    assert set(single["arm"]) == {"Doxorubicin"}
    table = lmssurv.audit(mine)
    sym = table[table["check"] == "hr_ci_symmetry"].iloc[0]
    # closed form: the geometric mean of the CI limits, sqrt(0.44 * 0.95)
    assert sym["implied"] == pytest.approx(math.sqrt(0.44 * 0.95), rel=1e-12)
    assert set(table["verdict"]) <= {"consistent", "borderline", "info"}


def test_check_on_a_missing_endpoint_says_what_exists(mine):
    with pytest.raises(InputError, match=r"trial 'My LMS trial' has no endpoint 'pfs'; its "
                                         r"endpoints: os, os_control\."):
        lmssurv.check(mine, "pfs", pd.DataFrame({"arm": ["a"], "time": [1.0], "event": [1]}))
    empty = Trial.from_summaries("Empty", {})
    with pytest.raises(InputError, match=r"has no time-to-event endpoints, so there is no 'pfs'"):
        lmssurv.check(empty, "pfs", pd.DataFrame({"time": [1.0], "event": [1]}))


def test_a_ci_bound_typed_2_0_is_not_half_a_month_wide():
    # 4000 exponential times (mean 3 months): the steps around 2 months are far below 0.05, so
    # the tolerance is the rounding half-unit alone
    rng = np.random.default_rng(1)
    ipd = pd.DataFrame({"time": rng.exponential(3, 4000), "event": 1})
    arm = ArmSummary(n=4000, median=1.5, median_ci=(1.0, 2.0))
    upper = lambda report: report[report["quantity"] == "median 95% CI upper"].iloc[0]  # noqa: E731
    said_nothing = upper(check_arm(arm, ipd))
    assert said_nothing["tolerance"] == pytest.approx(0.05, abs=1e-12)  # one decimal assumed
    assert "assumed" in said_nothing["note"]
    said_whole = upper(check_arm(arm, ipd, precision={"median_ci": 1.0}))
    assert said_whole["tolerance"] == pytest.approx(0.5, abs=1e-12)
    # the same through a trial: decimals= is what the user says
    trial = Trial.from_summaries("t", {"pfs": (arm,)}, decimals={"median_ci": 0})
    via_trial = upper(lmssurv.check(trial, "pfs", ipd))
    assert via_trial["tolerance"] == pytest.approx(0.5, abs=1e-12)


def test_a_short_toml_file_is_my_trial_with_its_printed_decimals(tmp_path):
    path = tmp_path / "my_trial.toml"
    path.write_text(SHORT_TOML)
    trial = lmssurv.load_trial(path)
    assert trial.name == "My phase 2" and trial.line == "third line"
    ep = trial.endpoint("pfs")
    assert ep.experimental.median_ci == (5.1, None)  # "NR"
    # decimals from the TOML text: "6.00" is two decimals although the float is 6.0
    assert ep.decimals("control.median_ci") == 2 and ep.decimals("control.median") == 1
    assert ep.p_value.relation == "<" and ep.p_value.value == 0.05 and ep.hr.p_value is None
    # the same dict in Python: floats lose "6.00", so the default (one decimal) applies
    doc = {"name": "My phase 2", "endpoints": {"pfs": {
        "control": {"n": 40, "events": 35, "median": 4.0, "median_ci": [2.5, 6.00]}}}}
    assert Trial.from_dict(doc).endpoint("pfs").decimals("control.median_ci") == 1
    assert lmssurv.audit(path).attrs["trial"] == "My phase 2"


def test_time_unit_converts_once_to_months():
    weeks = ArmSummary(n=50, events=40, median=26.0, median_ci=(20.0, 39.0), landmarks={52: 0.3})
    trial = Trial.from_summaries("w", {"pfs": (weeks,)}, time_unit="weeks")
    arm = trial.endpoint("pfs").control
    k = 7 / (365.25 / 12)  # months per week
    assert arm.median == pytest.approx(26 * k, rel=1e-12)
    assert arm.median_ci == pytest.approx((20 * k, 39 * k), rel=1e-12)
    assert list(arm.landmarks) == pytest.approx([52 * k], rel=1e-12)
    assert arm.landmarks[next(iter(arm.landmarks))] == 0.3
    with pytest.raises(InputError, match=r"time_unit must be one of .*Did you mean 'weeks'"):
        Trial.from_summaries("w", {"pfs": (weeks,)}, time_unit="wks")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"endpoints": [CONTROL]}, r"endpoints must be a mapping \{key: \(control, experimental, hr\)"),
    ({"endpoints": {"os": (CONTROL, None, HR)}}, r"an HR needs two arms"),
    ({"endpoints": {"os": (CONTROL,)}, "decimals": {"medain": 0}},
     r"unknown quantity 'medain'\. Did you mean 'median'\?"),
    ({"endpoints": {"os": (CONTROL,)}, "decimals": {"median": 1.5}},
     r"decimals\['median'\] must be a whole number of decimals 0-10, got 1\.5"),
    ({"endpoints": {"os": {"control": {"n": 10, "mediann": 3}}}},
     r"endpoints\['os'\]\.control has an unknown key 'mediann'\. Did you mean 'median'\?"),
    ({"endpoints": {"os": (CONTROL, CONTROL)}}, r"both arms are labelled 'Doxorubicin'"),
    ({"endpoints": {"os": {"control": {"n": -3}}}}, r"endpoints\['os'\]\.control: n must be"),
    # sweep /tmp/fuzz-w/own.py (seed 1): ArmSummary's TypeError "missing 1 required positional
    # argument: 'n'" reached the user
    ({"endpoints": {"os": {"control": {"events": 3}}}},
     r"endpoints\['os'\]\.control\.n is missing; add the number of patients"),
    # same sweep (seed 2): control = None (a TOML-less dict) raised KeyError 'control'
    ({"endpoints": {"os": {"control": None, "experimental": {"n": 5}}}},
     r"endpoints\['os'\]\.control is missing"),
])
def test_bad_input_names_the_field(kwargs, message):
    with pytest.raises(InputError, match=message):
        Trial.from_summaries("bad", **kwargs)


def test_a_dict_whose_name_is_none_names_the_field():
    # sweep /tmp/fuzz-w/own.py (seed 1): name None raised AttributeError ('NoneType' object
    # has no attribute 'casefold') from the trial id
    doc = {"name": None, "endpoints": {"os": {"control": {"n": 3}}}}
    with pytest.raises(InputError, match=r"name must be non-empty text, got None"):
        Trial.from_dict(doc)


def test_plots_accept_my_trial(mine):
    ipd = mine.reconstruct("os", seed=0)
    fig = lmssurv.plot_endpoint(mine, "OS", ipd)
    assert fig.axes[0].get_title(loc="left").startswith("My LMS trial: Overall survival")
    plt.close(fig)
    one = mine.reconstruct("os_control", seed=0)
    ax = lmssurv.plot_km(one, published=mine.endpoint("os_control"))  # one-arm endpoint
    plt.close(ax.figure)
    ax = lmssurv.plot_km(ipd, published=(CONTROL, EXPERIMENTAL, HR))
    assert any("HR published" in t.get_text() for t in ax.texts)
    plt.close(ax.figure)


def test_short_reprs_and_html_tables(mine):
    curated = lmssurv.load_trial("lms04")
    assert len(repr(curated)) < 300  # was 80,000 characters
    assert repr(curated).startswith("<Trial 'LMS-04': 6 endpoints (os, pfs,")
    html = curated._repr_html_()
    assert html.count("<tr") == 1 + len(curated.endpoints) and "Trial LMS-04" in html
    ep = mine.endpoint("os")
    assert repr(ep) == ("<Endpoint 'os': Overall survival; Doxorubicin n=76, 60 events, median 24 "
                        "(19-31) vs Doxorubicin + trabectedin n=74, 47 events, median 33 (26-48); "
                        "HR 0.65 (0.44-0.95)>")
    frame = ep.to_frame()
    assert frame["n"].tolist()[:2] == [76, 74] and frame["median"].tolist()[:2] == [
        "24 (19-31)", "33 (26-48)"]
    assert "<table" in ep._repr_html_()


def test_summary_engine_time_unit_is_one_conversion_to_months():
    # the independent route: the same summaries converted by hand (2 years = 24 months, ...)
    by_hand = (ArmSummary(n=76, events=60, median=24.0, median_ci=(19.2, 31.2), label="Dox"),
               ArmSummary(n=74, events=47, median=33.0, median_ci=(26.4, 48.0), label="Dox + T"))
    years = (ArmSummary(n=76, events=60, median=2.0, median_ci=(1.6, 2.6), label="Dox"),
             ArmSummary(n=74, events=47, median=2.75, median_ci=(2.2, 4.0), label="Dox + T"))
    a = lmssurv.reconstruct_trial(*years, hr=HR, seed=3, time_unit="years")
    b = lmssurv.reconstruct_trial(*by_hand, hr=HR, seed=3)
    # 1e-12: 1.6 x 12 and 2.6 x 12 are not exact in binary floating point
    np.testing.assert_allclose(a["time"], b["time"], rtol=1e-12)
    assert a["event"].tolist() == b["event"].tolist()
    assert "input times in years" in a.attrs["time_unit"]
    one = lmssurv.reconstruct_arm(years[0], seed=3, time_unit="Year")
    assert len(one) == 76 and int(one["event"].sum()) == 60


def test_check_and_audit_reports_show_a_verdict_and_stay_dataframes(mine):
    report = lmssurv.check(mine, "os", mine.reconstruct("os", seed=0))
    assert isinstance(report, pd.DataFrame) and report.attrs["all_ok"]
    first, *rest = repr(report).splitlines()
    assert first == f"My LMS trial os: {len(report)} of {len(report)} published numbers within " \
                    "tolerance (all reproduced)"
    assert "note" not in rest[0] and "quantity" in rest[0]  # the short table, no notes
    assert "<table" in report._repr_html_() and "note" in report._repr_html_()
    plain = report.to_frame()
    assert type(plain) is pd.DataFrame and plain.attrs == report.attrs
    assert type(report[report["ok"]]) is pd.DataFrame  # derived frames are plain
    table = lmssurv.audit(lmssurv.load_trial("lms04"))
    counts = table["verdict"].value_counts()
    assert repr(table).splitlines()[0] == (
        f"LMS-04: {len(table)} consistency checks ({counts['inconsistent']} inconsistent, "
        f"{counts['borderline']} borderline, {counts['consistent']} consistent, "
        f"{counts['info']} info)")


def test_summarise_arms_adds_no_empty_caveat_columns_and_ne_formats():
    ipd = pd.DataFrame({"arm": ["a"] * 5, "time": [1.0, 2, 3, 4, 5], "event": [1, 0, 1, 1, 0]})
    table = lmssurv.summarise_arms(ipd, taus=[4], landmarks=[3])
    assert list(table.columns) == ["arm", "quantity", "time", "estimate", "se", "lower 95%",
                                   "upper 95%", "n", "events", "note"]
    median = table[table["quantity"] == "median"].iloc[0]
    # KM by hand: S = 0.8, 0.8, 0.533, 0.267 at 1, 2, 3, 4 -> median 4; the log-log upper band
    # never reaches 0.5 in 5 patients, so the upper limit is not estimable
    assert median["estimate"] == 4.0 and math.isnan(median["upper 95%"])
    text = lmssurv.format_estimate(median["estimate"], median["lower 95%"], median["upper 95%"])
    assert text.startswith("4.0 (") and text.endswith("-NE)")


def test_a_short_toml_without_name_says_so(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text("[endpoints.os.control]\nn = 10\n")
    with pytest.raises(InputError, match=r"t\.toml: name is missing; add name = \"My trial\""):
        lmssurv.load_trial(path)


def test_an_endpoint_of_a_curated_trial_can_join_my_trial():
    lms04_os = lmssurv.load_trial("lms04").endpoint("os")
    trial = Trial.from_summaries("Mine + LMS-04", {"lms04_os": lms04_os, "os": (CONTROL,)})
    assert trial.endpoint("lms04_os").key == "lms04_os"
    assert trial.endpoint("lms04_os").precision == lms04_os.precision  # the file's decimals


@pytest.mark.parametrize(("text", "decimals"), [("1e-5", 5), ("<2e-4", 4), ("=1.5e-3", 4),
                                                ("0.00001", 5), ("0.0010", 4)])
def test_a_p_written_with_an_exponent_keeps_its_decimals(text, decimals):
    # Sweep of own_trial p texts (/tmp/fuzz-w): "1e-5" was read as 0 decimals, so check()
    # allowed +/-0.5 on the p and passed any rebuilt p (a silent wrong answer), and the repr
    # said "p = 0". Reference: the decimals of the same number written out in full (1e-5 is
    # 0.00001, five decimals), as the TOML reader counts a float (Printed).
    doc = {"name": "T", "endpoints": {"os": {
        "control": {"n": 60, "events": 50, "median": 10.0, "label": "A"},
        "experimental": {"n": 60, "events": 40, "median": 15.0, "label": "B"},
        "hr": {"estimate": 0.6, "p_value": text}}}}
    p = Trial.from_dict(doc).endpoint("os").p_value
    assert p.decimals == decimals
    assert p.value == float(text.lstrip("<="))
