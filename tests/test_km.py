"""The numpy Kaplan-Meier core (lmssurv.km) against lifelines and hand arithmetic."""

import math

import numpy as np
import pytest

from lmssurv.km import (
    fit_km,
    greenwood_by_row,
    half_step,
    km_at,
    km_levels,
    km_levels_moved,
    km_medians,
    km_step,
    km_table,
    loglog_band,
    median_crossings,
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
    """km_levels and km_table are one estimate (km_step is km_table's (times, surv) view, kept
    here should it ever be computed apart again); row Greenwood telescopes to the table's."""
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


# -- the median rule (km.median_crossings, km.km_medians) -----------------------------------
def test_median_at_exactly_one_half_is_the_interval_start():
    # Closed form: 24 patients, one event a month, no censoring: S(12) = 12/24 = 1/2 exactly
    # and S stays 1/2 on [12, 13). The float product (23/24)...(12/13) is 0.5000000000000001,
    # which without the MEDIAN_TOL guard would put the median at 13. R survival's documented
    # rule (?quantile.survfit) gives the midpoint 12.5 here; lmssurv takes the start, 12.
    time, event = np.arange(1.0, 25.0), np.ones(24, dtype=int)
    km = km_table(time, event)
    assert km.surv[11] != 0.5  # the rounding the guard is for
    assert median_crossings(km.times, km.surv, km.greenwood, Z95)[0] == 12.0
    t, e, _, level = km_levels(time, event)
    assert km_medians(t, e, level) == (12.0, 13.0)  # interval start and end
    t, e, _, level = km_levels([1.0, 2, 3], [1, 1, 1])  # S = 2/3, 1/3, 0: no plateau at 1/2
    assert km_medians(t, e, level) == (2.0, 2.0)


def test_median_ci_by_hand():
    # Closed form for 1, 2+, 3, 4, 5+: S = 0.8, 0.8, 0.5333, 0.2667 at 1, 3, 4 (Greenwood
    # 1/20, 1/20 + 1/6, + 1/2). Lower band at t=1: 0.8 ** exp(z sqrt(.05) / log(1/.8)) = 0.2038
    # <= 0.5, so the CI starts at 1; the upper band at 4 is 0.2667 ** exp(-z sqrt(.7167) /
    # log(1/.2667)) = 0.6861 > 0.5 and nothing follows: the upper limit is not reached.
    # (test_compare.py holds R survival's values for the aml and ovarian data.)
    km = km_table([1, 2, 3, 4, 5], [1, 0, 1, 1, 0])
    lo, hi = loglog_band(0.8, 0.05, Z95)
    assert lo == pytest.approx(0.2038, abs=1e-4)
    assert loglog_band(float(km.surv[2]), 1 / 20 + 1 / 6 + 1 / 2, Z95)[1] == pytest.approx(
        0.6861, abs=1e-4)
    out = median_crossings(km.times, km.surv, km.greenwood, Z95)
    assert out[:2].tolist() == [4.0, 1.0] and math.isnan(out[2])


@pytest.mark.parametrize("seed", [0, 4])
def test_median_rule_same_on_table_rows_and_batches(seed):
    """One rule whatever the view: the table, the rows (censorings masked out) and 2-D rows."""
    time, event = _data(seed)
    km = km_table(time, event)
    table = median_crossings(km.times, km.surv, km.greenwood, Z95)
    t, e, r, level = km_levels(time, event)
    rows = median_crossings(t, level, greenwood_by_row(e, r), Z95, is_event=e > 0)
    np.testing.assert_array_equal(rows, table)
    rng = np.random.default_rng(seed)
    batch = np.vstack([time, time + rng.uniform(0, 0.4, time.size), np.sort(time)])
    bt, be, br, blevel = km_levels(batch, event)
    out = median_crossings(bt, blevel, greenwood_by_row(be, br), Z95, is_event=be > 0)
    for k in range(batch.shape[0]):
        t1, e1, r1, l1 = km_levels(batch[k], event)
        np.testing.assert_array_equal(bt[k], t1)
        np.testing.assert_array_equal(blevel[k], l1)
        np.testing.assert_array_equal(
            out[k], median_crossings(t1, l1, greenwood_by_row(e1, r1), Z95, is_event=e1 > 0))


def _product_limit(time, event, when) -> tuple[float, int]:
    """S(when) and the number at risk there, row by row in plain Python: sorted by time with
    events first at equal times, S multiplied by 1 - 1/r at each event row, in that order."""
    rows = sorted(zip(time.tolist(), (1 - np.asarray(event)).tolist(), strict=True))
    level, n = 1.0, len(rows)
    for k, (t, censored) in enumerate(rows):
        if t > when:
            break
        if not censored:
            level *= 1.0 - 1.0 / float(n - k)
    return level, sum(t >= when for t, _ in rows)


def test_levels_moved_are_those_of_each_moved_copy_to_the_bit():
    """km_levels_moved (one censoring moved per copy, no copy sorted) gives the KM levels and
    numbers at risk of each copy as a plain product-limit loop over the copy does, to the bit
    (the polish's choice must not depend on how they were computed); ties on purpose."""
    rng = np.random.default_rng(5)
    checked = 0
    for k in range(40):
        n = int(rng.integers(5, 300))
        time = np.round(rng.exponential(20.0, n), k % 3)
        event = (rng.random(n) < 0.6).astype(np.int8)
        censored = np.flatnonzero(event == 0)
        if not censored.size:
            continue
        lm_t = np.sort(rng.choice([3.0, 6.0, 12.0, 24.0, 40.0], int(rng.integers(1, 4)),
                                  replace=False))
        rows = rng.choice(censored, int(rng.integers(1, 20)))
        to = np.round(rng.exponential(20.0, rows.size), 1)
        to[::3] = time[rows[::3]]  # some rows unmoved: the base itself
        values, at_risk = km_levels_moved(time, event, time[rows], to, lm_t)
        for c, (row, new) in enumerate(zip(rows, to, strict=True)):
            copy = time.copy()
            copy[row] = new
            for j, when in enumerate(lm_t):
                assert (values[c, j], at_risk[c, j]) == _product_limit(copy, event, when)
                checked += 1
    assert checked > 500
