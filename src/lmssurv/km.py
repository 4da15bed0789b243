"""The Kaplan-Meier estimate, computed in numpy and cheap to import.

Every KM number in lmssurv comes from here:

- :func:`km_table` - the table at distinct event times (at risk, events, S, Greenwood
  variance), read by the estimates in :mod:`lmssurv.compare` and the checks' helpers;
- :func:`km_step` - the same estimate as (times, S) only (the curve engine, plots, accuracy);
- :func:`km_levels` - row by row (the summary engine's landmark polishing and self-check), and
  :func:`km_levels_moved` - its levels at given times for copies with one censoring moved;
- :func:`km_at` - S at given times from any of them (right-continuous, or the left limit);
- :func:`loglog_band` - the pointwise log-log CI of S, used for landmark CIs, median CIs and
  the engine's median-CI pins;
- :func:`rmst_with_variance` - the RMST and its Greenwood-type variance;
- :func:`half_step` - half the KM step one event makes, the floor of every landmark tolerance;
- :func:`median_crossings` - the median and the times behind its Brookmeyer-Crowley CI, and
  :func:`km_medians` - the median under both conventions when S sits at 0.5 (one rule:
  :data:`MEDIAN_TOL`).

The summary engine evaluates it thousands of times per rebuild (landmark polishing) and in its
self-check, which ``import lmssurv`` loads eagerly for ``ReconstructionWarning``.

The checks' helpers at the end (:func:`validate_ipd`, :func:`survival_at`, :func:`landmark_ci`...)
work on pseudo-data frames. Only :func:`fit_km`, for the plots' confidence bands, uses lifelines
(imported on use). lifelines' ``KaplanMeierFitter.fit`` calls ``np.seterr`` and so changes
numpy's error handling for the whole process; :func:`fit_km` runs it inside ``np.errstate()``,
which restores the previous state on exit. Times are in months.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lmssurv import _normal
from lmssurv._validation import InputError, require_frame

if TYPE_CHECKING:
    from lifelines import KaplanMeierFitter

__all__ = ["CI_TRANSFORMS", "MEDIAN_TOL", "KMTable", "at_risk", "fit_km", "greenwood_by_row",
           "greenwood_sum", "half_step", "km_at", "km_levels", "km_levels_moved", "km_medians",
           "km_step", "km_table", "landmark_ci", "loglog_band", "median_crossings",
           "rmst_with_variance", "split_arms", "survival_at", "validate_ipd"]

#: A KM level within ``MEDIAN_TOL`` of 0.5 has reached 0.5. A product such as
#: ``(23/24)(22/23)...(12/13)`` is exactly 1/2 but comes out as 0.5000000000000001 in floating
#: point; without the guard the median would move one event later. R ``survival`` applies the
#: same idea with ``sqrt(.Machine$double.eps)``.
MEDIAN_TOL = 1e-9


def km_levels(time, event) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The Kaplan-Meier step function of one arm, row by row.

    Returns ``(t, e, r, km)``: times sorted with events before censorings at equal times, the
    event indicator (float), the number at risk just before each row, and the KM level after
    it. The summary engine's landmark polishing and its self-check both read the KM
    from here.

    ``time`` may also be 2-D, one row per candidate placement of the same patients sharing
    ``event`` (the ensemble scores a round of polishing moves at once): ``t``, ``e`` and ``km``
    are then 2-D, row by row, and ``r`` (float) is shared.

    Examples
    --------
    >>> t, e, r, km = km_levels([3, 1, 2], [1, 1, 0])  # events at 1 and 3, censored at 2
    >>> t.tolist(), r.tolist(), km.round(4).tolist()
    ([1.0, 2.0, 3.0], [3, 2, 1], [0.6667, 0.6667, 0.0])
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event)
    if time.ndim == 2:
        r = event.size - np.arange(event.size, dtype=float)
        if time.size and not np.signbit(time).any() and np.isfinite(time).all():
            # Times >= 0 order as their IEEE bit patterns do: one sort of (bits, 1 - event)
            # packed in an unsigned integer gives the sorted times and, at equal times, the
            # events first; equal keys are equal (time, event) rows, so no stable sort is
            # needed and nothing is gathered.
            bits = np.ascontiguousarray(time).view(np.uint64)
            key = np.sort((bits << np.uint64(1)) | (1 - event).astype(np.uint64), axis=1)
            t = (key >> np.uint64(1)).view(np.float64)
            e = 1.0 - (key & np.uint64(1)).astype(float)
            return t, e, r, np.cumprod(1.0 - e / r, axis=1)
        first = np.argsort(1 - event, kind="stable")  # events first, then a stable sort on time
        t = time[:, first]
        order = np.argsort(t, axis=1, kind="stable")
        t = np.take_along_axis(t, order, axis=1)
        e = event[first].astype(float)[order]
        return t, e, r, np.cumprod(1.0 - e / r, axis=1)
    order = np.lexsort((1 - event, time))
    t, e = time[order], event[order].astype(float)
    r = t.size - np.arange(t.size)
    return t, e, r, np.cumprod(1.0 - e / r)


def km_levels_moved(base: np.ndarray, event: np.ndarray, frm: np.ndarray, to: np.ndarray,
                    lm_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """KM levels and numbers at risk at ``lm_t`` of copies of ``base``, in each of which one
    censoring moved from ``frm[c]`` to ``to[c]`` (``frm[c] == to[c]``: ``base`` itself), as
    :func:`km_levels` of each copy gives them, to the bit, without sorting it.

    A censoring moves no event past another: the copies' events keep ``base``'s order, and
    each only its row in the sorted times, one earlier for every censoring that left the time
    before it, one later for every one that came. The KM level at a landmark is the running
    product of ``1 - 1 / r`` over the events up to it (``r`` their numbers at risk, ``n``
    minus the row), in that order (a censoring's factor is exactly 1), as ``km_levels``
    multiplies it; events after the last landmark are not needed. The summary engine's
    landmark polish scores its censoring moves with this.

    Examples
    --------
    >>> t, e = np.array([1.0, 2, 3, 4]), np.array([1, 0, 1, 1])
    >>> values, at_risk = km_levels_moved(t, e, np.array([2.0]), np.array([3.5]), np.array([3.0]))
    >>> values.tolist(), at_risk.tolist()  # the copy: 1, 3, 3.5 (censored), 4
    ([[0.5]], [[3]])
    """
    n = base.size
    ev = np.sort(base[event == 1])
    ev = ev[:np.searchsorted(ev, lm_t.max(), side="right")]
    # each event's row in base's sorted times: the times before it, then events tied with
    # it come first (km_levels puts events before censorings at equal times)
    row = (np.searchsorted(np.sort(base), ev, side="left") + np.arange(ev.size)
           - np.searchsorted(ev, ev, side="left"))
    # at risk: one more for a censoring that left the time before the event, one fewer for
    # one that came (whole numbers: exact in floats); then 1 - 1/r and its running product
    level = (n - row).astype(float) + (frm[:, None] < ev) - (to[:, None] < ev)
    np.divide(1.0, level, out=level)
    np.subtract(1.0, level, out=level)
    np.cumprod(level, axis=1, out=level)
    last = np.searchsorted(ev, lm_t, side="right")  # events up to each landmark
    values = np.ones((to.size, lm_t.size))
    values[:, last > 0] = level[:, last[last > 0] - 1]
    at_risk = (np.count_nonzero(base[None, :] >= lm_t[:, None], axis=1)[None, :]
               + (to[:, None] >= lm_t[None, :]) - (frm[:, None] >= lm_t[None, :]))
    return values, at_risk


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
    table = km_table(time, event)
    return table.times, table.surv


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
        return np.cumsum(np.where(event > 0, 1.0 / (at_risk * (at_risk - 1.0)), 0.0), axis=-1)


def median_crossings(times, surv, greenwood, z: float, *, is_event=None) -> np.ndarray:
    """The KM median and the Brookmeyer-Crowley CI limits: ``[median, lower, upper]``.

    The rule, used by every median in lmssurv: the median is the first time at which the KM
    is ``<= 0.5`` (within :data:`MEDIAN_TOL`); the CI's lower (upper) limit is the first time
    at which the lower (upper) limit of the pointwise log-log band (:func:`loglog_band`) is
    ``<= 0.5`` (Brookmeyer & Crowley, Biometrics 1982;38:29-41). NaN where never reached.

    This is lifelines' rule (``median_survival_time_`` and ``median_survival_times`` on its
    confidence band), with the guard added. Where the KM equals 0.5 exactly over an interval
    R ``survival`` reports the interval's midpoint; here it is the interval's start (see
    :func:`km_medians` for code that must accept both).

    Parameters
    ----------
    times, surv, greenwood : array-like, shape (..., m)
        Event times (or :func:`km_levels` rows), the KM level just after each and Greenwood's
        variance of ``log S`` there (:attr:`KMTable.greenwood` or :func:`greenwood_by_row`).
        Where ``S = 0`` the band is 0 if that variance is finite (the table form, whose term
        is 0 once everyone at risk has had the event, as in lifelines) and undefined, so not
        a crossing, if it is infinite (the row form's last term ``1 / (1 * 0)``).
    z : float
        Two-sided normal quantile of the band (1.959963984540054 for 95%).
    is_event : array-like of bool, optional
        Which rows may be crossings (rows of :func:`km_levels` include censorings); default all.

    Returns
    -------
    ndarray, shape (..., 3)
        Median, CI lower limit, CI upper limit (months), row by row for 2-D input.

    Examples
    --------
    >>> km = km_table([1, 2, 3, 4, 5], [1, 0, 1, 1, 0])
    >>> median_crossings(km.times, km.surv, km.greenwood, 1.959963984540054).tolist()
    [4.0, 1.0, nan]
    """
    times = np.asarray(times, dtype=float)
    surv = np.asarray(surv, dtype=float)
    lower, upper = loglog_band(surv, np.asarray(greenwood, dtype=float), z)
    allowed = np.ones(times.shape, dtype=bool) if is_event is None else np.asarray(is_event)
    out = np.full(times.shape[:-1] + (3,), np.nan)
    if times.shape[-1] == 0:  # no event at all (all censored): nothing is reached
        return out
    for j, curve in enumerate((surv, lower, upper)):
        hit = (curve <= 0.5 + MEDIAN_TOL) & allowed
        found = hit.any(axis=-1)
        first = np.take_along_axis(times, np.argmax(hit, axis=-1)[..., None], axis=-1)[..., 0]
        out[..., j] = np.where(found, first, np.nan)
    return out


def km_medians(t, e, level) -> tuple[float | None, float | None]:
    """The KM median by :func:`median_crossings`' rule, and by the rule "first S < 0.5".

    ``t``, ``e``, ``level`` are :func:`km_levels` rows. The two differ only where the KM sits
    at exactly 0.5 (within :data:`MEDIAN_TOL`) between two events: the first is that
    interval's start (lifelines), the second its end; R reports the midpoint. A rebuilt median
    that must match a published one under any software's convention is checked with both.
    None where not reached.

    Examples
    --------
    >>> t, e, _, level = km_levels([1, 2, 3, 4], [1, 1, 1, 1])  # S = 0.5 on [2, 3)
    >>> km_medians(t, e, level)
    (2.0, 3.0)
    """
    def first(mask):
        hit = np.flatnonzero(mask & (e > 0))
        return float(t[hit[0]]) if hit.size else None

    return first(level <= 0.5 + MEDIAN_TOL), first(level < 0.5 - MEDIAN_TOL)


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


# -- pseudo-data frames, lifelines' fitter, landmark helpers for the checks -------------------
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
