"""A published p-value: checked against its HR and CI at input, self-checked against the
rebuild's log-rank p, and used for the HR's standard error where it is the only number on it.

Independent routes: scipy.stats.norm for the Wald p of a printed HR and CI (Altman & Bland
2011), lifelines' ``logrank_test`` for the log-rank p of rebuilt rows.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from lifelines.statistics import logrank_test
from scipy.stats import norm

from lmssurv import (
    ArmSummary,
    HazardRatio,
    InputError,
    ReconstructionWarning,
    check_comparison,
    list_trials,
    load_trial,
    reconstruct_ensemble,
    reconstruct_trial,
)
from lmssurv.reconstruct.diagnostics import EventsSource, MissReason, log_rank_p

C = ArmSummary(n=150, events=100, median=12.0, landmarks={24: 0.3})
E = ArmSummary(n=150, events=90, median=15.0, landmarks={24: 0.38})
# LMS-04 OS as published (HR 0.65, 0.44-0.95; Wald p 0.028)
C04 = ArmSummary(n=76, events=60, median=24.0, median_ci=(19.0, 31.0), landmarks={24: 0.49},
                 median_follow_up=55.0, label="Doxorubicin")
E04 = ArmSummary(n=74, events=47, median=33.0, median_ci=(26.0, 48.0), landmarks={24: 0.68},
                 median_follow_up=55.0, label="Doxorubicin + trabectedin")


def _wald_p(hr: float, lower: float, upper: float) -> float:
    se = (math.log(upper) - math.log(lower)) / (2 * norm.ppf(0.975))
    return 2 * norm.sf(abs(math.log(hr)) / se)


def _lifelines_p(ipd, labels) -> float:
    c, e = (ipd[ipd["arm"] == label] for label in labels)
    return logrank_test(c["time"], e["time"], c["event"], e["event"]).p_value


def _rebuild(*args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReconstructionWarning)
        ipd = reconstruct_trial(*args, **kwargs)
    return ipd, [w.message for w in caught if issubclass(w.category, ReconstructionWarning)]


# -- caught at input ------------------------------------------------------------------------
def test_a_p_that_contradicts_the_ci_is_rejected_naming_the_field():
    wald = _wald_p(0.75, 0.56, 0.99)
    assert 0.04 < wald < 0.06  # the CI excludes 1; a p of 0.6 cannot come with it
    with pytest.raises(InputError) as err:
        reconstruct_trial(C, E, hr=HazardRatio(0.75, 0.56, 0.99, p_value=0.6), seed=0)
    text = str(err.value)
    assert text.startswith("hr p_value 0.6 contradicts the HR 0.75 (0.56-0.99)")
    assert f"Wald p of {wald:.2g}" in text and "typo" in text and "another comparison" in text


@pytest.mark.parametrize(("hr", "p"), [
    ((0.75, 0.56, 0.99), 0.0006),  # |z| 3.4 against 1.9-2.1
    ((1.28, 0.99, 1.66), 0.006),   # a dropped zero: GeDDiS PFS's p is 0.06
    ((0.41, 0.29, 0.58), 0.04),    # LMS-04 PFS (Wald p 5e-7) with another comparison's p
])
def test_gross_contradictions_are_rejected(hr, p):
    with pytest.raises(InputError, match="hr p_value"):
        HazardRatio(*hr, p_value=p)


@pytest.mark.parametrize(("hr", "p"), [
    ((0.89, 0.65, 1.24), 0.51),    # SAR-3007 OS: a stratified p, 0.3% of z beyond rounding
    ((0.463, 0.301, 0.71), 0.0003),  # TAP 2016 OS: 2.4% of z beyond rounding
    ((0.75, 0.56, 0.99), 0.03),    # a log-rank p a little below a Wald p of 0.048
    # |z| 2.72-2.78 against 1.89-2.08: 0.64 apart, under 25% of 2.72; no test of one
    # comparison gives that either, but it is the self-check's to warn (see below)
    ((0.75, 0.56, 0.99), 0.006),
    ((1.0, 0.5, 2.0), 1.0),
])
def test_borderline_p_values_load_and_are_left_to_the_self_check(hr, p):
    assert HazardRatio(*hr, p_value=p).p_value == p


def test_no_curated_endpoint_is_rejected():
    # every curated trial loads (each HR is built with its p) and every exact p passes
    seen = 0
    for tid in list_trials():
        for ep in load_trial(tid).endpoints.values():
            if ep.hr is not None and ep.hr.p_value is not None and ep.hr.lower is not None:
                seen += 1
                # the same HR again, through the public constructor
                HazardRatio(ep.hr.estimate, ep.hr.lower, ep.hr.upper, p_value=ep.hr.p_value)
    assert seen >= 10


# -- self-checked and warned ----------------------------------------------------------------
def test_log_rank_p_is_lifelines_logrank_test_with_ties():
    rng = np.random.default_rng(3)
    for _ in range(20):
        t0, t1 = np.round(rng.exponential(10, 40)), np.round(rng.exponential(14, 55))
        e0, e1 = rng.integers(0, 2, 40), rng.integers(0, 2, 55)
        ref = logrank_test(t0, t1, e0, e1).p_value
        assert log_rank_p(t0, e0, t1, e1) == pytest.approx(ref, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize(("p_value", "reason"), [
    # |z| 1.67-1.72 over the p's rounding against the Wald range 2.11-2.28 of the HR and CI:
    # 18% apart (the input check refuses 25%), further than an unstratified log-rank test of
    # such data lies (the simulated trials' own: at most 8.5%, _LOG_RANK_WALD_GAP = 10%)
    (0.09, MissReason.OTHER_TEST),
    # |z| 1.92-2.02: 4% apart, within what a log-rank p of such data can give
    (0.05, MissReason.NOT_REACHED),
])
def test_a_missed_p_is_warned_with_its_typed_reason(p_value, reason):
    # LMS-04 OS (Wald p 0.028) with another p, not gross against its HR and CI
    hr = HazardRatio(0.65, 0.44, 0.95, p_value=p_value)
    ipd, warned = _rebuild(C04, E04, hr=hr, seed=0)
    checks = {c.quantity: c for c in ipd.attrs["lmssurv"].checks}
    assert all(checks[q].hit for q in ("hazard ratio", "HR CI lower", "HR CI upper"))
    p = checks["log-rank p"]
    reference = _lifelines_p(ipd, [C04.label, E04.label])
    assert p.rebuilt == pytest.approx(reference, rel=1e-9)
    assert abs(reference - p_value) > p.tolerance and not p.hit
    assert p.reason is reason
    assert [w.check for w in warned] == [p]
    assert f"log-rank p: published {p_value}" in str(warned[0])


def test_the_published_p_of_lms04_os_as_a_wald_p_is_reproduced_without_warning():
    # the Wald p of the printed HR and CI, to 3 decimals, is what an unstratified test gives
    p = round(_wald_p(0.65, 0.44, 0.95), 3)
    ipd, warned = _rebuild(C04, E04, hr=HazardRatio(0.65, 0.44, 0.95, p_value=p), seed=0)
    assert not warned, [str(w) for w in warned]
    reference = _lifelines_p(ipd, [C04.label, E04.label])
    check = next(c for c in ipd.attrs["lmssurv"].checks if c.quantity == "log-rank p")
    assert check.hit and abs(reference - p) <= check.tolerance


def test_check_and_the_engine_give_the_same_tolerance_for_the_same_p():
    for hr in (HazardRatio(0.65, 0.44, 0.95, p_value=0.05), HazardRatio(0.65, p_value=0.03)):
        ipd, _ = _rebuild(C04, E04, hr=hr, seed=0)
        engine = next(c for c in ipd.attrs["lmssurv"].checks if c.quantity == "log-rank p")
        c, e = (ipd[ipd["arm"] == a][["time", "event"]] for a in (C04.label, E04.label))
        row = check_comparison(hr, c, e, log_rank_p=hr.p_value).set_index("quantity")
        assert row.loc["log-rank p", "tolerance"] == engine.tolerance
        assert row.loc["log-rank p", "reconstructed"] == engine.rebuilt
        assert bool(row.loc["log-rank p", "ok"]) == engine.hit


def test_curated_engine_and_check_agree_on_every_exact_p():
    # Trial.reconstruct passes hr.p_value (the exact p, whatever its test) and lmssurv.check
    # compares Endpoint.p_value: the same number, the same verdict
    from lmssurv import check
    compared = 0
    for tid in list_trials():
        trial = load_trial(tid)
        for key, ep in trial.endpoints.items():
            if ep.hr is None or ep.hr.p_value is None:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ReconstructionWarning)
                ipd = trial.reconstruct(key, seed=0)
            row = check(trial, key, ipd).set_index("quantity").loc["log-rank p"]
            engine = next(c for c in ipd.attrs["lmssurv"].checks if c.quantity == "log-rank p")
            assert bool(row["ok"]) == engine.hit, (tid, key, row.to_dict(), str(engine))
            assert row["reconstructed"] == pytest.approx(engine.rebuilt, rel=1e-12)
            compared += 1
    assert compared >= 15


def test_an_ensemble_checks_the_p_on_its_base_rebuild():
    hr = HazardRatio(0.65, 0.44, 0.95, p_value=0.09)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReconstructionWarning)
        ens = reconstruct_ensemble(C04, E04, hr=hr, draws=3, seed=0)
    base = {c.quantity: c for c in ens.attrs["lmssurv"].base.checks}
    assert base["log-rank p"].reason is MissReason.OTHER_TEST


# -- placed where it is the information -----------------------------------------------------
@pytest.mark.parametrize(("trial_id", "endpoint"), [("geddis", "os"), ("gog250", "pfs"),
                                                    ("eortc62012", "pfs")])
def test_a_p_without_ci_sets_the_events_and_is_reproduced(trial_id, endpoint):
    # no CI and no event counts: the p is the only published number on the HR's SE, and the
    # events inferred from it give the published p (lifelines, on the rebuilt arms) to within
    # half a unit of its printed last digit (on main: 0.424, 0.701, 0.00049)
    trial = load_trial(trial_id)
    ep = trial.endpoints[endpoint]
    assert ep.hr.lower is None and None in (ep.control.events, ep.experimental.events)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReconstructionWarning)
        ipd = trial.reconstruct(endpoint, seed=0)
    diag = ipd.attrs["lmssurv"]
    assert {a.events_source for a in diag.arms} == {EventsSource.HR_CI_WIDTH}
    labels = [ep.control.label or "control", ep.experimental.label or "experimental"]
    half_unit = 0.5 * 10.0 ** -ep.decimals("p_value")
    assert abs(_lifelines_p(ipd, labels) - ep.hr.p_value) <= half_unit


def test_an_own_trial_p_gets_the_same_tolerance_in_check_and_the_engine():
    # a float p in Trial.from_dict: own_trial's default precision, lmssurv.check's tolerance
    # from it, and the engine's reading of the float are one rule (its decimals, at least 2)
    from lmssurv import Trial, check
    arm = {"n": 76, "events": 60, "median": 24.0, "median_ci": [19.0, 31.0],
           "landmarks": {24: 0.49}, "median_follow_up": 55.0, "label": "Doxorubicin"}
    exp = {"n": 74, "events": 47, "median": 33.0, "median_ci": [26.0, 48.0],
           "landmarks": {24: 0.68}, "median_follow_up": 55.0, "label": "D + T"}
    for hr in ({"estimate": 0.65, "p_value": 0.03}, {"estimate": 0.65, "p_value": 0.5}):
        trial = Trial.from_dict({"name": "Own", "endpoints": {"os": {
            "control": arm, "experimental": exp, "hr": hr}}})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ReconstructionWarning)
            ipd = trial.reconstruct("os", seed=0)
        engine = next(c for c in ipd.attrs["lmssurv"].checks if c.quantity == "log-rank p")
        row = check(trial, "os", ipd).set_index("quantity").loc["log-rank p"]
        # closed form: half a unit of 0.01, or the change in p that the HR's rounding (0.005)
        # makes on the z scale with the se the p implies, |log HR| / z, when that is larger
        p = hr["p_value"]
        z = norm.isf(p / 2)
        dz = 0.005 / 0.65 / (abs(math.log(0.65)) / z)
        spread = max(abs(2 * norm.sf(z - dz) - p), abs(2 * norm.sf(z + dz) - p))
        assert row["tolerance"] == engine.tolerance
        assert engine.tolerance == pytest.approx(max(0.005, spread), rel=1e-9)
        assert bool(row["ok"]) == engine.hit


def test_a_p_without_ci_is_allowed_the_hr_rounding_on_the_se_it_implies():
    # EORTC 62012 OS prints HR 0.82 and p = 0.061, no CI: a rebuild matching the HR to its
    # rounding (0.815-0.825) moves z = |log HR| / se by 0.005 / 0.82 / se, se the p's own
    # (|log 0.82| / z(0.061), closed form); lifelines' log-rank p of the rebuild lies within that
    ep = load_trial("eortc62012").endpoints["os"]
    assert ep.hr.lower is None and ep.hr.estimate == 0.82 and ep.hr.p_value == 0.061
    z = norm.isf(0.061 / 2)
    dz = 0.005 / 0.82 / (abs(math.log(0.82)) / z)
    tol = max(abs(2 * norm.sf(z - dz) - 0.061), abs(2 * norm.sf(z + dz) - 0.061))
    assert tol == pytest.approx(0.0084, abs=5e-5)  # vs half a unit of 0.001 before
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReconstructionWarning)
        ipd = load_trial("eortc62012").reconstruct("os", seed=0)
    check = next(c for c in ipd.attrs["lmssurv"].checks if c.quantity == "log-rank p")
    assert check.hit and check.tolerance == pytest.approx(tol, rel=1e-9)
    labels = [ep.control.label or "control", ep.experimental.label or "experimental"]
    assert abs(_lifelines_p(ipd, labels) - 0.061) <= tol


@pytest.mark.parametrize("hr, p", [(2.0, 0.9999999), (0.7, 0.9999999), (0.5, 0.999)])
def test_a_p_too_close_to_1_for_a_finite_ci_is_an_input_error(hr, p):
    # Sweep /tmp/fuzz-w/compare.py (seed 1): hazard_ratio_from_p(2, 0.9999999) raised
    # OverflowError from math.exp, and so did reconstruct_trial with the same p-only HR (its
    # standard error comes from the same CI). Independent route: scipy.stats.norm gives the
    # log-scale half-width z(0.975) * |log HR| / z(1 - p/2), beyond exp's range (about 709.8).
    from lmssurv.compare import hazard_ratio_from_p

    assert abs(math.log(hr)) + norm.isf(0.025) * abs(math.log(hr)) / norm.isf(p / 2) > 709.8
    with pytest.raises(InputError, match=rf"p_value={p!r} with hazard ratio {hr!r}.*check the p"):
        hazard_ratio_from_p(hr, p)
    with pytest.raises(InputError, match=rf"p_value={p!r}"):
        reconstruct_trial(C, E, hr=HazardRatio(hr, p_value=p), seed=1)


# -- placed by moving censorings ------------------------------------------------------------
def _hr_rounding_spread(p: float, hr: float, lower: float, upper: float) -> float:
    """Closed form (scipy.stats.norm): the change in p that the HR's rounding (0.005) makes on
    the z scale, dz = 0.005 / HR / se, se from the printed 95% CI."""
    se = (math.log(upper) - math.log(lower)) / (2 * norm.isf(0.025))
    z, dz = norm.isf(p / 2), 0.005 / hr / se
    return max(abs(2 * norm.sf(z - dz) - p), abs(2 * norm.sf(z + dz) - p))


def test_sar3007_os_p_is_reached_by_moving_censorings():
    # SAR-3007 uLMS OS prints HR 0.89 (0.65-1.24) and p = 0.51, |z| 0.3% beyond the Wald range
    # of the HR and CI: an unstratified log-rank p can give it. Main's rebuild: 0.4827, missed
    # (NOT_REACHED). Tolerance, closed form: se from the CI, (log 1.24 - log 0.65) / (2 z.975);
    # the HR's rounding (0.005) moves z by 0.005 / 0.89 / se, which moves p by up to 0.0221
    trial = load_trial("trabectedin_dtic_ulms")
    ep = trial.endpoints["os"]
    assert (ep.hr.estimate, ep.hr.lower, ep.hr.upper, ep.hr.p_value) == (0.89, 0.65, 1.24, 0.51)
    tol = _hr_rounding_spread(0.51, 0.89, 0.65, 1.24)
    assert tol == pytest.approx(0.0221, abs=5e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReconstructionWarning)  # every number reproduced
        ipd = trial.reconstruct("os", seed=0)
    assert abs(_lifelines_p(ipd, [ep.control.label, ep.experimental.label]) - 0.51) <= tol


def test_a_p_an_unstratified_test_gives_is_placed():
    # LMS-04 OS with p = 0.022, within the Wald range of its HR and CI: main left the rebuild's
    # log-rank p at 0.0267. Tolerance, closed form: se from the CI; the HR's rounding (0.005)
    # moves z by 0.005 / 0.65 / se, which moves p by up to 0.0024
    tol = _hr_rounding_spread(0.022, 0.65, 0.44, 0.95)
    assert tol == pytest.approx(0.0024, abs=5e-5) and abs(0.0267 - 0.022) > tol
    placed, warned = _rebuild(C04, E04, hr=HazardRatio(0.65, 0.44, 0.95, p_value=0.022), seed=0)
    assert not warned, [str(w) for w in warned]
    assert abs(_lifelines_p(placed, [C04.label, E04.label]) - 0.022) <= tol


def test_another_tests_p_moves_nothing(monkeypatch):
    # the same p with a CI of 0.48-0.88: its |z| lies 14% outside their Wald range, further
    # than an unstratified log-rank p of such data (p_beyond_log_rank); the rebuild is row for
    # row the one without the p, so the p neither drove a move nor vetoed one
    import lmssurv.reconstruct.patients as patients

    hr = HazardRatio(0.65, 0.48, 0.88, p_value=0.022)
    ipd, _ = _rebuild(C04, E04, hr=hr, seed=0)
    without, _ = _rebuild(C04, E04, hr=HazardRatio(0.65, 0.48, 0.88), seed=0)
    assert ipd.equals(without)
    # and it is that rule which leaves it: without it, the moves would reach this p (0.0245)
    monkeypatch.setattr(patients, "p_beyond_log_rank", lambda hr: False)
    moved, _ = _rebuild(C04, E04, hr=hr, seed=0)
    assert not moved.equals(without)
    check = next(c for c in moved.attrs["lmssurv"].checks if c.quantity == "log-rank p")
    assert check.hit


def test_log_rank_p_of_each_move_is_lifelines_logrank_test():
    # the p of every candidate move of pin_hr_ci, from the log-rank sums moved, against
    # lifelines' logrank_test on the moved rows (ties, censorings tied with events, arms of 3)
    from lmssurv.reconstruct.patients import _hr_ci_moves, _log_rank_p_moved, _moved

    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(15):
        n0, n1 = rng.integers(3, 40, 2)
        times = [np.round(rng.exponential(10, n0)), np.round(rng.exponential(14, n1))]
        events = [rng.integers(0, 2, n0), rng.integers(0, 2, n1)]
        moves = list(_hr_ci_moves(times, events, [[], []]))
        fast = _log_rank_p_moved(times, events, moves)
        for p, move in zip(fast, moves, strict=True):
            t = _moved(times, *move)
            ref = logrank_test(t[0], t[1], events[0], events[1]).p_value
            assert p == pytest.approx(ref, rel=1e-9, abs=1e-15)
            checked += 1
    assert checked > 300
