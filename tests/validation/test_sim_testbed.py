"""The simulated test bed itself: fixed, of the kinds issue 9 names, censored unlike the engine.

Each kind's defining property is checked on the drawn data (event shares, arm sizes, early
losses, staggered cut-offs), so a kind that silently degenerated into the engine's own
follow-up model (uniform entry, one cut-off) would fail here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from kmdata_testbed import run
from sim_testbed import KINDS, _cens_ramp, _cens_staggered, simulated_cases
from summary_testbed import km_at, km_steps


@pytest.fixture(scope="module")
def cases():
    return simulated_cases(44)


def _by_kind(cases, kind):
    return [c for c in cases if c.scenario == kind]


def test_every_kind_in_turn_and_deterministic(cases):
    assert [c.scenario for c in cases] == [KINDS[i % 11] for i in range(44)]
    again = simulated_cases(44)
    for a, b in zip(cases, again, strict=True):
        np.testing.assert_array_equal(a.time, b.time)
        np.testing.assert_array_equal(a.event, b.event)
        assert a.reporting == b.reporting
    # the first n trials do not depend on how many are asked for
    np.testing.assert_array_equal(simulated_cases(12)[11].time, cases[11].time)
    assert len({c.name for c in cases}) == 44 and all(c.split == "simulated" for c in cases)


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="unknown kinds \\['gompertz'\\]"):
        simulated_cases(3, kinds=("weibull", "gompertz"))


def test_event_shares_of_the_extreme_kinds(cases):
    for c in _by_kind(cases, "events_96_99"):
        assert 0.955 <= c.event.mean() <= 0.995, c.name  # 1-4% lost, rounded to patients
    for c in _by_kind(cases, "events_4_14"):
        # the cut-off is placed at 4-14% of events; early losses can only remove a few more
        assert 0.03 <= c.event.mean() <= 0.14, c.name


def test_arm_sizes(cases):
    for c in _by_kind(cases, "small_arms"):
        assert all(8 <= c.arm(w)[0].size <= 20 for w in (0, 1)), c.name
    large = _by_kind(cases, "large_arms")
    assert all(1000 <= c.arm(w)[0].size <= 3000 for c in large for w in (0, 1))
    assert [large[0].arm(w)[0].size for w in (0, 1)] == [3000, 3000]


def test_early_dropout_is_early(cases):
    # 10-38% lost with a mean of 1.5-6 months: well over 5% censored in the first 6 months,
    # where an administrative cut-off after >= 6 months of minimum follow-up censors no one
    for c in _by_kind(cases, "early_dropout"):
        early = np.mean((c.event == 0) & (c.time < 6))
        assert early > 0.05, c.name


def test_staggered_cut_offs_are_not_one_cut_off():
    # One cut-off after `accrual` + `min_fu` gives every patient at least `min_fu` months of
    # potential follow-up; centres with their own earlier cut-offs leave some with less.
    rng = np.random.default_rng(0)
    c, how = _cens_staggered(rng, 5000, 24.0, 12.0)
    assert "staggered" in how
    assert np.mean(c < 12.0 - 1.0) > 0.02


def test_ramp_up_accrual_is_not_uniform():
    # entry density rising as t^p: the first half of accrual enrols 1/4 (p=1) or 1/8 (p=2)
    rng = np.random.default_rng(0)
    c, how = _cens_ramp(rng, 20000, 24.0, 12.0)
    entry = 24.0 + 12.0 - c
    assert np.mean(entry < 12.0) == pytest.approx(0.25 if "t^1" in how else 0.125, abs=0.01)


def test_cure_plateau(cases):
    # cure fractions >= 10% and follow-up >= 3 uncured medians: each KM ends on a plateau
    for c in _by_kind(cases, "cure"):
        for w in (0, 1):
            time, event = c.arm(w)
            assert km_at(km_steps(time, event), time.max()) >= 0.08, c.name


def test_true_data_scores_zero_on_simulated(cases):
    case = _by_kind(cases, "small_arms")[0]

    def truth(control, experimental, *, hr=None, seed=0):
        return pd.DataFrame({"arm": np.where(case.experimental, experimental.label,
                                             control.label),
                             "time": case.time, "event": case.event})

    table = run(truth, [case])
    assert table["mae"].max() == 0 and (table["figure_misses"] == 0).all()
