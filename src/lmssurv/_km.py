"""Kaplan-Meier helpers shared by the checks and the plots.

lifelines' ``KaplanMeierFitter.fit`` calls ``np.seterr`` and so changes numpy's error handling
for the whole process; every fit here runs inside ``np.errstate()``, which restores the previous
state on exit. Times are in months.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lmssurv import _normal
from lmssurv._validation import InputError, require_frame
from lmssurv.km import km_table, loglog_band

if TYPE_CHECKING:
    from lifelines import KaplanMeierFitter

__all__ = [
    "CI_TRANSFORMS",
    "at_risk",
    "fit_km",
    "greenwood_sum",
    "landmark_ci",
    "split_arms",
    "survival_at",
    "validate_ipd",
]

CI_TRANSFORMS = ("loglog", "logit", "log", "plain")


def _plain(value: object) -> object:
    """A numpy scalar as the Python value, so messages show ``-2.0``, not ``np.float64(-2.0)``."""
    return value.item() if hasattr(value, "item") else value


def validate_ipd(ipd: object, *, name: str = "ipd", need_arm: bool = False) -> pd.DataFrame:
    """Return ``ipd`` as a clean DataFrame[time, event(, arm)] or raise :class:`InputError`."""
    require_frame(ipd, name, ["time", "event"] + (["arm"] if need_arm else []),
                  kind="pandas DataFrame",
                  missing_hint="Pass the output of Trial.reconstruct or reconstruct_trial.",
                  empty="rows; pass at least one patient.")
    time = pd.to_numeric(ipd["time"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(time) | (time < 0)
    if bad.any():
        raise InputError(
            f"{name}.time must be finite months >= 0; row {int(np.flatnonzero(bad)[0])} has "
            f"{_plain(ipd['time'].iloc[int(np.flatnonzero(bad)[0])])!r}."
        )
    event = pd.to_numeric(ipd["event"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isin(event, (0.0, 1.0))
    if bad.any():
        raise InputError(
            f"{name}.event must be 0 (censored) or 1 (event); row {int(np.flatnonzero(bad)[0])} "
            f"has {_plain(ipd['event'].iloc[int(np.flatnonzero(bad)[0])])!r}."
        )
    out = pd.DataFrame({"time": time, "event": event.astype(int)}, index=ipd.index)
    if "arm" in ipd.columns:
        out.insert(0, "arm", ipd["arm"].astype(str).to_numpy())
    return out.reset_index(drop=True)


def split_arms(ipd: pd.DataFrame, labels: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Split two-arm pseudo-data by arm label, raising if a label is absent."""
    present = list(pd.unique(ipd["arm"]))
    out = {}
    for label in labels:
        part = ipd.loc[ipd["arm"] == label, ["time", "event"]].reset_index(drop=True)
        if part.empty:
            raise InputError(
                f"ipd has no rows for arm {label!r}; its arms are {present}. "
                "Reconstruct with the trial's arm labels."
            )
        out[label] = part
    return out


def fit_km(time, event, *, label: str = "KM", alpha: float = 0.05) -> KaplanMeierFitter:
    """Fit a Kaplan-Meier curve with log-log CIs without leaking lifelines' ``np.seterr``."""
    from lifelines import KaplanMeierFitter  # on use: lifelines is slow to import

    with np.errstate():  # restores whatever numpy error state was set before the fit
        return KaplanMeierFitter(alpha=alpha).fit(
            np.asarray(time, dtype=float), np.asarray(event, dtype=int), label=label
        )


def survival_at(time, event, t: float) -> float:
    """KM survival at ``t`` months; NaN past the last observation unless the curve reached 0.

    lifelines' ``survival_function_at_times`` silently returns the last value beyond the end of
    follow-up; a landmark there is not estimable.
    """
    km = km_table(np.asarray(time, dtype=float), np.asarray(event, dtype=int))
    if t > km.defined_until():
        return math.nan
    return km.survival_at(t)


def at_risk(time, t: float) -> int:
    """Patients still at risk just before ``t`` months (time >= t)."""
    return int(np.sum(np.asarray(time, dtype=float) >= t))


def greenwood_sum(time, event, t: float) -> float:
    """Greenwood's sum ``sum d_i / (Y_i (Y_i - d_i))`` over event times <= ``t``."""
    km = km_table(np.asarray(time, dtype=float), np.asarray(event, dtype=int))
    upto = km.times <= t
    if np.any(km.at_risk[upto] == km.events[upto]):
        return math.inf
    return km.greenwood_at(t)


def landmark_ci(time, event, t: float, *, transform: str = "loglog",
                level: float = 0.95) -> tuple[float, float]:
    """Pointwise CI of the KM survival at ``t`` months with Greenwood's variance.

    ``transform`` is ``"loglog"`` (Kalbfleisch-Prentice; lifelines, SAS and R ``conf.type =
    "log-log"``), ``"logit"``, ``"log"`` (R's default) or ``"plain"``.
    """
    if transform not in CI_TRANSFORMS:
        raise InputError(f"transform must be one of {CI_TRANSFORMS}, got {transform!r}.")
    s = survival_at(time, event, t)
    if not math.isfinite(s):
        return math.nan, math.nan
    if s in (0.0, 1.0):
        return s, s
    g = greenwood_sum(time, event, t)
    z = _normal.z_two_sided(level)
    se_log = math.sqrt(g)  # SE of log S
    if transform == "plain":
        half = z * s * se_log
        return max(0.0, s - half), min(1.0, s + half)
    if transform == "log":
        return s * math.exp(-z * se_log), min(1.0, s * math.exp(z * se_log))
    if transform == "logit":
        lg, se = math.log(s / (1 - s)), se_log / (1 - s)
        return 1 / (1 + math.exp(-(lg - z * se))), 1 / (1 + math.exp(-(lg + z * se)))
    return loglog_band(s, g, z)
