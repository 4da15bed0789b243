"""The curve before the first reported point: a power of time whose exponent depends on the
endpoint, for progression endpoints on how early the first reported point is, for OS on the
arm's own reported curve (its chord), and, with a reported HR, on each arm's side of it."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from lmssurv.reconstruct.shape import (
    EARLY_SLOPES,
    Anchor,
    early_slope_for,
    fit_curves,
)


def test_os_power_does_not_depend_on_the_first_time():
    assert {early_slope_for("os", t) for t in (1.0, 3.0, 6.0, 24.0)} == {EARLY_SLOPES["os"][0]}


# -- OS: the power follows the arm's chord -------------------------------------------------
def _weibull_anchors(shape, times=(3.0, 6.0, 10.0, 18.0)):
    # S(t) = exp(-(t / 10)^shape): a straight line of slope ``shape`` on the log-log scale
    return [Anchor(t, math.exp(-((t / 10) ** shape)), f"S({t:g})") for t in times]


def test_os_power_follows_the_chord_by_hand():
    # Weibull points of shape 2 (chord 2): k = 1.53 (2 / 1.3)^0.7 = 1.53 * 1.351950 = 2.068484
    # (by hand, a = 1.53, _EARLY_CHORD_REF = 1.3, c = 0.7); without the chord 1.53
    (curve,) = fit_curves([_weibull_anchors(2.0)], [0.0], functools.partial(early_slope_for, "os"))
    assert curve.early_slope == pytest.approx(2.068484, abs=1e-5)
    # before t1 = 3: H(t) = H(3) (t / 3)^k, so H(1.5) / H(3) = 0.5^2.068484 = 0.238410
    h = curve.cumhaz(np.array([1.5, 3.0]))
    assert h[1] == pytest.approx(0.3**2, rel=1e-9)
    assert h[0] / h[1] == pytest.approx(0.238410, abs=1e-6)


def test_os_power_rises_with_the_chord_and_pfs_ignores_it():
    ks = [fit_curves([_weibull_anchors(s)], [0.0], functools.partial(early_slope_for, "os"))[0]
          .early_slope for s in (0.8, 1.3, 2.0, 3.0)]
    assert all(a < b for a, b in zip(ks[:-1], ks[1:], strict=True))
    assert ks[1] == pytest.approx(EARLY_SLOPES["os"][0])  # the reference chord gives a
    pfs = [fit_curves([_weibull_anchors(s)], [0.0], functools.partial(early_slope_for, "pfs"))[0]
           .early_slope for s in (0.8, 2.0)]
    assert pfs == pytest.approx([early_slope_for("pfs", 3.0)] * 2, rel=1e-12)


def test_os_chord_needs_a_span():
    # anchors within a factor 1.5 of each other (10 and 12 months) set no chord: the power a
    close = [Anchor(10.0, 0.6, "median CI lower"), Anchor(12.0, 0.5, "median")]
    (curve,) = fit_curves([close], [0.0], functools.partial(early_slope_for, "os"))
    assert curve.early_slope == EARLY_SLOPES["os"][0]


def test_pfs_power_is_steeper_the_earlier_the_first_reported_point():
    # scans: a first reported point at 2 months sits just after the first scan's drop
    ks = [early_slope_for("pfs", t) for t in (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 12.0)]
    assert all(a >= b for a, b in zip(ks[:-1], ks[1:], strict=True))
    assert ks[0] > ks[-1]
    # from 5 months on, the plain power a
    assert ks[-1] == ks[-2] == ks[-3] == EARLY_SLOPES["pfs"][0]


def test_pfs_power_formula_by_hand():
    # a (t1 / 5)^b at t1 = 2.5: 1.5 * 0.5^-0.7 = 1.5 * 2^0.7 = 1.5 * 1.6245 = 2.4368 (by hand)
    a, b = EARLY_SLOPES["pfs"]
    assert (a, b) == (1.50, -0.70)
    assert early_slope_for("pfs", 2.5) == pytest.approx(2.4368, abs=1e-3)


def test_power_stays_in_the_extrapolation_range():
    assert early_slope_for("pfs", 0.01) == 4.0


def test_curve_before_the_first_point_follows_the_power():
    # H(t) = H(t1) (t / t1)^k before t1: the ratio H(t1/2) / H(t1) is 2^-k
    anchors = [Anchor(2.0, 0.8, "S(2)"), Anchor(6.0, 0.5, "median"), Anchor(12.0, 0.3, "S(12)")]
    k = early_slope_for("pfs", 2.0)
    (curve,) = fit_curves([anchors], [0.0], lambda t1, chord: early_slope_for("pfs", t1, chord))
    assert curve.early_slope == pytest.approx(k)
    h = curve.cumhaz(np.array([1.0, 2.0]))
    assert h[1] == pytest.approx(-math.log(0.8), rel=1e-9)
    assert h[0] / h[1] == pytest.approx(0.5**k, rel=1e-9)


# -- the two arms' early powers, tilted by the HR ------------------------------------------------
_CONTROL = [Anchor(3.0, 0.85, "S(3)"), Anchor(8.0, 0.5, "median"), Anchor(12.0, 0.35, "S(12)")]
_EXPERIMENTAL = [Anchor(3.0, 0.9, "S(3)"), Anchor(11.0, 0.5, "median"),
                 Anchor(12.0, 0.47, "S(12)")]


def test_hr_tilts_the_early_powers_apart_from_the_shared_one():
    # HR 0.5: the control arm (hazard ratio 2^(1/2) against the arms' geometric mean) gets
    # 1.45 * 2^(0.5 / 2) = 1.45 * 1.189207 = 1.72435, the experimental arm 1.45 / 1.189207 =
    # 1.21930 (by hand, _EARLY_HR_TILT = 0.5); the old rule gave both 1.45
    curves = fit_curves([_CONTROL, _EXPERIMENTAL], [0.0, math.log(0.5)], 1.45)
    assert [c.early_slope for c in curves] == pytest.approx([1.72435, 1.21930], abs=1e-5)
    # and the curve before the shared first time t1 = 3 is H(t1) (t / t1)^k for each arm
    for c, anchors in zip(curves, (_CONTROL, _EXPERIMENTAL), strict=True):
        h = c.cumhaz(np.array([1.5, 3.0]))
        assert h[1] == pytest.approx(-math.log(anchors[0].survival), rel=1e-9)
        assert h[0] / h[1] == pytest.approx(0.5**c.early_slope, rel=1e-9)


def test_no_tilt_without_an_hr_or_at_hr_one():
    for log_hr in ([0.0, None], [0.0, 0.0]):
        curves = fit_curves([_CONTROL, _EXPERIMENTAL], log_hr, 1.45)
        assert [c.early_slope for c in curves] == [1.45, 1.45]
    # a single arm has no other arm to be closer to
    (curve,) = fit_curves([_CONTROL], [0.0], 1.45)
    assert curve.early_slope == 1.45


def test_tilt_is_symmetric_in_the_arms_and_stays_in_range():
    # swapping the arms (HR 2 with the experimental arm first) swaps the powers
    a = fit_curves([_CONTROL, _EXPERIMENTAL], [0.0, math.log(0.5)], 1.45)
    b = fit_curves([_EXPERIMENTAL, _CONTROL], [0.0, math.log(2.0)], 1.45)
    assert [c.early_slope for c in a] == pytest.approx([c.early_slope for c in b[::-1]])
    # a power at the range's edge stays there
    curves = fit_curves([_CONTROL, _EXPERIMENTAL], [0.0, math.log(0.2)], 4.0)
    assert curves[0].early_slope == 4.0


# -- between the arm's own anchors ----------------------------------------------------------
def _curve(anchors):
    (curve,) = fit_curves([anchors], [0.0], 1.5)
    return curve


def test_weibull_points_give_the_weibull_between_them():
    # S(t) = exp(-(t / 10)^1.3): a straight line on the log-log scale, bend or no bend
    times = (3.0, 6.0, 10.0, 18.0)
    anchors = [Anchor(t, math.exp(-((t / 10) ** 1.3)), f"S({t:g})") for t in times]
    t = np.linspace(3.5, 17.5, 15)
    assert _curve(anchors).survival(t) == pytest.approx(np.exp(-((t / 10) ** 1.3)), abs=1e-9)


def test_between_anchors_only_a_share_of_the_bend(monkeypatch):
    # points on a bent log-log curve: between two anchors the curve sits at the chord plus
    # _CURVATURE of the way to the whole-bend curve
    from lmssurv.reconstruct import shape

    anchors = [Anchor(2.0, 0.9, "S(2)"), Anchor(6.0, 0.5, "median"), Anchor(12.0, 0.35, "S(12)"),
               Anchor(24.0, 0.3, "S(24)")]
    x = np.log(np.array([3.0, 9.0, 17.0]))
    curve = _curve(anchors)
    part, share = curve._y(x), shape._CURVATURE
    monkeypatch.setattr(shape, "_CURVATURE", 1.0)
    whole = _curve(anchors)._y(x)
    chord = np.interp(x, [a.x for a in anchors], [a.y for a in anchors])
    assert not np.allclose(whole, chord, atol=1e-3)  # the baseline does bend here
    assert part == pytest.approx(chord + share * (whole - chord), abs=1e-9)
    # and the curve still passes through every anchor
    for a in anchors:
        assert curve.survival(a.time) == pytest.approx(a.survival, abs=1e-9)


# -- past the last anchor --------------------------------------------------------------------
def test_tail_hazard_is_the_last_stretch_times_theta():
    # H(t) = H(t*) + theta h* (t - t*) past the last anchor t* = 12, h* the hazard of the last
    # reported stretch (6 -> 12 months here): H(24) - H(12) = theta h* 12, H(48) - H(24) twice that
    anchors = [Anchor(3.0, 0.9, "S(3)"), Anchor(6.0, 0.7, "S(6)"), Anchor(12.0, 0.45, "S(12)")]
    curve = _curve(anchors).with_theta(0.8)
    h = curve.cumhaz(np.array([12.0, 24.0, 48.0]))
    assert h[0] == pytest.approx(-math.log(0.45), rel=1e-9)
    assert curve.tail_hazard == pytest.approx((math.log(0.7) - math.log(0.45)) / 6.0, rel=1e-9)
    step = 0.8 * curve.tail_hazard * 12.0
    assert np.diff(h) == pytest.approx([step, 2 * step], rel=1e-9)


def test_tail_shift_keeps_the_curve_monotone():
    # the HR match shifts each arm's tail by at most 0.75 either way (from_summary._PHI_MAX / 2)
    from lmssurv.reconstruct.from_summary import _PHI_MAX

    anchors = [Anchor(3.0, 0.9, "S(3)"), Anchor(6.0, 0.7, "S(6)"), Anchor(12.0, 0.45, "S(12)")]
    for phi in (-_PHI_MAX / 2, _PHI_MAX / 2):
        assert _curve(anchors).with_shifts(phi, 0.0).is_monotone(500.0)
