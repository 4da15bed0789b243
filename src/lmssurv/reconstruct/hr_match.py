"""Matching a published hazard ratio on finished pseudo-data, without moving a published number.

A median, a median CI limit or a landmark rate pins the Kaplan-Meier curve at one time only.
Between two such times (and before the first, and after the last up to the longest follow-up)
the times of the patients can be moved freely as long as none crosses a pinned time and their
order is kept: the numbers at risk and the Kaplan-Meier level at every pinned time stay what
they were, and so does every published number of the arm. What changes is the timing of each
arm's events against the other arm's, which is what the Cox partial likelihood sees.

:func:`bend` moves the times inside one such interval ``(lo, hi)`` by the map
``lo + (hi - lo) g(u)``, ``g(u) = (1 - w) u + w u^f`` (``u`` the relative place in the
interval): a power map mixed with the identity. :func:`match_hazard_ratio` bends the intervals
of both arms with opposite powers (``f`` on the experimental arm, ``1/f`` on the control arm)
and finds ``log f`` by regula falsi on the Cox log HR (Efron ties, as the papers' software
computes it), stopping as soon as the HR is within the published precision.

The identity's share bounds the squeeze: the slope of ``g`` is at least ``1 - w`` everywhere,
so no stretch of an interval, and no distance between two patients, shrinks by more than
``MAX_SQUEEZE = 1 / (1 - w)``, whatever ``f``. A pure power map (``w = 1``) has slope 0 at
``u = 0`` for ``f > 1`` and piles the events just after a published point onto it; an
exponential tilt ``(e^(a u) - 1) / (e^a - 1)`` bounds the squeeze too but, at the same bound,
moves the events far less (the HR was then out of reach in more trials).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lmssurv.cox import cox_two_arms
from lmssurv.reconstruct.shape import median_time

__all__ = ["MAX_SQUEEZE", "HazardRatioBend", "bend", "intervals", "match_hazard_ratio",
           "pinned_times"]

# Regula falsi steps per stage (each one a Cox fit, ~1 ms for a few hundred patients).
_STEPS = 16
#: The most :func:`bend` shrinks any distance between two times (the identity's share of the
#: map is ``1 / MAX_SQUEEZE``).
MAX_SQUEEZE = 5.0


def pinned_times(summary) -> tuple[float, ...]:
    """The times (months) at which an arm's published numbers pin its Kaplan-Meier curve.

    The median (as reported, and where the engine places it: :func:`median_time`), the median
    CI limits and the landmark times of an :class:`~lmssurv.summary.ArmSummary`, sorted and
    without repeats.
    """
    times = [*summary.landmarks]
    if summary.median is not None:
        times += [summary.median, median_time(summary)]
    times += [t for t in (summary.median_ci or ()) if t is not None]
    return tuple(sorted({float(t) for t in times if t is not None and t > 0}))


def intervals(pinned: Sequence[float], longest: float) -> list[tuple[float, float]]:
    """The open intervals between 0, the pinned times and the longest time, in order.

    Times strictly inside one of them may move within it without changing any published
    number: ``(0, p1), (p1, p2), ..., (pk, longest)``; empty intervals are dropped.
    """
    cuts = [0.0, *[p for p in pinned if 0.0 < p < longest], float(longest)]
    return [(lo, hi) for lo, hi in zip(cuts[:-1], cuts[1:], strict=True) if hi > lo]


def bend(time: np.ndarray, lo: float, hi: float, log_f: float,
         squeeze: float | None = None) -> np.ndarray:
    """Times strictly inside ``(lo, hi)`` moved to ``lo + (hi - lo) ((1 - w) u + w u^f)``,
    ``u = (t-lo)/(hi-lo)``, ``f = e^log_f``, ``w = 1 - 1/squeeze`` (default
    :data:`MAX_SQUEEZE`).

    ``log_f > 0`` moves them earlier (a higher hazard just after ``lo``), ``log_f < 0`` later,
    0 not at all. Events and censorings move alike, so their order, every number at risk and
    every Kaplan-Meier level outside ``(lo, hi)`` stay as they were. Moved times stay strictly
    inside the interval (a time at ``lo`` or ``hi`` would change the level there), and no two
    come closer than ``1 / squeeze`` of their distance.

    Examples
    --------
    >>> [round(float(t), 4) for t in bend(np.array([1.0, 2.0, 3.0, 4.0]), 1.0, 4.0, math.log(2))]
    [1.0, 1.4667, 2.4667, 4.0]
    """
    out = np.array(time, dtype=float, copy=True)
    inside = (out > lo) & (out < hi)
    if inside.any() and hi > lo and log_f != 0.0:
        rel = (out[inside] - lo) / (hi - lo)
        w = 1.0 - 1.0 / (MAX_SQUEEZE if squeeze is None else squeeze)
        moved = lo + (hi - lo) * ((1.0 - w) * rel + w * rel ** math.exp(log_f))
        out[inside] = np.clip(moved, np.nextafter(lo, hi), np.nextafter(hi, lo))
    return out


@dataclass(frozen=True)
class HazardRatioBend:
    """The result of :func:`match_hazard_ratio`.

    ``times`` are the control and experimental times after bending (events unchanged),
    ``log_power`` the ``log f`` of :func:`bend` used (0: no bend), ``hr`` the Cox HR of the
    bent data and
    ``hit`` whether it is within the tolerance of the published HR.
    """

    times: tuple[np.ndarray, np.ndarray]
    log_power: float
    hr: float
    hit: bool


def match_hazard_ratio(
    times: Sequence[np.ndarray],
    events: Sequence[np.ndarray],
    stages: Sequence[tuple[Sequence[Sequence[tuple[float, float]]], float]],
    hr: float,
    tolerance: float,
    unbent_log_hr: float | None = None,
) -> HazardRatioBend:
    """Bend both arms' free intervals, stage by stage, until the Cox HR is within tolerance.

    Parameters
    ----------
    times, events : sequences of two arrays
        Control and experimental pseudo-patients (months; 1 = event).
    stages : sequence of ``(regions, max_log_power)``
        ``regions``: per arm, the intervals whose inner times may move (see
        :func:`intervals`), all bent with the same power (``f`` on the experimental arm,
        ``1/f`` on the control arm), ``|log f| <= max_log_power``.
        A stage is tried only when the ones before it could not reach the HR, starting from
        their closest result.
    hr : float
        The published hazard ratio (experimental vs control).
    tolerance : float
        Stop once ``|HR - hr| <= tolerance`` (the published precision, e.g.
        :func:`~lmssurv.reconstruct.diagnostics.rounding_tolerance`).
    unbent_log_hr : float, optional
        The Cox log HR of ``times`` and ``events`` as given (Efron ties,
        :func:`~lmssurv.cox.cox_two_arms`), when the caller has just fitted it; fitted here
        otherwise. It must be that fit: a wrong value misleads every stage.

    Returns
    -------
    HazardRatioBend
        The bent times; when the HR cannot be reached, those that bring it closest (the
        unbent ones when no bend helps). ``log_power`` is that of the last stage that moved.
    """
    t0, t1 = (np.asarray(t, dtype=float) for t in times)
    e0, e1 = (np.asarray(e) for e in events)
    beta = (cox_two_arms(t0, e0, t1, e1).log_hr if unbent_log_hr is None
            else float(unbent_log_hr))
    out = _result(0.0, (t0, t1), beta, hr, tolerance)
    for regions, max_log_power in stages:
        if out.hit or not math.isfinite(beta):
            break
        out = _one_stage(out, (e0, e1), regions, hr, tolerance, max_log_power)
    return out


def _result(log_f: float, parts, beta: float, hr: float, tolerance: float) -> HazardRatioBend:
    rebuilt = math.exp(beta) if math.isfinite(beta) else math.nan
    hit = math.isfinite(beta) and abs(rebuilt - hr) <= tolerance + 1e-12
    return HazardRatioBend(parts, log_f, rebuilt, hit)


def _one_stage(start: HazardRatioBend, events, regions, hr: float, tolerance: float,
               max_log_power: float) -> HazardRatioBend:
    """One power for each arm's ``regions`` (opposite signs), by regula falsi on log HR."""
    target = math.log(hr)
    t0, t1 = start.times
    e0, e1 = events

    def bent(log_f: float) -> tuple[np.ndarray, np.ndarray]:
        # earlier events in the experimental arm (f > 1) raise its hazard: the HR rises
        out = []
        for t, regs, sign in ((t0, regions[0], -1.0), (t1, regions[1], 1.0)):
            for lo, hi in regs:
                t = bend(t, lo, hi, sign * log_f)
            out.append(t)
        return out[0], out[1]

    def log_hr(parts) -> float:
        return cox_two_arms(parts[0], e0, parts[1], e1).log_hr

    g0 = math.log(start.hr) - target
    end = -max_log_power if g0 > 0 else max_log_power
    parts_end = bent(end)
    g_end = log_hr(parts_end) - target
    if not math.isfinite(g_end):
        return start
    best = _result(end, parts_end, g_end + target, hr, tolerance)
    if g_end * g0 > 0:  # out of reach: the strongest bend if it brings the HR closer
        return best if abs(g_end) < abs(g0) else start
    # Illinois regula falsi (Dowell & Jarratt 1971): the log HR is near-linear in log f
    a, fa, b, fb = 0.0, g0, end, g_end
    for _ in range(_STEPS):
        mid = (a * fb - b * fa) / (fb - fa) if fb != fa else 0.5 * (a + b)
        parts = bent(mid)
        g_mid = log_hr(parts) - target
        if not math.isfinite(g_mid):
            break
        cand = _result(mid, parts, g_mid + target, hr, tolerance)
        if cand.hit:
            return cand
        if abs(g_mid) < abs(math.log(best.hr) - target):
            best = cand
        if g_mid * fb < 0:
            a, fa = b, fb
        else:
            fa /= 2
        b, fb = mid, g_mid
    return best if abs(math.log(best.hr) - target) < abs(g0) else start
