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

import bisect
import itertools
import math
import threading
from array import array
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy.special import ndtr

from lmssurv.cox import cox_two_arms
from lmssurv.km import (
    MEDIAN_TOL,
    greenwood_by_row,
    km_at,
    km_levels,
    km_levels_moved,
    loglog_band,
    median_crossings,
)
from lmssurv.reconstruct.censoring import FollowUpModel
from lmssurv.reconstruct.diagnostics import (
    hr_ci_checks,
    log_rank_p,
    log_rank_table,
    log_rank_terms,
    p_beyond_log_rank,
    p_value_tolerance,
    rounding_tolerance,
    time_tolerance,
)
from lmssurv.reconstruct.shape import ArmCurve

__all__ = [
    "Allocation",
    "TailFit",
    "across_landmark",
    "allocate",
    "calibrate_tail",
    "censoring_times",
    "expected_events",
    "feasible_events",
    "pin_hr_ci",
    "pin_median_ci",
    "polish_landmarks",
]

_THETA_RANGE = (0.02, 50.0)
_Z = 1.959963984540054  # 97.5% normal quantile: the 95% pointwise bands behind a median CI
# pin_median_ci moves at most this share of an arm's patients (or 5) onto one median CI limit:
# the band may cross 0.5 several events away (to reach the limit, simulated arms of 200-850
# needed 4-5 moves, arms of 1,500-2,100 10-11; tuning and simulated, seed 0)
_PIN_SHARE = 0.01
_NO_TIMES = np.empty(0)  # _km_summary without landmark times: only the median and its CI
_HR_CI_TRIES = 5  # pin_hr_ci's best moves offered to accept() at each step, best first
_P_SHORTLIST = 32  # with a p to place, pin_hr_ci refits only this many moves a step
_SNAP_WINDOW = 0.25  # pin an event to a median CI limit only when it falls this close (relative)
_POLISH_CANDIDATES = 12  # censorings nearest the landmarks, always among those a polish ranks
# A polish round ranks every censoring x event gap move by its predicted landmark levels
# (at most this many of each, evenly spread) and scores the best few exactly.
_RANK_MOVERS = 300
_POLISH_VERIFY = 40
_EVENT_MOVERS = 2  # events on each side of a landmark a polish may move across it
# KM evaluations per arm at most: _POLISH_WORK / n within [1500, 6000] (a KM evaluation costs
# about n; 1,500 took ~0.3 s for 500 patients). Arms of 100-400 patients missed landmarks by a
# fraction of the tolerance for want of moves: on the 24 figures (600 simulated, tuning split)
# still missing a median or landmark, a flat 1,500 left 24, 3,000 left 22, 6,000 left 18.
_POLISH_BUDGET = (1500, 6000)
_POLISH_WORK = 1_500_000
# a rebuilt median CI limit this close to the published one is held by the polish
_CI_PIN_TOL = 0.05
# candidate rows whose median pins a polishing round computes at once, best first
_PIN_CHUNK = 16
_NOT_REACHED_MARGIN = 1e-4  # a median not reached keeps the curve this far above 0.5
_THETA_SOFT = 2.0  # tail multipliers within [1/2, 2] are tried before the follow-up moves
# Loss to follow-up: at most this many e-folds over the longest follow-up (e^-5: 0.7% left).
_LOSS_MAX = 5.0
# Grid of the expected-events integral (0 to the longest follow-up).
_TAIL_POINTS = 2001
# An unreported follow-up ends between 1.05 and 50 times the last reported time.
_UNREPORTED_MIN, _UNREPORTED_MAX = 1.05, 50.0


@dataclass(frozen=True)
class Allocation:
    """Pseudo-patients of one arm and how cleanly they were placed."""

    time: np.ndarray
    event: np.ndarray
    events_pulled_into_follow_up: int


class _Inverse:
    """Fast inverse of a decreasing survival curve on a dense grid.

    Scalar look-ups with :mod:`bisect`: the allocation loop calls this once per patient,
    where ``numpy.interp``'s per-call overhead dominated the run time. The survival levels are
    kept in :class:`array.array` (one copy of the buffer; ``tolist`` made 4,001 Python floats
    per curve, of which a placement reads a few dozen). The grid is ``t_max`` times one fixed
    geometric grid (0, then 1e-5 to 20, 4,000 points), built once.

    The curve is evaluated up to ``t_max`` first (``_INVERSE_HEAD`` points: the placement
    rarely asks past its last censoring, half of ``t_max``) and on the rest of the grid only
    when a level at or below the head's last one is asked. Every answer is the one of the
    bisection over the whole table: survival is elementwise, a running minimum over two pieces
    is the minimum of the first piece's and the second's own, and while the head's last level
    is below ``level`` every level past the head is too.
    """

    def __init__(self, curve: ArmCurve, t_max: float):
        self._curve = curve
        self._scale = float(t_max)
        # t_max * u is the product numpy forms on the grid, to the bit
        self._grids = inverse_grids(self._scale)
        head = np.minimum.accumulate(curve.survival(self._grids[0]))
        self._head = head
        self._head_last = float(head[-1])
        # negated (exact) so that the non-increasing levels ascend for bisect
        self._neg = array("d", np.negative(head).tobytes())
        self._s: array | None = None  # the whole table, ascending, once needed

    @classmethod
    def of(cls, curve: ArmCurve, t_max: float) -> _Inverse:
        """``_Inverse(curve, t_max)``, the last one again when asked the same (a placement
        retried with other censoring jitters keeps its curve, and with a published longest
        follow-up its last censoring too)."""
        last = getattr(_LAST, "inverse", None)
        if last is not None and last._curve is curve and last._scale == t_max:
            return last
        out = cls(curve, t_max)
        _LAST.inverse = out
        return out

    def _whole(self) -> array:
        tail = self._curve.survival(self._grids[1])
        s = np.concatenate([self._head, np.minimum(np.minimum.accumulate(tail),
                                                   self._head[-1])])  # guard tiny rises
        self._s = array("d", s[::-1].tobytes())  # ascending survival for bisect
        return self._s

    def __call__(self, level: float) -> float:
        scale = self._scale
        if self._head_last < level:
            # answered on the head: p levels >= level, the first < level at index p
            neg = self._neg
            p = bisect.bisect_right(neg, -level)
            if p == 0:
                return scale * _INVERSE_GRID_UP[0]
            s0, s1 = -neg[p], -neg[p - 1]
            w = (level - s0) / (s1 - s0) if s1 > s0 else 0.0
            t0 = scale * _INVERSE_GRID_UP[p]
            return t0 + w * (scale * _INVERSE_GRID_UP[p - 1] - t0)
        s = self._s if self._s is not None else self._whole()
        if level < s[0]:
            return math.inf
        u = _INVERSE_GRID_DOWN
        j = bisect.bisect_left(s, level)
        if j == 0:
            return scale * u[0]
        if j >= len(s):
            return scale * u[-1]
        s0, s1 = s[j - 1], s[j]
        w = (level - s0) / (s1 - s0) if s1 > s0 else 0.0
        t0 = scale * u[j - 1]
        return t0 + w * (scale * u[j] - t0)


_INVERSE_GRID = np.concatenate([[0.0], np.geomspace(1e-5, 20.0, 4000)])
_INVERSE_GRID_UP = _INVERSE_GRID.tolist()
_INVERSE_GRID_DOWN = _INVERSE_GRID[::-1].tolist()
# grid points up to u = 1 (t_max): the head evaluated first
_INVERSE_HEAD = int(np.searchsorted(_INVERSE_GRID, 1.0, side="right")) + 1


def _shared(key: tuple, make):
    """The arrays ``make()`` for ``key``, the same objects while kept (see inverse_grids):
    the ``_GRIDS_KEPT`` used last (an ensemble's grids, used by every draw, stay)."""
    out = _GRIDS.pop(key, None)
    if out is None:
        if len(_GRIDS) >= _GRIDS_KEPT:
            _GRIDS.pop(next(iter(_GRIDS)), None)
        out = make()
        for part in out:
            if isinstance(part, np.ndarray):
                part.flags.writeable = False  # shared: a write would change other curves
    _GRIDS[key] = out
    return out


def inverse_grids(t_max: float) -> tuple[np.ndarray, np.ndarray]:
    """The times at which :class:`_Inverse` evaluates a curve for ``t_max``: its head (to
    ``t_max``) and the rest of the grid.

    The same array objects for the same ``t_max`` while kept: an ensemble gives each arm one
    ``t_max`` (``allocate``'s ``t_grid``) and tabulates its draws' curves on these times once
    (a curve's cumulative hazard may recognise a grid by identity).
    """
    return _shared(("inverse", t_max), lambda: (t_max * _INVERSE_GRID[:_INVERSE_HEAD],
                                                 t_max * _INVERSE_GRID[_INVERSE_HEAD:]))


def tail_grid(t_max: float, tail_start: float) -> tuple[np.ndarray, np.ndarray, int]:
    """The expected-events grid of :class:`_TailEvents`: ``_TAIL_POINTS`` times from 0 to
    ``t_max``, the same with ``tail_start`` inserted in its place (the times its curve is
    evaluated at), and the count of grid times up to the tail start. Shared as
    :func:`inverse_grids`."""
    def make():
        t = np.linspace(0.0, t_max, _TAIL_POINTS)
        k = int(np.count_nonzero(t <= tail_start))
        at = np.empty(t.size + 1)
        at[:k], at[k], at[k + 1:] = t[:k], tail_start, t[k:]
        return t, at, k
    return _shared(("tail", t_max, tail_start), make)


def censoring_grid(longest: float) -> tuple[np.ndarray, np.ndarray]:
    """The grid of :func:`censoring_times` to ``longest`` and its cell middles (where the
    curve is evaluated). Shared as :func:`inverse_grids`."""
    def make():
        grid = np.linspace(0.0, longest, 1601)
        return grid, 0.5 * (grid[1:] + grid[:-1])
    return _shared(("censoring", longest), make)


# Grids shared by the curves evaluated on them (at most this many kept; the engine's are per
# call, an ensemble's per arm)
_GRIDS: dict[tuple, tuple] = {}
_GRIDS_KEPT = 64


# One-entry caches per thread (a kept _TailEvents mutates its buffers): see censoring_times,
# _TailEvents.of and _Inverse.of.
_LAST = threading.local()


def censoring_times(curve: ArmCurve, follow_up: FollowUpModel, u: np.ndarray,
                    t_grid: float | None = None) -> np.ndarray:
    """Observed censoring times at probabilities ``u``: quantiles of the density ``S(t) g(t)``.

    ``g = -G'`` is the censoring density of the follow-up model (administrative and loss to
    follow-up); ``u`` are sorted numbers in (0, 1), typically stratified and jittered by the
    caller's seeded generator. The density is integrated on 1,601 points to the longest
    follow-up, or to ``t_grid`` when given and not shorter (an ensemble's grid per arm; G is
    0 past the longest follow-up).
    """
    if u.size == 0:
        return np.empty(0)
    last = getattr(_LAST, "censoring", None)
    if last is not None and last[0] is curve and last[1] is follow_up and last[4] == t_grid:
        grid, cum = last[2], last[3]
    else:
        longest = follow_up.longest
        if t_grid is None or t_grid < longest:
            grid, mid = censoring_grid(longest)
            s_mid = curve.survival(mid)
        else:
            # the shared grid to its first point at or past the longest follow-up (G is 0
            # from there: no censoring after it)
            grid, mid = censoring_grid(float(t_grid))
            m = int(np.searchsorted(grid, longest, side="left")) + 1
            grid = grid[:m]
            s_mid = np.exp(-curve.cumhaz(mid)[:m - 1])
        g = follow_up.survival(grid)
        g[-1] = 0.0  # everyone still followed is censored at the longest follow-up
        w = np.maximum(-np.diff(g), 0.0) * s_mid
        cum = np.concatenate([[0.0], np.cumsum(w)])
        # the ensemble retries a draw's curve and follow-up with other jitters
        _LAST.censoring = (curve, follow_up, grid, cum, t_grid)
    if cum[-1] <= 0:
        return np.full(u.size, grid[-1])
    return np.interp(u * cum[-1], cum, grid)


def expected_events(curve: ArmCurve, follow_up: FollowUpModel, n: int,
                    theta: float | None = None, t_grid: float | None = None) -> float:
    """Expected events ``n * integral G(t) dF(t)`` under the target curve and follow-up model.

    ``theta``, when given, replaces the curve's tail multiplier (as ``curve.with_theta``
    would, without building the curve's table again). The integral runs on a grid to the
    longest follow-up, or to ``t_grid`` when given and not shorter (an ensemble's per arm).
    """
    theta = curve.theta if theta is None else float(theta)
    return _tail_events(curve, n, follow_up, follow_up.longest, t_grid)(theta, follow_up)


def _tail_events(curve: ArmCurve, n: int, follow_up: FollowUpModel, end: float,
                 t_grid: float | None) -> _TailEvents:
    """The expected-events integrator of ``curve`` for ``follow_up``: on a grid to ``end``,
    or on the shared grid to ``t_grid`` when given and not shorter, cut at the calibration's
    reach (one key for :func:`expected_events` and :func:`calibrate_tail`, so that the
    calibration of a curve finds the integrator its reachable events were computed with)."""
    if t_grid is None or t_grid < end:
        return _TailEvents.of(curve, n, end)
    return _TailEvents.of(curve, n, float(t_grid), min(calibration_reach(follow_up), t_grid))


class _TailEvents:
    """Expected events as a function of the tail multiplier, on a grid computed once.

    ``H_theta(t) = H(t)`` up to the tail start and ``H(t*) + theta (H(t) - H(t*))`` after it,
    so the curve is evaluated once and each multiplier costs a few vector operations (the
    root finders call this dozens of times per reconstruction). A root finder varies either
    the multiplier or the follow-up model, never both, so the last distribution-function
    increments (per multiplier) and censoring weights (per follow-up model) are kept: each
    call then recomputes only the half that changed, with the same operations in the same
    order (the result is the same to the last bit). Valid for follow-up models no longer
    than ``t_max``, or ``until`` when given: the grid (to ``t_max``, shared by an ensemble's
    draws) is then cut after its first point at or past ``until``, where G is 0 (the terms
    after it are 0).
    """

    def __init__(self, curve: ArmCurve, n: int, t_max: float, until: float | None = None):
        base = curve if curve.theta == 1.0 else curve.with_theta(1.0)
        # the multiplier enters only after the tail start (a suffix of the grid): the early
        # part of F, its increments and their terms are fixed. The tail start is evaluated
        # with the grid, in its place (one call on sorted times; the cumulative hazard is
        # elementwise)
        t, at, k = tail_grid(float(t_max), float(curve.tail_start))
        self._k = k
        h = base.cumhaz(at)
        m = t.size
        if until is not None:
            m = min(m, max(int(np.searchsorted(t, until, side="left")) + 1, k + 1))
        self.t = t[:m]
        # a cumulative hazard never falls, but the curves can: the ensemble's drawn ones (log H
        # plus a Brownian deviation) between grid points, the engine's own with a positive HR
        # shift just before the tail start (by ~1e-4). Past the tail start H - H(t*) < 0 times
        # a multiplier > 1 drove the expected events below zero. The running maximum is the
        # curve the placement inverts (_Inverse: the running minimum of S).
        self.h = np.maximum.accumulate(np.concatenate([h[:k], h[k + 1:m + 1]]))
        self.h_star = float(h[k])
        self.n = n
        self._rise = np.maximum(self.h[k:] - self.h_star, 0.0)
        self._buf = np.empty(self._rise.size)
        # the part after the tail start is filled by the first call (whose multiplier is
        # never the None kept here)
        self._f = np.empty(self.h.size)
        np.negative(np.expm1(-self.h[:k]), out=self._f[:k])
        self._df = np.empty(self.h.size - 1)
        np.subtract(self._f[1:k], self._f[:k - 1], out=self._df[:max(k - 1, 0)])
        self._terms = np.empty(self._df.size)
        # the views a new multiplier writes through, made once (a call costs a few dozen
        # microseconds, of which numpy's per-call overhead is much)
        lo = max(k - 1, 0)
        self._theta_views = (self._f[k:], self._f[lo + 1:], self._f[lo:-1], self._df[lo:], lo)
        self._f_theta: float | None = None
        self._w_model: FollowUpModel | None = None
        self._g = np.empty(0)
        self._w = np.empty(0)
        # (multiplier, id of the follow-up model) -> (model, value): the root finders ask
        # some points again (an end of a bracket, the bound reached); the model is kept so
        # that its id is not reused
        self._memo: dict[tuple[float, int], tuple[FollowUpModel, float]] = {}

    @classmethod
    def of(cls, curve: ArmCurve, n: int, t_max: float,
           until: float | None = None) -> _TailEvents:
        """``_TailEvents(curve, n, t_max, until)``, the last one again when asked the same
        (the ensemble asks for a draw's reachable events, then calibrates the same curve)."""
        last = getattr(_LAST, "tail", None)
        if (last is not None and last[0] is curve and last[1] == n and last[2] == t_max
                and last[3] == until):
            return last[4]
        out = cls(curve, n, t_max, until)
        _LAST.tail = (curve, n, t_max, until, out)
        return out

    def _changed(self, follow_up: FollowUpModel) -> tuple[int, int]:
        """The grid points ``[lo, hi)`` where ``follow_up``'s G can differ from the kept
        model's: all of them, unless only the shortest potential follow-up moved (the
        calibration's root finder on it), which changes G only from the lower of the two
        starts to the next knot (before it G is 1, after it the same interpolation)."""
        old = self._w_model
        everything = 0, self.t.size
        if (old is None or len(old.knots) < 2 or old.knots[1:] != follow_up.knots[1:]
                or old.cdf != follow_up.cdf or old.loss != follow_up.loss):
            return everything
        k0, k1 = min(old.knots[0], follow_up.knots[0]), follow_up.knots[1]
        if not (k0 < k1 and max(old.knots[0], follow_up.knots[0]) < k1):
            return everything
        lo = int(np.searchsorted(self.t, k0, side="left"))
        hi = int(np.searchsorted(self.t, k1, side="right"))
        return lo, hi

    def theta_keeping_above(self, survival: float, until: float | None = None) -> float:
        """The largest multiplier that keeps S above ``survival`` to ``until`` (default
        ``t_max``; inf: any)."""
        limit = -math.log(survival)
        h_end = self.h[-1] if until is None else float(np.interp(until, self.t, self.h))
        if self.h_star >= limit:
            return 0.0
        if h_end <= self.h_star:
            return math.inf
        return (limit - self.h_star) / (h_end - self.h_star)

    def __call__(self, theta: float, follow_up: FollowUpModel) -> float:
        key = (theta, id(follow_up))
        known = self._memo.get(key)
        if known is not None and known[0] is follow_up:
            return known[1]
        stale = None  # the first term that changed
        if theta != self._f_theta:
            # F_theta = 1 - exp(-H_theta) after the tail start, and the increments into it
            # in place: -(h* + theta r) is (-theta) r - h* to the bit (negation is exact)
            f_late, f_next, f_prev, df, lo = self._theta_views
            buf = self._buf
            np.multiply(self._rise, -theta, out=buf)
            np.subtract(buf, self.h_star, out=buf)
            np.expm1(buf, out=buf)
            np.negative(buf, out=f_late)
            np.subtract(f_next, f_prev, out=df)
            self._f_theta = theta
            stale = lo
        if follow_up is not self._w_model:
            lo, hi = self._changed(follow_up)
            if lo == 0 and hi == self.t.size:
                self._g = follow_up.survival(self.t)
                self._w = (self._g[1:] + self._g[:-1]) / 2
            elif lo < hi:
                # the same operations on the points whose G can have changed
                g = self._g
                g[lo:hi] = follow_up.survival(self.t[lo:hi])
                # w[i] takes g[i] and g[i + 1]: w[lo - 1] to w[hi - 1] changed
                a, b = max(lo - 1, 0), min(hi, self._w.size)
                np.add(g[a + 1:b + 1], g[a:b], out=self._w[a:b])
                np.divide(self._w[a:b], 2, out=self._w[a:b])
                lo = a
            self._w_model = follow_up
            stale = lo if stale is None else min(stale, lo)
        if stale is not None:
            np.multiply(self._w[stale:], self._df[stale:], out=self._terms[stale:])
        # one sum over every term (numpy's pairwise order), as without the kept parts
        out = float(self.n * np.add.reduce(self._terms))
        self._memo[key] = (follow_up, out)
        return out


def allocate(
    curve: ArmCurve,
    censor_times: np.ndarray,
    n: int,
    events: int,
    median: float | None,
    median_ci: tuple[float | None, float | None] | None = None,
    *,
    not_reached: bool = False,
    t_cap: float = math.inf,
    t_grid: float | None = None,
) -> Allocation:
    """Place ``n`` patients: ``len(censor_times)`` censored, ``events`` events following ``curve``.

    Events go where the target crosses the middle of each KM step. Three events are pinned to
    published times: the one taking the KM to 0.5 or below goes to ``median``; the ones taking
    the lower and upper log-log pointwise bands (Greenwood variance, as lifelines and SAS
    compute them) across 0.5 go to the median CI limits, when they fall within
    ``_SNAP_WINDOW`` of them, so the rebuilt median CI is the published one. The last event
    is kept for the median when the KM has not reached 0.5 yet; with ``not_reached`` an event
    that would take the KM to 0.5 waits while censorings remain. No time exceeds ``t_cap``
    (the longest follow-up), and no event follows the last censoring.

    The curve is inverted on a geometric grid scaled to twice the last censoring (or the tail
    start) plus a month, or to ``t_grid`` when given and not shorter (an ensemble's per arm,
    so that its draws' curves are tabulated on one set of times).
    """
    # plain lists in the loop: numpy's per-element access cost more than the arithmetic
    c_times = np.sort(censor_times).tolist()
    n_cens = len(c_times)
    t_last = c_times[-1] if n_cens else 0.0
    # the bound method itself: calling the instance would look __call__ up on every event
    t_max = max(t_last, curve.tail_start) * 2 + 1.0
    if t_grid is not None and t_grid >= t_max:
        t_max = float(t_grid)
    inv = _Inverse.of(curve, t_max).__call__
    ci_lo, ci_hi = median_ci if median_ci is not None else (None, None)
    i_median = bisect.bisect_left(c_times, median) if median is not None else 0
    # (side of the band, limit, snap window) of each reported median CI limit, lower first (a
    # pin there moves te before the upper one is tried)
    ci_limits = tuple((side, limit, _SNAP_WINDOW * limit)
                      for side, limit in enumerate((ci_lo, ci_hi)) if limit is not None)
    time: list[float] = []
    event: list[int] = []
    k_level, greenwood, at_risk, ic = 1.0, 0.0, n, 0
    band_now = None  # the band of (k_level, greenwood), once computed
    held = False  # an event was held back for the median
    events_left = events
    pulled = 0
    last_time = 0.0
    for _ in range(n):
        if events_left == 0:
            time += c_times[ic:]
            event += [0] * (n_cens - ic)
            break
        k_new = k_level * (1.0 - 1.0 / at_risk)
        g_new = greenwood + (1.0 / (at_risk * (at_risk - 1.0)) if at_risk > 1 else math.inf)
        te = inv(0.5 * (k_level + k_new))
        # KM median = first time with S(t) <= 0.5; a guard absorbs rounding in K.
        above = k_level > 0.5 + MEDIAN_TOL
        crossing = above and k_new <= 0.5 + MEDIAN_TOL
        wait = False
        pinned = False  # an event at a published time is never pulled elsewhere
        band_new = None
        if crossing and median is not None:
            te = median
            pinned = True
        elif median is not None and abs(k_level - 0.5) <= MEDIAN_TOL and last_time == median:
            # The KM sits at exactly 0.5 after the median event; conventions then differ
            # (lifelines: that time, R: the midpoint to the next event) and rounding decides
            # which side of 0.5 the level falls. A second event at the median settles it.
            te = median
            pinned = True
        elif crossing and not_reached:
            wait = ic < n_cens  # a censoring first: the KM must stay above 0.5
        elif (above and median is not None and events_left == 1 and ic < n_cens
              and c_times[ic] < median):
            wait = True  # keep the last event for the median
        elif (above and median is not None and ic < n_cens and c_times[ic] < median
              and _median_lost(k_new, at_risk - 1, events_left - 1,
                               i_median - ic)):
            # With this event now, even every censoring before the median first and every
            # other event at the median leave the KM above 0.5 there: a censoring first
            # (it can only help: the remaining events then fall on fewer at risk).
            wait = held = True
        elif ci_limits:
            # the bands only near a limit (most events are not); a pin needs the band after
            # this event only while the band now is above 0.5 (when it is left unset, an
            # event makes the next band_now None: computed again when needed, from the same
            # numbers)
            for side, limit, window in ci_limits:
                if not abs(te - limit) <= window:
                    continue
                if band_now is None:
                    band_now = loglog_band(k_level, greenwood, _Z)
                if band_now[side] > 0.5:
                    if band_new is None:
                        band_new = loglog_band(k_new, g_new, _Z)
                    if 0.5 >= band_new[side]:
                        te = limit
                        pinned = True
        if (not_reached and ic < n_cens and at_risk > 1 and te > c_times[ic]
                and k_level * (at_risk - 1 - events_left) / (at_risk - 1) <= 0.5 + MEDIAN_TOL):
            # Not reached: one more censoring first and the remaining events would take the
            # KM to 0.5; this event happens before it.
            te = 0.5 * (last_time + c_times[ic])
            wait = False
        elif not wait and not pinned:
            if ic == n_cens - 1 and te > c_times[ic]:
                # No event after the last censoring (the longest follow-up): an event the
                # tail cannot place in time goes halfway between the last time and it.
                te = 0.5 * (last_time + c_times[ic])
                pulled += 1
            elif te > t_cap:
                te = 0.5 * (last_time + t_cap)
                pulled += 1
        if (held and not wait and median is not None and last_time < median
                and (te <= last_time or te > median)):
            # Events held for the median go between the censorings placed first and the
            # median, never tied with a censoring (which would still count as at risk), even
            # one meant for a CI limit the censorings have passed.
            te = 0.5 * (last_time + min(c_times[ic] if ic < n_cens else math.inf, median))
        if ic < n_cens and (wait or c_times[ic] <= te):
            last_time = c_times[ic]
            event.append(0)
            ic += 1
        else:
            last_time = float(max(te, last_time))
            event.append(1)
            k_level, greenwood, band_now = k_new, g_new, band_new
            events_left -= 1
        time.append(last_time)
        at_risk -= 1
    return Allocation(np.array(time, dtype=float), np.array(event, dtype=np.int8), pulled)


def _median_lost(k_level: float, at_risk: int, events: int, censored_before: int) -> bool:
    """Whether a KM at ``k_level`` with ``at_risk`` patients can no longer reach 0.5 at the
    median: ``censored_before`` of them are censored first, then the ``events`` left all
    happen at the median, the lowest level those patients can give."""
    r_med = at_risk - censored_before
    if r_med <= 0 or events <= 0:
        return True
    return k_level * max(r_med - events, 0) / r_med > 0.5 + MEDIAN_TOL


def _solve(fn, lo: float, hi: float) -> float | None:
    """Root of an increasing ``fn`` on [lo, hi], or None when it has no sign change there."""
    f_lo, f_hi = fn(lo), fn(hi)
    if f_lo > 0 or f_hi < 0:
        return None
    if f_lo == 0:
        return lo
    # brentq evaluates both ends again: give it the values just computed
    ends = {lo: f_lo, hi: f_hi}
    return float(optimize.brentq(lambda v: ends[v] if v in ends else fn(v), lo, hi,
                                 xtol=1e-4))


@dataclass(frozen=True)
class TailFit:
    """A curve and follow-up model reconciled with the event count, and how hard that was.

    ``strain`` orders the departures from what was reported: 0 = tail hazard scaled within
    [1/2, 2] (or nothing to do); 1 = the follow-up start moved too (no accrual reported);
    2 = tail hazard scaled beyond that; 3 = follow-up times rescaled, or events capped.
    """

    curve: ArmCurve
    follow_up: FollowUpModel
    how: str
    strain: int


def calibrate_tail(curve: ArmCurve, follow_up: FollowUpModel, n: int, events: int, *,
                   not_reached: bool = False, t_grid: float | None = None,
                   lose_first: bool = False) -> TailFit:
    """Reconcile the curve's tail and the follow-up model with the reported event count.

    Expected events ``n * integral G dF`` must equal the reported events. In order of how much
    each step departs from what was reported:

    0. nothing reported about follow-up: its length is what the event count says (between
       1.05 and 50 times the last reported time), with the tail at the last reported
       stretch's hazard (``theta = 1``; on the real-trial test bed's tuning part the true
       hazard past the last reported point is a median 1.04 (OS) and 0.90 (PFS) times it);
    1. scale the hazard beyond the last reported time by ``theta`` in [1/2, 2];
    2. when follow-up start is not pinned by a reported accrual or longest follow-up, move
       the shortest potential follow-up (earlier or later censoring) with ``theta`` at the
       bound reached;
    3. fewer events than that: without reported follow-up (or with ``lose_first``), patients
       lost to follow-up (a constant hazard); with it, ``theta`` down to 0.02 first, then the
       loss;
    4. more events than that: ``theta`` up to 50;
    5. rescale all follow-up times (reported follow-up only; the self-check then reports the
       numbers this costs).

    With ``not_reached`` (a median reported as not reached) the multiplier is capped so that
    the curve stays above 0.5 to the end of follow-up.

    The expected events are integrated on a grid to the longest follow-up any step may reach,
    or to ``t_grid`` when given and longer (an ensemble's per arm).
    """
    if events == n:
        return TailFit(curve, follow_up, "no censoring: every patient has an event", 0)
    tail_events = _tail_events(curve, n, follow_up, calibration_reach(follow_up), t_grid)
    def cap_at(fu: FollowUpModel) -> float:
        """With a median not reached, the tail keeps S above 0.5 to the longest follow-up."""
        if not not_reached:
            return math.inf
        cap = tail_events.theta_keeping_above(0.5 + _NOT_REACHED_MARGIN, fu.longest)
        return math.inf if cap == 0.0 else cap  # already at 0.5 where the tail starts

    cap = cap_at(follow_up)

    def gap(log_theta: float, fu: FollowUpModel) -> float:
        return tail_events(min(math.exp(log_theta), cap_at(fu)), fu) - events

    if follow_up.unreported_from is not None:
        # Nothing reported about follow-up: its length is what the event count says, with the
        # tail going on at the last reported stretch's hazard (theta = 1).
        lo_len = follow_up.unreported_from * _UNREPORTED_MIN
        hi_len = follow_up.unreported_from * _UNREPORTED_MAX
        length = _solve(lambda v: gap(0.0, follow_up.with_longest(math.exp(v))),
                        math.log(lo_len), math.log(hi_len))
        if length is not None:
            fu = follow_up.with_longest(math.exp(length))
            return TailFit(curve.with_theta(min(1.0, cap_at(fu))), fu, fu.how, 0)
        follow_up = follow_up.with_longest(lo_len if gap(0.0, follow_up.with_longest(lo_len)) > 0
                                           else hi_len)
        cap = cap_at(follow_up)
    soft = math.log(_THETA_SOFT)
    log_theta = _solve(lambda v: gap(v, follow_up), -soft, soft)
    if log_theta is not None:
        theta = min(math.exp(log_theta), cap)
        return TailFit(curve.with_theta(theta), follow_up,
                       f"tail hazard x{theta:.3g} to match events", 0)
    bound = soft if gap(soft, follow_up) < 0 else -soft
    if follow_up.flexible:
        lo_min, lo_max = follow_up.lower_range
        lower = _solve(lambda v: gap(bound, follow_up.with_lower(v)), lo_min, lo_max)
        if lower is not None:
            theta = min(math.exp(bound), cap)
            return TailFit(curve.with_theta(theta), follow_up.with_lower(lower),
                           f"tail hazard x{theta:.3g} and follow-up start to match events", 1)
        follow_up = follow_up.with_lower(lo_max if bound > 0 else lo_min)
    def lose(log_theta: float, fu: FollowUpModel, strain: int) -> TailFit | None:
        """Fewer events than the curve gives with this tail: patients lost to follow-up at a
        constant hazard (at most e^-_LOSS_MAX of them followed to the end), or None."""
        loss = _solve(lambda v: -gap(log_theta, fu.with_loss(v)), 0.0, _LOSS_MAX / fu.longest)
        if loss is None:
            return None
        theta = min(math.exp(log_theta), cap)
        return TailFit(curve.with_theta(theta), fu.with_loss(loss),
                       f"tail hazard x{theta:.3g}; loss to follow-up {loss:.3g}/month to match "
                       "events", strain)

    # Without reported follow-up nothing says when censoring happens: lose patients before
    # letting the tail's hazard fall below half the last reported stretch's. With it, the tail
    # falls first unless the caller asks otherwise (the losses shorten the reverse-KM median
    # follow-up; see from_summary._fit_and_place).
    if bound < 0 and (follow_up.unreported_from is not None or lose_first):
        fit = lose(bound, follow_up, 1)
        if fit is not None:
            return fit
    lo, hi = math.log(_THETA_RANGE[0]), math.log(_THETA_RANGE[1])
    log_theta = _solve(lambda v: gap(v, follow_up), lo, hi)
    if log_theta is not None:
        theta = min(math.exp(log_theta), cap)
        return TailFit(curve.with_theta(theta), follow_up,
                       f"tail hazard x{theta:.3g} to match events", 2)
    if gap(lo, follow_up) > 0 and follow_up.loss == 0.0:
        fit = lose(lo, follow_up, 2)
        if fit is not None:
            return fit
    theta = min(_THETA_RANGE[1] if gap(hi, follow_up) < 0 else _THETA_RANGE[0], cap)
    cur = curve.with_theta(theta)
    if follow_up.unreported_from is not None:  # already stretched as far as it may go
        return TailFit(cur, follow_up, f"tail x{theta:.3g}; events cannot be matched in "
                       "follow-up: the allocation caps them", 3)
    factor = _solve(lambda v: expected_events(cur, follow_up.scaled(math.exp(v)), n) - events,
                    math.log(0.02), math.log(50.0))
    if factor is None:
        return TailFit(cur, follow_up, f"tail x{theta:.3g}; events cannot be matched in "
                       "follow-up: the allocation caps them", 3)
    factor = math.exp(factor)
    return TailFit(cur, follow_up.scaled(factor),
                   f"follow-up rescaled x{factor:.3g} (tail x{theta:.3g}) to match events", 3)


def calibration_reach(follow_up: FollowUpModel) -> float:
    """The longest follow-up :func:`calibrate_tail` may try for ``follow_up`` before a
    rescale (an unreported one is stretched up to ``_UNREPORTED_MAX`` times the last reported
    time): the end of its expected-events grid."""
    reach = follow_up.longest
    if follow_up.unreported_from is not None:
        reach = max(reach, follow_up.unreported_from * _UNREPORTED_MAX)
    return reach


def feasible_events(curve: ArmCurve, follow_up: FollowUpModel, n: int) -> tuple[float, float]:
    """The range of expected events the tail and follow-up start can reach (see calibrate_tail).

    Used to keep inferred event counts possible: with a low survival reported late and the
    follow-up known, an arm cannot have fewer events than those already implied.
    """
    lo_fu = hi_fu = follow_up
    if follow_up.unreported_from is not None:
        lo_fu = follow_up.with_longest(follow_up.unreported_from * _UNREPORTED_MIN)
        hi_fu = follow_up.with_longest(follow_up.unreported_from * _UNREPORTED_MAX)
    elif follow_up.flexible:
        lo_fu = follow_up.with_lower(follow_up.lower_range[0])
        hi_fu = follow_up.with_lower(follow_up.lower_range[1])
    return (expected_events(curve.with_theta(_THETA_RANGE[0]), lo_fu, n),
            expected_events(curve.with_theta(_THETA_RANGE[1]), hi_fu, n))


def _km_summary(time: np.ndarray, event: np.ndarray, at: np.ndarray):
    """KM at times ``at``, the at-risk counts there, and the KM median with the 95% log-log
    band's crossings of 0.5 (:func:`lmssurv.km.median_crossings`, the rule every median uses)."""
    t, e, r, km = km_levels(time, event)
    values = km_at(t, km, at)
    at_risk = t.size - np.searchsorted(t, at, side="left")
    pins = median_crossings(t, km, greenwood_by_row(e, r), _Z, is_event=e > 0)
    return values, at_risk, tuple(float(x) for x in pins)


def polish_landmarks(
    time: np.ndarray,
    event: np.ndarray,
    landmarks: dict[float, float],
    tolerance=lambda rate, rebuilt, at_risk: 0.01,
    max_moves: int = 6,
    keep=None,
    median_ci: tuple[float | None, float | None] | None = None,
    longest: float = math.inf,
) -> tuple[np.ndarray, int]:
    """Move a few patients so the KM hits each landmark within ``tolerance`` where it can.

    ``tolerance(rate, rebuilt, at_risk)`` is the landmark's tolerance (the self-check passes
    its own rule, so what is polished is what is checked). ``keep(time)``, when given, must
    accept each round's move (the engine keeps a matched HR matched).

    In small arms a KM step can be larger than the tolerance, and the level reached at a
    landmark time depends on how many patients are at risk at each step before it. Moving a
    censored patient to another gap between event times changes those numbers, and moving an
    event near a landmark to its other side changes the count of steps, so the published
    rate (itself a KM level of the real data) can be reached. Each round tries the event moves
    and the censoring moves predicted best (:func:`_censoring_moves`), alone or after an event
    move, keeps the one that brings the worst landmark closest, and never moves the median or
    the median CI limits. At most ``max_moves`` rounds. Returns the new times and the number
    of patients moved. Both engines polish with this (the summary engine once per arm, the
    ensemble for a draw still missing a landmark after its censoring jitters): a round's
    candidates are scored with one batched Kaplan-Meier (:func:`_polish_choice`).

    ``longest`` is the longest follow-up the arm allows: when no one is followed to the last
    landmark (a rate the KM does not define), the last censoring may move past it, halfway to
    ``longest``.

    ``median_ci``, when given, is the published median CI: a CI limit of the rebuilt curve
    that is not the published one (a limit the allocation could not pin) is then free to
    move, since holding it protects no published number; the median always stays.
    """
    if not landmarks:
        return time, 0
    lm_t = np.array(list(landmarks))
    lm_s = np.array(list(landmarks.values()))
    values, at_risk, pins0 = _km_summary(time, event, lm_t)
    # the excess over each landmark's tolerance (the self-check's rule), or the distance
    slack = [tolerance(s, v, r) for s, v, r in zip(lm_s, values, at_risk, strict=True)]
    best = float(np.max(np.abs(values - lm_s) - slack))
    held = np.ones(3, dtype=bool)  # median, CI lower, CI upper
    if median_ci is not None:
        for k, limit in enumerate(median_ci, start=1):
            # a limit not reached is published as None: held only while not reached either
            held[k] = (math.isnan(pins0[k]) if limit is None
                       else abs(pins0[k] - limit) <= _CI_PIN_TOL)
    pins0 = np.array(pins0)
    time = time.copy()
    moved = 0
    # KM evaluations: bounded work on large arms, deterministic
    budget = min(max(_POLISH_WORK // max(time.size, 1), _POLISH_BUDGET[0]), _POLISH_BUDGET[1])
    for _ in range(max_moves):
        if best <= 0.0 or budget <= 0:
            break
        # one block of rows per base: the base itself when it is a move, then its censoring
        # moves; their landmark levels from the base's own KM (km_levels_moved)
        blocks, costs, values, at_risk = [], [], [], []
        for base, cost in [(time, 0)] + [(t, 1) for t in _event_moves(time, event, lm_t)]:
            moves = []
            if budget > 0:  # else spent: no more censoring moves this round, nor a next round
                # the budget counts the censoring moves scored, in this order
                moves = list(itertools.islice(
                    _censoring_moves(base, event, lm_t, lm_s, tolerance, best, longest),
                    budget + 1))
                if len(moves) > budget:
                    moves, budget = moves[:budget], -1
                else:
                    budget -= len(moves)
            rows = np.array([i for i, _ in moves], dtype=np.intp)
            to = np.array([v for _, v in moves], dtype=float)
            block = np.repeat(base[None, :], cost + rows.size, axis=0)
            block[np.arange(cost, block.shape[0]), rows] = to
            blocks.append(block)
            costs += [cost] * cost + [cost + 1] * rows.size
            unmoved = np.zeros(cost)  # the base's own row: a censoring moved nowhere
            v, y = km_levels_moved(base, event, np.concatenate([unmoved, base[rows]]),
                                 np.concatenate([unmoved, to]), lm_t)
            values.append(v)
            at_risk.append(y)
        chosen = _polish_choice(np.concatenate(blocks), np.array(costs), event, lm_t, lm_s,
                                tolerance, best, pins0, held,
                                levels=(np.concatenate(values), np.concatenate(at_risk))
                                ) if costs else None
        if chosen is None or (keep is not None and not keep(chosen[1])):
            break
        (best, cost), time = chosen
        moved += cost
    return time, moved


def _polish_choice(cand: np.ndarray, cost: np.ndarray, event: np.ndarray, lm_t: np.ndarray,
                   lm_s: np.ndarray, tolerance, best: float, pins0: np.ndarray,
                   held: np.ndarray, levels: tuple[np.ndarray, np.ndarray] | None = None):
    """A polishing round's choice among candidate placements ``cand`` (one per row, moving
    ``cost`` patients): ``((excess, cost), times)``, or None when none will do.

    The candidate with the smallest excess over the landmark tolerances, then the fewest
    moves, then the first, among those improving on ``best`` and keeping the ``held`` median
    and CI limits at ``pins0``. All rows are scored with one batched Kaplan-Meier (or
    ``levels``, their KM levels and numbers at risk at ``lm_t`` when the caller has them);
    the pins, costlier, only in that order, a few rows at a time, until one keeps them.
    """
    if levels is None:
        _, _, _, km = km_levels(cand, event)
        rows = np.arange(cand.shape[0])[:, None]
        below = np.column_stack([np.count_nonzero(cand <= x, axis=1) for x in lm_t])
        values = np.where(below > 0, km[rows, np.maximum(below - 1, 0)], 1.0)
        at_risk = np.column_stack([np.count_nonzero(cand >= x, axis=1) for x in lm_t])
    else:
        values, at_risk = levels
    slack = np.empty_like(values)
    for j, s in enumerate(lm_s):
        # one call of the tolerance per distinct (level, at risk): rows share most of them
        _, first, back = np.unique(np.column_stack([values[:, j], at_risk[:, j]]), axis=0,
                                   return_index=True, return_inverse=True)
        tol = [tolerance(s, v, y) for v, y in zip(values[first, j], at_risk[first, j],
                                                  strict=True)]
        slack[:, j] = np.array(tol, dtype=float)[back.ravel()]
    excess = np.max(np.abs(values - lm_s) - slack, axis=1)
    better = np.flatnonzero(excess < best - 1e-12)
    order = better[np.lexsort((cost[better], excess[better]))]  # stable: the first on ties
    # the best row alone first: it keeps the pins in most rounds (130 of 212 in large trials'
    # ensembles); when it does not, often none of the next dozens does
    for k in [0, *range(1, order.size, _PIN_CHUNK)]:
        chunk = order[k:k + _PIN_CHUNK] if k else order[:1]
        if not chunk.size:
            break
        t, e, r, km = km_levels(cand[chunk], event)
        pins = median_crossings(t, km, greenwood_by_row(e, r), _Z, is_event=e > 0)
        same = ((pins == pins0) | (np.isnan(pins) & np.isnan(pins0)))[:, held].all(axis=1)
        if same.any():
            i = chunk[np.argmax(same)]
            return (float(excess[i]), int(cost[i])), cand[i].copy()
    return None


def _event_moves(time: np.ndarray, event: np.ndarray, lm_t: np.ndarray):
    """Copies of ``time`` with one of the ``_EVENT_MOVERS`` events nearest each landmark (on
    either side) moved just across it.

    The nearest is often a pinned median or CI event, whose move the polish refuses; the next
    one moves the landmark's level by the same step and leaves the pin where it is.
    """
    ev = np.flatnonzero(event == 1)
    for t_k in lm_t:
        before = ev[time[ev] <= t_k]
        after = ev[time[ev] > t_k]
        for i in before[np.argsort(-time[before], kind="stable")[:_EVENT_MOVERS]]:
            moved = time.copy()
            moved[i] = across_landmark(time, event, t_k, later=True)
            yield moved
        for i in after[np.argsort(time[after], kind="stable")[:_EVENT_MOVERS]]:
            moved = time.copy()
            moved[i] = across_landmark(time, event, t_k, later=False)
            yield moved


def across_landmark(time: np.ndarray, event: np.ndarray, t_k: float, *, later: bool) -> float:
    """Where a landmark polish puts the event nearest landmark ``t_k`` moved across it.

    Halfway between ``t_k`` and the nearest event on the far side, so that events moved across
    one landmark, one per polishing round, do not tie: ``later``, out of the KM level at
    ``t_k`` into ``(t_k, next event)``; else into it, into ``(last event before t_k, t_k)``.
    In between lie censorings only, so the numbers at risk at every other event time stay
    those of a move just across ``t_k``; the moved event's own step is the level over the
    number at risk where it lands (the polish scores every move on the KM it gives). With no
    event on the far side, halfway to the longest time (``later``) or to 0.
    """
    ev = time[event == 1]
    if later:
        far = ev[ev > t_k]
        hi = float(far.min()) if far.size else float(time.max())
        return 0.5 * (t_k + hi) if hi > t_k else t_k * (1 + 1e-6)
    far = ev[ev < t_k]
    return 0.5 * (t_k + (float(far.max()) if far.size else 0.0))


def _gap_middles(ev_times: np.ndarray, lm_t: np.ndarray) -> np.ndarray:
    """The middle of each gap between distinct event times ``ev_times`` (sorted, non-empty)
    and half the first, up to 1.25 x the last landmark (a move only matters before one)."""
    slots = np.concatenate([[ev_times[0] / 2], (ev_times[1:] + ev_times[:-1]) / 2])
    return slots[slots <= lm_t.max() * 1.25]


def _censoring_moves(time: np.ndarray, event: np.ndarray, lm_t: np.ndarray,
                     lm_s: np.ndarray, tolerance, best: float, longest: float = math.inf):
    """Moves of one censoring to another event gap, most promising first: ``(row, new time)``.

    Every censoring (but those at the longest time, which end follow-up) and every event gap
    up to 1.25 x the last landmark is a candidate; for arms with more than ``_RANK_MOVERS``
    censorings or gaps, an evenly spread subset plus the ``_POLISH_CANDIDATES`` censorings
    nearest the landmarks. Each move's landmark levels are predicted without refitting the KM:
    moving a censoring from ``c`` to ``s`` adds one patient at risk at each event time in
    ``(c, s]`` (or removes one in ``(s, c]``), which multiplies the KM at a landmark by the
    product of the changed factors up to it. The ``_POLISH_VERIFY`` moves predicted closest
    (below ``best``) are yielded for the caller to score exactly (median pins included).
    A censoring far from every landmark can matter: in an arm of 355 one early drop-out moved
    past a landmark raises the KM there by about 0.001, half a tolerance. First, when no one
    is followed to the last landmark and ``longest`` allows it, the last censoring moved
    halfway from that landmark to ``longest`` (it changes no level, but defines the rate).
    """
    last_lm = float(lm_t.max())
    cens_all = np.flatnonzero(event == 0)
    if time.max() < last_lm < longest < math.inf and cens_all.size:
        yield int(cens_all[np.argmax(time[cens_all])]), 0.5 * (last_lm + longest)
    ev_times, d = np.unique(time[event == 1], return_counts=True)
    if not ev_times.size:
        return
    censored = np.flatnonzero((event == 0) & (time < time.max()))
    if not censored.size:
        return
    slots = _gap_middles(ev_times, lm_t)
    if not slots.size:
        return
    if slots.size > _RANK_MOVERS:
        slots = slots[np.linspace(0, slots.size - 1, _RANK_MOVERS).round().astype(int)]
    if censored.size > _RANK_MOVERS:
        by_time = censored[np.argsort(time[censored], kind="stable")]
        spread = by_time[np.linspace(0, by_time.size - 1, _RANK_MOVERS).round().astype(int)]
        near = np.argsort(np.min(np.abs(time[censored][:, None] - lm_t[None, :]), axis=1))
        censored = np.unique(np.concatenate([spread, censored[near[:_POLISH_CANDIDATES]]]))
    # censorings between the same two event times give the same KM wherever they go, and
    # those past every slot the same landmark levels: one of each
    lo_all = np.searchsorted(ev_times, time[censored], side="right")
    cut = np.searchsorted(ev_times, slots[-1], side="right") + 1
    _, first = np.unique(np.minimum(lo_all, cut), return_index=True)
    censored = censored[first]
    sorted_t = np.sort(time)
    r = (time.size - np.searchsorted(sorted_t, ev_times, side="left")).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        base_log = np.log1p(-d / r)
        gain = np.log1p(-d / (r + 1)) - base_log  # one more at risk
        loss = np.where(r - 1 > d, np.log1p(-d / np.maximum(r - 1, 1)) - base_log, -50.0)
    pre_gain = np.concatenate([[0.0], np.cumsum(gain)])
    pre_loss = np.concatenate([[0.0], np.cumsum(loss)])
    s_now = np.exp(np.concatenate([[0.0], np.cumsum(base_log)]))
    j_lm = np.searchsorted(ev_times, lm_t, side="right")  # event times <= each landmark
    y_lm = time.size - np.searchsorted(sorted_t, lm_t, side="left")
    lo = np.searchsorted(ev_times, time[censored], side="right")  # event times <= c
    hi = np.searchsorted(ev_times, slots, side="right")
    later = hi[None, :] > lo[:, None]
    # each landmark's tolerance as it is now (a move changes it by a fraction of a half step;
    # the caller's exact score decides)
    slack = np.array([tolerance(v, s_now[jk], y) for v, jk, y in zip(lm_s, j_lm, y_lm,
                                                                     strict=True)])
    err, err_k = np.full(later.shape, -np.inf), np.empty(later.shape)
    for jk, rate, tol in zip(j_lm, lm_s, slack, strict=True):
        # one landmark at a time, censorings x slots: the sums up to it are gathered per
        # censoring and per slot, then differenced. The censorings at or past the landmark's
        # last event time (rows from a: lo increases) all give the same numbers there, and
        # so do the slots past it (columns from b: hi does not decrease); computed once, in
        # row a and column b (unless the KM is 0 before the landmark: inf - inf there)
        a, b = int(np.searchsorted(lo, jk)), int(np.searchsorted(hi, jk))
        if not math.isfinite(pre_gain[jk]):
            a, b = lo.size, hi.size
        lo_k, hi_k = np.minimum(lo[:a + 1], jk), np.minimum(hi[:b + 1], jk)
        block, ahead = err_k[:a + 1, :b + 1], later[:a + 1, :b + 1]
        # |S e^delta - rate| - tol, in place (the matrices are large: fresh ones cost more
        # than the arithmetic)
        np.subtract(pre_gain[hi_k][None, :], pre_gain[lo_k][:, None], out=block, where=ahead)
        np.subtract(pre_loss[lo_k][:, None], pre_loss[hi_k][None, :], out=block,
                    where=~ahead)
        np.exp(block, out=block)
        np.multiply(block, s_now[jk], out=block)
        np.subtract(block, rate, out=block)
        np.abs(block, out=block)
        np.subtract(block, tol, out=block)
        err_k[a + 1:, :b + 1] = block[-1:]
        err_k[:, b + 1:] = err_k[:, b:b + 1]
        np.maximum(err, err_k, out=err)
    err[lo[:, None] == hi[None, :]] = np.inf  # within its own gap: no change
    for k in _smallest(err.ravel(), best, _POLISH_VERIFY).tolist():
        i, si = divmod(k, slots.size)
        yield int(censored[i]), float(slots[si])


def _smallest(values: np.ndarray, below: float, k: int) -> np.ndarray:
    """Indices of the ``k`` smallest ``values`` under ``below``, smallest first, the first on
    ties: the first ``k`` of a stable argsort of those, without sorting them all."""
    idx = np.flatnonzero(values < below)
    v = values[idx]
    if idx.size > k:
        # every one of the k smallest is at most the k-th smallest value
        keep = v <= np.partition(v, k - 1)[k - 1]
        idx, v = idx[keep], v[keep]
    return idx[np.argsort(v, kind="stable")[:k]]


def pin_median_ci(time: np.ndarray, event: np.ndarray,
                  median_ci: tuple[float | None, float | None] | None,
                  accept=lambda time: True, max_moves: int = 5) -> tuple[np.ndarray, int]:
    """Move events so the KM's Brookmeyer-Crowley median CI limits land on the published ones.

    The curve goes through the survival a limit implies (:mod:`~lmssurv.reconstruct.shape`),
    but that level is an approximation of the band (Greenwood variance without the arm's
    own censoring pattern), so the band may cross 0.5 a few events away from the limit.
    Each missed limit (by :func:`~lmssurv.reconstruct.diagnostics.time_tolerance`, the
    self-check's rule) takes the event the band crosses at and puts it on the published
    limit; when the band still crosses elsewhere, the next crossing event goes just before
    the ones already moved (0.1% of the limit apart, so the band crosses at the limit itself
    once enough have moved), at most ``max_moves`` or ``_PIN_SHARE`` (1%) of the arm per
    limit, whichever is more. A limit's moves are kept only when the band then crosses at
    the limit and ``accept(time)`` takes the result (the engine: no other published number
    lost); otherwise that limit's moves are undone. Returns the new times and the number
    of events moved.
    """
    time = np.asarray(time, dtype=float)
    if median_ci is None:
        return time, 0
    moved_total = 0
    for column, published in ((1, median_ci[0]), (2, median_ci[1])):
        if published is None or published <= 0:  # "0.0": no event can be placed at time 0
            continue
        trial, moved = time, 0
        limit = max(max_moves, round(_PIN_SHARE * time.size))
        while True:
            got = _km_summary(trial, event, _NO_TIMES)[2][column]
            tol = time_tolerance(2 * rounding_tolerance(published),
                                 np.unique(trial[event == 1]), published)
            if np.isfinite(got) and abs(got - published) <= tol + 1e-9:
                break
            if not np.isfinite(got) or moved == limit:
                moved = -1
                break
            at = np.flatnonzero((event == 1) & (trial == got))
            trial = trial.copy()
            trial[at[0]] = published * (1 - 1e-3 * moved)
            moved += 1
        if moved > 0 and accept(trial):
            time, moved_total = trial, moved_total + moved
    return time, moved_total


def pin_hr_ci(times, events, pins, hr, accept=lambda times: True,
              max_moves: int = 8, *, p_value: bool = False) -> tuple[list[np.ndarray], int]:
    """Move censorings across event times so the Cox Wald CI lands on the published HR limits
    and, with ``p_value``, the unstratified log-rank p on the published ``hr.p_value``.

    The rebuild matches the HR, but the Wald standard error also depends on how the arms'
    risk sets are balanced at each event time, which the summary does not pin: 1-2% off moves
    a limit past its rounding; the log-rank p moves with them too. A censoring moved across
    event times changes the numbers at risk there and moves no event. It crosses none of its
    arm's published times ``pins[i]`` (sorted) nor, up to the last of them, its arm's event
    times, so that arm's KM, bands and published numbers stay; and it stays below its arm's
    longest time. Candidates: per arm and per gap between event times within such an
    interval, one censoring moved one event time later or earlier, or to either end of the
    interval (half-way into the gap it lands in).

    Greedy and deterministic on exact refits (:func:`~lmssurv.cox.cox_two_arms`,
    :func:`~lmssurv.reconstruct.diagnostics.log_rank_p`): a step takes, of the few moves that
    most reduce the errors of the targets (in units of the self-check's tolerance, past half
    of it, squared and summed), the first that ``accept(times)`` takes (the engine: no other
    published number lost), for at most ``max_moves`` steps. The targets: the HR, its
    published CI limits and, with ``p_value``, the p within
    :func:`~lmssurv.reconstruct.diagnostics.p_value_tolerance`, unless it lies further from
    the Wald p-values of the HR and CI than an unstratified log-rank p does
    (:func:`~lmssurv.reconstruct.diagnostics.p_beyond_log_rank`: a stratified or other test's
    p moves nothing; with ``p_value`` and no p to place nothing is moved, the pass without it
    being the caller's). With the p, only the ``_P_SHORTLIST`` moves whose p lies nearest the
    published one (from the log-rank sums moved, :func:`_log_rank_p_moved`) are refitted. The
    moves are kept only when every target is then within tolerance. Returns the times and the
    number of censorings moved (0 when none is kept).
    """
    times = [np.asarray(t, dtype=float) for t in times]
    ci = hr is not None and hr.lower is not None and hr.upper is not None
    placeable = hr is not None and hr.p_value is not None and not p_beyond_log_rank(hr)
    # with p_value but no p to place, this would be the pass without it over again
    if len(times) != 2 or (p_value and not placeable) or not (ci or p_value):
        return times, 0
    p_tol = p_value_tolerance(hr.p_value, hr)[0] if p_value else math.nan

    def errors(ts) -> list[float]:
        fit = cox_two_arms(ts[0], events[0], ts[1], events[1])
        rebuilt = fit.hr if math.isfinite(fit.hr) else math.inf
        got = [(rebuilt, hr.estimate, rounding_tolerance(hr.estimate, min_decimals=2))]
        if ci:
            got += [(c.rebuilt if c.rebuilt is not None else math.inf, c.published,
                     c.tolerance) for c in hr_ci_checks(hr, fit, None)]
        if p_value:
            p = log_rank_p(ts[0], events[0], ts[1], events[1])
            got.append((p if math.isfinite(p) else math.inf, hr.p_value, p_tol))
        return [abs(r - p) / tol for r, p, tol in got]

    # placing the p, an HR or limit already missed is not a target (the moves without the p
    # did not reach it); the reproduced ones are, so that they stay clear of their tolerance
    start = errors(times)
    use = [x <= 1.0 + 1e-9 for x in start[:-1]] + [True] if p_value else None

    def loss_of(err: list[float]) -> tuple[float, bool]:
        err = [x for k, x in enumerate(err) if use is None or use[k]]
        return sum(max(x - 0.5, 0.0) ** 2 for x in err), all(x <= 1.0 + 1e-9 for x in err)

    def score(ts) -> tuple[float, bool]:
        return loss_of(errors(ts))

    (loss, hit), trial, moved = loss_of(start), times, 0
    while not hit and moved < max_moves:
        moves = list(_hr_ci_moves(trial, events, pins))
        if p_value:
            err = np.abs(_log_rank_p_moved(trial, events, moves) - hr.p_value)
            nearest = np.argsort(np.nan_to_num(err, nan=np.inf), kind="stable")
            moves = [moves[n] for n in nearest[:_P_SHORTLIST].tolist()]
        candidates = (_moved(trial, *m) for m in moves)
        ranked = sorted(((score(c), n, c) for n, c in enumerate(candidates)),
                        key=lambda x: (x[0][0], x[1]))
        better = itertools.islice((x for x in ranked if x[0][0] < loss), _HR_CI_TRIES)
        best = next((x for x in better if accept(x[2])), None)
        if best is None:
            break
        ((loss, hit), _, trial), moved = best, moved + 1
    return (trial, moved) if moved and hit else (times, 0)


def _moved(times, arm: int, k: int, to: float) -> list[np.ndarray]:
    """``times`` with patient ``k`` of arm ``arm`` at ``to`` (a copy of that arm only)."""
    out = list(times)
    out[arm] = times[arm].copy()
    out[arm][k] = to
    return out


def _hr_ci_moves(times, events, pins):
    """The candidates :func:`pin_hr_ci` refits: one censoring moved, as (arm, patient, new
    time)."""
    ev_times = np.unique(np.concatenate([t[e == 1] for t, e in zip(times, events, strict=True)]))
    for i, (t, e) in enumerate(zip(times, events, strict=True)):
        last_pin = pins[i][-1] if pins[i] else 0.0
        walls = np.union1d(np.append(pins[i], t.max()), t[(e == 1) & (t <= last_pin)])
        seen = set()
        for k in np.flatnonzero((e == 0) & (t < t.max())):
            w = int(np.searchsorted(walls, t[k], side="right"))
            lo, hi = (walls[w - 1] if w else 0.0), walls[w]
            gap = int(np.searchsorted(ev_times, t[k], side="right"))
            first = int(np.searchsorted(ev_times, lo, side="right"))
            last = int(np.searchsorted(ev_times, hi, side="left"))
            for to in sorted({gap - 1, gap + 1, first, last} - {gap}):
                if first <= to <= last and (w, gap, to) not in seen:
                    seen.add((w, gap, to))
                    left = max(ev_times[to - 1] if to else 0.0, lo)
                    right = min(ev_times[to] if to < ev_times.size else hi, hi)
                    yield i, int(k), float(0.5 * (left + right))


def _log_rank_p_moved(times, events, moves) -> np.ndarray:
    """The two-sided log-rank p of ``times`` after each of ``moves`` (arm, patient, new time)
    alone, with the terms of :func:`~lmssurv.reconstruct.diagnostics.log_rank_p`: a censoring
    moved from ``a`` to ``b`` enters (or leaves) its arm's risk sets at the event times in
    ``(a, b]`` (or ``(b, a]``) and nowhere else, so each sum changes by a range of per-event-time
    terms (differences of cumulative sums). NaN where the variance is not positive."""
    ev, dead0, dead, *at = log_rank_table(times[0], events[0], times[1], events[1])
    u, v = log_rank_terms(*at, dead0, dead)
    arm = np.array([m[0] for m in moves], dtype=int)
    old = np.array([times[a][w] for a, w, _ in moves], dtype=float)
    to = np.array([m[2] for m in moves], dtype=float)
    lo = np.searchsorted(ev, np.minimum(old, to), side="right")
    hi = np.searchsorted(ev, np.maximum(old, to), side="right")
    sign = np.where(to > old, 1, -1)
    du, dv = np.zeros(len(moves)), np.zeros(len(moves))
    for a in (0, 1):
        for s in (1, -1):
            pick = (arm == a) & (sign == s)
            if not pick.any():
                continue
            u_s, v_s = log_rank_terms(at[0] + s * (a == 0), at[1] + s * (a == 1), dead0, dead)
            # a patient leaves a risk set only where it was in it (n >= 2 there): the terms
            # that are not finite (an empty risk set) lie outside every move's range
            cu = np.concatenate([[0.0], np.cumsum(np.nan_to_num(u_s - u, posinf=0, neginf=0))])
            cv = np.concatenate([[0.0], np.cumsum(np.nan_to_num(v_s - v, posinf=0, neginf=0))])
            du[pick] = cu[hi[pick]] - cu[lo[pick]]
            dv[pick] = cv[hi[pick]] - cv[lo[pick]]
    var = v.sum() + dv
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(u.sum() + du) / np.sqrt(var)
    return np.where(var > 0, 2 * ndtr(-z), np.nan)
