"""Curated trial files: loading, sources, schema errors, binomial CIs, and the installed wheel.

Reference numbers for LMS-04 are the ones printed in the sources listed in
/work/shared/reference/lms04.md (NEJM 2024 abstract, ASCO Post 2022, CancerNetwork 2022 ...).
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
from scipy import stats

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import tomli as tomllib

import lmssurv.trials as trials_module
from lmssurv._validation import InputError
from lmssurv.summary import ArmSummary
from lmssurv.trials import (
    Endpoint,
    Trial,
    exact_binomial_ci,
    list_trials,
    load_trial,
)

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
LMS04_TEXT = (DATA / "lms04.toml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def lms04() -> Trial:
    return load_trial("lms04")


def _write(tmp_path: Path, text: str, name: str = "trial.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"test fixture text not unique: {old!r}"
    return text.replace(old, new)


# -- LMS-04 content ------------------------------------------------------------------------------
def test_lms04_os_is_the_nejm_final_analysis(lms04):
    ep = lms04.endpoints["os"]
    assert isinstance(ep, Endpoint)
    assert ep.analysis == "nejm2024"
    c, e = ep.control, ep.experimental
    # NEJM 2024 abstract (PMID 39231341): 60/76 vs 47/74 deaths, medians 24 (19-31) vs 33 (26-48)
    assert (c.label, c.n, c.events, c.median, c.median_ci) == ("Doxorubicin", 76, 60, 24.0,
                                                              (19.0, 31.0))
    assert (e.label, e.n, e.events, e.median, e.median_ci) == (
        "Doxorubicin + trabectedin", 74, 47, 33.0, (26.0, 48.0))
    # ASCO Post 2024: 2-year OS 49% vs 68%
    assert dict(c.landmarks) == {24.0: 0.49} and dict(e.landmarks) == {24.0: 0.68}
    assert (ep.hr.estimate, ep.hr.lower, ep.hr.upper) == (0.65, 0.44, 0.95)
    assert ep.hr_adjusted is True and len(ep.hr_adjusted_for) == 2
    assert ep.hr.p_value is None and ep.log_rank_p is None  # no OS p-value is published
    assert ep.events_total == 107
    # follow-up facts: 55 months (NEJM), accrual Jan 2017 - Mar 2019 = 26 months, and the longest
    # follow-up derived as Jan 2017 -> Jan 2023 cut-off = 72 months
    for arm in ep.arms:
        assert (arm.median_follow_up, arm.accrual, arm.max_follow_up) == (55.0, 26.0, 72.0)
    assert ep.median_follow_up == 55.0
    assert "72 months" in ep.reported["control.max_follow_up"].derived


def test_lms04_pfs_is_the_lancet_central_review(lms04):
    ep = lms04.endpoints["pfs"]
    assert ep.analysis == "lancet2022" and "central" in ep.assessment
    c, e = ep.control, ep.experimental
    # ASCO Post / CancerNetwork 2022: 6.2 (4.1-7.1) vs 12.2 (10.1-15.6); 12-month 16.0% vs 50.7%
    assert (c.median, c.median_ci, e.median, e.median_ci) == (6.2, (4.1, 7.1), 12.2, (10.1, 15.6))
    assert dict(c.landmarks) == {12.0: 0.16, 24.0: 0.053}
    assert dict(e.landmarks) == {12.0: 0.507, 24.0: 0.302}
    assert c.landmark_cis[24.0] == (0.021, 0.129)
    assert c.events is None and e.events is None  # PFS events were not published
    # per-arm follow-up 36.9 vs 38.8 months (ASCO Post 2022), so no pooled value
    assert (c.median_follow_up, e.median_follow_up) == (36.9, 38.8)
    assert ep.median_follow_up is None
    assert (ep.hr.estimate, ep.hr.lower, ep.hr.upper) == (0.41, 0.29, 0.58)
    assert ep.hr.p_value is None  # "p < 0.0001" is a bound, kept in ep.p_value
    assert (ep.p_value.value, ep.p_value.relation, ep.p_value.test) == (0.0001, "<", "not stated")


def test_lms04_other_analyses_are_kept_apart(lms04):
    assert set(lms04.endpoints) >= {"os", "pfs", "pfs_nejm2024", "pfs_esmo2021", "os_esmo2021"}
    assert lms04.endpoints["pfs_nejm2024"].hr.estimate == 0.37
    assert lms04.endpoints["pfs_esmo2021"].hr.estimate == 0.384
    assert lms04.endpoints["pfs_esmo2021"].experimental.median == 13.5
    assert lms04.endpoints["os_esmo2021"].hr.upper == 1.12
    assert lms04.analyses["nejm2024"].median_follow_up.iqr == (49.0, 63.0)
    assert lms04.analyses["lancet2022"].median_follow_up.iqr == (31.0, 44.0)
    assert lms04.design_facts["accrual"].value == 26


def test_lms04_unconfirmed_claims_are_recorded_as_such(lms04):
    claims = {c.key: c for c in lms04.unconfirmed}
    decimals = claims["os_median_decimals"]
    assert dict(decimals.values) == {"control": 23.8, "experimental": 33.1}
    assert decimals.status == "unconfirmed"
    assert lms04.sources[decimals.source].kind == "secondary"
    assert dict(claims["os_p_value"].values) == {"value": 0.0253}
    # and they are never used for reconstruction
    assert lms04.endpoints["os"].experimental.median == 33.0


def test_lms04_discrepancies_say_what_is_followed(lms04):
    topics = " ".join(d.topic for d in lms04.discrepancies)
    assert "ESMO 2021 vs Lancet" in topics and "24-month PFS" in topics
    assert all(d.follows and d.reason for d in lms04.discrepancies)


def test_provenance_and_precision(lms04):
    ep = lms04.endpoints["pfs"]
    assert ep.provenance["control.median"] == ("APOST22", ep.provenance["control.median"][1])
    assert ep.provenance["experimental.landmarks[12]"].source == "CN22"
    # precision as printed: 12.2 -> 1 decimal, 16.0% -> 0.160 -> 3 (explicit decimals),
    # 30.2% -> 3, HR 0.41 -> 2; NEJM: 33 -> 0, 68% -> 2
    assert ep.decimals("experimental.median") == 1
    assert ep.decimals("control.landmarks[12]") == 3
    assert ep.decimals("experimental.landmark_cis[24]") == 3
    assert ep.decimals("hr") == 2 and ep.decimals("p_value") == 4
    os_ = lms04.endpoints["os"]
    assert os_.decimals("experimental.median") == 0
    assert os_.rounding_tolerance("experimental.median") == 0.5
    assert os_.decimals("control.landmarks[24]") == 2
    assert lms04.endpoints["dor_lancet2022"].decimals("p_value") == 4  # printed "0.0090"
    with pytest.raises(InputError, match=r"reports no quantity 'control\.landmarks\[36\]'"):
        os_.decimals("control.landmarks[36]")


def test_every_endpoint_number_has_a_defined_source(lms04):
    for ep in lms04.endpoints.values():
        paths = set(ep.provenance)
        for role, arm in zip(ep.roles, ep.arms, strict=True):
            assert f"{role}.n" in paths
            if arm.median is not None:
                assert f"{role}.median" in paths
            for t in arm.landmarks:
                assert f"{role}.landmarks[{t:g}]" in paths
            if arm.events is not None:
                assert f"{role}.events" in paths
        if ep.hr is not None:
            assert "hr" in paths
        for source, locator in ep.provenance.values():
            assert source in lms04.sources and locator


def test_outcomes_get_exact_binomial_cis(lms04):
    orr = lms04.outcomes["orr_lancet2022"]
    e = orr.values["experimental"]
    assert (e.count, e.n, e.value, e.ci_method) == (27, 74, 0.36, "Clopper-Pearson")
    # independent route: scipy's binomtest exact interval (the same as R binom.test(27, 74))
    ref = stats.binomtest(27, 74).proportion_ci(confidence_level=0.95, method="exact")
    assert e.ci == pytest.approx((ref.low, ref.high), abs=1e-12)
    # a percentage without a count gets no CI
    assert lms04.outcomes["grade34_ae_nejm2024"].values["experimental"].ci is None
    # a value left out is count / n
    assert lms04.outcomes["resection_esmo2021"].values["control"].value == pytest.approx(6 / 76)


def test_to_frame_lists_every_number_with_its_source(lms04):
    frame = lms04.to_frame()
    assert frame["source"].notna().all() and frame["locator"].notna().all()
    assert set(frame["source"]) <= set(lms04.sources)
    row = frame[(frame.key == "os") & (frame.quantity == "experimental.median")].iloc[0]
    assert (row.value, row.lower, row.upper, row.source) == (33, 26, 48, "PM-NEJM")


# -- every shipped file --------------------------------------------------------------------------
def _numbers_without_source(node, path="", sourced=False):
    """Numeric leaves not inside a table that names a source (schema-independent walk)."""
    exempt = {"schema_version", "level", "decimals", "time"}
    if isinstance(node, dict):
        here = sourced or "source" in node
        for key, value in node.items():
            yield from _numbers_without_source(value, f"{path}.{key}".lstrip("."), here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _numbers_without_source(value, f"{path}[{i}]", sourced)
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        if not sourced and path.rsplit(".", 1)[-1] not in exempt:
            yield path


def test_list_trials_matches_the_data_folder():
    assert list_trials() == sorted(p.stem for p in DATA.glob("*.toml")
                                   if p.name != "regimens.toml")  # a list, not a trial
    assert "lms04" in list_trials()


@pytest.mark.parametrize("name", sorted(p.stem for p in DATA.glob("*.toml")
                                         if p.name != "regimens.toml"))
def test_every_shipped_file_loads_and_every_number_has_a_source(name):
    trial = load_trial(name)
    assert trial.id == name
    with open(DATA / f"{name}.toml", "rb") as fh:
        raw = tomllib.load(fh)
    assert list(_numbers_without_source(raw)) == []
    used = {s for ep in trial.endpoints.values() for s, _ in ep.provenance.values()}
    assert used <= set(trial.sources)
    for ep in trial.endpoints.values():
        assert isinstance(ep.control, ArmSummary)


@pytest.mark.parametrize(("text", "decimals"), [("<1e-4", 4), ("<1.0e-4", 5), ("<0.0001", 4)])
def test_a_curated_p_written_with_an_exponent_keeps_its_decimals(tmp_path, text, decimals):
    # Sweep of p texts (/tmp/fuzz-w): "<1e-4" had 0 decimals (only characters after a "."
    # counted), so the p rounding allowed +/-0.5. Reference: the same number written out in
    # full, 0.0001, has four decimals (1.0e-4 = 0.00010, five).
    text = _replace_once(LMS04_TEXT, 'p_value = "<0.0001"\np_test = "not stated"\nsource = "APOST22"',
                         f'p_value = "{text}"\np_test = "not stated"\nsource = "APOST22"')
    assert load_trial(_write(tmp_path, text)).endpoints["pfs"].decimals("p_value") == decimals


# -- schema errors (message text) ----------------------------------------------------------------
def test_missing_source_names_file_path_and_fix(tmp_path):
    text = _replace_once(
        LMS04_TEXT,
        'median = { value = 24, ci = [19, 31], source = "PM-NEJM", ',
        "median = { value = 24, ci = [19, 31], ",
    )
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_trial(path)
    msg = str(err.value)
    assert str(path) in msg
    assert "endpoints.os.control.median: this number has no source." in msg
    assert 'Fix: add source = "KEY" naming one of [sources]' in msg and "PM-NEJM" in msg


def test_unknown_source_key(tmp_path):
    text = _replace_once(LMS04_TEXT, 'events = { value = 60, source = "PM-NEJM"',
                         'events = { value = 60, source = "PM-NEJ"')
    with pytest.raises(InputError, match=re.escape(
        "endpoints.os.control.events.source: source 'PM-NEJ' is not defined under [sources]."
    )) as err:
        load_trial(_write(tmp_path, text))
    assert "add a [sources.PM-NEJ] table" in str(err.value)


def test_unknown_key_suggests_the_right_one(tmp_path):
    text = _replace_once(LMS04_TEXT, "median = { value = 24, ci", "medain = { value = 24, ci")
    with pytest.raises(InputError) as err:
        load_trial(_write(tmp_path, text))
    msg = str(err.value)
    assert "endpoints.os.control.medain: unknown key 'medain'." in msg
    assert "did you mean 'median'?" in msg


def test_unknown_top_level_key(tmp_path):
    with pytest.raises(InputError, match=r"trial\.toml: time_units: unknown key 'time_units'\. "
                                         r"Fix: did you mean 'time_unit'\?"):
        load_trial(_write(tmp_path, 'time_units = "months"\n' + LMS04_TEXT))


@pytest.mark.parametrize("unit", ["weeks", "days", "years"])
def test_time_unit_other_than_months(tmp_path, unit):
    text = _replace_once(LMS04_TEXT, 'time_unit = "months"', f'time_unit = "{unit}"')
    with pytest.raises(InputError) as err:
        load_trial(_write(tmp_path, text))
    msg = str(err.value)
    assert f"time_unit: '{unit}' is not supported; lmssurv works in months." in msg
    assert 'set time_unit = "months"' in msg and "weeks x 7 / 30.4375" in msg


def test_missing_time_unit(tmp_path):
    text = _replace_once(LMS04_TEXT, 'time_unit = "months"\n', "")
    with pytest.raises(InputError, match=r'time_unit: is missing\. Fix: add time_unit = "months"'):
        load_trial(_write(tmp_path, text))


def test_a_bare_number_must_carry_its_source(tmp_path):
    text = _replace_once(
        LMS04_TEXT,
        'events = { value = 60, source = "PM-NEJM", locator = "abstract, Results: 60 deaths in '
        'the doxorubicin group", also = ["APOST24", "HD"] }',
        "events = 60",
    )
    with pytest.raises(InputError, match=r"endpoints\.os\.control\.events: a number must be an "
                                         r"inline table with its source, got 60\."):
        load_trial(_write(tmp_path, text))


def test_percent_instead_of_proportion(tmp_path):
    text = _replace_once(LMS04_TEXT, "{ time = 24, value = 0.49,", "{ time = 24, value = 49,")
    with pytest.raises(InputError, match=r"landmarks\[0\]\.value: 49 is not a proportion\. "
                                         r"Fix: write rates as proportions: 0\.49\."):
        load_trial(_write(tmp_path, text))


def test_inconsistent_numbers_are_reported_with_their_path(tmp_path):
    # a median CI that excludes the median: caught by ArmSummary, re-raised with file and path
    text = _replace_once(LMS04_TEXT, "value = 24, ci = [19, 31]", "value = 24, ci = [25, 31]")
    with pytest.raises(InputError, match=r"endpoints\.os\.control\.median\.ci: \[25, 31\] does "
                                         r"not contain the value 24"):
        load_trial(_write(tmp_path, text))
    # events above n
    text = _replace_once(LMS04_TEXT, "events = { value = 60,", "events = { value = 80,")
    with pytest.raises(InputError, match=r"endpoints\.os\.control: events \(80\) cannot exceed "
                                         r"n \(76\)"):
        load_trial(_write(tmp_path, text))
    # arm events that do not add up to the printed total
    text = _replace_once(LMS04_TEXT, "events = { value = 60,", "events = { value = 61,")
    with pytest.raises(InputError, match=r"events_total: 107 is not the sum of the arms' events"):
        load_trial(_write(tmp_path, text))
    # a printed percentage that disagrees with count / n
    text = _replace_once(LMS04_TEXT, "value = 0.36, count = 27", "value = 0.46, count = 27")
    with pytest.raises(InputError, match=r"0\.46 disagrees with count/n = 27/74 = 0\.365"):
        load_trial(_write(tmp_path, text))


def test_invalid_toml_and_unknown_names(tmp_path):
    with pytest.raises(InputError, match=r"bad\.toml: not valid TOML"):
        load_trial(_write(tmp_path, "time_unit = months\n", "bad.toml"))
    with pytest.raises(InputError, match=r"no curated trial 'lms4'.*Did you mean 'lms04' \(LMS-04\) or 'lms02'"):
        load_trial("lms4")
    with pytest.raises(InputError, match=r"does not exist"):
        load_trial(tmp_path / "absent.toml")


def test_reading_a_trial_file_executes_nothing():
    # The loader parses with tomllib only; no eval/exec/pickle/yaml anywhere in the package.
    files = sorted(Path(trials_module.__file__).parent.glob("*.py"))
    assert {f.name for f in files} >= {"__init__.py", "io.py", "model.py", "parse.py"}
    source = "\n".join(f.read_text(encoding="utf-8") for f in files)
    for forbidden in (r"(?<![.\w])eval\(", r"(?<![.\w])exec\(", r"(?<![.\w])compile\(",
                      "pickle", "yaml", "import_module", "__import__", "runpy"):
        assert re.search(forbidden, source) is None, forbidden
    assert re.search(r"(?<![.\w])compile\(", "x = compile('1', 'f', 'eval')")  # the guard bites


# -- exact binomial CI ---------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 10, 76])
def test_clopper_pearson_closed_forms_at_the_edges(n):
    # k = 0: upper = 1 - (alpha/2)^(1/n); k = n: lower = (alpha/2)^(1/n) (closed forms)
    assert exact_binomial_ci(0, n) == pytest.approx((0.0, 1 - 0.025 ** (1 / n)), abs=1e-12)
    assert exact_binomial_ci(n, n) == pytest.approx((0.025 ** (1 / n), 1.0), abs=1e-12)


def test_clopper_pearson_matches_scipy_and_rejects_bad_counts():
    for k, n in [(10, 76), (28, 74), (1, 76)]:
        ref = stats.binomtest(k, n).proportion_ci(confidence_level=0.9, method="exact")
        assert exact_binomial_ci(k, n, level=0.9) == pytest.approx((ref.low, ref.high), abs=1e-12)
    with pytest.raises(InputError, match=r"count \(80\) cannot exceed n \(76\)"):
        exact_binomial_ci(80, 76)


# -- reconstruction wiring -----------------------------------------------------------------------
def test_reconstruct_passes_the_endpoint_to_the_engine(lms04, monkeypatch):
    calls = {}

    def fake_trial(control, experimental, *, hr=None, seed=0, endpoint=None,
                   median_follow_up=None):
        calls["trial"] = (control, experimental, hr, seed, endpoint)
        calls["median_follow_up"] = median_follow_up
        return "trial-result"

    def fake_arm(summary, *, seed=0, endpoint=None):
        raise AssertionError("two-arm endpoints go to reconstruct_trial")

    from lmssurv.reconstruct.from_summary import endpoint_kind

    fake = types.ModuleType("lmssurv.reconstruct.from_summary")
    fake.reconstruct_trial, fake.reconstruct_arm = fake_trial, fake_arm
    fake.endpoint_kind = endpoint_kind
    monkeypatch.setitem(sys.modules, "lmssurv.reconstruct.from_summary", fake)
    assert lms04.reconstruct("pfs", seed=7) == "trial-result"
    ep = lms04.endpoints["pfs"]
    # the engine is told the endpoint's kind, which sets the curve's early shape
    assert calls["trial"] == (ep.control, ep.experimental, ep.hr, 7, "pfs")
    assert calls["median_follow_up"] is None  # this PFS: each arm's own (CN22: 36.9, 38.8)
    # OS: one figure for the trial (55 months, NEJM 2024), passed as the trial's
    assert (ep.control.median_follow_up, ep.experimental.median_follow_up) == (36.9, 38.8)
    lms04.reconstruct("os", seed=7)
    assert calls["median_follow_up"] == 55.0
    with pytest.raises(InputError, match=r"no endpoint 'ox'; its endpoints: dor_lancet2022, os,.*Did you mean 'os'"):
        lms04.reconstruct("ox")


def test_reconstruct_os_with_the_engine(lms04):
    pytest.importorskip("lmssurv.reconstruct.from_summary")
    ipd = lms04.reconstruct("os", seed=0)
    counts = ipd.groupby("arm")["event"].agg(["size", "sum"])
    # exact n and events from the NEJM abstract
    assert counts.loc["Doxorubicin"].tolist() == [76, 60]
    assert counts.loc["Doxorubicin + trabectedin"].tolist() == [74, 47]


# -- installed wheel -----------------------------------------------------------------------------
@pytest.mark.slow
def test_data_loads_from_an_installed_wheel(tmp_path):
    """Build a wheel from a copy of the project, install it into a target dir, load LMS-04.

    Takes a few seconds (pip wheel with build isolation from the configured index, then
    pip install --target); subprocess timeouts keep it under a minute.
    """
    src = tmp_path / "project"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in ("pyproject.toml", "README.md"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, src / name)
    shutil.copytree(REPO / "src", src / "src", ignore=ignore)
    shutil.copytree(REPO / "data", src / "data", ignore=ignore)
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(src)],
                   check=True, timeout=60, capture_output=True)
    (wheel,) = wheels.glob("lmssurv-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, timeout=30, capture_output=True)
    code = (
        "import lmssurv, lmssurv.trials as t, importlib.resources as r;"
        "tr = t.load_trial('lms04'); ep = tr.endpoints['os'];"
        "print(lmssurv.__file__); print(r.files('lmssurv.data'));"
        "print(t.list_trials()); print(ep.experimental.median, ep.hr.estimate)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, timeout=30,
                         capture_output=True, text=True,
                         env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}).stdout
    module_file, data_dir, listed, numbers = out.strip().splitlines()
    assert module_file.startswith(str(target)) and data_dir.startswith(str(target))
    assert "lms04" in listed
    assert numbers == "33.0 0.65"
    assert math.isclose(float(numbers.split()[1]), 0.65)
