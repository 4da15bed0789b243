"""The published follow-up is a published number: the summary engine reproduces the median
(overall survival) and the longest follow-up, and warns, with typed data, when it cannot.

Reference numbers come from the kmdata test bed's summaries of the real trials' data: the
median follow-up is the reverse Kaplan-Meier median of the trial's own rows, the longest
follow-up their longest time rounded up to 0.1 month (``summary_testbed._arm_summary``). The
rebuilt median follow-up is recomputed here with lifelines, not with the engine's reverse KM.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from kmdata_testbed import figures
from lifelines import KaplanMeierFitter

from lmssurv import (
    ArmSummary,
    ReconstructionError,
    ReconstructionWarning,
    reconstruct_arm,
    reconstruct_trial,
)
from lmssurv.reconstruct.diagnostics import MissReason, follow_up_tolerance


@pytest.fixture(scope="module")
def tuning():
    return {(c.name, c.outcome): c for c in figures(split="tuning")}


def _rebuild(case, **kwargs):
    ctrl, exp, hr = case.summarise()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReconstructionWarning)
        ipd = reconstruct_trial(ctrl, exp, hr=hr, seed=0, endpoint=case.outcome.lower(),
                                **kwargs)
    return (ctrl, exp), ipd, [w.message for w in caught
                              if issubclass(w.category, ReconstructionWarning)]


def _lifelines_reverse_km_median(time, event) -> float:
    return float(KaplanMeierFitter().fit(time, 1 - np.asarray(event)).median_survival_time_)


@pytest.mark.parametrize(("name", "published"), [
    # main's single rebuild ended at 25.3 and 24.8: a tail steepened x6.75 had everyone dead
    ("PROSE_2A", (60.1, 55.3)),
    # a little short on main (63.46 for 64.1): the largest drawn censoring is below the end
    ("TRIBE_2", None),
])
def test_longest_follow_up_reproduced(tuning, name, published):
    case = tuning[(name, "OS")]
    arms, ipd, warned = _rebuild(case)
    if published is not None:  # the test bed summary's longest follow-up, PROSE_2A OS
        assert tuple(a.max_follow_up for a in arms) == published
    for arm in arms:
        rows = ipd[ipd["arm"] == arm.label]
        # the test bed prints the longest time rounded up to 0.1 month
        assert arm.max_follow_up - 0.1 < rows["time"].max() <= arm.max_follow_up + 1e-9
    assert not [w for w in warned if w.check.quantity == "longest follow-up"]


@pytest.mark.parametrize(("name", "published"), [
    # the HR bend moved it in opposite directions on main: 40.6 and 46.2
    ("MAPS_2A", (45.0, 41.9)),
    # losses to follow-up pulled it earlier on main: 23.5 and 21.5
    ("ASPECCT_2A", (24.9, 22.9)),
])
def test_median_follow_up_reproduced(tuning, name, published):
    case = tuning[(name, "OS")]
    arms, ipd, warned = _rebuild(case)
    # the test bed summary's median follow-up (reverse KM of the trial's rows)
    assert tuple(a.median_follow_up for a in arms) == published
    for arm in arms:
        rows = ipd[ipd["arm"] == arm.label]
        t, e = rows["time"].to_numpy(), rows["event"].to_numpy()
        tol = follow_up_tolerance(arm.median_follow_up, t, e)
        assert tol <= 0.05 * arm.median_follow_up
        assert abs(_lifelines_reverse_km_median(t, e) - arm.median_follow_up) <= tol + 1e-9
    assert not [w for w in warned if w.check.quantity == "median follow-up"]


def test_every_other_published_number_stays(tuning):
    # the follow-up moves no published number: MAPS_2A OS is rebuilt without any warning
    _, ipd, warned = _rebuild(tuning[("MAPS_2A", "OS")])
    assert warned == [] and ipd.attrs["lmssurv"].all_hit
    quantities = {c.quantity for c in ipd.attrs["lmssurv"].checks}
    assert {"median follow-up", "longest follow-up", "hazard ratio"} <= quantities


# 205 patients, 3 deaths: only large losses to follow-up hold the deaths this few, and they
# leave under half of the patients followed to 13.6 months (simulated test bed, sim0466)
FEW_EVENTS = ArmSummary(n=205, events=3, landmarks={12: 0.99, 24: 0.96},
                        median_follow_up=13.6, max_follow_up=35.0)


def test_missed_median_follow_up_is_warned_with_typed_data():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReconstructionWarning)
        ipd = reconstruct_arm(FEW_EVENTS, seed=0, endpoint="os")
    check = next(c for c in ipd.attrs["lmssurv"].misses if c.quantity == "median follow-up")
    t, e = ipd["time"].to_numpy(), ipd["event"].to_numpy()
    assert check.published == 13.6 and not check.hit
    assert check.rebuilt == pytest.approx(_lifelines_reverse_km_median(t, e))
    assert abs(check.rebuilt - 13.6) > check.tolerance
    assert check.reason is MissReason.LOSSES
    warned = [w.message for w in caught if issubclass(w.category, ReconstructionWarning)]
    assert [w.check for w in warned if w.check.quantity == "median follow-up"] == [check]
    assert "median follow-up: published 13.6" in str(check) and "losses" in str(check)
    with pytest.raises(ReconstructionError, match="median follow-up") as info:
        reconstruct_arm(FEW_EVENTS, seed=0, endpoint="os", strict=True)
    assert check in info.value.diagnostics.misses


def test_progression_endpoint_checks_the_longest_follow_up_only():
    # a paper's median follow-up is the trial's, not the reverse KM of a progression endpoint
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReconstructionWarning)
        ipd = reconstruct_arm(FEW_EVENTS, seed=0, endpoint="pfs")
    quantities = [c.quantity for c in ipd.attrs["lmssurv"].checks]
    assert "median follow-up" not in quantities and "longest follow-up" in quantities


def test_an_arm_without_censoring_cannot_carry_the_longest_follow_up():
    # every patient has died by the last published point (S(12) = 0): no time may move to 20
    arm = ArmSummary(n=6, events=6, median=4.0, landmarks={12: 0.0}, max_follow_up=20.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReconstructionWarning)
        ipd = reconstruct_arm(arm, seed=0)
    (check,) = [c for c in ipd.attrs["lmssurv"].misses if c.quantity == "longest follow-up"]
    assert (check.published, check.rebuilt) == (20.0, float(ipd["time"].max()))
    assert check.reason is MissReason.NO_CENSORING and ipd["time"].max() <= 12.0
    assert any(w.message.check == check for w in caught
               if issubclass(w.category, ReconstructionWarning))
