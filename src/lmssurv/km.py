"""The Kaplan-Meier estimate in numpy alone (no lifelines, no scipy), cheap to import.

Every KM number in lmssurv comes from here:

- :func:`km_table` - the table at distinct event times (at risk, events, S, Greenwood
  variance), read by the estimates in :mod:`lmssurv.compare` and the checks' helpers;
- :func:`km_step` - the same estimate as (times, S) only (the curve engine, plots, accuracy);
- :func:`km_levels` - row by row (the summary engine's landmark polishing and self-check);
- :func:`km_at` - S at given times from any of them (right-continuous, or the left limit);
- :func:`loglog_band` - the pointwise log-log CI of S, used for landmark CIs, median CIs and
  the engine's median-CI pins;
- :func:`rmst_with_variance` - the RMST and its Greenwood-type variance;
- :func:`half_step` - half the KM step one event makes, the floor of every landmark tolerance.

The summary engine evaluates it thousands of times per rebuild (landmark polishing) and in its
self-check, which ``import lmssurv`` loads eagerly for ``ReconstructionWarning``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["KMTable", "greenwood_by_row", "half_step", "km_at", "km_levels", "km_step", "km_table",
           "loglog_band", "rmst_with_variance"]


def km_levels(time, event) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The Kaplan-Meier step function of one arm, row by row.

    Returns ``(t, e, r, km)``: times sorted with events before censorings at equal times, the
    event indicator (float), the number at risk just before each row, and the KM level after
    it. The summary engine's landmark polishing and its self-check both read the KM
    from here.

    Examples
    --------
    >>> t, e, r, km = km_levels([3, 1, 2], [1, 1, 0])  # events at 1 and 3, censored at 2
    >>> t.tolist(), r.tolist(), km.round(4).tolist()
    ([1.0, 2.0, 3.0], [3, 2, 1], [0.6667, 0.6667, 0.0])
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event)
    order = np.lexsort((1 - event, time))
    t, e = time[order], event[order].astype(float)
    r = t.size - np.arange(t.size)
    return t, e, r, np.cumprod(1.0 - e / r)


def km_step(time, event) -> tuple[np.ndarray, np.ndarray]:
    """The Kaplan-Meier estimate as distinct event times and the survival just after each.

    The product-limit estimator (Kaplan & Meier, JASA 1958;53:457-481): ``S(t) = prod over
    event times u <= t of (1 - d_u / n_u)``, with ``d_u`` events at ``u`` and ``n_u`` patients
    with time >= u. ``time`` in months; ``event`` 1 (event) or 0 (censored). No events: two
    empty arrays (S stays 1).

    Examples
    --------
    >>> times, surv = km_step([1.0, 2, 2, 3], [1, 1, 0, 1])
    >>> times.tolist(), surv.round(4).tolist()
    ([1.0, 2.0, 3.0], [0.75, 0.5, 0.0])
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event)
    t_ev = np.unique(time[event == 1])
    if t_ev.size == 0:
        return t_ev, t_ev.copy()
    srt = np.sort(time)
    risk = srt.size - np.searchsorted(srt, t_ev, side="left")
    deaths = np.bincount(np.searchsorted(t_ev, time[event == 1]), minlength=t_ev.size)
    return t_ev, np.cumprod(1.0 - deaths / risk)


@dataclass(frozen=True)
class KMTable:
    """The Kaplan-Meier table at the distinct event times.

    Attributes
    ----------
    times : ndarray
        Distinct event times, increasing (months).
    at_risk : ndarray
        ``n_j``, patients with time >= ``times[j]``.
    events : ndarray
        ``d_j``, events at ``times[j]`` (int).
    surv : ndarray
        ``S(t_j)``, the level just after ``times[j]``.
    n, n_events : int
        Patients and events in the data.
    last_time : float
        Largest observed time (event or censoring).
    """

    times: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    surv: np.ndarray
    n: int
    n_events: int
    last_time: float

    @property
    def greenwood_terms(self) -> np.ndarray:
        """``d_j / (n_j (n_j - d_j))``, 0 where everyone at risk has the event (S drops to 0)."""
        denom = self.at_risk * (self.at_risk - self.events)
        return np.divide(self.events, denom, out=np.zeros(self.times.size), where=denom > 0)

    @property
    def greenwood(self) -> np.ndarray:
        """Greenwood's variance of ``log S(t_j)``: the running sum of :attr:`greenwood_terms`."""
        return np.cumsum(self.greenwood_terms)

    def survival_at(self, t: float) -> float:
        """``S(t)``, right-continuous (a step at ``t`` counts at ``t``); 1 before any event."""
        k = int(np.searchsorted(self.times, t, side="right"))
        return 1.0 if k == 0 else float(self.surv[k - 1])

    def greenwood_at(self, t: float) -> float:
        """Greenwood's variance of ``log S(t)`` (the sum over event times <= ``t``)."""
        k = int(np.searchsorted(self.times, t, side="right"))
        return 0.0 if k == 0 else float(self.greenwood[k - 1])

    def defined_until(self) -> float:
        """The KM is defined up to the last observed time, and for ever once it reaches 0."""
        if self.surv.size and self.surv[-1] == 0.0:
            return math.inf
        return self.last_time


def half_step(level: float, at_risk: int) -> float:
    """Half the drop one event makes in a KM at ``level`` with ``at_risk`` patients: ``S/(2Y)``.

    A step curve cannot in general be placed closer than this to a published rate, so both the
    engine's self-check (:func:`lmssurv.reconstruct.diagnostics.landmark_tolerance`) and
    :mod:`lmssurv.checks` tolerate at least this much. 0 without patients at risk or for a
    NaN level (a landmark past follow-up).

    Examples
    --------
    >>> half_step(0.4, 20)
    0.01
    """
    return level / (2 * at_risk) if at_risk > 0 and math.isfinite(level) else 0.0


def km_table(time, event) -> KMTable:
    """The Kaplan-Meier table of one arm (``time`` in months, ``event`` 1 or 0; not validated).

    Examples
    --------
    >>> km = km_table([1.0, 2, 2, 3], [1, 1, 0, 1])
    >>> km.times.tolist(), km.at_risk.tolist(), km.events.tolist(), km.surv.tolist()
    ([1.0, 2.0, 3.0], [4, 3, 1], [1, 1, 1], [0.75, 0.5, 0.0])
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    times, inverse = np.unique(t, return_inverse=True)
    removed = np.bincount(inverse, minlength=times.size)  # everyone leaving at each time
    deaths = np.bincount(inverse, weights=e, minlength=times.size)
    at_risk = t.size - np.concatenate(([0], np.cumsum(removed)[:-1]))
    keep = deaths > 0
    times, at_risk, deaths = times[keep], at_risk[keep], deaths[keep].astype(int)
    surv = np.cumprod(1.0 - deaths / at_risk)
    return KMTable(times, at_risk, deaths, surv, int(t.size), int(e.sum()),
                   float(t.max()) if t.size else 0.0)


def km_at(times, surv, t, *, left: bool = False) -> np.ndarray:
    """A KM step function given as ``(times, surv)`` evaluated at ``t``.

    ``times`` increasing (ties allowed, as in :func:`km_levels` rows), ``surv[j]`` the level
    just after ``times[j]``. Right-continuous: a step at ``t`` counts at ``t``; ``left=True``
    gives the left limit ``S(t-)``, the value just before ``t``. 1 before the first time.

    Examples
    --------
    >>> times, surv = km_step([1.0, 2, 2, 3], [1, 1, 0, 1])
    >>> km_at(times, surv, [0.5, 2.0, 2.0]).tolist(), km_at(times, surv, [2.0], left=True).tolist()
    ([1.0, 0.5, 0.5], [0.75])
    """
    surv = np.asarray(surv)
    if surv.size == 0:
        return np.ones_like(t, dtype=float)
    idx = np.searchsorted(times, t, side="left" if left else "right") - 1
    return np.where(idx < 0, 1.0, surv[np.maximum(idx, 0)])


def loglog_band(surv, greenwood, z: float):
    """Pointwise log-log CI ``(lower, upper)`` of KM levels with Greenwood variances.

    ``S ** exp(+/- z sigma / log S)`` with ``sigma**2`` Greenwood's variance of ``log S``
    (Kalbfleisch & Prentice 2002; R ``survfit(conf.type = "log-log")``, SAS PROC LIFETEST and
    lifelines' default). ``z`` is the two-sided normal quantile (1.96 for 95%).

    Python floats in give floats out, computed with :mod:`math` (the summary engine calls this
    once per placed event); arrays give arrays. Where ``S = 1`` both limits are 1; where the
    variance is infinite (everyone at risk had the event) the band is (0, 1). At ``S = 0`` the
    transform is undefined: floats give (0, 0), arrays give 0 or NaN; callers needing a
    convention there apply it themselves.

    Examples
    --------
    >>> lo, hi = loglog_band(0.5, 0.05, 1.959963984540054)
    >>> round(lo, 4), round(hi, 4)
    (0.2713, 0.6919)
    """
    if isinstance(surv, float) and isinstance(greenwood, float):
        if surv >= 1.0:
            return 1.0, 1.0
        if surv <= 0.0 or not math.isfinite(greenwood):
            return 0.0, 0.0 if surv <= 0.0 else 1.0
        spread = math.exp(z * math.sqrt(greenwood) / -math.log(surv))
        return surv**spread, surv ** (1.0 / spread)
    surv = np.asarray(surv, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.exp(z * np.sqrt(greenwood) / -np.log(surv))
        return surv**spread, surv ** (1.0 / spread)


def greenwood_by_row(event, at_risk) -> np.ndarray:
    """Greenwood's variance of ``log S`` row by row, for :func:`km_levels` output.

    Each event row adds ``1 / (r (r - 1))``; over tied events these sum (telescoping) to the
    table's ``d / (n (n - d))`` up to rounding. The summary engine's pins use this form.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.cumsum(np.where(event > 0, 1.0 / (at_risk * (at_risk - 1.0)), 0.0))


def rmst_with_variance(km: KMTable, tau: float) -> tuple[float, float]:
    """Restricted mean survival up to ``tau`` months (area under the KM) and its variance.

    The variance is ``sum_j A_j**2 d_j / (n_j (n_j - d_j))`` over event times ``t_j <= tau``,
    ``A_j`` the area from ``t_j`` to ``tau`` (Klein & Moeschberger 2003, section 4.5). The
    caller checks that ``tau`` is within follow-up.

    Examples
    --------
    >>> est, var = rmst_with_variance(km_table([1, 2, 3, 4, 5], [1, 0, 1, 1, 0]), 4.5)
    >>> round(est, 4), round(var, 4)
    (3.2667, 0.3399)
    """
    inside = km.times <= tau
    t_j, s_j = km.times[inside], km.surv[inside]
    # knots 0 = t_0 < t_1 < ... < t_k <= tau; S(u) = s_{j-1} on [t_{j-1}, t_j)
    knots = np.concatenate(([0.0], t_j, [tau]))
    levels = np.concatenate(([1.0], s_j))
    pieces = levels * np.diff(knots)
    total = float(pieces.sum())
    # A_j = area from t_j to tau = sum of pieces after knot j
    tail = np.cumsum(pieces[::-1])[::-1][1:]
    return total, float(np.sum(tail**2 * km.greenwood_terms[inside]))
