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

Past the last published point that is not enough: the slope of ``g`` at ``u = 0`` is
``1 - w = 1 / MAX_SQUEEZE`` for every ``f > 1``, so the hazard just after that point jumps up
to fivefold (the LMS-04 OS ensemble band fell from 0.38 to 0.26 within two months of 48, where
13-15 patients were at risk). :func:`bend_tail` moves the times after the last published point
instead: its slope is 1 there and falls gradually, so the hazard is continuous at the point
and rises to ``c`` times its level over the first quarter of the interval. Continuity costs
reach (the events just after the point stay near it); when a tail bend cannot reach the HR,
the callers try the mixed power map from the unbent times as a fallback
(``match_hazard_ratio(..., fallbacks=...)``), so no HR that was matched before is lost. In
that fallback the intervals before the last point may bend as far as the one after it
(``|log f| <= FALLBACK_MAX``): it is reached only where the HR would otherwise be missed, and
the squeeze stays bounded by :data:`MAX_SQUEEZE` whatever ``f``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lmssurv.cox import cox_two_arms
from lmssurv.reconstruct.shape import median_time

__all__ = ["MAX_SQUEEZE", "HazardRatioBend", "bend", "bend_tail", "intervals",
           "match_hazard_ratio", "match_published_hr", "pinned_times"]

# Regula falsi steps per stage (each one a Cox fit, ~1 ms for a few hundred patients).
_STEPS = 16
#: The most :func:`bend` shrinks any distance between two times (the identity's share of the
#: map is ``1 / MAX_SQUEEZE``).
MAX_SQUEEZE = 5.0
# bend_tail: the share of the interval over which the hazard ramps up to its scaled level, and
# the share at its end that takes up what the scaled part left (see bend_tail)
_TAIL_RAMP, _TAIL_END = 0.25, 0.2
# The engines' stages (match_published_hr): times past the last published point bent by
# bend_tail, |log c| <= TAIL_MAX; all times before it by bend, |log f| <= REST_MAX; when those
# cannot reach the HR, from the unbent times, the mixed map past the last point, then the rest,
# both with |log f| <= FALLBACK_MAX; aiming at AIM of the HR's tolerance, so that another Cox
# implementation's last digits cannot flip a hit. Chosen on the tuning split's every third
# figure and every third of 600 simulated trials (median arm MAE tuning / sim, HR missed tuning
# / sim): no bend 0.0175 / 0.0191 (whole split and 600), 40% / 46%; the pure power map
# (unbounded squeeze) 1.5 / 0.5: 0.0146 / 0.0191, 0% / 7.0%; the mixed map 2.5 / 0.5: 0.0144 /
# 0.0190, 0% / 7.0%; squeeze 4 with 3 / 0.5: 0.0144 / 0.0191, 0% / 7.5%; an exponential tilt
# (slope ratio e^a, squeeze (e^a-1)/a) a <= 3 / 1: 0.0143 / 0.0190, 0% / 9.5%, a <= 3 / 2:
# 0.0144 / 0.0191, 0% / 6.5%, but 6 of the 44 test trials missed (the mixed map 4, the power
# map 4): the tilt moves events less for the same squeeze. bend_tail past the last point (see
# the module notes), whole tuning split / 600 simulated trials, HR missed: mixed map 1.1% /
# 7.8%; bend_tail without the fallback 3.2% / 9.2% (ramp over a quarter), 3.2% / 8.5% (a
# tenth); with it: see CHANGELOG.md. Median MAE moved by at most 0.0001. In the fallback the
# intervals before the last point bend up to FALLBACK_MAX too, not REST_MAX: with the partial
# bend of shape.py (and a 1/t tail, since dropped), 600 simulated trials (seed 0 / 1) missed the
# HR in 48 / 44 with REST_MAX there, 30 / 36 with FALLBACK_MAX (the engine before both changes:
# 45 / 45; with the partial bend, the constant tail and FALLBACK_MAX: 31, seed 0); the wider
# bound touches only trials that missed, and costs their curves some accuracy (simulated mean
# arm MAE 0.0210 -> 0.0215, seed 0).
TAIL_MAX, REST_MAX, FALLBACK_MAX, AIM = math.log(MAX_SQUEEZE), 0.5, 2.5, 0.8


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
        out[inside] = _clip(moved, np.nextafter(lo, hi), np.nextafter(hi, lo))
    return out


def bend_tail(time: np.ndarray, lo: float, hi: float, log_c: float) -> np.ndarray:
    """Times strictly inside ``(lo, hi)`` moved so that the hazard after ``lo`` is scaled by
    ``c = e^log_c`` gradually, starting from no change at ``lo``.

    For ``c >= 1`` (events earlier) the map ``lo + (hi - lo) F(u)``, ``u = (t-lo)/(hi-lo)``,
    has the slope ``F'`` falling linearly from 1 at ``u = 0`` to ``1/c`` at ``u = 0.25``,
    staying ``1/c`` up to ``u = 0.8`` and then constant again, as steep as it takes to reach
    ``F(1) = 1``; since a time's hazard is divided by the map's slope there, the hazard is
    continuous at ``lo``, rises to ``c`` times its level over the first quarter of the interval
    and falls where the follow-up ends. For ``c < 1`` (events later) the map is the inverse of
    the one for ``1/c``: the hazard falls gradually after ``lo`` and the events gather where
    the follow-up ends. ``|log_c|`` must be at most ``log(MAX_SQUEEZE)``: no distance then
    shrinks more than :data:`MAX_SQUEEZE`-fold (the steep end slope is below it too).

    The mixed power map of :func:`bend` has slope ``1/MAX_SQUEEZE`` at ``lo`` whenever
    ``f > 1``: past the last published point that is a hazard jumping up to fivefold at that
    point, the collapse of the LMS-04 OS ensemble band after 48 months (issue 10).

    Examples
    --------
    >>> [round(float(t), 4) for t in bend_tail(np.array([0.0, 0.1, 0.5, 0.9]), 0.0, 1.0,
    ...                                        math.log(2))]
    [0.0, 0.09, 0.3125, 0.7312]
    """
    if abs(log_c) > math.log(MAX_SQUEEZE) + 1e-12:
        raise ValueError(f"bend_tail: |log_c| must be at most log(MAX_SQUEEZE) = "
                         f"{math.log(MAX_SQUEEZE):.4f}, got {log_c!r}; bound the stage's "
                         f"max_log_power")
    out = np.array(time, dtype=float, copy=True)
    inside = (out > lo) & (out < hi)
    if not inside.any() or hi <= lo or log_c == 0.0:
        return out
    rel = (out[inside] - lo) / (hi - lo)
    c = math.exp(abs(log_c))
    drop, ramp, end = 1.0 - 1.0 / c, _TAIL_RAMP, 1.0 - _TAIL_END
    f1 = ramp * (1.0 - drop / 2)  # F at the end of the ramp
    f2 = f1 + (end - ramp) / c  # F where the scaled part ends
    steep = (1.0 - f2) / _TAIL_END
    if log_c > 0:
        moved = np.where(rel <= ramp, rel - drop * rel ** 2 / (2 * ramp),
                         np.where(rel <= end, f1 + (rel - ramp) / c, f2 + steep * (rel - end)))
    else:  # the inverse of the map for 1/c
        root = np.sqrt(np.maximum(1.0 - 2.0 * drop * np.minimum(rel, f1) / ramp, 0.0))
        first = (1.0 - root) * ramp / drop
        moved = np.where(rel <= f1, first,
                         np.where(rel <= f2, ramp + c * (rel - f1), end + (rel - f2) / steep))
    out[inside] = _clip(lo + (hi - lo) * moved, np.nextafter(lo, hi), np.nextafter(hi, lo))
    return out


def _clip(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``np.clip(x, lo, hi)`` for positive bounds ``lo < hi``, without np.clip's Python-level
    wrapper (the HR match bends a few thousand times per 200 draws): the same values, as each
    is one of ``x``, ``lo`` and ``hi`` (nan stays nan)."""
    return np.minimum(np.maximum(x, lo), hi)


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
    fallbacks: Sequence[Sequence[tuple]] = (),
) -> HazardRatioBend:
    """Bend both arms' free intervals, stage by stage, until the Cox HR is within tolerance.

    Parameters
    ----------
    times, events : sequences of two arrays
        Control and experimental pseudo-patients (months; 1 = event).
    stages : sequence of ``(regions, max_log_power)`` or ``(regions, max_log_power, mover)``
        ``regions``: per arm, the intervals whose inner times may move (see
        :func:`intervals`), all bent with the same power (``f`` on the experimental arm,
        ``1/f`` on the control arm), ``|log f| <= max_log_power``. ``mover`` is the map,
        called as ``mover(time, lo, hi, log_f)``: :func:`bend` (the default) or
        :func:`bend_tail`.
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
    fallbacks : sequence of sequences of stages, optional
        Other stage sequences (each as ``stages``), tried in order, each from the unbent
        times, while none before reached the HR; the first that reaches it is returned, else
        the closest of all. Starting again from the unbent times, no two maps are composed on
        one interval, so :data:`MAX_SQUEEZE` still holds.

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
    unbent = _result(0.0, (t0, t1), beta, hr, tolerance)
    out = _stages(unbent, (e0, e1), stages, hr, tolerance)
    target = math.log(hr)
    for other_stages in fallbacks:
        if out.hit or not math.isfinite(beta):
            break
        other = _stages(unbent, (e0, e1), other_stages, hr, tolerance)
        if other.hit or abs(math.log(other.hr) - target) < abs(math.log(out.hr) - target):
            out = other
    return out


def match_published_hr(times, events, regions, hr: float, tolerance: float, *,
                       rest_first: bool = False,
                       unbent_log_hr: float | None = None) -> HazardRatioBend:
    """The engines' HR match: :func:`match_hazard_ratio` with their stages and bounds.

    Past each arm's last published point (``regions[k][-1]``) by :func:`bend_tail` with
    ``|log c| <= TAIL_MAX`` (the HR carries what the summaries leave open there), then every
    interval before it by :func:`bend` with ``|log f| <= REST_MAX`` (``rest_first``: the other
    order); when both cannot reach the HR, from the unbent times, :func:`bend` past the last
    point and then every interval before it, both with ``|log f| <= FALLBACK_MAX``. Aims at
    ``AIM * tolerance``.

    Parameters
    ----------
    times, events : sequences of two arrays
        Control and experimental pseudo-patients.
    regions : sequence of two lists of ``(lo, hi)``
        Each arm's :func:`intervals` between its published times.
    hr, tolerance : float
        The published HR and the distance that counts as reproducing it.
    rest_first : bool, default False
        Bend the intervals before the last published point first (the ensemble's draws: put
        first, the tail bend takes the whole discrepancy onto the few patients left there).
    unbent_log_hr : float, optional
        As in :func:`match_hazard_ratio`.
    """
    tail = [r[-1:] for r in regions]
    rest = [r[:-1] for r in regions]
    stages = [(tail, TAIL_MAX, bend_tail), (rest, REST_MAX)]
    if rest_first:
        stages.reverse()
    return match_hazard_ratio(times, events, stages, hr, AIM * tolerance,
                              unbent_log_hr=unbent_log_hr,
                              fallbacks=[[(tail, FALLBACK_MAX), (rest, FALLBACK_MAX)]])


def _stages(out: HazardRatioBend, events, stages, hr: float, tolerance: float
            ) -> HazardRatioBend:
    for regions, max_log_power, *mover in stages:
        if out.hit or not math.isfinite(out.hr):
            break
        out = _one_stage(out, events, regions, hr, tolerance, max_log_power,
                         mover[0] if mover else bend)
    return out


def _result(log_f: float, parts, beta: float, hr: float, tolerance: float) -> HazardRatioBend:
    rebuilt = math.exp(beta) if math.isfinite(beta) else math.nan
    hit = math.isfinite(beta) and abs(rebuilt - hr) <= tolerance + 1e-12
    return HazardRatioBend(parts, log_f, rebuilt, hit)


def _one_stage(start: HazardRatioBend, events, regions, hr: float, tolerance: float,
               max_log_power: float, mover) -> HazardRatioBend:
    """One power for each arm's ``regions`` (opposite signs), by regula falsi on log HR."""
    target = math.log(hr)
    t0, t1 = start.times
    e0, e1 = events

    def bent(log_f: float) -> tuple[np.ndarray, np.ndarray]:
        # earlier events in the experimental arm (f > 1) raise its hazard: the HR rises
        out = []
        for t, regs, sign in ((t0, regions[0], -1.0), (t1, regions[1], 1.0)):
            for lo, hi in regs:
                t = mover(t, lo, hi, sign * log_f)
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
