"""Digitised clicks: checked input arrays, and cleaning them into a monotone curve."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from lmssurv._validation import InputError, require_frame

__all__ = ["CLIP_TOLERANCE", "SURVIVAL_PRECISION", "TIME_PRECISION", "clean", "clean_clicks",
           "curve_arrays", "frame_from_mapping", "numeric_column"]

_SCALES = {"proportion": 1.0, "percent": 100.0}
#: Clicks up to this far above 1 (or below 0) on the proportion scale are taken as reading noise
#: and clipped; further out they are an error.
CLIP_TOLERANCE = 0.05
#: Reading precision assumed when ordering clicks along the curve: 0.2% of the time axis and
#: 0.002 in survival (a careful digitiser on a 10 cm axis). Only their ratio matters.
TIME_PRECISION = 0.002
SURVIVAL_PRECISION = 0.002


def frame_from_mapping(obj: object, name: str, columns: tuple[str, ...]) -> object:
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


def numeric_column(df: pd.DataFrame, column: str, name: str) -> np.ndarray:
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


def curve_arrays(curve: object, scale: str, name: str = "curve") -> tuple[np.ndarray, np.ndarray]:
    """Validated (time, survival-as-proportion) arrays, before any cleaning."""
    if not isinstance(scale, str) or scale not in _SCALES:
        raise InputError(f"scale must be 'proportion' or 'percent', got {scale!r}.")
    curve = frame_from_mapping(curve, name, ("time", "survival"))
    require_frame(
        curve, name, ["time", "survival"],
        type_hint="Use read_digitised(path) for a WebPlotDigitizer CSV export.",
        missing_hint="Rename the columns to time, survival (read_digitised does this for you).",
        empty="clicks; digitise at least the curve's corners.")
    time = numeric_column(curve, "time", name)
    surv = numeric_column(curve, "survival", name)
    top = float(surv.max())
    if scale == "proportion" and top > 1.0 + CLIP_TOLERANCE:
        hint = (" The clicks look like percentages: pass scale='percent'."
                if top <= 100.0 * (1.0 + CLIP_TOLERANCE) else "")
        raise InputError(
            f"{name}.survival must be a proportion in [0, 1] under scale='proportion', but its "
            f"largest value is {top!r}.{hint}"
        )
    if scale == "percent":
        if top <= 1.0 + CLIP_TOLERANCE and len(surv) > 1:
            raise InputError(
                f"{name}.survival is on the percent scale but its largest value is {top!r} "
                "(survival never above 1%). The clicks look like proportions: pass "
                "scale='proportion'."
            )
        if top > 100.0 * (1.0 + CLIP_TOLERANCE):
            raise InputError(
                f"{name}.survival must be a percentage in [0, 100] under scale='percent', but its "
                f"largest value is {top!r}. Check the digitiser's axis calibration."
            )
    surv = surv / _SCALES[scale]
    low = float(surv.min())
    if low < -CLIP_TOLERANCE:
        raise InputError(
            f"{name}.survival has a value of {low * _SCALES[scale]!r}, well below 0. Check the "
            "digitiser's axis calibration."
        )
    span = float(time.max() - min(time.min(), 0.0))
    if time.min() < -CLIP_TOLERANCE * max(span, 1e-12):
        raise InputError(
            f"{name}.time has a value of {float(time.min())!r}, well before 0. Check the "
            "digitiser's axis calibration (time must start at 0 months)."
        )
    return time, surv


# --------------------------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------------------------
def clean(time: np.ndarray, surv: np.ndarray, last_time: float = math.inf
           ) -> tuple[np.ndarray, np.ndarray, dict]:
    record: dict = {"clicks": int(time.size)}
    record["time_below_0_clipped"] = int(np.sum(time < 0))
    record["survival_above_1_clipped"] = int(np.sum(surv > 1))
    record["survival_below_0_clipped"] = int(np.sum(surv < 0))
    time = np.clip(time, 0.0, None)
    surv = np.clip(surv, 0.0, 1.0)
    # A KM curve is 1 at time 0. A click at 0 below 1 (callers refuse more than CLIP_TOLERANCE)
    # is a drop drawn against the y axis: events too early to resolve, which belong after 0,
    # not at 0, where most survival software refuses an event.
    dip = (time == 0.0) & (surv < 1.0)
    record["survival_at_0_raised"] = int(dip.sum())
    surv = np.where(dip, 1.0, surv)
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
    key = time / (span * TIME_PRECISION) + (1.0 - surv) / SURVIVAL_PRECISION
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
    [0, 1] (at most 5% outside, else an error), raise clicks at time 0 to survival 1 (a drop
    drawn against the y axis is events just after 0, not at 0), drop exact duplicate clicks and clicks at or after
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
    time, surv = curve_arrays(curve, scale)
    t, s, record = clean(time, surv, math.inf if last_time is None else float(last_time))
    out = pd.DataFrame({"time": t, "survival": s})
    out.attrs["cleaning"] = record
    return out
