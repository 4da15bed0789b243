"""Yard-stick for the summary-only engine: real and simulated two-arm trials with known IPD.

Each trial is summarised the way a paper would report it (:func:`summarise_like_paper`), rebuilt
from that summary alone, and the rebuilt Kaplan-Meier curves are compared with the true ones
(:func:`truth_grid_error`) as described in ``shared/reference/methods.md`` section 3: mean and
largest absolute difference on a grid from 0 to the 90th percentile of follow-up, RMST difference
at the grid's end, |log HR(rebuilt) - log HR(true)| from an unadjusted Cox model, and exact n and
events. :func:`run_validation` runs any ``reconstruct_trial``-like callable over all trials and
:func:`summary_of` condenses the table to the issue's headline numbers.

:func:`naive_reconstruct_trial` is the calibration baseline of methods.md (piecewise-constant
hazard through the median and the landmarks, uniform censoring tuned to the event count).

Times are in months throughout (days / 30.4375, weeks * 12 / 52.1775, years * 12).

This module holds no tests. ``kmdata_testbed`` (the issue 9 real-trial test bed) reuses its
statistics, summaries and naive baseline; ``benchmarks/validation.py --legacy`` still prints
the 40-arm table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import datasets
from lifelines.statistics import logrank_test

from lmssurv.summary import ArmSummary, HazardRatio

__all__ = [
    "LANDMARK_CANDIDATES",
    "Reporting",
    "TwoArmTrial",
    "all_trials",
    "cox_log_hr",
    "km_at",
    "km_median",
    "km_median_ci",
    "km_steps",
    "naive_reconstruct_trial",
    "oracle_mae",
    "paper_landmark_times",
    "real_trials",
    "rmst",
    "run_validation",
    "simulated_trials",
    "summarise_like_paper",
    "summary_of",
    "truth_grid_error",
]

DAYS_PER_MONTH = 365.25 / 12  # 30.4375
WEEKS_PER_MONTH = 52.1775 / 12
GRID_POINTS = 200
GRID_QUANTILE = 0.90

#: Landmark times (months) a trial report would pick from; see :func:`paper_landmark_times`.
LANDMARK_CANDIDATES = (0.5, 1, 2, 3, 4, 6, 9, 12, 18, 24, 36, 48, 60, 72, 84, 96, 120, 144,
                       180, 240)


# --------------------------------------------------------------------------------------------
# Trials
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class TwoArmTrial:
    """A two-arm trial with its true patient-level data.

    Parameters
    ----------
    name : str
        Short name saying what it is (``"gbsg2_rfs_hormone"``, ``"sim_weibull_increasing"``).
    time : ndarray of float
        Follow-up time in months, > 0.
    event : ndarray of int
        1 = event, 0 = right-censored.
    experimental : ndarray of bool
        True for the experimental arm (the numerator of the hazard ratio).
    labels : (str, str)
        Arm names (control, experimental), used as ``ArmSummary.label``.
    kind : {"real", "simulated"}
    source : str
        Where the data come from and how they were recoded.
    """

    name: str
    time: np.ndarray
    event: np.ndarray
    experimental: np.ndarray
    labels: tuple[str, str]
    kind: str
    source: str

    def arm(self, which: int) -> tuple[np.ndarray, np.ndarray]:
        """(time, event) of the control (``which=0``) or experimental (``which=1``) arm."""
        mask = self.experimental == bool(which)
        return self.time[mask], self.event[mask]


def _make(name, time, event, experimental, labels, kind, source) -> TwoArmTrial:
    time = np.asarray(time, dtype=float)
    event = np.asarray(event).astype(int)
    experimental = np.asarray(experimental).astype(bool)
    if not (time.shape == event.shape == experimental.shape):
        raise ValueError(f"{name}: time, event and group lengths differ.")
    if np.any(time <= 0) or not np.all(np.isfinite(time)):
        raise ValueError(f"{name}: times must be finite and > 0 months.")
    return TwoArmTrial(name, time, event, experimental, tuple(labels), kind, source)


def real_trials(*, include_coarse: bool = False) -> list[TwoArmTrial]:
    """Two-group comparisons with real right-censored patient data shipped by lifelines.

    Selection rule: every lifelines dataset that compares two groups on a right-censored
    time-to-event outcome with at least 15 patients per group, whose times are recorded
    finely enough for a KM curve to be a curve rather than a coarse staircase.

    Coarse, left out by default (``include_coarse=True`` adds them): ``load_waltons`` (flies
    checked on inspection days: 129 and 34 deaths on only 20 and 13 distinct days, so deaths
    are really interval-censored and the KM drops up to 0.3 at once; even a full-data
    piecewise-exponential fit is 0.040-0.048 from it) and ``load_dd`` (durations in whole
    years: yearly steps of up to 0.4).

    Skipped: ``load_g3`` (6 vs 11 patients), ``load_psychiatric_patients`` (11 vs 15 patients,
    whole years), ``load_lcd`` (left-censored concentrations), ``load_mice``/``load_diabetes``/
    ``load_c_botulinum_lag_phase`` (interval censored), ``load_stanford_heart_transplants``/
    ``load_recur``/``load_dfcv``/``load_holly_molly_polly`` (start-stop),
    ``load_multicenter_aids_cohort_study`` (left truncated), ``load_canadian_senators``/
    ``load_lupus``/``load_regression_dataset``/``load_nh4``/``load_panel_test``/
    ``load_static_test`` (no two-group survival comparison). ``load_lymph_node``'s recurrence
    columns duplicate ``load_gbsg2``, so its overall-survival columns are used instead.

    Parameters
    ----------
    include_coarse : bool
        Also return the two coarse datasets (for a stress table, not for the targets).

    Returns
    -------
    list of TwoArmTrial
        Times converted to months.

    Examples
    --------
    >>> [t.name for t in real_trials()][:2]
    ['gbsg2_rfs_hormone', 'gbsg_os_hormone']
    >>> len(real_trials()), len(real_trials(include_coarse=True))
    (8, 10)
    """
    out = []
    df = datasets.load_gbsg2()
    out.append(_make("gbsg2_rfs_hormone", df["time"] / DAYS_PER_MONTH, df["cens"],
                     df["horTh"] == "yes", ("no tamoxifen", "tamoxifen"), "real",
                     "lifelines load_gbsg2: GBSG-2 recurrence-free survival, days; horTh"))
    df = datasets.load_lymph_node()
    out.append(_make("gbsg_os_hormone", df["survtime"] / DAYS_PER_MONTH, df["censdead"],
                     df["hormone"] == 2, ("no tamoxifen", "tamoxifen"), "real",
                     "lifelines load_lymph_node: GBSG-2 overall survival, days; hormone 2 = yes"))
    df = datasets.load_rossi()
    out.append(_make("rossi_arrest_financial_aid", df["week"] / WEEKS_PER_MONTH, df["arrest"],
                     df["fin"] == 1, ("no aid", "financial aid"), "real",
                     "lifelines load_rossi: time to re-arrest, weeks (cut-off 52); fin"))
    df = datasets.load_lung()
    # R's survival::lung codes status 1/2; lifelines ships it recoded to 0/1 (165 deaths, as R).
    status = df["status"] - 1 if set(df["status"]) == {1, 2} else df["status"]
    out.append(_make("lung_os_sex", df["time"] / DAYS_PER_MONTH, status,
                     df["sex"] == 2, ("male", "female"), "real",
                     "lifelines load_lung: NCCTG lung cancer OS, days; status 1 = dead; sex"))
    df = datasets.load_kidney_transplant()
    male = (df["black_male"] + df["white_male"]) == 1
    out.append(_make("kidney_transplant_os_sex", df["time"] / DAYS_PER_MONTH, df["death"],
                     ~male, ("male", "female"), "real",
                     "lifelines load_kidney_transplant (Klein & Moeschberger D.3): days; sex"))
    df = datasets.load_leukemia()
    out.append(_make("leukemia_remission_6mp", df["t"] / WEEKS_PER_MONTH, df["status"],
                     df["Rx"] == 0, ("placebo", "6-MP"), "real",
                     "lifelines load_leukemia (Freireich 1963): weeks in remission; Rx 0 = 6-MP"))
    df = datasets.load_larynx()
    advanced = df[["Stage_II", "Stage_III", "Stage_IV"]].sum(axis=1) > 0
    out.append(_make("larynx_os_stage", df["time"] * 12, df["death"], advanced,
                     ("stage I", "stage II-IV"), "real",
                     "lifelines load_larynx (Kardaun 1983): years; stage I vs II-IV"))
    df = datasets.load_lymphoma()
    out.append(_make("lymphoma_os_stage", df["Time"] / DAYS_PER_MONTH, df["Censor"],
                     df["Stage_group"] == 2, ("stage group 1", "stage group 2"), "real",
                     "lifelines load_lymphoma (StatsDirect log-rank example): unit not "
                     "documented, taken as days; Censor 1 = event"))
    if include_coarse:
        df = datasets.load_waltons()
        out.append(_make("waltons_fly_mir137", df["T"] / DAYS_PER_MONTH, df["E"],
                         df["group"] == "miR-137", ("control", "miR-137"), "real",
                         "lifelines load_waltons: Drosophila lifespan, days; group"))
        df = datasets.load_dd()
        out.append(_make("dd_regime_duration", df["duration"] * 12, df["observed"],
                         df["democracy"] == "Democracy", ("non-democracy", "democracy"), "real",
                         "lifelines load_dd (Cheibub 2010): regime duration, whole years"))
    return out


def _follow(rng, n, accrual, min_follow_up, loss_rate):
    """Potential follow-up: uniform entry over ``accrual``, cut-off, exponential loss."""
    entry = rng.uniform(0.0, accrual, n)
    admin = accrual + min_follow_up - entry
    loss = rng.exponential(1.0 / loss_rate, n) if loss_rate > 0 else np.full(n, np.inf)
    return np.minimum(admin, loss)


def _simulate(name, seed, n, draw, accrual, min_follow_up, loss_rate, labels, desc):
    """Draw a trial: ``draw(rng, arm, size)`` gives true event times in months."""
    rng = np.random.default_rng(seed)
    times, events, groups = [], [], []
    for arm, size in enumerate(n):
        t_true = draw(rng, arm, size)
        c = _follow(rng, size, accrual, min_follow_up, loss_rate)
        times.append(np.maximum(np.minimum(t_true, c), 0.01))  # no zero durations
        events.append((t_true <= c).astype(int))
        groups.append(np.full(size, arm == 1))
    source = (f"simulated (seed {seed}): {desc}; accrual {accrual:g} mo, min follow-up "
              f"{min_follow_up:g} mo, loss {loss_rate:g}/mo")
    return _make(name, np.concatenate(times), np.concatenate(events), np.concatenate(groups),
                 labels, "simulated", source)


def _weibull(scale, shape, hr):
    # S(t) = exp(-(t/scale)^shape); PH with hazard ratio hr scales H by hr.
    def draw(rng, arm, size):
        h = hr if arm == 1 else 1.0
        return scale * (rng.exponential(1.0, size) / h) ** (1.0 / shape)
    return draw


def _piecewise_exp(cuts, rates_ctrl, rates_exp):
    """Event times from a piecewise-constant hazard (``cuts`` are the interior breakpoints)."""
    def draw(rng, arm, size):
        rates = np.asarray(rates_exp if arm == 1 else rates_ctrl, dtype=float)
        edges = np.concatenate([[0.0], cuts])
        widths = np.diff(edges)
        cum = np.concatenate([[0.0], np.cumsum(rates[:-1] * widths)])  # H at each edge
        target = rng.exponential(1.0, size)
        k = np.searchsorted(cum, target, side="right") - 1
        return edges[k] + (target - cum[k]) / rates[k]
    return draw


def simulated_trials() -> list[TwoArmTrial]:
    """Deterministic simulated two-arm trials of varied shapes, sizes and censoring.

    Twelve trials, arms of 30 to 400 patients, each with administrative censoring (uniform
    accrual then a cut-off) and random exponential loss to follow-up. Seeds are fixed, so the
    list is the same on every call.

    Returns
    -------
    list of TwoArmTrial

    Examples
    --------
    >>> len(simulated_trials())
    12
    """
    lab = ("control", "experimental")

    def lognormal(mu, sigma, shift):
        return lambda rng, arm, size: np.exp(rng.normal(mu + (shift if arm else 0), sigma, size))

    def loglogistic(scale, shape, accel):
        def draw(rng, arm, size):
            u = rng.uniform(size=size)
            return scale * (accel if arm else 1.0) * (u / (1 - u)) ** (1.0 / shape)
        return draw

    def cure(p_ctrl, p_exp, scale, shape):
        def draw(rng, arm, size):
            p = p_exp if arm else p_ctrl
            t = scale * rng.exponential(1.0, size) ** (1.0 / shape)
            return np.where(rng.uniform(size=size) < p, np.inf, t)
        return draw

    def crossing(rng, arm, size):
        # control: exponential, median 14; experimental: early harm, late benefit (log-normal).
        if arm == 0:
            return rng.exponential(14 / math.log(2), size)
        return np.exp(rng.normal(math.log(16), 1.2, size))

    return [
        _simulate("sim_weibull_increasing_hazard", 101, (150, 150), _weibull(20, 1.6, 0.7),
                  24, 24, 0.004, lab, "Weibull shape 1.6, scale 20, PH HR 0.7"),
        _simulate("sim_weibull_decreasing_hazard", 102, (60, 60), _weibull(15, 0.7, 0.65),
                  18, 30, 0.003, lab, "Weibull shape 0.7, scale 15, PH HR 0.65"),
        _simulate("sim_lognormal", 103, (200, 200), lognormal(math.log(12), 0.9, 0.35),
                  30, 18, 0.005, lab, "log-normal, median 12 vs 17 months, sigma 0.9"),
        _simulate("sim_loglogistic", 104, (100, 100), loglogistic(9, 2.2, 1.5),
                  20, 24, 0.004, lab, "log-logistic shape 2.2, median 9 vs 13.5"),
        _simulate("sim_cure_fraction", 105, (250, 250), cure(0.25, 0.4, 10, 1.2),
                  36, 36, 0.002, lab, "cure 25% vs 40%, Weibull(10, 1.2) for the uncured"),
        _simulate("sim_piecewise_early_drop", 106, (120, 120),
                  _piecewise_exp([3.0, 12.0], [0.15, 0.04, 0.02], [0.10, 0.03, 0.015]),
                  24, 30, 0.003, lab, "hazard 0.15/0.04/0.02 per month, cuts 3 and 12"),
        _simulate("sim_delayed_separation", 107, (300, 300),
                  _piecewise_exp([6.0], [0.06, 0.06], [0.06, 0.03]),
                  24, 24, 0.003, lab, "equal hazard 0.06 for 6 months, then HR 0.5 (non-PH)"),
        _simulate("sim_small_exponential", 108, (30, 30), _weibull(10 / math.log(2), 1.0, 0.6),
                  12, 24, 0.005, lab, "exponential, median 10 months, PH HR 0.6, 30 per arm"),
        _simulate("sim_large_weibull", 109, (400, 400), _weibull(30, 1.2, 0.8),
                  36, 24, 0.003, lab, "Weibull shape 1.2, scale 30, PH HR 0.8, 400 per arm"),
        _simulate("sim_crossing_curves", 110, (150, 150), crossing,
                  24, 36, 0.004, lab, "exponential median 14 vs log-normal median 16 (cross)"),
        _simulate("sim_unbalanced_2to1", 111, (200, 100), _weibull(18, 1.1, 0.75),
                  30, 20, 0.004, lab, "Weibull shape 1.1, PH HR 0.75, 2:1 allocation"),
        _simulate("sim_immature_median_not_reached", 112, (180, 180), _weibull(40, 1.3, 0.6),
                  18, 12, 0.004, lab, "Weibull shape 1.3, scale 40, HR 0.6, short follow-up"),
    ]


def all_trials() -> list[TwoArmTrial]:
    """:func:`real_trials` followed by :func:`simulated_trials`."""
    return real_trials() + simulated_trials()


# --------------------------------------------------------------------------------------------
# Kaplan-Meier helpers (numpy, checked against lifelines in test_summary_testbed.py)
# --------------------------------------------------------------------------------------------
def km_steps(time, event) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier estimate as (distinct event times, survival just after each), months."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event).astype(bool)
    t_ev = np.unique(time[event])
    if t_ev.size == 0:
        return t_ev, t_ev.copy()
    order = np.sort(time)
    at_risk = order.size - np.searchsorted(order, t_ev, side="left")
    deaths = np.bincount(np.searchsorted(t_ev, time[event]), minlength=t_ev.size)
    return t_ev, np.cumprod(1.0 - deaths / at_risk)


def km_at(steps, t) -> np.ndarray:
    """Right-continuous KM survival at times ``t`` (carried flat after the last event)."""
    t_ev, surv = steps
    idx = np.searchsorted(t_ev, np.asarray(t, dtype=float), side="right") - 1
    return np.where(idx < 0, 1.0, surv[np.maximum(idx, 0)] if surv.size else 1.0)


def km_median(time, event) -> float | None:
    """KM median: first time with S(t) <= 0.5 (``None`` when not reached)."""
    t_ev, surv = km_steps(time, event)
    hit = np.nonzero(surv <= 0.5 + 1e-12)[0]
    return float(t_ev[hit[0]]) if hit.size else None


def rmst(steps, tau: float) -> float:
    """Restricted mean survival time (months) of a KM step function up to ``tau``."""
    t_ev, surv = steps
    keep = t_ev < tau
    knots = np.concatenate([[0.0], t_ev[keep], [tau]])
    values = np.concatenate([[1.0], surv[keep]])
    return float(np.sum(np.diff(knots) * values))


_Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975), lifelines' inv_normal_cdf(0.975)


def cox_log_hr(time, event, experimental) -> tuple[float, float, float, float]:
    """Unadjusted two-group Cox model, Efron ties: (log HR, HR, lower 95%, upper 95%).

    The partial likelihood lifelines' ``CoxPHFitter`` maximises (Efron's approximation for
    tied event times, as in R's ``coxph`` default and SAS ``ties=efron``), written for one
    binary covariate so that it runs in milliseconds on 3,000 patients (lifelines takes about
    0.25 s per fit, too slow for a test bed of a few hundred fits). At each distinct event time
    with ``d`` events (``d1`` experimental) and ``R0``/``R1`` at risk, the Efron denominators
    are ``(R0 - f D0) + (R1 - f D1) exp(b)`` for ``f = l/d``, ``l = 0..d-1``; Newton-Raphson
    from ``b = 0`` with step halving; Wald CI from the observed information.
    ``test_summary_testbed`` checks it against lifelines (same estimator) and R's ``coxph``.

    Raises
    ------
    ValueError
        When a group has no events or no patients, or the estimate diverges (the MLE is
        infinite or undefined).
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event).astype(bool)
    x = np.asarray(experimental).astype(bool)
    if not (event & x).any() or not (event & ~x).any():
        raise ValueError("Cox fit failed: a group has no events (infinite log hazard ratio).")
    u = np.unique(time[event])
    d0 = np.bincount(np.searchsorted(u, time[event & ~x]), minlength=u.size).astype(float)
    d1 = np.bincount(np.searchsorted(u, time[event & x]), minlength=u.size).astype(float)
    s0, s1 = np.sort(time[~x]), np.sort(time[x])
    r0 = (s0.size - np.searchsorted(s0, u, side="left")).astype(float)
    r1 = (s1.size - np.searchsorted(s1, u, side="left")).astype(float)
    d = (d0 + d1).astype(int)
    j = np.repeat(np.arange(u.size), d)  # one slot per event: (time index, l)
    frac = (np.arange(j.size) - np.repeat(np.cumsum(d) - d, d)) / d[j]
    a0, a1 = r0[j] - frac * d0[j], r1[j] - frac * d1[j]
    total_d1 = d1.sum()

    def loglik(b):
        return b * total_d1 - np.sum(np.log(a0 + a1 * math.exp(b)))

    beta, ll = 0.0, loglik(0.0)
    for _ in range(100):
        w = math.exp(beta)
        den = a0 + a1 * w
        score = total_d1 - np.sum(a1 * w / den)
        info = np.sum(a0 * a1 * w / den**2)
        if not (info > 0):
            raise ValueError("Cox fit failed: zero information (one group has no one at risk).")
        step = score / info
        new = beta + step
        new_ll = loglik(new)
        while new_ll < ll - 1e-12 and abs(step) > 1e-12:  # step halving keeps the ascent
            step /= 2
            new = beta + step
            new_ll = loglik(new)
        beta, ll = new, new_ll
        if abs(step) < 1e-10:
            break
    w = math.exp(beta)
    se = 1.0 / math.sqrt(float(np.sum(a0 * a1 * w / (a0 + a1 * w) ** 2)))
    if not (math.isfinite(beta) and abs(beta) + _Z95 * se < 50):
        raise ValueError(f"Cox fit failed: the estimate diverges (log HR {beta:.3g}, SE "
                         f"{se:.3g}; monotone likelihood).")
    return (beta, math.exp(beta), math.exp(beta - _Z95 * se), math.exp(beta + _Z95 * se))


def km_median_ci(time, event) -> tuple[float, float, float]:
    """KM median and its 95% CI exactly as lifelines computes them: (median, lower, upper).

    ``median_survival_times(KaplanMeierFitter().fit(time, event).confidence_interval_)``:
    exponential-Greenwood (log-log) pointwise bands on the timeline ``{0} U times``, each
    band's median found by lifelines' ``searchsorted`` rule; ``inf`` when not reached. Written
    in numpy for speed; ``test_summary_testbed`` checks it against lifelines on every arm.
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event).astype(bool)
    timeline = np.unique(np.concatenate([[0.0], time]))
    order = np.sort(time)
    at_risk = (order.size - np.searchsorted(order, timeline, side="left")).astype(float)
    deaths = np.bincount(np.searchsorted(timeline, time[event]),
                         minlength=timeline.size).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        # lifelines sums logs (not a product of ratios): the same float at S = 0.5 exactly
        surv = np.exp(np.cumsum(np.log(at_risk - deaths) - np.log(at_risk)))
        var = deaths / (at_risk * (at_risk - deaths))
        var[~np.isfinite(var)] = 0.0  # lifelines replaces inf (all at risk died) by 0
        cum = np.cumsum(var)
        v = np.log(surv)
        lower = np.exp(-np.exp(np.log(-v) - _Z95 * np.sqrt(cum) / v))
        upper = np.exp(-np.exp(np.log(-v) + _Z95 * np.sqrt(cum) / v))
    lower[np.isnan(lower)] = 1.0
    upper[np.isnan(upper)] = 1.0

    def qth(sf):  # lifelines.utils.qth_survival_time
        if sf[-1] > 0.5:
            return math.inf
        return float(timeline[np.searchsorted(-sf, -0.5)])

    return qth(surv), qth(lower), qth(upper)


# --------------------------------------------------------------------------------------------
# Summaries like a paper
# --------------------------------------------------------------------------------------------
def paper_landmark_times(time, experimental) -> tuple[float, float]:
    """Two "round" landmark times a paper would choose, inside every arm's follow-up.

    Rule: F = 90th percentile of all observed times (both arms pooled, events and censorings);
    the landmarks are the :data:`LANDMARK_CANDIDATES` nearest (on log scale) to F/3 and 2F/3,
    kept no later than the shortest arm's longest observed time (where its KM still exists).
    When both targets round to the same candidate the second moves one candidate up (or the
    first one down when up is out of follow-up).

    Examples
    --------
    >>> paper_landmark_times([1, 10, 20, 40, 50], [0, 1, 0, 1, 0])
    (18.0, 36.0)
    """
    time = np.asarray(time, dtype=float)
    experimental = np.asarray(experimental).astype(bool)
    limit = min(time[~experimental].max(), time[experimental].max())
    cands = np.array([c for c in LANDMARK_CANDIDATES if c <= limit], dtype=float)
    if cands.size < 2:
        raise ValueError(f"follow-up too short for two landmarks (longest {limit:.2f} months).")
    f = float(np.quantile(time, GRID_QUANTILE))

    def nearest(x):
        return int(np.argmin(np.abs(np.log(cands) - math.log(x))))

    i, j = nearest(f / 3), nearest(2 * f / 3)
    if j == i:
        if j + 1 < cands.size:
            j += 1
        else:
            i -= 1
    return float(cands[i]), float(cands[j])


def _round_or_none(x, digits):
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


@dataclass(frozen=True)
class Reporting:
    """How a paper reports a trial: which numbers are printed, and to how many digits.

    The default is the full report of :func:`summarise_like_paper` (two landmarks chosen by
    :func:`paper_landmark_times`, rates to 3 decimals, median CI, follow-up and events).

    Parameters
    ----------
    landmarks : tuple of float, optional
        Landmark times (months); ``None`` lets :func:`paper_landmark_times` choose two.
    rate_decimals : int
        Decimals of the landmark rates: 2 (whole percent, "49%") or 3 ("49.3%" as 0.493).
    median_ci : bool
        Whether the 95% CI of the median is printed.
    nr_ci : bool
        For a median not reached, print its CI as "NR (95% CI lower-NR)" (when ``median_ci``);
        the default prints no CI for it.
    follow_up : bool
        Whether median (reverse KM) and longest follow-up are printed.
    events : bool
        Whether the number of events per arm is printed.
    """

    landmarks: tuple[float, ...] | None = None
    rate_decimals: int = 3
    median_ci: bool = True
    nr_ci: bool = False
    follow_up: bool = True
    events: bool = True

    def __post_init__(self) -> None:
        if self.rate_decimals not in (2, 3):
            raise ValueError(f"rate_decimals must be 2 or 3, but was {self.rate_decimals!r}")


def _arm_summary(time, event, landmarks, label, reporting: Reporting | None = None
                 ) -> ArmSummary:
    reporting = Reporting() if reporting is None else reporting
    med, lo, hi = km_median_ci(time, event)
    median = _round_or_none(med, 1)
    lower = _round_or_none(lo, 1)
    upper = _round_or_none(hi, 1)
    steps = km_steps(time, event)
    rates = {t: round(float(km_at(steps, t)), reporting.rate_decimals) for t in landmarks}
    mx = math.ceil(float(np.max(time)) * 10) / 10  # round up: landmarks stay inside it
    mfu = _round_or_none(km_median_ci(time, 1 - np.asarray(event))[0], 1)  # reverse KM
    if not reporting.median_ci:
        median_ci = None
    elif median is None:  # "NR (95% CI 20.8-NR)"
        median_ci = None if (lower is None or not reporting.nr_ci) else (lower, None)
    else:
        median_ci = (lower, upper)
    return ArmSummary(
        n=int(time.size), events=int(event.sum()) if reporting.events else None,
        median=median, median_ci=median_ci, landmarks=rates,
        median_follow_up=None if (mfu is None or not reporting.follow_up) else min(mfu, mx),
        max_follow_up=mx if reporting.follow_up else None, label=label,
    )


def summarise_like_paper(time, event, group, *, labels=("control", "experimental"),
                         reporting: Reporting | None = None):
    """Summarise a two-arm trial the way a trial report would.

    Per arm: n, events, KM median with 95% log-log (Brookmeyer-Crowley) CI from lifelines
    (rounded to 0.1 month; ``None`` when not reached), survival at two landmark times chosen by
    :func:`paper_landmark_times` (rounded to 0.001, i.e. 50.7%), median follow-up by reverse
    Kaplan-Meier (0.1 month) and the longest follow-up (rounded up to 0.1 month). Between arms:
    unadjusted Cox hazard ratio (experimental vs control, Efron ties) with 95% CI, rounded to
    0.01, and the unstratified log-rank p (lifelines' ``logrank_test``, as papers print it: 3
    decimals; None below 0.001, printed as a bound "p < 0.001"). No accrual is reported.

    Parameters
    ----------
    time, event : array-like
        Months, and 1 = event / 0 = censored.
    group : array-like of bool or 0/1
        1 (True) marks the experimental arm.
    labels : (str, str)
        Labels for the control and experimental ``ArmSummary``.
    reporting : Reporting, optional
        What is printed and how it is rounded (default: the full report described above).

    Returns
    -------
    (ArmSummary, ArmSummary, HazardRatio)
        Control, experimental, hazard ratio.

    Examples
    --------
    >>> trial = real_trials()[0]
    >>> ctrl, exp, hr = summarise_like_paper(trial.time, trial.event, trial.experimental)
    >>> ctrl.n, ctrl.events, sorted(ctrl.landmarks)
    (440, 205, [24.0, 48.0])
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event).astype(int)
    group = np.asarray(group).astype(bool)
    reporting = Reporting() if reporting is None else reporting
    landmarks = (paper_landmark_times(time, group) if reporting.landmarks is None
                 else reporting.landmarks)
    arms = [_arm_summary(time[group == g], event[group == g], landmarks, labels[g], reporting)
            for g in (0, 1)]
    _, hr, lo, hi = cox_log_hr(time, event, group)
    with np.errstate(all="ignore"):  # lifelines calls np.seterr; keep the global state
        p = round(float(logrank_test(time[~group], time[group], event[~group],
                                     event[group]).p_value), 3)
    hr_rounded = [round(x, 2) for x in (hr, lo, hi)]
    # rounding may push a CI bound onto the estimate; keep the published-looking triple valid
    hr_rounded[1] = min(hr_rounded[1], hr_rounded[0])
    hr_rounded[2] = max(hr_rounded[2], hr_rounded[0])
    # "p < 0.001" is a bound, not an exact p: printed, but not passed as HazardRatio.p_value
    # (which the engine self-checks and rejects when its CI contradicts it)
    exact = min(p, 1.0) if p > 0 else None
    return arms[0], arms[1], HazardRatio(*hr_rounded, p_value=exact)


# --------------------------------------------------------------------------------------------
# Judging a reconstruction
# --------------------------------------------------------------------------------------------
def score_grid(true_time) -> np.ndarray:
    """The scoring grid of a true arm: :data:`GRID_POINTS` points from 0 to the
    :data:`GRID_QUANTILE` quantile of its observed times (events and censorings).

    >>> [round(float(v), 6) for v in score_grid([1.0, 2.0, 3.0, 11.0])[[0, -1]]]
    [0.0, 8.6]
    """
    return np.linspace(0.0, float(np.quantile(np.asarray(true_time, dtype=float), GRID_QUANTILE)),
                       GRID_POINTS)


def truth_grid_error(true_time, true_event, rebuilt_df) -> dict:
    """Distance between a rebuilt arm and the true arm (methods.md section 3).

    The grid has 200 points from 0 to the 90th percentile of the true arm's observed times
    (events and censorings of that arm; per arm because arms can differ in follow-up, e.g. a
    2:1 trial or arms of different survival). Both KMs are right-continuous step functions;
    the rebuilt KM is carried flat past its last event.

    Parameters
    ----------
    true_time, true_event : array-like
        The true arm, months and 0/1.
    rebuilt_df : DataFrame
        Columns ``time`` (months) and ``event`` (0/1) of the rebuilt arm.

    Returns
    -------
    dict
        ``n``, ``events`` (true), ``n_rebuilt``, ``events_rebuilt``, ``n_ok``, ``events_ok``,
        ``grid_end`` (months), ``mae`` (mean |S_rebuilt - S_true| over the grid), ``max_abs``,
        ``rmst_diff`` (rebuilt minus true RMST at ``grid_end``, months).

    Examples
    --------
    >>> df = pd.DataFrame({"time": [1.0, 2.0, 3.0], "event": [1, 1, 0]})
    >>> truth_grid_error([1.0, 2.0, 3.0], [1, 1, 0], df)["mae"]
    0.0
    """
    true_time = np.asarray(true_time, dtype=float)
    true_event = np.asarray(true_event).astype(int)
    r_time = rebuilt_df["time"].to_numpy(dtype=float)
    r_event = rebuilt_df["event"].to_numpy().astype(int)
    grid = score_grid(true_time)
    end = float(grid[-1])
    truth, rebuilt = km_steps(true_time, true_event), km_steps(r_time, r_event)
    diff = np.abs(km_at(rebuilt, grid) - km_at(truth, grid))
    return {
        "n": int(true_time.size), "events": int(true_event.sum()),
        "n_rebuilt": int(r_time.size), "events_rebuilt": int(r_event.sum()),
        "n_ok": bool(r_time.size == true_time.size),
        "events_ok": bool(r_event.sum() == true_event.sum()),
        "grid_end": end, "mae": float(diff.mean()), "max_abs": float(diff.max()),
        "rmst_diff": rmst(rebuilt, end) - rmst(truth, end),
    }


def oracle_mae(true_time, true_event, pieces: int = 8) -> float:
    """Mean |S_fit - KM| of a piecewise-exponential fit to the complete true arm (a floor).

    The "full-data oracle" of methods.md section 3: hazards constant between the event-time
    octiles (``pieces`` intervals), fitted by events / exposure on the true data, compared with
    the true KM on the same grid as :func:`truth_grid_error`. A summary-only reconstruction
    cannot be expected to beat it; methods.md reports a median of about 0.010 over real arms
    (this test bed: 0.0103 with 8 pieces).

    Examples
    --------
    >>> round(oracle_mae([1.0, 2.0, 3.0, 4.0], [1, 1, 1, 1], pieces=2), 3)
    0.077
    """
    time = np.asarray(true_time, dtype=float)
    event = np.asarray(true_event).astype(bool)
    cuts = np.unique(np.quantile(time[event], np.arange(1, pieces) / pieces))
    edges = np.concatenate([[0.0], cuts, [np.inf]])
    lo, hi = edges[:-1], edges[1:]
    exposure = np.clip(np.minimum(time[:, None], hi) - lo, 0.0, None).sum(axis=0)
    deaths = ((time[event][:, None] > lo) & (time[event][:, None] <= hi)).sum(axis=0)
    rates = np.divide(deaths, exposure, out=np.zeros(lo.size), where=exposure > 0)
    grid = score_grid(time)
    cumhaz = (np.clip(np.minimum(grid[:, None], hi) - lo, 0.0, None) * rates).sum(axis=1)
    return float(np.abs(np.exp(-cumhaz) - km_at(km_steps(time, event), grid)).mean())


def _reported_hits(summary: ArmSummary, r_time, r_event) -> dict:
    """How the rebuilt KM meets the arm's reported median and landmarks."""
    med = km_median(r_time, r_event)
    if summary.median is None:
        median_error = 0.0 if med is None else math.inf
    else:
        median_error = math.inf if med is None else abs(med - summary.median)
    steps = km_steps(r_time, r_event)
    lm_err = max((abs(float(km_at(steps, t)) - s) for t, s in summary.landmarks.items()),
                 default=0.0)
    return {"median_reported": summary.median, "median_rebuilt": med,
            "median_error": median_error, "landmark_max_error": lm_err}


def run_validation(reconstruct_trial: Callable, trials: Sequence[TwoArmTrial] | None = None,
                   *, seed: int = 0) -> pd.DataFrame:
    """Summarise, rebuild and judge every trial; one row per arm.

    Parameters
    ----------
    reconstruct_trial : callable
        ``reconstruct_trial(control, experimental, *, hr, seed) -> DataFrame[arm, time, event]``
        with ``arm`` equal to each summary's label (lmssurv's API).
    trials : sequence of TwoArmTrial, optional
        Default :func:`all_trials`.
    seed : int
        Passed to ``reconstruct_trial``.

    Returns
    -------
    DataFrame
        Columns ``trial, kind, arm, label, n, events, n_ok, events_ok, mae, max_abs, rmst_diff,
        log_hr_error`` (trial level, repeated on both arms), ``oracle_mae`` (the floor set by
        :func:`oracle_mae`), ``grid_end``,
        ``median_reported, median_rebuilt, median_error, landmark_max_error``.
    """
    trials = all_trials() if trials is None else trials
    rows = []
    for trial in trials:
        ctrl, exp, hr = summarise_like_paper(trial.time, trial.event, trial.experimental,
                                             labels=trial.labels)
        rebuilt = reconstruct_trial(ctrl, exp, hr=hr, seed=seed)
        parts = []
        for which, summary in enumerate((ctrl, exp)):
            part = rebuilt[rebuilt["arm"] == summary.label]
            parts.append(part)
            t_time, t_event = trial.arm(which)
            row = {"trial": trial.name, "kind": trial.kind,
                   "arm": ("control", "experimental")[which], "label": summary.label}
            row.update(truth_grid_error(t_time, t_event, part))
            row["oracle_mae"] = oracle_mae(t_time, t_event)
            row.update(_reported_hits(summary, part["time"].to_numpy(dtype=float),
                                      part["event"].to_numpy().astype(int)))
            rows.append(row)
        r = pd.concat(parts)
        r_group = np.concatenate([np.zeros(len(parts[0]), bool), np.ones(len(parts[1]), bool)])
        true_beta = cox_log_hr(trial.time, trial.event, trial.experimental)[0]
        rebuilt_beta = cox_log_hr(r["time"], r["event"], r_group)[0]
        for row in rows[-2:]:
            row["log_hr_error"] = abs(rebuilt_beta - true_beta)
    cols = ["trial", "kind", "arm", "label", "n", "events", "n_ok", "events_ok", "mae",
            "max_abs", "rmst_diff", "log_hr_error", "oracle_mae", "grid_end", "median_reported",
            "median_rebuilt", "median_error", "landmark_max_error"]
    return pd.DataFrame(rows)[cols]


def summary_of(table: pd.DataFrame) -> pd.Series:
    """Headline numbers of a :func:`run_validation` table (the issue's targets).

    Returns
    -------
    Series
        ``median_mae`` (over arms), ``worst_mae``, ``median_log_hr_error`` (over trials),
        ``median_oracle_mae`` (the full-data floor), ``all_exact`` (n and events exact in
        every arm), ``arms``, ``trials``.
    """
    per_trial = table.drop_duplicates("trial")["log_hr_error"]
    return pd.Series({
        "median_mae": float(table["mae"].median()),
        "worst_mae": float(table["mae"].max()),
        "median_log_hr_error": float(per_trial.median()),
        "median_oracle_mae": float(table["oracle_mae"].median()),
        "all_exact": bool(table["n_ok"].all() and table["events_ok"].all()),
        "arms": len(table), "trials": int(table["trial"].nunique()),
    })


# --------------------------------------------------------------------------------------------
# Naive baseline (methods.md section 3)
# --------------------------------------------------------------------------------------------
def _naive_curve(summary: ArmSummary) -> tuple[np.ndarray, np.ndarray]:
    """Knots (months) and cumulative hazards of the piecewise-constant-hazard curve."""
    pts = {0.0: 1.0}
    if summary.median is not None:
        pts[float(summary.median)] = 0.5
    for t, s in summary.landmarks.items():
        pts.setdefault(float(t), float(s))
    times = np.array(sorted(pts))
    surv = np.minimum.accumulate(np.clip([pts[t] for t in times], 1e-3, 1.0))
    cumhaz = -np.log(surv)
    cumhaz = np.maximum.accumulate(cumhaz + np.arange(cumhaz.size) * 1e-9)  # strictly rising
    if times.size == 1:  # nothing reported: exponential through events over follow-up
        fu = summary.max_follow_up or summary.median_follow_up or 12.0
        rate = max(summary.events or 1, 1) / (summary.n * fu / 2)
        times, cumhaz = np.array([0.0, fu]), np.array([0.0, rate * fu])
    return times, cumhaz


def _naive_arm(summary: ArmSummary, rng: np.random.Generator) -> pd.DataFrame:
    times, cumhaz = _naive_curve(summary)
    slope = (cumhaz[-1] - cumhaz[-2]) / (times[-1] - times[-2])
    if slope <= 1e-9:
        slope = cumhaz[-1] / times[-1]
    n = summary.n
    # Stratified draws (one per 1/n slice of each distribution) keep sampling noise down,
    # as any reconstruction would; independent permutations pair event and censoring draws.
    strata = (rng.permutation(n) + rng.uniform(size=n)) / n
    target = -np.log1p(-np.clip(strata, 0.0, 1.0 - 1e-12))  # H(T) ~ Exp(1)
    t_event = np.where(
        target <= cumhaz[-1],
        np.interp(target, cumhaz, times),
        times[-1] + (target - cumhaz[-1]) / max(slope, 1e-9),
    )
    t_event = np.maximum(t_event, 1e-3)
    u = np.clip((rng.permutation(n) + rng.uniform(size=n)) / n, 1e-6, 1.0)
    if summary.events is not None:
        events = summary.events
    else:  # not published: as if no one were censored before the last reported point
        events = int(round(n * (1.0 - math.exp(-cumhaz[-1]))))
    if events >= n:
        return pd.DataFrame({"time": t_event, "event": np.ones(n, int)})
    # censoring C = c * u, uniform on (0, c); choose c so that exactly `events` have T <= C.
    ratio = np.sort(t_event / u)  # T_i <= c u_i  <=>  c >= T_i / u_i
    c = 0.5 * (ratio[events - 1] + ratio[events]) if events > 0 else 0.5 * ratio[0]
    cens = c * u
    is_event = t_event <= cens
    return pd.DataFrame({"time": np.where(is_event, t_event, cens), "event": is_event.astype(int)})


def naive_reconstruct_trial(control: ArmSummary, experimental: ArmSummary, *, hr=None,
                            seed: int = 0) -> pd.DataFrame:
    """Naive summary-only reconstruction: the calibration baseline of methods.md section 3.

    Each arm on its own: a piecewise-constant hazard through (0, 1), the median (S = 0.5) and
    the landmark rates, extended past the last point with the last hazard; event times drawn
    from it; censoring uniform on (0, c) with ``c`` tuned so that exactly ``events`` patients
    have their event first (events not published: ``n (1 - S)`` at the last reported point).
    The hazard ratio and follow-up are ignored.

    Parameters
    ----------
    control, experimental : ArmSummary
    hr : HazardRatio, optional
        Accepted for the ``reconstruct_trial`` signature; not used.
    seed : int
        Seed of the numpy Generator.

    Returns
    -------
    DataFrame
        Columns ``arm`` (label, or "control"/"experimental"), ``time`` (months), ``event``.

    Examples
    --------
    >>> arm = ArmSummary(n=76, events=60, median=24.0, landmarks={12: 0.75})
    >>> df = naive_reconstruct_trial(arm, ArmSummary(n=74, events=47, median=33.0), seed=1)
    >>> int(df.groupby("arm")["event"].sum()["control"])
    60
    """
    rng = np.random.default_rng(seed)
    frames = []
    for summary, default in ((control, "control"), (experimental, "experimental")):
        df = _naive_arm(summary, rng)
        df.insert(0, "arm", summary.label if summary.label is not None else default)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)
