"""The curve before the first reported point: a power of time whose exponent depends on the
endpoint and, for progression endpoints, on how early the first reported point is."""

from __future__ import annotations

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
    (curve,) = fit_curves([anchors], [0.0], lambda t1: early_slope_for("pfs", t1))
    assert curve.early_slope == pytest.approx(k)
    h = curve.cumhaz(np.array([1.0, 2.0]))
    assert h[1] == pytest.approx(-math.log(0.8), rel=1e-9)
    assert h[0] / h[1] == pytest.approx(0.5**k, rel=1e-9)
