"""What an ensemble of reconstructions says: pointwise bands and intervals over the draws.

An ensemble (:func:`lmssurv.reconstruct_ensemble`) is many pseudo-trials that all reproduce
the published numbers. Its spread is what the publication leaves open about the curves, not
the trial's sampling error: a 90% band here is where 90% of the plausible reconstructions lie,
and it is calibrated against the true Kaplan-Meier curves of real trials
(``tests/validation/test_ensemble_calibration.py``). Every statistic of a draw comes from
:mod:`lmssurv.compare` (Kaplan-Meier, median, RMST) and :mod:`lmssurv.cox` (HR); this module
only takes quantiles over the draws. Times are in months.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from lmssurv._validation import InputError, require_frame
from lmssurv.compare import median_survival, rmst, survival_curve
from lmssurv.cox import cox_two_arms

__all__ = ["summarise_ensemble", "survival_band"]

_COLUMNS = ["draw", "arm", "time", "event"]


def _check_ensemble(ens: object) -> pd.DataFrame:
    require_frame(ens, "ens", _COLUMNS, kind="pandas DataFrame",
                  missing_hint="Pass the output of lmssurv.reconstruct_ensemble.",
                  empty="rows; pass an ensemble with at least one draw.")
    time = pd.to_numeric(ens["time"], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(time)) or np.any(time < 0):
        bad = ens["time"].to_numpy()[~np.isfinite(time) | (time < 0)][0]
        raise InputError(f"ens.time must be finite months >= 0, got {bad!r}; fix that row.")
    event = pd.to_numeric(ens["event"], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isin(event, (0.0, 1.0))):
        bad = ens["event"].to_numpy()[~np.isin(event, (0.0, 1.0))][0]
        raise InputError(f"ens.event must be 0 or 1, got {bad!r}; recode that row.")
    return ens


def _check_level(level: object) -> float:
    if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)) \
            or not 0 < float(level) < 1:
        raise InputError(f"level must be a number in (0, 1), got {level!r}; e.g. level=0.90.")
    return float(level)


def _quantiles(values: np.ndarray, level: float) -> np.ndarray:
    """(lower, median, upper) over axis 0, ignoring NaN (a draw where the value is undefined)."""
    q = [(1 - level) / 2, 0.5, (1 + level) / 2]
    if np.all(np.isnan(values)):
        return np.full((3,) + values.shape[1:], math.nan)
    with np.errstate(invalid="ignore"):  # inf (a median not reached) is a valid value
        return np.nanquantile(values, q, axis=0)


def _draws(ens: pd.DataFrame):
    """{arm: [(time, event) per draw]} in the order the arms first appear."""
    out: dict[str, list] = {}
    for (arm, _), g in ens.groupby(["arm", "draw"], sort=False):
        out.setdefault(str(arm), []).append((g["time"].to_numpy(float),
                                             g["event"].to_numpy(int)))
    return out


def survival_band(ens: pd.DataFrame, times: Iterable[float], level: float = 0.90
                  ) -> pd.DataFrame:
    """Pointwise band of the draws' Kaplan-Meier curves.

    Parameters
    ----------
    ens : DataFrame
        An ensemble: columns ``draw``, ``arm``, ``time`` (months), ``event`` (0/1), as
        :func:`lmssurv.reconstruct_ensemble` returns.
    times : iterable of float
        Where to evaluate the curves (months, >= 0).
    level : float
        Share of the draws inside the band at each time (default 0.90).

    Returns
    -------
    DataFrame
        Columns ``arm``, ``time``, ``lower``, ``estimate``, ``upper``: at each time the
        ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles and the median of the draws'
        Kaplan-Meier survival (each carried flat after its last event). On real trials not
        used for tuning the 90% band holds the true curve at the share of times that
        ``benchmarks/ensemble.py`` reports.

    Examples
    --------
    >>> import pandas as pd
    >>> ens = pd.DataFrame({"draw": [0, 0, 1, 1], "arm": "a", "time": [1.0, 2.0, 1.5, 2.0],
    ...                     "event": [1, 0, 1, 0]})
    >>> band = survival_band(ens, [1.2], level=0.5)  # the draws' KM at 1.2: 0.5 and 1.0
    >>> band[["lower", "estimate", "upper"]].values.tolist()  # quantiles 25%, 50%, 75%
    [[0.625, 0.75, 0.875]]
    """
    ens = _check_ensemble(ens)
    level = _check_level(level)
    try:
        grid = np.asarray(list(times), dtype=float)
    except (TypeError, ValueError) as err:
        raise InputError(f"times must be numbers (months), got {times!r}.") from err
    if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid < 0):
        raise InputError(
            f"times must be a non-empty list of finite months >= 0, got {times!r}; e.g. "
            "times=numpy.linspace(0, 36, 73)."
        )
    frames = []
    for arm, parts in _draws(ens).items():
        curves = np.vstack([survival_curve(t, e, grid) for t, e in parts])
        lower, estimate, upper = _quantiles(curves, level)
        frames.append(pd.DataFrame({"arm": arm, "time": grid, "lower": lower,
                                    "estimate": estimate, "upper": upper}))
    return pd.concat(frames, ignore_index=True)


def _median(t, e) -> float:
    m = median_survival(t, e).estimate
    return math.inf if math.isnan(m) else m


def _rmst(t, e, tau: float) -> float:
    try:
        return rmst(t, e, tau).estimate
    except InputError:  # tau beyond this draw's follow-up: undefined there
        return math.nan


def _at(t, e, when: float) -> float:
    if when > t.max():
        return math.nan
    return float(survival_curve(t, e, [when])[0])


def summarise_ensemble(ens: pd.DataFrame, taus: Iterable[float] = (12.0, 24.0, 36.0), *,
                       level: float = 0.90) -> pd.DataFrame:
    """Medians, survival, RMST, RMST difference and HR over the draws of an ensemble.

    Parameters
    ----------
    ens : DataFrame
        An ensemble (columns ``draw``, ``arm``, ``time``, ``event``).
    taus : iterable of float
        Horizons (months) of the survival rates ``S(t)`` and the RMSTs.
    level : float
        Share of the draws inside each interval (default 0.90).

    Returns
    -------
    DataFrame
        One row per quantity: ``quantity`` (``"median"``, ``"S(t)"``, ``"RMST(tau)"``,
        ``"RMST difference"``, ``"HR"``), ``arm`` (for a difference or the HR,
        ``"<second> vs <first>"``, the arms in the order they first appear), ``time``
        (months; NaN for the median and HR), ``estimate`` (median over draws), ``lower``,
        ``upper`` (quantiles) and ``draws`` (draws where the quantity is defined: an RMST
        or rate past a draw's follow-up is not). A median not reached is ``inf``. These
        intervals are the reconstruction's uncertainty (what the publication leaves open), not
        the trial's sampling error; per draw the statistics are :func:`lmssurv.rmst`,
        :func:`lmssurv.median_survival` and the Cox HR (Efron ties).

    Examples
    --------
    >>> import pandas as pd
    >>> ens = pd.DataFrame({"draw": [0] * 4 + [1] * 4, "arm": ["a", "a", "b", "b"] * 2,
    ...                     "time": [1.0, 3, 2, 4, 1.5, 3, 2, 4], "event": [1, 0, 1, 0] * 2})
    >>> t = summarise_ensemble(ens, taus=[3])
    >>> t.loc[t.quantity == "RMST(tau)", "estimate"].tolist()  # a: median of 2.0 and 2.25
    [2.125, 2.5]
    """
    ens = _check_ensemble(ens)
    level = _check_level(level)
    try:
        horizons = [float(x) for x in taus]
    except (TypeError, ValueError) as err:
        raise InputError(f"taus must be numbers (months), got {taus!r}.") from err
    if any(not math.isfinite(x) or x <= 0 for x in horizons):
        raise InputError(f"taus must be finite months > 0, got {taus!r}; e.g. taus=(12, 24).")
    draws = _draws(ens)
    rows = []

    def add(quantity, arm, when, values):
        values = np.asarray(values, dtype=float)
        lower, estimate, upper = _quantiles(values, level)
        rows.append({"quantity": quantity, "arm": arm, "time": when, "estimate": estimate,
                     "lower": lower, "upper": upper,
                     "draws": int(np.sum(~np.isnan(values)))})

    rmsts = {}
    for arm, parts in draws.items():
        add("median", arm, math.nan, [_median(t, e) for t, e in parts])
        for tau in horizons:
            add("S(t)", arm, tau, [_at(t, e, tau) for t, e in parts])
        for tau in horizons:
            rmsts[arm, tau] = np.array([_rmst(t, e, tau) for t, e in parts])
            add("RMST(tau)", arm, tau, rmsts[arm, tau])
    arms = list(draws)
    if len(arms) == 2:
        a, b = arms
        pair = f"{b} vs {a}"
        if len(draws[a]) != len(draws[b]):
            raise InputError(f"ens has {len(draws[a])} draws of {a!r} but {len(draws[b])} of "
                             f"{b!r}; every draw must hold both arms.")
        for tau in horizons:
            add("RMST difference", pair, tau, rmsts[b, tau] - rmsts[a, tau])
        hrs = []
        for (t0, e0), (t1, e1) in zip(draws[a], draws[b], strict=True):
            r = cox_two_arms(t0, e0, t1, e1)
            hrs.append(r.hr if math.isfinite(r.hr) else math.nan)
        add("HR", pair, math.nan, hrs)
    return pd.DataFrame(rows, columns=["quantity", "arm", "time", "estimate", "lower", "upper",
                                       "draws"])
