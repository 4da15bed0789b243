"""Survival curves through reported points, and across arms under proportional hazards.

Work on the log cumulative hazard against log time, ``y = log(-log S)``, ``x = log t``: a
Weibull curve is a straight line there, proportional hazards is a vertical shift, and most
survival curves are gently curved. The curve of each arm is

    y_arm(x) = g(x) + beta_arm + delta_arm(x)

where ``g`` is a smooth (at most cubic) baseline fitted by least squares to every anchor of
every arm (each arm shifted by its own offset ``beta``, so under proportional hazards one arm's
points shape the other's curve), and ``delta_arm`` is a piecewise-linear correction through the
arm's own anchors, so that the curve passes exactly through them even when the arms are not
proportional. Anchors are the reported median and landmark rates, and the survival implied at
each median CI limit (the limit is where the pointwise log-log band crosses 0.5).

Beyond the last anchor nothing is reported, and real trials' hazards fall there as often as
they rise: the curve goes on with the hazard of the last reported stretch (from the latest
anchor at most two thirds of the way to the last one) times a tail multiplier ``theta``, which
the engine calibrates with the event count and the follow-up model, ramped by ``exp(phi)``,
which matches the reported HR. With an HR, the two arms' tails share one baseline hazard. A
log-log extrapolation would keep its slope (up to 4) and predict every patient dead however
small ``theta`` is. A tail hazard falling as ``1 / t`` scored better on the real-trial test bed
(tuning mean arm MAE 0.0185 against 0.0195) but cost the curated trials their log-rank p-values,
HR CIs and median follow-up (over seeds 0-9, 15.0 of 29 endpoints reproduced every published
number, against 17.4 with the constant hazard), so the hazard stays constant.

References: Royston & Parmar, Stat Med 2002;21:2175 (log cumulative hazard on log time);
Brookmeyer & Crowley, Biometrics 1982;38:29 (median CI); Parmar et al., Stat Med 1998;17:2815.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import optimize, stats

from lmssurv.reconstruct.diagnostics import rounding_tolerance
from lmssurv.summary import ArmSummary

__all__ = [
    "EARLY_SLOPES", "Anchor", "ArmCurve", "anchors_for_arm", "early_slope_for", "fit_curves",
    "median_time",
]

# log-log slopes (Weibull shapes) allowed when extrapolating beyond the reported points.
_SLOPE_RANGE = (0.25, 4.0)
_DEFAULT_SLOPE = 1.0  # exponential, when a single point gives no slope
_RAMP = 0.5  # log-time distance over which the HR-matching shifts ramp in (at least)
_RAMP_SPAN = 3.0  # log-time span searched for the curve's smallest slope (a factor of 20)
_MEDIAN_NUDGE = 0.002  # see median_time
_MIN_SPAN = math.log(1.5)  # reported times spanning less than this set no slope
# Log-log slope of the cumulative hazard before the first reported point t1, by endpoint:
# H(t) = H(t1) (t / t1)^k on (0, t1], k = a min(t1 / 5 months, 1)^b. Progression is found at
# scans, so a PFS curve stays high until the first ones and then drops: the earlier the first
# reported point, the steeper the power (b < 0). (a, b) minimise the summed distance to the
# true KM on (0, t1] over the tuning two-thirds of the real-trial test bed
# (tests/validation/kmdata_testbed; 84 OS and 104 PFS/DFS/EFS arms; the held-out third played
# no part). Leave-one-trial-out, mean distance before t1 per arm: PFS 0.0096 with this rule,
# 0.0103 with a plain power law in t1, 0.0117 with a constant (worst arm 0.054 / 0.056 /
# 0.085); OS 0.0058 with a constant, no better with t1 (OS: ``a`` is the power of an arm with a
# typical chord, below). ``None`` endpoint: the pooled constant.
# The curve's own slope there does worse on real trials; on simulated parametric trials, whose
# early shape continues their later shape by construction, better: real trials decide.
# Rescaling the powers (x 0.8-1.2), another b, shrinking k towards the slope between an arm's
# first two anchors, a PFS power by the median CI's width and each arm's power from its own
# first anchor did no better by leave-one-trial-out on the whole engine (CHANGELOG.md).
EARLY_SLOPES = {"os": (1.53, 0.0), "pfs": (1.50, -0.70), None: (1.55, 0.0)}
_EARLY_REFERENCE = 5.0  # months: t1 from which on the power is ``a``
# With a reported HR, each arm's power is k HR_arm^_EARLY_HR_TILT, HR_arm its hazard ratio
# against the geometric mean of the two arms (HR^(1/2) for the experimental arm, HR^(-1/2) for
# the control): the arm with the higher hazard gets the steeper power (fewer early events), the
# other the flatter, so before the first reported point the curves lie closer together than
# proportional hazards would put them. Tuning split, whole engine, seed 0, distance before the
# first reported point (mean per arm) / mean / median arm MAE: 0.0086 / 0.0195 / 0.0161 without,
# 0.0084 / 0.0193 / 0.0159 at 0.25, 0.0083 / 0.0192 / 0.0156 at 0.5, 0.0083 / 0.0193 / 0.0162
# at 1; leave-one-trial-out on the mean arm MAE picked 0.5 in 52 of 54 folds; OS and PFS-like
# arms both gain, and seeds 1 and 2 agree. Why is not settled: the gain needs the HR match (a
# tilt by the HR the anchors imply, with the HR withheld, gained nothing) but not its shift
# before the first anchor (with from_summary._PSI_MAX = 0 the tilt still gains).
_EARLY_HR_TILT = 0.5


# For OS the power also follows the arm's own reported curve: k is multiplied by
# (chord / _EARLY_CHORD_REF)^c, the chord being the log-log slope between the arm's first and
# last anchor (about 1.3 in a typical tuning OS arm: _EARLY_CHORD_REF) and c = _EARLY_CHORD. A
# death hazard that rises steeply over the reported range rose steeply before it too; the
# slope between only the first two anchors (often a median and its CI limit) says less.
# Tuning split, 84 OS arms: the log of the best power per arm (chosen knowing the truth)
# correlates 0.32 with the chord's log, 0.26 with the first two anchors' slope; mean distance
# to the true KM before t1 of H(t1) (t / t1)^k, leave-one-trial-out over (a, c): 0.0061 with
# c = 0, 0.0052 with the chord, 0.0058 with the first two anchors' slope. The whole engine
# gains less: 84 OS arms, seeds 0 / 1, mean arm MAE 0.0143 / 0.0139 -> 0.0139 / 0.0134,
# leave-one-trial-out over a = 1.48-1.58 and c = 0.6-0.8 the same (a = 1.53 in every fold,
# c = 0.7 or 0.8); all 188 tuning arms, mean 0.0184 / 0.0181 -> 0.0181 / 0.0179, median
# 0.0160 / 0.0156 -> 0.0155 / 0.0152. The gain is in a few arms (up to 0.010 each); 35-37 OS
# arms gain and 34-39 lose more than 0.0001. For progression endpoints the chord did worse
# (0.0099 against 0.0098 before t1; the scans set their early shape, not the later curve):
# c = 0.
_EARLY_CHORD = {"os": 0.7, "pfs": 0.0, None: 0.0}
_EARLY_CHORD_REF = 1.3


def early_slope_for(kind: str | None, first_time: float, chord: float | None = None) -> float:
    """Log-log slope before the first reported time ``first_time`` (months) for an endpoint
    kind (``"os"``, ``"pfs"`` or None), from :data:`EARLY_SLOPES`, within the extrapolation
    range.

    ``chord`` is the arm's log-log slope between its first and last anchor (None: unknown, as
    if it were the typical ``_EARLY_CHORD_REF``); for OS the power follows it
    (``_EARLY_CHORD``).

    >>> early_slope_for("os", 12.0), round(early_slope_for("pfs", 2.0), 2)
    (1.53, 2.85)
    >>> round(early_slope_for("os", 12.0, chord=2.6), 4)  # 1.53 * 2^0.7
    2.4855
    """
    a, b = EARLY_SLOPES[kind]
    k = a * min(first_time / _EARLY_REFERENCE, 1.0) ** b
    if chord is not None:
        chord = min(max(chord, _SLOPE_RANGE[0]), _SLOPE_RANGE[1])
        k *= (chord / _EARLY_CHORD_REF) ** _EARLY_CHORD[kind]
    return float(min(max(k, _SLOPE_RANGE[0]), _SLOPE_RANGE[1]))


_MAX_DEGREE = 3  # cubic baseline when enough distinct times are reported; lower otherwise
# Between two of an arm's own anchors the curve is a straight line on the log-log scale plus
# this share of the shared baseline's bend there (1: all of it, 0: none). Chosen on the tuning
# two-thirds of the real-trial test bed by the distance to the true KM between the first and
# last anchor of each arm (leave-one-trial-out: 0.2-0.3 in every fold; mean over 186 arms
# 0.0062 with the whole bend, 0.0058 with none, 0.0057 at 0.25). Re-checked on the whole
# engine (HR match included, a tail hazard falling as 1/t then), mean arm MAE over the tuning
# figures, seed 0: 0.0185 at 0.25, 0.0185 / 0.0186 / 0.0188 at 0 / 0.5 / 1; leave-one-trial-out
# picked 0.25 in 51 of 54 trials. With the constant tail kept (module notes): 0.0195.
_CURVATURE = 0.25
_TAIL_STRETCH = 1.5  # the tail's hazard is measured over at least the last third of the times
_MIN_TAIL_HAZARD = 1e-6  # per month: a flat reported stretch (S = 1) still has a tail


@dataclass(frozen=True)
class Anchor:
    """A point (time in months, survival) the arm's curve passes through; ``kind`` says why."""

    time: float
    survival: float
    kind: str

    @property
    def x(self) -> float:
        return math.log(self.time)

    @property
    def y(self) -> float:
        return math.log(-math.log(self.survival))


def _median_ci_survival(bound: str, n_eff: float, level: float = 0.95) -> float | None:
    """Survival at a median CI limit under the log-log (Brookmeyer-Crowley) construction.

    The lower limit L is where the lower pointwise band reaches 0.5, ``S(L)^exp(z sigma) = 0.5``,
    the upper limit U where the upper band does, ``S(U)^exp(-z sigma) = 0.5``, with
    ``sigma^2 = Var(log S) / (log S)^2`` and ``Var(log S) ~ (1 - S) / (n_eff S)`` (Greenwood without
    censoring before the limit). Returns None when no such survival exists (tiny arms).
    """
    z = stats.norm.ppf(0.5 + level / 2)

    def band(s: float) -> float:
        sigma = math.sqrt((1 - s) / (n_eff * s)) / -math.log(s)
        power = math.exp(z * sigma) if bound == "lower" else math.exp(-z * sigma)
        return s**power - 0.5

    grid = np.linspace(0.5005, 0.995, 200) if bound == "lower" else np.linspace(0.4995, 0.005, 200)
    values = np.array([band(s) for s in grid])
    sign_change = np.nonzero(np.sign(values[1:]) != np.sign(values[:-1]))[0]
    if not sign_change.size:
        return None
    i = sign_change[0]
    return float(optimize.brentq(band, grid[i], grid[i + 1]))


def median_time(arm: ArmSummary) -> float | None:
    """Where the rebuilt KM should first reach 0.5.

    The reported median, except when a landmark at that same time is reported above 0.5
    (median 12.0 with S(12) = 0.508: the median was rounded down); the KM then drops to 0.5
    just after, at ``median * (1 + _MEDIAN_NUDGE)`` but never past 0.4 of the median's rounding
    (half a unit of its last printed decimal), so the rebuilt median still rounds to it.

    >>> median_time(ArmSummary(n=50, median=36.0, landmarks={36: 0.503}))
    36.02
    """
    m = arm.median
    if m is None:
        return None
    if any(abs(t - m) < 1e-9 and s > 0.5 for t, s in arm.landmarks.items()):
        return m + min(m * _MEDIAN_NUDGE, 0.4 * rounding_tolerance(m))
    return m


def anchors_for_arm(arm: ArmSummary, at_risk_fraction=None) -> list[Anchor]:
    """The reported points of one arm, plus the survival implied at its median CI limits.

    ``at_risk_fraction`` (a callable of time) is the share of patients not yet censored; it
    shrinks the effective sample size behind the Greenwood variance at a CI limit.
    """
    # A rate of exactly 1 (no event yet) or 0 (everyone has had one) has no log-log value:
    # the curve goes through a fraction of a KM step from it instead, so the KM shows the
    # same level.
    # 1 - 0.4 / n: the first event, placed where the curve crosses the middle of the first KM
    # step (1 - 0.5 / n), then comes after the landmark
    half_step = 0.5 / arm.n
    out = [Anchor(t, min(max(s, half_step), 1.0 - 0.4 / arm.n), f"S({t:g})")
           for t, s in arm.landmarks.items()]
    m = median_time(arm)
    if m is not None and all(abs(a.time - m) > 1e-9 for a in out):
        out.append(Anchor(m, 0.5, "median"))
    if arm.median_ci is not None:
        for bound, t in zip(("lower", "upper"), arm.median_ci, strict=True):
            if t is None or t <= 0 or (arm.median is not None and abs(t - arm.median) < 1e-9):
                continue
            frac = 1.0 if at_risk_fraction is None else float(at_risk_fraction(t))
            s = _median_ci_survival(bound, max(arm.n * frac, 2.0))
            if (s is not None and all(abs(a.time - t) > 1e-9 for a in out)
                    and _between_reported(out, t, s)):
                out.append(Anchor(t, s, f"median CI {bound}"))
    return sorted(out, key=lambda a: a.time)


def _between_reported(reported: list[Anchor], t: float, s: float) -> bool:
    """Whether survival ``s`` at ``t`` lies strictly between the reported points around it.

    The survival at a median CI limit is an approximation (the log-log band from the number
    at risk); a reported landmark next to it wins. BOLERO-1 (kmdata BOLERO1_2B): CI upper 23.3
    implied S = 0.437 against a reported S(24) = 0.44, a curve rising between them.
    """
    before = [a.survival for a in reported if a.time < t]
    after = [a.survival for a in reported if a.time > t]
    return all(v > s for v in before) and all(v < s for v in after)


@dataclass(frozen=True)
class ArmCurve:
    """One arm's target survival curve on the log-log scale (see module docstring)."""

    coef: tuple[float, ...]  # polynomial g in (x - x0), highest power last
    x0: float
    x_range: tuple[float, float]  # where g is a polynomial; linear outside
    offset: float
    anchor_x: tuple[float, ...]  # log times of the arm's own anchors
    anchor_delta: tuple[float, ...]  # correction that puts the curve through each anchor
    tail_start: float  # time (months) of the last anchor: the tail starts there
    tail_hazard: float  # hazard (per month) of the last reported stretch, continued by the tail
    theta: float = 1.0
    # log cumulative hazard shift after the arm's last anchor, ramped in over ramp_phi on log
    # time: the knob that matches the reported HR without moving any reported point (the
    # tail is then re-matched to the event count).
    phi: float = 0.0
    # the same before the arm's first anchor: the second knob, used only when the tail alone
    # cannot match the HR (the validation favours the tail).
    psi: float = 0.0
    notes: tuple[str, ...] = field(default=())
    # ramp widths (log time), at least _RAMP and wide enough that a shift never makes the
    # cumulative hazard fall (see with_shifts)
    ramp_phi: float = _RAMP
    ramp_psi: float = _RAMP
    early_slope: float | None = None  # log-log slope before the first anchor (None: local)

    # -- the baseline g and its slope, with linear extension outside x_range ---------------
    def _g(self, x: np.ndarray) -> np.ndarray:
        lo, hi = self.x_range
        xc = np.clip(x, lo, hi)
        poly = np.polynomial.polynomial
        y = poly.polyval(xc - self.x0, self.coef)
        slope = poly.polyval(xc - self.x0, self._dcoef)
        slope = np.clip(slope, *_SLOPE_RANGE)
        if self.early_slope is not None:
            # Before the first reported time: the typical log-log slope of real trials there
            # (EARLY_SLOPES: a rising hazard, steeper for progression than for death), tilted
            # by the arm's HR (_EARLY_HR_TILT).
            slope = np.where(x < lo, self.early_slope, slope)
        elif hi > lo:
            # no endpoint given: the steeper of the local and the average log-log slope, and
            # at least 1, i.e. a hazard that does not fall early on
            chord = (poly.polyval(hi - self.x0, self.coef)
                     - poly.polyval(lo - self.x0, self.coef)) / (hi - lo)
            early = np.clip(np.maximum(np.maximum(slope, chord), 1.0), *_SLOPE_RANGE)
            slope = np.where(x < lo, early, slope)
        return y + slope * (x - xc)

    @functools.cached_property
    def _dcoef(self) -> np.ndarray:
        """The coefficients of g's derivative (``cumhaz`` asks for them on every call)."""
        return np.polynomial.polynomial.polyder(self.coef)

    @functools.cached_property
    def _anchor_y(self) -> tuple[np.ndarray, np.ndarray]:
        """The anchors' log times and the curve's log H there (the ends of each chord)."""
        ax = np.asarray(self.anchor_x)
        return ax, self._g(ax) + self.offset + np.asarray(self.anchor_delta)

    def _y(self, x: np.ndarray) -> np.ndarray:
        """log H through the anchors (no tail, no shifts)."""
        y = self._g(x) + self.offset
        if self.anchor_x:
            y = y + np.interp(x, self.anchor_x, self.anchor_delta)
            if len(self.anchor_x) > 1 and _CURVATURE != 1.0:
                # between the arm's own anchors: only part of the baseline's bend (see
                # _CURVATURE), the rest a straight line on the log-log scale
                ax, ay = self._anchor_y
                chord = np.interp(x, ax, ay)
                inside = (x > ax[0]) & (x < ax[-1])
                y = np.where(inside, chord + _CURVATURE * (y - chord), y)
        return y

    def cumhaz(self, t) -> np.ndarray:
        """Cumulative hazard H(t) (t in months), with the calibrated tail beyond tail_start."""
        t = np.asarray(t, dtype=float)
        with np.errstate(divide="ignore"):
            x = np.log(np.maximum(t, 1e-12))
        late = t > self.tail_start
        h_star = float(np.exp(self._y(np.array([math.log(self.tail_start)])))[0])

        def tail(x, t):
            ramp = np.clip((x - math.log(self.tail_start)) / self.ramp_phi, 0.0, 1.0)
            return h_star + (self.theta * self.tail_hazard
                             * np.maximum(t - self.tail_start, 0.0) * np.exp(self.phi * ramp))

        if t.ndim and late.any():
            # each part only where it applies: the same numbers, less work on long grids
            h = np.empty_like(x)
            early = ~late
            h[early] = np.exp(self._y(x[early]))
            h[late] = tail(x[late], t[late])
        else:
            h = np.where(late, tail(x, t), np.exp(self._y(x)))
        if self.psi:
            h = h * np.exp(self.psi * np.clip((self._first_x - x) / self.ramp_psi, 0.0, 1.0))
        return np.where(t > 0, h, 0.0)

    def survival(self, t) -> np.ndarray:
        """Survival S(t) = exp(-H(t))."""
        return np.exp(-self.cumhaz(t))

    def with_theta(self, theta: float) -> ArmCurve:
        """The same curve with another tail hazard multiplier."""
        return replace(self, theta=theta)

    @property
    def _last_x(self) -> float:
        return self.anchor_x[-1] if self.anchor_x else self.x_range[1]

    @property
    def _first_x(self) -> float:
        return self.anchor_x[0] if self.anchor_x else self.x_range[0]

    def with_shifts(self, phi: float, psi: float) -> ArmCurve:
        """The same curve with the tail's hazard ramped by ``exp(phi)`` and the log cumulative
        hazard before the first anchor shifted by ``psi``.

        Either would make the cumulative hazard fall along a ramp steeper than the curve, so
        each ramp is widened: the tail's to at least ``-phi`` (then ``exp(phi r(t)) (t - t*)``
        still increases), the early one until its slope is at most 80% of the curve's smallest
        log-log slope there.
        """
        base = replace(self, phi=0.0, psi=0.0)
        ramp_phi = ramp_psi = _RAMP
        if phi < 0:
            ramp_phi = max(_RAMP, -phi)
        if psi > 0:
            xs = np.linspace(self._first_x - _RAMP_SPAN, self._first_x, 64)
            k = max(float(np.min(np.gradient(base._y(xs), xs))), 1e-3)
            ramp_psi = max(_RAMP, psi / (0.8 * k))
        return replace(self, phi=phi, psi=psi, ramp_phi=ramp_phi, ramp_psi=ramp_psi)

    def is_monotone(self, t_max: float) -> bool:
        """Whether the curve's cumulative hazard increases on (0, t_max]."""
        t = np.geomspace(t_max * 1e-4, t_max, 2000)
        return bool(np.all(np.diff(self.cumhaz(t)) >= -1e-12))


def _fit_baseline(points: list[tuple[float, float, int]], n_arms: int):
    """Least squares for y = g(x) + beta_arm over all points (x, y, arm index).

    Returns ``(coef, x0, betas, x_range)``. The degree of g is what the number of distinct
    times supports (at most cubic); with a single time the slope defaults to 1 (exponential).
    A fit that does not increase over the fitted range is refitted with one degree less.
    """
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    arm = np.array([p[2] for p in points], dtype=int)
    arms_present = sorted(set(arm.tolist()))
    x0 = float(x.mean())
    distinct = len(np.unique(np.round(x, 6)))
    free = distinct - (len(arms_present) - 1)  # points left for g after the arm offsets
    degree = int(min(_MAX_DEGREE, max(0, free - 1)))
    if x.max() - x.min() < _MIN_SPAN:
        # all reported times within 50% of each other: rounded values that close together
        # give any slope at all (GeDDiS PFS: median 5.36, 24-week rate at 5.52 months)
        degree = 0
    poly = np.polynomial.polynomial
    while True:
        cols = [(x - x0) ** k for k in range(degree + 1)]
        cols += [(arm == a).astype(float) for a in arms_present[1:]]
        beta, *_ = np.linalg.lstsq(np.column_stack(cols), y, rcond=None)
        coef = list(beta[: degree + 1])
        if degree == 0:
            coef.append(_DEFAULT_SLOPE)
        slope = poly.polyval(np.linspace(x.min(), x.max(), 50) - x0, poly.polyder(coef))
        if degree < 2 or slope.min() >= _SLOPE_RANGE[0] / 2:
            break
        degree -= 1
    betas = np.full(n_arms, np.nan)
    betas[arms_present[0]] = 0.0
    for j, a in enumerate(arms_present[1:]):
        betas[a] = beta[degree + 1 + j]
    return tuple(float(c) for c in coef), x0, betas, (float(x.min()), float(x.max()))


def _through_anchors(coef, x0, x_range, offset, anchors, notes) -> ArmCurve:
    base = ArmCurve(coef, x0, x_range, offset, (), (), 1.0, 0.0)
    ax = tuple(a.x for a in anchors)
    delta = tuple(float(a.y - base._y(np.array([a.x]))[0]) for a in anchors)
    times = [a.time for a in anchors] or [math.exp(x_range[0]), math.exp(x_range[1])]
    tail = times[-1]
    # the last reported stretch: from the latest anchor at most 2/3 of the way to the last one
    # (a median CI limit just before the median says little about the hazard), else from 0
    start = max((t for t in times if t <= tail / _TAIL_STRETCH), default=0.0)
    curve = ArmCurve(coef, x0, x_range, offset, ax, delta, tail, 0.0, notes=tuple(notes))
    h = curve.cumhaz(np.array([start, tail]))
    rate = max(float(h[1] - h[0]) / (tail - start), _MIN_TAIL_HAZARD)
    return replace(curve, tail_hazard=rate)


def fit_curves(
    arm_anchors: list[list[Anchor]],
    log_hr: list[float | None],
    early_slope: float | Callable[[float], float] | None = None,
) -> list[ArmCurve]:
    """Fit one target curve per arm through its anchors, sharing the baseline shape.

    Parameters
    ----------
    arm_anchors : list of list of Anchor
        The anchors of each arm, sorted by time (index 0 = control).
    log_hr : list of float or None
        log hazard ratio of each arm vs arm 0 (``[0.0, log HR]``), used only to place an arm
        that reports no point of its own; None when unknown.
    early_slope : float or callable, optional
        Log-log slope before the first reported time, or a function giving it from that time
        (months) and the arm's chord, the log-log slope between its first and last anchor
        (None when they span less than a factor 1.5; see :func:`early_slope_for`); with every
        arm's log HR known, each arm's is then tilted by its HR (``_EARLY_HR_TILT``). None
        keeps the fitted shape's own slope there (at least 1).

    Returns
    -------
    list of ArmCurve
    """
    points = [(a.x, a.y, i) for i, anchors in enumerate(arm_anchors) for a in anchors]
    if not points:
        raise ValueError(
            "no arm reports a median or a landmark rate: at least one survival point is needed "
            "to place a curve. Add the median or a landmark rate (e.g. landmarks={12: 0.6})."
        )
    coef, x0, betas, x_range = _fit_baseline(points, len(arm_anchors))
    curves = []
    for i, anchors in enumerate(arm_anchors):
        offset, notes = float(betas[i]), []
        if math.isnan(offset):
            ref = int(np.flatnonzero(~np.isnan(betas))[0])
            if log_hr[i] is None or log_hr[ref] is None:
                raise ValueError(
                    f"arm {i} reports no median or landmark rate and no hazard ratio places "
                    "it against the other arm; add one of them."
                )
            offset = float(betas[ref] + log_hr[i] - log_hr[ref])
            notes.append("placed by the hazard ratio (no survival point of its own)")
        curve = _through_anchors(coef, x0, x_range, offset, anchors, notes)
        t_check = math.exp(max([x_range[1], *(a.x for a in anchors)])) * 1.5
        if anchors and not curve.is_monotone(t_check):
            # The shared shape cannot bend to this arm's points: follow its own points alone.
            c2, x02, _, xr2 = _fit_baseline([(a.x, a.y, 0) for a in anchors], 1)
            curve = _through_anchors(
                c2, x02, xr2, 0.0, anchors,
                [*notes, "own shape (the shared shape was not monotone here)"],
            )
        if callable(early_slope):
            k = early_slope(math.exp(curve.x_range[0]), _chord(anchors))
        else:
            k = early_slope
        curves.append(replace(curve, early_slope=_tilt_by_hr(k, log_hr, i)))
    return _share_tail(curves, log_hr)


def _chord(anchors: list[Anchor]) -> float | None:
    """The log-log slope between an arm's first and last anchor (None: they span too little).

    >>> # H 0.5 at 6 months, 2.0 at 24: log(2 / 0.5) / log(24 / 6) = 1 (a Weibull of shape 1)
    >>> round(_chord([Anchor(6.0, math.exp(-0.5), "S(6)"), Anchor(24.0, math.exp(-2.0), "S(24)")]), 9)
    1.0
    """
    if len(anchors) < 2 or anchors[-1].x - anchors[0].x < _MIN_SPAN:
        return None
    return (anchors[-1].y - anchors[0].y) / (anchors[-1].x - anchors[0].x)


def _tilt_by_hr(k: float | None, log_hr: list[float | None], arm: int) -> float | None:
    """The early power ``k`` of one arm, tilted by its hazard ratio (see _EARLY_HR_TILT).

    >>> round(_tilt_by_hr(1.45, [0.0, math.log(0.5)], 1), 4)  # 1.45 * 0.5^0.25
    1.2193
    """
    if k is None or len(log_hr) < 2 or any(v is None for v in log_hr):
        return k
    centred = log_hr[arm] - sum(log_hr) / len(log_hr)
    k = k * math.exp(_EARLY_HR_TILT * centred)
    return float(min(max(k, _SLOPE_RANGE[0]), _SLOPE_RANGE[1]))


def _share_tail(curves: list[ArmCurve], log_hr: list[float | None]) -> list[ArmCurve]:
    """Under proportional hazards the arms' tails share one baseline hazard.

    Each arm's last reported stretch estimates the baseline tail hazard (the experimental
    arm's divided by the HR); their geometric mean is the baseline, the control arm's tail
    continues at it and the experimental arm's at HR times it. Without an HR the arms keep
    their own tails.
    """
    if len(curves) != 2 or log_hr[1] is None or log_hr[0] is None:
        return curves
    hr = math.exp(log_hr[1] - log_hr[0])
    base = math.sqrt(curves[0].tail_hazard * curves[1].tail_hazard / hr)
    return [replace(curves[0], tail_hazard=base), replace(curves[1], tail_hazard=hr * base)]
