"""Pseudo-patient data from published summary numbers only (no Kaplan-Meier figure).

Data flow: follow-up facts -> a follow-up model per arm; medians, median CIs and landmark rates
-> anchors; anchors of all arms -> target curves sharing one shape (proportional hazards lets each
arm's points shape the other's curve); event counts (reported, or inferred from the HR's CI) ->
the tail of each curve; curve + follow-up -> pseudo-patients with exact n and events.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize

from lmssurv._validation import InputError
from lmssurv.reconstruct._cox import cox_log_hr
from lmssurv.reconstruct.censoring import follow_up_model
from lmssurv.reconstruct.patients import allocate, calibrate_tail, censoring_times, expected_events
from lmssurv.reconstruct.shape import anchors_for_arm, fit_curves
from lmssurv.summary import ArmSummary, HazardRatio

__all__ = ["reconstruct_arm", "reconstruct_trial"]

# Matching the reported HR: stop within this distance on the log scale (a reported HR is
# rounded to 2 decimals, ~0.007 on the log scale near 0.7), and shift the free regions by at
# most this much (a factor of e^1.5 ~ 4.5 on the cumulative hazard there).
_HR_TOLERANCE = 0.002
_PHI_MAX = 1.5


def _check_seed(seed: object) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(
            f"seed must be a non-negative whole number, got {seed!r}; e.g. seed=0."
        )
    return np.random.SeedSequence(int(seed))


def _infer_events(
    arms: list[ArmSummary], expected: list[float], hr: HazardRatio | None
) -> tuple[list[int], list[str]]:
    """Reported events, or events inferred from the HR's CI width and the arms' curves."""
    events: list[int | None] = [a.events for a in arms]
    how = ["reported" if e is not None else "" for e in events]
    missing = [i for i, e in enumerate(events) if e is None]
    if not missing:
        return events, how  # type: ignore[return-value]
    se = hr.se_log if hr is not None else None
    if se is not None and len(arms) == 2:
        if len(missing) == 2:
            # 1/d1 + 1/d2 = se^2 with d1/d2 from the curves (Parmar 1998; Tierney 2007).
            ratio = expected[0] / max(expected[1], 1e-9)
            d2 = (1 + 1 / ratio) / se**2
            guess = [ratio * d2, d2]
            for i in missing:
                events[i] = guess[i]
                how[i] = (f"inferred: HR CI width gives {sum(guess):.0f} events in all "
                          "(var log HR = 1/d1 + 1/d2), split by the arms' curves and follow-up")
        else:
            i, j = missing[0], 1 - missing[0]
            rest = se**2 - 1.0 / events[j]
            if rest > 0:
                events[i] = 1.0 / rest
                how[i] = ("inferred: HR CI width (var log HR = 1/d1 + 1/d2) with the other "
                          "arm's reported events")
    for i in missing:
        if events[i] is None:
            events[i] = expected[i]
            how[i] = "inferred: expected under the curve and the follow-up model"
    out = []
    for i, (arm, e) in enumerate(zip(arms, events, strict=True)):
        e = int(min(max(round(float(e)), 1), arm.n))
        if i in missing:
            how[i] += f" -> {e}"
        out.append(e)
    return out, how


def _reconstruct(
    arms: list[ArmSummary], hr: HazardRatio | None, seed: object
) -> tuple[list[pd.DataFrame], dict]:
    seq = _check_seed(seed)
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
    anchors = [anchors_for_arm(a, fu.survival) for a, fu in zip(arms, follow, strict=True)]
    log_hr = [0.0] + [None if hr is None else hr.log_estimate] * (len(arms) - 1)
    try:
        curves = fit_curves(anchors, log_hr)
    except ValueError as err:
        raise InputError(str(err)) from err
    expected = [expected_events(c, fu, a.n)
                for c, fu, a in zip(curves, follow, arms, strict=True)]
    events, events_how = _infer_events(arms, expected, hr)

    uniforms = []
    for arm, d, child in zip(arms, events, seq.spawn(len(arms)), strict=True):
        rng = np.random.default_rng(child)
        n_cens = arm.n - d
        uniforms.append((np.arange(n_cens) + rng.uniform(0.05, 0.95, n_cens)) / max(n_cens, 1))

    def build(phi: float) -> list[tuple]:
        # phi / 2 up on the experimental arm's free regions, phi / 2 down on the control's
        shifts = [0.0] if len(arms) == 1 else [-phi / 2, phi / 2]
        out = []
        for arm, curve, fu, d, u, shift in zip(arms, curves, follow, events, uniforms, shifts,
                                               strict=True):
            cur, fu_cal, tail_how = calibrate_tail(curve.with_phi(shift), fu, arm.n, d)
            alloc = allocate(cur, censoring_times(cur, fu_cal, u), arm.n, d, arm.median)
            out.append((cur, fu_cal, tail_how, alloc))
        return out

    built = build(0.0)
    hr_how = "no hazard ratio to match"
    if len(arms) == 2 and hr is not None:
        built, hr_how = _match_hazard_ratio(build, built, hr.log_estimate)

    frames, diag_arms = [], []
    for i, (arm, d, how, (curve, fu, tail_how, alloc)) in enumerate(
        zip(arms, events, events_how, built, strict=True)
    ):
        frames.append(pd.DataFrame({"time": alloc.time.astype(float),
                                    "event": alloc.event.astype(int)}))
        diag_arms.append({
            "arm": arm.name,
            "n": arm.n,
            "events": d,
            "events_source": how,
            "follow_up": fu.how,
            "tail": tail_how,
            "tail_start_months": curve.tail_start,
            "events_after_last_censoring": alloc.events_after_last_censoring,
            "anchors": [(a.kind, a.time, round(a.survival, 4)) for a in anchors[i]],
            "shape_notes": list(curve.notes),
        })
    return frames, {"arms": diag_arms, "hazard_ratio": hr_how,
                    "method": "lmssurv summary engine 0.1"}


def _match_hazard_ratio(build, built, target: float):
    """Shift both arms' hazards outside their reported points until the Cox HR is the target.

    The shift ``phi`` (log cumulative hazard, half on each arm, in opposite directions) acts
    only before each arm's first and after its last reported point, so every published median
    and landmark stays where it is; the event counts are re-matched at each step.
    """

    def log_hr(parts) -> float:
        (_, _, _, a0), (_, _, _, a1) = parts
        time = np.concatenate([a0.time, a1.time])
        event = np.concatenate([a0.event, a1.event])
        group = np.r_[np.zeros(a0.time.size), np.ones(a1.time.size)]
        return cox_log_hr(time, event, group)

    start = log_hr(built)
    if not math.isfinite(start) or abs(start - target) < _HR_TOLERANCE:
        return built, f"Cox log HR {start:.3f} vs reported {target:.3f}: no adjustment needed"
    cache = {0.0: (built, start)}

    def gap(phi: float) -> float:
        if phi not in cache:
            parts = build(phi)
            cache[phi] = (parts, log_hr(parts))
        return cache[phi][1] - target

    lo, hi = -_PHI_MAX, _PHI_MAX
    if gap(lo) * gap(hi) > 0:
        best = min(cache, key=lambda p: abs(cache[p][1] - target))
        return cache[best][0], (
            f"reported HR not reachable outside the reported points: Cox log HR "
            f"{cache[best][1]:.3f} vs reported {target:.3f} (the arms' own numbers kept)"
        )
    phi = optimize.brentq(gap, lo, hi, xtol=1e-3)
    gap(phi)
    return cache[phi][0], (
        f"hazards shifted by {phi:+.3f} on the log scale outside the reported points to "
        f"match the reported HR (Cox log HR {cache[phi][1]:.3f} vs {target:.3f})"
    )


def reconstruct_arm(summary: ArmSummary, *, seed: int = 0) -> pd.DataFrame:
    """Rebuild one arm's pseudo-patient data from its published summary.

    Parameters
    ----------
    summary : ArmSummary
        What the paper reports for the arm (times in months).
    seed : int
        Seed of the only random step (the jitter of censoring times). The same inputs and seed
        give the same rows; other seeds give other plausible reconstructions.

    Returns
    -------
    pandas.DataFrame
        Columns ``time`` (months) and ``event`` (1 = event, 0 = censored), exactly ``summary.n``
        rows and, when reported, exactly ``summary.events`` events. ``df.attrs["lmssurv"]`` holds
        the diagnostics: inferred events and how, the follow-up model, the tail calibration,
        and the anchors (which published numbers constrained the curve).

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
    """
    if not isinstance(summary, ArmSummary):
        raise InputError(f"summary must be an ArmSummary, got {type(summary).__name__}.")
    frames, diag = _reconstruct([summary], None, seed)
    df = frames[0]
    df.attrs["lmssurv"] = diag
    return df


def reconstruct_trial(
    control: ArmSummary,
    experimental: ArmSummary,
    *,
    hr: HazardRatio | None = None,
    seed: int = 0,
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

    Returns
    -------
    pandas.DataFrame
        Columns ``arm`` (the arm's label, or "control"/"experimental" without one), ``time``
        (months) and ``event`` (0/1); diagnostics in ``df.attrs["lmssurv"]``.

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
    if hr is not None and not isinstance(hr, HazardRatio):
        raise InputError(f"hr must be a HazardRatio or None, got {type(hr).__name__}.")
    labels = [control.label or "control", experimental.label or "experimental"]
    if labels[0] == labels[1]:
        raise InputError(
            f"both arms are labelled {labels[0]!r}; give them different labels."
        )
    frames, diag = _reconstruct([control, experimental], hr, seed)
    out = pd.concat(
        [f.assign(arm=label)[["arm", "time", "event"]] for f, label in zip(frames, labels,
                                                                           strict=True)],
        ignore_index=True,
    )
    diag["arms"][0]["arm"], diag["arms"][1]["arm"] = labels
    out.attrs["lmssurv"] = diag
    return out
