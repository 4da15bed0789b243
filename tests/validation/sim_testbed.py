"""Simulated two-arm trials whose censoring the summary engine does NOT assume (issue 9).

The engine's follow-up model is uniform entry plus one administrative cut-off. Real trials
differ: accrual ramps up, patients drop out early, centres have different data cut-offs,
nearly everyone may have an event, or almost no one. Every trial here is censored by one of
those mechanisms (never by uniform entry and a single cut-off alone), so a good score cannot
come from sharing the engine's assumption.

Kinds (:data:`KINDS`), taken in turn so that trial ``i`` is of kind ``KINDS[i % 11]``:

==================  ==========================================================================
``weibull``          Weibull (shape 0.6-1.8), PH; censoring: one of the mechanisms below
``delayed_effect``   no effect for 2-8 months, then HR 0.4-0.7 (non-PH; the HR is still Cox's)
``cure``             cure fractions 10-35% (control), +5-20% (experimental), long follow-up
``events_96_99``     96-99% of patients have an event: only early drop-outs are censored
``events_4_14``      4-14% have an event: cut-off placed at that share of events, long medians
``small_arms``       8-20 patients per arm
``large_arms``       1,000-3,000 per arm (the first such trial has 3,000 in each arm)
``ramp_up``          accrual rate rising linearly or quadratically, then one cut-off
``early_dropout``    10-38% of patients lost in the first months, whatever the cut-off
``immature``         longest follow-up 0.8-1.6 control medians: medians often not reached
``staggered``        3-5 centres, each with its own accrual window and data cut-off
==================  ==========================================================================

Each trial is drawn from ``numpy.random.default_rng([SEED_BASE, i, attempt])``; ``attempt``
moves on only when a draw cannot be reported (an arm without events, a summary a paper could
not print), so the list is fixed. Trials are summarised by ``kmdata_testbed.reporting_for``,
the same varied reporting as the real figures; outcomes alternate OS / PFS.

Times are in months. This module holds no tests.
"""

from __future__ import annotations

import math

import numpy as np
from kmdata_testbed import Case, reporting_for

__all__ = ["KINDS", "SEED_BASE", "simulated_cases"]

KINDS = ("weibull", "delayed_effect", "cure", "events_96_99", "events_4_14", "small_arms",
         "large_arms", "ramp_up", "early_dropout", "immature", "staggered")
#: First entry of every trial's seed sequence (fixed; never tuned).
SEED_BASE = 20260901
_MAX_ATTEMPTS = 50


# --------------------------------------------------------------------------------------------
# Event times
# --------------------------------------------------------------------------------------------
def _weibull_times(rng, size, median, shape, hr=1.0):
    """Weibull with the given median (months) and shape; PH hazard ratio ``hr``."""
    scale = median / math.log(2) ** (1 / shape)
    return scale * (rng.exponential(1.0, size) / hr) ** (1 / shape)


def _delayed_times(rng, size, median, shape, hr, delay):
    """Same hazard as control until ``delay``, then the cumulative hazard grows ``hr`` x."""
    scale = median / math.log(2) ** (1 / shape)
    target = rng.exponential(1.0, size)  # H(T) ~ Exp(1)
    h_delay = (delay / scale) ** shape
    late = target > h_delay
    h = np.where(late, h_delay + (target - h_delay) / hr, target)
    return scale * h ** (1 / shape)


def _cure_times(rng, size, cured, median, shape):
    t = _weibull_times(rng, size, median, shape)
    return np.where(rng.uniform(size=size) < cured, np.inf, t)


# --------------------------------------------------------------------------------------------
# Censoring mechanisms (none is uniform entry + one cut-off alone)
# --------------------------------------------------------------------------------------------
def _ramp_entry(rng, size, accrual, power):
    """Entry times with density rising as t^power over (0, accrual)."""
    return accrual * rng.uniform(size=size) ** (1 / (power + 1))


def _cens_ramp(rng, size, accrual, min_fu):
    power = rng.choice([1, 2])
    entry = _ramp_entry(rng, size, accrual, power)
    return accrual + min_fu - entry, f"ramp-up accrual (t^{power}) over {accrual:.0f} mo"


def _cens_dropout(rng, size, accrual, min_fu, share=None):
    share = rng.uniform(0.10, 0.38) if share is None else share
    entry = rng.uniform(0, accrual, size)
    admin = accrual + min_fu - entry
    lost = rng.uniform(size=size) < share
    early = rng.exponential(rng.uniform(1.5, 6.0), size)  # lost in the first months
    return np.where(lost, np.minimum(early, admin), admin), f"early drop-out {share:.0%}"


def _cens_staggered(rng, size, accrual, min_fu):
    centres = int(rng.integers(3, 6))
    starts = rng.uniform(0, 0.5 * accrual, centres)
    cutoffs = accrual + min_fu - rng.uniform(0, 12, centres)  # each centre's own cut-off
    which = rng.integers(0, centres, size)
    entry = rng.uniform(starts[which], accrual)
    return np.maximum(cutoffs[which] - entry, 0.05), f"{centres} centres, staggered cut-offs"


_MECHANISMS = (_cens_ramp, _cens_dropout, _cens_staggered)


# --------------------------------------------------------------------------------------------
# One trial
# --------------------------------------------------------------------------------------------
def _draw(kind: str, rng: np.random.Generator, first_of_kind: bool):
    """(times, events, groups, description) of one trial of ``kind``."""
    median = float(rng.uniform(6, 36))
    shape = float(rng.uniform(0.6, 1.8))
    hr = float(rng.uniform(0.5, 1.1))
    n = (int(rng.integers(80, 401)),) * 2
    if rng.uniform() < 0.3:  # some 2:1 trials
        n = (n[0] // 2 + 10, n[0])
    accrual = float(rng.uniform(12, 48))
    min_fu = float(rng.uniform(6, 36))
    mechanism = _MECHANISMS[int(rng.integers(0, 3))]
    desc = f"Weibull median {median:.1f}, shape {shape:.2f}, HR {hr:.2f}"

    if kind == "small_arms":
        n = (int(rng.integers(8, 21)), int(rng.integers(8, 21)))
    elif kind == "large_arms":
        n = (3000, 3000) if first_of_kind else (int(rng.integers(1000, 3001)),) * 2
        mechanism = _cens_ramp

    def event_times(arm, size):
        if kind == "delayed_effect":
            if arm == 0:
                return _weibull_times(rng, size, median, shape)
            return _delayed_times(rng, size, median, shape, hr_late, delay)
        if kind == "cure":
            return _cure_times(rng, size, cured[arm], median, shape)
        if kind == "events_4_14":
            return _weibull_times(rng, size, long_median, shape, hr if arm else 1.0)
        return _weibull_times(rng, size, median, shape, hr if arm else 1.0)

    if kind == "delayed_effect":
        delay, hr_late = float(rng.uniform(2, 8)), float(rng.uniform(0.4, 0.7))
        desc = f"Weibull median {median:.1f}, shape {shape:.2f}; HR 1 to {delay:.1f} mo, " \
               f"then {hr_late:.2f}"
    if kind == "cure":
        c0 = float(rng.uniform(0.10, 0.35))
        cured = (c0, c0 + float(rng.uniform(0.05, 0.20)))
        min_fu = float(rng.uniform(3, 6)) * median
        desc = f"cure {cured[0]:.0%} vs {cured[1]:.0%}, uncured Weibull median {median:.1f}"
    if kind == "events_4_14":
        long_median = float(rng.uniform(60, 240))
        desc = f"Weibull median {long_median:.0f}, shape {shape:.2f}, HR {hr:.2f}"

    times, groups, potential = [], [], []
    for arm, size in enumerate(n):
        t = event_times(arm, size)
        if kind == "events_96_99":
            c = np.full(size, np.inf)  # followed until every event...
            how = "followed to the end"
        elif kind == "ramp_up":
            c, how = _cens_ramp(rng, size, accrual, min_fu)
        elif kind == "early_dropout":
            c, how = _cens_dropout(rng, size, accrual, min_fu)
        elif kind == "staggered":
            c, how = _cens_staggered(rng, size, accrual, min_fu)
        elif kind == "immature":
            power = int(rng.choice([1, 2]))
            span = float(rng.uniform(0.8, 1.6)) * median  # longest possible follow-up
            entry = _ramp_entry(rng, size, span * 0.8, power)
            c, how = span - entry, f"immature: longest follow-up {span:.1f} mo, ramp-up"
        else:
            c, how = mechanism(rng, size, accrual, min_fu)
        times.append(t)
        potential.append(c)
        groups.append(np.full(size, arm == 1))
    t = np.concatenate(times)
    c = np.concatenate(potential)
    g = np.concatenate(groups)
    if kind == "events_96_99":
        # ... except 1-4% lost before their event, at a uniform share of their event time
        share = float(rng.uniform(0.01, 0.04))
        lost = rng.permutation(t.size)[: max(1, round(share * t.size))]
        c[lost] = t[lost] * rng.uniform(0.05, 0.95, lost.size)
        how = f"{share:.1%} lost before their event"
    if kind == "events_4_14":
        # cut the trial when 4-14% have had their event (pooled), entries ramping up
        share = float(rng.uniform(0.04, 0.14))
        entry = _ramp_entry(rng, t.size, accrual, 1)
        cut = float(np.quantile(t + entry, share))
        c = np.minimum(c, cut - entry)
        how = f"cut at {share:.0%} events, ramp-up entry; " + how
    observed = np.minimum(t, c)
    event = (t <= c).astype(int)
    observed = np.maximum(observed, 0.01)  # no zero durations
    return observed, event, g, f"{desc}; censoring: {how}"


def _reportable(case: Case) -> bool:
    for which in (0, 1):
        time, event = case.arm(which)
        if event.sum() < 1 or time.size < 2:
            return False
    try:
        case.summarise()
    except ValueError:  # an arm a paper could not summarise consistently (or no Cox fit)
        return False
    return True


def simulated_cases(n_trials: int = 44, *, kinds: tuple[str, ...] = KINDS) -> list[Case]:
    """``n_trials`` simulated trials, kinds taken in turn (see the module docstring).

    Parameters
    ----------
    n_trials : int
        How many trials (44 = 4 of each kind for the test slice; the benchmark uses 600).
    kinds : tuple of str
        A subset of :data:`KINDS` to cycle through.

    Returns
    -------
    list of Case
        ``split="simulated"``, ``scenario`` = the kind; the same list on every call.

    Examples
    --------
    >>> cases = simulated_cases(11)
    >>> [c.scenario for c in cases][:3]
    ['weibull', 'delayed_effect', 'cure']
    >>> sorted(set(cases[6].arm(0)[0].shape + cases[6].arm(1)[0].shape))
    [3000]
    """
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kinds {sorted(unknown)}; choose from {KINDS}")
    out = []
    seen: set[str] = set()
    for i in range(n_trials):
        kind = kinds[i % len(kinds)]
        outcome = ("OS", "PFS")[(i // len(kinds)) % 2]
        for attempt in range(_MAX_ATTEMPTS):
            rng = np.random.default_rng([SEED_BASE, i, attempt])
            time, event, group, desc = _draw(kind, rng, kind not in seen)
            name = f"sim{i:04d}_{kind}"
            case = Case(
                name=name, time=time, event=event, experimental=group,
                labels=("control", "experimental"), kind="simulated",
                source=f"simulated (seed [{SEED_BASE}, {i}, {attempt}]): {desc}",
                study=name, outcome=outcome, split="simulated", scenario=kind,
                reporting=reporting_for(name, outcome, time, event, group),
            )
            if _reportable(case):
                break
        else:
            raise RuntimeError(f"trial {i} ({kind}): no reportable draw in {_MAX_ATTEMPTS}")
        seen.add(kind)
        out.append(case)
    return out
