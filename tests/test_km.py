"""The numpy Kaplan-Meier core (lmssurv.km) against lifelines and hand arithmetic."""

import math

import numpy as np
import pytest

from lmssurv._km import fit_km
from lmssurv.km import (
    greenwood_by_row,
    half_step,
    km_at,
    km_levels,
    km_step,
    km_table,
    loglog_band,
    rmst_with_variance,
)
from lmssurv.summary import se_log_from_ci

Z95 = 1.959963984540054


def _data(seed: int, n: int = 60):
    rng = np.random.default_rng(seed)
    time = np.round(rng.exponential(12.0, n), 0)  # whole months: many ties
    event = (rng.random(n) < 0.7).astype(int)
    return time, event


def test_table_by_hand():
    # times 1 (event), 2 (event, censored), 3 (event): at risk 4, 3, 1
    km = km_table([1.0, 2, 2, 3], [1, 1, 0, 1])
    assert km.times.tolist() == [1.0, 2.0, 3.0]
    assert km.at_risk.tolist() == [4, 3, 1]
    assert km.events.tolist() == [1, 1, 1]
    assert km.surv.tolist() == [0.75, 0.5, 0.0]
    # Greenwood: 1/(4*3) + 1/(3*2); the last term (everyone at risk dies) counts 0
    np.testing.assert_allclose(km.greenwood, [1 / 12, 1 / 12 + 1 / 6, 1 / 12 + 1 / 6])
    assert km.defined_until() == math.inf
    assert km_table([1.0, 2], [1, 0]).defined_until() == 2.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_table_and_band_match_lifelines(seed):
    """S, at risk and the log-log band against lifelines' KaplanMeierFitter (its own code)."""
    time, event = _data(seed)
    km = km_table(time, event)
    kmf = fit_km(time, event)
    table = kmf.event_table.loc[km.times]
    np.testing.assert_array_equal(km.at_risk, table["at_risk"].to_numpy())
    np.testing.assert_array_equal(km.events, table["observed"].to_numpy())
    np.testing.assert_allclose(km.surv, kmf.survival_function_.loc[km.times].to_numpy()[:, 0],
                               rtol=1e-12)
    lower, upper = loglog_band(km.surv, km.greenwood, Z95)
    ci = kmf.confidence_interval_.loc[km.times].to_numpy()
    inside = (km.surv > 0) & (km.surv < 1)
    np.testing.assert_allclose(lower[inside], ci[inside, 0], rtol=1e-9)
    np.testing.assert_allclose(upper[inside], ci[inside, 1], rtol=1e-9)


@pytest.mark.parametrize("seed", [0, 3])
def test_views_agree(seed):
    """km_step, km_levels and km_table are one estimate; row Greenwood telescopes to the table's."""
    time, event = _data(seed)
    km = km_table(time, event)
    t_ev, s_ev = km_step(time, event)
    np.testing.assert_array_equal(t_ev, km.times)
    np.testing.assert_array_equal(s_ev, km.surv)
    t, e, r, level = km_levels(time, event)
    grid = np.linspace(0, time.max(), 97)
    np.testing.assert_allclose(km_at(t, level, grid), km_at(km.times, km.surv, grid),
                               rtol=1e-12)
    g_rows = greenwood_by_row(e, r)
    last_row = np.searchsorted(t, km.times, side="right") - 1
    finite = km.surv > 0
    np.testing.assert_allclose(g_rows[last_row][finite], km.greenwood[finite], rtol=1e-12)


def test_km_at_right_continuous_and_left_limit():
    times, surv = np.array([1.0, 2.0, 3.0]), np.array([0.75, 0.5, 0.0])
    assert km_at(times, surv, [0.0, 1.0, 1.5, 2.0, 5.0]).tolist() == [1.0, 0.75, 0.75, 0.5, 0.0]
    assert km_at(times, surv, [1.0, 2.0, 3.0], left=True).tolist() == [1.0, 0.75, 0.5]
    assert km_at(np.array([]), np.array([]), [4.0]).tolist() == [1.0]


def test_band_scalar_equals_array_and_edges():
    s, g = 0.37, 0.021
    lo, hi = loglog_band(s, g, Z95)
    a_lo, a_hi = loglog_band(np.array([s]), np.array([g]), Z95)
    assert lo == pytest.approx(float(a_lo[0]), rel=1e-14)
    assert hi == pytest.approx(float(a_hi[0]), rel=1e-14)
    assert lo < s < hi
    assert loglog_band(1.0, 0.0, Z95) == (1.0, 1.0)
    assert loglog_band(0.0, 0.1, Z95) == (0.0, 0.0)
    assert loglog_band(0.4, math.inf, Z95) == (0.0, 1.0)


def test_rmst_by_hand():
    # S = 1 on [0,1), 0.8 on [1,3), 0.5333 on [3,4), 0.2667 on [4,4.5]
    est, var = rmst_with_variance(km_table([1, 2, 3, 4, 5], [1, 0, 1, 1, 0]), 4.5)
    assert est == pytest.approx(1 + 0.8 * 2 + 0.8 * 2 / 3 + 0.8 / 3 * 0.5)
    assert var > 0


def test_half_step():
    assert half_step(0.4, 20) == pytest.approx(0.01)
    assert half_step(0.4, 0) == 0.0
    assert half_step(math.nan, 10) == 0.0


def test_se_log_from_ci():
    # (log 0.95 - log 0.44) / (2 z) = (-0.051293 + 0.820981) / 3.919928, by hand
    assert se_log_from_ci(0.44, 0.95) == pytest.approx(0.769688 / 3.919928, rel=1e-5)
    wide = se_log_from_ci(0.44, 0.95, slack=0.005)
    narrow = se_log_from_ci(0.44, 0.95, slack=-0.005)
    assert narrow < se_log_from_ci(0.44, 0.95) < wide
    assert wide == pytest.approx((math.log(0.955) - math.log(0.435)) / (2 * Z95))
    assert se_log_from_ci(0.001, 0.95, slack=0.005) == pytest.approx(
        (math.log(0.955) - math.log(1e-12)) / (2 * Z95))
