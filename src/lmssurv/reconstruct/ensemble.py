"""Ensembles of plausible reconstructions: what the published numbers leave open.

A median, its CI and a few landmark rates do not fix a curve. An ensemble is ``draws``
pseudo-trials, each reproducing the published numbers to their reported precision, that differ
in everything the publication leaves open. The summary engine is fitted once
(:func:`lmssurv.reconstruct.from_summary.fit_pieces`: anchors, shared shape, HR shifts,
follow-up model, event counts); each draw perturbs those fitted pieces and runs only the cheap
steps (tail calibration, censoring, placement of the patients) again.

The prior (:data:`PRIOR`, an :class:`EnsemblePrior`) is stated, not ad hoc. Per draw and arm,
on the log cumulative hazard ``y = log H`` (times in months):

1. **Reported values within their precision.** The median is drawn uniformly within half a
   unit of its last decimal (the event taking the KM to 0.5 is placed there), unless a
   reported landmark lies inside that interval and says on which side it is. A landmark rate
   is not drawn: the KM of each draw passes within half a KM step of it, as a single
   reconstruction does, which for arms under ~100 at risk is wider than a rate's rounding.
   The survival implied at a median CI limit (an approximation, see
   :func:`lmssurv.reconstruct.shape.anchors_for_arm`) can be moved by a normal deviation of
   SD ``ci_anchor_sd`` on ``log(-log S)``; it is 0, because the placement pins the Kaplan-Meier
   band's crossing of 0.5 to the limit anyway (a moved curve only piles events onto it); a
   limit at a landmark's time is pinned at it or just after it, by the single rebuild's rule
   (:func:`~lmssurv.reconstruct.from_summary.place_ci_limits`).
2. **Shape before the first reported point.** The log-log slope ``k`` of ``H`` on
   ``(0, t1]`` is log-normal with the engine's value as median and the log-SD matched to the
   interquartile range of the best-fitting slopes on the tuning two-thirds of the real-trial
   test bed (OS 1.19-1.75, 84 arms; progression endpoints 1.30-2.15, 104 arms), widened
   1.5 times (``_EARLY_WIDEN``): the tuning arms' spread alone left simulated trials' true KM
   below the band before the first reported point.
3. **Shape between reported points.** A Brownian bridge on log time between consecutive
   anchors, SD ``shape_sd`` per square root of log time, vanishing at the anchors; plus the
   Kaplan-Meier estimate's own sampling noise given the anchors: each increment ``dH`` of the
   cumulative hazard over a block of a fine grid's cells holding one expected event is
   multiplied by a gamma variable of mean 1 and variance ``sampling^2 / (Y dH)`` (``Y = n S G``
   at risk, floored at a tenth of the arm): the Nelson-Aalen variance ``dH / Y``, with
   increments that stay >= 0. Between anchors (and from
   time 0 to the first) the increments are rescaled to their total there, a gamma process
   conditioned on its end points (a Dirichlet bridge); after the last anchor it runs free. The
   true KM of a trial wanders around any smooth curve by that much, and the published points
   are values of that same KM.
4. **Shape after the last reported point.** The tail hazard (the last reported stretch's) is
   multiplied by a log-normal factor with the median and log-SD of the ratio true / last
   stretch on the tuning trials (OS 0.80/1.04/1.30, 42 arms; progression 0.72/0.90/1.24, 56
   arms). When an event count is reported (or inferred), the tail calibration re-pins the tail
   to it, and the spread comes from the tail's shape and the follow-up model instead: ``log H``
   past the last reported point is tilted by ``b (log t - log t_last)``, ``b`` normal with
   median ``tail_trend_median`` and SD ``tail_trend_sd`` (a hazard rising or falling after the
   last point; ``b`` is kept above -0.8 times the smallest slope of ``log H`` there, so that
   ``H`` still increases), and the tail hazard is then calibrated to the events as before. OS:
   median 0, SD 0.3. Progression endpoints: median +0.18, the true KM's tilt relative to the
   single rebuild on the tuning arms, and SD 1.0, because the draws missed the true RMST after
   the last point far below with 0 and 0.3 (their RMST intervals held it in 0.837 of the
   tuning arms, OS 0.940).
5. **Censoring.** The follow-up model's times are scaled by a log-normal factor (log-SD
   ``follow_up_sd``: a reverse-KM median is itself an estimate), its spread around the median
   follow-up by a uniform factor in ``spread_range`` (accrual rarely is uniform), and loss to
   follow-up is added at a hazard uniform on ``[0, loss_efolds / longest follow-up]``. A
   published longest follow-up is not drawn: the scale moves the median and the start of the
   potential follow-up, never its end, and each draw's longest censoring is placed on it. An
   unpublished one is what the drawn curve, tail and event count make it (the engine's rule:
   between 1.05 and 50 times the last reported time). A patient lost is a censored one: the
   added loss, with the single rebuild's own, stays within ``-log(events / n)`` e-folds over
   the longest follow-up (:func:`_loss_cap`).
6. **Inferred events.** An event count inferred from the HR's CI width varies log-normally
   (log-SD ``events_sd``: the CI's rounding and the ``4 / D`` approximation), kept within what
   the draw's tail hazard times ``[1/2, 2]`` can reach with its follow-up (beyond that the
   missing events would pile just past the last reported point); one expected from the curve
   follows the drawn tail.

What the draws must not do, because no trial does it: when the tail calibration of a draw
needs a tail hazard more than ``_TAIL_REACH`` times the single rebuild's (the drawn follow-up
cannot carry the reported events), the draw keeps the rebuild's follow-up model; someone is
followed past the last time the publication reports survival above 0; events that the
placement piles onto a median CI limit are spread over the gap after it
(``tests/test_ensemble_plausibility.py`` measures ties, crowding and follow-up per draw).

Items 2 and 4 are drawn with correlation ``arm_correlation`` between the two arms (their
shapes are tied under proportional hazards, not identical). The censoring times are
stratified and jittered per draw, as in a single reconstruction.

Every draw is self-checked for n, events, median, landmarks and HR; the median and HR CI
limits and the follow-up are checked on the single reconstruction the draws perturb
(``base``), not per draw: a draw's CI limits move with its shape between the pins and its
follow-up is drawn, as the real trial's would have been in another sample.
Per draw the HR is matched with the engine's maps and bounds
(:func:`lmssurv.reconstruct.hr_match.match_hazard_ratio`, in opposite directions in the two
arms; the draw's own median event and the median's rounding interval are pinned too): every
interval before each arm's last published point bent by a power ``f`` mixed with the identity
(no distance shrinks more than fivefold), ``|log f| <= 0.5``, then, if that is not enough, the
times after it by :func:`~lmssurv.reconstruct.hr_match.bend_tail` (the hazard unchanged at the
point, ramped up to at most 5 times after it), and only if both cannot reach the HR, from the
unbent times, the mixed map on the tail with ``|log f| <= 2.5`` (see :func:`_match_hr`; the
engine bends the tail first). No published number moves; a landmark missed by a KM step is
retried with other censoring jitters, then polished as the engine does. Draws that still miss a published number are
kept, not redrawn (redrawing would narrow the ensemble towards the easy shapes): they are
listed in the result's ``attrs["lmssurv"]`` (:class:`EnsembleDiagnostics`) and one
:class:`~lmssurv.reconstruct.diagnostics.ReconstructionWarning` per missed number says in how
many draws.

References: Guyot et al. 2012 (BMC Med Res Methodol 12:9) for placing patients under a curve;
Royston & Parmar 2002 (Stat Med 21:2175) for the log cumulative hazard scale; Andersen et al.,
*Statistical Models Based on Counting Processes* (1993), IV.1, for the Nelson-Aalen variance.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd

from lmssurv._validation import InputError
from lmssurv.cox import cox_two_arms
from lmssurv.km import MEDIAN_TOL, km_levels, km_medians
from lmssurv.reconstruct.censoring import FollowUpModel
from lmssurv.reconstruct.diagnostics import (
    EventsSource,
    ReconstructionDiagnostics,
    ReconstructionWarning,
    landmark_tolerance,
    rounding_tolerance,
    self_check,
)
from lmssurv.reconstruct.from_summary import (
    check_rebuild,
    endpoint_kind,
    fit_pieces,
    place_ci_limits,
    with_trial_follow_up,
)
from lmssurv.reconstruct.hr_match import intervals, match_published_hr, pinned_times
from lmssurv.reconstruct.patients import (
    TailFit,
    allocate,
    calibrate_tail,
    calibration_reach,
    censoring_grid,
    censoring_times,
    expected_events,
    inverse_grids,
    polish_landmarks,
    tail_grid,
)
from lmssurv.reconstruct.shape import ArmCurve, median_time
from lmssurv.summary import ArmSummary, HazardRatio, require_hazard_ratio

__all__ = ["PRIOR", "EnsembleDiagnostics", "EnsemblePrior", "reconstruct_ensemble"]

_IQR_Z = 1.3489795003921634  # interquartile range of a standard normal
# The early slope's log-SD is the tuning arms' IQR-matched spread times this. Matched to the
# tuning arms alone, it held the true KM before the first reported point in 0.86 of points
# there but only 0.80 on simulated trials (11 kinds the engine does not assume, every 6th of
# 600, 40 draws), the truth below the band in 0.17 of points (delayed effects, early
# drop-out, immature, staggered: a hazard higher early than the tuning trials' shapes):
# the spread of slopes of the trials it was measured on is too narrow for others. The
# smallest widening of 1.25 and 1.5 that brought the simulated RMST coverage to 0.80 (with the
# loss cap, _loss_cap): 1 gave 0.770 (rank in 5-95% 0.825), 1.25 gave 0.780 (0.855), 1.5
# 0.820 (0.875); tuning with 1.5: coverage 0.913, width 0.098, RMST coverage 0.963 (CHANGELOG,
# "Ensembles (issue 10)")
_EARLY_WIDEN = 1.5
_GRID = 160  # log-time grid of the per-draw deviation
_MAX_DEV = 3.0  # |deviation| of log H at most this (a factor of 20 on H)
_NOISE_EVENTS = 1.0  # the sampling noise's gamma blocks hold this many expected events
_SPILL_FACTOR, _SPILL_STEPS = 1.5, 3  # as the engine: steepen a tail whose events spill
_MAX_DRAWS = 10_000
# The HR match of a draw is the engine's (hr_match.match_published_hr, same maps and bounds).
# Unlike the engine, a draw bends the intervals before the last published point first: put
# first, the tail bend took the whole HR discrepancy onto the few patients left there (LMS-04
# OS trabectedin, 13-15 at risk at 48 months: band's lower limit 0.241 at 52 months and 0.145
# at 55 with the tail first, 0.256 and 0.186 with the rest first; PFS 0.079 at 30 months vs
# 0.133). Whole tuning split, 40 draws (coverage / width / RMST coverage / draws missing):
# tail first 0.857 / 0.079 / 0.856 / 455, rest first 0.860 / 0.081 / 0.851 / 455. The single
# rebuild keeps the tail first: there the rest-first order cost median MAE (0.0169 -> 0.0177).
_BEND_REST_FIRST = True
_TREND_FLOOR = 0.8  # a tail trend keeps this share of log H's slope past the last point
_TAIL_REACH = 4.0  # a draw's calibrated tail hazard within this factor of the rebuild's, if it can
_EVENTS_REACH = 2.0  # an inferred event count is kept within the reach of the tail times [1/2, 2]
_LANDMARK_TRIES = 6  # censoring jitters tried for a draw that misses a landmark, before polishing


@dataclass(frozen=True)
class EnsemblePrior:
    """The prior over what a publication leaves open (see the module docstring).

    Parameters
    ----------
    early_slope : dict
        Endpoint kind (``"os"``, ``"pfs"``, None) -> log-SD of the log-log slope before the
        first reported point (its median is the engine's ``EARLY_SLOPES``).
    tail : dict
        Endpoint kind -> (median, log-SD) of the tail hazard multiplier.
    shape_sd : float
        SD of the log cumulative hazard bridge between anchors, per sqrt(log time).
    sampling : float
        Multiplier of the Kaplan-Meier sampling-noise bridge (1: the KM's own noise).
    tail_trend_sd : float or dict
        SD of the tilt of ``log H`` per unit of log time past the last reported point; a dict
        maps the endpoint kind to it (``None``: any other kind).
    tail_trend_median : float or dict
        Median of that tilt (positive: a hazard rising after the last reported point).
    ci_anchor_sd : float
        SD of ``log(-log S)`` at a median CI limit.
    events_sd : float
        Log-SD of an event count inferred from the HR's CI.
    follow_up_sd : float
        Log-SD of the follow-up time scale.
    spread_range : tuple of float
        Uniform range of the factor on the follow-up's spread around its median.
    loss_efolds : float
        Loss to follow-up hazard is uniform on ``[0, loss_efolds / longest follow-up]``,
        that range shrunk per arm to what its censorings allow (module docstring, item 5).
    arm_correlation : float
        Correlation of the two arms' early slopes and tail multipliers.
    """

    # the tuning arms' interquartile ranges (module docstring, item 2) widened by
    # _EARLY_WIDEN (see there)
    early_slope: dict = field(default_factory=lambda: {
        "os": _EARLY_WIDEN * math.log(1.75 / 1.19) / _IQR_Z,
        "pfs": _EARLY_WIDEN * math.log(2.15 / 1.30) / _IQR_Z,
        None: _EARLY_WIDEN * math.log(2.0 / 1.25) / _IQR_Z})
    tail: dict = field(default_factory=lambda: {
        "os": (1.04, math.log(1.30 / 0.80) / _IQR_Z),
        "pfs": (0.90, math.log(1.24 / 0.72) / _IQR_Z),
        None: (0.97, math.log(1.27 / 0.76) / _IQR_Z)})
    # chosen on the tuning two-thirds, every third figure (32 figures, 64 arms, 40 draws
    # each, with the engine of issue 9's final rebuild): 0.15 gave pooled coverage 0.881,
    # width 0.103, RMST coverage 0.875, with the shortfall between the reported points
    # (coverage 0.858 there, lowest in arms of 150-600 whose own KM noise is small); 0.25 gave
    # 0.905, 0.112 and 0.891 (0.904 between the points): the 90% with the width
    # inside 0.12. All 94 tuning figures with 0.25 (40 draws): 0.906, 0.116, 0.899
    shape_sd: float = 0.25
    # every third tuning figure, 40 draws, with the draws' pile-ups removed: sampling 1.0 gives
    # coverage 0.865, width 0.082, RMST coverage 0.859 (80 of 1280 draws missing a number);
    # 1.4 gives 0.894, 0.089, 0.859 (117) but lumpier draws (gamma increments of smaller
    # shape: 95th percentile of events in a 1%-of-span window 13-15 vs the rebuild's 3 on
    # LMS-04, tests/test_ensemble_plausibility.py); shape_sd 0.5 moves landmarks out of reach
    # (polished ties at 24 months). Kept: 1.0 with shape_sd 0.25. Since the noise is drawn per
    # block of one expected event (_sampling_noise), all 94 tuning figures, 40 draws: 1.0 gives
    # 0.888 / 0.090 / 0.883, RMST rank in 5-95% 0.936, 315 draws missing a number; 1.2 gives
    # 0.898 / 0.095 / 0.878 / 0.957 / 377; 1.4 0.906 / 0.097 / 0.910 / 0.941 / 371. Kept 1.0:
    # its RMST rank, which does not depend on the number of draws, is already above 0.90
    sampling: float = 1.0
    # with a reported event count (and, since the longest follow-up ends every draw, a pinned
    # follow-up) the tail multiplier is re-pinned by the calibration: only a change of the
    # tail's shape is left open. All 94 tuning figures, 40 draws: 0 gave coverage 0.849 (PFS-
    # like 0.813), width 0.080, RMST coverage 0.856, 418 of 3760 draws missing a number; 0.3
    # gave 0.859 (0.828), 0.081, 0.851, 441. Every third: 0.5 gave 0.869, 0.081, 0.844 with
    # 97 of 1280 draws missing (0.3: 79; 0: 65)
    tail_trend_sd: float | dict = field(default_factory=lambda: {"os": 0.3, "pfs": 1.0,
                                                                 None: 0.3})
    # progression endpoints: the true KM's tilt of log H relative to the single rebuild's, over
    # the tuning arms whose scoring horizon lies 0.2 or more on log time past the last reported
    # point, has median +0.18 (46 arms; OS +0.20, 30 arms); with 0 / 0.3 the progression draws
    # missed the true RMST after that point far below (5th percentile of the error over the
    # draws' SD -2.1) and their RMST intervals held it in 0.837 of the arms (all 94 tuning
    # figures, 40 draws; OS 0.940, within its target). The SD 1.0 makes that error's SD about 1
    # (a re-pinned tail undoes much of a tilt). With both: 0.875 (OS unchanged). OS keeps 0
    # and 0.3
    tail_trend_median: float | dict = field(default_factory=lambda: {"os": 0.0, "pfs": 0.18,
                                                                     None: 0.0})
    # 0: the placement puts the event whose 95% band crosses 0.5 on the CI limit whatever the
    # curve says there, so a drawn survival at the limit only piled the events due before it
    # onto it (15-33 tied events in 500-patient tuning arms at 0.10, <= 9 at 0)
    ci_anchor_sd: float = 0.0
    events_sd: float = 0.10
    follow_up_sd: float = 0.10
    spread_range: tuple[float, float] = (0.5, 1.5)
    # capped per arm by the censorings (_loss_cap). Without the cap, all 94 tuning figures, 40
    # draws: coverage 0.884, width 0.089, RMST coverage 0.878 (rank in 5-95% 0.931), 320 of
    # 3760 draws missing a number; with it 0.893 / 0.088 / 0.936 (0.952) / 312; simulated
    # (every 6th of 600): 0.818 / 0.080 / 0.720 (0.775) -> 0.833 / 0.078 / 0.770 (0.825)
    loss_efolds: float = 0.5
    arm_correlation: float = 0.5


#: The prior the ensembles use (see the module docstring for where each number comes from).
PRIOR = EnsemblePrior()


@dataclass(frozen=True, eq=False)  # pandas compares attrs with ==: identity, not a DataFrame
class EnsembleDiagnostics:
    """What an ensemble was drawn from and which draws missed a published number.

    ``base`` is the self-check of the single reconstruction the draws perturb; ``misses`` has
    one row per (draw, missed number): ``draw``, ``quantity``, ``arm``, ``published``,
    ``rebuilt``; ``prior`` is the :class:`EnsemblePrior` used.
    """

    draws: int
    base: ReconstructionDiagnostics
    misses: pd.DataFrame
    prior: EnsemblePrior

    @property
    def draws_missing(self) -> int:
        """Number of draws that miss at least one published number."""
        return int(self.misses["draw"].nunique()) if len(self.misses) else 0

    def __repr__(self) -> str:
        return (f"<EnsembleDiagnostics: {self.draws} draws, {self.draws_missing} miss a "
                "published number>")


@dataclass(frozen=True)
class _CurveTable:
    """An arm's fitted curve tabulated once, so that each draw costs a few interpolations.

    ``log_h`` is log H up to the tail start on the log-time grid ``x``; after it the engine's
    tail is ``H(t*) + theta * tail_hazard * (t - t*) * ramp(t)``, with ``ramp`` (the HR
    shift ``exp(phi r(t))``, flat once ramped in) tabulated on ``tail_x``. Both come from the
    curve's own :meth:`ArmCurve.cumhaz`, so the engine's formula is not repeated here.
    """

    x: np.ndarray
    log_h: np.ndarray
    tail_x: np.ndarray
    ramp: np.ndarray
    t_star: float
    h_star: float
    # id of a shared grid (patients.inverse_grids and the like) -> (grid, its parts that no
    # draw changes: see register)
    grids: dict = field(default_factory=dict, compare=False, repr=False)

    def register(self, t: np.ndarray) -> None:
        """Tabulate on the sorted times ``t`` what :meth:`_DrawnCurve.cumhaz` computes there
        the same for every draw: log t, the fitted curve before the tail start, and after
        it the time past the tail start and the HR shift's ramp. A drawn curve then
        recognises ``t`` (by identity; ``t`` is kept, so its id is not reused)."""
        with np.errstate(divide="ignore"):
            x = np.log(np.maximum(t, 1e-12))
        late = t > self.t_star
        cut = t.size - int(np.count_nonzero(late))
        if not late[cut:].all():
            raise ValueError("a shared grid must be sorted")  # a bug, not bad input
        early_h = np.exp(np.interp(x[:cut], self.x, self.log_h))
        since = t[cut:] - self.t_star
        ramp = np.interp(x[cut:], self.tail_x, self.ramp)
        self.grids[id(t)] = (t, x, cut, early_h, since, ramp, np.flatnonzero(~(t > 0)))

    @classmethod
    def of(cls, curve: ArmCurve) -> _CurveTable:
        unit = replace(curve, theta=1.0, tail_hazard=1.0)
        t_star = float(curve.tail_start)
        # exact at every anchor (linear interpolation is exact at the nodes)
        x = np.unique(np.concatenate([np.linspace(math.log(t_star * 1e-6), math.log(t_star),
                                                  2400), curve.anchor_x]))
        x = x[x <= math.log(t_star)]
        with np.errstate(divide="ignore"):
            log_h = np.log(np.maximum(unit.cumhaz(np.exp(x)), 1e-300))
        h_star = float(np.exp(log_h[-1]))
        tail_x = np.linspace(math.log(t_star * 1.0001), math.log(t_star * 1e4), 400)
        t = np.exp(tail_x)
        ramp = (unit.cumhaz(t) - h_star) / (t - t_star)
        return cls(x, log_h, tail_x, ramp, t_star, h_star)


# dataclasses.fields() rebuilds its tuple on every call; a draw makes a curve per
# calibration step
_CURVE_FIELDS = tuple(f.name for f in fields(ArmCurve))


class _DrawnCurve(ArmCurve):
    """An :class:`ArmCurve` times a drawn deviation ``exp(dev(log t))`` of its cumulative hazard.

    ``dev`` is given on the log-time grid ``grid_x`` and interpolated linearly between; the
    curve itself is read from its :class:`_CurveTable` (built once per arm). On a grid the
    table has registered, the parts no draw changes come from the table and ``exp(dev)`` is
    computed once per draw (shared with the curves ``with_theta`` makes): the same operations
    on the same numbers as on any other times.
    """

    def __init__(self, base: ArmCurve, table: _CurveTable, grid_x: np.ndarray,
                 dev: np.ndarray, on_grids: dict | None = None):
        fields_of = base.__dict__
        for name in _CURVE_FIELDS:
            object.__setattr__(self, name, fields_of[name])
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "_grid_x", grid_x)
        object.__setattr__(self, "_dev", dev)
        # id of a registered grid -> exp(dev) there
        object.__setattr__(self, "_on_grids", {} if on_grids is None else on_grids)

    def with_theta(self, theta: float) -> _DrawnCurve:
        out = _DrawnCurve(self, self._table, self._grid_x, self._dev, self._on_grids)
        object.__setattr__(out, "theta", float(theta))
        return out

    def _cumhaz_on(self, parts: tuple) -> np.ndarray:
        """:meth:`cumhaz` on a grid registered with the table (its ``parts``)."""
        t, x, cut, early_h, since, ramp, not_positive = parts
        scale = self._on_grids.get(id(t))
        if scale is None:
            scale = self._on_grids[id(t)] = np.exp(np.interp(x, self._grid_x, self._dev))
        # each part times the deviation into its place (elementwise: as h * scale), and 0
        # where t <= 0 (as np.where)
        h = np.empty(t.size)
        np.multiply(early_h, scale[:cut], out=h[:cut])
        np.multiply(self._table.h_star + (self.theta * self.tail_hazard * since * ramp),
                    scale[cut:], out=h[cut:])
        h[not_positive] = 0.0
        return h

    def survival(self, t) -> np.ndarray:
        """Survival S(t) = exp(-H(t)) (as :meth:`ArmCurve.survival`, in place)."""
        h = self.cumhaz(t)
        np.negative(h, out=h)
        return np.exp(h, out=h)

    def with_shifts(self, phi: float, psi: float) -> _DrawnCurve:
        plain = ArmCurve(**{f.name: getattr(self, f.name) for f in fields(ArmCurve)})
        shifted = plain.with_shifts(phi, psi)
        return _DrawnCurve(shifted, _CurveTable.of(shifted), self._grid_x, self._dev)

    def cumhaz(self, t) -> np.ndarray:
        if type(t) is np.ndarray:
            parts = self._table.grids.get(id(t))
            if parts is not None and parts[0] is t:
                return self._cumhaz_on(parts)
        t = np.asarray(t, dtype=float)
        tab = self._table
        with np.errstate(divide="ignore"):
            x = np.log(np.maximum(t, 1e-12))
        late = t > tab.t_star
        if t.ndim and late.any():
            # each part only where it applies (the grids of the placement reach far past t*);
            # on sorted times (the engine's grids) the late ones are a suffix: slices, cheaper
            # than masks, for the same elementwise operations
            cut = t.size - int(np.count_nonzero(late)) if t.ndim == 1 else 0
            if t.ndim == 1 and late[cut:].all():
                early, late = slice(None, cut), slice(cut, None)
            else:
                early = ~late
            h = np.empty_like(x)
            h[early] = np.exp(np.interp(x[early], tab.x, tab.log_h))
            h[late] = tab.h_star + (self.theta * self.tail_hazard * (t[late] - tab.t_star)
                                    * np.interp(x[late], tab.tail_x, tab.ramp))
        else:
            h = np.exp(np.interp(x, tab.x, tab.log_h))
            if late.any():
                h = np.where(late, tab.h_star + (self.theta * self.tail_hazard
                                                 * (t - tab.t_star)
                                                 * np.interp(x, tab.tail_x, tab.ramp)), h)
        h = h * np.exp(np.interp(x, self._grid_x, self._dev))
        return np.where(t > 0, h, 0.0)


def _check_seed(seed: object) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key,
                                      pool_size=seed.pool_size)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative whole number, got {seed!r}; e.g. seed=0.")
    return np.random.SeedSequence(int(seed))


def _check_draws(draws: object) -> int:
    if (isinstance(draws, bool) or not isinstance(draws, (int, np.integer))
            or not 1 <= draws <= _MAX_DRAWS):
        raise InputError(
            f"draws must be a whole number from 1 to {_MAX_DRAWS}, got {draws!r}; e.g. "
            "draws=200 (enough for a 90% band)."
        )
    return int(draws)


def _bridge(w: np.ndarray, clock: np.ndarray, knots: list[int], *, start: bool,
            free_end: bool) -> np.ndarray:
    """A Brownian path ``w`` (draws x grid) on ``clock``, pinned to 0 at the grid indices
    ``knots`` (linear in the clock between them); from 0 at clock 0 before the first knot when
    ``start``, else flat; free after the last knot when ``free_end``, else 0 there.
    """
    out = np.zeros_like(w)
    first, last = knots[0], knots[-1]
    if start and clock[first] > 0:
        frac = clock[: first + 1] / clock[first]
        out[:, : first + 1] = w[:, : first + 1] - w[:, [first]] * frac
    for a, b in zip(knots[:-1], knots[1:], strict=True):
        if b <= a or clock[b] <= clock[a]:
            continue
        frac = (clock[a:b + 1] - clock[a]) / (clock[b] - clock[a])
        out[:, a:b + 1] = (w[:, a:b + 1] - w[:, [a]] * (1 - frac) - w[:, [b]] * frac)
    if free_end:
        out[:, last:] = w[:, last:] - w[:, [last]]
    return out


@dataclass
class _ArmPlan:
    """One arm's fitted pieces and its drawn deviations (all draws)."""

    summary: ArmSummary
    fit: TailFit
    events: int
    how: EventsSource
    grid_x: np.ndarray
    dev: np.ndarray  # draws x grid: deviation of log H
    table: _CurveTable
    tail: np.ndarray  # draws: tail hazard multiplier
    medians: np.ndarray  # draws: where the median event goes (None when not reported)
    follow: list[FollowUpModel]
    events_drawn: np.ndarray
    grids: _Grids


@dataclass(frozen=True)
class _Grids:
    """The ends of the grids every draw of an arm shares (see :func:`_shared_grids`)."""

    events: float  # expected events (patients.calibrate_tail, expected_events)
    censoring: float  # patients.censoring_times
    inverse: float  # the placement's curve inverse (patients.allocate)


def _shared_grids(fit: TailFit, follow: list[FollowUpModel], table: _CurveTable) -> _Grids:
    """One set of grids for all draws of an arm, registered with its curve table.

    Each draw's curves are evaluated on times fixed per arm (its cumulative hazard then costs
    a few vector operations: the parts no draw changes are tabulated once), instead of grids
    scaled to each draw's own follow-up. The ends are the longest any draw may need: the
    expected events and the censoring to the longest drawn (or the rebuild's) follow-up, as
    the tail calibration may stretch an unreported one (which the placement then meets on its
    own grids, see :func:`_place`); the inverse (a geometric grid, as fine relative to each
    time whatever its end) to twice that or the tail start, plus a month, as the placement
    would for the latest censoring.
    """
    longest = max([fit.follow_up.longest, *(f.longest for f in follow)])
    events = max([calibration_reach(fit.follow_up), *(calibration_reach(f) for f in follow)])
    t_star = float(fit.curve.tail_start)
    out = _Grids(events, longest, max(events, t_star) * 2 + 1.0)
    table.register(tail_grid(out.events, t_star)[1])
    table.register(censoring_grid(out.censoring)[1])
    for part in inverse_grids(out.inverse):
        table.register(part)
    return out


def _arm_plan(summary: ArmSummary, fit: TailFit, events: int, how: EventsSource,
              kind: str | None, prior: EnsemblePrior, draws: int,
              rng: np.random.Generator, z_early: np.ndarray, z_tail: np.ndarray,
              censoring: np.ndarray) -> _ArmPlan:
    curve, fu = fit.curve, fit.follow_up
    anchor_x = list(curve.anchor_x)
    anchors = [(x, float(np.exp(-curve.cumhaz(np.array([math.exp(x)]))[0]))) for x in anchor_x]
    t_first = math.exp(anchor_x[0]) if anchor_x else math.exp(curve.x_range[0])
    t_end = max(fu.longest, curve.tail_start) * 1.5
    grid_x = np.unique(np.concatenate([np.linspace(math.log(t_first * 1e-3),
                                                   math.log(t_end), _GRID), anchor_x]))
    t = np.exp(grid_x)
    knots = [int(np.searchsorted(grid_x, x)) for x in anchor_x]
    h = np.maximum(curve.cumhaz(t), 1e-12)
    # at risk, floored at a tenth of the arm: past the 90th percentile of follow-up (where the
    # validation grid ends) the KM's noise is not the prior's business
    at_risk = np.maximum(summary.n * np.exp(-h) * fu.survival(t), max(2.0, 0.1 * summary.n))
    dev = np.zeros((draws, grid_x.size))
    # 3. sampling noise of the KM given the anchors, then the shape bridge on log time
    if knots and prior.sampling > 0:
        dev += _sampling_noise(h, at_risk, knots, prior.sampling, rng, draws)
    if knots:
        steps = rng.standard_normal((draws, grid_x.size))
        w = np.cumsum(steps * np.sqrt(np.diff(grid_x, prepend=grid_x[0])), axis=1)
        dev += prior.shape_sd * _bridge(w, grid_x, knots, start=False, free_end=False)
    # 1. the reported values within their precision
    medians = np.full(draws, np.nan)
    m = median_time(summary)
    jitter = np.zeros((draws, len(anchor_x)))
    for j, (x, _) in enumerate(anchors):
        when = math.exp(x)
        u = rng.uniform(-1.0, 1.0, draws)
        if any(abs(tt - when) < 1e-9 for tt in summary.landmarks):
            continue  # the KM of a draw passes within half a step of it (see module notes)
        if m is not None and abs(when - m) < 1e-9:
            tol = 0.9 * rounding_tolerance(summary.median)
            if any(abs(tt - m) <= tol for tt in summary.landmarks):
                tol = 0.0  # a landmark inside the median's rounding says which side it is on
            medians = m + u * tol
            slope = _local_slope(curve, x)
            jitter[:, j] = -slope * (np.log(medians) - x)
        else:  # a median CI limit: the survival there is an approximation
            jitter[:, j] = prior.ci_anchor_sd * rng.standard_normal(draws)
    if knots:
        for d in range(draws):
            dev[d] += np.interp(grid_x, anchor_x, jitter[d])
    # 2. the early slope
    k0 = curve.early_slope if curve.early_slope is not None else _local_slope(
        curve, anchor_x[0] if anchor_x else curve.x_range[0])
    sd_k = _for_kind(prior.early_slope, kind)
    dk = k0 * np.expm1(sd_k * z_early)
    x1 = anchor_x[0] if anchor_x else curve.x_range[0]
    dev += dk[:, None] * np.minimum(grid_x - x1, 0.0)[None, :]
    # 4. the tail's shape: log H past the last reported point tilted by b per unit log time
    mid_trend = _for_kind(prior.tail_trend_median, kind)
    sd_trend = _for_kind(prior.tail_trend_sd, kind)
    if knots and (sd_trend > 0 or mid_trend != 0):
        last = knots[-1]
        past = grid_x[last:] - grid_x[last]
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.diff(np.log(h[last:])) / np.diff(grid_x[last:])
        # H stays increasing: b above -_TREND_FLOOR times the smallest slope of log H there
        floor = -_TREND_FLOOR * float(np.min(slope[np.isfinite(slope)], initial=1.0))
        b = np.maximum(mid_trend + sd_trend * rng.standard_normal(draws), floor)
        dev[:, last:] += b[:, None] * past[None, :]
    np.clip(dev, -_MAX_DEV, _MAX_DEV, out=dev)
    # 4. the tail's level
    med_tail, sd_tail = prior.tail.get(kind, prior.tail[None])
    tail = med_tail * np.exp(sd_tail * z_tail)
    # 5. censoring; a patient lost to follow-up is a censored one: the added loss at most
    # what the arm's censorings allow (_loss_cap)
    cap = _loss_cap(fu, summary.n, events, prior.loss_efolds)
    follow = [_draw_follow_up(fu, summary, c * (1.0, 1.0, cap)) for c in censoring]
    # 6. inferred events
    events_drawn = np.full(draws, events)
    if how is EventsSource.HR_CI_WIDTH:
        events_drawn = np.clip(np.round(events * np.exp(prior.events_sd
                                                        * rng.standard_normal(draws))),
                               1, summary.n).astype(int)
    table = _CurveTable.of(curve)
    return _ArmPlan(summary, fit, events, how, grid_x, dev, table, tail, medians, follow,
                    events_drawn, _shared_grids(fit, follow, table))


def _sampling_noise(h: np.ndarray, at_risk: np.ndarray, knots: list[int], scale: float,
                    rng: np.random.Generator, draws: int) -> np.ndarray:
    """The Kaplan-Meier's own noise around ``h`` given its values at the anchors (log H).

    The cumulative hazard's increment over each block of grid cells, ``dH``, is multiplied
    by a gamma variable of mean 1 and variance ``scale^2 / (Y dH)`` (``Y`` at risk): the
    Nelson-Aalen estimate's variance ``dH / Y`` (Andersen et al. 1993, IV.1), with increments
    that stay >= 0. A block is the run of consecutive cells holding at least
    ``_NOISE_EVENTS`` expected events (``Y dH / scale^2`` summed); inside it the increment is
    shared in proportion to ``dH``. Cell by cell, a gamma of shape far below 1 (near time 0,
    where the log grid's cells are a few thousandths of a month wide) puts several events'
    worth of jump into one cell, which the placement turns into a burst of tied events; the
    variance over a block is the same either way. Between anchors (and from time 0 to the
    first) the increments are rescaled to their sum there: a gamma process conditioned on its
    end points (a Dirichlet bridge), so every draw passes through the anchors; after the last
    anchor the process runs free.
    """
    dh = np.maximum(np.diff(h, prepend=0.0), 0.0)
    shape = dh * at_risk / scale**2
    bounds = [0, *[k + 1 for k in knots], h.size]
    block = np.empty(h.size, dtype=int)
    used = 0
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if b <= a:
            continue
        # a cell joins the block its running total starts in; blocks end at the anchors
        start = np.concatenate([[0.0], np.cumsum(shape[a:b])[:-1]])
        own = np.floor(start / _NOISE_EVENTS).astype(int)
        block[a:b] = used + own
        used += int(own[-1]) + 1
    total = np.bincount(block, weights=shape, minlength=used)
    g = np.ones((draws, used))
    live = total > 0
    g[:, live] = rng.gamma(total[live], 1.0 / total[live], (draws, int(live.sum())))
    inc = dh * g[:, block]
    for a, b in zip(bounds[:-2], bounds[1:-1], strict=True):  # past the last anchor: free
        total = inc[:, a:b].sum(axis=1, keepdims=True)
        want = dh[a:b].sum()
        np.divide(inc[:, a:b] * want, total, out=inc[:, a:b], where=total > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.cumsum(inc, axis=1) / np.cumsum(dh)
    return np.where(np.isfinite(ratio) & (ratio > 0), np.log(np.maximum(ratio, 1e-300)), 0.0)


def _local_slope(curve: ArmCurve, x: float, h: float = 0.05) -> float:
    y = np.log(np.maximum(curve.cumhaz(np.exp(np.array([x - h, x + h]))), 1e-300))
    return float(max((y[1] - y[0]) / (2 * h), 0.05))


def _for_kind(value, kind: str | None) -> float:
    """A prior scale given per endpoint kind (a dict with a ``None`` default) or for all."""
    if isinstance(value, dict):
        return float(value.get(kind, value[None]))
    return float(value)


def _loss_cap(fu: FollowUpModel, n: int, events: int, efolds: float) -> float:
    """The share (0 to 1) of the prior's loss to follow-up, ``[0, efolds]`` e-folds over the
    longest follow-up, that an arm with ``n - events`` censorings can carry.

    A patient lost is a censored patient: the loss the draws add, with the single rebuild's
    own, is kept within ``-log(events / n)`` e-folds over the longest follow-up, the loss that
    would censor at most ``(n - events) / n`` of the arm (fewer: some die first). Without the
    cap an arm of 95 with 94 events drew up to 0.5 e-folds (about 40 lost); the tail
    calibration then needed a tail hazard that piled the events just past the last reported
    point (CHANGELOG, "Ensembles (issue 10)").
    """
    if efolds <= 0 or n <= 0:
        return 0.0
    room = -math.log(min(max(events, 1), n) / n) - fu.loss * fu.longest
    return float(min(max(room, 0.0) / efolds, 1.0))


def _draw_follow_up(fu: FollowUpModel, summary: ArmSummary, draw: np.ndarray) -> FollowUpModel:
    """The follow-up model with a drawn time scale, spread and loss (one trial: both arms)."""
    scale, spread, loss = (float(v) for v in draw)
    knots = np.array(fu.knots, dtype=float) * scale
    if knots.size == 3:
        mid = knots[1]
        knots[0] = max(0.0, mid - (mid - knots[0]) * spread)
        knots[2] = max(mid * (1 + 1e-9), mid + (knots[2] - mid) * spread)
    elif knots.size == 2:
        knots[0] = max(0.0, knots[1] - (knots[1] - knots[0]) * spread)
    if summary.max_follow_up is not None:
        # the longest follow-up is published: the scale moves the median, not the end
        knots = np.minimum(knots, summary.max_follow_up)
        knots[-1] = summary.max_follow_up
        knots = np.maximum.accumulate(knots)
        knots[-1] = max(knots[-1], knots[-2] * (1 + 1e-9) if knots.size > 1 else knots[-1])
    out = replace(fu, knots=tuple(float(k) for k in knots))
    if fu.lower_range is not None:
        out = replace(out, lower_range=(fu.lower_range[0] * scale,
                                        min(fu.lower_range[1] * scale, knots[1] * (1 - 1e-6))
                                        if knots.size == 3 else fu.lower_range[1] * scale))
    return out.with_loss(fu.loss + loss / out.longest)


def _place(plan: _ArmPlan, d: int, jitter: np.ndarray):
    """Calibrate the tail of draw ``d`` and place its patients: ``(time, event, levels)``,
    ``levels`` the :func:`~lmssurv.km.km_levels` of those times when the landmark check
    computed them (None otherwise), for :func:`_all_hit` to reuse."""
    s, base, grids = plan.summary, plan.fit.curve, plan.grids
    curve = _DrawnCurve(replace(base, tail_hazard=base.tail_hazard * plan.tail[d]),
                        plan.table, plan.grid_x, plan.dev[d])
    fu = plan.follow[d]
    events = int(plan.events_drawn[d])
    if plan.how is EventsSource.EXPECTED:
        events = int(min(max(round(expected_events(curve, fu, s.n, t_grid=grids.events)), 1),
                         s.n))
    elif plan.how is EventsSource.HR_CI_WIDTH:
        # an inferred count the drawn tail and follow-up cannot reach with a tail hazard
        # within a factor _EVENTS_REACH is not plausible: reaching it would pile the missing
        # events just past the last reported point, or end everyone's follow-up there
        reach = [expected_events(curve, fu, s.n, theta=curve.theta * f, t_grid=grids.events)
                 for f in (1 / _EVENTS_REACH, _EVENTS_REACH)]
        events = int(min(max(events, math.ceil(reach[0]), 1), math.floor(reach[1]), s.n))
    # tail first: the rebuild's own losses (its loss-first order) are already in ``fu``; a
    # loss-first order here too changed nothing (CHANGELOG.md, blocked sampling noise)
    fit = calibrate_tail(curve, fu, s.n, events, not_reached=s.median_not_reached,
                         t_grid=grids.events)
    if abs(_tail_strain(fit, plan.fit)) > math.log(_TAIL_REACH):
        # the drawn follow-up cannot carry this many events without a tail hazard far from
        # the single rebuild's (everyone's remaining events piled just past the last
        # published time, or none for years): the event count speaks against that follow-up,
        # so the draw keeps the single rebuild's follow-up (with its drawn loss) if that does
        # better
        base_fu = plan.fit.follow_up.with_loss(fu.loss)
        other = calibrate_tail(curve, base_fu, s.n, events, not_reached=s.median_not_reached,
                               t_grid=grids.events)
        if abs(_tail_strain(other, plan.fit)) < abs(_tail_strain(fit, plan.fit)):
            fit = other
    median = None if math.isnan(plan.medians[d]) else float(plan.medians[d])
    if median is None:
        median = median_time(s)
    t_cap = min(fit.follow_up.longest, s.max_follow_up or math.inf)
    n_cens = s.n - events
    cur = fit.curve
    # the arm's censoring grid, unless this draw's follow-up is not within it or so much
    # shorter (an unreported one the calibration shrank) that its own is finer
    longest = fit.follow_up.longest
    t_cens = grids.censoring if longest <= grids.censoring <= 2 * longest else None
    zero = {t for t, rate in s.landmarks.items() if rate <= 0}
    pins = pinned_times(s)
    last_pin = max((t for t in pins if t not in zero), default=0.0)
    for attempt in range(_LANDMARK_TRIES):
        # stratified, jittered; a landmark missed by a KM step: the next jitter (seeded)
        shift = jitter[:n_cens] if attempt == 0 else (jitter[:n_cens] + 0.37 * attempt) % 0.9 + 0.05
        u = (np.arange(n_cens) + shift) / max(n_cens, 1)
        censored = np.minimum(censoring_times(cur, fit.follow_up, u, t_cens), t_cap)
        if censored.size and censored.max() <= last_pin < t_cap:
            # a survival above 0 at the last pinned time says someone was followed
            # past it; without that the placement puts every later event just before the
            # last censoring (a vertical drop there). The longest of the drawn censorings
            # goes to a potential follow-up time beyond that point instead.
            k = int(np.argmax(censored))
            censored[k] = last_pin + (t_cap - last_pin) * float(u[k])
        if censored.size and s.max_follow_up is not None:
            # a published longest follow-up is reproduced: the longest censoring is there
            censored[int(np.argmax(censored))] = t_cap
        def attempt(ci, cur=cur, censored=censored):
            return allocate(cur, censored, s.n, events, median, ci,
                            not_reached=s.median_not_reached, t_cap=t_cap,
                            t_grid=grids.inverse)

        alloc, ci = place_ci_limits(s, attempt)  # the engine's rule for the CI limits
        for _ in range(_SPILL_STEPS):
            if (not alloc.events_pulled_into_follow_up or s.median_not_reached
                    or events == s.n):
                break
            cur = cur.with_theta(cur.theta * _SPILL_FACTOR)
            alloc = attempt(ci, cur)
        time = _unpile(alloc.time, alloc.event, s, ci, pins, median)
        if not s.landmarks:
            return time, alloc.event.astype(np.int8), None
        levels = km_levels(time, alloc.event)
        if _landmarks_hit(time, levels[0], levels[3], s):
            return time, alloc.event.astype(np.int8), levels
    # still a KM step away: move a few patients, the engine's polish (costly, so only here)
    time, _ = polish_landmarks(time, alloc.event, dict(s.landmarks),
                               tolerance=landmark_tolerance, median_ci=s.median_ci,
                               longest=t_cap)
    return time, alloc.event.astype(np.int8), None


def _unpile(time: np.ndarray, event: np.ndarray, s: ArmSummary, ci: tuple | None,
            pins: tuple[float, ...], median: float | None = None) -> np.ndarray:
    """Spread events piled on a median CI limit or on the draw's median over the gap after it.

    The placement puts the event whose 95% band crosses 0.5 at the CI limit and the event
    taking the KM to 0.5 at the draw's median (drawn inside the published median's rounding
    interval). When a draw's curve passes these levels earlier, the events that follow are
    due before that time and all land on it (a vertical drop of several events there). The
    events the published number needs stay: the first at a CI limit; at the median those
    taking the KM below 0.5 (a level left at exactly 0.5 needs a second). The ``m`` others and
    the next ``m`` events before the next censoring or pinned time are spread, in order,
    evenly up to the event after them (or that censoring or pinned time): the KM outside
    this stretch and the order of events and censorings are unchanged, so no published
    number moves. ``ci`` are the CI limits the placement pinned (:func:`place_ci_limits`:
    the published ones, or one at a landmark's time moved just after it).
    """
    anchors = [(t, False) for t in (ci or ()) if t is not None]
    if median is not None:
        anchors.append((median, True))
    if not anchors:
        return time
    bounds = sorted({*pins, *(t for t, _ in anchors)})
    out = time
    for anchor, is_median in anchors:
        tol = 1e-9 * max(anchor, 1.0)
        on = np.abs(out - anchor) <= tol
        at = np.flatnonzero(on & (event == 1))
        if (at.size < 2 or np.any(on & (event == 0))
                or any(abs(t - anchor) <= tol for t in s.landmarks)):
            # a censoring at the anchor: moving events past it would change the KM; a
            # landmark there: its survival may need the whole pile (median 2.0, S(2) 0.48)
            continue
        keep = 1
        if is_median:
            n = out.size
            before = np.flatnonzero((event == 1) & (out < anchor - tol))
            level = float(np.prod(1.0 - 1.0 / (n - before))) if before.size else 1.0
            for k, row in enumerate(at, start=1):
                level *= 1.0 - 1.0 / (n - row)
                keep = k
                if level < 0.5 - MEDIAN_TOL:
                    break
        if keep >= at.size:
            continue
        above = out > anchor + tol
        hi = min([*out[above & (event == 0)].tolist(), *(b for b in bounds if b > anchor + tol)],
                 default=anchor * 1.01)
        inside = np.flatnonzero(above & (out < hi))
        inside = inside[np.argsort(out[inside], kind="stable")]
        moved = at.size - keep
        if inside.size > moved:
            # as many of the gap's own events as are moved, up to the next one: the pile is
            # spread locally, the curve's shape further on is kept
            hi = float(out[inside[moved]])
            inside = inside[:moved]
        rows = np.concatenate([at[keep:], inside])
        if out is time:
            out = time.copy()
        m = rows.size
        out[rows] = anchor + (hi - anchor) * np.arange(1, m + 1) / (m + 1)
    return out


def _tail_strain(fit: TailFit, base: TailFit) -> float:
    """log of a draw's tail hazard over the single rebuild's (after both calibrations)."""
    own = fit.curve.theta * fit.curve.tail_hazard
    ref = base.curve.theta * base.curve.tail_hazard
    return math.log(own / ref) if own > 0 and ref > 0 else math.inf


def _landmarks_hit(time: np.ndarray, t: np.ndarray, level: np.ndarray, s: ArmSummary) -> bool:
    """Whether every landmark of ``s`` is within the self-check's tolerance, given the arm's
    :func:`~lmssurv.km.km_levels` (sorted times ``t``, KM ``level`` after each row)."""
    for when, rate in s.landmarks.items():
        i = np.searchsorted(t, when, side="right") - 1
        rebuilt = float(level[i]) if i >= 0 else 1.0
        tol = landmark_tolerance(rate, rebuilt, int(np.sum(time >= when)))
        if abs(rebuilt - rate) > tol + 1e-9:
            return False
    return True


def _draw_pins(summary: ArmSummary, median: float) -> tuple[float, ...]:
    """The times at which a draw's published numbers pin its KM (as
    :func:`~lmssurv.reconstruct.hr_match.pinned_times`), plus where the draw placed its median
    event (``median``, nan for none) and the ends of the median's rounding interval, so that no
    event taking the KM to 0.5 leaves that interval."""
    pins = set(pinned_times(summary))
    if summary.median is not None:
        tol = rounding_tolerance(summary.median)
        pins |= {summary.median - tol, summary.median + tol}
        if math.isfinite(median):
            pins.add(float(median))
    return tuple(sorted(p for p in pins if p > 0))


def _match_hr(parts, pins: list[tuple[float, ...]], hr: HazardRatio, tol: float):
    """Bring a draw's Cox HR within the published precision without moving a published number.

    The engine's own last step (:func:`~lmssurv.reconstruct.hr_match.match_published_hr`,
    its maps and bounds) with the intervals before the last published point first
    (``_BEND_REST_FIRST``). Returns ``(parts, log_hr)``: the parts (unchanged when the HR already hits or
    no bend brings it closer) and their Cox log HR, so that no fit is repeated.
    """
    (t0, e0), (t1, e1) = parts
    b0 = _log_hr(parts)
    if not math.isfinite(b0) or abs(math.exp(b0) - hr.estimate) <= tol:
        return parts, b0
    regions = [intervals(p, float(t.max())) if t.size else []
               for p, (t, _) in zip(pins, parts, strict=True)]
    out = match_published_hr((t0, t1), (e0, e1), regions, hr.estimate, tol,
                             rest_first=_BEND_REST_FIRST, unbent_log_hr=b0)
    if out.log_power == 0.0:
        return parts, b0
    (b_t0, b_t1) = out.times
    return [(b_t0, e0), (b_t1, e1)], math.log(out.hr)


def _all_hit(arms: list[ArmSummary], parts, hr: HazardRatio | None,
             log_hr: float | None, levels=None) -> bool:
    """Whether :func:`~lmssurv.reconstruct.diagnostics.self_check` would find every published
    number hit, on numpy arrays and with the Cox log HR already fitted on these parts.

    The same rules and helpers as the self-check (``tests/test_ensemble.py`` proves the same
    decisions on varied draws); a draw that misses is then self-checked in full for its rows.
    ``levels``, when given, holds per arm the :func:`~lmssurv.km.km_levels` of its part (None
    where not yet computed).
    """
    for k, (arm, (time, event)) in enumerate(zip(arms, parts, strict=True)):
        if time.size != arm.n or (arm.events is not None and int(event.sum()) != arm.events):
            return False
        known = None if levels is None else levels[k]
        t, e, _, level = known if known is not None else km_levels(time, event)
        if arm.median is not None or arm.median_not_reached:
            early, rebuilt = km_medians(t, e, level)
            if arm.median is None:
                if early is not None:
                    return False
            else:
                tol = rounding_tolerance(arm.median)
                if rebuilt is None:
                    rebuilt = early
                if not all(m is not None and abs(m - arm.median) <= tol + 1e-9
                           for m in (early, rebuilt)):
                    return False
        if not _landmarks_hit(time, t, level, arm):
            return False
    if hr is not None and len(parts) == 2:
        b = _log_hr(parts) if log_hr is None else log_hr
        tol = rounding_tolerance(hr.estimate, min_decimals=2)
        if not (math.isfinite(b) and abs(math.exp(b) - hr.estimate) <= tol + 1e-9):
            return False
    return True


def _log_hr(parts) -> float:
    (t0, e0), (t1, e1) = parts
    r = cox_two_arms(t0, e0, t1, e1)
    return r.log_hr


def _ensemble(arms: list[ArmSummary], labels: list[str], hr: HazardRatio | None, draws: int,
              seed: object, endpoint: object, prior: EnsemblePrior,
              trial_follow_up: float | None = None) -> pd.DataFrame:
    seq = _check_seed(seed)
    kind = endpoint_kind(endpoint)
    base_seed, prior_seed, draw_seed = seq.spawn(3)
    frames, diag_arms, hr_how, pieces = fit_pieces(arms, hr, seed=base_seed, endpoint=endpoint,
                                                   trial_follow_up=trial_follow_up)
    base = ReconstructionDiagnostics(tuple(), hr_how, check_rebuild(
        arms, labels, frames, hr, hr_how, endpoint=endpoint,
        losses=[d.loss_to_follow_up for d in diag_arms], median_follow_up=trial_follow_up))
    rng = np.random.default_rng(prior_seed)
    rho = prior.arm_correlation
    shared = rng.standard_normal((2, draws))
    # one trial, one accrual and cut-off: the censoring draws are shared by the arms
    censoring = np.column_stack([
        np.exp(prior.follow_up_sd * rng.standard_normal(draws)),
        rng.uniform(*prior.spread_range, draws), rng.uniform(0.0, prior.loss_efolds, draws)])
    plans = []
    for arm, (fit, events, how) in zip(arms, pieces, strict=True):
        own = rng.standard_normal((2, draws))
        z = math.sqrt(rho) * shared + math.sqrt(1 - rho) * own
        plans.append(_arm_plan(arm, fit, events, how, kind, prior, draws, rng,
                               z[0], z[1], censoring))
    target = None if hr is None or len(arms) != 2 else hr.log_estimate
    tol = None if target is None else rounding_tolerance(hr.estimate, min_decimals=2)
    out_draw, out_arm, out_time, out_event = [], [], [], []
    rows = []
    for d, child in enumerate(draw_seed.spawn(draws)):
        arm_rngs = [np.random.default_rng(c) for c in child.spawn(len(arms))]
        u = [g.uniform(0.05, 0.95, p.summary.n) for g, p in zip(arm_rngs, plans, strict=True)]
        placed = [_place(p, d, uu) for p, uu in zip(plans, u, strict=True)]
        parts = [(t, e) for t, e, _ in placed]
        log_hr = None
        if target is not None:
            pins = [_draw_pins(a, p.medians[d]) for a, p in zip(arms, plans, strict=True)]
            parts, log_hr = _match_hr(parts, pins, hr, tol)
        # the landmark check's Kaplan-Meier levels, for the times it was computed on
        levels = [lv if part[0] is t else None
                  for (t, _, lv), part in zip(placed, parts, strict=True)]
        if not _all_hit(arms, parts, hr, log_hr, levels):
            # the full self-check, for its typed rows (only for draws that miss)
            frames_d = [pd.DataFrame({"time": t, "event": e}) for t, e in parts]
            for c in self_check(arms, labels, frames_d, hr, hr_how):
                if not c.hit:
                    rows.append({"draw": d, "quantity": c.label, "arm": c.arm,
                                 "published": c.published, "rebuilt": c.rebuilt})
        for label, (t, e) in zip(labels, parts, strict=True):
            out_draw.append(np.full(t.size, d))
            out_arm.append(np.full(t.size, label, dtype=object))
            out_time.append(t)
            out_event.append(e)
    out = pd.DataFrame({"draw": np.concatenate(out_draw), "arm": np.concatenate(out_arm),
                        "time": np.concatenate(out_time).astype(float),
                        "event": np.concatenate(out_event).astype(int)})
    misses = pd.DataFrame(rows, columns=["draw", "quantity", "arm", "published", "rebuilt"])
    diag = EnsembleDiagnostics(draws, base, misses, prior)
    for (quantity, arm), g in misses.groupby(["quantity", "arm"], sort=False):
        warnings.warn(
            f"{arm} {quantity}: published {g['published'].iloc[0]}, missed by "
            f"{g['draw'].nunique()} of {draws} draws (rebuilt {g['rebuilt'].min()} to "
            f"{g['rebuilt'].max()}); those draws are kept and listed in "
            "attrs['lmssurv'].misses", ReconstructionWarning, stacklevel=3)
    out.attrs["lmssurv"] = diag
    return out


def reconstruct_ensemble(
    control: ArmSummary,
    experimental: ArmSummary | None = None,
    *,
    hr: HazardRatio | None = None,
    draws: int = 200,
    seed: int = 0,
    endpoint: str | None = None,
    prior: EnsemblePrior = PRIOR,
    median_follow_up: float | None = None,
) -> pd.DataFrame:
    """Draw ``draws`` plausible pseudo-trials that all reproduce the published numbers.

    Parameters
    ----------
    control : ArmSummary
        Published summary of the control arm (or the only arm), times in months.
    experimental : ArmSummary, optional
        Published summary of the experimental arm; None for a one-arm ensemble.
    hr : HazardRatio, optional
        Published hazard ratio, experimental vs control (two arms only).
    draws : int
        Number of pseudo-trials (1 to 10,000); 200 give a stable 90% band.
    seed : int
        Seed of every random step; the same inputs and seed give the same rows.
    endpoint : str, optional
        ``"os"``, ``"pfs"`` (or another progression endpoint) or None: picks the engine's
        early shape and the prior's spread (see the module docstring).
    prior : EnsemblePrior
        What the draws vary and how much (default :data:`PRIOR`).
    median_follow_up : float, optional
        The trial's median follow-up in months, when the paper gives one figure for both arms
        (two arms only): the base rebuild places and checks it as
        :func:`~lmssurv.reconstruct.from_summary.reconstruct_trial` does.

    Returns
    -------
    pandas.DataFrame
        Columns ``draw`` (0 to ``draws - 1``), ``arm`` (the arm's label, or "control" /
        "experimental"), ``time`` (months) and ``event`` (0/1); each draw has exactly ``n``
        rows per arm and the reported event counts. ``attrs["lmssurv"]`` is an
        :class:`EnsembleDiagnostics` (the base reconstruction's self-check, and every draw
        that misses a published number).

    Warns
    -----
    ReconstructionWarning
        Once per published number that some draws miss, saying in how many.

    Examples
    --------
    >>> from lmssurv import ArmSummary, HazardRatio, reconstruct_ensemble
    >>> c = ArmSummary(n=76, events=60, median=24.0, median_ci=(19.0, 31.0),
    ...                landmarks={24: 0.49}, median_follow_up=55.0, label="Doxorubicin")
    >>> e = ArmSummary(n=74, events=47, median=33.0, median_ci=(26.0, 48.0),
    ...                landmarks={24: 0.68}, median_follow_up=55.0, label="Trabectedin")
    >>> ens = reconstruct_ensemble(c, e, hr=HazardRatio(0.65, 0.44, 0.95), draws=20, seed=0)
    >>> ens.groupby(["draw", "arm"]).size().unique().tolist()
    [76, 74]
    """
    if not isinstance(control, ArmSummary):
        raise InputError(f"control must be an ArmSummary, got {type(control).__name__}.")
    if experimental is not None and not isinstance(experimental, ArmSummary):
        raise InputError(
            f"experimental must be an ArmSummary or None, got {type(experimental).__name__}.")
    hr = require_hazard_ratio(hr)
    if hr is not None and experimental is None:
        raise InputError("hr was given for a one-arm ensemble; pass experimental=... too, or "
                         "drop hr.")
    if not isinstance(prior, EnsemblePrior):
        raise InputError(f"prior must be an EnsemblePrior, got {type(prior).__name__}.")
    draws = _check_draws(draws)
    if experimental is None:
        if median_follow_up is not None:
            raise InputError("median_follow_up is the trial's, for two arms; for one arm give "
                             "ArmSummary(median_follow_up=...) instead.")
        return _ensemble([control], [control.label or "control"], None, draws, seed,
                         endpoint, prior)
    labels = [control.label or "control", experimental.label or "experimental"]
    if labels[0] == labels[1]:
        raise InputError(f"both arms are labelled {labels[0]!r}; give them different labels.")
    control, experimental, trial_fu = with_trial_follow_up(control, experimental,
                                                           median_follow_up)
    return _ensemble([control, experimental], labels, hr, draws, seed, endpoint, prior,
                     trial_follow_up=trial_fu)
