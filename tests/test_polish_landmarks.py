"""The landmark polish of the summary engine (``patients.polish_landmarks``).

KM levels are recomputed with lifelines' KaplanMeierFitter, independently of lmssurv's km module.
"""

from __future__ import annotations

import numpy as np
from lifelines import KaplanMeierFitter

from lmssurv.reconstruct.diagnostics import landmark_tolerance
from lmssurv.reconstruct.patients import across_landmark, polish_landmarks


def _km_at(time, event, when) -> float:
    with np.errstate(all="ignore"):  # lifelines calls np.seterr; keep the global state
        km = KaplanMeierFitter().fit(time, event)
    return float(km.survival_function_at_times(when).iloc[0])


def test_events_moved_across_one_landmark_do_not_tie():
    # 30 patients, events at 1..20, censorings at 25..34: S(10.5) = 20/30. A published 0.600
    # needs two more events by 10.5 (18/30); both are moved across it, and each lands in its
    # own gap (they once both went to 10.5 (1 - 1e-6), a tie of two events)
    time = np.r_[np.arange(1.0, 21.0), np.arange(25.0, 35.0)]
    event = np.r_[np.ones(20, int), np.zeros(10, int)]
    assert abs(_km_at(time, event, 10.5) - 0.6) > 0.06
    out, moved = polish_landmarks(time, event, {10.5: 0.6})
    assert moved == 2
    assert abs(_km_at(out, event, 10.5) - 0.6) <= 0.01
    ev = np.sort(out[event == 1])
    assert np.min(np.diff(ev)) >= 0.1, ev
    # the events that moved keep their order with everyone else
    assert np.array_equal(np.argsort(out, kind="stable"), np.argsort(time, kind="stable"))


def test_across_landmark_lands_halfway_into_the_event_gap():
    time = np.array([1.0, 2.0, 2.5, 3.5, 4.0, 7.0])
    event = np.array([1, 1, 0, 0, 1, 0])
    # past the censoring at 3.5 to halfway between 3 and the next event, 4
    assert across_landmark(time, event, 3.0, later=True) == 3.5
    # back past the censoring at 2.5 to halfway between the last event before 3, 2, and 3
    assert across_landmark(time, event, 3.0, later=False) == 2.5
    # no event on the far side: halfway to the longest time, or to 0
    assert across_landmark(time, event, 5.0, later=True) == 6.0
    assert across_landmark(time, event, 0.5, later=False) == 0.25
    # moved out of the level at 3: up to 3 the KM (lifelines) is that of a move just across
    a, b = time.copy(), time.copy()
    a[1] = across_landmark(time, event, 3.0, later=True)
    b[1] = 3.0 + 1e-6
    for when in (0.5, 1.5, 2.2, 2.9, 3.0):
        assert _km_at(a, event, when) == _km_at(b, event, when)



def test_a_landmark_no_one_reached_is_defined_within_the_longest_follow_up():
    # 8 patients, events at 1, 2, 3, 4, 5; censorings at 3.5, 4.5, 5.5: no one is followed to
    # 6, so S(6) is undefined (the KM stops at 5.5) and the engine's tolerance is half a unit
    # of 0.23's third decimal. The arm's follow-up allows 10 months: the last censoring moves
    # to 8, halfway from the landmark; lifelines' KM at 6 is then the level after the fifth
    # event, 7/8 * 6/7 * 5/6 * 3/4 * 1/2 = 0.234375 (by hand), with one patient at risk, whose
    # half KM step (0.117) is the tolerance.
    time = np.array([1.0, 2.0, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5])
    event = np.array([1, 1, 1, 0, 1, 0, 1, 0])
    out, moved = polish_landmarks(time, event, {6.0: 0.23}, tolerance=landmark_tolerance,
                                  longest=10.0)
    assert moved == 1 and out.max() == 8.0
    assert abs(_km_at(out, event, 6.0) - 0.234375) < 1e-12


def test_a_censoring_far_from_the_landmark_can_be_the_move():
    # 215 patients: 40 censored at 0.5 (early drop-outs), events at 1..60 (one each), 15
    # censored at 55.5 and 100 at 200. S(50.25) = prod over the 50 events of (1 - 1/r), r =
    # 175 down to 126: 125/175 = 0.714286 (by hand; the product telescopes). A published
    # 0.716 (tolerance 0.0005) needs it a little higher: one drop-out moved past 50.25 puts
    # one more at risk at each of those events, 126/176 = 0.715909. The censorings nearest the
    # landmark (at 55.5, all the polish once tried) can only lower it; the ranked moves find
    # the far one.
    time = np.r_[np.full(40, 0.5), np.arange(1.0, 61.0), np.full(15, 55.5), np.full(100, 200.0)]
    event = np.r_[np.zeros(40, int), np.ones(60, int), np.zeros(115, int)]
    assert abs(_km_at(time, event, 50.25) - 125 / 175) < 1e-12
    out, moved = polish_landmarks(time, event, {50.25: 0.716},
                                  tolerance=lambda rate, rebuilt, at_risk: 0.0005)
    assert moved == 1
    assert abs(_km_at(out, event, 50.25) - 0.716) <= 0.0005


def test_polish_hits_most_landmarks_and_keeps_the_median():
    """On arms of 76 whose published rate is within ~a KM step of the KM's, the polish (the
    one both engines run) reaches the self-check's tolerance on most, judged with lifelines,
    keeps lifelines' KM median and moves at most two patients per round (six rounds)."""
    rng = np.random.default_rng(3)
    tried = hit = 0
    for _ in range(40):
        time = np.sort(rng.exponential(30.0, 76))
        event = (rng.random(76) < 0.8).astype(np.int8)
        with np.errstate(all="ignore"):
            km = KaplanMeierFitter().fit(time, event)
        rate = round(_km_at(time, event, 24.0) + rng.normal(0, 0.01), 2)
        out, moved = polish_landmarks(time, event, {24.0: rate}, tolerance=landmark_tolerance)
        with np.errstate(all="ignore"):
            new = KaplanMeierFitter().fit(out, event)
        assert new.median_survival_time_ == km.median_survival_time_
        assert np.sum(out != time) <= moved <= 12
        s24 = _km_at(out, event, 24.0)
        tried += 1
        # the self-check's tolerance: half a unit of the third decimal or half a KM step
        hit += abs(s24 - rate) <= max(0.0005, s24 / (2 * int((out >= 24).sum()))) + 1e-9
    assert hit >= 0.8 * tried, (hit, tried)


def test_batched_round_chooses_as_scoring_one_candidate_at_a_time():
    """A polishing round scores its candidates with one batched KM; the choice is the one of
    scoring them one by one with the 1-D KM (the rule: smallest excess over the tolerance,
    then fewest moves, then the first, among those improving and keeping the median pins)."""
    from lmssurv.reconstruct.patients import _km_summary, _polish_choice

    rng = np.random.default_rng(11)
    chosen = 0
    for k in range(60):
        n = int(rng.integers(8, 120))
        time = np.round(rng.exponential(20.0, n), k % 3)
        event = (rng.random(n) < 0.7).astype(np.int8)
        lm = {float(x): float(rng.uniform(0.2, 0.9))
              for x in rng.choice([6.0, 12.0, 18.0, 24.0], int(rng.integers(1, 4)), False)}
        lm_t, lm_s = np.array(list(lm)), np.array(list(lm.values()))
        cand = np.repeat(time[None], int(rng.integers(1, 40)), axis=0)
        for row in cand:  # one or two patients moved (ties on purpose)
            row[rng.integers(0, n, int(rng.integers(1, 3)))] = np.round(
                rng.exponential(20.0, 1), 1)
        cost = rng.integers(1, 3, cand.shape[0])
        values, at_risk, pins0 = _km_summary(time, event, lm_t)
        best = float(np.max(np.abs(values - lm_s) - [landmark_tolerance(s, v, r) for s, v, r
                                                      in zip(lm_s, values, at_risk, strict=True)]))
        held = np.array([True, bool(k % 2), bool(k % 3)])
        got = _polish_choice(cand, cost, event, lm_t, lm_s, landmark_tolerance, best,
                             np.array(pins0), held)
        want = None
        for row, c in zip(cand, cost, strict=True):
            v, r, pins = _km_summary(row, event, lm_t)
            err = float(np.max(np.abs(v - lm_s) - [landmark_tolerance(s, x, y) for s, x, y
                                                    in zip(lm_s, v, r, strict=True)]))
            keeps = all(a == b or (np.isnan(a) and np.isnan(b))
                        for a, b, h in zip(pins, pins0, held, strict=True) if h)
            if keeps and err < best - 1e-12 and (want is None or (err, c) < want[0]):
                want = ((err, int(c)), row)
        assert (got is None) == (want is None), k
        if got is not None:
            chosen += 1
            assert got[0] == want[0]
            np.testing.assert_array_equal(got[1], want[1])
    assert chosen >= 20  # the comparison was exercised


def test_smallest_is_the_start_of_a_stable_sort():
    from lmssurv.reconstruct.patients import _smallest

    rng = np.random.default_rng(3)
    for k in range(200):
        values = np.round(rng.normal(size=int(rng.integers(0, 400))), k % 3)  # ties
        below, count = float(rng.normal()), int(rng.integers(1, 50))
        under = np.flatnonzero(values < below)
        want = under[np.argsort(values[under], kind="stable")][:count]
        np.testing.assert_array_equal(_smallest(values, below, count), want)
