"""Put survival data from different arms and trials on one footing.

Kaplan-Meier medians, landmark rates and restricted mean survival times (RMST) with confidence
intervals, RMST differences between arms (from one pseudo-trial, or pooled over an ensemble of
plausible reconstructions so that the interval also carries what the publication leaves open),
and indirect comparisons of hazard ratios through a common comparator (Bucher et al. 1997).
Times are in months throughout.

Every table that mixes trials carries the caveats that decide how far a comparison can be
trusted -- population, line of therapy, design and whether the comparison is randomised -- as
columns (:data:`CAVEAT_COLUMNS`), not only in prose.

The Kaplan-Meier quantities are computed here with numpy rather than through lifelines:
lifelines' RMST variance is wrong (lifelines issue #1682) and ``KaplanMeierFitter.fit`` changes
numpy's global error state. The estimates were validated against R ``survival`` (see
``tests/test_compare.py``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lmssurv import _normal
from lmssurv._validation import InputError, check_fraction, check_positive
from lmssurv.km import (
    KMTable,
    km_at,
    km_table,
    loglog_band,
    median_crossings,
    rmst_with_variance,
)
from lmssurv.summary import HazardRatio, ci_from_p

__all__ = [
    "BUCHER_ASSUMPTIONS",
    "BeyondFollowUpError",
    "CAVEAT_COLUMNS",
    "Caveats",
    "IndirectComparison",
    "LandmarkResult",
    "MedianResult",
    "EnsembleRMSTDifference",
    "RMSTDifference",
    "RMSTResult",
    "bucher",
    "combine_tables",
    "compare_arms",
    "hazard_ratio_from_p",
    "landmark",
    "median_survival",
    "rmst",
    "rmst_difference",
    "rmst_difference_ensemble",
    "summarise_arms",
    "survival_curve",
]

#: Columns every cross-trial table carries, in this order.
CAVEAT_COLUMNS = ("trial", "population", "line", "design", "randomised")

#: What an indirect comparison through a common comparator takes for granted (Bucher 1997;
#: Song et al., BMJ 2003). Printed with every result.
BUCHER_ASSUMPTIONS = (
    "similarity: the two trials' populations share the distribution of effect modifiers "
    "(histology, line of therapy, performance status, era)",
    "the common comparator is the same treatment in both trials (drug, dose, schedule)",
    "proportional hazards holds in both trials, so each HR summarises its whole curve",
    "the two trials are independent, so the variances of the log HRs add",
)


def _z(level: float) -> float:
    return _normal.z_two_sided(level)


def _check_level(level: object) -> float:
    level = check_fraction("level", level)
    if not 0.5 <= level < 1:
        raise InputError(f"level must be in [0.5, 1), got {level!r}; e.g. 0.95.")
    return level


def _pct(level: float) -> str:
    return f"{100 * level:g}%"


# -- Kaplan-Meier core -------------------------------------------------------------------------
def _as_data(time: object, event: object) -> tuple[np.ndarray, np.ndarray]:
    try:
        t = np.asarray(time, dtype=float)
    except (TypeError, ValueError) as err:
        raise InputError(f"time must be numbers (months), got {time!r}.") from err
    try:
        e = np.asarray(event, dtype=float)
    except (TypeError, ValueError) as err:
        raise InputError(f"event must be 0/1 or booleans, got {event!r}.") from err
    if t.ndim != 1 or e.ndim != 1:
        raise InputError(
            f"time and event must be 1-D, got shapes {t.shape} and {e.shape}; pass one value "
            "per patient."
        )
    if t.size != e.size:
        raise InputError(
            f"time has {t.size} values but event has {e.size}; pass one of each per patient."
        )
    if t.size == 0:
        raise InputError("time is empty; pass at least one patient.")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        bad = t[~np.isfinite(t) | (t < 0)][0]
        raise InputError(
            f"time must be finite and >= 0 (months), got {bad!r}; drop or fix that patient."
        )
    if not np.all(np.isin(e, (0.0, 1.0))):
        bad = e[~np.isin(e, (0.0, 1.0))][0]
        raise InputError(
            f"event must be 1 (event) or 0 (censored), got {bad!r}; recode the column."
        )
    return t, e.astype(bool)


def _km(time: object, event: object) -> KMTable:
    return km_table(*_as_data(time, event))


class BeyondFollowUpError(InputError):
    """A landmark or RMST horizon past the last follow-up, where the KM curve is undefined.

    Callers that report such a horizon as not estimable (``nan`` with a note) catch this class;
    every other bad input stays a plain :class:`~lmssurv.InputError`.
    """


def _check_horizon(km: KMTable, t: float, what: str) -> None:
    if t > km.defined_until():
        raise BeyondFollowUpError(
            f"{what} = {t:g} months lies beyond the last follow-up ({km.last_time:g} months) "
            "and the Kaplan-Meier curve is undefined there; choose a time <= "
            f"{km.last_time:g}."
        )


# -- results -----------------------------------------------------------------------------------
def _estimate_row(quantity: str, time: float, estimate: float, se: float,
                  ci: tuple[float, float], level: float) -> pd.DataFrame:
    """One tidy row: quantity, time, estimate, se and the CI limits named by their level."""
    p = _pct(level)
    return pd.DataFrame([{"quantity": quantity, "time": time, "estimate": estimate, "se": se,
                          f"lower {p}": ci[0], f"upper {p}": ci[1]}])


@dataclass(frozen=True)
class RMSTResult:
    """Restricted mean survival time up to ``tau`` (months) with its standard error and CI."""

    estimate: float
    se: float
    ci: tuple[float, float]
    tau: float
    level: float = 0.95
    n: int = 0
    events: int = 0

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: quantity, time, estimate, se, CI limits."""
        return _estimate_row("rmst", self.tau, self.estimate, self.se, self.ci, self.level)


@dataclass(frozen=True)
class LandmarkResult:
    """Kaplan-Meier survival at ``time`` (months) with Greenwood SE and log-log CI."""

    estimate: float
    se: float
    ci: tuple[float, float]
    time: float
    level: float = 0.95
    at_risk: int = 0

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: quantity, time, estimate, se, CI limits."""
        return _estimate_row("survival", self.time, self.estimate, self.se, self.ci, self.level)


@dataclass(frozen=True)
class MedianResult:
    """Kaplan-Meier median (months) with a Brookmeyer-Crowley CI from the log-log band.

    ``estimate`` and the CI limits are ``nan`` when not reached.
    """

    estimate: float
    ci: tuple[float, float]
    level: float = 0.95

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: quantity, estimate, CI limits (se is not defined for a median)."""
        p = _pct(self.level)
        return pd.DataFrame([{
            "quantity": "median", "time": math.nan, "estimate": self.estimate, "se": math.nan,
            f"lower {p}": self.ci[0], f"upper {p}": self.ci[1],
        }])


@dataclass(frozen=True)
class RMSTDifference:
    """RMST of ``arm`` minus RMST of ``reference`` up to ``tau`` months (independent arms)."""

    estimate: float
    se: float
    ci: tuple[float, float]
    p_value: float
    tau: float
    arm: str
    reference: str
    level: float = 0.95

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: arm, reference, tau, difference, se, CI, p."""
        p = _pct(self.level)
        return pd.DataFrame([{
            "arm": self.arm, "reference": self.reference, "tau": self.tau,
            "rmst difference": self.estimate, "se": self.se,
            f"lower {p}": self.ci[0], f"upper {p}": self.ci[1], "p": self.p_value,
        }])


# -- single-arm estimators ---------------------------------------------------------------------
def rmst(time: object, event: object, tau: float, *, level: float = 0.95) -> RMSTResult:
    """Restricted mean survival time up to ``tau`` with a Greenwood-type standard error.

    The RMST is the area under the Kaplan-Meier curve from 0 to ``tau``. Its variance is the
    delta-method (Greenwood-type) estimate

    .. math:: \\widehat{Var} = \\sum_{t_j \\le \\tau} A_j^2 \\frac{d_j}{n_j (n_j - d_j)},
              \\qquad A_j = \\int_{t_j}^{\\tau} \\hat S(u)\\,du,

    (Klein & Moeschberger 2003, section 4.5), the formula R ``survival`` uses for
    ``print(survfit(...), rmean=tau)``. Terms with ``n_j = d_j`` are 0 (then ``A_j = 0``).
    The CI is ``estimate +/- z * se``.

    Parameters
    ----------
    time : array-like of float
        Follow-up in months, >= 0.
    event : array-like of {0, 1} or bool
        1 for an event, 0 for censoring.
    tau : float
        Restriction time in months; must not exceed the last follow-up unless the curve has
        already reached 0.
    level : float
        Confidence level.

    Returns
    -------
    RMSTResult
        ``estimate`` and ``se`` in months, ``ci`` (lower, upper).

    Raises
    ------
    InputError
        For malformed data or ``tau`` beyond the follow-up.

    Notes
    -----
    Without censoring the estimate is ``mean(min(T, tau))`` and the variance reduces to
    ``sum((x - mean(x))**2) / n**2``, the plug-in variance of a mean (tested).
    lifelines' ``restricted_mean_survival_time(..., return_variance=True)`` returns a different,
    wrong variance (lifelines issue #1682) and is not used.

    Examples
    --------
    >>> r = rmst([1, 2, 3, 4, 5], [1, 0, 1, 1, 0], tau=4.5)
    >>> round(r.estimate, 4), round(r.se, 4)
    (3.2667, 0.583)
    """
    level = _check_level(level)
    tau = check_positive("tau", tau, hint="The RMST horizon is in months.")
    km = _km(time, event)
    _check_horizon(km, tau, "tau")
    total, var = rmst_with_variance(km, tau)
    se = math.sqrt(var)
    z = _z(level)
    return RMSTResult(total, se, (total - z * se, total + z * se), tau, level, km.n, km.n_events)


def landmark(time: object, event: object, t: float, *, level: float = 0.95) -> LandmarkResult:
    """Kaplan-Meier survival at ``t`` months with Greenwood SE and a log-log CI.

    The CI is :math:`\\hat S^{\\exp(\\pm z\\, \\sigma / \\log \\hat S)}` with
    :math:`\\sigma^2 = \\sum_{t_j \\le t} d_j / (n_j (n_j - d_j))` (Kalbfleisch & Prentice 2002;
    R ``survfit(conf.type = "log-log")``, SAS and lifelines' default). When ``S = 1`` (no event
    yet) or ``S = 0`` the log-log CI is undefined and both limits are ``nan``.

    Parameters
    ----------
    time, event : array-like
        Follow-up in months and event indicator (1 event, 0 censored).
    t : float
        Landmark time in months; must not exceed the last follow-up unless the curve has
        already reached 0 (lifelines would silently carry the last value forward).
    level : float
        Confidence level.

    Returns
    -------
    LandmarkResult
        ``estimate`` in [0, 1], Greenwood ``se``, log-log ``ci`` and the number at risk at ``t``.

    Examples
    --------
    >>> r = landmark([1, 2, 3, 4, 5], [1, 0, 1, 1, 0], t=3)
    >>> round(r.estimate, 4)
    0.5333
    """
    level = _check_level(level)
    t = check_positive("t", t, allow_zero=True, hint="Landmark times are months after entry.")
    km = _km(time, event)
    _check_horizon(km, t, "t")
    s = km.survival_at(t)
    tt, e = _as_data(time, event)
    at_risk = int(np.sum(tt >= t))
    sigma2 = km.greenwood_at(t)
    se = s * math.sqrt(sigma2)
    if 0.0 < s < 1.0:
        ci = loglog_band(s, sigma2, _z(level))
    else:
        ci = (math.nan, math.nan)
    return LandmarkResult(s, se, ci, t, level, at_risk)


def survival_curve(time: object, event: object, times: object) -> np.ndarray:
    """Kaplan-Meier survival at many ``times`` (months) at once, carried flat after the last event.

    The same product-limit estimate as :func:`landmark` (right-continuous: a step at ``t``
    counts at ``t``), without CIs or the follow-up guard, for curves drawn on a grid (the
    ensembles' bands in :mod:`lmssurv.estimates`).

    Examples
    --------
    >>> survival_curve([1, 2, 3, 4, 5], [1, 0, 1, 1, 0], [0.5, 1, 3, 4.5]).round(4).tolist()
    [1.0, 0.8, 0.5333, 0.2667]
    """
    km = _km(time, event)
    at = np.asarray(times, dtype=float)
    return km_at(km.times, km.surv, at)


def median_survival(time: object, event: object, *, level: float = 0.95) -> MedianResult:
    """Kaplan-Meier median with the Brookmeyer-Crowley CI from the log-log pointwise band.

    The median is the first event time with ``S(t) <= 0.5``; the CI runs from the first time
    the lower log-log band is <= 0.5 to the first time the upper band is (Brookmeyer & Crowley
    1982). The rule, its floating-point guard and how it differs from R's where ``S`` equals
    0.5 over an interval are stated once, in :func:`lmssurv.km.median_crossings`.

    Parameters
    ----------
    time, event : array-like
        Follow-up in months and event indicator.
    level : float
        Confidence level.

    Returns
    -------
    MedianResult
        Median and CI in months; ``nan`` where not reached.

    Examples
    --------
    >>> median_survival([1, 2, 3, 4, 5], [1, 0, 1, 1, 0]).estimate
    4.0
    """
    level = _check_level(level)
    km = _km(time, event)
    med, lower, upper = median_crossings(km.times, km.surv, km.greenwood, _z(level))
    return MedianResult(float(med), (float(lower), float(upper)), level)


# -- several arms ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Caveats:
    """What a reader must know before comparing numbers across trials.

    Parameters
    ----------
    trial : str
        Short trial name, e.g. ``"LMS-04"``.
    population : str
        e.g. ``"LMS only"``, ``"uterine LMS"``, ``"all STS"``.
    line : str
        Line of therapy, e.g. ``"1L"`` or ``"2L+"``.
    design : str
        e.g. ``"randomised phase 3"``, ``"single arm phase 2"``, ``"retrospective"``.
    randomised : bool
        Whether the arms being compared were randomised against each other.

    Examples
    --------
    >>> Caveats("LMS-04", "LMS only", "1L", "randomised phase 3", True).evidence
    'randomised'
    """

    trial: str
    population: str
    line: str
    design: str
    randomised: bool

    def __post_init__(self) -> None:
        for name in ("trial", "population", "line", "design"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise InputError(
                    f"caveats {name} must be a non-empty string, got {value!r}; say what is "
                    "known (e.g. 'not reported')."
                )
        if not isinstance(self.randomised, (bool, np.bool_)):
            raise InputError(f"caveats randomised must be True or False, got {self.randomised!r}.")
        object.__setattr__(self, "randomised", bool(self.randomised))

    @property
    def evidence(self) -> str:
        """Coarse evidence level: ``randomised``, ``retrospective`` or ``single arm``."""
        if self.randomised:
            return "randomised"
        if "retro" in self.design.lower():
            return "retrospective"
        return "single arm"

    def as_dict(self) -> dict[str, object]:
        """The caveat columns (:data:`CAVEAT_COLUMNS`) plus ``evidence``."""
        out = {name: getattr(self, name) for name in CAVEAT_COLUMNS}
        out["evidence"] = self.evidence
        return out


def _arm_groups(ipd: pd.DataFrame, arm: str, time: str, event: str) -> dict[str, pd.DataFrame]:
    if not isinstance(ipd, pd.DataFrame):
        raise InputError(f"ipd must be a DataFrame with columns arm, time, event; got {type(ipd)}.")
    missing = [c for c in (arm, time, event) if c not in ipd.columns]
    if missing:
        raise InputError(
            f"ipd lacks column(s) {missing}; it has {list(ipd.columns)}. Pass arm=, time=, "
            "event= to name them."
        )
    return {str(k): g for k, g in ipd.groupby(arm, sort=False)}


def _caveats_for(caveats: Caveats | Mapping[str, Caveats] | None, name: str) -> dict:
    if caveats is None:
        return {}
    if isinstance(caveats, Caveats):
        return caveats.as_dict()
    if isinstance(caveats, Mapping) and name in caveats:
        return caveats[name].as_dict()
    raise InputError(
        f"caveats has no entry for arm {name!r}; pass one Caveats for the whole table or a "
        "mapping {arm: Caveats} covering every arm."
    )


def summarise_arms(
    ipd: pd.DataFrame,
    *,
    taus: Iterable[float] = (12.0, 24.0),
    landmarks: Iterable[float] = (12.0, 24.0),
    level: float = 0.95,
    caveats: Caveats | Mapping[str, Caveats] | None = None,
    arm: str = "arm",
    time: str = "time",
    event: str = "event",
) -> pd.DataFrame:
    """Tidy per-arm table: KM median, RMST at each ``tau`` and landmark survival, with CIs.

    Parameters
    ----------
    ipd : DataFrame
        One row per (pseudo-)patient with columns ``arm``, ``time`` (months) and ``event``.
    taus : iterable of float
        RMST horizons in months.
    landmarks : iterable of float
        Landmark times in months.
    level : float
        Confidence level of every CI.
    caveats : Caveats or mapping {arm: Caveats}, optional
        Trial, population, line, design and randomisation, copied into every row. Without them
        the table has no caveat columns, and :func:`combine_tables` will refuse it.
    arm, time, event : str
        Column names in ``ipd``.

    Returns
    -------
    DataFrame
        Long format, one row per (arm, quantity, time): columns ``arm``, ``quantity``
        (``median``, ``rmst``, ``survival``), ``time``, ``estimate``, ``se``,
        ``lower 95%``, ``upper 95%``, ``n``, ``events``, ``note``, then (with ``caveats``)
        :data:`CAVEAT_COLUMNS` and ``evidence``. Format a row for reading with
        :func:`lmssurv.format_estimate` (a missing CI limit prints ``NE``). A quantity that the follow-up cannot support
        (horizon beyond the last follow-up) is ``nan`` with the reason in ``note``.

    Examples
    --------
    >>> ipd = pd.DataFrame({"arm": ["a"] * 5, "time": [1, 2, 3, 4, 5], "event": [1, 0, 1, 1, 0]})
    >>> summarise_arms(ipd, taus=[4], landmarks=[3])["estimate"].round(4).tolist()
    [4.0, 3.1333, 0.5333]
    """
    level = _check_level(level)
    p = _pct(level)
    rows = []
    for name, g in _arm_groups(ipd, arm, time, event).items():
        t, e = g[time].to_numpy(), g[event].to_numpy()
        base = {"arm": name, "n": int(len(g)), "events": int(np.sum(e))}
        cav = _caveats_for(caveats, name)
        med = median_survival(t, e, level=level)
        note = "" if not math.isnan(med.estimate) else "median not reached"
        rows.append(base | {"quantity": "median", "time": math.nan, "estimate": med.estimate,
                            "se": math.nan, f"lower {p}": med.ci[0], f"upper {p}": med.ci[1],
                            "note": note} | cav)
        for kind, horizons, func in (("rmst", taus, rmst), ("survival", landmarks, landmark)):
            for h in horizons:
                try:
                    r = func(t, e, h, level=level)
                except BeyondFollowUpError:
                    rows.append(base | {"quantity": kind, "time": float(h), "estimate": math.nan,
                                        "se": math.nan, f"lower {p}": math.nan,
                                        f"upper {p}": math.nan,
                                        "note": f"follow-up ends before {h:g} months"} | cav)
                    continue
                rows.append(base | {"quantity": kind, "time": float(h), "estimate": r.estimate,
                                    "se": r.se, f"lower {p}": r.ci[0], f"upper {p}": r.ci[1],
                                    "note": ""} | cav)
    cols = ["arm", "quantity", "time", "estimate", "se", f"lower {p}", f"upper {p}", "n",
            "events", "note"]
    if caveats is not None:  # no empty caveat columns on a researcher's own data
        cols += [*CAVEAT_COLUMNS, "evidence"]
    return pd.DataFrame(rows, columns=cols)


def rmst_difference(
    time_a: object, event_a: object, time_b: object, event_b: object, tau: float, *,
    level: float = 0.95, arm: str = "A", reference: str = "B",
) -> RMSTDifference:
    """RMST(A) - RMST(B) up to ``tau`` months, for two independent arms.

    ``se = sqrt(se_A**2 + se_B**2)`` with each SE from :func:`rmst`; Wald CI and two-sided p
    (Royston & Parmar, BMC Med Res Methodol 2013;13:152; R ``survRM2``).

    Examples
    --------
    >>> d = rmst_difference([1, 2, 3, 4, 5], [1, 0, 1, 1, 0], [1, 1, 2, 3, 5], [1, 1, 1, 0, 0], 4)
    >>> round(d.estimate, 4)
    0.7333
    """
    level = _check_level(level)
    a = rmst(time_a, event_a, tau, level=level)
    b = rmst(time_b, event_b, tau, level=level)
    est = a.estimate - b.estimate
    se = math.hypot(a.se, b.se)
    z = _z(level)
    pval = float(2 * _normal.sf(abs(est) / se)) if se > 0 else math.nan
    return RMSTDifference(est, se, (est - z * se, est + z * se), pval, a.tau, str(arm),
                          str(reference), level)


@dataclass(frozen=True, kw_only=True)
class EnsembleRMSTDifference(RMSTDifference):
    """An RMST difference pooled over an ensemble's draws by Rubin's rules.

    The fields of :class:`RMSTDifference` (so code written for one pseudo-trial reads an
    ensemble too), where ``estimate`` is the mean of the draws' differences and ``se`` the
    square root of the total variance ``T = U + (1 + 1/M) B``, plus: ``se_sampling = sqrt(U)``
    (the mean of the draws' own squared SEs, the trial's sampling error) and
    ``se_reconstruction = sqrt(B)`` (the SD of the differences over the draws, what the
    publication leaves open). The CI and p use Student's t with ``df`` degrees of freedom
    (``inf`` when the draws agree, then the normal). ``ci_sampling`` is the Wald interval
    ``estimate +/- z * se_sampling``: what the interval would be if the reconstruction were
    certain, for comparison.
    """

    draws: int
    se_sampling: float
    se_reconstruction: float
    df: float
    ci_sampling: tuple[float, float]

    @property
    def reconstruction_share(self) -> float:
        """Share of the total variance due to the reconstruction: ``(1 + 1/M) B / T``."""
        total = self.se**2
        if total == 0:
            return 0.0
        return (1 + 1 / self.draws) * self.se_reconstruction**2 / total

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: arm, reference, tau, difference, the three SEs, both CIs, p, draws, df."""
        p = _pct(self.level)
        out = super().to_frame()

        def at(column: str) -> int:
            return out.columns.get_loc(column)

        out.insert(at("se") + 1, "se sampling", self.se_sampling)
        out.insert(at("se sampling") + 1, "se reconstruction", self.se_reconstruction)
        out.insert(at(f"upper {p}") + 1, f"sampling-only lower {p}", self.ci_sampling[0])
        out.insert(at(f"sampling-only lower {p}") + 1, f"sampling-only upper {p}",
                   self.ci_sampling[1])
        out["draws"] = self.draws
        out["df"] = self.df
        return out


def rmst_difference_ensemble(
    ens: pd.DataFrame, tau: float, *, arm: str | None = None, reference: str | None = None,
    level: float = 0.95,
) -> EnsembleRMSTDifference:
    """RMST(arm) - RMST(reference) up to ``tau`` months, with sampling and reconstruction error.

    A single pseudo-trial's CI (:func:`rmst_difference`) treats the pseudo-patients as the real
    sample: it has the trial's sampling error but not the uncertainty of the rebuild itself. An
    ensemble (:func:`lmssurv.reconstruct_ensemble`) holds ``M`` plausible pseudo-trials; they
    are combined like ``M`` multiple imputations (Rubin 1987; Rubin's rules):

    * per draw ``m``: the difference ``Q_m`` and its sampling variance ``U_m = se_m**2``
      (:func:`rmst_difference`: Greenwood-type SEs of two independent arms);
    * estimate ``Q = mean(Q_m)``; within-draw variance ``U = mean(U_m)``; between-draw
      variance ``B = sum((Q_m - Q)**2) / (M - 1)``;
    * total variance ``T = U + (1 + 1/M) B``; the CI is ``Q +/- t * sqrt(T)`` with Student's
      ``t`` on ``df = (M - 1) * (1 + U / ((1 + 1/M) B))**2`` degrees of freedom, and ``p``
      the two-sided t-test of ``Q / sqrt(T)``.

    When every draw is the same pseudo-trial, ``B = 0``, ``df`` is infinite and the result is
    exactly :func:`rmst_difference` of that pseudo-trial (tested).

    Parameters
    ----------
    ens : DataFrame
        Columns ``draw``, ``arm``, ``time`` (months), ``event``; two arms in every draw.
    tau : float
        RMST horizon in months; every draw's follow-up must reach it in both arms.
    arm, reference : str, optional
        The arm compared and its comparator; by default the second and the first arm in
        order of appearance (``reconstruct_ensemble`` puts the control first).
    level : float
        Confidence level.

    Returns
    -------
    EnsembleRMSTDifference

    References
    ----------
    Rubin DB. *Multiple Imputation for Nonresponse in Surveys*. Wiley, 1987 (section 3.1).
    Royston P, Parmar MKB. BMC Med Res Methodol 2013;13:152 (RMST differences).

    Examples
    --------
    >>> ens = pd.DataFrame({"draw": [0] * 10 + [1] * 10, "arm": (["a"] * 5 + ["b"] * 5) * 2,
    ...                     "time": [1, 2, 3, 4, 5, 1, 1, 2, 3, 5] * 2,
    ...                     "event": [1, 0, 1, 1, 0, 1, 1, 1, 0, 0] * 2})
    >>> d = rmst_difference_ensemble(ens, 4)  # two identical draws: no reconstruction error
    >>> round(d.estimate, 4), d.se_reconstruction, d.df
    (-0.7333, 0.0, inf)
    """
    from scipy import stats

    from lmssurv._validation import require_frame

    level = _check_level(level)
    tau = check_positive("tau", tau, hint="The RMST horizon is in months.")
    require_frame(ens, "ens", ["draw", "arm", "time", "event"], kind="pandas DataFrame",
                  missing_hint="Pass the output of lmssurv.reconstruct_ensemble.",
                  empty="rows; pass an ensemble with at least two draws.")
    arms = [str(a) for a in pd.unique(ens["arm"])]
    if len(arms) != 2:
        raise InputError(f"ens has arm(s) {arms}; an RMST difference needs exactly two arms. "
                         "Pass a two-arm ensemble.")
    if reference is None:
        reference = arms[0] if arm != arms[0] else arms[1]
    if arm is None:
        arm = next(a for a in arms if a != reference)
    for name, value in (("arm", arm), ("reference", reference)):
        if value not in arms:
            raise InputError(f"{name} {value!r} is not in ens; its arms are {arms}.")
    if arm == reference:
        raise InputError(f"arm and reference are both {arm!r}; name two different arms.")
    q, u, short, reach = [], [], [], []
    for draw, g in ens.groupby("draw", sort=True):
        parts = {a: g.loc[g["arm"].astype(str) == a] for a in (arm, reference)}
        empty = [a for a, part in parts.items() if part.empty]
        if empty:
            raise InputError(f"draw {draw!r} of ens has no rows of arm {empty[0]!r}; every "
                             "draw must hold both arms.")
        reach.append(min(float(part["time"].max()) for part in parts.values()))
        try:
            d = rmst_difference(parts[arm]["time"], parts[arm]["event"],
                                parts[reference]["time"], parts[reference]["event"], tau,
                                level=level)
        except BeyondFollowUpError:
            short.append(draw)
            continue
        q.append(d.estimate)
        u.append(d.se**2)
    if short:  # dropping them would keep only the draws with longer follow-up: biased
        raise InputError(
            f"tau = {tau:g} months is beyond the follow-up of {len(short)} of "
            f"{len(short) + len(q)} draws (e.g. draw {short[0]!r}); the shortest draw "
            f"follows its patients to {min(reach):.4g} months: choose a tau at or below it.")
    m = len(q)
    if m < 2:
        raise InputError(f"ens has {m} draw(s); Rubin's rules need at least 2 (e.g. "
                         "reconstruct_ensemble(..., draws=200)).")
    q_arr, u_arr = np.asarray(q), np.asarray(u)
    est = float(q_arr.mean())
    within = float(u_arr.mean())
    between = float(q_arr.var(ddof=1))
    if between <= 1e-12 * max(within, 1e-300):  # identical draws up to rounding
        between = 0.0
    total = within + (1 + 1 / m) * between
    if between == 0:
        df = math.inf
    elif within == 0:
        df = float(m - 1)
    else:
        df = (m - 1) * (1 + within / ((1 + 1 / m) * between)) ** 2
    se = math.sqrt(total)
    crit = _z(level) if math.isinf(df) else float(stats.t.ppf((1 + level) / 2, df))
    if se > 0:
        stat = abs(est) / se
        pval = float(2 * _normal.sf(stat)) if math.isinf(df) else float(2 * stats.t.sf(stat, df))
    else:
        pval = math.nan
    half = _z(level) * math.sqrt(within)
    return EnsembleRMSTDifference(
        estimate=est, se=se, ci=(est - crit * se, est + crit * se), p_value=pval, tau=float(tau),
        arm=str(arm), reference=str(reference), level=level, draws=m,
        se_sampling=math.sqrt(within), se_reconstruction=math.sqrt(between), df=df,
        ci_sampling=(est - half, est + half))


def compare_arms(
    ipd: pd.DataFrame,
    *,
    reference: str | None = None,
    taus: Sequence[float] = (12.0, 24.0),
    level: float = 0.95,
    arm: str = "arm",
    time: str = "time",
    event: str = "event",
) -> pd.DataFrame:
    """RMST difference of every arm against ``reference`` at each horizon in ``taus``.

    Parameters
    ----------
    ipd : DataFrame
        Columns ``arm``, ``time`` (months), ``event``; arms from the same randomised trial
        (for arms from different trials, add :class:`Caveats` to the table yourself: the
        difference is then not randomised).
    reference : str, optional
        The comparator arm; by default the first arm in ``ipd``.
    taus : sequence of float
        RMST horizons in months.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row per (arm, tau): ``arm``, ``reference``, ``tau``, ``rmst difference``, ``se``,
        CI limits, ``p``, ``note``; ``nan`` with a note where follow-up is too short.

    Examples
    --------
    >>> ipd = pd.DataFrame({"arm": ["a"] * 5 + ["b"] * 5, "time": [1, 2, 3, 4, 5, 1, 1, 2, 3, 5],
    ...                     "event": [1, 0, 1, 1, 0, 1, 1, 1, 0, 0]})
    >>> compare_arms(ipd, reference="b", taus=[4])["rmst difference"].round(4).tolist()
    [0.7333]
    """
    level = _check_level(level)
    p = _pct(level)
    groups = _arm_groups(ipd, arm, time, event)
    if reference is None:
        reference = next(iter(groups))
    if reference not in groups:
        raise InputError(f"reference arm {reference!r} is not in ipd; arms are {list(groups)}.")
    ref = groups[reference]
    rows = []
    for name, g in groups.items():
        if name == reference:
            continue
        for tau in taus:
            try:
                d = rmst_difference(g[time], g[event], ref[time], ref[event], tau, level=level,
                                    arm=name, reference=reference)
            except BeyondFollowUpError:
                rows.append({"arm": name, "reference": reference, "tau": float(tau),
                             "rmst difference": math.nan, "se": math.nan,
                             f"lower {p}": math.nan, f"upper {p}": math.nan, "p": math.nan,
                             "note": f"follow-up ends before {tau:g} months"})
                continue
            rows.append(d.to_frame().iloc[0].to_dict() | {"note": ""})
    cols = ["arm", "reference", "tau", "rmst difference", "se", f"lower {p}", f"upper {p}", "p",
            "note"]
    return pd.DataFrame(rows, columns=cols)


def combine_tables(tables: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Stack per-trial tables into one cross-trial table, refusing rows without caveats.

    Parameters
    ----------
    tables : iterable of DataFrame
        Tables from :func:`summarise_arms` (or any table with :data:`CAVEAT_COLUMNS`).

    Returns
    -------
    DataFrame
        The concatenation, with a fresh index.

    Raises
    ------
    InputError
        When a table lacks a caveat column or has an empty caveat: a cross-trial table must say
        which population, line and design each number comes from.

    Examples
    --------
    >>> t = pd.DataFrame({"arm": ["a"], "trial": ["X"], "population": ["LMS only"],
    ...                   "line": ["1L"], "design": ["single arm"], "randomised": [False]})
    >>> len(combine_tables([t, t]))
    2
    """
    tables = list(tables)
    if not tables:
        raise InputError("tables is empty; pass at least one table.")
    for i, tab in enumerate(tables):
        missing = [c for c in CAVEAT_COLUMNS if c not in tab.columns]
        if missing:
            raise InputError(
                f"table {i} lacks caveat column(s) {missing}; build it with caveats=Caveats(...)."
            )
        empty = [c for c in CAVEAT_COLUMNS if tab[c].isna().any()]
        if empty:
            raise InputError(
                f"table {i} has rows with no {empty[0]!r}; pass caveats= when summarising it."
            )
    return pd.concat(tables, ignore_index=True)


# -- indirect comparison -----------------------------------------------------------------------
@dataclass(frozen=True)
class IndirectComparison:
    """An adjusted indirect comparison A vs B through a common comparator C (Bucher 1997).

    Attributes
    ----------
    estimate : float
        Indirect hazard ratio A vs B, ``HR_AC / HR_BC``.
    ci : (float, float)
        CI at ``level``.
    se_log : float
        Standard error of log HR, ``sqrt(se_AC**2 + se_BC**2)``.
    p_value : float
        Two-sided Wald p for HR = 1.
    comparison, comparator : str
        ``"A vs B"`` and ``"C"``.
    assumptions : tuple of str
        What the indirect estimate takes for granted (:data:`BUCHER_ASSUMPTIONS`).
    """

    estimate: float
    ci: tuple[float, float]
    se_log: float
    p_value: float
    comparison: str
    comparator: str
    level: float = 0.95
    sources: tuple[str, str] = ("", "")
    caveats: tuple[Caveats | None, Caveats | None] = (None, None)
    assumptions: tuple[str, ...] = field(default=BUCHER_ASSUMPTIONS)

    def to_frame(self) -> pd.DataFrame:
        """One tidy row with the comparison, comparator, HR, CI, p, caveats and assumptions."""
        p = _pct(self.level)
        row: dict[str, object] = {
            "comparison": self.comparison, "common comparator": self.comparator,
            "method": "Bucher indirect", "hr": self.estimate,
            f"lower {p}": self.ci[0], f"upper {p}": self.ci[1], "se log hr": self.se_log,
            "p": self.p_value, "sources": " + ".join(s for s in self.sources if s),
        }
        ac, bc = self.caveats
        for col in CAVEAT_COLUMNS:
            if ac is None or bc is None:
                row[col] = None
            elif col == "randomised":
                # an indirect comparison is never randomised between A and B, even when both
                # source trials are
                row[col] = False
            else:
                va, vb = getattr(ac, col), getattr(bc, col)
                row[col] = va if va == vb else f"{va} | {vb}"
        row["evidence"] = "indirect"
        row["assumptions"] = "; ".join(self.assumptions)
        return pd.DataFrame([row])


def bucher(
    hr_ac: HazardRatio,
    hr_bc: HazardRatio,
    *,
    a: str = "A",
    b: str = "B",
    c: str = "C",
    sources: tuple[str, str] = ("", ""),
    caveats: tuple[Caveats | None, Caveats | None] = (None, None),
    level: float = 0.95,
) -> IndirectComparison:
    """Adjusted indirect comparison of A vs B through a common comparator C.

    ``log HR_AB = log HR_AC - log HR_BC`` and ``se_AB = sqrt(se_AC**2 + se_BC**2)``, each SE
    recovered from its published CI (at that HR's own ``level``); Wald CI and two-sided p
    (Bucher et al., J Clin Epidemiol 1997;50:683-691).

    Parameters
    ----------
    hr_ac : HazardRatio
        A vs C from one trial, with its CI.
    hr_bc : HazardRatio
        B vs C from another trial, with its CI.
    a, b, c : str
        Treatment names for the output.
    sources : (str, str)
        Where ``hr_ac`` and ``hr_bc`` come from (trial names).
    caveats : (Caveats, Caveats), optional
        The two trials' caveats, reported in :meth:`IndirectComparison.to_frame`.
    level : float
        Confidence level of the result.

    Returns
    -------
    IndirectComparison
        With the assumptions the estimate rests on (:data:`BUCHER_ASSUMPTIONS`).

    Examples
    --------
    >>> r = bucher(HazardRatio(0.65, 0.44, 0.95), HazardRatio(0.95, 0.69, 1.31),
    ...            a="DOX+TRAB", b="DOX+olaratumab", c="DOX")
    >>> round(r.estimate, 3), r.comparison
    (0.684, 'DOX+TRAB vs DOX+olaratumab')
    """
    level = _check_level(level)
    for name, hr in (("hr_ac", hr_ac), ("hr_bc", hr_bc)):
        if not isinstance(hr, HazardRatio):
            raise InputError(f"{name} must be a HazardRatio, got {hr!r}.")
        if hr.se_log is None:
            raise InputError(
                f"{name} = {hr.estimate:g} has no CI; the indirect comparison needs the "
                "standard errors. Pass HazardRatio(estimate, lower, upper)."
            )
    log_hr = hr_ac.log_estimate - hr_bc.log_estimate
    se = math.hypot(hr_ac.se_log, hr_bc.se_log)
    z = _z(level)
    pval = float(2 * _normal.sf(abs(log_hr) / se))
    ci = (math.exp(log_hr - z * se), math.exp(log_hr + z * se))
    return IndirectComparison(math.exp(log_hr), ci, se, pval, f"{a} vs {b}", c, level,
                              (str(sources[0]), str(sources[1])), tuple(caveats))


def hazard_ratio_from_p(estimate: float, p_value: float, *, level: float = 0.95) -> HazardRatio:
    """A hazard ratio's CI recovered from its two-sided p-value (Wald, on log HR).

    ``se = |log HR| / z(1 - p/2)`` and ``CI = exp(log HR +/- z(level) se)`` (Altman & Bland,
    BMJ 2011;343:d2090; Tierney et al., Trials 2007;8:16). The p must be exact (not a bound such
    as ``p < 0.001``) and come from a test close to the Wald test of the HR; a log-rank p gives
    nearly the same CI when the HR is moderate.

    Parameters
    ----------
    estimate : float
        The hazard ratio, > 0 and != 1.
    p_value : float
        Exact two-sided p-value in (0, 1).
    level : float
        Level of the returned CI.

    Returns
    -------
    HazardRatio
        With the derived CI and ``p_value`` set.

    Examples
    --------
    >>> hr = hazard_ratio_from_p(1.28, 0.06)   # GeDDiS PFS, CI not published
    >>> round(hr.lower, 2), round(hr.upper, 2)
    (0.99, 1.66)
    """
    level = _check_level(level)
    est = check_positive("estimate", estimate, hint="A hazard ratio is a positive number.")
    p = check_fraction("p_value", p_value)
    if not 0 < p < 1:
        raise InputError(f"p_value must be in (0, 1), got {p_value!r}; a CI cannot be derived.")
    if est == 1:
        raise InputError("estimate is exactly 1: the p-value carries no standard error.")
    lo, hi = ci_from_p(est, p, level)
    return HazardRatio(est, lo, hi, p_value=p, level=level)
