"""Placing events and censorings interval by interval so the rebuilt KM follows the clicks.

Within each interval of the at-risk table, :func:`constrained_intervals` finds the censored count
(and censoring pattern) that reproduces the published numbers at risk while each event sits where
the digitised curve crosses the midpoint of its KM step (:func:`follow`); :func:`settle` makes
the last adjustments to match a published total of events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lmssurv.km import km_step
from lmssurv.reconstruct.from_curve.clicks import SURVIVAL_PRECISION, TIME_PRECISION

__all__ = ["Target", "constrained_intervals", "follow", "follow_many", "open_interval", "settle",
           "spread"]

_MAX_FIXED_POINT = 200


# --------------------------------------------------------------------------------------------
# The digitised curve as a function
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """Piecewise-linear curve through the cleaned clicks, anchored at (0, 1), flat after."""

    t: np.ndarray
    s: np.ndarray

    @classmethod
    def from_clicks(cls, t: np.ndarray, s: np.ndarray) -> Target:
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
        k = self._neg.searchsorted(-levels, side="left")
        # the first click at or below the level is k, so s[k - 1] > level >= s[k]: the
        # segment's slope is finite wherever it is used
        return self._base_t[k] + (self._base_s[k] - levels) * self._slope[k]

    def at(self, times: np.ndarray) -> np.ndarray:
        return np.interp(times, self.t, self.s)


def follow(target: Target, start: float, stop: float, r0: int, s0: float,
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
    start_r = r0 - np.arange(m)
    cens_before = np.zeros(m, dtype=np.int64)
    side = "right" if closed else "left"
    for _ in range(_MAX_FIXED_POINT):
        r = start_r - cens_before
        low = r < 1
        usable = int(low.argmax()) if low.any() else m
        if usable == 0:
            return np.empty(0), np.empty(0)
        rr = r[:usable].astype(float)
        after = s0 * (1.0 - 1.0 / rr).cumprod()
        before = np.empty(usable)
        before[0] = s0
        before[1:] = after[:-1]
        times = np.maximum(target.crossing(before * (1.0 - 0.5 / rr)), start)
        n_in = int(times.searchsorted(stop, side=side))
        new = cens.searchsorted(times[:n_in], side="left")
        if (new == cens_before[:n_in]).all():
            break
        cens_before[:n_in] = new
        cens_before[n_in:] = new[-1] if n_in else 0
    return times[:n_in], after[:n_in]


def follow_many(target: Target, start: float, stop: float, r0: int, s0: float,
                cens_rows: list[np.ndarray], closed: bool, max_events: list[int]
                ) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`follow` for several sets of censorings at once, with the same results bit for bit.

    Row j has the censorings ``cens_rows[j]`` (sorted) and computes at most
    ``max_events[j] + 1`` events. One fixed-point loop runs over all rows as 2-D arrays: along
    a row the products and crossings are the same operations in the same order as in
    :func:`follow`, and a row keeps the times of the round in which it settled. The counts here
    equal :func:`follow`'s binary searches on sorted times only, so a row whose times come out
    unsorted (rounding at a click) is handed to :func:`follow` itself.

    Returns one ``(times, KM after each)`` per row.
    """
    n_rows = len(cens_rows)
    m = np.minimum(np.asarray(max_events, dtype=np.int64) + 1, r0)
    width = int(m.max(initial=0)) + 1  # a last column past every row's end, where r < 1
    out: list = [(np.empty(0), np.empty(0))] * n_rows
    if width <= 1:
        return out
    idx, rows = np.arange(width), np.arange(n_rows)
    start_r = np.where(idx >= m[:, None], 0, r0 - idx)  # at risk before any censoring
    count_cens = _censored_before(cens_rows)
    cens_before = np.zeros((n_rows, width), dtype=np.int64)
    before = np.empty((n_rows, width))
    before[:, 0] = s0
    todo, unsorted = m > 0, np.zeros(n_rows, dtype=bool)
    for _ in range(_MAX_FIXED_POINT):
        r = start_r - cens_before
        low = r < 1
        usable = low.argmax(axis=1)  # events up to the first risk set below 1
        rr = np.maximum(r, 1.0)  # 1.0 where unused: cumprod reads it after the used part
        after = s0 * np.cumprod(1.0 - 1.0 / rr, axis=1)
        before[:, 1:] = after[:, :-1]
        times = np.maximum(target.crossing(before * (1.0 - 0.5 / rr)), start)
        inside = (times <= stop) if closed else (times < stop)
        inside &= idx < usable[:, None]
        n_in = inside.argmin(axis=1)  # the last column is never inside
        counted = idx < n_in[:, None]
        if not np.array_equal(inside, counted):  # not a prefix: a binary search could differ
            unsorted |= (inside != counted).any(axis=1)
        new = count_cens(times)
        last = new[rows, np.maximum(n_in - 1, 0)] * (n_in > 0)
        new = np.where(counted, new, last[:, None])
        settled = todo & ((usable == 0) | ~((new != cens_before) & counted).any(axis=1))
        for j in np.flatnonzero(settled):  # a settled row's later rounds are never read
            out[j] = (times[j, : n_in[j]], after[j, : n_in[j]])
        todo &= ~settled
        if not todo.any():
            break
        cens_before = new
    for j in np.flatnonzero(todo):  # no fixed point within the rounds: the last round's times
        out[j] = (times[j, : n_in[j]], after[j, : n_in[j]])
    for j in np.flatnonzero(unsorted):
        out[j] = follow(target, start, stop, r0, s0, cens_rows[j], closed, max_events[j])
    return out


def _censored_before(cens_rows: list[np.ndarray]):
    """A function counting, for each time in row j of a 2-D array, the censorings of
    ``cens_rows[j]`` strictly before it (``np.searchsorted(cens_rows[j], t, "left")`` row by
    row, in two searches).

    A censoring time is replaced by its rank among all rows' censoring times, and row j's
    ranks are offset by j times more than the number of ranks, so that one sorted array of
    integer keys holds every row, each in its own range.
    """
    sizes = [ce.size for ce in cens_rows]
    flat = np.concatenate([np.empty(0), *cens_rows])
    pool = np.unique(flat)
    stride = pool.size + 1
    keys = np.repeat(np.arange(len(sizes)) * stride, sizes) + np.searchsorted(pool, flat)
    first = np.cumsum([0, *sizes[:-1]])[:, None]
    base = np.arange(len(sizes))[:, None] * stride

    def count(times: np.ndarray) -> np.ndarray:
        return np.searchsorted(keys, base + np.searchsorted(pool, times, side="left"),
                               side="left") - first

    return count


def _misfit(target: Target, start: float, stop: float, r0: int, s0: float, times: np.ndarray,
            after: np.ndarray, cens: np.ndarray, grid: tuple | None = None
            ) -> tuple[float, float]:
    """Area between the rebuilt KM and the digitised curve over [start, stop], in survival units
    and in units of the local KM step ``S / r``.

    Smaller steps always follow a curve more closely, so comparing raw areas would favour any
    censoring pattern that keeps more patients at risk; measured in steps, the pattern that makes
    the steps as large as the drops in the figure wins. ``grid``: :func:`_misfit_grid` of the
    same curve and interval, when several KMs are compared on it.
    """
    mids, widths, curve = _misfit_grid(target, start, stop) if grid is None else grid
    k = np.searchsorted(times, mids, side="right")
    km = np.where(k > 0, after[np.maximum(k - 1, 0)] if after.size else s0, s0)
    risk = np.maximum(r0 - k - np.searchsorted(cens, mids, side="left"), 1)
    area = widths * np.abs(km - curve)
    return float(area.sum()), float(np.sum(area * risk / np.maximum(km, 1e-9)))


def _misfit_grid(target: Target, start: float, stop: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where :func:`_misfit` compares the KM with the curve: the midpoints of the pieces of
    [start, stop] between clicks, their widths and the curve at them."""
    knots = target.t[(target.t > start) & (target.t < stop)]
    pts = np.concatenate([[start], knots, [stop]])
    mids = 0.5 * (pts[:-1] + pts[1:])
    return mids, np.diff(pts), target.at(mids)


def spread(count: int, start: float, stop: float, ticks: np.ndarray, tilt: float = 1.0,
            closed: bool = False) -> np.ndarray:
    """``count`` censoring times in (start, stop): evenly, or at the censor ticks in it.

    ``tilt`` > 1 pushes them towards ``start``, < 1 towards ``stop`` (quantiles ``u ** tilt``);
    ``closed`` puts the last one at ``stop`` itself (the end of follow-up).
    """
    if count <= 0:
        return np.empty(0)
    u = (np.arange(count) + (1.0 if closed else 0.5)) / count
    u = u**tilt
    inside = ticks
    if inside.size:  # most figures show no ticks: no masks then
        inside = ticks[(ticks > start) & ((ticks <= stop) if closed else (ticks < stop))]
    if inside.size:
        # quantiles of the ticks' empirical distribution: every tick used before any twice
        pos = np.minimum((u * inside.size).astype(int), inside.size - 1)
        if closed and tilt == 1.0:
            pos = np.minimum(np.ceil(u * inside.size).astype(int) - 1, inside.size - 1)
        return np.sort(inside[np.maximum(pos, 0)])
    return start + (stop - start) * u


#: Censoring patterns tried within a table interval (log of the tilt in ``spread``): even
#: first, then towards the end or the start of the interval.
_LOG_TILTS = (0.0, -1.5, 1.5, -3.0, 3.0)
#: A tilted pattern replaces the even one only when it brings the rebuilt KM closer to the clicks
#: by this much on average over the interval, one survival reading precision: only where
#: the steps are large enough to show the number at risk (small risk sets) can they tell where
#: the censorings were.
_TILT_GAIN = SURVIVAL_PRECISION
#: ... and when it also shrinks the misfit counted in KM steps by this fraction.
_TILT_STEP_GAIN = 0.5


class _Attempts:
    """Within one table interval: for a censored count c and a censoring pattern, c censorings
    spread by the pattern and the events that then follow the curve (at most ``removed - c + 1``),
    and whether ``c + events >= removed``. Each is computed once: alone with :func:`follow`,
    or with others in one :func:`follow_many` call."""

    def __init__(self, target: Target, a: float, b: float, window: tuple[float, float],
                 r0: int, s0: float, ticks: np.ndarray, removed: int) -> None:
        self.target, self.a, self.b, self.window = target, a, b, window
        self.r0, self.s0, self.ticks, self.removed = r0, s0, ticks, removed
        self.done: dict[tuple[float, int], tuple] = {}

    def fill(self, wanted) -> None:
        """Compute the ``(log_tilt, c)`` pairs in ``wanted`` not yet known (c in [0, removed])."""
        pairs = [(lt, c) for lt, c in dict.fromkeys(wanted)
                 if 0 <= c <= self.removed and (lt, c) not in self.done]
        if not pairs:
            return
        if len(pairs) == 1:
            (lt, c), = pairs
            cens = spread(c, self.a, self.b, self.ticks, tilt=math.exp(lt))
            times, after = follow(self.target, *self.window, self.r0, self.s0, cens,
                                  closed=False, max_events=self.removed - c)
            self.done[lt, c] = (c + times.size >= self.removed, times, after, cens)
            return
        cens = [spread(c, self.a, self.b, self.ticks, tilt=math.exp(lt)) for lt, c in pairs]
        found = follow_many(self.target, *self.window, self.r0, self.s0, cens, closed=False,
                            max_events=[self.removed - c for _, c in pairs])
        for (lt, c), ce, (times, after) in zip(pairs, cens, found, strict=True):
            self.done[lt, c] = (c + times.size >= self.removed, times, after, ce)

    def get(self, log_tilt: float, c: int) -> tuple[bool, np.ndarray, np.ndarray, np.ndarray]:
        """``(c + events >= removed, event times, KM after each, censoring times)``."""
        if (log_tilt, c) not in self.done:
            self.fill([(log_tilt, c)])
        return self.done[log_tilt, c]


#: Counts computed at once for a tilted pattern, around the even pattern's answer: censorings
#: moved towards the end of the interval (log tilt < 0) leave more at risk, so a few fewer of
#: them fit, and towards the start a few more. One batch of ~20 counts costs about as much as
#: 5-6 single :func:`follow` calls; a count the search needs outside it costs one more.
_NEAR = {-1: range(-4, 1), 1: range(-1, 5)}
#: ... in intervals where at least this many leave: in smaller ones the searches need so few
#: counts that single :func:`follow` calls cost less than the batch.
_BATCH_FROM = 12


def _climb(events, removed: int) -> int:
    """Smallest c with ``c + events(c) >= removed``.

    The events fall as c rises, so when c falls short, no count below ``removed - events(c)``
    can reach ``removed`` either: starting from 0, that is the next count to try. Each step
    needs one count's events, where galloping and bisecting need several.
    """
    c = 0
    while c < removed and c + events(c) < removed:
        c = removed - events(c)
    return c


def _step(ok, start: int) -> int:
    """Smallest c with ``ok(c)`` (which rises with c and holds at the largest count), one count
    at a time from ``start``: for a start within a few counts of it."""
    c = start
    if ok(c):
        while c > 0 and ok(c - 1):
            c -= 1
        return c
    while not ok(c + 1):
        c += 1
    return c + 1


def _constrained(target: Target, a: float, b: float, ra: int, rb: int, s0: float,
                 ticks: np.ndarray, extra: int = 0, window: tuple[float, float] | None = None,
                 tilts: tuple[float, ...] = _LOG_TILTS, hint: int | None = None,
                 memo: dict | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict, int, float]:
    """Events and censorings in [a, b) with ``ra`` at risk at a and exactly ``rb`` at b.

    For each censoring pattern, the censored count c is the smallest with
    ``c + events(c) >= ra - rb`` (the sum rises with c: each censoring shrinks the risk set, so
    fewer events follow the same drop): for the even pattern by climbing lower bounds from 0
    (:func:`_climb`), for the tilted ones one count at a time from the even pattern's, in one
    batch (:func:`_step`), and from ``hint`` (when given) one count at a time too. The pattern
    whose KM lies closest to the clicks wins (even spacing unless another is clearly better).
    Events beyond ``ra - rb`` (clicks that fall faster than the table allows) are left to the
    next interval, which starts by catching up.

    Often several counts fit exactly (one more censoring, one fewer event: the KM follows the
    clicks equally well); the smallest is used, or ``extra`` more when the arm's total events
    ask for fewer events, and the number of further exact fits (the slack) is returned.

    ``window`` (default ``(a, b)``) is where the events are read from the curve; events read
    outside [a, b) are put at its edge (just before b, or at a). ``tilts`` are the censoring
    patterns tried (log tilts of :func:`spread`); ``hint`` is where the search for c starts
    (any value gives the same c). ``memo`` keeps the events found for each count and pattern,
    for a later call on the same interval (e.g. with another ``extra``). Returns event times,
    KM after each, censoring times, the interval's record, the slack and the log tilt used.
    """
    removed = ra - rb
    ea, eb = (a, b) if window is None else window
    runs = _Attempts(target, a, b, (ea, eb), ra, s0, ticks, removed)
    if memo is not None:
        runs = memo.setdefault(("attempts", a, b, ea, eb, ra, rb, s0), runs)
    best, even_c = None, 0
    grid = _misfit_grid(target, ea, eb)
    guess = None if hint is None else min(max(hint, 0), removed)
    for log_tilt in tilts:
        if hint is not None:  # a count within a few of the answer
            c = _step(lambda c, lt=log_tilt: runs.get(lt, c)[0], guess)
        elif best is None:
            c = _climb(lambda c, lt=log_tilt: runs.get(lt, c)[1].size, removed)
        else:  # the tilted patterns' counts lie near the even one's: one batch for them all
            if removed >= _BATCH_FROM:
                runs.fill([(lt, even_c + d) for lt in tilts[1:]
                           for d in _NEAR[1 if lt > 0 else -1]]
                          + [(tilts[0], even_c + 1), (tilts[0], even_c + 2)])  # its slack
            c = _step(lambda c, lt=log_tilt: runs.get(lt, c)[0], even_c)
        _, times, after, cens = runs.get(log_tilt, c)
        times, after = times[: removed - c], after[: removed - c]
        fit, steps = _misfit(target, ea, eb, ra, s0, times, after, cens, grid)
        if best is None:
            best = (steps, log_tilt, c, times, after, cens,
                    c == 0 and runs.get(log_tilt, 0)[1].size > removed)
            even_fit, even_steps, even_c = fit, steps, c
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
            nxt = runs.get(log_tilt, c + slack + 1) if c + slack + 1 <= removed else None
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


def settle(ev_t: np.ndarray, ce_t: np.ndarray, k: int, t_end: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """Turn ``k`` events into censorings (``k < 0``: censorings into events) at their own times.

    Each change keeps every number at risk; it shifts the KM by about ``S(t) / r(t)`` from t to
    the end of follow-up, so the changes with the smallest ``S / r * (t_end - t)`` are made.
    """
    time = np.concatenate([ev_t, ce_t])
    is_ev = np.concatenate([np.ones(ev_t.size, bool), np.zeros(ce_t.size, bool)])
    srt = np.sort(time)
    risk = srt.size - np.searchsorted(srt, time, side="left")
    t_ev, km = km_step(time, is_ev)
    if t_ev.size:
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


def constrained_intervals(target: Target, table_t: np.ndarray, table_n: np.ndarray,
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
                                      ticks, extra, window, tilts, hint, cache)
        return cache[key]

    n_con = table_t.size - 1
    delta = _STRADDLE_SD * TIME_PRECISION * float(target.t[-1])
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
            if sb / (rb * (rb + 1)) > _STRADDLE_GAIN * SURVIVAL_PRECISION:
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


def open_interval(target: Target, a: float, t_end: float, r: int, surv: float, ticks: np.ndarray,
                  *, want: int | None = None, censored: int = 0
                  ) -> tuple[np.ndarray, np.ndarray, float | None]:
    """Events and censorings in the open last interval ``[a, t_end]``, where ``r`` are at risk.

    With ``want`` (the events still owed to a published total), the censorings are tilted until
    exactly that many events follow the curve; otherwise ``censored`` censorings are spread evenly
    (Guyot et al.). Everybody leaves by ``t_end``: patients left over are censored there, surplus
    censorings dropped. Returns event times, censoring times and the log tilt used (``None``
    without ``want``).
    """
    tilt_used = None
    if want is not None:
        c_last = r - want

        def count(log_tilt: float) -> tuple[np.ndarray, np.ndarray]:
            cens = spread(c_last, a, t_end, ticks, tilt=math.exp(log_tilt), closed=True)
            return follow(target, a, t_end, r, surv, cens, closed=True, max_events=want)[0], cens

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
        ce = spread(censored, a, t_end, ticks)
        ev = follow(target, a, t_end, r, surv, ce, closed=True)[0]
    left = r - ev.size - ce.size
    if left > 0:
        ce = np.concatenate([ce, np.full(left, t_end)])
    elif left < 0:
        ce = ce[: ce.size + left]
    return ev, ce, tilt_used
