"""The final HR match of the summary engine: bending times between published points.

Kaplan-Meier levels and medians are recomputed with lifelines (KaplanMeierFitter) and the HR
with lifelines' CoxPHFitter (Efron ties), independently of lmssurv's own km and cox modules.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter

from lmssurv import ArmSummary, HazardRatio, ReconstructionWarning, reconstruct_trial
from lmssurv.reconstruct.diagnostics import HazardRatioMatch
from lmssurv.reconstruct.hr_match import (
    MAX_SQUEEZE,
    bend,
    bend_tail,
    intervals,
    match_hazard_ratio,
    match_published_hr,
    pinned_times,
)


def _km_at(time, event, when) -> float:
    with np.errstate(all="ignore"):  # lifelines calls np.seterr; keep the global state
        km = KaplanMeierFitter().fit(time, event)
    return float(km.survival_function_at_times(when).iloc[0])


def _lifelines_hr(t0, e0, t1, e1) -> float:
    df = pd.DataFrame({"time": np.r_[t0, t1], "event": np.r_[e0, e1],
                       "x": np.r_[np.zeros(len(t0)), np.ones(len(t1))]})
    return float(np.exp(CoxPHFitter().fit(df, "time", "event").params_["x"]))


def _arms(seed=1):
    rng = np.random.default_rng(seed)
    t0 = rng.exponential(12.0, 150)
    t1 = rng.exponential(16.0, 150)
    c0, c1 = rng.uniform(6, 40, 150), rng.uniform(6, 40, 150)
    return (np.minimum(t0, c0), (t0 <= c0).astype(int),
            np.minimum(t1, c1), (t1 <= c1).astype(int))


def test_bend_keeps_order_and_ends():
    t = np.array([0.5, 1.0, 2.0, 3.0, 3.5, 4.0, 9.0])
    for f in (0.2, 0.7, 1.0, 1.8, 6.0):
        out = bend(t, 1.0, 4.0, f)
        assert np.all(np.diff(out) > 0)  # strictly increasing still: no new ties
        # outside the open interval nothing moves
        assert out[[0, 1, 5, 6]].tolist() == [0.5, 1.0, 4.0, 9.0]
        assert np.all((out[2:5] > 1.0) & (out[2:5] < 4.0))


def test_intervals_and_pinned_times():
    arm = ArmSummary(n=50, median=12.0, median_ci=(9.0, None), landmarks={6: 0.8, 12: 0.508})
    # S(12) > 0.5: the median is placed at 12.02 (shape.median_time: 0.4 x 0.05), pinned too
    assert pinned_times(arm) == (6.0, 9.0, 12.0, 12.02)
    assert intervals(pinned_times(arm), 30.0) == [(0.0, 6.0), (6.0, 9.0), (9.0, 12.0),
                                                 (12.0, 12.02), (12.02, 30.0)]
    # pinned times past the longest time bound no interval
    assert intervals((6.0, 40.0), 30.0) == [(0.0, 6.0), (6.0, 30.0)]


def test_match_moves_the_hr_and_no_pinned_level():
    t0, e0, t1, e1 = _arms()
    pinned = (6.0, 12.0)
    stages = [([intervals(pinned, t0.max())[-1:], intervals(pinned, t1.max())[-1:]], 1.5),
              ([intervals(pinned, t0.max())[:-1], intervals(pinned, t1.max())[:-1]], 1.5)]
    before = _lifelines_hr(t0, e0, t1, e1)
    for target in (round(before * 0.85, 2), round(before * 1.15, 2)):
        out = match_hazard_ratio((t0, t1), (e0, e1), stages, target, 0.005)
        assert out.hit
        b0, b1 = out.times
        # lifelines' Efron Cox agrees within the HR's printed precision (0.005)
        assert abs(_lifelines_hr(b0, e0, b1, e1) - target) <= 0.005
        for t, e, b in ((t0, e0, b0), (t1, e1, b1)):
            for when in pinned:  # exactly the same KM level at every pinned time
                assert _km_at(b, e, when) == _km_at(t, e, when)
            assert b.max() == t.max()
            assert np.array_equal(np.argsort(b, kind="stable"), np.argsort(t, kind="stable"))


def test_out_of_reach_returns_the_closest_and_says_so():
    t0, e0, t1, e1 = _arms()
    stages = [([intervals((6.0,), t0.max())[-1:], intervals((6.0,), t1.max())[-1:]], 0.3)]
    before = _lifelines_hr(t0, e0, t1, e1)
    out = match_hazard_ratio((t0, t1), (e0, e1), stages, before * 3, 0.005)
    assert not out.hit
    assert abs(np.log(out.hr / (before * 3))) < abs(np.log(before / (before * 3)))


def test_fallback_bends_before_the_last_point_as_far_as_after_it():
    # The engine's stages with the fallback's intervals before the last published point held to
    # REST_MAX stop at HR 0.546 / 1.347 for 0.54 / 1.45; bounding them by FALLBACK_MAX reaches
    # both, without moving a pinned KM level (lifelines) or the order of the times.
    from lmssurv.reconstruct.hr_match import AIM, FALLBACK_MAX, REST_MAX, TAIL_MAX

    t0, e0, t1, e1 = _arms()
    pinned = (6.0, 12.0)
    regions = [intervals(pinned, t0.max()), intervals(pinned, t1.max())]
    tail, rest = [r[-1:] for r in regions], [r[:-1] for r in regions]
    for target in (0.54, 1.45):
        held = match_hazard_ratio((t0, t1), (e0, e1),
                                  [(tail, TAIL_MAX, bend_tail), (rest, REST_MAX)],
                                  target, AIM * 0.005,
                                  fallbacks=[[(tail, FALLBACK_MAX), (rest, REST_MAX)]])
        assert not held.hit
        out = match_published_hr((t0, t1), (e0, e1), regions, target, 0.005)
        assert out.hit
        b0, b1 = out.times
        assert abs(_lifelines_hr(b0, e0, b1, e1) - target) <= 0.005
        for t, e, b in ((t0, e0, b0), (t1, e1, b1)):
            for when in pinned:
                assert _km_at(b, e, when) == _km_at(t, e, when)
            assert np.array_equal(np.argsort(b, kind="stable"), np.argsort(t, kind="stable"))


def test_engine_matches_the_weibull_trial_hr_by_bending():
    # issue 9's plain PH Weibull trial (Cox HR once 0.40 for 0.67): now matched, every number kept
    c = ArmSummary(n=173, events=101, median=20.1, median_ci=(18.3, 21.3), landmarks={1: 1.0},
                   median_follow_up=21.2, max_follow_up=35.5, accrual=29.0, label="c")
    e = ArmSummary(n=173, events=77, median=23.8, median_ci=(19.6, 25.1), landmarks={9: .948},
                   median_follow_up=21.2, max_follow_up=35.5, accrual=29.0, label="e")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReconstructionWarning)
        ipd = reconstruct_trial(c, e, hr=HazardRatio(0.67, 0.50, 0.90), seed=270)
    assert ipd.attrs["lmssurv"].hazard_ratio is HazardRatioMatch.BENT
    rows = {k: g for k, g in ipd.groupby("arm")}
    assert abs(_lifelines_hr(rows["c"].time, rows["c"].event, rows["e"].time, rows["e"].event)
               - 0.67) <= 0.005


@pytest.mark.parametrize("log_f", [-1.5, -0.5, 0.5, 2.0])
def test_bend_is_the_power_map_mixed_with_the_identity(log_f):
    # closed form written out: lo + (hi - lo) ((1 - w) u + w u^f), w = 1 - 1/MAX_SQUEEZE
    u, w = 0.25, 1.0 - 1.0 / MAX_SQUEEZE
    out = bend(np.array([2.0]), 1.0, 5.0, log_f)
    assert out[0] == pytest.approx(1.0 + 4.0 * ((1 - w) * u + w * u ** math.exp(log_f)),
                                   rel=1e-12)


@pytest.mark.parametrize("log_f", [-4.0, -1.5, -0.5, 0.5, 1.5, 4.0])
def test_bend_squeezes_no_gap_beyond_its_bound(log_f):
    # the map's smallest slope, by finite differences on a fine grid, is 1 / MAX_SQUEEZE at
    # most (reached as f grows): no two times come closer than their distance / MAX_SQUEEZE
    u = np.linspace(0.0, 1.0, 100_001)
    g = (bend(u * 3.0 + 2.0, 2.0, 5.0, log_f)[1:-1] - 2.0) / 3.0
    slope = np.diff(g) / np.diff(u[1:-1])
    assert slope.min() >= 1.0 / MAX_SQUEEZE * (1 - 1e-9)
    rng = np.random.default_rng(7)
    t = np.sort(rng.uniform(2.0, 5.0, 400))
    out = bend(t, 2.0, 5.0, log_f)
    assert np.all(np.diff(out) >= np.diff(t) / MAX_SQUEEZE * (1 - 1e-9))
    assert np.all((out > 2.0) & (out < 5.0))


def test_a_pure_power_map_would_pile_events_onto_the_published_point():
    # why the identity is mixed in: u^f alone (f = e^2.5) takes 20 events spread over the
    # first month after a published point at 24 to within 0.001 month of it
    t = 24.0 + np.linspace(0.05, 1.0, 20)
    power = 24.0 + 36.0 * ((t - 24.0) / 36.0) ** math.exp(2.5)
    assert np.sum(power - 24.0 < 1e-3) >= 19
    mixed = bend(t, 24.0, 60.0, 2.5)
    assert np.min(np.diff(mixed)) >= np.min(np.diff(t)) / MAX_SQUEEZE * (1 - 1e-9)
    assert np.all(mixed - 24.0 > 1e-3)


@pytest.mark.parametrize("log_c", [-math.log(MAX_SQUEEZE), -1.0, -0.2, 0.2, 1.0,
                                   math.log(MAX_SQUEEZE)])
def test_bend_tail_keeps_the_hazard_at_the_published_point_and_bounds_the_squeeze(log_c):
    # slopes of the map by finite differences on a fine grid: 1 at lo (the hazard just past
    # the last published point is unchanged), never below 1 / MAX_SQUEEZE (no distance
    # shrinks more), and c or 1/c (the hazard scaled by c) between the ramp and the end
    u = np.linspace(0.0, 1.0, 200_001)
    g = (bend_tail(u * 3.0 + 2.0, 2.0, 5.0, log_c)[1:-1] - 2.0) / 3.0
    slope = np.diff(g) / np.diff(u[1:-1])
    assert slope[0] == pytest.approx(1.0, abs=1e-3)
    assert slope.min() >= 1.0 / MAX_SQUEEZE * (1 - 1e-9)
    assert np.all(np.diff(g) > 0)
    c = math.exp(log_c)
    if log_c > 0:  # the forward map: slope 1/c from a quarter of the interval to 0.8 of it
        mid = (u[1:-2] > 0.3) & (u[1:-2] < 0.75)
        assert np.allclose(slope[mid], 1.0 / c, rtol=1e-6)
    rng = np.random.default_rng(11)
    t = np.sort(rng.uniform(2.0, 5.0, 400))
    out = bend_tail(t, 2.0, 5.0, log_c)
    assert np.all(np.diff(out) >= np.diff(t) / MAX_SQUEEZE * (1 - 1e-9))
    assert np.all((out > 2.0) & (out < 5.0))
    # the map for 1/c is the inverse of the one for c
    assert np.allclose(bend_tail(out, 2.0, 5.0, -log_c), t, atol=1e-12)


def test_bend_tail_moves_times_the_asked_way_and_nothing_outside():
    t = np.array([0.5, 1.0, 1.5, 2.5, 3.5, 4.0, 9.0])
    earlier, later = bend_tail(t, 1.0, 4.0, 1.0), bend_tail(t, 1.0, 4.0, -1.0)
    assert np.all(earlier[2:5] < t[2:5]) and np.all(later[2:5] > t[2:5])
    for out in (earlier, later):
        assert out[[0, 1, 5, 6]].tolist() == [0.5, 1.0, 4.0, 9.0]
    assert np.array_equal(bend_tail(t, 1.0, 4.0, 0.0), t)


def test_bend_tail_refuses_a_squeeze_beyond_its_bound():
    with pytest.raises(ValueError, match="log_c"):
        bend_tail(np.array([2.0]), 1.0, 4.0, math.log(MAX_SQUEEZE) + 0.1)


def test_bend_tail_does_not_pile_events_just_past_the_published_point():
    # 20 events over the first month after a published point at 48 (interval 48-70): the
    # mixed power map at its bound (log f = 2.5) puts them 5x closer together right from 48
    # (the hazard there jumps fivefold); the tail map at its bound (c = 5) keeps the first
    # gap and lets the spacing shrink gradually (at most 1.3-fold within the first month:
    # the slope at 1/22 of the ramp's 5.5 months is 1 - 0.8 / 5.5)
    t = 48.0 + np.linspace(0.05, 1.0, 20)
    old = bend(t, 48.0, 70.0, 2.5)
    new = bend_tail(t, 48.0, 70.0, math.log(MAX_SQUEEZE))
    assert np.max(np.diff(old) / np.diff(t)) < 0.21
    assert np.min(np.diff(new) / np.diff(t)) > 1 / 1.3
