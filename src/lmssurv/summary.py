"""What a trial report says about an arm and a comparison: frozen, validated inputs.

Times are in months throughout. Survival values are proportions in [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from lmssurv import _normal
from lmssurv._validation import (
    InputError,
    check_fraction,
    check_positive,
    check_whole,
    short_repr,
)

__all__ = ["ArmSummary", "HazardRatio", "ci_from_p", "decimals_written", "implied_p_range",
           "p_against_wald", "printed_decimals", "require_hazard_ratio", "se_log_from_ci"]

# A reported landmark rate is rounded (usually to a whole percent) and a reported median is
# rounded too: allow this much slack before calling a median/landmark pair contradictory.
_ROUNDING_SLACK = 0.01
# No trial arm is larger than this; a bigger n is a typo (and would exhaust memory when rebuilt).
_MAX_N = 1_000_000
# A p printed with an HR and its CI is rejected only when it contradicts them grossly: the
# log-rank, stratified log-rank, score and Wald tests of one comparison, adjusted or not, give
# |z| (z = Phi^-1(1 - p/2)) within a few percent of each other, so their printed p-values
# differ (the curated trials' largest gap beyond rounding: 2.4% of z, TAP 2016 OS, a
# stratified p; tests/test_pvalue.py proves every curated endpoint passes). Rejected: the
# z ranges of the p and of the Wald p of the HR and CI (each over its printed rounding) lie
# more than _P_Z_GAP apart and more than _P_Z_REL of the larger z (p = 0.6 against a CI
# giving 0.04; 0.006 printed for 0.06), several times what two tests give; what such a gap
# signals is a typo or a p of another comparison. Smaller gaps are left to the self-check,
# which warns when the rebuild's log-rank p does not reproduce the p.
_P_Z_GAP = 0.5
_P_Z_REL = 0.25


def _freeze_landmarks(name: str, raw: Mapping | None) -> Mapping[float, float]:
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, Mapping):
        raise InputError(
            f"{name} must be a mapping {{time in months: survival proportion}}, got {raw!r}."
        )
    out = {}
    for t, s in raw.items():
        if _is_zero(t):
            raise InputError(
                f"{name} has a rate at time 0 ({t!r}: {s!r}); survival at 0 months is 1 by "
                "definition. Leave it out."
            )
        t = check_positive(f"{name} time", t, hint="Landmark times are months after entry.")
        out[t] = check_fraction(f"{name}[{t:g}]", s)
    return MappingProxyType(dict(sorted(out.items())))


def _is_zero(value: object) -> bool:
    try:
        return not isinstance(value, bool) and float(value) == 0.0
    except (TypeError, ValueError):
        return False


def _check_interval(name: str, raw: object, *, fraction: bool) -> tuple[float | None, float | None]:
    if not isinstance(raw, (tuple, list)) or len(raw) != 2:
        raise InputError(f"{name} must be a pair (lower, upper), got {raw!r}.")
    bounds = []
    for side, value in zip(("lower", "upper"), raw, strict=True):
        if value is None:
            bounds.append(None)
        elif fraction:
            bounds.append(check_fraction(f"{name} {side}", value))
        else:
            bounds.append(check_positive(f"{name} {side}", value, allow_zero=True))
    lower, upper = bounds
    if lower is not None and upper is not None and lower > upper:
        raise InputError(
            f"{name} lower bound {lower:g} is above its upper bound {upper:g}; "
            "were they swapped?"
        )
    return lower, upper


@dataclass(frozen=True)
class ArmSummary:
    """Published summary of one trial arm for one time-to-event endpoint.

    Parameters
    ----------
    n : int
        Patients in the arm (analysis population).
    events : int, optional
        Number of events (deaths for OS; progressions or deaths for PFS). When ``None`` the
        engine infers it from the hazard ratio's confidence interval and the landmark rates.
    median : float, optional
        Kaplan-Meier median in months; ``None`` when not reached or not reported (see
        :attr:`median_not_reached`).
    median_ci : (float or None, float or None), optional
        95% CI of the median (Brookmeyer-Crowley); either bound may be ``None`` (not reached).
        With ``median=None`` pass ``(lower, None)`` for "NR (95% CI lower-NR)".
    landmarks : mapping {months: proportion}, optional
        Kaplan-Meier survival at fixed times, e.g. ``{24: 0.49}`` for a 2-year rate of 49%.
    landmark_cis : mapping {months: (lower, upper)}, optional
        95% CIs of the landmark rates, keyed by the same times as ``landmarks``.
    median_follow_up : float, optional
        Median follow-up in months (reverse Kaplan-Meier unless the paper says otherwise).
    max_follow_up : float, optional
        Longest follow-up in months (e.g. first patient in to data cut-off).
    accrual : float, optional
        Months over which patients entered the trial.
    label : str, optional
        Arm name used in outputs, e.g. ``"Doxorubicin"``.

    Raises
    ------
    InputError
        (a ``ValueError``) naming the field, the bad value and a fix, for impossible values
        and for numbers that contradict each other (a median that disagrees with a landmark
        rate, a CI that excludes its estimate, a landmark beyond the longest follow-up).

    Examples
    --------
    >>> arm = ArmSummary(n=76, events=60, median=24.0, median_ci=(19.0, 31.0),
    ...                  landmarks={24: 0.49}, median_follow_up=55.0, label="Doxorubicin")
    >>> arm.landmarks[24.0]
    0.49
    """

    n: int
    events: int | None = None
    median: float | None = None
    median_ci: tuple[float | None, float | None] | None = None
    landmarks: Mapping[float, float] = field(default_factory=dict)
    landmark_cis: Mapping[float, tuple[float, float]] = field(default_factory=dict)
    median_follow_up: float | None = None
    max_follow_up: float | None = None
    accrual: float | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        n = check_whole("n", self.n, minimum=1, maximum=_MAX_N,
                        hint="Pass the number of patients in the arm.")
        set_(self, "n", n)
        if self.events is not None:
            events = check_whole(
                "events", self.events, minimum=0, hint="Pass the number of events, or None."
            )
            if events > n:
                raise InputError(
                    f"events ({events}) cannot exceed n ({n}); check that both refer to the "
                    "same arm and endpoint."
                )
            set_(self, "events", events)
        if self.median is not None:
            set_(self, "median", check_positive(
                "median", self.median, hint="Use None for a median that was not reached."
            ))
        for name in ("median_follow_up", "max_follow_up", "accrual"):
            value = getattr(self, name)
            if value is not None:
                set_(self, name, check_positive(name, value, hint="Times are in months."))
        if self.label is not None and not isinstance(self.label, str):
            raise InputError(f"label must be a string, got {self.label!r}.")

        landmarks = _freeze_landmarks("landmarks", self.landmarks)
        set_(self, "landmarks", landmarks)
        self._check_median_ci()
        self._check_landmark_cis(landmarks)
        self._check_monotone(landmarks)
        self._check_median_vs_landmarks(landmarks)
        self._check_no_events(landmarks)
        self._check_follow_up(landmarks)

    # -- consistency checks -------------------------------------------------------------
    def _check_median_ci(self) -> None:
        if self.median_ci is None:
            return
        lower, upper = _check_interval("median_ci", self.median_ci, fraction=False)
        object.__setattr__(self, "median_ci", (lower, upper))
        if self.median is None:
            if upper is None:  # "NR (95% CI 20.8-NR)": a median not reached
                return
            raise InputError(
                f"median_ci={self.median_ci!r} has an upper limit but median is None; pass "
                "the median too, or (lower, None) for a median not reached."
            )
        if (lower is not None and lower > self.median) or (
            upper is not None and upper < self.median
        ):
            raise InputError(
                f"median_ci {self.median_ci!r} does not contain the median {self.median:g}; "
                "check for a typo or swapped arms."
            )

    def _check_landmark_cis(self, landmarks: Mapping[float, float]) -> None:
        if self.landmark_cis is None or (
            isinstance(self.landmark_cis, Mapping) and not self.landmark_cis
        ):
            object.__setattr__(self, "landmark_cis", MappingProxyType({}))
            return
        if not isinstance(self.landmark_cis, Mapping):
            raise InputError(
                f"landmark_cis must be a mapping {{time: (lower, upper)}}, got {self.landmark_cis!r}."
            )
        out = {}
        for t, ci in self.landmark_cis.items():
            t = check_positive("landmark_cis time", t)
            if t not in landmarks:
                raise InputError(
                    f"landmark_cis has a CI at {t:g} months but landmarks has no rate there; "
                    f"landmark times are {list(landmarks) or 'none'}."
                )
            lower, upper = _check_interval(f"landmark_cis[{t:g}]", ci, fraction=True)
            rate = landmarks[t]
            if (lower is not None and lower > rate) or (upper is not None and upper < rate):
                raise InputError(
                    f"landmark_cis[{t:g}] = {ci!r} does not contain the rate {rate:g}; "
                    "check for a typo (percent vs proportion?)."
                )
            out[t] = (lower, upper)
        object.__setattr__(self, "landmark_cis", MappingProxyType(dict(sorted(out.items()))))

    @staticmethod
    def _check_monotone(landmarks: Mapping[float, float]) -> None:
        items = list(landmarks.items())
        for (t0, s0), (t1, s1) in zip(items, items[1:], strict=False):
            if s1 > s0:
                raise InputError(
                    f"landmarks rise with time: S({t0:g}) = {s0:g} but S({t1:g}) = {s1:g}. "
                    "A survival curve cannot go up; check the times and the rates."
                )

    def _check_median_vs_landmarks(self, landmarks: Mapping[float, float]) -> None:
        if not landmarks:
            return
        m = self.median
        for t, s in landmarks.items():
            if m is not None and t < m and s < 0.5 - _ROUNDING_SLACK:
                raise InputError(
                    f"median {m:g} contradicts landmarks[{t:g}] = {s:g}: survival is already "
                    f"below 0.5 at {t:g} months, so the median must be at most {t:g}. "
                    "Check the median, the landmark time and the rate."
                )
            if m is not None and t > m and s > 0.5 + _ROUNDING_SLACK:
                raise InputError(
                    f"median {m:g} contradicts landmarks[{t:g}] = {s:g}: survival is still "
                    f"above 0.5 at {t:g} months, so the median must be later than {t:g}. "
                    "Check the median, the landmark time and the rate."
                )

    def _check_no_events(self, landmarks: Mapping[float, float]) -> None:
        # With no events the Kaplan-Meier curve stays at 1: no median, no rate below 1.
        if self.events != 0:
            return
        if self.median is not None:
            raise InputError(
                f"events = 0 but median = {self.median:g}: without events the Kaplan-Meier "
                "curve never falls, so the median is not reached. Check events (None when not "
                "reported) or use median=None."
            )
        below = [(t, s) for t, s in landmarks.items() if s < 1]
        if below:
            t, s = below[0]
            raise InputError(
                f"events = 0 but landmarks[{t:g}] = {s:g}: without events survival stays at 1. "
                "Check events (None when not reported) or the landmark rate."
            )

    def _check_follow_up(self, landmarks: Mapping[float, float]) -> None:
        mfu, mx = self.median_follow_up, self.max_follow_up
        if mfu is not None and mx is not None and mfu > mx:
            raise InputError(
                f"median_follow_up ({mfu:g}) exceeds max_follow_up ({mx:g}); "
                "check that both are in months."
            )
        if mx is not None:
            if self.median is not None and self.median > mx:
                raise InputError(
                    f"median ({self.median:g}) lies beyond max_follow_up ({mx:g}); a Kaplan-Meier "
                    "median cannot be later than the longest follow-up. Check both values and "
                    "the units (months)."
                )
            upper = self.median_ci[1] if self.median_ci is not None else None
            if upper is not None and upper > mx:
                raise InputError(
                    f"median_ci upper bound ({upper:g}) lies beyond max_follow_up ({mx:g}); "
                    "use None for a bound that was not reached, or check the units (months)."
                )
            late = [t for t in landmarks if t > mx]
            if late:
                raise InputError(
                    f"landmarks[{late[0]:g}] lies beyond max_follow_up ({mx:g}); "
                    "no patient was followed that long. Check the units (months)."
                )

    # -- derived ------------------------------------------------------------------------
    @property
    def median_not_reached(self) -> bool:
        """Whether the summary says the KM never fell to 0.5 during follow-up.

        True when ``median`` is None and either its CI is given as ``(lower, None)`` ("NR,
        95% CI lower-NR") or at least one landmark rate is reported and all are above 0.5.
        A missing median with no such evidence may simply not have been reported.
        """
        if self.median is not None:
            return False
        if self.median_ci is not None:
            return True
        return bool(self.landmarks) and min(self.landmarks.values()) > 0.5

    @property
    def name(self) -> str:
        """The label, or ``"arm"`` when none was given."""
        return self.label if self.label is not None else "arm"

    def to_months(self, time_unit: str) -> ArmSummary:
        """The same summary with every time converted from ``time_unit`` to months.

        Converts the median and its CI, the landmark times (keys of ``landmarks`` and
        ``landmark_cis``), the follow-up and the accrual; counts, rates and the label are kept.
        lmssurv works in months, so convert once, on the way in.

        Parameters
        ----------
        time_unit : {"days", "weeks", "months", "years"}
            Unit the times were given in (a month is 365.25 / 12 days).

        Examples
        --------
        >>> arm = ArmSummary(n=100, median=2.0, median_ci=(1.5, 3.0), landmarks={1: 0.7})
        >>> months = arm.to_months("years")
        >>> months.median, months.median_ci, dict(months.landmarks)
        (24.0, (18.0, 36.0), {12.0: 0.7})
        """
        from lmssurv.units import months_per

        k = months_per(time_unit)
        if k == 1.0:
            return self

        def scale(v):
            return None if v is None else v * k

        return ArmSummary(
            n=self.n, events=self.events, median=scale(self.median),
            median_ci=(None if self.median_ci is None else
                       (scale(self.median_ci[0]), scale(self.median_ci[1]))),
            landmarks={t * k: s for t, s in self.landmarks.items()},
            landmark_cis={t * k: ci for t, ci in self.landmark_cis.items()},
            median_follow_up=scale(self.median_follow_up),
            max_follow_up=scale(self.max_follow_up), accrual=scale(self.accrual),
            label=self.label,
        )


def se_log_from_ci(lower: float, upper: float, level: float = 0.95, *,
                   slack: float = 0.0) -> float:
    """Standard error of a log ratio implied by its CI: ``(log upper - log lower) / (2 z)``.

    ``z`` is the two-sided normal quantile of ``level``. ``slack`` moves both limits outwards
    (a negative value inwards) before the logs, as when the limits are known only to rounding
    (the audit passes half a unit of their last printed decimal); a lower limit pushed to 0 or
    below is held at 1e-12. Narrowing past an empty interval gives a non-positive value: the
    caller decides what that means.

    Examples
    --------
    >>> round(se_log_from_ci(0.44, 0.95), 4)
    0.1964
    >>> round(se_log_from_ci(0.44, 0.95, slack=0.005), 4)
    0.2006
    """
    lo = lower - slack
    if slack > 0:
        lo = max(lo, 1e-12)
    return (math.log(upper + slack) - math.log(lo)) / (2 * _normal.z_two_sided(level))


def decimals_written(text: str) -> int:
    """Decimals a number written as ``text`` stands for: what follows the point, less the
    exponent (``"0.0010"``: 4, ``"1e-5"``: 5, ``"1.5e-3"``: 4, ``"2"``: 0, never below 0).

    >>> decimals_written("0.0010"), decimals_written("1e-5"), decimals_written("1.5E-3")
    (4, 5, 4)
    """
    mantissa, _, exponent = text.lower().partition("e")
    frac = mantissa.split(".")[1] if "." in mantissa else ""
    return max(0, len(frac) - int(exponent or 0))


def printed_decimals(value: float, min_decimals: int = 0) -> int:
    """Decimals of ``value`` as its shortest repr prints it, at least ``min_decimals``.

    A float typed as ``24.0`` counts 0 decimals; exponent notation counts the decimals it
    stands for (``5e-05``: 5; :func:`decimals_written`).

    >>> printed_decimals(0.433), printed_decimals(24.0), printed_decimals(5e-05), printed_decimals(0.7, 2)
    (3, 0, 5, 2)
    """
    text = repr(float(value))
    if text.endswith(".0"):  # repr's way of writing a whole number ("24.0"; never with "e")
        text = text[:-2]
    return max(decimals_written(text), min_decimals)


# exp() of a larger log limit overflows (about 709.8) or underflows to 0 (about -745)
_MAX_LOG_CI = 700.0


def _z_of_p(p: float) -> float:
    """|z| of a two-sided p."""
    return float(_normal.isf(p / 2))


def _wald_z_range(hr: float, lower: float, upper: float, level: float, hr_decimals: int,
                  ci_decimals: int) -> tuple[float, float, float]:
    """``|log HR| / SE`` of a printed HR and CI, and its smallest and largest values over the
    rounding box (see :func:`implied_p_range`)."""
    se = se_log_from_ci(lower, upper, level)
    z = abs(math.log(hr)) / se if se > 0 else math.inf
    h, c = 0.5 * 10.0 ** -hr_decimals, 0.5 * 10.0 ** -ci_decimals
    log_lo, log_hi = math.log(max(hr - h, 1e-12)), math.log(hr + h)
    abs_min = 0.0 if log_lo <= 0 <= log_hi else min(abs(log_lo), abs(log_hi))
    abs_max = max(abs(log_lo), abs(log_hi))
    se_min = se_log_from_ci(lower, upper, level, slack=-c) if upper - c > lower + c else 0.0
    se_max = se_log_from_ci(lower, upper, level, slack=c)
    return z, abs_min / se_max, abs_max / se_min if se_min > 0 else math.inf


def implied_p_range(hr: float, lower: float, upper: float, *, level: float = 0.95,
                    hr_decimals: int = 2, ci_decimals: int = 2) -> tuple[float, float, float]:
    """Two-sided Wald p implied by a printed HR and CI, with its range over rounding.

    The one rule of :func:`lmssurv.audit.audit`'s p-value rows and of the check of
    :class:`HazardRatio`'s ``p_value`` (also importable from :mod:`lmssurv.audit`).

    Parameters
    ----------
    hr, lower, upper : float
        Printed hazard ratio and confidence limits.
    level : float
        Confidence level of the limits.
    hr_decimals, ci_decimals : int
        Decimals printed; every value within half a unit of the last digit is tried.

    Returns
    -------
    (p, p_min, p_max)
        ``p = 2 * (1 - Phi(|log HR| / SE))`` with ``SE = (log upper - log lower) / (2 z)``,
        and its smallest and largest values over the rounding box (Altman & Bland 2011).

    Examples
    --------
    >>> p, lo, hi = implied_p_range(0.65, 0.44, 0.95)
    >>> round(p, 4), round(lo, 4), round(hi, 4)
    (0.0282, 0.0225, 0.0349)
    """
    for name, v in (("hr", hr), ("lower", lower), ("upper", upper)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise InputError(f"{name} must be a positive number, got {v!r}.")
    if not lower <= upper:
        raise InputError(f"lower ({lower!r}) must not exceed upper ({upper!r}).")
    z, z_min, z_max = _wald_z_range(hr, lower, upper, level, hr_decimals, ci_decimals)
    return tuple(float(2 * _normal.sf(x)) for x in (z, z_max, z_min))


def p_against_wald(hr: HazardRatio, *, min_p_decimals: int = 0
                   ) -> tuple[tuple[float, float], tuple[float, float], float]:
    """The |z| range of ``hr.p_value`` and the Wald |z| range of the HR and its CI, each over its
    printed rounding (the HR and CI read to at least two decimals, the p to at least
    ``min_p_decimals``), and how far apart they lie (0 when they meet).

    The one measure behind :class:`HazardRatio`'s check of its p and the self-check's reason
    for a missed p (:attr:`lmssurv.reconstruct.diagnostics.MissReason.OTHER_TEST`).

    >>> z_p, z_w, gap = p_against_wald(HazardRatio(0.65, 0.44, 0.95, p_value=0.09))
    >>> [round(v, 2) for v in (*z_p, *z_w, gap)]
    [1.67, 1.72, 2.11, 2.28, 0.39]
    """
    p = hr.p_value
    half = 0.5 * 10.0 ** -printed_decimals(p, min_p_decimals)
    z_p = (_z_of_p(min(p + half, 1.0)), _z_of_p(p - half) if p > half else math.inf)
    _, *z_w = _wald_z_range(hr.estimate, hr.lower, hr.upper, hr.level,
                            printed_decimals(hr.estimate, 2),
                            max(printed_decimals(v, 2) for v in (hr.lower, hr.upper)))
    return z_p, tuple(z_w), max(z_p[0] - z_w[1], z_w[0] - z_p[1], 0.0)


def ci_from_p(estimate: float, p_value: float, level: float = 0.95) -> tuple[float, float]:
    """The Wald CI of a hazard ratio that its two-sided p implies: ``se = |log HR| / z(1 - p/2)``,
    ``exp(log HR +/- z(level) se)`` (Altman & Bland, BMJ 2011;343:d2090). Arguments are not
    checked (:func:`lmssurv.compare.hazard_ratio_from_p` is the public form: ``estimate != 1``,
    ``0 < p < 1``), but a p so close to 1 that the CI is beyond floating point (0 or infinite
    limits) raises :class:`~lmssurv.InputError`.

    >>> tuple(round(x, 2) for x in ci_from_p(1.28, 0.06))
    (0.99, 1.66)
    """
    se = abs(math.log(estimate)) / _z_of_p(p_value)
    z = _normal.z_two_sided(level)
    if abs(math.log(estimate)) + z * se > _MAX_LOG_CI:
        raise InputError(
            f"p_value={p_value!r} with hazard ratio {estimate!r} implies a standard error of "
            f"log HR of {se:.3g}: its {100 * level:g}% CI runs from 0 to infinity in floating "
            "point. A p this close to 1 goes with a hazard ratio near 1; check the p, or pass "
            "the published CI instead."
        )
    return math.exp(math.log(estimate) - z * se), math.exp(math.log(estimate) + z * se)


@dataclass(frozen=True)
class HazardRatio:
    """A published hazard ratio (experimental vs control) with its confidence interval.

    Parameters
    ----------
    estimate : float
        The hazard ratio, > 0.
    lower, upper : float, optional
        Confidence limits at ``level``.
    p_value : float, optional
        Exact two-sided p-value reported with the HR (log-rank, stratified or Wald; a bound
        such as ``p < 0.0001`` is not one: leave None). With a CI it must not contradict it
        grossly (an ``InputError``: more than 0.5 and 25% apart in ``|z|`` over the printed
        rounding); the engines self-check the rebuild's unstratified log-rank p against it and,
        without a CI, infer unreported event counts from it.
    level : float
        Confidence level of ``(lower, upper)``; 0.95 unless the paper says otherwise.

    Examples
    --------
    >>> hr = HazardRatio(0.65, 0.44, 0.95)
    >>> round(hr.se_log, 3)
    0.196
    >>> round(hr.implied_events)  # 4 / se^2 under 1:1 allocation (Tierney et al. 2007)
    104
    """

    estimate: float
    lower: float | None = None
    upper: float | None = None
    p_value: float | None = None
    level: float = 0.95

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "estimate", check_positive(
            "hr estimate", self.estimate, hint="A hazard ratio is a positive number."
        ))
        for side in ("lower", "upper"):
            value = getattr(self, side)
            if value is not None:
                set_(self, side, check_positive(f"hr {side}", value,
                                                hint="CI limits of a hazard ratio are positive."))
        if (self.lower is None) != (self.upper is None):
            raise InputError(
                f"hr CI needs both limits, got lower={self.lower!r}, upper={self.upper!r}."
            )
        if self.lower is not None:
            if self.lower > self.upper:
                raise InputError(
                    f"hr lower limit {self.lower:g} is above the upper limit {self.upper:g}; "
                    "were they swapped?"
                )
            if self.lower == self.upper:
                raise InputError(
                    f"hr CI ({self.lower:g}, {self.upper:g}) has zero width, which would need "
                    "infinitely many events; check the limits (or pass lower=None, upper=None)."
                )
            if not self.lower <= self.estimate <= self.upper:
                raise InputError(
                    f"hr estimate {self.estimate:g} lies outside its own CI "
                    f"({self.lower:g}, {self.upper:g}); check for a typo, or for an HR "
                    "quoted in the other direction (1/HR)."
                )
        if self.p_value is not None:
            p = check_fraction("hr p_value", self.p_value)
            if p == 0:
                raise InputError(
                    "hr p_value must be > 0, got 0; a p printed as a bound ('p < 0.0001') is "
                    "not an exact p: leave p_value=None (lmssurv.check compares a bound from a "
                    "trial file)."
                )
            set_(self, "p_value", p)
        level = check_fraction("hr level", self.level)
        if not 0.5 <= level < 1:
            raise InputError(f"hr level must be in [0.5, 1), got {self.level!r}; e.g. 0.95.")
        set_(self, "level", level)
        if self.p_value is not None and self.lower is not None:
            self._check_p_value()

    def _check_p_value(self) -> None:
        """Reject a p that grossly contradicts the HR and its CI (see ``_P_Z_GAP``)."""
        z_p, z_w, gap = p_against_wald(self)
        if gap > max(_P_Z_GAP, _P_Z_REL * max(z_p[0], z_w[0])):
            decimals = {"hr_decimals": printed_decimals(self.estimate, 2),
                        "ci_decimals": max(printed_decimals(v, 2)
                                           for v in (self.lower, self.upper))}
            wald, p_min, p_max = implied_p_range(self.estimate, self.lower, self.upper,
                                                 level=self.level, **decimals)
            raise InputError(
                f"hr p_value {self.p_value:g} contradicts the HR {self.estimate:g} "
                f"({self.lower:g}-{self.upper:g}): that CI implies a Wald p of {wald:.2g} "
                f"({p_min:.2g}-{p_max:.2g} over the rounding of the printed numbers), |z| "
                f"{z_w[0]:.2f}-{z_w[1]:.2f} against {z_p[0]:.2f}-{z_p[1]:.2f} for the p; two "
                "tests of the same comparison (log-rank, stratified, Wald) differ by a few "
                "percent of z. Check the p for a typo (0.06 for 0.006?) or for the p of "
                "another comparison or endpoint, and the CI for another analysis's."
            )

    @property
    def log_estimate(self) -> float:
        """Natural log of the hazard ratio."""
        return math.log(self.estimate)

    @property
    def se_log(self) -> float | None:
        """Standard error of log(HR) implied by the CI width, or ``None`` without a CI."""
        if self.lower is None:
            return None
        return se_log_from_ci(self.lower, self.upper, self.level)

    @property
    def implied_events(self) -> float | None:
        """Total events implied by the CI width, ``4 / se^2`` (1:1 events; Parmar et al. 1998)."""
        se = self.se_log
        return None if se is None or se == 0 else 4.0 / se**2


def require_hazard_ratio(hr: object) -> HazardRatio | None:
    """``hr`` as the engines take it, a :class:`HazardRatio` or None; a bare number or a
    tuple (the commonest slip) is refused with the call that wraps it.

    >>> require_hazard_ratio(0.65)
    Traceback (most recent call last):
    ...
    lmssurv._validation.InputError: hr must be a HazardRatio or None, got float 0.65; wrap it: hr=HazardRatio(0.65) (lower=, upper= for its CI).
    """
    if hr is None or isinstance(hr, HazardRatio):
        return hr
    got = f"hr must be a HazardRatio or None, got {type(hr).__name__} {short_repr(hr)}"
    if isinstance(hr, tuple | list) and 1 <= len(hr) <= 3:
        raise InputError(f"{got}; wrap it: hr=HazardRatio(*{short_repr(tuple(hr))}) "
                         "(estimate, lower, upper).")
    if isinstance(hr, int | float) and not isinstance(hr, bool):
        raise InputError(f"{got}; wrap it: hr=HazardRatio({hr!r}) (lower=, upper= for its CI).")
    raise InputError(f"{got}.")
