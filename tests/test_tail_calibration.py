"""Calibrating the tail past the last reported point against the event count
(``lmssurv.reconstruct.patients.calibrate_tail``)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import integrate

from lmssurv import ArmSummary
from lmssurv.reconstruct.censoring import follow_up_model
from lmssurv.reconstruct.from_summary import endpoint_kind, fit_pieces
from lmssurv.reconstruct.patients import calibrate_tail, expected_events
from lmssurv.reconstruct.shape import TAIL_FLOORS, Anchor, fit_curves

N = 100
# An exponential arm (median 10 months: hazard log 2 / 10) reported at 6, 10 and 12 months,
# followed 20 to 40 months (median follow-up 30, accrual 20): a reported follow-up, not
# flexible, so no follow-up start can move.
RATE = math.log(2) / 10
ANCHORS = [Anchor(t, math.exp(-RATE * t), k) for t, k in ((6.0, "S(6)"), (10.0, "median"),
                                                        (12.0, "S(12)"))]


@pytest.fixture(scope="module")
def curve_and_follow_up():
    (curve,) = fit_curves([ANCHORS], [0.0], 1.0)
    follow_up = follow_up_model(30.0, None, 20.0, last_reported_time=12.0)
    assert (follow_up.knots, follow_up.flexible) == ((20.0, 30.0, 40.0), False)
    return curve, follow_up


def _expected_by_quadrature(curve, follow_up) -> float:
    """n * integral of G(t) f(t) dt, with f = -dS/dt by finite differences, integrated by
    scipy's adaptive quadrature: a route independent of the engine's grid integrator."""
    def density(t: float) -> float:
        h = 1e-5 * max(t, 1e-3)
        s = curve.survival(np.array([t - h, t + h]))
        return float((s[0] - s[1]) / (2 * h)) * float(follow_up.survival(np.array([t]))[0])

    breaks = [curve.tail_start, *follow_up.knots]
    total, _ = integrate.quad(density, 0.0, follow_up.longest, points=breaks, limit=200)
    return N * total


@pytest.mark.parametrize("floor", [0.5, 1.0])
def test_fewer_events_lose_patients_before_the_tail_falls_below_its_floor(
        curve_and_follow_up, floor):
    # Real trials censor earlier than the follow-up model does: fewer events than the tail at
    # its floor gives are patients lost to follow-up, the tail stays at the floor (once it
    # fell towards 0.02 first, a flat tail above the true curve)
    curve, follow_up = curve_and_follow_up
    curve = replace(curve, tail_floor=floor)
    at_floor = expected_events(curve.with_theta(floor), follow_up, N)
    events = round(0.85 * at_floor)
    fit = calibrate_tail(curve, follow_up, N, events)
    assert fit.curve.theta == pytest.approx(floor)
    assert fit.follow_up.loss > 0
    assert fit.strain == 1
    # the loss is what matches the events, checked by quadrature
    assert _expected_by_quadrature(fit.curve, fit.follow_up) == pytest.approx(events, rel=5e-3)
    # and the reported median follow-up (30) is still the median of all censoring
    assert _censoring_median_by_sampling(fit.follow_up) == pytest.approx(30.0, abs=0.15)


def _censoring_median_by_sampling(follow_up, size: int = 200_000) -> float:
    """Median of min(potential follow-up, exponential loss) from draws: the potential
    follow-up by inverting its piecewise-uniform distribution at uniform draws, the loss by
    numpy's exponential sampler (seed 1)."""
    rng = np.random.default_rng(1)
    potential = np.interp(rng.uniform(size=size), follow_up.cdf, follow_up.knots)
    lost = rng.exponential(1 / follow_up.loss, size) if follow_up.loss else np.inf
    return float(np.median(np.minimum(potential, lost)))


def test_loss_moves_administrative_follow_up_later_to_keep_the_median():
    # 2% lost per month before a median follow-up of 30: the potential follow-up beyond 30
    # is e^{0.6} / 2 = 0.911 (by hand), the median of all censoring still 30
    fu = follow_up_model(30.0, None, 20.0, last_reported_time=12.0)
    lost = fu.with_loss_keeping_median(0.02)
    assert lost.cdf[1] == pytest.approx(1 - math.exp(0.6) / 2, abs=1e-12)
    assert _censoring_median_by_sampling(lost) == pytest.approx(30.0, abs=0.15)
    # the plain loss would pull it to about 24.4 (sampled the same way)
    assert _censoring_median_by_sampling(fu.with_loss(0.02)) < 26.0
    # no median follow-up reported (longest only): nothing to keep
    longest_only = follow_up_model(None, 40.0, None, last_reported_time=12.0)
    assert longest_only.median is None
    assert longest_only.with_loss_keeping_median(0.02) == longest_only.with_loss(0.02)


def _arm(events: int) -> ArmSummary:
    # the exponential arm above, as a paper would report it
    return ArmSummary(n=N, events=events, median=10.0, landmarks={6: 0.66, 12: 0.435},
                      median_follow_up=30.0, accrual=20.0)


def test_the_floor_is_set_by_endpoint():
    # OS tails stay near the last reported stretch's hazard, progression tails flatten
    # (shape.TAIL_FLOORS): the rebuild hands the endpoint's floor to the calibration, and an
    # arm with fewer events than its curve gives keeps its tail at that floor
    for endpoint, floor in (("os", 1.0), ("pfs", 0.5), (None, 0.5)):
        assert TAIL_FLOORS[endpoint_kind(endpoint)] == floor
        _, (diag,), _, ((fit, events, _),) = fit_pieces([_arm(75)], seed=0, endpoint=endpoint)
        assert fit.curve.tail_floor == floor and events == 75
        assert diag.tail_hazard_multiplier == pytest.approx(floor)
        assert diag.loss_to_follow_up > 0


def test_beyond_the_loss_the_median_follow_up_allows_the_tail_falls():
    # 70 events: even losing every patient the median follow-up of 30 allows (log 2 / 30 per
    # month: every administrative end after 30) leaves too many at the OS floor; the loss
    # stays at that cap and the tail falls below the floor for the rest
    _, (diag,), _, ((fit, _, _),) = fit_pieces([_arm(70)], seed=0, endpoint="os")
    assert diag.loss_to_follow_up == pytest.approx(math.log(2) / 30.0)
    assert 0.02 < diag.tail_hazard_multiplier < 1.0
    assert fit.strain == 2
    assert _expected_by_quadrature(fit.curve, fit.follow_up) == pytest.approx(70, rel=5e-3)
    assert _censoring_median_by_sampling(fit.follow_up) == pytest.approx(30.0, abs=0.15)


def test_events_within_reach_scale_the_tail_without_loss(curve_and_follow_up):
    # between the tail at its floor and at 2 times the last stretch's hazard: theta alone
    curve, follow_up = curve_and_follow_up
    lo = expected_events(curve.with_theta(curve.tail_floor), follow_up, N)
    hi = expected_events(curve.with_theta(2.0), follow_up, N)
    events = round((lo + hi) / 2)
    fit = calibrate_tail(curve, follow_up, N, events)
    assert curve.tail_floor < fit.curve.theta < 2.0
    assert (fit.follow_up.loss, fit.strain) == (0.0, 0)
    assert _expected_by_quadrature(fit.curve, fit.follow_up) == pytest.approx(events, rel=5e-3)


def test_quadrature_matches_a_closed_form():
    # the reference route itself: an exponential arm (hazard a) under uniform potential
    # follow-up on [20, 40] has expected events n (1 - (e^{-20a} - e^{-40a}) / (20 a)) (by hand:
    # integral of a e^{-a t} G(t), G = 1 to 20, then (40 - t) / 20)
    (curve,) = fit_curves([ANCHORS], [0.0], 1.0)
    follow_up = follow_up_model(30.0, None, 20.0, last_reported_time=12.0)
    closed = N * (1 - (math.exp(-20 * RATE) - math.exp(-40 * RATE)) / (20 * RATE))
    assert _expected_by_quadrature(curve.with_theta(1.0), follow_up) == pytest.approx(
        closed, rel=1e-4)
