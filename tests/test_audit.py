"""Audit of published numbers: LMS-04 findings, synthetic contradictions, every curated trial.

Reference values are closed forms recomputed here with math/scipy from the printed numbers
(Altman & Bland 2011 for p from a CI; Parmar 1998 for events from the CI width).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from scipy import stats

from lmssurv._validation import InputError
from lmssurv.audit import AUDIT_COLUMNS, VERDICTS, audit, implied_p_range
from lmssurv.trials import list_trials, load_trial

LMS04_TEXT = (Path(__file__).resolve().parents[1] / "data" / "lms04.toml").read_text("utf-8")
Z975 = stats.norm.ppf(0.975)


@pytest.fixture(scope="module")
def report():
    return audit(load_trial("lms04"))


def _one(report, check, endpoint, arm="both"):
    rows = report[(report.check == check) & (report.endpoint == endpoint) & (report.arm == arm)]
    assert len(rows) == 1, (check, endpoint, arm, rows)
    return rows.iloc[0]


def _wald_p(hr, lo, hi):
    se = (math.log(hi) - math.log(lo)) / (2 * Z975)
    return math.erfc(abs(math.log(hr)) / se / math.sqrt(2))


def _audit_text(tmp_path, text):
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    return audit(load_trial(path))


def _replace_once(text, old, new):
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_columns_and_verdicts(report):
    assert tuple(report.columns) == AUDIT_COLUMNS
    assert set(report.verdict) <= set(VERDICTS)
    assert report.attrs["trial"] == "LMS-04"


def test_pfs_p_bound_fits_the_hr_and_ci(report):
    row = _one(report, "hr_p_value", "pfs")
    # HR 0.41 (0.29-0.58): z = 5.04, p = 4.6e-7 < 0.0001 (closed form, Altman & Bland 2011)
    assert row.implied == pytest.approx(_wald_p(0.41, 0.29, 0.58), rel=1e-9)
    assert row.implied == pytest.approx(4.60e-7, rel=0.01)
    assert row.verdict == "consistent"


def test_os_ci_width_agrees_with_107_deaths(report):
    row = _one(report, "ci_width_events", "os")
    se = (math.log(0.95) - math.log(0.44)) / (2 * Z975)
    assert row.implied == pytest.approx(4 / se**2, rel=1e-9)  # 103.7
    assert round(row.implied, 1) == 103.7 and row.reported == 107
    # rounding the limits to 2 decimals spans 99.4-108.4, which contains 107
    assert "99.4-108.4" in row.explanation and row.verdict == "consistent"


def test_untraced_os_p_value_fits_the_adjusted_hr(report):
    row = _one(report, "secondary_claim", "os")
    assert row.reported == 0.0253
    assert row.implied == pytest.approx(_wald_p(0.65, 0.44, 0.95), rel=1e-9)  # 0.0282
    # rounding box: HR 0.645-0.655, limits 0.435-0.445 / 0.945-0.955 (closed form extremes)
    # smallest p: largest |log HR| over the narrowest CI; largest p: the reverse
    p_lo = math.erfc(
        abs(math.log(0.645)) / ((math.log(0.945) - math.log(0.445)) / (2 * Z975)) / math.sqrt(2))
    p_hi = math.erfc(
        abs(math.log(0.655)) / ((math.log(0.955) - math.log(0.435)) / (2 * Z975)) / math.sqrt(2))
    assert p_lo < 0.0253 < p_hi
    assert f"{p_lo:.4f}-{p_hi:.4f}" in row.explanation
    assert row.verdict == "consistent" and "no source prints it" in row.explanation


def test_untraced_os_medians_round_to_the_published_ones(report):
    dox = _one(report, "secondary_claim", "os", "Doxorubicin")
    combo = _one(report, "secondary_claim", "os", "Doxorubicin + trabectedin")
    assert (dox.reported, dox.implied, combo.reported, combo.implied) == (23.8, 24, 33.1, 33)
    assert dox.verdict == combo.verdict == "consistent"
    assert "S(24) = 0.49" in dox.explanation


def test_esmo_2021_and_lancet_2022_pfs_are_not_the_same_analysis(report):
    for arm, esmo, lancet in (("Doxorubicin", 7.3, 6.2), ("Doxorubicin + trabectedin", 13.5, 12.2)):
        row = _one(report, "cross_analysis", "pfs vs pfs_esmo2021", arm)
        assert (row.reported, row.implied) == (esmo, lancet)
        assert row.discrepancy == pytest.approx(esmo - lancet)  # 1.1 and 1.3 months
        assert row.verdict == "inconsistent" and "investigator vs central" in row.explanation
    hr_rows = report[(report.check == "cross_analysis")
                     & (report.endpoint == "pfs vs pfs_esmo2021") & (report.reported == 0.384)]
    assert hr_rows.iloc[0].verdict == "inconsistent"


def test_nejm_2024_pfs_implies_fewer_events_than_lancet_2022(report):
    rows = report[(report.check == "cross_analysis") & (report.endpoint == "pfs vs pfs_nejm2024")]
    events = rows[rows.explanation.str.startswith("events implied")].iloc[0]
    se22 = (math.log(0.58) - math.log(0.29)) / (2 * Z975)
    se24 = (math.log(0.53) - math.log(0.26)) / (2 * Z975)
    assert (events.implied, events.reported) == pytest.approx((4 / se22**2, 4 / se24**2))
    assert round(events.implied) == 128 and round(events.reported) == 121
    assert events.verdict == "borderline"  # overlapping rounding ranges, but it should not fall


def test_follow_up_is_shorter_than_the_dates_imply(report):
    row = report[(report.check == "follow_up_vs_dates") & (report.endpoint == "nejm2024")
                 & (report.reported == 55)].iloc[0]
    # Jan 2017 - Mar 2019 entry (midpoint Feb 2018), cut-off Jan 2023: 72 - 13 = 59 months
    assert row.implied == 59 and row.discrepancy == -4 and row.verdict == "borderline"
    iqr = report[(report.check == "follow_up_vs_dates") & (report.endpoint == "nejm2024")
                 & (report.reported == 14)].iloc[0]
    assert iqr.implied == 13 and iqr.verdict == "consistent"


def test_os_events_match_follow_up_under_an_exponential_curve(report):
    row = _one(report, "events_vs_follow_up", "os", "Doxorubicin")
    lam = math.log(2) / 24
    # uniform potential follow-up 42-68 months (55 +/- 13): closed-form mean of exp(-lam F)
    surv = (math.exp(-lam * 42) - math.exp(-lam * 68)) / (lam * 26)
    assert row.implied == pytest.approx(76 * (1 - surv), rel=1e-9)
    assert round(row.implied, 1) == 60.1 and row.verdict == "consistent"


@pytest.mark.parametrize("follow_up", [1e-9, 1e-300])
def test_events_expected_at_a_tiny_follow_up_are_about_none(follow_up):
    # Sweep /tmp/fuzz-w/own.py (seed 2): median_follow_up 1e-9 months (accrual defaults to it)
    # made the difference of two exponentials cancel below 0 and math.sqrt raised "math domain
    # error"; at 1e-300 it gave all 40 events expected. Independent route: a first-order
    # Taylor expansion, 1 - E[exp(-lam F)] = lam E[F] = lam * follow_up for F uniform around
    # follow_up, so 40 patients expect 40 * ln 2 / 4 * follow_up events.
    from lmssurv import Trial

    doc = {"name": "tiny", "endpoints": {"pfs": {"control": {
        "n": 40, "events": 35, "median": 4.0, "median_follow_up": follow_up}}}}
    row = _one(audit(Trial.from_dict(doc)), "events_vs_follow_up", "pfs", "arm")
    assert row.implied == pytest.approx(40 * math.log(2) / 4 * follow_up, rel=1e-6)
    assert row.verdict == "borderline"


def test_landmark_checks_pass_for_lms04(report):
    rows = report[report.check.isin(["median_vs_landmark", "median_ci_vs_landmark"])]
    assert len(rows) == 12 and (rows.verdict == "consistent").all()


# -- synthetic contradictions --------------------------------------------------------------------
def test_a_p_value_that_does_not_fit(tmp_path):
    # 0.028 against the Wald p 0.008 of HR 0.36 (0.17-0.77): outside the rounding range and
    # more than twice it, but |z| 2.2 against 2.55-2.75 is not the gross contradiction the
    # loader rejects (tests/test_pvalue.py: p = 0.20 there)
    text = _replace_once(LMS04_TEXT, 'p_value = "0.0090"', 'p_value = "0.028"')
    row = _one(_audit_text(tmp_path, text), "hr_p_value", "dor_lancet2022")
    assert row.verdict == "inconsistent" and row.reported == 0.028


def test_an_asymmetric_ci(tmp_path):
    text = _replace_once(LMS04_TEXT, "value = 0.65\nci = [0.44, 0.95]", "value = 0.65\nci = "
                         "[0.60, 0.95]")
    row = _one(_audit_text(tmp_path, text), "hr_ci_symmetry", "os")
    assert row.verdict == "inconsistent" and "asymmetric" in row.explanation


def test_events_far_from_the_ci_width(tmp_path):
    text = LMS04_TEXT
    for old, new in (("events = { value = 60,", "events = { value = 30,"),
                     ("events = { value = 47,", "events = { value = 20,"),
                     ("events_total = { value = 107,", "events_total = { value = 50,")):
        text = _replace_once(text, old, new)
    row = _one(_audit_text(tmp_path, text), "ci_width_events", "os")
    assert row.reported == 50 and row.verdict == "inconsistent"


def test_a_landmark_ci_that_contradicts_the_median_ci(tmp_path):
    # 12 months moved inside the doxorubicin median CI while the CI of S(12) excludes 0.5
    text = _replace_once(LMS04_TEXT, "value = 6.2, ci = [4.1, 7.1]", "value = 6.2, ci = [4.1, 12.5]")
    report = _audit_text(tmp_path, text)
    rows = report[(report.check == "median_ci_vs_landmark") & (report.endpoint == "pfs")
                  & (report.arm == "Doxorubicin") & (report.reported == 0.16)]
    assert rows.iloc[0].verdict == "inconsistent"


def test_implied_p_range_rejects_bad_input():
    with pytest.raises(InputError, match=r"lower must be a positive number, got 0"):
        implied_p_range(0.5, 0, 1)
    with pytest.raises(InputError, match=r"trial"):
        audit(42)


@pytest.mark.parametrize("name", list_trials())
def test_audit_runs_on_every_curated_trial(name):
    frame = audit(name)
    assert tuple(frame.columns) == AUDIT_COLUMNS
    assert set(frame.verdict) <= set(VERDICTS)
    assert frame.explanation.str.len().gt(20).all()


def test_readable_audit_names_columns_in_plain_words_and_sorts_by_verdict():
    from lmssurv.reports import CHECK_DESCRIPTIONS

    report = audit("lms04")
    table = report.readable()
    assert table.columns.tolist() == ["verdict", "what was checked", "analysis", "arm",
                                      "published", "implied by the other numbers", "why"]
    assert len(table) == len(report)  # nothing dropped
    order = ["inconsistent", "borderline", "consistent", "info"]
    ranks = [order.index(v) for v in table["verdict"]]
    assert ranks == sorted(ranks)
    assert set(report["check"]) <= set(CHECK_DESCRIPTIONS)  # every check has plain words
    row = table[table["what was checked"] == CHECK_DESCRIPTIONS["hr_p_value"]]
    assert set(row["analysis"]) >= {"os", "pfs"}
