"""Recompute every published number from pseudo-patient data and compare, within stated tolerances.

Each published quantity is recomputed from the pseudo-data the way a trial report computes it:

============================  ===============================================================
quantity                      recomputed as
============================  ===============================================================
n, events                     counts (must match exactly)
median                        Kaplan-Meier median, first time with S(t) <= 0.5
                              (:func:`lmssurv.km.median_crossings`, as lifelines)
median 95% CI                 Brookmeyer-Crowley with the log-log transform: where the
                              log-log pointwise 95% band crosses 0.5
S(t)                          Kaplan-Meier survival at t; NaN (not estimable) past the end of
                              follow-up, where lifelines would silently carry the last value
S(t) 95% CI                   Greenwood variance with the transform under which the published
                              interval is symmetric (log-log, logit, log or plain;
                              :func:`infer_ci_transform`)
median follow-up              reverse Kaplan-Meier (censoring as the event; Schemper & Smith 1996),
                              overall survival only: on other endpoints it is listed under
                              ``attrs["not_checked"]`` with the reason
HR and 95% CI                 unadjusted Cox model (Efron ties), experimental vs control
log-rank p                    unstratified log-rank test
============================  ===============================================================

Each row passes within a tolerance stated in :func:`check` (Notes): the rounding of the
published number, never tighter than the resolution the step-function pseudo-data allow.

References
----------
Brookmeyer R, Crowley J. A confidence interval for the median survival time. Biometrics 1982.
Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time. Control Clin
Trials 1996.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lmssurv import _normal
from lmssurv._validation import InputError
from lmssurv.cox import cox_two_arms
from lmssurv.km import (
    CI_TRANSFORMS,
    at_risk,
    half_step,
    km_table,
    landmark_ci,
    median_crossings,
    split_arms,
    survival_at,
    validate_ipd,
)
from lmssurv.reconstruct.diagnostics import (
    log_rank_p,
    p_value_tolerance,
    reverse_km_median,
    time_tolerance,
)
from lmssurv.reports import CheckReport
from lmssurv.summary import ArmSummary, HazardRatio

__all__ = ["COLUMNS", "check", "check_arm", "check_comparison", "infer_ci_transform"]

_FOLLOW_UP_NOT_CHECKED = (
    "median follow-up: the trial's follow-up, used to model censoring; it is not recomputed "
    "from these data, because a reverse Kaplan-Meier on an endpoint other than death from any "
    "cause stops following patients at their event"
)

#: Columns of every check table, in order. ``note`` is prose for the reader; code reads the
#: typed columns: ``bound`` (True when the paper printed an upper bound, "p < 0.0001", which
#: passes when the rebuilt value is below it), ``adjustment`` (on HR rows, the sentence saying
#: that a published adjusted HR is compared with an unadjusted one; "" otherwise) and
#: ``reconstruction`` (on a missed HR row, what the engine could do about the HR; "" otherwise).
COLUMNS = [
    "endpoint", "quantity", "arm", "published", "reconstructed", "difference", "tolerance",
    "ok", "method", "note", "bound", "adjustment", "reconstruction",
]

PrecisionLookup = Mapping[str, float] | Callable[[str], "float | None"] | None


@dataclass(frozen=True)
class _Row:
    quantity: str
    arm: str
    published: float
    reconstructed: float
    tolerance: float
    method: str
    note: str = ""
    bound: str | None = None  # "<" when the published value is an upper bound (p < 0.0001)
    adjustment: str = ""

    def as_dict(self, endpoint: str) -> dict:
        if self.bound == "<":
            ok = bool(math.isfinite(self.reconstructed) and self.reconstructed < self.published)
            diff = self.reconstructed - self.published
        else:
            diff = self.reconstructed - self.published
            # 1e-9 absorbs binary floating point in values like 0.68 - 0.675
            ok = bool(math.isfinite(diff) and abs(diff) <= self.tolerance + 1e-9)
        return {
            "endpoint": endpoint, "quantity": self.quantity, "arm": self.arm,
            "published": self.published, "reconstructed": self.reconstructed,
            "difference": diff, "tolerance": self.tolerance, "ok": ok,
            "method": self.method, "note": self.note, "bound": self.bound == "<",
            "adjustment": self.adjustment, "reconstruction": "",
        }


# -- precision ----------------------------------------------------------------------------
# Without a stated precision, times are taken as printed to one decimal (0.1 month), the usual
# printing of medians in trial reports: a float cannot say whether it was typed "2" or "2.0".
_TIME_UNIT = 0.1


def _inferred_unit(value: float, cap: float) -> float:
    text = repr(float(value))
    if "e" in text or "E" in text:
        return cap
    decimals = len(text.split(".")[1].rstrip("0")) if "." in text else 0
    return min(10.0 ** (-decimals), cap)


def _unit(precision: PrecisionLookup, key: str, value: float, cap: float) -> tuple[float, str]:
    """Unit of the last reported digit of ``value`` and where it came from."""
    found = None
    if callable(precision):
        found = precision(key)
    elif precision is not None:
        found = precision.get(key)
    if found is not None:
        if not (isinstance(found, (int, float)) and found > 0 and math.isfinite(found)):
            raise InputError(
                f"precision[{key!r}] must be a positive number (the unit of the last reported "
                f"digit, e.g. 0.1 for 12.2), got {found!r}."
            )
        return float(found), "reported"
    return _inferred_unit(value, cap), "assumed; pass precision= to say"


def _fmt_unit(unit: float) -> str:
    return f"{unit:g}"


def _time_tolerance(unit: float, steps: np.ndarray, value: float) -> tuple[float, str]:
    """:func:`~lmssurv.reconstruct.diagnostics.time_tolerance` and why."""
    half = unit / 2
    tol = time_tolerance(unit, steps, value)
    if tol > half:
        return tol, f"+/-{tol:.3g}: half the gap between the steps around {value:g}"
    return half, f"+/-{half:g}: half a unit of {_fmt_unit(unit)}"


def _rate_tolerance(unit: float, s: float, y: int) -> tuple[float, str]:
    """Half a unit of the printed precision, or half a KM step if larger.

    The engine's self-check (:func:`lmssurv.reconstruct.diagnostics.landmark_tolerance`) has
    the same rule with one difference on purpose: it does not know how the paper printed the
    rate and assumes three decimals, so a miss is reported rather than hidden; here the
    trial file's precision (or the printed value) gives the unit.
    """
    half = unit / 2
    guard = half_step(s, y)
    if guard > half:
        return guard, f"+/-{guard:.3g}: half a KM step S/(2*{y} at risk)"
    return half, f"+/-{half:g}: half a unit of {_fmt_unit(unit)}"


def infer_ci_transform(intervals) -> str:
    """The CI transform under which published survival intervals are most nearly symmetric.

    Trial reports rarely say how a landmark CI was computed; the intervals themselves tell: a
    log-log interval is symmetric around ``log(-log S)``, a logit interval around
    ``log(S / (1 - S))``, and so on. Pass every interval of an endpoint (both arms, all
    landmarks): near S = 0.5 the plain and logit scales are both nearly symmetric and only the
    other rates tell them apart. The summed relative asymmetry
    ``|(g(S) - g(lo)) - (g(hi) - g(S))| / (g(hi) - g(lo))`` is minimised. Without a complete
    interval, returns ``"loglog"`` (lifelines, SAS PROC LIFETEST and Stata default).

    Parameters
    ----------
    intervals : iterable of (estimate, lower, upper)
        Published survival proportions and their CI bounds, in (0, 1); bounds may be None.

    Returns
    -------
    str
        One of ``"loglog"``, ``"logit"``, ``"log"``, ``"plain"``.

    Examples
    --------
    >>> # LMS-04 PFS, Lancet Oncol 2022: 12 and 24 months, both arms
    >>> infer_ci_transform([(0.507, 0.395, 0.619), (0.16, 0.094, 0.259),
    ...                     (0.302, 0.209, 0.415), (0.053, 0.021, 0.129)])
    'logit'
    """
    usable = [
        (s, lo, hi) for s, lo, hi in intervals
        if lo is not None and hi is not None and 0 < lo < s < hi < 1
    ]
    if not usable:
        return "loglog"
    fns = {
        "loglog": lambda p: math.log(-math.log(p)),
        "logit": lambda p: math.log(p / (1 - p)),
        "log": math.log,
        "plain": lambda p: p,
    }

    def asymmetry(name: str) -> float:
        g = fns[name]
        total = 0.0
        for s, lo, hi in usable:
            below, above = abs(g(s) - g(lo)), abs(g(hi) - g(s))
            total += abs(below - above) / (below + above)
        return total

    return min(CI_TRANSFORMS, key=asymmetry)


def _intervals(*summaries: ArmSummary) -> list[tuple]:
    return [(sm.landmarks[t], *ci) for sm in summaries for t, ci in sm.landmark_cis.items()]


# -- one arm ------------------------------------------------------------------------------
def check_arm(
    summary: ArmSummary,
    ipd_arm: pd.DataFrame,
    *,
    precision: PrecisionLookup = None,
    arm: str | None = None,
    follow_up: bool = True,
    ci_transform: str | None = None,
) -> pd.DataFrame:
    """Recompute one arm's published numbers from its pseudo-patients.

    Parameters
    ----------
    summary : ArmSummary
        What the paper reported for the arm (times in months).
    ipd_arm : DataFrame
        Pseudo-patients with columns ``time`` (months) and ``event`` (1 event, 0 censored); an
        ``arm`` column, if present, is ignored.
    precision : mapping or callable, optional
        Unit of the last reported digit per field: keys ``"n"``, ``"events"``, ``"median"``,
        ``"median_ci"``, ``"landmarks[24]"``, ``"landmark_cis[24]"``, ``"median_follow_up"``
        (a callable receives the key and returns the unit or ``None``). Missing keys are
        inferred from the values (see the module docstring).
    arm : str, optional
        Name for the ``arm`` column; defaults to ``summary.label`` or ``"arm"``.
    follow_up : bool
        Check ``summary.median_follow_up`` against this arm's reverse KM. Turn off when the
        published follow-up is for the whole trial (:func:`check` then checks it pooled).
    ci_transform : {"loglog", "logit", "log", "plain"}, optional
        Transform for the landmark CIs; by default inferred from the published intervals
        (:func:`infer_ci_transform`).

    Returns
    -------
    DataFrame
        One row per published quantity with the columns in :data:`COLUMNS`;
        ``attrs["all_ok"]`` is True when every row passes.

    Examples
    --------
    >>> import pandas as pd
    >>> ipd = pd.DataFrame({"time": [1, 2, 3, 4, 5.0], "event": [1, 1, 1, 0, 1]})
    >>> report = check_arm(ArmSummary(n=5, events=4, median=3.0), ipd)
    >>> report[["quantity", "published", "reconstructed", "ok"]].to_string(index=False)
    'quantity  published  reconstructed   ok\\n       n        5.0            5.0 True\\n  events        4.0            4.0 True\\n  median        3.0            3.0 True'
    """
    if not isinstance(summary, ArmSummary):
        raise InputError(f"summary must be an ArmSummary, got {type(summary).__name__}.")
    ipd_arm = validate_ipd(ipd_arm, name="ipd_arm")
    if ci_transform is not None and ci_transform not in CI_TRANSFORMS:
        raise InputError(f"ci_transform must be one of {CI_TRANSFORMS}, got {ci_transform!r}.")
    transform = ci_transform or infer_ci_transform(_intervals(summary))
    rows = _arm_rows(summary, ipd_arm, precision, arm or summary.name, follow_up=follow_up,
                     transform=transform)
    return _to_frame(rows, endpoint="")


def _arm_rows(summary: ArmSummary, ipd: pd.DataFrame, precision: PrecisionLookup, arm: str,
              *, follow_up: bool, transform: str) -> list[_Row]:
    time = ipd["time"].to_numpy(dtype=float)
    event = ipd["event"].to_numpy(dtype=int)
    rows = [
        _Row("n", arm, float(summary.n), float(len(time)), 0.0, "count of pseudo-patients",
             "exact"),
    ]
    if summary.events is not None:
        rows.append(_Row("events", arm, float(summary.events), float(event.sum()), 0.0,
                         "count of event == 1", "exact"))
    event_times = np.unique(time[event == 1])
    med, *ci_times = (float(x) for x in _median_and_ci(time, event))
    if summary.median is not None:
        unit, src = _unit(precision, "median", summary.median, cap=_TIME_UNIT)
        tol, why = _time_tolerance(unit, event_times, summary.median)
        rows.append(_Row(
            "median", arm, summary.median, med, tol,
            "KM median: first time S(t) <= 0.5",
            f"{why} ({src})" + ("; not reached in the pseudo-data" if not math.isfinite(med)
                                else ""),
        ))
    if summary.median_ci is not None:
        recon = dict(zip(("lower", "upper"), ci_times, strict=True))
        for side, pub in zip(("lower", "upper"), summary.median_ci, strict=True):
            if pub is None:  # "not reached" bound: nothing to compare with
                continue
            unit, src = _unit(precision, "median_ci", pub, cap=_TIME_UNIT)
            tol, why = _time_tolerance(unit, event_times, pub)
            rows.append(_Row(
                f"median 95% CI {side}", arm, pub, recon[side], tol,
                "Brookmeyer-Crowley, log-log: where the 95% band crosses 0.5",
                f"{why} ({src})",
            ))
    for t, s_pub in summary.landmarks.items():
        s = survival_at(time, event, t)
        y = at_risk(time, t)
        unit, src = _unit(precision, f"landmarks[{t:g}]", s_pub, cap=0.01)
        tol, why = _rate_tolerance(unit, s, y)
        note = f"{why} ({src})"
        if not math.isfinite(s):
            note = f"not estimable: follow-up ends at {time.max():.3g} months; " + note
        rows.append(_Row(f"S({t:g})", arm, s_pub, s, tol, f"KM survival at {t:g} months", note))
        ci = summary.landmark_cis.get(t)
        if ci is None:
            continue
        bounds = landmark_ci(time, event, t, transform=transform)
        for side, pub, r in zip(("lower", "upper"), ci, bounds, strict=True):
            if pub is None:
                continue
            unit_b, src_b = _unit(precision, f"landmark_cis[{t:g}]", pub, cap=0.01)
            tol_b, why_b = _rate_tolerance(unit_b, s, y)
            rows.append(_Row(
                f"S({t:g}) 95% CI {side}", arm, pub, r, tol_b,
                f"Greenwood, {transform} transform",
                f"{why_b} ({src_b}); {transform}: the scale on which the published CIs "
                "are most symmetric",
            ))
    if follow_up and summary.median_follow_up is not None:
        rows.append(_follow_up_row(summary.median_follow_up, time, event, arm, precision))
    return rows


def _median_and_ci(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """KM median and its 95% Brookmeyer-Crowley CI (:func:`lmssurv.km.median_crossings`)."""
    km = km_table(time, event)
    return median_crossings(km.times, km.surv, km.greenwood, _normal.z_two_sided(0.95))


def _follow_up_row(published: float, time: np.ndarray, event: np.ndarray, arm: str,
                   precision: PrecisionLookup) -> _Row:
    med = reverse_km_median(time, event)
    med = math.nan if med is None else med
    unit, src = _unit(precision, "median_follow_up", published, cap=_TIME_UNIT)
    tol, why = _time_tolerance(unit, np.unique(time[event == 0]), published)
    return _Row(
        "median follow-up", arm, published, med, tol,
        "reverse KM median (censoring as the event)", f"{why} ({src})",
    )


# -- comparison ---------------------------------------------------------------------------
def _cox(control: pd.DataFrame, experimental: pd.DataFrame, level: float
         ) -> tuple[float, float, float]:
    """HR (experimental vs control) and its Wald CI at ``level`` from :mod:`lmssurv.cox`; all
    nan where the partial likelihood has no finite maximum (an arm without events, or one
    arm's events all past the other's follow-up), so the rows fail as not estimable."""
    fit = cox_two_arms(control["time"], control["event"],
                       experimental["time"], experimental["event"])
    if not (math.isfinite(fit.log_hr) and math.isfinite(fit.se)):
        return math.nan, math.nan, math.nan
    return (fit.hr, *fit.ci(level))


def check_comparison(
    hr: HazardRatio | None,
    control: pd.DataFrame,
    experimental: pd.DataFrame,
    *,
    log_rank_p: float | None = None,
    p_bound: str | None = None,
    adjusted: str | None = None,
    precision: PrecisionLookup = None,
) -> pd.DataFrame:
    """Recompute the published hazard ratio (and log-rank p) from two arms' pseudo-patients.

    Parameters
    ----------
    hr : HazardRatio or None
        Published HR, experimental vs control, with its CI.
    control, experimental : DataFrame
        Pseudo-patients ``time`` (months), ``event``.
    log_rank_p : float, optional
        Published log-rank p-value.
    p_bound : {"<"}, optional
        ``"<"`` when the paper printed ``p < log_rank_p``.
    adjusted : str, optional
        How the published HR was adjusted or stratified (e.g. ``"origin site and stage"``);
        said in the note, since the pseudo-data cannot reproduce an adjustment.
    precision : mapping or callable, optional
        Units of the last reported digit: keys ``"hr"``, ``"hr.ci"``, ``"p_value"``.

    Returns
    -------
    DataFrame
        Rows ``HR``, ``HR 95% CI lower/upper`` and ``log-rank p`` as published.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> c = pd.DataFrame({"time": rng.exponential(10, 200), "event": 1})
    >>> e = pd.DataFrame({"time": rng.exponential(20, 200), "event": 1})
    >>> check_comparison(HazardRatio(0.5, 0.4, 0.62), c, e)["quantity"].tolist()
    ['HR', 'HR 95% CI lower', 'HR 95% CI upper']
    """
    control = validate_ipd(control, name="control")
    experimental = validate_ipd(experimental, name="experimental")
    rows: list[_Row] = []
    if hr is not None:
        est, lo, hi = _cox(control, experimental, hr.level)
        pct = f"{hr.level * 100:g}%"
        adjustment = (f"published HR adjusted for {adjusted}; pseudo-data have no covariates, "
                      "so the unadjusted HR is compared" if adjusted else "")
        adj = adjustment or "unadjusted Cox HR"
        if not math.isfinite(est):
            adj += ("; not estimable: the Cox partial likelihood of the pseudo-data has no "
                    "finite maximum (an arm without events, or all of one arm's events after "
                    "the other arm's last time)")
        unit, src = _unit(precision, "hr", hr.estimate, cap=0.01)
        rows.append(_Row("HR", "experimental vs control", hr.estimate, est, unit / 2,
                         "Cox PH, Efron ties (lmssurv.cox)",
                         f"+/-{unit / 2:g}: half a unit of {_fmt_unit(unit)} ({src}); {adj}",
                         adjustment=adjustment))
        if hr.lower is not None:
            for side, pub, r in (("lower", hr.lower, lo), ("upper", hr.upper, hi)):
                unit_b, src_b = _unit(precision, "hr.ci", pub, cap=0.01)
                inherited = pub * (unit / 2) / hr.estimate
                tol = unit_b / 2 + inherited
                rows.append(_Row(
                    f"HR {pct} CI {side}", "experimental vs control", pub, r, tol,
                    "Cox PH Wald interval",
                    f"+/-{tol:.3g}: half a unit of {_fmt_unit(unit_b)} ({src_b}) + "
                    f"{inherited:.3g} inherited from the HR's rounding; {adj}",
                    adjustment=adjustment,
                ))
    if log_rank_p is not None:
        rows.append(_p_row(log_rank_p, p_bound, hr, control, experimental, precision))
    return _to_frame(rows, endpoint="")


def _p_row(p_pub: float, bound: str | None, hr: HazardRatio | None, control: pd.DataFrame,
           experimental: pd.DataFrame, precision: PrecisionLookup) -> _Row:
    if bound not in (None, "<"):
        raise InputError(f"p_bound must be None or '<', got {bound!r}.")
    p = log_rank_p(control["time"], control["event"], experimental["time"],
                   experimental["event"])
    method = "unstratified log-rank test (lmssurv; as lifelines' logrank_test)"
    if bound == "<":
        return _Row("log-rank p", "experimental vs control", p_pub, p, math.nan, method,
                    f"published as p < {p_pub:g}: passes when below it", bound="<")
    unit, src = _unit(precision, "p_value", p_pub, cap=0.01)
    if src != "reported":  # the engine's reading of a float p (its own decimals, at least 2)
        unit = None
    h_unit = _unit(precision, "hr", hr.estimate, cap=0.01)[0] if hr is not None else None
    tol, from_hr = p_value_tolerance(p_pub, hr, unit=unit, hr_unit=h_unit)
    why = ("the change in p from the HR's rounding on the z scale" if from_hr
           else f"half a unit of {_fmt_unit(2 * tol)} ({src})")
    return _Row("log-rank p", "experimental vs control", p_pub, p, tol, method,
                f"+/-{tol:.3g}: {why}")


# -- whole trial --------------------------------------------------------------------------
def _decimals_lookup(ep) -> Callable[[str], float | None]:
    """Units of the last reported digit from a curated Endpoint, by provenance path.

    Uses ``Endpoint.rounding_tolerance(path)`` (half a unit) when the endpoint has it, else its
    ``precision`` mapping (int values are decimals, float values units).
    """
    half = getattr(ep, "rounding_tolerance", None)
    table = getattr(ep, "precision", None) or {}

    def find(key: str) -> float | None:
        if key not in table:
            return None
        if callable(half):
            try:
                return 2.0 * float(half(key))
            except (InputError, KeyError):
                return None
        value = table[key]
        if isinstance(value, int) and not isinstance(value, bool):
            return 10.0 ** (-value)
        return float(value)

    return find


def _as_callable(precision: PrecisionLookup) -> Callable[[str], float | None] | None:
    if precision is None or callable(precision):
        return precision
    return precision.get


def _prefixed(lookup, prefix: str):
    if lookup is None:
        return None
    return lambda key: lookup(f"{prefix}.{key}")


def _adjustment(ep) -> str | None:
    if not getattr(ep, "hr_adjusted", None):
        return None
    covariates = tuple(getattr(ep, "hr_adjusted_for", ()) or ())
    return ", ".join(covariates) if covariates else "covariates the sources do not name"


def check(trial, endpoint, ipd: pd.DataFrame, *, precision: PrecisionLookup = None
          ) -> pd.DataFrame:
    """Check a rebuilt two-arm endpoint against every number its paper published.

    Parameters
    ----------
    trial : Trial, str, path or dict
        A curated trial (:func:`lmssurv.load_trial`), your own
        (:meth:`lmssurv.Trial.from_summaries`, :meth:`lmssurv.Trial.from_dict`) or a name or
        ``.toml`` path that :func:`lmssurv.load_trial` reads.
    endpoint : str or Endpoint
        Endpoint key in any case (``"os"``, ``"PFS"``) or the endpoint itself.
    ipd : DataFrame
        Pseudo-patients with columns ``arm`` (the arm labels), ``time`` (months), ``event``.
    precision : mapping or callable, optional
        Units of the last reported digit (0.1 for 12.2), keyed like the endpoint's provenance
        paths: ``"control.median"``, ``"experimental.landmarks[24]"``, ``"hr"``, ``"hr.ci"``,
        ``"p_value"``, ``"control.median_follow_up"``... Defaults to the decimals the trial
        file records (``Endpoint.precision``), then to inference from the values.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`: per arm n, events, median and its CI, landmark rates and
        their CIs, median follow-up (pooled when the paper gave one figure for the trial),
        then total events, the HR with its CI and the p-value. ``attrs["all_ok"]`` is True
        when every row passes; ``attrs["endpoint"]`` and ``attrs["trial"]`` name them.

    Notes
    -----
    The tolerance rule (also :func:`check_arm` and :func:`check_comparison`).
    A published number is rounded, so it only says the truth lies within half a unit of its last
    reported digit: a median reported as 33 passes within +/-0.5 months, 12.2 within +/-0.05... but
    a pseudo-data Kaplan-Meier curve is a step function, so that bound is never made tighter than
    the resolution the data allow:

    * survival rates and their CI bounds: never tighter than half a KM step at that time,
      ``S(t) / (2 Y(t))`` with ``Y(t)`` the pseudo-patients at risk (one event moves the curve by
      ``S/Y``, so no curve can be placed closer than half of that in general);
    * times (median, median CI bounds, median follow-up): never tighter than half the gap between
      the two step times (event times; censoring times for the reverse KM) that bracket the
      published value -- a KM quantile can only sit on a step, so the best a curve can do is the
      step nearest the published value -- but the guard never exceeds 5% of the value (sparser
      pseudo-data are too coarse to call a match);
    * n and events: exact;
    * HR: half a unit of its last digit. Its CI bounds: half a unit, plus the share of the HR's own
      rounding they inherit (``bound x half-unit(HR) / HR``): a reconstruction pinned anywhere in
      the HR's rounding interval moves both bounds in proportion;
    * an exact log-rank p: half a unit, never tighter than the change in p that the HR's rounding
      causes on the z scale; a p reported as a bound ("p < 0.0001") passes when the recomputed p is
      below it.

    The unit of the last digit comes from what the user says: ``precision`` (the curated files and
    :meth:`lmssurv.Trial.from_summaries` record it, from the TOML text or ``decimals=``). Failing
    that, it is *assumed* from the usual printing of trial reports -- one decimal for times
    (0.1 month), a whole percent for rates (0.01), two decimals for hazard ratios (0.01), three for
    p-values -- or finer when the value itself shows more digits (0.507 -> 0.001). Trailing zeros
    are never read from a float (2.0 and 2 are the same number), so a bound typed as ``2.0`` is
    +/-0.05 months, not +/-0.5; the note says "assumed" so that the reader can pass ``precision=``.

    Published hazard ratios are usually adjusted or stratified (LMS-04: adjusted for origin site and
    stage); the pseudo-data carry no covariates, so the unadjusted HR is compared with the adjusted
    one and the note column says so.

    Examples
    --------
    >>> from lmssurv.trials import load_trial
    >>> trial = load_trial("lms04")
    >>> report = check(trial, "os", trial.reconstruct("os", seed=0))
    >>> report.attrs["all_ok"]
    True
    """
    from lmssurv.trials import Endpoint, as_trial

    trial = as_trial(trial)
    if isinstance(endpoint, Endpoint):
        ep = endpoint
    elif isinstance(endpoint, str):
        ep = trial.endpoint(endpoint)  # any case; a miss lists the endpoints that exist
    else:
        raise InputError(f"endpoint must be a key such as 'os' or an Endpoint, got "
                         f"{type(endpoint).__name__}.")
    key = getattr(ep, "key", None) or (endpoint if isinstance(endpoint, str) else "endpoint")
    if getattr(ep, "experimental", None) is None:
        return _check_single_arm(ep, key, ipd, trial)
    diagnostics = ipd.attrs.get("lmssurv") if isinstance(ipd, pd.DataFrame) else None
    engine_hr = getattr(diagnostics, "hazard_ratio", None)
    ipd = validate_ipd(ipd, need_arm=True)
    control, experimental = ep.control, ep.experimental
    c_label = control.label or "control"
    e_label = experimental.label or "experimental"
    arms = split_arms(ipd, [c_label, e_label])
    lookup = _as_callable(precision) or _decimals_lookup(ep)

    pooled_fu = trial.trial_follow_up(ep)
    not_checked = []
    follow_up_checkable = _is_overall_survival(ep, key)
    if not follow_up_checkable and (pooled_fu is not None or control.median_follow_up
                                    is not None or experimental.median_follow_up is not None):
        not_checked.append(_FOLLOW_UP_NOT_CHECKED)
    transform = infer_ci_transform(_intervals(control, experimental))
    rows: list[_Row] = []
    for role, summary, label in (("control", control, c_label),
                                 ("experimental", experimental, e_label)):
        rows += _arm_rows(summary, arms[label], _prefixed(lookup, role), label,
                          follow_up=pooled_fu is None and follow_up_checkable,
                          transform=transform)
    if pooled_fu is not None and follow_up_checkable:
        fu_lookup = lookup if lookup("median_follow_up") else _prefixed(lookup, "control")
        row = _follow_up_row(float(pooled_fu), ipd["time"].to_numpy(float),
                             ipd["event"].to_numpy(int), "both arms", fu_lookup)
        rows.append(_Row(row.quantity, row.arm, row.published, row.reconstructed, row.tolerance,
                         row.method + ", both arms pooled",
                         row.note + "; the paper gives one follow-up for the whole trial"))
    total = getattr(ep, "events_total", None)
    if total is not None:
        rows.append(_Row("events", "both arms", float(total), float(ipd["event"].sum()), 0.0,
                         "count of event == 1", "exact"))
    p_value = getattr(ep, "p_value", None)
    p, p_bound, p_test = None, None, None
    if p_value is not None:
        p = float(p_value.value)
        p_bound = "<" if p_value.relation in ("<", "<=") else None
        p_test = getattr(p_value, "test", None)
    comp = check_comparison(
        ep.hr, arms[c_label], arms[e_label], log_rank_p=p, p_bound=p_bound,
        adjusted=_adjustment(ep), precision=lookup,
    )
    if p_test and p_test != "log-rank" and len(comp):
        mask = comp["quantity"] == "log-rank p"
        comp.loc[mask, "note"] = comp.loc[mask, "note"] + f"; the source's test: {p_test}"
    if engine_hr is not None and len(comp):
        # a missed HR: say what the reconstruction could and could not do about it
        missed = comp["quantity"].str.startswith("HR") & ~comp["ok"]
        said = f"hazard ratio {engine_hr.value}"
        comp.loc[missed, "reconstruction"] = said
        comp.loc[missed, "note"] = comp.loc[missed, "note"] + f"; reconstruction: {said}"
    frame = _to_frame(rows, endpoint=key)
    comp["endpoint"] = key
    out = CheckReport(pd.concat([frame, comp], ignore_index=True) if len(comp) else frame)
    out.attrs = {"all_ok": bool(out["ok"].all()), "endpoint": key,
                 "trial": getattr(trial, "name", ""), "not_checked": not_checked}
    return out


def _check_single_arm(ep, key: str, ipd: pd.DataFrame, trial) -> pd.DataFrame:
    """check() for a one-arm endpoint: the arm's rows, follow-up on overall survival only."""
    if isinstance(ipd, pd.DataFrame) and "arm" in ipd.columns:
        ipd = ipd.drop(columns="arm")
    checkable = _is_overall_survival(ep, key)
    report = CheckReport(check_arm(ep.control, ipd, follow_up=checkable,
                                   precision=_prefixed(_decimals_lookup(ep), "control")))
    report["endpoint"] = key
    not_checked = []
    if not checkable and ep.control.median_follow_up is not None:
        not_checked.append(_FOLLOW_UP_NOT_CHECKED)
    report.attrs = {"all_ok": bool(report["ok"].all()), "endpoint": key,
                    "trial": getattr(trial, "name", ""), "not_checked": not_checked}
    return report


def _is_overall_survival(ep, key: str) -> bool:
    """Whether the endpoint is death from any cause, where reverse KM measures follow-up."""
    name = str(getattr(ep, "name", "")).lower()
    return key.lower().startswith("os") or "overall survival" in name


def _to_frame(rows: list[_Row], endpoint: str) -> pd.DataFrame:
    frame = CheckReport([r.as_dict(endpoint) for r in rows], columns=COLUMNS)
    frame["ok"] = frame["ok"].astype(bool)
    frame.attrs = {"all_ok": bool(frame["ok"].all()), "endpoint": endpoint}
    return frame
