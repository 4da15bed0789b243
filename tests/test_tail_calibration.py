"""Calibrating the tail past the last reported point against the event count
(``lmssurv.reconstruct.patients.calibrate_tail``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from lmssurv.reconstruct.censoring import follow_up_model
from lmssurv.reconstruct.patients import calibrate_tail, expected_events
from lmssurv.reconstruct.shape import Anchor, fit_curves

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


def test_fewer_events_lose_patients_before_the_tail_falls_below_half(curve_and_follow_up):
    # Real trials censor earlier than the follow-up model does: fewer events than the tail at
    # half the last stretch's hazard gives are patients lost to follow-up, the tail stays at
    # 1/2 (once it fell towards 0.02 first, a flat tail above the true curve)
    curve, follow_up = curve_and_follow_up
    at_half = expected_events(curve.with_theta(0.5), follow_up, N)
    events = round(0.85 * at_half)
    fit = calibrate_tail(curve, follow_up, N, events)
    assert fit.curve.theta == pytest.approx(0.5)
    assert fit.follow_up.loss > 0
    assert fit.strain == 1
    # the loss is what matches the events, checked by quadrature
    assert _expected_by_quadrature(fit.curve, fit.follow_up) == pytest.approx(events, rel=5e-3)


def test_events_within_reach_scale_the_tail_without_loss(curve_and_follow_up):
    # between the tail at 1/2 and at 2 times the last stretch's hazard: theta alone
    curve, follow_up = curve_and_follow_up
    lo = expected_events(curve.with_theta(0.5), follow_up, N)
    hi = expected_events(curve.with_theta(2.0), follow_up, N)
    events = round((lo + hi) / 2)
    fit = calibrate_tail(curve, follow_up, N, events)
    assert 0.5 < fit.curve.theta < 2.0
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
