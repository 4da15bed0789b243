"""The two-group Cox proportional hazards model (one binary covariate, Efron ties).

Efron's handling of tied event times is what R's ``coxph`` and lifelines use by default, and
what trial reports mostly print; Breslow's (SAS PHREG's default) differs from it by up to 0.2
on the log scale when many times are tied. One binary covariate makes the partial likelihood a
sum over event rows, so a Newton fit takes a few vector operations (lifelines' CoxPHFitter
takes ~50 ms a fit; the summary engine refits a dozen times per reconstruction).

Reference: Efron B. J Am Stat Assoc 1977;72:557. ``tests/test_cox.py`` compares every number
with lifelines' CoxPHFitter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["CoxResult", "cox_two_arms", "cox_two_group"]

_Z95 = 1.959963984540054


@dataclass(frozen=True)
class CoxResult:
    """Log hazard ratio of ``group == 1`` vs ``group == 0``, its standard error and the HR."""

    log_hr: float
    se: float

    @property
    def hr(self) -> float:
        return _exp(self.log_hr) if math.isfinite(self.log_hr) else math.nan

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        """Wald confidence interval of the HR at ``level`` (an upper limit past the float range
        is ``inf``: two patients' arms can have a standard error in the hundreds).

        >>> CoxResult(0.0, 400.0).ci()
        (0.0, inf)
        """
        from statistics import NormalDist

        z = _Z95 if level == 0.95 else NormalDist().inv_cdf(0.5 + level / 2)
        return _exp(self.log_hr - z * self.se), _exp(self.log_hr + z * self.se)


def _exp(v: float) -> float:
    """``exp(v)``, ``inf`` past the float range instead of an OverflowError (nan stays nan)."""
    try:
        return math.exp(v)
    except OverflowError:
        return math.inf


def cox_two_group(time, event, group) -> CoxResult:
    """Maximum partial likelihood fit of ``group`` (0/1) with Efron's tie correction.

    Returns ``CoxResult(nan, nan)`` when the partial likelihood has no finite maximum: a group
    without events, or one group's events all at times when nobody of the other group is at
    risk (monotone likelihood, where lifelines warns of "complete separation" and R's
    ``coxph`` that the coefficient "may be infinite"; both print a large finite estimate that
    depends on when the iterations stopped), or when the information is zero.

    Examples
    --------
    >>> r = cox_two_group([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 0], [0, 1, 0, 1, 0, 1])
    >>> round(r.hr, 4)
    0.5315
    """
    t = np.asarray(time, dtype=float)
    d = np.asarray(event, dtype=float)
    z = np.asarray(group, dtype=float)
    order = np.argsort(-t, kind="stable")
    t, d, z = t[order], d[order], z[order]
    # Risk sets, tie-closed: everyone with time >= t (cumulative sums over descending time).
    last_of_tie = np.append(t[1:] != t[:-1], True)
    ends = np.nonzero(last_of_tie)[0]
    tie_end = ends[np.searchsorted(ends, np.arange(t.size))]
    n1 = np.cumsum(z)[tie_end]
    n0 = np.cumsum(1.0 - z)[tie_end]
    ev = d > 0
    if not ev.any():
        return CoxResult(math.nan, math.nan)
    return _efron(t[ev], z[ev], n1[ev], n0[ev])


def _efron(t_ev: np.ndarray, z_ev: np.ndarray, n1: np.ndarray, n0: np.ndarray) -> CoxResult:
    """The Newton fit on the event rows: times ``t_ev`` in descending order (stable), their
    groups ``z_ev`` and the tie-closed numbers at risk ``n1``, ``n0`` (time >= t) there."""
    # Efron: the l-th of the d events tied at a time (l = 0..d-1) sees the risk set less the
    # fraction l/d of the tied events of each group.
    # t_ev is sorted (descending): the index of each time among the distinct times in
    # ascending order (np.unique's inverse) without sorting again
    first = np.append(True, t_ev[1:] != t_ev[:-1])
    if np.isnan(t_ev).any():
        key = np.unique(t_ev, return_inverse=True)[1]
        first = np.append(True, key[1:] != key[:-1])
    elif first.all():
        key = None  # no tied event times: every fraction is 0 and the risk sets stay
    else:
        group = np.cumsum(first) - 1
        key = group[-1] - group
    if key is None:
        r1, r0 = n1, n0  # n - 0.0 * x is n, to the bit
    else:
        d_all = np.bincount(key)
        d_one = np.bincount(key, weights=z_ev)
        start = np.maximum.accumulate(np.where(first, np.arange(key.size), 0))
        frac = (np.arange(key.size) - start) / d_all[key]
        r1 = n1 - frac * d_one[key]
        r0 = n0 - frac * (d_all - d_one)[key]
    # The log partial likelihood is concave in beta, so it has a finite maximum exactly when
    # the score changes sign: as beta -> +inf each event's term z - p tends to z - [r1 > 0],
    # so the score stays positive (beta diverges upwards) when no control event has an
    # experimental patient at risk; as beta -> -inf, symmetrically. This covers a group
    # without events too (monotone likelihood: Bryson & Johnson, Biometrika 1981;68:135).
    if not ((z_ev == 0) & (r1 > 0)).any() or not ((z_ev == 1) & (r0 > 0)).any():
        return CoxResult(math.nan, math.nan)
    beta, info = 0.0, math.nan
    add_reduce = np.add.reduce
    # the same operations as p = w / (w + r0) etc., into buffers made once
    w, p, tmp = np.empty_like(r1), np.empty_like(r1), np.empty_like(r1)
    for _ in range(60):
        np.multiply(r1, math.exp(beta), out=w)
        np.add(w, r0, out=tmp)
        np.divide(w, tmp, out=p)
        # np.add.reduce is ndarray.sum without its Python-level wrapper (the same reduction)
        score = float(add_reduce(np.subtract(z_ev, p, out=tmp)))
        np.subtract(1.0, p, out=tmp)
        info = float(add_reduce(np.multiply(p, tmp, out=tmp)))
        if not info > 0:
            return CoxResult(math.nan, math.nan)
        step = score / info
        beta += min(max(step, -1.0), 1.0)  # nan stays nan, as with np.clip
        if abs(step) < 1e-10:
            break
    return CoxResult(beta, 1.0 / math.sqrt(info))


def cox_two_arms(control_time, control_event, experimental_time, experimental_event) -> CoxResult:
    """:func:`cox_two_group` of two arms given apart: the experimental arm vs the control arm.

    Examples
    --------
    >>> round(cox_two_arms([1, 3, 5], [1, 1, 1], [2, 4, 6], [1, 1, 0]).hr, 4)
    0.5315
    """
    t0, t1 = np.asarray(control_time, dtype=float), np.asarray(experimental_time, dtype=float)
    d0, d1 = np.asarray(control_event), np.asarray(experimental_event)
    if np.isnan(t0).any() or np.isnan(t1).any() or t0.ndim != 1 or t1.ndim != 1:
        return cox_two_group(np.concatenate([t0, t1]), np.concatenate([d0, d1]),
                             np.concatenate([np.zeros(t0.size), np.ones(t1.size)]))
    # The event rows in cox_two_group's order (a stable sort by descending time of the
    # control's then the experimental arm's, as their concatenation sorts), and the numbers
    # at risk there from each arm's sorted times: the same arrays without sorting everyone.
    ev0, ev1 = d0.astype(float) > 0, d1.astype(float) > 0
    t_ev = np.concatenate([t0[ev0], t1[ev1]])
    if not t_ev.size:
        return CoxResult(math.nan, math.nan)
    order = np.argsort(-t_ev, kind="stable")
    t_ev = t_ev[order]
    z_ev = (order >= np.count_nonzero(ev0)).astype(float)
    n1 = (t1.size - np.searchsorted(np.sort(t1), t_ev, side="left")).astype(float)
    n0 = (t0.size - np.searchsorted(np.sort(t0), t_ev, side="left")).astype(float)
    return _efron(t_ev, z_ev, n1, n0)
