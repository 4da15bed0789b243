"""Pseudo-patient data from published summary numbers only (no Kaplan-Meier figure).

Data flow: follow-up facts -> a follow-up model per arm; medians, median CIs and landmark rates
-> anchors; anchors of all arms -> target curves sharing one shape (proportional hazards lets each
arm's points shape the other's curve); event counts (reported, or inferred from the HR's CI) ->
the tail of each curve; curve + follow-up -> pseudo-patients with exact n and events; a few
patients moved to hit the landmarks; last, times bent between the published points until the
Cox HR is the published one (:mod:`lmssurv.reconstruct.hr_match`), which moves no published
number.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from lmssurv._validation import InputError, check_positive
from lmssurv.cox import cox_two_arms
from lmssurv.km import km_at, km_levels
from lmssurv.reconstruct.censoring import FollowUpModel, follow_up_model
from lmssurv.reconstruct.diagnostics import (
    ArmDiagnostics,
    Check,
    EventsSource,
    HazardRatioMatch,
    ReconstructionDiagnostics,
    follow_up_reproduced,
    follow_up_tolerance,
    landmark_tolerance,
    report,
    reverse_km_median,
    rounding_tolerance,
    self_check,
)
from lmssurv.reconstruct.hr_match import intervals, match_published_hr, pinned_times
from lmssurv.reconstruct.patients import (
    Allocation,
    TailFit,
    allocate,
    calibrate_tail,
    censoring_times,
    expected_events,
    feasible_events,
    pin_hr_ci,
    pin_median_ci,
    polish_landmarks,
)
from lmssurv.reconstruct.shape import (
    ArmCurve,
    anchors_for_arm,
    early_slope_for,
    fit_curves,
    median_time,
)
from lmssurv.summary import ArmSummary, HazardRatio, ci_from_p, require_hazard_ratio
from lmssurv.units import months_per, unit_name

__all__ = ["check_rebuild", "endpoint_kind", "fit_pieces", "place_ci_limits", "reconstruct_arm",
           "reconstruct_trial", "with_trial_follow_up"]

# Matching the reported HR: stop within this distance on the log scale (a reported HR is
# rounded to 2 decimals, ~0.007 on the log scale near 0.7), and shift the free regions by at
# most this much (a factor of e^1.5 ~ 4.5 on the cumulative hazard there).
_HR_TOLERANCE = 0.002
_PHI_MAX = 1.5
# The same before the first reported point, when the tail alone cannot match the HR: at most
# this much, since the early stretch carries most of a typical arm's error. Chosen on the
# real-trial test bed's tuning part (median arm MAE / HR missed / median |log HR error|):
# 1.5: 0.0185 / 24% / 0.0036; 0.5: 0.0175 / 43% / 0.0047; 0.2: 0.0168 / 56% / 0.0103;
# none: 0.0169 / 76% / 0.0228. A missed HR is warned; a distorted early curve is not seen.
_PSI_MAX = 0.5
# Matching the HR may scale a tail hazard within [1/2, 2] and move an unreported follow-up
# start (TailFit.strain 1), but not push the tail beyond that (strain 2: the vertical drops
# of events piled at the end of follow-up) nor rescale the follow-up (strain 3), unless the
# arm needed that anyway.
_MAX_HR_STRAIN = 1
# Events inferred from the HR's CI: refine them until the pseudo-data's Cox SE is within this
# relative distance (in variance) of the published one, in at most this many rebuilds.
_SE_TOLERANCE = 0.03
_SE_ROUNDS = 3
# A median CI limit at a landmark's time is pinned this much later (relative; see _ci_pins).
_CI_NUDGE = 0.002
# Events spilling past the last censoring: steepen the tail by this factor, at most this often.
_SPILL_FACTOR = 1.5
_SPILL_STEPS = 3


def _note_unit(df: pd.DataFrame, unit: str) -> pd.DataFrame:
    if unit != "months":
        df.attrs["time_unit"] = (f"input times in {unit}, converted to months "
                                 "(365.25/12 days); these times are months")
    return df


def _check_seed(seed: object) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        # a copy: spawning children changes a SeedSequence, and the same seed must give the
        # same rows every time it is passed
        return np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key,
                                      pool_size=seed.pool_size)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(
            f"seed must be a non-negative whole number, got {seed!r}; e.g. seed=0."
        )
    return np.random.SeedSequence(int(seed))


# Endpoints whose events are progression, relapse or failure (first scans shape their start).
_PROGRESSION = ("pfs", "dfs", "efs", "rfs", "ttp", "ttf", "mfs", "dor", "progression",
                "disease", "event", "relapse", "recurrence", "response", "failure")


def endpoint_kind(endpoint: object) -> str | None:
    """``"os"``, ``"pfs"`` (any progression/relapse endpoint) or None, from an endpoint name.

    >>> endpoint_kind("OS"), endpoint_kind("rPFS"), endpoint_kind("Disease-free survival")
    ('os', 'pfs', 'pfs')
    """
    if endpoint is None:
        return None
    if not isinstance(endpoint, str):
        raise InputError(f"endpoint must be a string such as 'os' or 'pfs', got {endpoint!r}.")
    words = re.findall(r"[a-z]+", endpoint.lower())
    if any(w.startswith("os") for w in words[:1]) or "overall" in words or "death" in words:
        return "os"
    if any(code in w for w in words for code in _PROGRESSION):
        return "pfs"
    raise InputError(
        f"endpoint {endpoint!r} is not recognised; pass 'os' (overall survival), 'pfs' (or "
        "dfs, efs, ttp...: progression or relapse), or None."
    )


def _infer_events(
    arms: list[ArmSummary],
    expected: list[float],
    feasible: list[tuple[float, float]],
    hr: HazardRatio | None,
) -> tuple[list[int], list[EventsSource]]:
    """Reported events, or events inferred from the HR's CI width and the arms' curves.

    With both arms missing, ``1/d1 + 1/d2 = se(log HR)^2`` (Parmar et al. 1998; Tierney et al.
    2007) with ``d1/d2`` from the curves and follow-up; a count outside what the arm's curve
    and follow-up allow (``feasible``) is moved to the nearest possible value and the other
    arm's count re-solved from the CI width.
    """
    events: list[float | None] = [a.events for a in arms]
    how = [EventsSource.REPORTED if e is not None else EventsSource.EXPECTED for e in events]
    missing = [i for i, e in enumerate(events) if e is None]
    if not missing:
        return events, how  # type: ignore[return-value]

    def clip(i: int, value: float) -> float:
        lo, hi = feasible[i]
        return min(max(value, lo), hi)

    def from_width(other: float) -> float | None:
        if other <= 0:  # an arm without events: the CI width says nothing about the other
            return None
        rest = se**2 - 1.0 / other
        return 1.0 / rest if rest > 0 else None

    se = hr.se_log if hr is not None else None
    if se is not None and len(arms) == 2:
        if len(missing) == 2:
            ratio = expected[0] / max(expected[1], 1e-9)
            d2 = (1 + 1 / ratio) / se**2
            guess = [clip(0, ratio * d2), clip(1, d2)]
            for i in (0, 1):
                if guess[i] != (ratio * d2, d2)[i]:
                    other = from_width(guess[i])
                    if other is not None:
                        guess[1 - i] = clip(1 - i, other)
                    break
            for i in missing:  # the total from the CI width, split by the curves
                events[i] = guess[i]
                how[i] = EventsSource.HR_CI_WIDTH
        else:
            i, j = missing[0], 1 - missing[0]
            value = from_width(events[j])
            if value is not None:
                events[i] = clip(i, value)
                how[i] = EventsSource.HR_CI_WIDTH
    for i in missing:
        if events[i] is None:
            events[i] = expected[i]
    out = []
    for i, (arm, e) in enumerate(zip(arms, events, strict=True)):
        e = round(float(e))
        if i in missing:  # rounding must not leave the feasible range
            e = min(max(e, math.ceil(feasible[i][0] - 1e-9)), math.floor(feasible[i][1] + 1e-9))
        if i in missing:  # an inferred count: at least one event, so the arm has a curve
            e = max(e, 1)
        e = int(min(e, arm.n))
        out.append(e)
    return out, how


def _reconstruct(
    arms: list[ArmSummary], hr: HazardRatio | None, seed: object, endpoint: object,
    keep: list | None = None, trial_follow_up: float | None = None,
) -> tuple[list[pd.DataFrame], list[ArmDiagnostics], HazardRatioMatch]:
    seq = _check_seed(seed)
    kind = endpoint_kind(endpoint)
    last_time = []
    for arm in arms:
        times = [*arm.landmarks, *(t for t in (arm.median_ci or ()) if t is not None)]
        if arm.median is not None:
            times.append(arm.median)
        last_time.append(max(times, default=math.nan))
    if all(math.isnan(t) for t in last_time):
        raise InputError(
            "no arm reports a median or a landmark rate: at least one survival point is "
            "needed. Pass median=... or landmarks={months: proportion}."
        )
    fallback_time = np.nanmax(last_time)
    follow = [
        follow_up_model(a.median_follow_up, a.max_follow_up, a.accrual,
                        last_reported_time=t if not math.isnan(t) else fallback_time)
        for a, t in zip(arms, last_time, strict=True)
    ]
    # the published median follow-up is this endpoint's reverse KM, so the rebuild keeps it (a
    # progression endpoint's is the trial's follow-up, not the reverse KM of its times)
    own_follow_up = kind != "pfs"
    if own_follow_up:  # losses keep the censoring's median there
        follow = [replace(fu, keep_median=a.median_follow_up is not None)
                  for fu, a in zip(follow, arms, strict=True)]
    anchors = [anchors_for_arm(a, fu.survival) for a, fu in zip(arms, follow, strict=True)]
    log_hr = [0.0] + [None if hr is None else hr.log_estimate] * (len(arms) - 1)
    try:
        curves = fit_curves(anchors, log_hr, functools.partial(early_slope_for, kind))
    except ValueError as err:
        raise InputError(str(err)) from err
    expected = [expected_events(c, fu, a.n)
                for c, fu, a in zip(curves, follow, arms, strict=True)]
    feasible = [feasible_events(c, fu, a.n)
                for c, fu, a in zip(curves, follow, arms, strict=True)]
    for i, arm in enumerate(arms):
        if arm.events is None and arm.median_not_reached:
            # n - d of n patients end the KM at (n - d) / n at best (every censoring after
            # every event): a median not reached allows fewer than n / 2 events
            cap = math.ceil(arm.n / 2) - 1
            feasible[i] = (min(feasible[i][0], cap), min(feasible[i][1], cap))
    # the HR's standard error: its CI's, or, with only a p published, the p's
    se_from = _se_source(hr)
    events, events_how = _infer_events(arms, expected, feasible, se_from)
    children = seq.spawn(len(arms))

    def run(events: list[int]):
        uniforms = []
        for arm, d, child in zip(arms, events, children, strict=True):
            rng = np.random.default_rng(child)
            n_cens = arm.n - d
            uniforms.append((np.arange(n_cens) + rng.uniform(0.05, 0.95, n_cens))
                            / max(n_cens, 1))

        def build(phi: float, psi: float) -> list[tuple[TailFit, Allocation]]:
            # half of each shift up on the experimental arm, half down on the control arm
            signs = [0.0] if len(arms) == 1 else [-0.5, 0.5]
            out = []
            for arm, curve, fu, d, u, sign in zip(arms, curves, follow, events, uniforms,
                                                  signs, strict=True):
                out.append(_fit_and_place(arm, curve.with_shifts(sign * phi, sign * psi), fu,
                                          d, u, kind))
            return out

        built = build(0.0, 0.0)
        if len(arms) == 2 and hr is not None:
            return _match_hazard_ratio(build, built, hr.log_estimate)
        return built, HazardRatioMatch.NONE

    built, hr_how = run(events)
    inferred = [i for i, h in enumerate(events_how) if h is EventsSource.HR_CI_WIDTH]
    if inferred and se_from is not None and se_from.se_log:
        built, hr_how, events = _refine_events(run, built, hr_how, events, inferred, feasible,
                                               arms, se_from)

    if keep is not None:  # the fitted pieces, shared by the draws of an ensemble
        keep.extend((fit, d, how) for (fit, _), d, how in zip(built, events, events_how,
                                                               strict=True))
    times = [alloc.time for _, alloc in built]
    for i, arm in enumerate(arms):
        # no HR keeper here: the bend below matches the HR without moving a landmark again
        longest = min(built[i][0].follow_up.longest, arm.max_follow_up or math.inf)
        times[i], _ = polish_landmarks(built[i][1].time, built[i][1].event, dict(arm.landmarks),
                                       tolerance=landmark_tolerance, median_ci=arm.median_ci,
                                       longest=longest)
        times[i] = _reach_longest(arm, times[i], built[i][1].event)
        if own_follow_up:
            ev = built[i][1].event
            times[i] = _settle_follow_up(arm, times[i], ev, _published_walls(arm, times[i], ev))
    event_of = [alloc.event for _, alloc in built]
    losses = [float(fit.follow_up.loss) for fit, _ in built]

    # the guards protect every published number but the p: a p is often a stratified test's
    # (no unstratified rebuild gives it), and it must not veto placing the HR CI limits or
    # the median CI limits; it is self-checked and warned at the end
    guard_hr = replace(hr, p_value=None) if hr is not None and hr.p_value is not None else hr

    def missed_at(how: HazardRatioMatch):
        """The guard of the steps below: :func:`_missed` of a candidate's times."""
        return functools.partial(_missed, arms, event_of, guard_hr, how, endpoint, losses,
                                 trial_follow_up)

    if own_follow_up and trial_follow_up is not None:
        # the trial's figure is the pooled reverse KM's: its censorings settle the same way
        walls = np.concatenate([_published_walls(a, t, e)
                                for a, t, e in zip(arms, times, event_of, strict=True)])
        times = _settle_pooled_follow_up(arms, times, event_of, walls, trial_follow_up,
                                         missed_at(hr_how))
    bend = hr is not None and len(arms) == 2
    if bend:
        times, hr_how = _bend_to_hr(arms, times, event_of, hr, hr_how, follow_up=own_follow_up)
    missed = missed_at(hr_how)
    if own_follow_up:
        # after the bend every event of either arm is a wall: no risk set of the KM, its
        # bands or the Cox model changes (the settling moves censorings only)
        walls = np.concatenate([t[e == 1] for t, e in zip(times, event_of, strict=True)])
        if bend:
            times = [_settle_follow_up(a, t, e, walls)
                     for a, t, e in zip(arms, times, event_of, strict=True)]
        if trial_follow_up is not None:
            times = _settle_pooled_follow_up(arms, times, event_of, walls, trial_follow_up,
                                             missed)
    times = _pin_median_cis(arms, times, event_of, missed, hr, endpoint)
    times, hr_how = _pin_hr_ci(arms, times, event_of, hr, hr_how, endpoint, missed)
    frames, diag_arms = [], []
    for i, (arm, d, how, (fit, alloc)) in enumerate(
        zip(arms, events, events_how, built, strict=True)
    ):
        frames.append(pd.DataFrame({"time": times[i].astype(float),
                                    "event": alloc.event.astype(int)}))
        diag_arms.append(ArmDiagnostics(
            arm=arm.name, n=arm.n, events=d, events_source=how,
            follow_up=fit.follow_up.how,
            tail_hazard_multiplier=float(fit.curve.theta),
            loss_to_follow_up=float(fit.follow_up.loss),
            tail_start=float(fit.curve.tail_start),
            anchors=tuple((a.kind, float(a.time), round(float(a.survival), 4))
                          for a in anchors[i]),
            shape_notes=tuple(fit.curve.notes),
        ))
    return frames, diag_arms, hr_how


def check_rebuild(arms: Sequence[ArmSummary], labels: Sequence[str],
                  frames: Sequence[pd.DataFrame], hr: HazardRatio | None,
                  hr_how: HazardRatioMatch, *, endpoint: object,
                  losses: Sequence[float] | None = None,
                  median_follow_up: float | None = None) -> tuple[Check, ...]:
    """Every published number of a single rebuild, recomputed (:func:`self_check` with the
    median and HR CI limits, the HR's p and the follow-up).

    The median follow-up is checked for an endpoint named overall survival, as
    :func:`lmssurv.check` does: a progression endpoint's published follow-up is the trial's,
    not the reverse KM of its times, and an unnamed endpoint may be either (the engine still
    fits it as overall survival's). ``losses`` are the arms' loss-to-follow-up hazards.
    ``median_follow_up``, the trial's (see :func:`reconstruct_trial`), is checked against the
    arms pooled, instead of each arm whose value it is.
    """
    return self_check(arms, labels, frames, hr, hr_how, intervals=True,
                      median_follow_up=endpoint_kind(endpoint) == "os",
                      longest_follow_up=True, losses=losses, trial_follow_up=median_follow_up)


def _finish(arms, labels, frames, diag_arms, hr, hr_how, *, strict: bool, endpoint,
            trial_follow_up: float | None = None) -> ReconstructionDiagnostics:
    """Self-check every reported number (:func:`check_rebuild`) and warn (or raise) for each
    miss."""
    diag_arms = [replace(d, arm=label) for d, label in zip(diag_arms, labels, strict=True)]
    checks = check_rebuild(arms, labels, frames, hr, hr_how, endpoint=endpoint,
                           losses=[d.loss_to_follow_up for d in diag_arms],
                           median_follow_up=trial_follow_up)
    diag = ReconstructionDiagnostics(tuple(diag_arms), hr_how, checks)
    report(diag, strict=strict, stacklevel=3)
    return diag


def _pin_median_cis(arms, times, events, missed, hr=None, endpoint=None) -> list[np.ndarray]:
    """Each arm's median CI limits put on the published ones where the band crossed 0.5 a
    few events away (:func:`~lmssurv.reconstruct.patients.pin_median_ci`), keeping every
    other published number the self-check finds reproduced (``missed``: :func:`_missed` of
    the rebuild). Where the moves would lose only the HR or its CI limits (an event moved
    in a small arm shifts the Cox fit past their rounding), censorings are moved as
    :func:`_pin_hr_ci` moves them to win those back, and the whole is kept only when nothing
    is lost."""
    if not any(arm.median_ci for arm in arms):
        return times
    # the misses before any move, found only when a limit is missed (pin_median_ci asks accept
    # only then): the engine's self-check runs once more after this step anyway
    before = functools.cache(lambda: missed(list(times)))
    for i, arm in enumerate(arms):
        def accept(candidate, i=i) -> bool:
            return missed([candidate if k == i else t for k, t in enumerate(times)]) <= before()
        times[i], moved = pin_median_ci(times[i], events[i], arm.median_ci, accept)
        if moved or hr is None or hr.lower is None or hr.upper is None or len(arms) != 2:
            continue
        trial, moved = pin_median_ci(times[i], events[i], arm.median_ci)
        if not moved:
            continue
        candidate = [trial if k == i else t for k, t in enumerate(times)]
        lost = missed(candidate) - before()
        if not lost or not all(q in _HR_QUANTITIES for q, _, _ in lost):
            continue
        fixed, n = pin_hr_ci(candidate, events, _hr_ci_walls(arms, endpoint), hr,
                             lambda c, lost=lost: (missed(c) - before()) <= lost)
        if n and missed(fixed) <= before():
            times[:] = fixed  # in place: accept() reads the arms' current times
    return times


_HR_QUANTITIES = ("hazard ratio", "HR CI lower", "HR CI upper")


def _missed(arms, events, hr, hr_how, endpoint, losses, trial_follow_up, times) -> set:
    """The published numbers :func:`check_rebuild` finds missed in ``times``, as keys."""
    frames = [pd.DataFrame({"time": t, "event": e}) for t, e in zip(times, events, strict=True)]
    labels = [str(i) for i in range(len(arms))]
    return {(c.quantity, c.arm, c.time)
            for c in check_rebuild(arms, labels, frames, hr, hr_how, endpoint=endpoint,
                                   losses=losses, median_follow_up=trial_follow_up)
            if not c.hit}


def _pin_hr_ci(arms, times, events, hr: HazardRatio | None, hr_how: HazardRatioMatch,
               endpoint: object, missed) -> tuple[list[np.ndarray], HazardRatioMatch]:
    """The Cox Wald CI put on the published HR CI limits by moving censorings across event
    times (:func:`~lmssurv.reconstruct.patients.pin_hr_ci`), kept only when the limits are
    then reproduced and no other published number the self-check finds reproduced is lost;
    then, from there, the log-rank p on a published p the same way, with or without a CI
    (``pin_hr_ci`` with ``p_value``, which leaves another test's p alone). The limits come
    first, so a p out of reach costs none. The HR is reproduced then too: where the bend
    could not reach it, the match becomes ``BENT`` (censoring times moved between the
    published points), as after the bend."""
    if hr is None or len(arms) != 2:
        return times, hr_how
    walls, total = _hr_ci_walls(arms, endpoint), 0
    for p_value in (False, True):
        before = functools.cache(lambda times=times: missed(times))  # once a move is offered
        times, moved = pin_hr_ci(times, events, walls, hr,
                                 lambda candidate, before=before: missed(candidate) <= before(),
                                 p_value=p_value)
        total += moved
    if total and hr_how in (HazardRatioMatch.OUT_OF_REACH, HazardRatioMatch.SHORT,
                            HazardRatioMatch.NOT_ESTIMABLE):
        hr_how = HazardRatioMatch.BENT
    return times, hr_how


def _se_source(hr: HazardRatio | None) -> HazardRatio | None:
    """The HR whose CI gives the standard error of log HR that unreported event counts are
    inferred from (:func:`_infer_events`, :func:`_refine_events`): the published CI, or,
    with only a p published, the Wald CI that p implies (:func:`~lmssurv.summary.ci_from_p`;
    Tierney et al. 2007), the only published number on the SE then. None without either (or
    for an HR of exactly 1, whose p says nothing about the SE). The published p, not these
    limits, is what the self-check compares."""
    if hr is None or hr.lower is not None:
        return hr
    if hr.p_value is None or hr.p_value >= 1 or hr.estimate == 1:
        return None
    return HazardRatio(hr.estimate, *ci_from_p(hr.estimate, hr.p_value, hr.level),
                       level=hr.level)


def _hr_ci_walls(arms, endpoint: object) -> list[list[float]]:
    """Each arm's published times, sorted, that :func:`pin_hr_ci`'s censorings may not cross:
    a censoring crossing a checked median follow-up moves the reverse KM's median too."""
    own_fu = endpoint_kind(endpoint) == "os"
    return [sorted({*pinned_times(a), *([a.median_follow_up] if own_fu and a.median_follow_up
                                        else [])}) for a in arms]


def _reach_longest(arm: ArmSummary, time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """The longest censoring moved to the published longest follow-up, when no event follows
    it: the censoring times are drawn from the follow-up model, so the longest falls short of
    the model's end, and past every event a censoring's time changes no Kaplan-Meier level,
    no number at risk at an event of its arm, and no published median, limit or landmark.
    In an arm where every patient has an event (an inferred count can be ``n``), the last
    event goes there instead when it lies past every published time.
    """
    if arm.max_follow_up is None or not time.size:
        return time
    if not np.any(event == 0):
        # everyone has an event: the last one ends the follow-up, unless that moves a
        # published point (the KM is 0 from the last event on)
        k = int(np.argmax(time))
        pins = pinned_times(arm)
        if time[k] >= arm.max_follow_up or (pins and time[k] <= pins[-1]):
            return time
    else:
        k = int(np.argmax(np.where(event == 0, time, -np.inf)))
        if time[k] >= arm.max_follow_up or np.any(time[event == 1] > time[k]):
            return time
    out = time.copy()
    out[k] = arm.max_follow_up
    return out


def _settle_follow_up(arm: ArmSummary, time: np.ndarray, event: np.ndarray,
                      walls: np.ndarray) -> np.ndarray:
    """The censorings around the reverse-KM median moved within their gap, so that the
    median follow-up lands on the published one where the gap allows.

    The gap is bounded by the ``walls`` (event times no censoring may cross), the arm's
    published times and its longest time: a censoring that crosses none of them changes no
    number at risk at a wall or a published time. Inside, the censorings are mapped piecewise
    linearly, their order kept, with the reverse-KM median's image found by bisection (every
    censoring time rises with it, so the median does too). ``time`` comes back unchanged when
    the published value is reproduced or out of the gap's reach.
    """
    if arm.median_follow_up is None or not time.size:
        return time
    fixed = np.concatenate([walls, pinned_times(arm), [float(time.max())]])
    return _settle(arm.median_follow_up, time, event, fixed)


def _published_walls(arm: ArmSummary, time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """The event times a censoring settling on the median follow-up may not cross before the
    HR bend: those up to the arm's last published time (the tail's events are free: the bend
    then matches the HR)."""
    pins = pinned_times(arm)
    return time[(event == 1) & (time <= (pins[-1] if pins else 0.0))]


def _settle_pooled_follow_up(arms: Sequence[ArmSummary], times: list[np.ndarray],
                             events: list[np.ndarray], walls: np.ndarray, m: float,
                             missed) -> list[np.ndarray]:
    """:func:`_settle_follow_up` for a median follow-up published for the whole trial: the
    censorings of both arms around the pooled reverse-KM median moved within their gap toward
    ``m``. Every arm's published times and longest time bound the gap too, so no arm's
    published point or longest follow-up moves; the move is kept only when ``missed``
    (:func:`_missed` of the rebuild) loses no published number to it.
    """
    sizes = [t.size for t in times]
    if not sum(sizes):
        return times
    fixed = np.concatenate([walls, *(np.asarray(pinned_times(a), float) for a in arms),
                            [float(t.max()) for t in times if t.size]])
    time, event = np.concatenate(times), np.concatenate(events)
    out = _settle(m, time, event, fixed)
    if out is time:
        return times
    settled = np.split(out, np.cumsum(sizes)[:-1])
    return settled if missed(settled) <= missed(times) else times


def _settle(m: float, time: np.ndarray, event: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """The censorings strictly between the two ``bounds`` around the reverse-KM median of
    ``time``/``event`` mapped so that it lands within :func:`follow_up_tolerance` of ``m``
    (see :func:`_settle_follow_up`); ``time`` itself when it is there already or cannot be."""
    r = reverse_km_median(time, event)  # None when no one is censored
    if r is None or abs(r - m) <= follow_up_tolerance(m, time, event):  # follow_up_reproduced
        return time
    lo = float(bounds[bounds <= r].max(initial=0.0))
    hi = float(bounds[bounds > r].min(initial=np.inf))
    inside = (event == 0) & (time > lo) & (time < hi)
    if not lo < r < hi or not inside.any():
        return time
    x_lo, x_hi = lo, hi
    c = time[inside]
    for _ in range(30):
        x = 0.5 * (x_lo + x_hi)
        out = time.copy()
        out[inside] = np.where(c <= r, lo + (c - lo) * (x - lo) / (r - lo),
                               x + (c - r) * (hi - x) / (hi - r))
        now = reverse_km_median(out, event)  # censorings remain: the reverse KM is defined
        if now is not None and abs(now - m) <= follow_up_tolerance(m, out, event):
            return out  # follow_up_reproduced, without a second reverse KM
        if now is None or now > m:
            x_hi = x
        else:
            x_lo = x
    return time


def _bend_to_hr(arms, times, events, hr: HazardRatio, hr_how: HazardRatioMatch, *,
                follow_up: bool = True):
    """Bend the finished pseudo-data between published points until the Cox HR is matched.

    The last step (see :mod:`lmssurv.reconstruct.hr_match`): no published median, CI limit or
    landmark moves. With ``follow_up``, the median follow-up does not move either: where one
    is published, the censoring at the reverse-KM median is one more fixed time, and since
    the bend keeps every patient's order, the reverse KM median stays there (unpinned, the
    tail's bend moved it by up to 15% on the tuning trials, in opposite directions in the two
    arms), unless only the free bend matches the HR. Returns the times and the match status
    (``BENT`` when bending hit).
    """
    tol = rounding_tolerance(hr.estimate, min_decimals=2)
    before = cox_two_arms(times[0], events[0], times[1], events[1])
    if math.isfinite(before.hr) and abs(before.hr - hr.estimate) <= tol:
        return times, hr_how

    def bend(hold_follow_up: bool):
        regions = []
        for a, t, e in zip(arms, times, events, strict=True):
            pins = pinned_times(a)
            if hold_follow_up and a.median_follow_up is not None:
                r = reverse_km_median(t, e)
                if r is not None:
                    pins = tuple(sorted({*pins, float(r)}))
            regions.append(intervals(pins, float(t.max())) if t.size else [])
        out = match_published_hr(times, events, regions, hr.estimate, tol)
        return out, abs(out.hr - hr.estimate) <= tol

    out, hit = bend(follow_up)
    if follow_up and not hit:
        # the published HR comes first: the median follow-up may move if that matches it
        free, free_hit = bend(False)
        if free_hit:
            out, hit = free, free_hit
    if out.log_power == 0.0:
        return times, hr_how
    return list(out.times), HazardRatioMatch.BENT if hit else hr_how


def _cox_of(built) -> tuple[float, float]:
    (_, a0), (_, a1) = built
    r = cox_two_arms(a0.time, a0.event, a1.time, a1.event)
    return r.log_hr, r.se


def _refine_events(run, built, hr_how, events, inferred, feasible, arms, hr):
    """Rescale events inferred from the HR's CI until the pseudo-data's Cox SE matches it.

    ``4 / se^2`` assumes balanced risk sets; away from HR = 1 the Cox information per event
    is lower, so the pseudo-data's CI comes out wider than the published one. Each round
    scales the inferred counts by ``(se_rebuilt / se_published)^2`` and keeps the result only
    if the HR stays as close to the published one as before.
    """
    target = hr.log_estimate
    beta, se = _cox_of(built)
    for _ in range(_SE_ROUNDS):
        ratio = (se / hr.se_log) ** 2
        if not math.isfinite(ratio) or abs(ratio - 1) < _SE_TOLERANCE:
            break
        new = list(events)
        for i in inferred:
            lo, hi = feasible[i]
            new[i] = int(min(max(round(min(max(events[i] * ratio, lo), hi)), 1), arms[i].n))
        if new == events:
            break
        candidate, how = run(new)
        beta_new, se_new = _cox_of(candidate)
        if abs(beta_new - target) > max(abs(beta - target), _HR_TOLERANCE):
            break  # more events would cost the HR: keep the counts from the CI width
        built, hr_how, events, beta, se = candidate, how, new, beta_new, se_new
    return built, hr_how, events


def _ci_pins(arm: ArmSummary) -> tuple | None:
    """The published median CI with each limit at a landmark's time moved just after it.

    Rounded values coincide (CI 24.0-32.6 with S(24) reported). Pinned at the limit itself,
    the event there counts in the landmark's Kaplan-Meier level, a step the polish cannot
    undo without moving the limit. Moved as :func:`~lmssurv.reconstruct.shape.median_time`
    moves a median (by 0.2%, never past 0.4 of the limit's rounding), it still rounds to the
    published limit and the landmark reads the level before it. None when nothing moves.
    """
    if arm.median_ci is None:
        return None
    out = []
    for t in arm.median_ci:
        if t is not None and any(abs(t - lm) < 1e-9 for lm in arm.landmarks):
            t = t + min(t * _CI_NUDGE, 0.4 * rounding_tolerance(t))
        out.append(t)
    out = tuple(out)
    return None if out == tuple(arm.median_ci) else out


def place_ci_limits(arm: ArmSummary, attempt) -> tuple[Allocation, tuple | None]:
    """Allocate with the median CI limits pinned by the one rule both engines follow.

    ``attempt(pins)`` allocates the arm's patients with the median CI limits ``pins``.
    A limit at a landmark's time (:func:`_ci_pins`) puts the event there at the limit or just
    after it, whichever brings the KM closer to the landmark (after it for the lower limits
    of sim0133 and sim0035 of the simulated test bed; at it for SQUIRE_2B's upper limit 6.0
    of the real one, where the events before the limit hold the band above 0.5). Returns the
    allocation and the pins it used.
    """
    pins = arm.median_ci
    alloc = attempt(pins)
    moved = _ci_pins(arm)
    if moved is not None:
        after = attempt(moved)
        if _landmark_gap(arm, after) < _landmark_gap(arm, alloc):
            alloc, pins = after, moved
    return alloc, pins


def _landmark_gap(arm: ArmSummary, alloc: Allocation) -> float:
    """The largest distance of the allocation's KM from the published rates at the landmarks
    that sit at a median CI limit."""
    times = [t for t in arm.landmarks
             if any(c is not None and abs(c - t) < 1e-9 for c in arm.median_ci or ())]
    t, _, _, km = km_levels(alloc.time, alloc.event)
    at = km_at(t, km, np.array(times))
    return float(np.max(np.abs(at - np.array([arm.landmarks[x] for x in times]))))


def _fit_and_place(arm: ArmSummary, curve: ArmCurve, follow_up: FollowUpModel, events: int,
                   u: np.ndarray, kind: str | None) -> tuple[TailFit, Allocation]:
    """Reconcile the tail with the events (:func:`~lmssurv.reconstruct.patients.calibrate_tail`)
    and place the patients.

    Fewer events than the tail at half the last reported stretch's hazard gives are patients
    lost to follow-up before the tail falls further (``lose_first``): real trials lose patients
    early, while the follow-up model censors late, and lowering the tail instead sent a quarter
    of the real-trial test bed's tuning arms with reported follow-up and events to the floor
    (a tail above the truth). Losses spread over the follow-up shorten its reverse-KM median,
    though, and for overall survival that median is the published median follow-up: when the
    placed patients no longer reproduce it and the tail-first order would, that order wins.
    """
    fit = calibrate_tail(curve, follow_up, arm.n, events, not_reached=arm.median_not_reached,
                         lose_first=True)
    placed = _place(arm, fit, events, u)
    if kind == "pfs" or fit.follow_up.loss <= follow_up.loss:
        return placed
    if follow_up_reproduced(arm.median_follow_up, placed[1].time, placed[1].event):
        return placed
    fit = calibrate_tail(curve, follow_up, arm.n, events, not_reached=arm.median_not_reached)
    other = _place(arm, fit, events, u)
    if follow_up_reproduced(arm.median_follow_up, other[1].time, other[1].event):
        return other
    return placed


def _place(arm: ArmSummary, fit: TailFit, events: int, u: np.ndarray
           ) -> tuple[TailFit, Allocation]:
    """Allocate the patients; steepen the tail while events spill past the last censoring.

    The tail matches the events in expectation, but the last few events of a discrete
    allocation can still come after the last censoring; they are then pulled in where only
    a handful of patients remain at risk, a cliff in the KM. Raising the tail hazard a little
    brings them back among the patients still followed.
    """
    t_cap = min(fit.follow_up.longest, arm.max_follow_up or math.inf)

    def attempt(fit: TailFit, pins) -> Allocation:
        censored = np.minimum(censoring_times(fit.curve, fit.follow_up, u), t_cap)
        return allocate(fit.curve, censored, arm.n, events, median_time(arm), pins,
                        not_reached=arm.median_not_reached, t_cap=t_cap)

    alloc, pins = place_ci_limits(arm, lambda pins: attempt(fit, pins))
    for _ in range(_SPILL_STEPS):
        if (not alloc.events_pulled_into_follow_up or arm.median_not_reached
                or events == arm.n):
            break
        theta = fit.curve.theta * _SPILL_FACTOR
        fit = TailFit(fit.curve.with_theta(theta), fit.follow_up,
                      f"{fit.how}; tail x{theta:.3g} so the last events fall in follow-up",
                      fit.strain)
        alloc = attempt(fit, pins)
    return fit, alloc


def _match_hazard_ratio(build, built, target: float):
    """Shift the arms' hazards outside their reported points until the Cox HR is the target.

    A shift (log cumulative hazard, half on each arm, in opposite directions) acts first after
    each arm's last anchor (``phi``), then, if that is not enough, before its first anchor
    (``psi``), so every published median, CI limit and landmark stays where it is; the event
    counts are re-matched at each step. The arms' own numbers come first: a shift stops where
    matching the events would need a more extreme tail than without it (see _MAX_HR_STRAIN).
    """
    cache: dict[tuple[float, float], tuple] = {}

    def evaluate(phi: float, psi: float) -> tuple:
        key = (phi, psi)
        if key not in cache:
            parts = build(phi, psi) if key != (0.0, 0.0) else built
            cache[key] = (parts, _cox_of(parts)[0], max(fit.strain for fit, _ in parts))
        return cache[key]

    _, start, strain0 = evaluate(0.0, 0.0)
    if not math.isfinite(start):
        return built, HazardRatioMatch.NOT_ESTIMABLE
    allowed = max(strain0, _MAX_HR_STRAIN)

    def solve(fn, limit: float) -> tuple[float, bool]:
        """Root of fn(v) - target on [-limit, limit] within the allowed strain."""
        def gap(v: float) -> float:
            return fn(v)[1] - target

        def miss(v: float) -> float:  # a shift where the Cox fit is not estimable: no use
            return abs(gap(v)) if math.isfinite(gap(v)) else math.inf
        bracket = next((b for b in (limit, -limit) if gap(b) * gap(0.0) <= 0), None)
        if bracket is None:
            v = min((-limit, limit, 0.0), key=miss)
        else:
            v = _illinois(gap, 0.0, bracket, _HR_TOLERANCE)
        short = fn(v)[2] > allowed
        if short:
            inside, outside = 0.0, v
            for _ in range(10):
                mid = 0.5 * (inside + outside)
                inside, outside = (mid, outside) if fn(mid)[2] <= allowed else (inside, mid)
            v = inside
        if miss(v) >= abs(gap(0.0)):  # a shift that does not bring the HR closer: none
            return 0.0, False
        return v, short

    phi = psi = 0.0
    short = False
    if abs(start - target) >= _HR_TOLERANCE:
        phi, short = solve(lambda v: evaluate(v, 0.0), _PHI_MAX)
        if _PSI_MAX and abs(evaluate(phi, 0.0)[1] - target) >= _HR_TOLERANCE:
            psi, short = solve(lambda v: evaluate(phi, v), _PSI_MAX)
    parts, log_hr, _ = evaluate(phi, psi)
    if abs(log_hr - target) >= _HR_TOLERANCE and abs(log_hr - target) > abs(start - target) / 2:
        return parts, HazardRatioMatch.OUT_OF_REACH
    if (phi, psi) == (0.0, 0.0):
        return parts, HazardRatioMatch.NO_SHIFT
    return parts, HazardRatioMatch.SHORT if short else HazardRatioMatch.SHIFTED


def _illinois(fn, a: float, b: float, ftol: float, max_iter: int = 12) -> float:
    """Root of ``fn`` bracketed by ``a`` and ``b``, stopping once ``|fn| < ftol``.

    The Illinois variant of regula falsi (Dowell & Jarratt 1971): near-linear functions, like
    the Cox log HR against a hazard shift, converge in a few evaluations, each of which is a
    whole reconstruction here.
    """
    fa, fb = fn(a), fn(b)
    if abs(fa) < ftol:
        return a
    if abs(fb) < ftol:
        return b
    for _ in range(max_iter):
        c = (a * fb - b * fa) / (fb - fa)
        fc = fn(c)
        if not math.isfinite(fc):
            # the Cox fit is not estimable there (arms of a few patients): stop at the last
            # estimable point instead of carrying a nan into the next step (the caller keeps
            # it only when it brings the HR closer)
            return b
        if abs(fc) < ftol:
            return c
        if fc * fb < 0:
            a, fa = b, fb
        else:
            fa /= 2  # the Illinois step: keeps the stale end from stalling convergence
        b, fb = c, fc
    return b


def fit_pieces(arms: list[ArmSummary], hr: HazardRatio | None = None, *, seed: object = 0,
               endpoint: str | None = None, trial_follow_up: float | None = None):
    """One reconstruction and the fitted pieces behind it, for ensembles of draws.

    Returns ``(frames, arm_diagnostics, hr_match, pieces)``: the rows of each arm (as
    :func:`reconstruct_trial` builds them, before the self-check), their
    :class:`~lmssurv.reconstruct.diagnostics.ArmDiagnostics`, the
    :class:`~lmssurv.reconstruct.diagnostics.HazardRatioMatch`, and per arm a tuple
    ``(TailFit, events, EventsSource)``: the curve (tail multiplier and HR shifts included),
    the follow-up model and the event count the rows were placed from.
    :mod:`lmssurv.reconstruct.ensemble` perturbs these instead of refitting them per draw.
    ``trial_follow_up`` is the trial's median follow-up in months (see
    :func:`with_trial_follow_up`).
    """
    keep: list = []
    frames, diag_arms, hr_how = _reconstruct(list(arms), hr, seed, endpoint, keep=keep,
                                             trial_follow_up=trial_follow_up)
    return frames, diag_arms, hr_how, keep


def with_trial_follow_up(control: ArmSummary, experimental: ArmSummary,
                         median_follow_up: float | None, unit: str = "months"
                         ) -> tuple[ArmSummary, ArmSummary, float | None]:
    """The arms (in months) with a trial-level median follow-up given to each that has none of
    its own, and that follow-up in months (None when not given): ``reconstruct_trial`` and
    ``reconstruct_ensemble``'s ``median_follow_up=``, validated.
    """
    if median_follow_up is None:
        return control, experimental, None
    trial_fu = check_positive(
        "median_follow_up", median_follow_up,
        hint="It is the trial's median follow-up (both arms pooled), in the arms' time unit; "
             "e.g. median_follow_up=56.0, or None when the paper gives none.",
    ) * months_per(unit)
    longest = [a.max_follow_up for a in (control, experimental)]
    if None not in longest and trial_fu > max(longest):
        raise InputError(
            f"median_follow_up ({median_follow_up:g}) exceeds both arms' max_follow_up "
            f"({max(longest) / months_per(unit):g}); check that they are in the same unit."
        )
    control, experimental = (a if a.median_follow_up is not None
                             else replace(a, median_follow_up=trial_fu)
                             for a in (control, experimental))
    return control, experimental, trial_fu


def reconstruct_arm(summary: ArmSummary, *, seed: int = 0, endpoint: str | None = None,
                    time_unit: str = "months", strict: bool = False) -> pd.DataFrame:
    """Rebuild one arm's pseudo-patient data from its published summary.

    Parameters
    ----------
    summary : ArmSummary
        What the paper reports for the arm (times in months).
    seed : int
        Seed of the only random step (the jitter of censoring times). The same inputs and seed
        give the same rows; other seeds give other plausible reconstructions.
    endpoint : str, optional
        ``"os"`` or a progression/relapse endpoint (``"pfs"``, ``"dfs"``, ``"efs"``, ...):
        sets the curve's shape before the first reported point to what real trials of that
        kind show, given the first reported time and, for OS, the slope of the reported curve
        (``lmssurv.reconstruct.shape.early_slope_for``);
        None uses a pooled value.
    time_unit : {"months", "days", "weeks", "years"}
        Unit of the summary's times, converted to months once before the engine runs
        (:meth:`ArmSummary.to_months`); the rows are in months, and ``df.attrs["time_unit"]``
        says so when another unit came in.
    strict : bool
        Raise :class:`~lmssurv.reconstruct.diagnostics.ReconstructionError` instead of warning
        when a published number is not reproduced.

    Returns
    -------
    pandas.DataFrame
        Columns ``time`` (months) and ``event`` (1 = event, 0 = censored), exactly ``summary.n``
        rows and, when reported, exactly ``summary.events`` events. ``df.attrs["lmssurv"]`` holds
        a :class:`~lmssurv.reconstruct.diagnostics.ReconstructionDiagnostics`: inferred events
        and their source, the follow-up model, the tail calibration, the anchors, and every
        published number recomputed from the rows (``.to_frame()``, ``.misses``).

    Warns
    -----
    ReconstructionWarning
        Once per published number (n, events, median, landmark, HR) that the rows do not
        reproduce at its reported precision, naming both values and the reason.

    Notes
    -----
    The Kaplan-Meier curve of the result passes through the reported median (exactly: the
    event that takes it to 0.5 is placed at the median) and within half a Kaplan-Meier step of
    each landmark rate. See :mod:`lmssurv.reconstruct.shape` for the curve model.

    Examples
    --------
    >>> from lmssurv import ArmSummary, reconstruct_arm
    >>> arm = ArmSummary(n=76, events=60, median=24.0, median_ci=(19.0, 31.0),
    ...                  landmarks={24: 0.49}, median_follow_up=55.0, accrual=26.0)
    >>> ipd = reconstruct_arm(arm, seed=0)
    >>> len(ipd), int(ipd.event.sum())
    (76, 60)
    >>> weeks = ArmSummary(n=60, events=45, median=26.0, landmarks={52: 0.3})
    >>> ipd = reconstruct_arm(weeks, seed=0, time_unit="weeks")
    >>> len(ipd), int(ipd.event.sum()), ipd.attrs["time_unit"].split(",")[0]
    (60, 45, 'input times in weeks')
    """
    if not isinstance(summary, ArmSummary):
        raise InputError(f"summary must be an ArmSummary, got {type(summary).__name__}.")
    unit = unit_name(time_unit)
    summary = summary.to_months(unit)
    frames, diag_arms, hr_how = _reconstruct([summary], None, seed, endpoint)
    df = frames[0]
    df.attrs["lmssurv"] = _finish([summary], [summary.name], frames, diag_arms, None, hr_how,
                                  strict=strict, endpoint=endpoint)
    return _note_unit(df, unit)


def reconstruct_trial(
    control: ArmSummary,
    experimental: ArmSummary,
    *,
    hr: HazardRatio | None = None,
    seed: int = 0,
    endpoint: str | None = None,
    time_unit: str = "months",
    strict: bool = False,
    median_follow_up: float | None = None,
) -> pd.DataFrame:
    """Rebuild both arms of a two-arm trial, sharing shape information under proportional hazards.

    Parameters
    ----------
    control, experimental : ArmSummary
        Published summaries of the two arms (times in months).
    hr : HazardRatio, optional
        Published hazard ratio, experimental vs control. Its CI width gives the total number of
        events when the arms do not report them (var log HR ~ 1/d1 + 1/d2; Parmar et al. 1998),
        and it places an arm that reports no survival point of its own.
    seed : int
        Seed of the only random step; see :func:`reconstruct_arm`.
    endpoint : str, optional
        ``"os"``, ``"pfs"`` (or another progression endpoint), or None; see
        :func:`reconstruct_arm`.
    time_unit : {"months", "days", "weeks", "years"}
        Unit of both summaries' times; see :func:`reconstruct_arm`. The rows are in months.
    strict : bool
        Raise instead of warning when a published number is not reproduced.
    median_follow_up : float, optional
        The trial's median follow-up (in ``time_unit``), when the paper gives one figure for
        both arms together. An arm without a ``median_follow_up`` of its own takes it as its
        follow-up model's input. For overall survival the rows are placed and self-checked on
        it as the reverse-KM median of both arms pooled, as :func:`lmssurv.check` compares it,
        instead of on each arm's own reverse KM; an arm whose ``median_follow_up`` differs
        from it is still checked on its own.

    Returns
    -------
    pandas.DataFrame
        Columns ``arm`` (the arm's label, or "control"/"experimental" without one), ``time``
        (months) and ``event`` (0/1); diagnostics in ``df.attrs["lmssurv"]`` (see
        :func:`reconstruct_arm`), including the Cox HR (Efron ties) of the rows.

    Warns
    -----
    ReconstructionWarning
        Once per published number the rows do not reproduce (see :func:`reconstruct_arm`).

    Notes
    -----
    Each arm's curve passes through its own reported points; between and beyond them it
    follows a shape fitted to both arms' points at once, so where the papers' numbers are not
    proportional the arms' own numbers win.

    Examples
    --------
    >>> from lmssurv import ArmSummary, HazardRatio, reconstruct_trial
    >>> c = ArmSummary(n=76, events=60, median=24.0, median_ci=(19.0, 31.0),
    ...                landmarks={24: 0.49}, median_follow_up=55.0, label="Doxorubicin")
    >>> e = ArmSummary(n=74, events=47, median=33.0, median_ci=(26.0, 48.0),
    ...                landmarks={24: 0.68}, median_follow_up=55.0)
    >>> ipd = reconstruct_trial(c, e, hr=HazardRatio(0.65, 0.44, 0.95), seed=0)
    >>> ipd.groupby("arm", sort=False).event.sum().to_dict()
    {'Doxorubicin': 60, 'experimental': 47}
    """
    for name, arm in (("control", control), ("experimental", experimental)):
        if not isinstance(arm, ArmSummary):
            raise InputError(f"{name} must be an ArmSummary, got {type(arm).__name__}.")
    hr = require_hazard_ratio(hr)
    unit = unit_name(time_unit)
    control, experimental = control.to_months(unit), experimental.to_months(unit)
    control, experimental, trial_fu = with_trial_follow_up(control, experimental,
                                                           median_follow_up, unit)
    labels = [control.label or "control", experimental.label or "experimental"]
    if labels[0] == labels[1]:
        raise InputError(
            f"both arms are labelled {labels[0]!r}; give them different labels."
        )
    frames, diag_arms, hr_how = _reconstruct([control, experimental], hr, seed, endpoint,
                                             trial_follow_up=trial_fu)
    diag = _finish([control, experimental], labels, frames, diag_arms, hr, hr_how,
                   strict=strict, endpoint=endpoint, trial_follow_up=trial_fu)
    out = pd.concat(
        [f.assign(arm=label)[["arm", "time", "event"]] for f, label in zip(frames, labels,
                                                                           strict=True)],
        ignore_index=True,
    )
    out.attrs["lmssurv"] = diag
    return _note_unit(out, unit)
