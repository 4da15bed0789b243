"""Yard-stick for the curve engine: real patient data, digitised the way a careful person would.

For every arm of the two-group datasets with real right-censored patient data that lifelines
ships, :func:`digitise` draws the true Kaplan-Meier figure as a careful analyst would click it in
WebPlotDigitizer (issue 4; ``shared/reference/methods.md`` section 3):

- clicks at the visible step corners: the top and the bottom of each drop; when there are more
  drops than ``max_clicks`` allows (at most ~240 clicks), drops separated by the shortest gaps
  merge into one visible staircase, clicked at its top-left and bottom-right corners;
- the start (0, 1) and the end of the curve (last follow-up time) are clicked too;
- reading noise: normal, SD 0.2% of the time axis and 0.002 in survival (so clicks can be out of
  order, above 1 and below 0 months), and the clicks are shuffled;
- the numbers-at-risk table every 3, 6, 12 or 24 months by follow-up length
  (:func:`table_spacing`), counted as patients with time >= the column's time;
- total events given.

:func:`arm_error` measures the mean and largest absolute difference between the rebuilt and the
true KM on a grid from 0 to the 90th percentile of follow-up; :func:`run_validation` adds events
and n and, per dataset, |log HR(rebuilt) - log HR(true)| from an unadjusted Cox model (lifelines,
Efron ties). Times are in months (days / 30.4375, weeks * 12 / 52.1775, years * 12).

The datasets follow ``summary_testbed.real_trials`` (same names and arms), plus ``load_dd``
(leaders' tenure in whole years, 1808 leaders: a very large, very tied arm) as a stress case.

This module holds no tests; ``test_curve_validation.py`` and ``benchmarks/`` use it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, datasets
from summary_testbed import km_at, km_steps  # one numpy KM for both test beds

__all__ = [
    "Arm",
    "DigitisedArm",
    "arm_error",
    "arms",
    "cox_log_hr",
    "digitise",
    "km_at",
    "km_steps",
    "run_validation",
    "summary_of",
    "table_spacing",
]

DAYS_PER_MONTH = 365.25 / 12
WEEKS_PER_MONTH = 52.1775 / 12
GRID_POINTS = 200
GRID_QUANTILE = 0.90
MAX_CLICKS = 240
TIME_NOISE = 0.002  # SD as a fraction of the time axis
SURVIVAL_NOISE = 0.002  # SD in survival


@dataclass(frozen=True, eq=False)
class Arm:
    """One arm of a dataset with its true patient-level data (months)."""

    dataset: str
    label: str
    time: np.ndarray
    event: np.ndarray
    experimental: bool


@dataclass(frozen=True, eq=False)
class DigitisedArm:
    """What an analyst would have of :class:`Arm`: clicks, table, totals."""

    arm: Arm
    clicks: pd.DataFrame
    at_risk: pd.DataFrame
    total_events: int
    axis_max: float


def _pair(out, dataset, time, event, experimental, labels):
    time = np.asarray(time, dtype=float)
    event = np.asarray(event).astype(int)
    experimental = np.asarray(experimental).astype(bool)
    for flag, label in zip((False, True), labels, strict=True):
        mask = experimental == flag
        out.append(Arm(dataset, label, time[mask], event[mask], flag))


def arms() -> list[Arm]:
    """All arms of the test bed (two per dataset, control first).

    Examples
    --------
    >>> len(arms())
    20
    """
    out: list[Arm] = []
    df = datasets.load_gbsg2()
    _pair(out, "gbsg2_rfs_hormone", df["time"] / DAYS_PER_MONTH, df["cens"],
          df["horTh"] == "yes", ("no tamoxifen", "tamoxifen"))
    df = datasets.load_lymph_node()
    _pair(out, "gbsg_os_hormone", df["survtime"] / DAYS_PER_MONTH, df["censdead"],
          df["hormone"] == 2, ("no tamoxifen", "tamoxifen"))
    df = datasets.load_rossi()
    _pair(out, "rossi_arrest_financial_aid", df["week"] / WEEKS_PER_MONTH, df["arrest"],
          df["fin"] == 1, ("no aid", "financial aid"))
    df = datasets.load_lung()
    status = df["status"] - 1 if set(df["status"]) == {1, 2} else df["status"]
    _pair(out, "lung_os_sex", df["time"] / DAYS_PER_MONTH, status, df["sex"] == 2,
          ("male", "female"))
    df = datasets.load_kidney_transplant()
    male = (df["black_male"] + df["white_male"]) == 1
    _pair(out, "kidney_transplant_os_sex", df["time"] / DAYS_PER_MONTH, df["death"], ~male,
          ("male", "female"))
    df = datasets.load_leukemia()
    _pair(out, "leukemia_remission_6mp", df["t"] / WEEKS_PER_MONTH, df["status"], df["Rx"] == 0,
          ("placebo", "6-MP"))
    df = datasets.load_waltons()
    _pair(out, "waltons_fly_mir137", df["T"] / DAYS_PER_MONTH, df["E"],
          df["group"] == "miR-137", ("control", "miR-137"))
    df = datasets.load_larynx()
    advanced = df[["Stage_II", "Stage_III", "Stage_IV"]].sum(axis=1) > 0
    _pair(out, "larynx_os_stage", df["time"] * 12, df["death"], advanced,
          ("stage I", "stage II-IV"))
    df = datasets.load_lymphoma()
    _pair(out, "lymphoma_os_stage", df["Time"] / DAYS_PER_MONTH, df["Censor"],
          df["Stage_group"] == 2, ("stage group 1", "stage group 2"))
    df = datasets.load_dd()
    _pair(out, "dd_tenure_democracy", df["duration"] * 12, df["observed"],
          df["democracy"] == "Democracy", ("non-democracy", "democracy"))
    return out


def cox_log_hr(time, event, experimental) -> float:
    """Unadjusted Cox log hazard ratio (lifelines, Efron ties)."""
    df = pd.DataFrame({"time": np.asarray(time, dtype=float),
                       "event": np.asarray(event).astype(int),
                       "experimental": np.asarray(experimental).astype(int)})
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the value is checked below
        cph = CoxPHFitter().fit(df, "time", "event")
    beta = float(cph.params_["experimental"])
    if not math.isfinite(beta):
        raise ValueError("Cox fit failed: non-finite log hazard ratio.")
    return beta


# --------------------------------------------------------------------------------------------
# Digitisation
# --------------------------------------------------------------------------------------------
def table_spacing(max_follow_up: float) -> float:
    """Spacing of the at-risk table (months): 3, 6, 12 or 24 by follow-up length."""
    if max_follow_up <= 24:
        return 3.0
    if max_follow_up <= 60:
        return 6.0
    if max_follow_up <= 150:
        return 12.0
    return 24.0


def digitise(arm: Arm, rng: np.random.Generator, *, max_clicks: int = MAX_CLICKS,
             time_noise: float = TIME_NOISE, survival_noise: float = SURVIVAL_NOISE,
             axis_max: float | None = None) -> DigitisedArm:
    """Clicks, at-risk table and total events of ``arm``'s KM, as a careful analyst reads them.

    ``axis_max`` is the figure's time axis (shared by both arms of a figure); by default the last
    follow-up rounded up to the table spacing.
    """
    t_max = float(arm.time.max())
    spacing = table_spacing(t_max)
    if axis_max is None:
        axis_max = spacing * math.ceil(t_max / spacing)
    t_ev, s_after = km_steps(arm.time, arm.event)
    s_before = np.concatenate([[1.0], s_after[:-1]])
    n_groups = max(1, (max_clicks - 2) // 2)
    if t_ev.size > n_groups:
        # the drops separated by the widest gaps stay visible; the rest merge with a neighbour
        gaps = np.diff(t_ev)
        cut = np.sort(np.argsort(-gaps, kind="stable")[: n_groups - 1]) + 1
        first = np.concatenate([[0], cut])
        last = np.concatenate([cut - 1, [t_ev.size - 1]])
    else:
        first = last = np.arange(t_ev.size)
    ct = [np.array([0.0]), t_ev[first], t_ev[last]]
    cs = [np.array([1.0]), s_before[first], s_after[last]]
    if t_max > (t_ev[-1] if t_ev.size else 0.0):
        ct.append(np.array([t_max]))
        cs.append(np.array([s_after[-1] if s_after.size else 1.0]))
    ct, cs = np.concatenate(ct), np.concatenate(cs)
    ct = ct + rng.normal(0.0, time_noise * axis_max, ct.size)
    cs = cs + rng.normal(0.0, survival_noise, cs.size)
    order = rng.permutation(ct.size)
    clicks = pd.DataFrame({"time": ct[order], "survival": cs[order]})
    times = np.arange(0.0, t_max + 1e-9, spacing)
    sorted_t = np.sort(arm.time)
    counts = sorted_t.size - np.searchsorted(sorted_t, times, side="left")
    table = pd.DataFrame({"time": times, "at_risk": counts})
    return DigitisedArm(arm, clicks, table, int(arm.event.sum()), float(axis_max))


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------
def arm_error(arm: Arm, rebuilt: pd.DataFrame) -> dict:
    """Mean and largest |rebuilt KM - true KM| on 200 points from 0 to the 90th percentile of
    follow-up, plus n and events of both."""
    grid = np.linspace(0.0, float(np.quantile(arm.time, GRID_QUANTILE)), GRID_POINTS)
    true = km_at(km_steps(arm.time, arm.event), grid)
    got = km_at(km_steps(rebuilt["time"], rebuilt["event"]), grid)
    diff = np.abs(got - true)
    return {
        "mean_abs": float(diff.mean()),
        "max_abs": float(diff.max()),
        "n_true": int(arm.time.size),
        "n_rebuilt": len(rebuilt),
        "events_true": int(arm.event.sum()),
        "events_rebuilt": int(rebuilt["event"].sum()),
    }


def run_validation(reconstruct: Callable[[DigitisedArm], pd.DataFrame], *, seed: int = 20240,
                   all_arms: list[Arm] | None = None, cox: bool = True) -> pd.DataFrame:
    """One row per arm: errors, totals and (per dataset) the log HR error; plus timing.

    ``reconstruct`` maps a :class:`DigitisedArm` to a DataFrame[time, event]. Each dataset gets
    its own random stream (``seed`` and the dataset's position), so adding one does not change
    the others.
    """
    import time as _time

    all_arms = arms() if all_arms is None else all_arms
    rows = []
    by_dataset: dict[str, list] = {}
    names = list(dict.fromkeys(a.dataset for a in all_arms))
    for arm in all_arms:
        rng = np.random.default_rng([seed, names.index(arm.dataset), int(arm.experimental)])
        pair = [a for a in all_arms if a.dataset == arm.dataset]
        axis = max(table_spacing(float(a.time.max())) for a in pair)
        axis = axis * math.ceil(max(float(a.time.max()) for a in pair) / axis)
        dig = digitise(arm, rng, axis_max=axis)
        start = _time.perf_counter()
        rebuilt = reconstruct(dig)
        elapsed = _time.perf_counter() - start
        row = {"dataset": arm.dataset, "arm": arm.label, "clicks": len(dig.clicks),
               "ms": 1000 * elapsed, **arm_error(arm, rebuilt)}
        rows.append(row)
        by_dataset.setdefault(arm.dataset, []).append((arm, rebuilt, row))
    if cox:
        for items in by_dataset.values():
            if len(items) != 2:
                continue
            true_t = np.concatenate([a.time for a, _, _ in items])
            true_e = np.concatenate([a.event for a, _, _ in items])
            true_x = np.concatenate([np.full(a.time.size, a.experimental) for a, _, _ in items])
            reb_t = np.concatenate([r["time"].to_numpy() for _, r, _ in items])
            reb_e = np.concatenate([r["event"].to_numpy() for _, r, _ in items])
            reb_x = np.concatenate([np.full(len(r), a.experimental) for a, r, _ in items])
            err = abs(cox_log_hr(reb_t, reb_e, reb_x) - cox_log_hr(true_t, true_e, true_x))
            for _, _, row in items:
                row["log_hr_abs_error"] = err
    return pd.DataFrame(rows)


def summary_of(table: pd.DataFrame) -> pd.Series:
    """Headline numbers of a validation table (the issue's targets)."""
    keys = ["seed", "dataset"] if "seed" in table else ["dataset"]
    per_dataset = table.drop_duplicates(keys)  # one log HR per dataset and digitisation
    out = {
        "arms": len(table),
        "median_mean_abs": float(table["mean_abs"].median()),
        "worst_mean_abs": float(table["mean_abs"].max()),
        "worst_max_abs": float(table["max_abs"].max()),
        "events_off_max": int((table["events_rebuilt"] - table["events_true"]).abs().max()),
        "n_off_max": int((table["n_rebuilt"] - table["n_true"]).abs().max()),
        "median_ms": float(table["ms"].median()),
    }
    if "log_hr_abs_error" in table:
        out["median_log_hr_abs_error"] = float(per_dataset["log_hr_abs_error"].median())
        out["worst_log_hr_abs_error"] = float(per_dataset["log_hr_abs_error"].max())
    return pd.Series(out)
