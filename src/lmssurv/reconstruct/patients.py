"""Target curve + censoring pattern -> pseudo-patients with exact n and exact events.

Censored patients are placed at quantiles of the distribution of *observed* censoring times,
whose density is proportional to ``S(t) g(t)`` (alive and event-free when the potential follow-up
``g`` ends). Events are then placed one at a time so that the Kaplan-Meier curve of the
pseudo-data follows the target: with ``r`` patients at risk and Kaplan-Meier level ``K``, the next
event steps the curve to ``K (1 - 1/r)`` and is placed where the target crosses the middle of that
step, so the pseudo-data's Kaplan-Meier estimate stays within half a step of the target. The event
that takes the curve to 0.5 or below is placed exactly at the reported median, so the
reconstructed median (first time with S(t) <= 0.5) is the published one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lmssurv.reconstruct.censoring import FollowUpModel
from lmssurv.reconstruct.shape import ArmCurve

__all__ = ["Allocation", "allocate", "calibrate_tail", "censoring_times", "expected_events"]

_THETA_RANGE = (0.02, 50.0)


@dataclass(frozen=True)
class Allocation:
    """Pseudo-patients of one arm and how cleanly they were placed."""

    time: np.ndarray
    event: np.ndarray
    events_after_last_censoring: int


class _Inverse:
    """Fast inverse of a decreasing survival curve on a dense grid."""

    def __init__(self, curve: ArmCurve, t_max: float):
        t = np.concatenate([[0.0], np.geomspace(t_max * 1e-5, t_max * 20, 4000)])
        s = curve.survival(t)
        s = np.minimum.accumulate(s)  # guard tiny numerical rises
        self._t = t[::-1]
        self._s = s[::-1]
        self.floor = float(s[-1])

    def __call__(self, level: float) -> float:
        if level < self.floor:
            return math.inf
        return float(np.interp(level, self._s, self._t))


def censoring_times(curve: ArmCurve, follow_up: FollowUpModel, u: np.ndarray) -> np.ndarray:
    """Observed censoring times at probabilities ``u``: quantiles of the density ``S(t) g(t)``.

    ``g`` is the potential follow-up density (piecewise uniform); ``u`` are sorted numbers in
    (0, 1), typically stratified and jittered by the caller's seeded generator.
    """
    if u.size == 0:
        return np.empty(0)
    knots = np.asarray(follow_up.knots)
    cdf = np.asarray(follow_up.cdf)
    grid = np.linspace(knots[0], knots[-1], 801)
    seg = np.searchsorted(knots, grid, side="right") - 1
    seg = np.clip(seg, 0, len(knots) - 2)
    dens = (np.diff(cdf) / np.maximum(np.diff(knots), 1e-12))[seg]
    w = dens * curve.survival(grid)
    cum = np.concatenate([[0.0], np.cumsum((w[1:] + w[:-1]) / 2 * np.diff(grid))])
    if cum[-1] <= 0:
        return np.full(u.size, grid[-1])
    return np.interp(u * cum[-1], cum, grid)


def expected_events(curve: ArmCurve, follow_up: FollowUpModel, n: int) -> float:
    """Expected events ``n * integral G(t) dF(t)`` under the target curve and follow-up model."""
    t = np.linspace(0.0, follow_up.longest, 2001)
    f = 1.0 - curve.survival(t)
    g = follow_up.survival(t)
    return float(n * np.sum((g[1:] + g[:-1]) / 2 * np.diff(f)))


def allocate(
    curve: ArmCurve,
    censor_times: np.ndarray,
    n: int,
    events: int | None,
    median: float | None,
    *,
    inverse: _Inverse | None = None,
) -> Allocation:
    """Place ``n`` patients: ``len(censor_times)`` censored, the rest events following ``curve``.

    With ``events=None`` events are not capped: every patient not censored has an event, and
    censoring times left over when nobody is at risk are dropped (used to calibrate the tail).
    """
    c_times = np.sort(censor_times)
    n_cens = c_times.size
    t_last = float(c_times[-1]) if n_cens else 0.0
    inv = inverse or _Inverse(curve, max(t_last, curve.tail_start) * 2 + 1.0)
    time = np.empty(n)
    event = np.zeros(n, dtype=np.int8)
    k_level, at_risk, ic = 1.0, n, 0
    events_left = n - n_cens if events is None else events
    late = 0
    last_time = 0.0
    for i in range(n):
        if events_left == 0:
            if ic < n_cens:
                time[i], event[i] = c_times[ic], 0
                ic += 1
                at_risk -= 1
                continue
            time, event = time[:i], event[:i]  # uncapped run: everybody already placed
            break
        k_new = k_level * (1.0 - 1.0 / at_risk)
        # KM median = first time with S(t) <= 0.5; compare with a guard for rounding in K.
        if median is not None and k_level > 0.5 + 1e-9 and k_new <= 0.5 + 1e-9:
            te = median
        else:
            te = inv(0.5 * (k_level + k_new))
        if ic < n_cens and c_times[ic] <= te:
            time[i], event[i] = c_times[ic], 0
            ic += 1
        else:
            if not math.isfinite(te):
                te = max(last_time, t_last) * 1.01 + 1e-6
            te = max(te, last_time)
            time[i], event[i] = te, 1
            k_level = k_new
            events_left -= 1
            if n_cens and te > t_last:
                late += 1
        last_time = time[i]
        at_risk -= 1
    return Allocation(time, event, late)


def _events_before_last_censoring(alloc: Allocation, t_last: float) -> int:
    return int(np.sum((alloc.event == 1) & (alloc.time <= t_last)))


def calibrate_tail(
    curve: ArmCurve,
    follow_up: FollowUpModel,
    n: int,
    events: int,
    u: np.ndarray,
    median: float | None,
) -> tuple[ArmCurve, FollowUpModel, str]:
    """Choose the tail hazard multiplier so the arm has exactly ``events`` events in follow-up.

    The uncapped allocation's count of events before the last censoring rises with the tail
    multiplier ``theta``; bisection finds the smallest ``theta`` at which it reaches ``events``.
    When no multiplier in [0.02, 50] gets there (every reported point lies beyond the follow-up,
    or the follow-up model contradicts the event count), the follow-up times are rescaled instead.
    """
    n_cens = n - events
    if n_cens == 0:
        return curve, follow_up, "no censoring: every patient has an event"

    def count(theta: float, fu: FollowUpModel) -> int:
        cur = curve.with_theta(theta)
        ct = censoring_times(cur, fu, u)
        alloc = allocate(cur, ct, n, None, median)
        return _events_before_last_censoring(alloc, float(ct.max()))

    lo, hi = math.log(_THETA_RANGE[0]), math.log(_THETA_RANGE[1])
    c_lo, c_hi = count(math.exp(lo), follow_up), count(math.exp(hi), follow_up)
    if c_lo <= events <= c_hi:
        for _ in range(30):
            mid = 0.5 * (lo + hi)
            if count(math.exp(mid), follow_up) >= events:
                hi = mid
            else:
                lo = mid
            if hi - lo < 1e-3:
                break
        theta = math.exp(hi)
        return curve.with_theta(theta), follow_up, f"tail hazard x{theta:.3g} to match events"
    # The tail alone cannot reconcile events and follow-up: stretch or shrink follow-up.
    theta = _THETA_RANGE[1] if c_hi < events else _THETA_RANGE[0]
    theta = 1.0 if curve.tail_start >= follow_up.longest else theta
    cur = curve.with_theta(theta)
    lo, hi = math.log(0.05), math.log(20.0)
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if count(theta, follow_up.scaled(math.exp(mid))) >= events:
            hi = mid
        else:
            lo = mid
        if hi - lo < 1e-3:
            break
    factor = math.exp(hi)
    return (cur, follow_up.scaled(factor),
            f"follow-up rescaled x{factor:.3g} (tail x{theta:.3g}) to match events")
