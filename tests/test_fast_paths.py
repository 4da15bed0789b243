"""The engine's shortcuts for speed give the numbers of the plain computations, to the last bit.

Each reference here is the straightforward computation the shortcut replaced, written out in the
test (the expected events as one formula over the whole grid, the curve's inverse by bisection
over the whole reversed table, the cumulative hazard with both parts computed everywhere and one
picked by ``np.where``): a shortcut that reorders or skips an operation fails on ``==``.
"""

from __future__ import annotations

import bisect
import math

import numpy as np
import pytest

from lmssurv import ArmSummary, HazardRatio
from lmssurv.reconstruct.censoring import FollowUpModel
from lmssurv.reconstruct.ensemble import _CurveTable, _DrawnCurve
from lmssurv.reconstruct.from_summary import fit_pieces
from lmssurv.reconstruct.patients import _TAIL_POINTS, _Inverse, _TailEvents, expected_events

CONTROL = ArmSummary(n=76, events=60, median=24.0, median_ci=(19.0, 31.0), landmarks={24: 0.49},
                     median_follow_up=55.0, label="Doxorubicin")
EXPERIMENTAL = ArmSummary(n=74, events=47, median=33.0, median_ci=(26.0, 48.0),
                          landmarks={24: 0.68}, median_follow_up=55.0, label="Trabectedin")


@pytest.fixture(scope="module")
def curves():
    _, _, _, pieces = fit_pieces([CONTROL, EXPERIMENTAL], HazardRatio(0.65, 0.44, 0.95),
                                 seed=np.random.SeedSequence(0))
    fits = [p[0] for p in pieces]
    plain = [f.curve for f in fits]
    shifted = [c.with_shifts(0.4, 0.3) for c in plain] + [c.with_shifts(-0.6, 0.0)
                                                           for c in plain]
    rng = np.random.default_rng(1)
    drawn = []
    for c in plain:
        grid_x = np.linspace(math.log(c.tail_start * 1e-3), math.log(c.tail_start * 50), 160)
        drawn.append(_DrawnCurve(c, _CurveTable.of(c), grid_x,
                                 0.2 * np.cumsum(rng.standard_normal(160)) / 12.0))
        # a deviation falling faster than log H rises: S rises there (the guards' case)
        dip = -2.0 * np.clip((grid_x - grid_x[80]) / 0.5, 0.0, 1.0)
        drawn.append(_DrawnCurve(c, _CurveTable.of(c), grid_x, dip))
    return plain + shifted + drawn, fits[0].follow_up


def _events_plain(curve, follow_up: FollowUpModel, n: int, t_max: float, theta: float) -> float:
    base = curve.with_theta(1.0)
    t = np.linspace(0.0, t_max, _TAIL_POINTS)
    # the expected events of the curve's non-decreasing envelope (a drawn curve may dip)
    h = np.maximum.accumulate(base.cumhaz(t))
    h_star = float(base.cumhaz(np.array([curve.tail_start]))[0])
    h = np.where(t > curve.tail_start, h_star + theta * np.maximum(h - h_star, 0.0), h)
    g = follow_up.survival(t)
    return float(n * np.sum((g[1:] + g[:-1]) / 2 * np.diff(-np.expm1(-h))))


def test_tail_events_keep_nothing_that_changes_the_sum(curves):
    """The root finders alternate multipliers and follow-up models; whatever the order, each
    value is the one-formula value (kept parts are reused only when still valid)."""
    cs, fu = curves
    models = [fu, fu.with_lower(fu.knots[0] * 1.3), fu.with_loss(0.01), fu.scaled(1.2)]
    t_max = max(m.longest for m in models)
    for curve in cs:
        tail = _TailEvents(curve, 76, t_max)
        for k, (theta, m) in enumerate([(1.0, 0), (0.7, 0), (0.7, 1), (2.5, 1), (2.5, 2),
                                        (0.02, 3), (1.0, 0), (1.0, 2), (50.0, 2), (0.7, 0)]):
            got = tail(theta, models[m])
            assert got == _events_plain(curve, models[m], 76, t_max, theta), (k, theta, m)


def test_tail_events_moving_only_the_follow_up_start_recomputes_what_it_changes(curves):
    """The calibration's root finder on the shortest potential follow-up: each call moves only
    the first knot (G changes between the lower of two starts and the next knot, and is kept
    elsewhere); with and without loss, starts moving up and down, to the grid's first point
    and next to the second knot, then other changes in between."""
    cs, fu = curves
    k0, k1 = fu.knots[0], fu.knots[1]
    starts = [k0, k0 * 1.3, k0 * 0.5, 0.0, k1 * 0.999, k0 * 0.97, k1 * 0.5, k0]
    for curve in cs:
        for base in (fu, fu.with_loss(0.02)):
            t_max = base.longest
            tail = _TailEvents(curve, 76, t_max)
            for k, start in enumerate(starts):
                model = base.with_lower(start)
                theta = (1.0, 0.8)[k % 2]
                got = tail(theta, model)
                assert got == _events_plain(curve, model, 76, t_max, theta), (k, start)
            other = base.with_loss(base.loss + 0.01).with_lower(k0 * 0.8)
            assert tail(1.0, other) == _events_plain(curve, other, 76, t_max, 1.0)
            back = base.with_lower(k0 * 1.1)
            assert tail(1.0, back) == _events_plain(curve, back, 76, t_max, 1.0)


def test_expected_events_theta_argument_is_with_theta(curves):
    cs, fu = curves
    for curve in cs:
        for f in (0.5, 2.0):
            assert expected_events(curve, fu, 76, theta=curve.theta * f) == _events_plain(
                curve.with_theta(curve.theta * f), fu, 76, fu.longest, curve.theta * f)


def test_expected_events_of_a_dipping_drawn_curve_stay_in_range(curves):
    """A drawn curve whose log H falls past the tail start (the dip curves): more tail hazard
    never gives fewer expected events, and none is below 0 or above n. Before the envelope a
    multiplier of 2 gave -5.1 expected events in a 1,539-patient kmdata arm (NSABPB35_3,
    ensemble draw 23), and the placement crashed on a negative event count."""
    cs, fu = curves
    dips = []
    for c in cs[:2]:  # the plain fitted curves, log H falling by 2 just after the tail start
        grid_x = np.linspace(math.log(c.tail_start * 1e-3), math.log(c.tail_start * 50), 160)
        dev = -2.0 * np.clip((grid_x - math.log(c.tail_start * 1.05)) / 0.3, 0.0, 1.0)
        dips.append(_DrawnCurve(c, _CurveTable.of(c), grid_x, dev))
        h = dips[-1].cumhaz(np.linspace(c.tail_start, fu.longest, 400))
        assert np.any(h < h[0])  # the dip is real: H falls below H(t*)
    for curve in dips:
        values = [expected_events(curve, fu, 76, theta=f) for f in (0.0, 0.5, 1.0, 2.0, 8.0, 50.0)]
        assert all(0.0 <= v <= 76.0 for v in values), values
        assert values == sorted(values), values


def test_inverse_is_the_bisection_over_the_whole_table(curves):
    """Levels answered on the head of the grid and past it (a short ``t_max`` puts most of
    the curve past the head), in falling order as the placement asks and shuffled."""
    cs, _ = curves
    levels = np.concatenate([np.linspace(1.0, 0.0, 997), [1.5, 1e-9, 0.999999, 0.5]])
    shuffled = np.random.default_rng(5).permutation(levels)
    cases = [(curve, t_max, order) for curve in cs
             for t_max, order in ((curve.tail_start * 3 + 1.0, levels),
                                  (curve.tail_start * 0.15 + 0.05, levels),
                                  (curve.tail_start * 1.2, shuffled))]
    for curve, t_max, order in cases:
        inv = _Inverse(curve, t_max)
        t = t_max * np.concatenate([[0.0], np.geomspace(1e-5, 20.0, 4000)])
        s = np.minimum.accumulate(curve.survival(t))
        s_up, t_up = s[::-1].tolist(), t[::-1].tolist()
        for level in np.concatenate([order, s[::41]]).tolist():  # table levels: ties
            if level < s_up[0]:
                want = math.inf
            else:
                j = bisect.bisect_left(s_up, level)
                if j == 0:
                    want = t_up[0]
                elif j >= len(s_up):
                    want = t_up[-1]
                else:
                    s0, s1 = s_up[j - 1], s_up[j]
                    w = (level - s0) / (s1 - s0) if s1 > s0 else 0.0
                    want = t_up[j - 1] + w * (t_up[j] - t_up[j - 1])
            assert inv(level) == want, level


def test_cumhaz_parts_equal_the_where_of_both(curves):
    """Each part of the cumulative hazard computed on its own points only equals both parts
    computed on every point with the right one picked (the curve's scalar path does that)."""
    cs, _ = curves
    for curve in cs:
        t = np.concatenate([[0.0], np.geomspace(curve.tail_start * 1e-4,
                                                curve.tail_start * 30, 301)])
        whole = curve.cumhaz(t)
        one_by_one = np.array([float(curve.cumhaz(np.float64(x))) for x in t])
        np.testing.assert_array_equal(whole, one_by_one)


def test_km_levels_2d_sort_of_packed_keys_is_the_stable_argsort():
    """The polish's batched Kaplan-Meier (``km_levels`` on 2-D times): sorted times and events
    (events first at equal times) from one integer sort equal those of two stable argsorts
    and their gathers."""
    from lmssurv.km import km_levels

    rng = np.random.default_rng(0)
    for k in range(60):
        n, rows = int(rng.integers(2, 200)), int(rng.integers(1, 30))
        times = np.repeat(np.round(rng.exponential(10, n), k % 3)[None], rows, axis=0)
        for i in range(rows):  # candidates: one or two patients moved (ties on purpose)
            times[i, rng.integers(0, n, 2)] = np.round(rng.exponential(10, 2), 1)
        times[:, 0] = 0.0 if k % 4 == 0 else times[:, 0]
        event = (rng.uniform(size=n) < 0.6).astype(np.int8)
        first = np.argsort(1 - event, kind="stable")
        t = times[:, first]
        order = np.argsort(t, axis=1, kind="stable")
        t = np.take_along_axis(t, order, axis=1)
        e = event[first].astype(float)[order]
        km = np.cumprod(1.0 - e / (n - np.arange(n, dtype=float)), axis=1)
        got_t, got_e, _, got_km = km_levels(times, event)
        np.testing.assert_array_equal(got_t, t)
        np.testing.assert_array_equal(got_e, e)
        np.testing.assert_array_equal(got_km, km)


def test_match_hazard_ratio_given_the_unbent_fit_is_the_one_that_fits_it():
    """The ensemble passes the Cox log HR it has just fitted on the unbent draw; the bend is
    then the one found when ``match_hazard_ratio`` fits it itself (times, HR and power)."""
    from lmssurv.cox import cox_two_arms
    from lmssurv.reconstruct.hr_match import intervals, match_hazard_ratio

    rng = np.random.default_rng(3)
    bent = 0
    for _ in range(20):
        t0, t1 = np.round(rng.exponential(20, 70), 2), np.round(rng.exponential(28, 70), 2)
        e0, e1 = (rng.uniform(size=70) < 0.7).astype(np.int8), (
            rng.uniform(size=70) < 0.6).astype(np.int8)
        regions = [intervals((10.0, 24.0), float(t.max())) for t in (t0, t1)]
        stages = [([r[-1:] for r in regions], 2.5), ([r[:-1] for r in regions], 0.5)]
        hr = float(rng.uniform(0.4, 1.2))
        plain = match_hazard_ratio((t0, t1), (e0, e1), stages, hr, 0.004)
        given = match_hazard_ratio((t0, t1), (e0, e1), stages, hr, 0.004,
                                   unbent_log_hr=cox_two_arms(t0, e0, t1, e1).log_hr)
        assert (given.hr, given.log_power, given.hit) == (plain.hr, plain.log_power, plain.hit)
        for a, b in zip(given.times, plain.times, strict=True):
            np.testing.assert_array_equal(a, b)
        bent += plain.log_power != 0.0
    assert bent >= 10  # the stages ran, not only the unbent fit


def _cox_plain(time, event, group) -> tuple[float, float]:
    """The Efron fit as written before its shortcuts: every row sorted, tie-closed risk sets
    by cumulative sums, the tie fractions always applied, fresh arrays each Newton step."""
    t = np.asarray(time, dtype=float)
    d = np.asarray(event, dtype=float)
    z = np.asarray(group, dtype=float)
    order = np.argsort(-t, kind="stable")
    t, d, z = t[order], d[order], z[order]
    last_of_tie = np.append(t[1:] != t[:-1], True)
    ends = np.nonzero(last_of_tie)[0]
    tie_end = ends[np.searchsorted(ends, np.arange(t.size))]
    n1 = np.cumsum(z)[tie_end]
    n0 = np.cumsum(1.0 - z)[tie_end]
    ev = d > 0
    if not ev.any():
        return math.nan, math.nan
    t_ev, z_ev = t[ev], z[ev]
    key = np.unique(t_ev, return_inverse=True)[1]
    first = np.append(True, key[1:] != key[:-1])
    d_all = np.bincount(key)
    d_one = np.bincount(key, weights=z_ev)
    start = np.maximum.accumulate(np.where(first, np.arange(key.size), 0))
    frac = (np.arange(key.size) - start) / d_all[key]
    r1 = n1[ev] - frac * d_one[key]
    r0 = n0[ev] - frac * (d_all - d_one)[key]
    if z_ev.sum() == 0 or z_ev.sum() == z_ev.size:
        return math.nan, math.nan
    beta, info = 0.0, math.nan
    for _ in range(60):
        w = r1 * math.exp(beta)
        p = w / (w + r0)
        score = float((z_ev - p).sum())
        info = float((p * (1.0 - p)).sum())
        if not info > 0:
            return math.nan, math.nan
        step = score / info
        beta += min(max(step, -1.0), 1.0)
        if abs(step) < 1e-10:
            break
    return beta, 1.0 / math.sqrt(info)


def test_cox_shortcuts_are_the_plain_efron_fit():
    """``cox_two_arms`` (event rows only, numbers at risk from each arm's sorted times, no tie
    fractions when no event times tie, Newton buffers reused) and ``cox_two_group`` give the
    plain fit's numbers to the bit: continuous times, heavy ties (rounded), zeros, one arm
    without events, int8 and bool events."""
    from lmssurv.cox import cox_two_arms, cox_two_group

    rng = np.random.default_rng(11)
    checked = 0
    for k in range(400):
        n0, n1 = int(rng.integers(1, 160)), int(rng.integers(1, 160))
        decimals = (None, 0, 1, 2)[k % 4]
        t0, t1 = rng.exponential(20, n0), rng.exponential(26, n1)
        if decimals is not None:
            t0, t1 = np.round(t0, decimals), np.round(t1, decimals)
        if k % 9 == 0:
            t0[: min(3, n0)] = 0.0
        e0 = rng.uniform(size=n0) < rng.uniform(0.0 if k % 13 == 0 else 0.3, 1.0)
        e1 = (rng.uniform(size=n1) < rng.uniform(0.3, 1.0)).astype(np.int8)
        want = _cox_plain(np.concatenate([t0, t1]), np.concatenate([e0, e1]),
                          np.concatenate([np.zeros(n0), np.ones(n1)]))
        for r in (cox_two_arms(t0, e0, t1, e1),
                  cox_two_group(np.concatenate([t0, t1]), np.concatenate([e0, e1]),
                                np.concatenate([np.zeros(n0), np.ones(n1)]))):
            got = (r.log_hr, r.se)
            assert all(a == b or (math.isnan(a) and math.isnan(b))
                       for a, b in zip(got, want, strict=True)), (k, got, want)
        checked += math.isfinite(want[0])
    assert checked >= 300  # most fits converge (the degenerate ones give nan on both sides)


def test_all_hit_given_the_landmark_checks_levels_is_the_same_decision():
    """The draw loop hands ``_all_hit`` the Kaplan-Meier levels its landmark check computed on
    the same times; the decision is the one ``_all_hit`` reaches computing them itself."""
    import warnings

    from lmssurv import reconstruct_ensemble
    from lmssurv.km import km_levels
    from lmssurv.reconstruct.ensemble import _all_hit

    hr = HazardRatio(0.65, 0.44, 0.95)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ens = reconstruct_ensemble(CONTROL, EXPERIMENTAL, hr=hr, draws=30, seed=4)
    decisions = set()
    for d, g in ens.groupby("draw"):
        parts = [(g.loc[g["arm"] == a.label, "time"].to_numpy(),
                  g.loc[g["arm"] == a.label, "event"].to_numpy().astype(np.int8))
                 for a in (CONTROL, EXPERIMENTAL)]
        if d % 3 == 0:  # a third shrunk off their median, so both decisions are seen
            parts[0] = (parts[0][0] * 0.8, parts[0][1])
        plain = _all_hit([CONTROL, EXPERIMENTAL], parts, hr, None)
        levels = [km_levels(t, e) for t, e in parts]
        assert _all_hit([CONTROL, EXPERIMENTAL], parts, hr, None, levels) == plain
        assert _all_hit([CONTROL, EXPERIMENTAL], parts, hr, None, [None, levels[1]]) == plain
        decisions.add(plain)
    assert decisions == {True, False}


def test_inverse_of_reuses_only_the_same_curve_and_t_max(curves):
    """``_Inverse.of`` hands back the last inverse only for the same curve object and the same
    ``t_max``; its answers are a fresh inverse's whatever was asked of it before."""
    cs, _ = curves
    levels = np.linspace(0.999, 0.001, 301).tolist()
    a = _Inverse.of(cs[0], 70.0)
    assert _Inverse.of(cs[0], 70.0) is a
    b = _Inverse.of(cs[0], 70.5)
    assert b is not a and _Inverse.of(cs[1], 70.5) is not b
    for curve in (cs[0], cs[-1]):
        first = _Inverse.of(curve, 55.0)
        got = [first(x) for x in levels[::-1]]  # rising levels: the whole table built first
        again = _Inverse.of(curve, 55.0)
        assert again is first
        fresh = _Inverse(curve, 55.0)
        assert [again(x) for x in levels] == [fresh(x) for x in levels]
        assert got == [fresh(x) for x in levels[::-1]]


def test_cumhaz_on_sorted_times_is_the_masked_computation(curves):
    """The drawn curve computes the parts on slices when the late times are a suffix (the
    engine's sorted grids); the same times shuffled take the masked path, one by one the
    scalar path: all three agree to the bit, with times at 0, at the tail start, all early and
    all late."""
    cs, _ = curves
    rng = np.random.default_rng(8)
    for curve in cs:
        ts = curve.tail_start
        grids = [np.concatenate([[0.0], np.geomspace(ts * 1e-4, ts * 30, 301)]),
                 np.concatenate([[0.0, 0.0], np.linspace(ts * 0.01, ts, 50), [ts, ts * 1.5]]),
                 np.linspace(0.0, ts, 40), np.linspace(ts * 1.01, ts * 9, 40),
                 np.array([ts * 2.0])]
        for t in grids:
            got = curve.cumhaz(t)
            perm = rng.permutation(t.size)
            np.testing.assert_array_equal(curve.cumhaz(t[perm]), got[perm])
            one_by_one = np.array([float(curve.cumhaz(np.float64(x))) for x in t])
            np.testing.assert_array_equal(got, one_by_one)


def test_tail_events_memo_answers_each_model_and_multiplier_apart(curves):
    """Values asked again are remembered per (multiplier, follow-up model object): a model
    equal in its fields but another object, the same multiplier with another model and the
    same model with another multiplier each get their own one-formula value."""
    cs, fu = curves
    twin = fu.with_loss(fu.loss)  # equal fields, another object
    other = fu.with_loss(0.02)
    for curve in cs[::2]:
        tail = _TailEvents(curve, 76, fu.longest)
        for theta, m in [(0.7, fu), (0.7, other), (0.7, fu), (1.3, fu), (0.7, twin),
                         (1.3, other), (0.7, other), (1.3, fu)]:
            assert tail(theta, m) == _events_plain(curve, m, 76, fu.longest, theta)


def test_curve_derivative_cache_is_the_derivative_of_its_own_coefficients(curves):
    """``ArmCurve._g`` reads its slope from coefficients computed once per curve; a curve made
    from another (``replace``, ``with_theta``) with other coefficients has its own."""
    from dataclasses import replace

    cs, _ = curves
    poly = np.polynomial.polynomial
    for curve in cs[:2]:
        base = replace(curve, anchor_x=(), anchor_delta=(), offset=0.0)
        for c in (base, replace(base, coef=tuple(2.0 * k for k in base.coef)),
                  replace(base, coef=base.coef[:2])):
            lo, hi = c.x_range
            x = np.linspace(lo - 1.0, hi + 1.0, 50)
            c.cumhaz(np.exp(x))  # the cache filled first
            xc = np.clip(x, lo, hi)
            slope = np.clip(poly.polyval(xc - c.x0, poly.polyder(c.coef)), 0.25, 4.0)
            assert c.early_slope is not None  # the engine sets it (EARLY_SLOPES)
            slope = np.where(x < lo, c.early_slope, slope)
            want = poly.polyval(xc - c.x0, c.coef) + slope * (x - xc)
            np.testing.assert_array_equal(c._g(x), want)


def test_hr_match_clip_is_np_clip():
    """The bends' clip to the open interval is np.clip's: values inside, on, just past and far
    past either bound, and nan."""
    from lmssurv.reconstruct.hr_match import _clip

    rng = np.random.default_rng(2)
    for _ in range(50):
        lo = float(rng.uniform(0.0, 30.0))
        hi = lo + float(rng.exponential(10.0))
        a, b = np.nextafter(lo, hi), np.nextafter(hi, lo)
        x = np.concatenate([rng.uniform(lo - 5, hi + 5, 40), [a, b, lo, hi, math.nan,
                                                             np.nextafter(a, 0.0)]])
        np.testing.assert_array_equal(_clip(x, a, b), np.clip(x, a, b))
        assert np.array_equal(_clip(x, a, b).view(np.uint64), np.clip(x, a, b).view(np.uint64))


def test_follow_up_model_copies_are_dataclasses_replace():
    """``with_lower`` and ``with_loss`` copy the model without ``dataclasses.replace``: every
    field as ``replace`` sets it, for models with and without a start range, loss and an
    unreported follow-up, and the original untouched."""
    from dataclasses import asdict, replace

    from lmssurv.reconstruct.censoring import follow_up_model

    models = [follow_up_model(55.0, None, None, last_reported_time=24.0),
              follow_up_model(30.0, 60.0, None, last_reported_time=36.0),
              follow_up_model(40.0, None, 24.0, last_reported_time=36.0),
              follow_up_model(None, None, None, last_reported_time=12.0)]
    models.append(replace(models[0], loss=0.03))
    for fu in models:
        before = asdict(fu)
        for lower in (0.0, fu.knots[0] * 1.7 + 0.1):
            got = fu.with_lower(lower)
            want = replace(fu, knots=(lower, *fu.knots[1:]), how=(
                f"{fu.how}; shortest follow-up {lower:.3g} (from the event count)"))
            assert type(got) is FollowUpModel and asdict(got) == asdict(want) and got == want
        for loss in (0.0, 0.012, 2):
            got = fu.with_loss(loss)
            assert asdict(got) == asdict(replace(fu, loss=float(loss)))
            assert type(got.loss) is float
        assert asdict(fu) == before


def _drawn_on_shared_grids(c, seed):
    """A drawn curve whose table has the grids an ensemble arm shares registered."""
    from lmssurv.reconstruct.patients import censoring_grid, inverse_grids, tail_grid

    rng = np.random.default_rng(seed)
    grid_x = np.linspace(math.log(c.tail_start * 1e-3), math.log(c.tail_start * 50), 160)
    table = _CurveTable.of(c)
    grids = [tail_grid(97.0, float(c.tail_start))[1], censoring_grid(97.0)[1],
             *inverse_grids(2 * 97.0 + 1.0),
             np.linspace(0.0, c.tail_start * 0.9, 50),  # all before the tail start
             np.linspace(c.tail_start * 1.01, c.tail_start * 4, 50)]  # all after it
    for t in grids:
        table.register(t)
    dev = 0.3 * np.cumsum(rng.standard_normal(160)) / 12.0
    return _DrawnCurve(c, table, grid_x, dev), grids


def test_drawn_curve_on_a_registered_grid_is_its_cumhaz_anywhere(curves):
    """On the grids an ensemble arm shares, the drawn curve's cumulative hazard and survival
    (the fitted parts tabulated once, the deviation's exp once per draw, the products in
    place) equal those on a copy of the same times (the plain path), to the bit: several
    multipliers and tail hazards in turn (the tabulated deviation reused), times at 0, all
    before and all after the tail start."""
    from dataclasses import replace

    cs, _ = curves
    for k, c in enumerate(cs[:2] + cs[2:6:3]):
        drawn, grids = _drawn_on_shared_grids(c, k)
        for theta, factor in ((1.0, 1.0), (0.3, 1.7), (7.5, 0.6), (1.0, 1.0)):
            cur = _DrawnCurve(replace(c, tail_hazard=c.tail_hazard * factor), drawn._table,
                              drawn._grid_x, drawn._dev, drawn._on_grids).with_theta(theta)
            for t in grids:
                np.testing.assert_array_equal(cur.cumhaz(t), cur.cumhaz(t.copy()))
                np.testing.assert_array_equal(cur.survival(t), np.exp(-cur.cumhaz(t.copy())))
        assert len(drawn._on_grids) == len(grids)  # the deviation tabulated once per grid


def test_tail_events_cut_at_the_follow_up_are_the_sum_over_that_part(curves):
    """An expected-events grid shared by an ensemble's draws, cut after its first point at or
    past the longest follow-up: the one-formula sum over the points kept (where the terms
    after are 0: the same value up to the order of a pairwise sum), for follow-up models
    ending well within the grid, at its end, and with the tail start past the cut."""
    from dataclasses import replace

    cs, fu = curves
    t_max = fu.longest * 1.6
    for curve in cs:
        for model in (fu, fu.with_loss(0.02), fu.with_lower(fu.knots[0] * 1.2),
                      replace(fu, knots=tuple(k * 1.6 for k in fu.knots))):
            tail = _TailEvents(curve, 76, t_max, until=model.longest)
            t = np.linspace(0.0, t_max, _TAIL_POINTS)
            m = max(int(np.searchsorted(t, model.longest)) + 1,
                    int(np.count_nonzero(t <= curve.tail_start)) + 1)
            assert tail.t.size == min(m, t.size) and tail.t[-1] >= model.longest
            for theta in (1.0, 0.4, 3.0):
                got = tail(theta, model)
                full = _events_plain(curve, model, 76, t_max, theta)
                assert got == pytest.approx(full, rel=1e-12, abs=1e-12)
                assert got == _events_prefix(curve, model, 76, t_max, theta, tail.t.size)
        short = replace(fu, knots=(1.0, 2.0, curve.tail_start * 0.5))  # ends before t*
        tail = _TailEvents(curve, 76, t_max, until=short.longest)
        assert tail(1.0, short) == pytest.approx(
            _events_plain(curve, short, 76, t_max, 1.0), rel=1e-12, abs=1e-12)


def _events_prefix(curve, follow_up, n, t_max, theta, m):
    """_events_plain's formula over the first ``m`` points of its grid only."""
    base = curve.with_theta(1.0)
    t = np.linspace(0.0, t_max, _TAIL_POINTS)
    h = np.maximum.accumulate(base.cumhaz(t))[:m]
    h_star = float(base.cumhaz(np.array([curve.tail_start]))[0])
    h = np.where(t[:m] > curve.tail_start, h_star + theta * np.maximum(h - h_star, 0.0), h)
    g = follow_up.survival(t[:m])
    return float(n * np.sum((g[1:] + g[:-1]) / 2 * np.diff(-np.expm1(-h))))


def test_censoring_times_on_a_shared_grid_are_those_of_the_whole_grid(curves):
    """Censoring times on a grid longer than the follow-up (an ensemble's per arm), computed
    up to its first point at or past the longest follow-up: those of the plain computation
    over the whole grid (G is 0 after that point), to the bit, for plain and drawn curves."""
    from lmssurv.reconstruct.patients import censoring_times

    cs, fu = curves
    u = (np.arange(40) + np.random.default_rng(3).uniform(0.05, 0.95, 40)) / 40
    for k, c in enumerate(cs[:2]):
        drawn, _ = _drawn_on_shared_grids(c, k)
        for curve in (c, drawn):
            for model in (fu, fu.with_loss(0.03), fu.with_lower(fu.knots[0] * 1.4)):
                grid = np.linspace(0.0, 97.0, 1601)
                g = model.survival(grid)
                g[-1] = 0.0
                w = np.maximum(-np.diff(g), 0.0) * curve.survival(0.5 * (grid[1:] + grid[:-1]))
                cum = np.concatenate([[0.0], np.cumsum(w)])
                want = np.interp(u * cum[-1], cum, grid)
                np.testing.assert_array_equal(censoring_times(curve, model, u, 97.0), want)


def test_shared_grids_are_the_plain_grids_and_kept_while_used():
    """The grids shared by identity are the products and linspaces the plain code forms, the
    same objects when asked again, and a grid used all along stays when many others pass."""
    from lmssurv.reconstruct.patients import (
        _GRIDS_KEPT,
        _INVERSE_GRID,
        _INVERSE_HEAD,
        inverse_grids,
        tail_grid,
    )

    head, rest = inverse_grids(123.4)
    np.testing.assert_array_equal(head, 123.4 * _INVERSE_GRID[:_INVERSE_HEAD])
    np.testing.assert_array_equal(rest, 123.4 * _INVERSE_GRID[_INVERSE_HEAD:])
    t, at, k = tail_grid(80.0, 31.0)
    np.testing.assert_array_equal(t, np.linspace(0.0, 80.0, _TAIL_POINTS))
    assert k == np.count_nonzero(t <= 31.0) and at[k] == 31.0
    np.testing.assert_array_equal(np.delete(at, k), t)
    for j in range(3 * _GRIDS_KEPT):
        inverse_grids(1.0 + j)  # others pass
        assert inverse_grids(123.4)[0] is head  # kept while used
