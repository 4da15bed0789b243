"""Pseudo-patients from a digitised Kaplan-Meier figure and its numbers-at-risk table.

The method follows Guyot et al. (2012): within each interval of the at-risk table, find the number
of censorings that, together with the events needed to follow the digitised curve, reproduces the
published number at risk at the next table time; in the last interval use the total number of
events. Three things that make the original algorithm (and IPDfromKM, which follows it) drift
from the true curve are done differently here:

1. **Clicks are cleaned along the curve, not along the time axis.** Reading noise in time makes
   the two clicks on a vertical drop swap order about half of the time. Sorting by time and forcing
   monotone survival then averages the two levels and pushes half of the drop to the next click.
   The clicks are instead ordered along the curve (time and lost survival added on the scales of
   their reading noise) and isotonic regression (pool-adjacent-violators) is applied to *both*
   coordinates in that order.
2. **No rounding at each click.** Events are placed one by one where the piecewise-linear curve
   through the clicks crosses the midpoint of the next Kaplan-Meier step, ``S(1 - 1/2r)``. This is
   the placement that minimises the area between the rebuilt step function and the digitised
   curve, it never drifts (each event is placed relative to the rebuilt KM, not to the previous
   click) and, when several steps were merged into one diagonal stretch of clicks, it spreads their
   events along it instead of stacking them on the lower click.
3. **Exact totals by construction.** The per-interval search is an integer bisection on the
   censored count (the sum of censorings and events is monotone in it); the last interval tilts
   its censoring pattern towards the start or the end until the remaining events match
   ``total_events``; any residue is settled by converting the fewest, latest events or censorings
   (which keeps every published number at risk). All of it is recorded in ``df.attrs``.
4. **Drops clicked across a table time are placed by the table.** A KM step within reading
   noise of a column of the at-risk table may have happened on either side of it. Guyot's
   algorithm counts it where it was clicked, and the censored counts of both intervals absorb
   the error (one too many on one side, one too few on the other). Where one KM step is large
   enough to show whether its risk set was above or at the published number (small risk sets),
   both readings are solved and the one whose KM follows the clicks better is kept.

Censor-tick marks, when given, replace the uniform spread of censorings within an interval.
Times are in months (any unit works as long as curve, table and ticks agree).

References
----------
Guyot P, Ades AE, Ouwens MJ, Welton NJ. Enhanced secondary analysis of survival data:
reconstructing the data from published Kaplan-Meier survival curves. BMC Med Res Methodol
2012;12:9. doi:10.1186/1471-2288-12-9.

Liu N, Zhou Y, Lee JJ. IPDfromKM: reconstruct individual patient data from published
Kaplan-Meier survival curves. BMC Med Res Methodol 2021;21:111.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lmssurv._validation import MAX_PATIENTS, InputError, check_whole, require_frame

__all__ = ["clean_clicks", "read_digitised", "reconstruct_from_curve"]

_SCALES = {"proportion": 1.0, "percent": 100.0}
#: Clicks up to this far above 1 (or below 0) on the proportion scale are taken as reading noise
#: and clipped; further out they are an error.
_CLIP_TOLERANCE = 0.05
#: Reading precision assumed when ordering clicks along the curve: 0.2% of the time axis and
#: 0.002 in survival (a careful digitiser on a 10 cm axis). Only their ratio matters.
_TIME_PRECISION = 0.002
_SURVIVAL_PRECISION = 0.002
_MAX_FIXED_POINT = 200


# --------------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------------
def _frame_from_mapping(obj: object, name: str, columns: tuple[str, ...]) -> object:
    """A dict of equal-length columns as a DataFrame (other objects are returned as they are)."""
    if not isinstance(obj, Mapping) or isinstance(obj, pd.DataFrame):
        return obj
    lengths = {k: len(np.atleast_1d(v)) for k, v in obj.items()}
    if len(set(lengths.values())) > 1:
        raise InputError(
            f"{name} columns have different lengths {lengths}; each row is one point "
            f"({', '.join(columns)}), so the columns must be equally long."
        )
    return pd.DataFrame({k: np.atleast_1d(v) for k, v in obj.items()})


def _numeric_column(df: pd.DataFrame, column: str, name: str) -> np.ndarray:
    if list(df.columns).count(column) > 1:
        raise InputError(
            f"{name} has {list(df.columns).count(column)} columns named {column!r}; keep one."
        )
    if not pd.api.types.is_numeric_dtype(df[column]) and not pd.api.types.is_object_dtype(
            df[column]):
        raise InputError(
            f"{name}.{column} must hold numbers, got {df[column].dtype} "
            "values; convert dates to months since randomisation first."
        )
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        raise InputError(
            f"{name}.{column} must hold finite numbers; row(s) {rows} hold "
            f"{[df[column].iloc[i] for i in rows]!r}. Remove empty or text rows from the export."
        )
    return values


def _curve_arrays(curve: object, scale: str, name: str = "curve") -> tuple[np.ndarray, np.ndarray]:
    """Validated (time, survival-as-proportion) arrays, before any cleaning."""
    if not isinstance(scale, str) or scale not in _SCALES:
        raise InputError(f"scale must be 'proportion' or 'percent', got {scale!r}.")
    curve = _frame_from_mapping(curve, name, ("time", "survival"))
    require_frame(
        curve, name, ["time", "survival"],
        type_hint="Use read_digitised(path) for a WebPlotDigitizer CSV export.",
        missing_hint="Rename the columns to time, survival (read_digitised does this for you).",
        empty="clicks; digitise at least the curve's corners.")
    time = _numeric_column(curve, "time", name)
    surv = _numeric_column(curve, "survival", name)
    top = float(surv.max())
    if scale == "proportion" and top > 1.0 + _CLIP_TOLERANCE:
        hint = (" The clicks look like percentages: pass scale='percent'."
                if top <= 100.0 * (1.0 + _CLIP_TOLERANCE) else "")
        raise InputError(
            f"{name}.survival must be a proportion in [0, 1] under scale='proportion', but its "
            f"largest value is {top!r}.{hint}"
        )
    if scale == "percent":
        if top <= 1.0 + _CLIP_TOLERANCE and len(surv) > 1:
            raise InputError(
                f"{name}.survival is on the percent scale but its largest value is {top!r} "
                "(survival never above 1%). The clicks look like proportions: pass "
                "scale='proportion'."
            )
        if top > 100.0 * (1.0 + _CLIP_TOLERANCE):
            raise InputError(
                f"{name}.survival must be a percentage in [0, 100] under scale='percent', but its "
                f"largest value is {top!r}. Check the digitiser's axis calibration."
            )
    surv = surv / _SCALES[scale]
    low = float(surv.min())
    if low < -_CLIP_TOLERANCE:
        raise InputError(
            f"{name}.survival has a value of {low * _SCALES[scale]!r}, well below 0. Check the "
            "digitiser's axis calibration."
        )
    span = float(time.max() - min(time.min(), 0.0))
    if time.min() < -_CLIP_TOLERANCE * max(span, 1e-12):
        raise InputError(
            f"{name}.time has a value of {float(time.min())!r}, well before 0. Check the "
            "digitiser's axis calibration (time must start at 0 months)."
        )
    return time, surv


def _at_risk_arrays(at_risk: object, n: int | None, name: str = "at_risk"
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Validated (table times, numbers at risk) starting at time 0."""
    if at_risk is None:
        if n is None:
            raise InputError(
                "Pass the numbers-at-risk table (at_risk=) or at least the number of patients "
                "(n=): the curve alone does not say how many patients it shows."
            )
        return np.array([0.0]), np.array([n])
    at_risk = _frame_from_mapping(at_risk, name, ("time", "at_risk"))
    require_frame(
        at_risk, name, ["time", "at_risk"],
        missing_hint="Name them time (months) and at_risk (the numbers under the figure).",
        empty="rows; pass None when the figure has no table.")
    times = _numeric_column(at_risk, "time", name)
    counts = _numeric_column(at_risk, "at_risk", name)
    for t, c in zip(times, counts, strict=True):
        # capped like ArmSummary.n: a bigger table is a typo and would exhaust memory
        check_whole(f"{name}.at_risk at time {t:g}", c, maximum=MAX_PATIENTS,
                    hint="Numbers at risk are counts of patients.")
    if times.min() < 0:
        raise InputError(f"{name}.time must be >= 0 months, got {float(times.min())!r}.")
    order = np.argsort(times, kind="stable")
    times, counts = times[order], counts[order].astype(int)
    dup = np.flatnonzero(np.diff(times) == 0)
    if dup.size:
        raise InputError(
            f"{name}.time has the time {times[dup[0]]:g} twice; each table column once, please."
        )
    rise = np.flatnonzero(np.diff(counts) > 0)
    if rise.size:
        i = int(rise[0])
        raise InputError(
            f"{name}.at_risk rises from {counts[i]} at time {times[i]:g} to {counts[i + 1]} at "
            f"time {times[i + 1]:g}; numbers at risk can only fall. Check the table's columns."
        )
    if times[0] > 0:
        if n is None:
            raise InputError(
                f"{name} starts at time {times[0]:g}, not 0; add the row (0, n) or pass n=."
            )
        if n < counts[0]:
            raise InputError(
                f"n={n} is smaller than {counts[0]} at risk at time {times[0]:g}; check n."
            )
        times = np.concatenate([[0.0], times])
        counts = np.concatenate([[n], counts])
    elif n is not None and counts[0] != n:
        raise InputError(
            f"n={n} disagrees with {name} at time 0 ({counts[0]}); pass one or make them agree."
        )
    zero = np.flatnonzero(counts == 0)
    if zero.size:  # everything after the first zero is empty
        times, counts = times[: zero[0] + 1], counts[: zero[0] + 1]
    if counts[0] == 0:
        raise InputError(f"{name} has 0 patients at time 0; nothing to rebuild.")
    return times, counts


# --------------------------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------------------------
def _clean(time: np.ndarray, surv: np.ndarray, last_time: float = math.inf
           ) -> tuple[np.ndarray, np.ndarray, dict]:
    record: dict = {"clicks": int(time.size)}
    record["time_below_0_clipped"] = int(np.sum(time < 0))
    record["survival_above_1_clipped"] = int(np.sum(surv > 1))
    record["survival_below_0_clipped"] = int(np.sum(surv < 0))
    time = np.clip(time, 0.0, None)
    surv = np.clip(surv, 0.0, 1.0)
    pairs = np.unique(np.column_stack([time, surv]), axis=0)
    record["duplicates_removed"] = int(time.size - pairs.shape[0])
    time, surv = pairs[:, 0], pairs[:, 1]
    past = time >= last_time
    record["past_last_at_risk_removed"] = int(past.sum())
    if past.all():
        raise InputError(
            f"Every click lies at or after time {last_time:g}, when the at-risk table reaches 0; "
            "check the table's time unit against the curve's."
        )
    time, surv = time[~past], surv[~past]
    # Order along the curve: elapsed time plus lost survival, each in units of its reading
    # precision, so the two clicks of a vertical drop keep their survival order and the two ends
    # of a flat stretch keep their time order.
    span = max(float(time.max()), 1e-12)
    key = time / (span * _TIME_PRECISION) + (1.0 - surv) / _SURVIVAL_PRECISION
    order = np.lexsort((-surv, time, key))
    t_ord, s_ord = time[order], surv[order]
    from scipy.optimize import isotonic_regression  # on use: keeps `import lmssurv` light

    t_fit = isotonic_regression(t_ord, increasing=True).x
    s_fit = isotonic_regression(s_ord, increasing=False).x
    moved_s = np.abs(s_fit - s_ord)
    moved_t = np.abs(t_fit - t_ord)
    record["isotonic_survival_changed"] = int(np.sum(moved_s > 1e-12))
    record["isotonic_time_changed"] = int(np.sum(moved_t > 1e-12))
    record["max_survival_change"] = float(moved_s.max())
    record["max_time_change"] = float(moved_t.max())
    return t_fit, s_fit, record


def clean_clicks(curve: pd.DataFrame, *, scale: str = "proportion",
                 last_time: float | None = None) -> pd.DataFrame:
    """Clean digitised Kaplan-Meier clicks into a monotone curve.

    Steps, each counted in ``attrs["cleaning"]``: clip times below 0 and survival outside
    [0, 1] (at most 5% outside, else an error), drop exact duplicate clicks and clicks at or after
    ``last_time`` (when the at-risk table reaches 0), then order the clicks along the curve and
    apply isotonic regression to time (increasing) and survival (decreasing) in that order.

    Parameters
    ----------
    curve : DataFrame
        Columns ``time`` (months) and ``survival``, in any order, as clicked.
    scale : {"proportion", "percent"}
        Scale of ``survival``.
    last_time : float, optional
        Clicks at or after this time are dropped (nobody is at risk any more).

    Returns
    -------
    DataFrame
        Columns ``time``, ``survival`` (proportion), monotone along the rows.

    Notes
    -----
    Ordering by time alone (as IPDfromKM and Stata's ipdfc do before forcing monotonicity) lets
    the reading noise in time swap the two clicks of a vertical drop; isotonic regression then
    averages the two survival levels and pushes half of the drop to the next click. The order
    used here adds elapsed time and lost survival, each in units of its reading precision, which
    keeps vertical and horizontal pairs in the order they were drawn. Isotonic regression is the
    least-squares monotone fit (Wei & Royston, Stata Journal 2017;17:786-802, use it for ipdfc).

    Examples
    --------
    >>> import pandas as pd
    >>> clicks = pd.DataFrame({"time": [0, 2, 2.01, 5, 4.99], "survival": [1.003, 1, .8, .8, .6]})
    >>> clean_clicks(clicks)["survival"].round(3).tolist()
    [1.0, 1.0, 0.8, 0.8, 0.6]
    """
    time, surv = _curve_arrays(curve, scale)
    t, s, record = _clean(time, surv, math.inf if last_time is None else float(last_time))
    out = pd.DataFrame({"time": t, "survival": s})
    out.attrs["cleaning"] = record
    return out


# --------------------------------------------------------------------------------------------
# The digitised curve as a function
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Target:
    """Piecewise-linear curve through the cleaned clicks, anchored at (0, 1), flat after."""

    t: np.ndarray
    s: np.ndarray

    @classmethod
    def from_clicks(cls, t: np.ndarray, s: np.ndarray) -> _Target:
        if t[0] > 0 or s[0] < 1:
            t = np.concatenate([[0.0], t])
            s = np.concatenate([[1.0], s])
        return cls(t, s)

    def __post_init__(self) -> None:
        # For crossing(): segment k (1 <= k < size) runs from click k - 1 to click k; entry 0
        # answers levels at or above the first click, entry ``size`` levels never reached.
        drop = self.s[:-1] - self.s[1:]
        slope = np.divide(np.diff(self.t), drop, out=np.zeros(drop.size), where=drop > 0)
        object.__setattr__(self, "_neg", -self.s)
        object.__setattr__(self, "_base_t", np.concatenate([[self.t[0]], self.t[:-1], [np.inf]]))
        object.__setattr__(self, "_base_s", np.concatenate([[0.0], self.s[:-1], [0.0]]))
        object.__setattr__(self, "_slope", np.concatenate([[0.0], slope, [0.0]]))

    def crossing(self, levels: np.ndarray) -> np.ndarray:
        """First time at which the curve is at or below each level (inf if never)."""
        k = np.searchsorted(self._neg, -levels, side="left")
        # the first click at or below the level is k, so s[k - 1] > level >= s[k]: the
        # segment's slope is finite wherever it is used
        return self._base_t[k] + (self._base_s[k] - levels) * self._slope[k]

    def at(self, times: np.ndarray) -> np.ndarray:
        return np.interp(times, self.t, self.s)


def _follow(target: _Target, start: float, stop: float, r0: int, s0: float,
            cens: np.ndarray, closed: bool, max_events: int | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Event times in [start, stop) (``closed``: [start, stop]) that make the KM follow ``target``.

    Event i (0-based) happens where the curve crosses ``S_i (1 - 1 / (2 r_i))``, the midpoint of
    its KM step, with ``r_i = r0 - i - C_i`` and ``C_i`` the censorings (sorted ``cens``) before
    it. ``C`` depends on the times and the times on ``C``; the map is monotone, so iterating from
    ``C = 0`` climbs to the smallest fixed point in a few rounds. At most ``max_events + 1``
    events are computed (enough to tell whether there are more than ``max_events``).

    Returns the event times and the KM just after each.
    """
    m = r0 if max_events is None else min(r0, max_events + 1)
    if m <= 0:
        return np.empty(0), np.empty(0)
    idx = np.arange(m)
    cens_before = np.zeros(m, dtype=np.int64)
    for _ in range(_MAX_FIXED_POINT):
        r = r0 - idx - cens_before
        low = r < 1
        usable = int(np.argmax(low)) if low.any() else m
        if usable == 0:
            return np.empty(0), np.empty(0)
        rr = r[:usable].astype(float)
        after = s0 * np.cumprod(1.0 - 1.0 / rr)
        before = np.concatenate([[s0], after[:-1]])
        times = np.maximum(target.crossing(before * (1.0 - 0.5 / rr)), start)
        n_in = int(np.searchsorted(times, stop, side="right" if closed else "left"))
        new = np.searchsorted(cens, times[:n_in], side="left")
        if np.array_equal(new, cens_before[:n_in]):
            break
        cens_before[:n_in] = new
        cens_before[n_in:] = new[-1] if n_in else 0
    return times[:n_in], after[:n_in]


def _misfit(target: _Target, start: float, stop: float, r0: int, s0: float, times: np.ndarray,
            after: np.ndarray, cens: np.ndarray) -> tuple[float, float]:
    """Area between the rebuilt KM and the digitised curve over [start, stop], in survival units
    and in units of the local KM step ``S / r``.

    Smaller steps always follow a curve more closely, so comparing raw areas would favour any
    censoring pattern that keeps more patients at risk; measured in steps, the pattern that makes
    the steps as large as the drops in the figure wins.
    """
    knots = target.t[(target.t > start) & (target.t < stop)]
    pts = np.concatenate([[start], knots, [stop]])
    mids = 0.5 * (pts[:-1] + pts[1:])
    k = np.searchsorted(times, mids, side="right")
    km = np.where(k > 0, after[np.maximum(k - 1, 0)] if after.size else s0, s0)
    risk = np.maximum(r0 - k - np.searchsorted(cens, mids, side="left"), 1)
    area = np.diff(pts) * np.abs(km - target.at(mids))
    return float(area.sum()), float(np.sum(area * risk / np.maximum(km, 1e-9)))


def _spread(count: int, start: float, stop: float, ticks: np.ndarray, tilt: float = 1.0,
            closed: bool = False) -> np.ndarray:
    """``count`` censoring times in (start, stop): evenly, or at the censor ticks in it.

    ``tilt`` > 1 pushes them towards ``start``, < 1 towards ``stop`` (quantiles ``u ** tilt``);
    ``closed`` puts the last one at ``stop`` itself (the end of follow-up).
    """
    if count <= 0:
        return np.empty(0)
    u = (np.arange(count) + (1.0 if closed else 0.5)) / count
    u = u**tilt
    inside = ticks[(ticks > start) & ((ticks <= stop) if closed else (ticks < stop))]
    if inside.size:
        # quantiles of the ticks' empirical distribution: every tick used before any twice
        pos = np.minimum((u * inside.size).astype(int), inside.size - 1)
        if closed and tilt == 1.0:
            pos = np.minimum(np.ceil(u * inside.size).astype(int) - 1, inside.size - 1)
        return np.sort(inside[np.maximum(pos, 0)])
    return start + (stop - start) * u


#: Censoring patterns tried within a table interval (log of the tilt in ``_spread``): even
#: first, then towards the end or the start of the interval.
_LOG_TILTS = (0.0, -1.5, 1.5, -3.0, 3.0)
#: A tilted pattern replaces the even one only when it brings the rebuilt KM closer to the clicks
#: by this much on average over the interval, one survival reading precision: only where
#: the steps are large enough to show the number at risk (small risk sets) can they tell where
#: the censorings were.
_TILT_GAIN = _SURVIVAL_PRECISION
#: ... and when it also shrinks the misfit counted in KM steps by this fraction.
_TILT_STEP_GAIN = 0.5


def _constrained(target: _Target, a: float, b: float, ra: int, rb: int, s0: float,
                 ticks: np.ndarray, extra: int = 0, window: tuple[float, float] | None = None,
                 tilts: tuple[float, ...] = _LOG_TILTS, hint: int | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict, int, float]:
    """Events and censorings in [a, b) with ``ra`` at risk at a and exactly ``rb`` at b.

    For each censoring pattern, the censored count c is the smallest with
    ``c + events(c) >= ra - rb`` (the sum rises with c: each censoring shrinks the risk set, so
    fewer events follow the same drop), found by galloping from the previous pattern's count and
    bisecting. The pattern whose KM lies closest to the clicks wins (even spacing unless another
    is clearly better). Events beyond ``ra - rb`` (clicks that fall faster than the table allows)
    are left to the next interval, which starts by catching up.

    Often several counts fit exactly (one more censoring, one fewer event: the KM follows the
    clicks equally well); the smallest is used, or ``extra`` more when the arm's total events
    ask for fewer events, and the number of further exact fits (the slack) is returned.

    ``window`` (default ``(a, b)``) is where the events are read from the curve; events read
    outside [a, b) are put at its edge (just before b, or at a). ``tilts`` are the censoring
    patterns tried (log tilts of :func:`_spread`); ``hint`` is where the search for c starts
    (any value gives the same c). Returns event times, KM after each, censoring times, the
    interval's record, the slack and the log tilt used.
    """
    removed = ra - rb
    ea, eb = (a, b) if window is None else window

    def attempt(c: int, log_tilt: float):
        cens = _spread(c, a, b, ticks, tilt=math.exp(log_tilt))
        times, after = _follow(target, ea, eb, ra, s0, cens, closed=False,
                               max_events=removed - c)
        return c + times.size >= removed, times, after, cens

    best = None
    guess = None if hint is None else min(max(hint, 0), removed)
    for log_tilt in tilts:
        cache: dict[int, tuple] = {}

        def ok(c: int, log_tilt=log_tilt, cache=cache) -> bool:
            if c not in cache:
                cache[c] = attempt(c, log_tilt)
            return cache[c][0]

        # smallest c with ok(c): ok(removed) always holds; gallop from the guess, then bisect
        if guess is None:
            first = attempt(0, log_tilt)
            cache[0] = first
            guess = max(0, removed - first[1].size)  # c + d(c) <= c + d(0): a lower bound
        if ok(guess):
            lo, hi, step = guess - 1, guess, 1
            while lo >= 0 and ok(lo):
                hi, lo, step = lo, max(lo - step, -1), step * 2
        else:
            lo, hi, step = guess, min(guess + 1, removed), 1
            while not ok(hi):
                lo, hi, step = hi, min(hi + step, removed), step * 2
        while hi - lo > 1:  # ok(hi) and (lo == -1 or not ok(lo))
            mid = (lo + hi) // 2
            if ok(mid):
                hi = mid
            else:
                lo = mid
        c = hi
        _, times, after, cens = cache[c]
        times, after = times[: removed - c], after[: removed - c]
        fit, steps = _misfit(target, ea, eb, ra, s0, times, after, cens)
        if best is None:
            best = (steps, log_tilt, c, times, after, cens, c == 0 and cache[0][1].size > removed)
            even_fit, even_steps = fit, steps
            if even_fit <= _TILT_GAIN * (b - a):
                break  # no other pattern can gain enough: the misfit cannot go below 0
        elif (steps < best[0] and steps < (1.0 - _TILT_STEP_GAIN) * even_steps
              and even_fit - fit > _TILT_GAIN * (b - a)):
            best = (steps, log_tilt, c, times, after, cens, best[6])
        guess = c
    _, log_tilt, c, times, after, cens, over = best
    slack = 0
    if not over:
        for _ in range(max(extra, 0) + 8):  # counts above c that still fit exactly
            nxt = attempt(c + slack + 1, log_tilt) if c + slack + 1 <= removed else None
            if nxt is None or c + slack + 1 + nxt[1].size != removed:
                break
            slack += 1
            if slack <= extra:
                times, after, cens = nxt[1], nxt[2], nxt[3]
        c += min(extra, slack)
        slack -= min(extra, slack)
    note = []
    if over:
        note.append(f"clicks fall faster than the table allows ({removed} leave); "
                    "the excess events move to the next interval")
    if log_tilt != 0.0:
        note.append(f"censorings tilted towards the {'start' if log_tilt > 0 else 'end'}"
                    f" (u^{math.exp(log_tilt):.3g}) to follow the curve's steps")
    if window is not None:  # events read across a table time belong on its published side
        times = np.clip(times, a, np.nextafter(b, -math.inf))
    info = {"start": a, "stop": b, "at_risk_start": ra, "at_risk_stop": rb,
            "events": int(times.size), "censored": int(c), "note": "; ".join(note)}
    return times, after, cens, info, slack, log_tilt


# --------------------------------------------------------------------------------------------
# One arm
# --------------------------------------------------------------------------------------------
def _settle(ev_t: np.ndarray, ce_t: np.ndarray, k: int, t_end: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """Turn ``k`` events into censorings (``k < 0``: censorings into events) at their own times.

    Each change keeps every number at risk; it shifts the KM by about ``S(t) / r(t)`` from t to
    the end of follow-up, so the changes with the smallest ``S / r * (t_end - t)`` are made.
    """
    time = np.concatenate([ev_t, ce_t])
    is_ev = np.concatenate([np.ones(ev_t.size, bool), np.zeros(ce_t.size, bool)])
    srt = np.sort(time)
    risk = srt.size - np.searchsorted(srt, time, side="left")
    t_ev = np.unique(ev_t)
    if t_ev.size:
        d = np.bincount(np.searchsorted(t_ev, ev_t), minlength=t_ev.size)
        r_ev = srt.size - np.searchsorted(srt, t_ev, side="left")
        km = np.cumprod(1.0 - d / r_ev)
        idx = np.searchsorted(t_ev, time, side="left") - 1  # KM just before each time
        s_before = np.where(idx < 0, 1.0, km[np.maximum(idx, 0)])
    else:
        s_before = np.ones(time.size)
    impact = s_before / np.maximum(risk, 1) * (t_end - time + 1e-9 * max(t_end, 1.0))
    pool = np.flatnonzero(is_ev if k > 0 else ~is_ev)
    pick = pool[np.argsort(impact[pool], kind="stable")[: abs(k)]]
    is_ev[pick] = ~is_ev[pick]
    return time[is_ev], time[~is_ev]


#: A table time is *ambiguous* when the event nearest to it, on either side, is closer than this
#: many time reading precisions (SDs): its click may have landed on the wrong side of the column.
_STRADDLE_SD = 3.0
#: ... and worth deciding only where the clicks can tell the two readings apart. An event just
#: before table time b has at least n(b) + 1 at risk, one just after at most n(b), so the drop of
#: its KM step, S / r, differs by about S(b) / (n(b) (n(b) + 1)) between them; below this many
#: survival reading precisions the choice would follow reading noise, and the published split
#: is kept. (Looser gates lower the KM error on the test bed a little further but put events in
#: the wrong interval more often and bias the log hazard ratio of large arms.)
_STRADDLE_GAIN = 1.0


def _ambiguous_split(b: float, ev1: np.ndarray, ev2: np.ndarray, delta: float) -> float | None:
    """Where to split the events instead of at table time ``b``, or None.

    ``ev1`` and ``ev2`` are the event times of the intervals before and after ``b``. The event
    nearest to ``b``, if closer than ``delta``, is moved to the other side: the split goes
    half-way between it and its neighbour on its own side (at most ``delta`` from ``b``).
    """
    before = b - ev1[-1] if ev1.size else math.inf
    after = ev2[0] - b if ev2.size else math.inf
    if min(before, after) >= delta:
        return None
    if before <= after:
        neighbour = ev1[-2] if ev1.size > 1 else -math.inf
        return max(0.5 * (ev1[-1] + neighbour), b - delta)
    neighbour = ev2[1] if ev2.size > 1 else math.inf
    return min(0.5 * (ev2[0] + neighbour), b + delta)


def _constrained_pass(target: _Target, table_t: np.ndarray, table_n: np.ndarray,
                      ticks: np.ndarray, extras: list[int],
                      splits: list[tuple[float, tuple[float, ...]]] | None, cache: dict):
    """Solve the table intervals in order, deciding ambiguous table times on the way.

    A drop clicked within reading noise of a table time may have happened on its other side.
    Both readings reproduce every published number at risk (one censoring more on one side, one
    fewer on the other), but they imply different risk sets, so different KM step sizes, around
    the table time: the reading whose KM follows the clicks over both intervals more closely
    (misfit counted in KM steps, the same measure that chooses censoring patterns) wins. The
    censoring pattern of each interval is held at the one chosen for the published split, so the
    comparison is about the split alone. Events read on the far side are put back on the side
    they are attributed to (just before or at the table time), so the rebuilt numbers at risk
    stay exact.

    ``splits`` (from an earlier pass) replays the decisions; otherwise they are made and
    returned as ``(split, censoring patterns tried)`` per interval. ``cache`` holds interval
    solutions.
    """

    def solve(i, surv, lo, hi, extra, tilts=_LOG_TILTS, hint=None):
        key = (i, surv, lo, hi, extra, tilts)
        if key not in cache:
            a, b = float(table_t[i]), float(table_t[i + 1])
            window = None if (lo == a and hi == b) else (lo, hi)
            cache[key] = _constrained(target, a, b, int(table_n[i]), int(table_n[i + 1]), surv,
                                      ticks, extra, window, tilts, hint)
        return cache[key]

    n_con = table_t.size - 1
    delta = _STRADDLE_SD * _TIME_PRECISION * float(target.t[-1])
    ev_parts, ce_parts, intervals, slacks, chosen = [], [], [], [], []
    surv, n_events = 1.0, 0
    lo, tilts = float(table_t[0]), _LOG_TILTS
    for i in range(n_con):
        b = float(table_t[i + 1])
        hi, next_tilts = b, _LOG_TILTS
        if splits is not None:
            hi, tilts = splits[i]
        elif i + 1 < n_con and delta > 0:
            a0, c0 = float(table_t[i]), float(table_t[i + 2])
            rb = int(table_n[i + 1])
            sb = float(target.at(np.array([b]))[0])
            if sb / (rb * (rb + 1)) > _STRADDLE_GAIN * _SURVIVAL_PRECISION:
                ev1, af1, ce1, info1, _, tilt1 = solve(i, surv, lo, b, extras[i], tilts)
                s1 = float(af1[-1]) if af1.size else surv
                ev2, af2, ce2, info2, _, tilt2 = solve(i + 1, s1, b, c0, extras[i + 1])
                cand = _ambiguous_split(b, ev1, ev2, delta)
                if cand is not None:
                    steps_b = _misfit(target, a0, c0, int(table_n[i]), surv,
                                      np.concatenate([ev1, ev2]), np.concatenate([af1, af2]),
                                      np.sort(np.concatenate([ce1, ce2])))[1]
                    # one censoring more or fewer than at the published split: start there
                    ev1, af1, ce1, *_ = solve(i, surv, lo, cand, extras[i], (tilt1,),
                                              info1["censored"] - extras[i])
                    s1 = float(af1[-1]) if af1.size else surv
                    ev2, af2, ce2, *_ = solve(i + 1, s1, cand, c0, extras[i + 1], (tilt2,),
                                              info2["censored"] - extras[i + 1])
                    steps_c = _misfit(target, a0, c0, int(table_n[i]), surv,
                                      np.concatenate([ev1, ev2]), np.concatenate([af1, af2]),
                                      np.sort(np.concatenate([ce1, ce2])))[1]
                    if steps_c < steps_b:
                        hi, tilts, next_tilts = cand, (tilt1,), (tilt2,)
        chosen.append((hi, tilts))
        ev, after, ce, info, slack, _ = solve(i, surv, lo, hi, extras[i], tilts)
        if hi != b:
            info = dict(info)  # the cached one is shared between passes
            moved = (f"the event clicked in [{b:g}, {hi:.4g}) is counted before {b:g}" if hi > b
                     else f"the event clicked in [{hi:.4g}, {b:g}) is counted after {b:g}")
            info["note"] = "; ".join(filter(None, [info["note"], moved + (
                " (within reading noise of the table time; the KM steps then fit the clicks"
                " better)")]))
        lo, tilts = hi, next_tilts
        intervals.append(info)
        slacks.append(slack)
        surv = float(after[-1]) if after.size else surv
        n_events += int(ev.size)
        ev_parts.append(ev)
        ce_parts.append(ce)
    return ev_parts, ce_parts, intervals, slacks, surv, n_events, chosen


def _rebuild(t: np.ndarray, s: np.ndarray, table_t: np.ndarray, table_n: np.ndarray,
             total_events: int | None, ticks: np.ndarray, cleaning: dict) -> pd.DataFrame:
    n = int(table_n[0])
    ends_empty = table_n[-1] == 0
    t_end = float(t.max())
    notes: list[str] = []
    if not ends_empty and table_t[-1] > t_end:
        notes.append(
            f"curve extended flat from its last click at {t_end:g} to the last table time "
            f"{table_t[-1]:g}, where {table_n[-1]} are still at risk"
        )
        t_end = float(table_t[-1])
    target = _Target.from_clicks(t, s)

    cache: dict = {}

    def constrained_pass(extras: list[int], splits: list[tuple[float, tuple[float, ...]]] | None):
        return _constrained_pass(target, table_t, table_n, ticks, extras, splits, cache)

    # Constrained intervals [a, b) with published numbers at risk at both ends. When their
    # events already exceed total_events (or, with no open interval, differ from it), use the
    # slack: counts with one more censoring and one fewer event that fit the table and follow
    # the clicks just as well, latest intervals first.
    n_int = table_t.size - 1
    extras = [0] * n_int
    ev_parts, ce_parts, intervals, slacks, surv, n_events, splits = constrained_pass(
        extras, None)
    if total_events is not None:
        surplus = n_events - total_events
        if surplus > 0 and sum(slacks) > 0:
            for i in range(n_int - 1, -1, -1):
                extras[i] = min(slacks[i], surplus - sum(extras))
            ev_parts, ce_parts, intervals, slacks, surv, n_events, _ = constrained_pass(
                extras, splits)
            notes.append(f"{sum(extras)} interval(s) took one more censoring and one fewer event "
                         "(equally consistent with clicks and table) to approach total_events")

    # the open last interval [a, t_end], after the last table time
    if not ends_empty:
        a, r = float(table_t[-1]), int(table_n[-1])
        tilt_used = None
        if total_events is not None and 0 <= total_events - n_events <= r:
            want = total_events - n_events
            c_last = r - want

            def count(log_tilt: float, a=a, r=r, c_last=c_last) -> tuple[np.ndarray, np.ndarray]:
                cens = _spread(c_last, a, t_end, ticks, tilt=math.exp(log_tilt), closed=True)
                return _follow(target, a, t_end, r, surv, cens, closed=True, max_events=want)[0], cens

            # Uniform censoring unless the events need otherwise; then the smallest tilt (in log
            # scale) towards the start (fewer at risk, fewer events) or the end that fits. The
            # event count falls as the tilt grows, so bisect on it.
            ev, ce = count(0.0)
            tilt_used = 0.0
            if ev.size != want:
                lo, hi = (0.0, 8.0) if ev.size > want else (-8.0, 0.0)
                ev_lo, ce_lo = (ev, ce) if lo == 0.0 else count(lo)
                ev_hi, ce_hi = (ev, ce) if hi == 0.0 else count(hi)
                if ev_lo.size < want:  # even all censorings at the end are too few at risk
                    ev, ce, tilt_used = ev_lo, ce_lo, lo
                elif ev_hi.size > want:  # even all at the start leaves too many events
                    ev, ce, tilt_used = ev_hi[:want], ce_hi, hi
                else:
                    for _ in range(40):
                        if ev_lo.size == want or hi - lo < 1e-6:
                            break
                        mid = 0.5 * (lo + hi)
                        ev_m, ce_m = count(mid)
                        if ev_m.size >= want:
                            lo, ev_lo, ce_lo = mid, ev_m, ce_m
                        else:
                            hi, ev_hi, ce_hi = mid, ev_m, ce_m
                    ev, ce, tilt_used = ev_lo[:want], ce_lo, lo
        else:
            # Guyot et al.: no total events, so censor at the average rate of the earlier
            # intervals (none without a table: no censoring before the end of follow-up).
            width = float(table_t[-1] - table_t[0])
            n_cens = sum(iv["censored"] for iv in intervals)
            rate = n_cens / width if width > 0 else 0.0
            c_last = min(r, int(round(rate * (t_end - a))))
            ce = _spread(c_last, a, t_end, ticks)
            ev = _follow(target, a, t_end, r, surv, ce, closed=True)[0]
        # everybody leaves by t_end: extra patients are censored there, surplus censorings go
        left = r - ev.size - ce.size
        if left > 0:
            ce = np.concatenate([ce, np.full(left, t_end)])
        elif left < 0:
            ce = ce[: ce.size + left]
        intervals.append({
            "start": a, "stop": t_end, "at_risk_start": r, "at_risk_stop": 0,
            "events": int(ev.size), "censored": int(ce.size),
            "note": "" if tilt_used is None else f"censoring tilt {math.exp(tilt_used):.3g}",
        })
        n_events += int(ev.size)
        ev_parts.append(ev)
        ce_parts.append(ce)

    ev_t = np.concatenate(ev_parts) if ev_parts else np.empty(0)
    ce_t = np.concatenate(ce_parts) if ce_parts else np.empty(0)
    moved = 0
    if total_events is not None and ev_t.size != total_events:
        moved = int(ev_t.size - total_events)
        ev_t, ce_t = _settle(ev_t, ce_t, moved, t_end)
        notes.append(
            f"{abs(moved)} "
            f"{'events turned into censorings' if moved > 0 else 'censorings turned into events'}"
            f" at their own times to match total_events={total_events} (where the KM moves least)"
        )
    time = np.concatenate([ev_t, ce_t])
    event = np.concatenate([np.ones(ev_t.size, dtype=np.int64), np.zeros(ce_t.size, dtype=np.int64)])
    order = np.lexsort((-event, time))
    out = pd.DataFrame({"time": time[order], "event": event[order]})
    if len(out) != n:  # internal invariant, not user input
        raise RuntimeError(f"reconstruction produced {len(out)} patients instead of {n}")
    out.attrs.update({
        "method": "guyot2012-midpoint",
        "n": n,
        "events": int(ev_t.size),
        "cleaning": cleaning,
        "intervals": intervals,
        "events_moved": abs(moved),
        "notes": notes,
    })
    return out


def _one_arm(curve, at_risk, total_events, n, scale, censor_times, name="curve",
             months: float = 1.0) -> pd.DataFrame:
    if n is not None:
        n = check_whole("n", n, minimum=1, maximum=MAX_PATIENTS,
                        hint="n is the number of patients in the arm.")
    table_t, table_n = _at_risk_arrays(at_risk, n)
    if total_events is not None:
        total_events = check_whole(
            "total_events", total_events, minimum=0,
            hint="total_events is the number of events in the arm.")
        if total_events > table_n[0]:
            raise InputError(
                f"total_events={total_events} is more than the {table_n[0]} patients; check it."
            )
    ticks = np.empty(0)
    if censor_times is not None:
        try:
            ticks = np.sort(np.asarray(censor_times, dtype=float).ravel())
        except (TypeError, ValueError) as err:
            raise InputError(
                f"censor_times must be numbers (months of the censor ticks), got "
                f"{censor_times!r}."
            ) from err
        if ticks.size and (not np.all(np.isfinite(ticks)) or ticks.min() < 0):
            raise InputError(
                f"censor_times must be finite months >= 0; got {ticks[:5].tolist()!r}..."
            )
    time, surv = _curve_arrays(curve, scale, name)
    if months != 1.0:  # the one conversion to months (time_unit=): curve, table and ticks
        time, table_t, ticks = time * months, table_t * months, ticks * months
    if float(time.max()) <= 0.0:
        raise InputError(
            f"{name}.time is 0 for every click (after clipping reading noise below 0), so the "
            "curve spans no time and every patient would sit at time 0. Check that the time "
            "column holds months since randomisation (not the survival values or an index)."
        )
    at_start = np.clip(surv[time <= 0.0], 0.0, 1.0)  # clicks at 0 once noise is clipped
    if at_start.size and float(at_start.min()) < 1.0 - _CLIP_TOLERANCE:
        raise InputError(
            f"{name} is at {float(at_start.min()):g} at time 0, but a Kaplan-Meier curve starts at "
            f"1: the {1.0 - float(at_start.min()):.0%} drop would put that share of patients' "
            "events at time 0. Check the time axis calibration (the drop belongs after 0)."
        )
    last = float(table_t[-1]) if table_n[-1] == 0 else math.inf
    t, s, record = _clean(time, surv, last)
    if total_events == 0 and float(s.min()) < 1.0 - _CLIP_TOLERANCE:
        # no event can make the drop: the engine would censor nearly everyone at time 0
        raise InputError(
            f"total_events=0, but the {name} drops to {float(s.min()):g}: a Kaplan-Meier curve "
            "falls only at events. Check total_events (or leave it out to follow the curve)."
        )
    return _rebuild(t, s, table_t, table_n, total_events, ticks, record)


def _is_table_of_columns(value) -> bool:
    """A dict of columns ({"time": [...], ...}) rather than a dict of arms."""
    return isinstance(value, Mapping) and bool({"time", "survival", "at_risk"} & set(value))


def _arms_of(value) -> list | None:
    """The arms a long table (``arm`` column) or a dict {arm: ...} names; None for one arm."""
    if isinstance(value, pd.DataFrame):
        return list(pd.unique(value["arm"])) if "arm" in value.columns else None
    if isinstance(value, Mapping) and not _is_table_of_columns(value):
        return list(value)
    return None


def _per_arm(value, arm, name: str, arms: list):
    """``value`` for one arm of several; a value that does not say its arm is refused."""
    if value is None:
        return None
    own = _arms_of(value)
    if own is None:
        # one table or number for several arms would merge them or give every arm the same
        # numbers: never guess
        raise InputError(
            f"{name} is one value for {len(arms)} arms {arms}; give it per arm: a dict "
            f"{{arm: ...}}" + (" or a long table with an arm column" if name == "at_risk"
                              else "") + "."
        )
    missing = [a for a in arms if a not in own]
    extra = [a for a in own if a not in arms]
    if missing or extra:
        import difflib

        folded = {str(a).casefold(): a for a in missing}
        pairs = [(e, difflib.get_close_matches(str(e).casefold(), list(folded), n=1))
                 for e in extra]
        hint = "".join(f" Is {e!r} the curve's {folded[c[0]]!r}?" for e, c in pairs if c)
        raise InputError(
            f"{name} names the arms {own} but the curve has {arms}; every curve arm needs an "
            f"entry, under the same name.{hint}"
        )
    if isinstance(value, pd.DataFrame):
        return value[value["arm"] == arm].drop(columns="arm")
    return value[arm]


def reconstruct_from_curve(curve, at_risk=None, total_events=None, n=None, scale="proportion",
                           censor_times=None, *, time_unit="months") -> pd.DataFrame:
    """Rebuild pseudo-patient data from a digitised Kaplan-Meier curve (Guyot et al. 2012).

    Parameters
    ----------
    curve : DataFrame or dict of DataFrame
        Digitised clicks with columns ``time`` and ``survival``, in any order and with reading
        noise. Several arms: a long DataFrame with an ``arm`` column (what
        :func:`read_digitised` returns for a multi-dataset export) or a dict ``{arm: clicks}``.
    at_risk : DataFrame or dict of DataFrame, optional
        The numbers-at-risk table under the figure: columns ``time`` and ``at_risk``. For
        several arms a long DataFrame with an ``arm`` column or a dict per arm, naming the same
        arms as the curve.
    total_events : int or dict of int, optional
        Events in the arm (a dict per arm for several); the pseudo-data then has exactly this
        many.
    n : int or dict of int, optional
        Patients in the arm (a dict per arm for several); needed when there is no table (or it
        does not start at 0).
    scale : {"proportion", "percent"}
        Scale of ``survival``. A value above 1 under ``"proportion"`` is an error that suggests
        ``"percent"`` (clicks up to 1.05, e.g. at time 0, are clipped as reading noise).
    censor_times : array-like or dict of array-like, optional
        Times of the censor tick marks on the curve, when the figure shows them; censorings are
        placed at them instead of evenly within each interval.
    time_unit : {"months", "days", "weeks", "years"}
        Unit of the times of the curve, the table and the ticks (the figure's x axis). They are
        converted to months once, on the way in; the result is in months.

    Returns
    -------
    DataFrame
        Columns ``time`` (months) and ``event`` (1 event, 0 censored), one row per patient
        (columns ``arm, time, event`` for several arms, in the curve's order). ``attrs`` holds the record:
        ``cleaning`` (what was changed in the clicks), ``intervals`` (events and censorings per
        table interval), ``events_moved`` and ``notes`` (every adjustment made to match the
        totals).

    Raises
    ------
    InputError
        For an ambiguous input, never merging arms: one table, ``n``, ``total_events`` or
        ``censor_times`` for several arms; a long at-risk table (``arm`` column) for a curve
        without arms; arms named differently in the curve and the table.

    Notes
    -----
    Exact n (the table at time 0, or ``n``) and, when given, exact ``total_events``; with a table,
    every published number at risk is reproduced unless the clicks and the table contradict each
    other (then ``attrs["intervals"]`` says where). Without ``total_events`` the last interval is
    censored at the average rate of the earlier ones, and without a table there is no censoring
    before the end of follow-up (Guyot et al. 2012). See the module docstring for what differs
    from Guyot's algorithm. Deterministic: no random numbers are used.

    References
    ----------
    Guyot P, Ades AE, Ouwens MJ, Welton NJ. BMC Med Res Methodol 2012;12:9.

    Examples
    --------
    >>> import pandas as pd
    >>> clicks = pd.DataFrame({"time": [0, 2, 2, 5, 5, 8], "survival": [1, 1, .8, .8, .6, .6]})
    >>> table = pd.DataFrame({"time": [0, 4, 8], "at_risk": [10, 8, 6]})
    >>> ipd = reconstruct_from_curve(clicks, at_risk=table, total_events=4)
    >>> ipd.groupby("time")["event"].agg(["sum", "size"]).to_dict("index")
    {2.0: {'sum': 2, 'size': 2}, 5.0: {'sum': 2, 'size': 2}, 8.0: {'sum': 0, 'size': 6}}
    """
    from lmssurv.units import months_per

    months = months_per(time_unit)
    if isinstance(curve, pd.DataFrame) and "arm" in curve.columns:
        # the long form of read_digitised: one frame, an arm column
        if curve["arm"].isna().any():
            raise InputError("curve.arm has empty cells; name the arm of every click.")
        curve = {arm: g.drop(columns="arm") for arm, g in curve.groupby("arm", sort=False)}
    if isinstance(curve, Mapping) and not isinstance(curve, pd.DataFrame) \
            and not _is_table_of_columns(curve):
        if not curve:
            raise InputError(
                "curve is an empty dict; pass one DataFrame of clicks (time, survival), or a "
                "dict {arm name: DataFrame}."
            )
        arms = list(curve)
        if len(arms) == 1:  # one arm, named: a plain table or number is unambiguous
            (arm,) = arms

            def per_arm(value, name):
                return value if _arms_of(value) is None else _per_arm(value, arm, name, arms)
        else:
            for value, name in ((at_risk, "at_risk"), (total_events, "total_events"), (n, "n"),
                                (censor_times, "censor_times")):
                _per_arm(value, arms[0], name, arms)  # refuse an ambiguous input up front

            def per_arm(value, name):
                return _per_arm(value, arm, name, arms)
        frames, records = [], {}
        for arm, clicks in curve.items():
            try:
                df = _one_arm(clicks, per_arm(at_risk, "at_risk"),
                              per_arm(total_events, "total_events"), per_arm(n, "n"), scale,
                              per_arm(censor_times, "censor_times"), name=f"curve[{arm!r}]",
                              months=months)
            except InputError as err:
                raise InputError(f"arm {arm!r}: {err}") from err
            records[arm] = dict(df.attrs)
            df.attrs = {}
            frames.append(df.assign(arm=arm)[["arm", "time", "event"]])
        out = pd.concat(frames, ignore_index=True)
        out.attrs["arms"] = records
        return out
    table_arms = _arms_of(at_risk)
    if table_arms is not None:
        if len(table_arms) != 1:
            raise InputError(
                f"at_risk has {len(table_arms)} arms {table_arms} but the curve has no arm "
                "column; give the curve's arm too (read_digitised's arm column, or a dict "
                "{arm: clicks}) so that each arm meets its own table."
            )
        at_risk = _per_arm(at_risk, table_arms[0], "at_risk", table_arms)
    return _one_arm(curve, at_risk, total_events, n, scale, censor_times, months=months)


# --------------------------------------------------------------------------------------------
# WebPlotDigitizer
# --------------------------------------------------------------------------------------------
def read_digitised(path: str | os.PathLike) -> pd.DataFrame:
    """Read a WebPlotDigitizer CSV export into clicks for :func:`reconstruct_from_curve`.

    Two layouts are recognised: the plain export of one dataset (rows ``x,y``, no header; a
    header row ``x,y`` is skipped too) and the export of all datasets (a first row with each
    dataset's name over its two columns, a second row ``X,Y,X,Y...``, columns of unequal length
    padded with empty cells).

    Parameters
    ----------
    path : str or path-like
        The CSV file.

    Returns
    -------
    DataFrame
        Columns ``time``, ``survival`` (one dataset) or ``arm, time, survival`` (several), in the
        file's order and scale (pass ``scale="percent"`` on if the y axis was in percent).

    Examples
    --------
    >>> import io, pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "km.csv"
    >>> _ = p.write_text("0.0, 1.0\\n2.1, 0.95\\n")
    >>> read_digitised(p).to_dict("list")
    {'time': [0.0, 2.1], 'survival': [1.0, 0.95]}
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            text = fh.read()
    except OSError as err:
        raise InputError(f"cannot read the digitised curve {os.fspath(path)!r}: {err}") from err
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text),
                                                                  delimiter=delimiter)]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise InputError(f"{os.fspath(path)!r} is empty; export the dataset from "
                         "WebPlotDigitizer with 'Download .CSV'.")

    def is_number(cell: str) -> bool:
        try:
            return math.isfinite(float(cell))
        except ValueError:
            return False

    header: list[list[str]] = []
    while rows and not any(is_number(c) for c in rows[0]):
        header.append(rows.pop(0))
    width = max(len(r) for r in rows) if rows else 0
    if width < 2 or width % 2:
        raise InputError(
            f"{os.fspath(path)!r} has {width} column(s); a WebPlotDigitizer export has x,y pairs."
        )
    names: list[str] = []
    if len(header) >= 2 or (len(header) == 1 and width > 2):
        first = header[0] + [""] * (width - len(header[0]))
        for j in range(0, width, 2):
            names.append(first[j] or first[j + 1] or f"dataset {j // 2 + 1}")
    frames = []
    for j in range(0, width, 2):
        xs, ys = [], []
        for i, row in enumerate(rows):
            cells = row + [""] * (width - len(row))
            x, y = cells[j], cells[j + 1]
            if x == "" and y == "":
                continue
            if not (is_number(x) and is_number(y)):
                raise InputError(
                    f"{os.fspath(path)!r} row {i + 1 + len(header)} columns {j + 1}-{j + 2} "
                    f"hold {x!r}, {y!r}; expected two numbers."
                )
            xs.append(float(x))
            ys.append(float(y))
        frame = pd.DataFrame({"time": xs, "survival": ys})
        if names:
            frame.insert(0, "arm", names[j // 2])
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    if not names and width > 2:
        raise InputError(
            f"{os.fspath(path)!r} has {width} columns but no dataset names; export all datasets "
            "with their header rows, or one dataset at a time."
        )
    return out
