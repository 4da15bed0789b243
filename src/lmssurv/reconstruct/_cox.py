"""A fast two-group Cox model (one binary covariate, Breslow ties) for the engine's HR matching.

lifelines' CoxPHFitter takes ~50 ms a fit; the engine refits a dozen times per reconstruction.
The checks and the tests use lifelines; ``tests/test_engine.py`` compares the two.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["cox_fit", "cox_log_hr"]


def cox_log_hr(time: np.ndarray, event: np.ndarray, group: np.ndarray) -> float:
    """Maximum partial likelihood log HR of ``group == 1`` vs ``group == 0`` (Breslow ties).

    Newton-Raphson from 0; returns ``nan`` when one group has no events and the estimate
    diverges.
    """
    return cox_fit(time, event, group)[0]


def cox_fit(time: np.ndarray, event: np.ndarray, group: np.ndarray) -> tuple[float, float]:
    """``(log HR, its standard error)``: the Newton fit of :func:`cox_log_hr` and
    ``1 / sqrt(information)`` at the estimate (``nan`` for both when it diverges)."""
    order = np.argsort(-np.asarray(time, dtype=float), kind="stable")
    t = np.asarray(time, dtype=float)[order]
    d = np.asarray(event, dtype=float)[order]
    z = np.asarray(group, dtype=float)[order]
    # Risk sets: everyone with time >= t; cumulative sums over descending time, tie-closed.
    n1 = np.cumsum(z)
    n0 = np.cumsum(1.0 - z)
    last_of_tie = np.r_[t[1:] != t[:-1], True]
    ends = np.nonzero(last_of_tie)[0]
    idx = ends[np.searchsorted(ends, np.arange(t.size))]  # last row tied with each row
    n1, n0 = n1[idx], n0[idx]
    ev = d > 0
    n1, n0, z_ev = n1[ev], n0[ev], z[ev]
    if z_ev.sum() == 0 or z_ev.sum() == z_ev.size:
        return float("nan"), float("nan")
    beta, info = 0.0, math.nan
    for _ in range(50):
        r = n1 * np.exp(beta)
        p = r / (r + n0)
        score = float(np.sum(z_ev - p))
        info = float(np.sum(p * (1.0 - p)))
        step = score / info
        beta += float(np.clip(step, -1.0, 1.0))
        if abs(step) < 1e-10:
            break
    return beta, 1.0 / math.sqrt(info)
