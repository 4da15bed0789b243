"""Cases from issue 9 that the summary engine once missed in silence.

Each rebuild must reproduce every published number or issue a ReconstructionWarning naming
it. The rebuilt numbers are recomputed here with lifelines (KaplanMeierFitter; CoxPHFitter,
Efron ties), independently of the engine's own self-check.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.exceptions import ConvergenceWarning

from lmssurv import (
    ArmSummary,
    HazardRatio,
    ReconstructionError,
    ReconstructionWarning,
    reconstruct_arm,
    reconstruct_trial,
)
from lmssurv.reconstruct.diagnostics import MissReason, follow_up_reproduced

# A real arm pair (issue 9): before the fix, control KM median 5.26 (published 5.7), S(6) 0.156
# (0.433), everyone dead by 7.4 months, Cox HR 2.27 called "matched", and no warning.
CONTROL = ArmSummary(n=90, events=88, median=5.7, median_ci=(5.2, 6.18),
                     landmarks={3: 0.944, 6: 0.433}, median_follow_up=54.0, max_follow_up=54.0,
                     label="c")
EXPERIMENTAL = ArmSummary(n=90, events=89, median=3.6, median_ci=(3.05, 4.41),
                          landmarks={3: 0.622, 6: 0.144}, median_follow_up=37.2,
                          max_follow_up=37.2, label="e")
HR = HazardRatio(2.07, 1.53, 2.79)


def _rebuild(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReconstructionWarning)
        ipd = fn(*args, **kwargs)
    return ipd, [str(w.message) for w in caught if issubclass(w.category, ReconstructionWarning)]


def _km(df: pd.DataFrame) -> KaplanMeierFitter:
    with np.errstate(all="ignore"):  # lifelines calls np.seterr; keep the global state
        return KaplanMeierFitter().fit(df["time"], df["event"])


def _independent_misses(summary: ArmSummary, rows: pd.DataFrame) -> list[str]:
    """Published numbers of one arm that lifelines' KM of the rows does not reproduce."""
    km = _km(rows)
    out = []
    if summary.events is not None and int(rows["event"].sum()) != summary.events:
        out.append("events")
    if summary.median is not None:
        # reported to 0.1 month: the KM median must be within half of it
        if not abs(km.median_survival_time_ - summary.median) <= 0.05 + 1e-9:
            out.append("median")
    for t, rate in summary.landmarks.items():
        got = float(km.survival_function_at_times(t).iloc[0])
        at_risk = int((rows["time"] >= t).sum())
        # three decimals, or half a KM step when that is coarser (the engine's stated rule)
        tol = max(0.0005, got / (2 * max(at_risk, 1)))
        if abs(got - rate) > tol + 1e-9:
            out.append(f"S({t:g})")
    return out


def _cox_hr(ipd: pd.DataFrame, experimental: str) -> float:
    df = pd.DataFrame({"time": ipd["time"], "event": ipd["event"],
                       "x": (ipd["arm"] == experimental).astype(int)})
    return float(np.exp(CoxPHFitter().fit(df, "time", "event").params_["x"]))


def _assert_every_miss_warned(summaries, ipd, warned, hr=None):
    text = " ".join(warned)
    for summary in summaries:
        rows = ipd[ipd["arm"] == summary.label] if "arm" in ipd else ipd
        for miss in _independent_misses(summary, rows):
            assert f"{summary.name} {miss}" in text, (miss, warned)
    if hr is not None:
        rebuilt = _cox_hr(ipd, summaries[1].label)
        if abs(rebuilt - hr.estimate) > 0.005 + 1e-9:  # the HR is printed to 2 decimals
            assert "hazard ratio" in text, (rebuilt, warned)


def test_real_arm_pair_keeps_its_numbers_and_its_follow_up():
    ipd, warned = _rebuild(reconstruct_trial, CONTROL, EXPERIMENTAL, hr=HR, seed=0)
    _assert_every_miss_warned((CONTROL, EXPERIMENTAL), ipd, warned, HR)
    for summary in (CONTROL, EXPERIMENTAL):
        rows = ipd[ipd["arm"] == summary.label]
        assert _independent_misses(summary, rows) == [], summary.label
        # the two or one survivors are followed to the end, not all dead by 7.4 months
        assert rows["time"].max() == pytest.approx(summary.max_follow_up, rel=0.02)
    # the HR: hit, or warned as a contradiction among the published numbers (asserted above)
    diag = ipd.attrs["lmssurv"]
    assert all(c.reason is MissReason.INCOMPATIBLE for c in diag.misses), diag


def test_strict_raises_with_the_diagnostics():
    arm = ArmSummary(n=8, events=6, median=9.0, landmarks={12: 0.5}, median_follow_up=20.0)
    with pytest.raises(ReconstructionError, match="median") as info:
        reconstruct_arm(arm, seed=0, strict=True)
    assert info.value.diagnostics.misses


@pytest.mark.parametrize("summary", [
    # immature data: the median lies far past the median follow-up (KM median once 5.27)
    ArmSummary(n=144, events=35, median=14.0, landmarks={3: .94, 6: .75}, median_follow_up=5.2),
    # S(2) = 1.0 in a small arm (once 0.90)
    ArmSummary(n=10, events=7, median=6.0, landmarks={2: 1.0}, median_follow_up=12.0),
], ids=["immature", "no-event-before-landmark"])
def test_single_arm_cases_hit_every_number(summary):
    ipd, warned = _rebuild(reconstruct_arm, summary, seed=0)
    assert _independent_misses(summary, ipd) == [] and warned == []


def test_km_sitting_at_one_half_is_warned_not_hidden():
    # median 9 and S(12) = 0.5 in 8 patients: the KM sits at exactly 0.5 from 9 to 12, where
    # lifelines reports 12 and R the midpoint; the engine cannot make them agree, so it warns.
    arm = ArmSummary(n=8, events=6, median=9.0, landmarks={12: .5}, median_follow_up=20.0)
    ipd, warned = _rebuild(reconstruct_arm, arm, seed=0)
    _assert_every_miss_warned((arm,), ipd, warned)


def test_weibull_trial_hr_is_hit_or_warned():
    c = ArmSummary(n=173, events=101, median=20.1, median_ci=(18.3, 21.3), landmarks={1: 1.0},
                   median_follow_up=21.2, max_follow_up=35.5, accrual=29.0, label="c")
    e = ArmSummary(n=173, events=77, median=23.8, median_ci=(19.6, 25.1), landmarks={9: .948},
                   median_follow_up=21.2, max_follow_up=35.5, accrual=29.0, label="e")
    hr = HazardRatio(0.67, 0.50, 0.90)
    ipd, warned = _rebuild(reconstruct_trial, c, e, hr=hr, seed=270)
    _assert_every_miss_warned((c, e), ipd, warned, hr)


def test_warning_names_number_values_and_reason():
    arm = ArmSummary(n=8, events=6, median=9.0, landmarks={12: .5}, median_follow_up=20.0)
    _, warned = _rebuild(reconstruct_arm, arm, seed=0)
    assert any("median: published 9" in w and "rebuilt" in w and "MISSED" in w
               for w in warned), warned


def test_each_warning_carries_its_missed_check_as_data():
    # the same miss as above; code acts on warning.check, never on the message's text
    arm = ArmSummary(n=8, events=6, median=9.0, landmarks={12: .5}, median_follow_up=20.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReconstructionWarning)
        ipd = reconstruct_arm(arm, seed=0)
    checks = [w.message.check for w in caught if issubclass(w.category, ReconstructionWarning)]
    assert checks and checks == list(ipd.attrs["lmssurv"].misses)
    assert all(not c.hit and c.reason is not None for c in checks)
    assert any(c.quantity == "median" and c.published == 9.0 for c in checks), checks


# -- issue 11: degenerate numbers a user can type -----------------------------------------------
C11 = ArmSummary(n=30, median=12.0, median_follow_up=6.0, label="c")
E11 = ArmSummary(n=30, events=0, landmarks={6: 1.0}, median_follow_up=6.0, label="e")


def test_reported_zero_events_stay_zero():
    # once: 1 event in e although 0 were reported
    ipd, warned = _rebuild(reconstruct_trial, C11, E11, seed=0)
    assert int(ipd.loc[ipd["arm"] == "e", "event"].sum()) == 0
    assert (ipd.loc[ipd["arm"] == "e", "time"] > 0).all()
    _assert_every_miss_warned((C11, E11), ipd, warned)


def test_an_arm_without_events_and_an_hr_ci_is_no_zero_division():
    # once: ZeroDivisionError inferring c's events from the CI width with e's 0 events
    hr = HazardRatio(0.1, 0.01, 0.9)
    ipd, warned = _rebuild(reconstruct_trial, C11, E11, hr=hr, seed=0)
    assert int(ipd.loc[ipd["arm"] == "e", "event"].sum()) == 0
    # a Cox HR with no events in one arm is not estimable: said so, as a contradiction
    assert any("hazard ratio: published 0.1, rebuilt not estimable" in w for w in warned)
    miss = next(c for c in ipd.attrs["lmssurv"].misses if c.quantity == "hazard ratio")
    assert miss.reason is MissReason.INCOMPATIBLE


def test_one_event_in_200_with_a_tiny_follow_up_is_no_zero_division():
    # once: ZeroDivisionError in the engine's Cox fit (zero information)
    c = ArmSummary(n=5, events=4, median=1.0, median_follow_up=7.4, label="c")
    e = ArmSummary(n=200, events=1, median=2.64, median_follow_up=0.3, accrual=0.2, label="e")
    ipd, warned = _rebuild(reconstruct_trial, c, e, hr=HazardRatio(0.22), seed=0)
    counts = ipd.groupby("arm")["event"].agg(["size", "sum"])
    assert counts.loc["c"].tolist() == [5, 4] and counts.loc["e"].tolist() == [200, 1]
    _assert_every_miss_warned((c, e), ipd, warned, HazardRatio(0.22))


def test_an_hr_ci_past_the_float_range_is_no_overflow_error():
    # once (found by a random-summary sweep): OverflowError in the Wald CI of a 2-patient arm
    # while pin_hr_ci scored its moves; the Cox se there is in the hundreds
    c = ArmSummary(n=5, events=4, max_follow_up=7.8, label="c")
    e = ArmSummary(n=2, events=1, median=43.6, median_ci=(27.8, None), median_follow_up=50.8,
                   label="e")
    hr = HazardRatio(2.98, 1.58, 5.87)
    ipd, warned = _rebuild(reconstruct_trial, c, e, hr=hr, seed=0)
    counts = ipd.groupby("arm")["event"].agg(["size", "sum"])
    assert counts.loc["c"].tolist() == [5, 4] and counts.loc["e"].tolist() == [2, 1]
    # lifelines' Cox does not converge on these arms (complete separation): the HR and both
    # limits must be warned as missed, the arms' own numbers checked by lifelines' KM
    for quantity in ("hazard ratio", "HR CI lower", "HR CI upper"):
        assert any(w.startswith(f"both arms {quantity}: published") for w in warned), warned
    assert any(w.startswith("both arms HR CI upper: published 5.87, rebuilt not estimable")
               for w in warned)
    _assert_every_miss_warned((c, e), ipd, warned)


def test_an_hr_without_a_finite_estimate_is_warned_as_not_estimable():
    # once (found by a random-summary sweep): three control patients all dead by 2.5 months and
    # both experimental events at its median of 9, so no control patient is at risk at any
    # experimental event; the Cox fit diverges (monotone likelihood) and the warning printed the
    # 60th Newton step as the rebuilt HR, 8.757e-27
    c = ArmSummary(n=3, events=3, median=2.0, label="c")
    e = ArmSummary(n=2, events=2, median=9.0, label="e")
    ipd, warned = _rebuild(reconstruct_trial, c, e, hr=HazardRatio(0.3, 0.05, 1.5), seed=0)
    control, experimental = (ipd[ipd["arm"] == a] for a in "ce")
    assert control["time"].max() < experimental.loc[experimental["event"] == 1, "time"].min()
    df = pd.DataFrame({"time": ipd["time"], "event": ipd["event"],
                       "x": (ipd["arm"] == "e").astype(int)})
    with pytest.warns(ConvergenceWarning, match="complete separation"):
        CoxPHFitter().fit(df, "time", "event")  # lifelines, too, finds no finite maximum
    for quantity in ("hazard ratio", "HR CI lower", "HR CI upper"):
        assert any(w.startswith(f"both arms {quantity}: published") and "not estimable" in w
                   for w in warned), warned
    misses = ipd.attrs["lmssurv"].misses
    assert [c.rebuilt for c in misses if c.quantity == "hazard ratio"] == [None]


@pytest.mark.parametrize(("c", "e", "hr", "seed"), [
    (ArmSummary(n=2, events=2, median=40.7, median_ci=(34.8, None), median_follow_up=58.0,
                label="c"),
     ArmSummary(n=4, events=3, median=35.3, landmarks={1: 0.99, 3: 0.98, 24: 0.66},
                median_follow_up=50.3, label="e"), HazardRatio(1.22, 0.99, 1.51), 3),
    (ArmSummary(n=2, events=1, median=48.2, landmarks={3: 1.0, 12: 0.99, 36: 0.739}, label="c"),
     ArmSummary(n=6, events=5, median=42.2, landmarks={3: 1.0}, label="e"),
     HazardRatio(1.46, 1.26, 1.69), 15),
])
def test_an_hr_shift_into_a_cox_fit_that_is_not_estimable_is_no_nan(c, e, hr, seed):
    # once (found by a random-summary sweep): the HR match's regula falsi stepped to a shift
    # where the Cox fit of these few patients is not estimable and carried the nan into the
    # tail calibration (ValueError from scipy's brentq)
    ipd, warned = _rebuild(reconstruct_trial, c, e, hr=hr, seed=seed, endpoint="os")
    counts = ipd.groupby("arm")["event"].agg(["size", "sum"])
    assert counts.loc["c"].tolist() == [c.n, c.events]
    assert counts.loc["e"].tolist() == [e.n, e.events]
    assert any(w.startswith("both arms hazard ratio: published") for w in warned), warned
    _assert_every_miss_warned((c, e), ipd, warned)


def test_diagnostics_report_the_loss_to_follow_up_that_was_used():
    # No follow-up reported and fewer events than the curve gives even at the shortest
    # follow-up (an immature trial): the engine loses patients to follow-up, and says so.
    arm = ArmSummary(n=533, events=107, median=10.9, median_ci=(8.7, 11.9),
                     landmarks={3: 0.87, 6: 0.76}, label="c")
    ipd, _ = _rebuild(reconstruct_arm, arm, seed=0)
    frame = ipd.attrs["lmssurv"].arms_frame()
    assert frame.loc[0, "loss_to_follow_up"] > 0  # once always 0, whatever the engine used


# An arm with reported follow-up and fewer events than its curve gives under the follow-up
# model (uniform entry, late censoring): 40 of 100 against about 70.
_FEW_EVENTS = ArmSummary(n=100, events=40, median=10.0, landmarks={6: 0.7, 12: 0.42},
                         median_follow_up=24.0, max_follow_up=36.0, label="c")


def test_progression_arm_with_few_events_loses_patients_before_its_tail_falls():
    # The tail stops at half the last reported stretch's hazard (the bound of its first
    # step) and the rest of the missing events are patients lost to follow-up; before, the
    # tail fell to the floor 0.02 first (a flat tail above the truth on the real test bed).
    ipd, _ = _rebuild(reconstruct_arm, _FEW_EVENTS, seed=0, endpoint="pfs")
    frame = ipd.attrs["lmssurv"].arms_frame()
    assert frame.loc[0, "tail_hazard_multiplier"] == pytest.approx(0.5)
    assert frame.loc[0, "loss_to_follow_up"] > 0
    assert int(ipd["event"].sum()) == 40


def test_overall_survival_loses_patients_only_when_the_follow_up_median_survives():
    # For OS the reverse-KM median is the published median follow-up: the loss-first order is
    # kept when its pseudo-patients reproduce that median, or when the tail-first order does
    # not either. This arm is the second case (its uniform-entry follow-up model cannot give
    # 24 months with 60 of 100 censored either way), so the loss stays.
    ipd, _ = _rebuild(reconstruct_arm, _FEW_EVENTS, seed=0, endpoint="os")
    frame = ipd.attrs["lmssurv"].arms_frame()
    assert frame.loc[0, "tail_hazard_multiplier"] == pytest.approx(0.5)
    assert frame.loc[0, "loss_to_follow_up"] > 0
    assert not follow_up_reproduced(24.0, ipd["time"].to_numpy(), ipd["event"].to_numpy())
    # the real arm pair (88 and 89 events of 90, median follow-up 54 = the longest):
    # losses would put its reverse-KM median near 12 months, so the tail falls first there
    ipd, _ = _rebuild(reconstruct_trial, CONTROL, EXPERIMENTAL, hr=HR, seed=0)
    for summary in (CONTROL, EXPERIMENTAL):
        rows = ipd[ipd["arm"] == summary.label]
        assert follow_up_reproduced(summary.median_follow_up, rows["time"].to_numpy(),
                                    rows["event"].to_numpy()), summary.label


def test_follow_up_reproduced_by_hand():
    # censoring as the event: at risk 5 at t = 2 (G = 4/5), 3 at t = 4 (G = 8/15 = 0.533), 2 at
    # t = 5 (G = 4/15 = 0.267): the reverse-KM median is 5
    time, event = np.array([1.0, 2, 3, 4, 5, 6]), np.array([1, 0, 1, 0, 0, 1])
    assert follow_up_reproduced(5.0, time, event)
    # 4.0: tolerance half a unit (0.5; the censorings around it are 1 apart, half of that
    # capped at 5% of 4), and 5 is 1 away
    assert not follow_up_reproduced(4.0, time, event)
    assert follow_up_reproduced(None, time, event)


def test_landmark_past_the_last_follow_up_time_is_a_miss():
    # once "hit": the KM was read past the last time as its last level (as lifelines'
    # survival_function_at_times does), 0.375 here (hand KM: 3/4 after t=2, x 1/2 after t=6),
    # although no one was followed to 12 months (seen on a real figure, CONCUR arm 3A)
    from lmssurv.reconstruct.diagnostics import HazardRatioMatch, self_check

    arm = ArmSummary(n=4, events=2, landmarks={12: 0.375})
    df = pd.DataFrame({"time": [2.0, 4.0, 6.0, 10.0], "event": [1, 0, 1, 0]})
    (lm,) = [c for c in self_check([arm], ["a"], [df], None, HazardRatioMatch.NONE)
             if c.quantity == "landmark"]
    assert (lm.hit, lm.rebuilt, lm.reason) == (False, None, MissReason.NOT_REACHED)
    assert "S(12): published 0.375, rebuilt undefined" in str(lm)


# Simulated trials of tests/validation/sim_testbed.py (seed 0, as the validation runs them)
# whose median or a landmark the engine once missed (warned), although the simulated truth
# met every number. Summaries as the test bed printed them; rates to ``decimals`` places.
_SIM_MISSES = {
    # a landmark next to a pinned median: only moves away from the pinned events reach it
    # (once S(24) 0.497 for 0.500)
    "sim0220": (3, "OS", ArmSummary(
        n=355, events=225, median=23.9, median_ci=(21.8, 27.1),
        landmarks={12: 0.811, 24: 0.5, 36: 0.265}, median_follow_up=38.9, max_follow_up=70.1,
        label="control"), ArmSummary(
        n=355, events=199, median=24.0, median_ci=(20.0, 26.7),
        landmarks={12: 0.738, 24: 0.501, 36: 0.279}, median_follow_up=33.5,
        max_follow_up=61.8, label="experimental"), HazardRatio(1.02, 0.84, 1.24)),
    # once S(24) 0.708 for 0.70 (needs censorings far from the landmarks moved)
    "sim0528": (2, "OS", ArmSummary(
        n=281, events=123, median=25.8, median_ci=(21.3, None), landmarks={12: 0.77, 24: 0.53},
        median_follow_up=21.6, max_follow_up=31.7, label="control"), ArmSummary(
        n=281, events=79, median=None, median_ci=(28.5, None), landmarks={12: 0.86, 24: 0.7},
        median_follow_up=21.7, max_follow_up=29.4, label="experimental"),
        HazardRatio(0.57, 0.43, 0.75)),
    # a published median reached late in a small arm: events held back for it (once not
    # reached: the events were spent before the censorings that shrink the risk set)
    "sim0038": (3, "PFS", ArmSummary(
        n=9, events=4, median=None, median_ci=(4.9, None), landmarks={12: 0.667, 24: 0.556},
        median_follow_up=18.7, max_follow_up=33.2, label="control"), ArmSummary(
        n=14, events=4, median=31.3, median_ci=(27.9, None), landmarks={12: 0.929, 24: 0.851},
        median_follow_up=28.4, max_follow_up=42.4, label="experimental"),
        HazardRatio(0.4, 0.1, 1.69)),
    "sim0010": (2, "OS", ArmSummary(
        n=103, events=33, median=34.6, median_ci=(30.9, None), landmarks={12: 0.77, 24: 0.66},
        median_follow_up=21.5, max_follow_up=37.7, label="control"), ArmSummary(
        n=103, events=41, median=None, median_ci=(22.3, None), landmarks={12: 0.75, 24: 0.57},
        median_follow_up=22.9, max_follow_up=34.4, label="experimental"),
        HazardRatio(1.26, 0.79, 2.0)),
    # events not reported, median not reached: once 6 of 11 inferred, which no KM of 11
    # patients can have and stay above 0.5 (once "reached" at 397 months)
    "sim0478": (3, "PFS", ArmSummary(n=12, landmarks={12: 0.833, 24: 0.667}, label="control"),
                ArmSummary(n=11, landmarks={12: 0.727, 24: 0.636}, label="experimental"),
                HazardRatio(1.59, 0.43, 5.94)),
    # no one followed to the last landmark (S(24) undefined): the last censoring moves past
    # it, within the published longest follow-up of 25.0
    "sim0313": (2, "OS", ArmSummary(
        n=16, events=5, landmarks={12: 0.67, 24: 0.67}, median_follow_up=18.4,
        max_follow_up=28.1, label="control"), ArmSummary(
        n=8, events=3, median=23.1, landmarks={12: 0.75, 24: 0.38}, median_follow_up=16.3,
        max_follow_up=25.0, label="experimental"), HazardRatio(1.15, 0.27, 4.87)),
    # a median CI limit that the rebuild could not pin (7.9 for 8.1) no longer blocks the
    # landmark polish (once S(12) 0.846 for 0.900)
    "sim0049": (3, "OS", ArmSummary(
        n=13, events=4, median=None, median_ci=(8.1, None),
        landmarks={12: 0.9, 24: 0.787, 36: 0.563}, median_follow_up=29.1, max_follow_up=62.1,
        label="control"), ArmSummary(
        n=13, events=4, median=None, median_ci=(8.6, None),
        landmarks={12: 0.833, 24: 0.833, 36: 0.635}, median_follow_up=28.7,
        max_follow_up=60.7, label="experimental"), HazardRatio(0.77, 0.19, 3.08)),
    # a median CI limit at a landmark's time (12.0, with S(12) reported): the event pinned at
    # the limit counted in S(12), a step low (once 0.5625 for 0.566); just after 12.0 the
    # limit still rounds to 12.0
    "sim0133": (3, "OS", ArmSummary(
        n=138, events=93, median=10.6, median_ci=(6.9, 15.7), landmarks={12: 0.486, 24: 0.325},
        median_follow_up=23.6, max_follow_up=32.2, label="control"), ArmSummary(
        n=256, events=132, median=20.2, median_ci=(12.0, None),
        landmarks={12: 0.566, 24: 0.476}, median_follow_up=21.7, max_follow_up=32.5,
        label="experimental"), HazardRatio(0.74, 0.57, 0.96)),
}


def test_median_ci_limit_at_a_landmark_time_still_rounds_to_the_published_one():
    # sim0133 above: the experimental arm's lower limit 12.0, recomputed with lifelines'
    # log-log (exponential Greenwood) band, as the test bed printed it
    from lifelines.utils import median_survival_times

    _, endpoint, c, e, hr = _SIM_MISSES["sim0133"]
    ipd, _ = _rebuild(reconstruct_trial, c, e, hr=hr, seed=0, endpoint=endpoint)
    km = _km(ipd[ipd["arm"] == e.label])
    lower = float(median_survival_times(km.confidence_interval_).iloc[0, 0])
    assert abs(lower - 12.0) <= 0.05 + 1e-9, lower


@pytest.mark.parametrize("name", list(_SIM_MISSES))
def test_simulated_trials_once_missed_hit_their_medians_and_landmarks(name):
    decimals, endpoint, c, e, hr = _SIM_MISSES[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReconstructionWarning)
        ipd = reconstruct_trial(c, e, hr=hr, seed=0, endpoint=endpoint)
    for summary in (c, e):
        rows = ipd[ipd["arm"] == summary.label]
        km = _km(rows)
        # lifelines' median (first time S <= 0.5; inf when never), to the 0.1 printed
        if summary.median is None:
            assert km.median_survival_time_ == np.inf, (name, summary.label)
        else:
            assert abs(km.median_survival_time_ - summary.median) <= 0.05 + 1e-9, (
                name, summary.label, km.median_survival_time_)
        for t, rate in summary.landmarks.items():
            assert rows["time"].max() >= t  # someone followed that long
            got = float(km.survival_function_at_times(t).iloc[0])
            at_risk = int((rows["time"] >= t).sum())
            # half a unit of the printed decimal, or half a KM step when coarser
            tol = max(0.5 * 10.0 ** -decimals, got / (2 * at_risk))
            assert abs(got - rate) <= tol + 1e-9, (name, summary.label, t, got, rate)
        if summary.events is not None:
            assert int(rows["event"].sum()) == summary.events
    # nor does the engine's own self-check report a median or landmark miss (the HR may be)
    checks = [getattr(w.message, "check", None) for w in caught]
    assert not [ch for ch in checks if ch is not None and ch.quantity in ("median", "landmark")]


# -- median and HR CI limits: self-checked, and the median's placed ----------------------------
def _lifelines_cis(c: pd.DataFrame, e: pd.DataFrame) -> dict:
    """Brookmeyer-Crowley median CI limits (lifelines' log-log band, its median rule) per arm,
    and the Cox Wald 95% CI (lifelines, Efron ties): the independent route."""
    from lifelines.utils import median_survival_times

    out = {}
    for label, df in (("c", c), ("e", e)):
        band = median_survival_times(_km(df).confidence_interval_)
        out[label] = tuple(float(v) for v in band.iloc[0])
    both = pd.concat([c.assign(x=0.0), e.assign(x=1.0)])[["time", "event", "x"]]
    with np.errstate(all="ignore"):
        cox = CoxPHFitter().fit(both, "time", "event")
    out["hr"] = tuple(float(v) for v in np.exp(cox.confidence_intervals_.iloc[0]))
    return out


def _rebuilt_cis(ipd: pd.DataFrame) -> dict:
    """:func:`_lifelines_cis` of a rebuild whose arms are labelled "c" and "e"."""
    return _lifelines_cis(*(ipd[ipd["arm"] == k] for k in ("c", "e")))


def _assert_median_cis_reproduced(ipd: pd.DataFrame, c: ArmSummary, e: ArmSummary) -> None:
    """Every published median CI limit within half of its printed 0.1 month of lifelines'."""
    ref = _rebuilt_cis(ipd)
    for k, summary in (("c", c), ("e", e)):
        for got, published in zip(ref[k], summary.median_ci, strict=True):
            assert abs(got - published) <= 0.05 + 1e-9, (k, got, published)


def test_self_check_recomputes_the_median_and_hr_ci_limits_as_lifelines():
    from lmssurv.reconstruct.diagnostics import HazardRatioMatch, self_check

    rng = np.random.default_rng(5)
    frames = [pd.DataFrame({"time": rng.exponential(scale, 80).round(2) + 0.01,
                            "event": (rng.random(80) < 0.8).astype(int)})
              for scale in (10.0, 15.0)]
    ref = _lifelines_cis(*frames)
    arms = [ArmSummary(n=80, median=round(_km(f).median_survival_time_, 1),
                       median_ci=(round(ref[k][0], 1), 99.0))
            for k, f in zip(("c", "e"), frames, strict=True)]
    hr = HazardRatio(round(ref["hr"][0], 2) + 0.01, round(ref["hr"][0], 2), 9.99)
    checks = {(ch.quantity, ch.arm): ch
              for ch in self_check(arms, ["c", "e"], frames, hr, HazardRatioMatch.NONE,
                                  intervals=True)}
    for k in ("c", "e"):
        lower, upper = checks[("median CI lower", k)], checks[("median CI upper", k)]
        assert lower.rebuilt == pytest.approx(ref[k][0]) and lower.hit
        assert upper.rebuilt == pytest.approx(ref[k][1]) and not upper.hit
        assert upper.reason is MissReason.NOT_REACHED
    assert checks[("HR CI lower", "both arms")].rebuilt == pytest.approx(ref["hr"][0], rel=1e-6)
    assert checks[("HR CI lower", "both arms")].hit
    assert checks[("HR CI upper", "both arms")].rebuilt == pytest.approx(ref["hr"][1], rel=1e-6)
    assert not checks[("HR CI upper", "both arms")].hit


def test_hr_ci_the_event_counts_cannot_give_is_warned():
    # 40 and 30 events give 0.6 exp(+-1.96 sqrt(1/40 + 1/30)) = (0.374, 0.963), not (0.4, 0.9):
    # the HR is matched, its CI cannot be, and both limits are warned
    ctrl = ArmSummary(n=60, events=40, median=12.0, median_follow_up=24.0, label="c")
    exp = ArmSummary(n=60, events=30, median=15.0, landmarks={12: 0.6}, median_follow_up=24.0,
                     label="e")
    ipd, warned = _rebuild(reconstruct_trial, ctrl, exp, hr=HazardRatio(0.6, 0.4, 0.9), seed=0)
    assert sorted(w.split(":")[0] for w in warned) == ["both arms HR CI lower",
                                                       "both arms HR CI upper"]
    ref = _rebuilt_cis(ipd)
    assert ref["hr"][0] < 0.4 - 0.01 and ref["hr"][1] > 0.9 + 0.01  # lifelines agrees: missed


def test_median_ci_limits_land_on_the_published_ones():
    # issue 9's PH Weibull trial: the curve through the survival the limit implies put the
    # experimental arm's lower limit at 19.77 for a published 19.6; lifelines' band now
    # crosses 0.5 at each published limit (to its 0.1 printed)
    c = ArmSummary(n=173, events=101, median=20.1, median_ci=(18.3, 21.3), landmarks={1: 1.0},
                   median_follow_up=21.2, max_follow_up=35.5, accrual=29.0, label="c")
    e = ArmSummary(n=173, events=77, median=23.8, median_ci=(19.6, 25.1), landmarks={9: .948},
                   median_follow_up=21.2, max_follow_up=35.5, accrual=29.0, label="e")
    ipd, warned = _rebuild(reconstruct_trial, c, e, hr=HazardRatio(0.67, 0.50, 0.90), seed=270)
    assert warned == []
    _assert_median_cis_reproduced(ipd, c, e)


def test_median_ci_lower_limits_four_events_away_are_placed():
    # simulated trial sim0161 (ramp-up accrual, 344 per arm, seed 0): each arm's log-log band
    # crossed 0.5 four events after the published lower limit (17.42 for 17.2, 21.76 for
    # 21.4), one more than the 3 moves pin_median_ci allowed, and both limits were warned
    c = ArmSummary(n=344, events=278, median=18.9, median_ci=(17.2, 21.5),
                   landmarks={12.0: 0.669, 24.0: 0.395}, label="c")
    e = ArmSummary(n=344, events=234, median=25.1, median_ci=(21.4, 28.2),
                   landmarks={12.0: 0.776, 24.0: 0.512}, label="e")
    ipd, warned = _rebuild(reconstruct_trial, c, e, hr=HazardRatio(0.69, 0.58, 0.82), seed=0,
                           endpoint="os")
    assert warned == []
    _assert_median_cis_reproduced(ipd, c, e)


def test_median_ci_limit_whose_moves_lose_the_hr_ci_is_placed_with_it_won_back():
    # simulated trial sim0568 (ramp-up accrual, PFS, seed 0): the two events that put the
    # experimental arm's band on its lower limit 23.2 (it crossed at 23.35) pushed the Cox
    # Wald upper limit past 1.42's rounding, so the pin was refused and the limit warned; a
    # few censorings moved across event times (as pin_hr_ci moves them) win the limit back
    c = ArmSummary(n=285, median=27.0, median_ci=(24.4, None), median_follow_up=15.1,
                   max_follow_up=32.9, landmarks={6.0: 0.93, 12.0: 0.81, 24.0: 0.61}, label="c")
    e = ArmSummary(n=285, median=26.0, median_ci=(23.2, 34.0), median_follow_up=15.5,
                   max_follow_up=34.0, landmarks={6.0: 0.94, 12.0: 0.83, 24.0: 0.55}, label="e")
    hr = HazardRatio(1.04, 0.76, 1.42)
    ipd, warned = _rebuild(reconstruct_trial, c, e, hr=hr, seed=0, endpoint="pfs")
    assert warned == []
    ref = _rebuilt_cis(ipd)
    assert abs(ref["e"][0] - 23.2) <= 0.05 + 1e-9, ref["e"]  # printed to 0.1 month
    # lifelines' Cox Wald limits within half a unit of the second decimal plus the HR's own
    # rounding carried over (check_comparison's rule)
    for got, published in zip(ref["hr"], (hr.lower, hr.upper), strict=True):
        assert abs(got - published) <= 0.005 + published * 0.005 / hr.estimate, ref["hr"]


def test_pin_median_ci_undoes_the_moves_its_caller_refuses():
    from lmssurv.reconstruct.patients import pin_median_ci

    time = np.arange(1.0, 41.0)
    event = np.ones(40, dtype=int)
    # 40 events one month apart: the log-log band crosses 0.5 at 14 and 26 (lifelines)
    ref = _lifelines_cis(pd.DataFrame({"time": time, "event": event}),
                         pd.DataFrame({"time": time, "event": event}))["c"]
    assert ref == (14.0, 26.0)
    moved, n = pin_median_ci(time, event, (12.5, 26.0), accept=lambda t: True)
    assert n >= 1 and 12.5 in moved
    band = _lifelines_cis(*[pd.DataFrame({"time": moved, "event": event})] * 2)["c"]
    assert band == (12.5, 26.0)
    kept, n = pin_median_ci(time, event, (12.5, 26.0), accept=lambda t: False)
    assert n == 0 and np.array_equal(kept, time)
    # a lower limit printed 0.0 (hypothesis found one): no event goes to time 0
    kept, n = pin_median_ci(time, event, (0.0, 26.0))
    assert n == 0 and np.array_equal(kept, time)


def test_trial_follow_up_is_placed_and_checked_pooled():
    # EORTC 62012 OS gives one median follow-up, 56 months, for the whole trial. The engine
    # used to place and check it per arm (58.69 and 53.53, each within its 5%) while the
    # pooled reverse KM that lmssurv.check compares, 58.69, missed it (tolerance 2.58) with
    # no warning.
    from lmssurv.checks import check
    from lmssurv.trials import load_trial

    trial = load_trial("eortc62012")
    assert trial.trial_follow_up("os") == 56.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReconstructionWarning)
        ipd = trial.reconstruct("os", seed=0)
    follow = [c for c in ipd.attrs["lmssurv"].checks if c.quantity == "median follow-up"]
    assert [c.arm for c in follow] == ["both arms"]  # the trial's figure, not each arm's
    # independent route: lifelines' KM of the censorings (event flags flipped), arms pooled
    pooled = KaplanMeierFitter().fit(ipd["time"], 1 - ipd["event"]).median_survival_time_
    assert follow[0].rebuilt == pytest.approx(pooled)
    # the tolerance by hand: half the gap between the censorings around 56, at most 5% of it,
    # never under half a unit of 56.0
    censored = np.unique(ipd.loc[ipd["event"] == 0, "time"])
    gap = censored[censored > 56].min() - censored[censored <= 56].max()
    assert abs(pooled - 56) <= max(0.05, min(gap / 2, 0.05 * 56))
    assert follow[0].hit
    assert not [w for w in caught if "follow-up" in str(w.message)]
    report = check(trial, "os", ipd)
    assert report.loc[report["quantity"] == "median follow-up", "ok"].tolist() == [True]
    # an ensemble's base rebuild is placed and checked the same way (its draws are checked on
    # the point numbers only, and a draw may miss one: 3 of 40 here with or without this)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReconstructionWarning)
        ens = trial.reconstruct_ensemble("os", draws=2, seed=0)
    base = ens.attrs["lmssurv"].base.checks
    assert [(c.arm, c.hit) for c in base if c.quantity == "median follow-up"] == [
        ("both arms", True)]


def test_pooled_follow_up_check_by_hand():
    from lmssurv.reconstruct.diagnostics import (
        HazardRatioMatch,
        pooled_follow_up_check,
        self_check,
    )

    # censoring as the event. Arm a: 1+ 2 3+ 4 5 6+ (+ = death), reverse-KM median 5; arm b:
    # 4.2 8 9, median 8 (G 2/3 after 4.2, 1/3 after 8). Pooled, at risk 8 at t = 2 (G 7/8),
    # 6 at 4 (35/48), 5 at 4.2 (7/12 = 0.583), 4 at 5 (0.4375): the median is 5
    a = pd.DataFrame({"time": [1.0, 2, 3, 4, 5, 6], "event": [1, 0, 1, 0, 0, 1]})
    b = pd.DataFrame({"time": [4.2, 8.0, 9.0], "event": [0, 0, 0]})
    both = pd.concat([a, b])
    assert KaplanMeierFitter().fit(both["time"], 1 - both["event"]).median_survival_time_ == 5
    arms = [ArmSummary(n=6, events=3, median_follow_up=5.0),
            ArmSummary(n=3, events=0, median_follow_up=5.0)]
    hit = pooled_follow_up_check(5.0, arms, [a, b])
    assert (hit.quantity, hit.arm, hit.rebuilt, hit.hit) == ("median follow-up", "both arms",
                                                             5.0, True)
    # 8: the censorings around it are 8 and 9, half their gap (0.5) capped at 5% of 8 (0.4),
    # never under half a unit of 8.0 (0.05); 5 is 3 away
    miss = pooled_follow_up_check(8.0, arms, [a, b])
    assert (miss.tolerance, miss.hit, miss.reason) == (0.4, False, MissReason.NOT_REACHED)
    # losses of 0.1/month keep exp(-0.8) = 0.45 of the patients to 8 months: out of reach;
    # in arm a only, (6 x 0.45 + 3) / 9 = 0.63 of them: the engine's miss
    assert pooled_follow_up_check(8.0, arms, [a, b], [0.1, 0.1]).reason is MissReason.LOSSES
    assert (pooled_follow_up_check(8.0, arms, [a, b], [0.1, 0.0]).reason
            is MissReason.NOT_REACHED)

    def follow_up_checks(arms, trial):
        return [(c.arm, c.rebuilt, c.hit) for c in self_check(
            arms, ["a", "b"], [a, b], None, HazardRatioMatch.NONE, median_follow_up=True,
            trial_follow_up=trial) if c.quantity == "median follow-up"]

    # the trial's figure replaces the arms' checks of it; an arm's own figure is still checked
    assert follow_up_checks(arms, 5.0) == [("both arms", 5.0, True)]
    own = [arms[0], ArmSummary(n=3, events=0, median_follow_up=8.0)]
    assert follow_up_checks(own, 5.0) == [("b", 8.0, True), ("both arms", 5.0, True)]
    assert follow_up_checks(arms, None) == [("a", 5.0, True), ("b", 8.0, False)]
