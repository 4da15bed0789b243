"""Accuracy of the summary-only engine against the truth (issue 2, "Accuracy against the truth").

Every trial of ``summary_testbed`` (8 real lifelines datasets, 12 simulated trials) is summarised
the way a paper would report it, rebuilt by ``reconstruct_trial`` from that summary alone, and
compared with the true patient data. Targets are the issue's, over all 40 arms:
median arm mean-absolute KM error <= 0.015, worst arm <= 0.05, median |log HR error| <= 0.02,
n and events exact everywhere. For scale, the naive baseline of methods.md measures about
0.026 / 0.09 / 0.11 on this test bed (``python benchmarks/validation.py``).
"""

from __future__ import annotations

import math

import pytest
from summary_testbed import run_validation, summary_of

try:
    from lmssurv.reconstruct.from_summary import reconstruct_trial
except ModuleNotFoundError as err:  # the engine is not there yet: skip, but only for that reason
    if err.name is None or not "lmssurv.reconstruct.from_summary".startswith(err.name):
        raise
    pytest.skip("lmssurv.reconstruct.from_summary has not landed yet", allow_module_level=True)

# Issue 2 targets (they are the acceptance criteria, not tuned to this test bed).
MEDIAN_MAE = 0.015
WORST_MAE = 0.05
MEDIAN_LOG_HR_ERROR = 0.02
# A reported median is rounded to 0.1 month, so the true KM median lies within +-0.05 of it;
# 1e-9 absorbs float noise in the rounding.
MEDIAN_TOLERANCE = 0.05 + 1e-9
# Issue 2: the rebuilt KM must hit every reported landmark within 0.01.
LANDMARK_TOLERANCE = 0.01


@pytest.fixture(scope="module")
def table():
    return run_validation(reconstruct_trial)


@pytest.fixture(scope="module")
def headline(table):
    return summary_of(table)


def _show(rows) -> str:
    return "\n" + rows.to_string(index=False, float_format=lambda x: f"{x:.4f}")


def test_covers_every_trial_and_arm(table):
    # 8 real + 12 simulated trials, two arms each: a trial dropped silently would flatter.
    assert len(table) == 40
    assert table["trial"].nunique() == 20


def test_n_and_events_exact_everywhere(table):
    bad = table[~(table["n_ok"] & table["events_ok"])]
    assert bad.empty, _show(bad[["trial", "arm", "n", "events"]])


def test_median_arm_mae_meets_target(headline):
    assert headline["median_mae"] <= MEDIAN_MAE


def test_worst_arm_mae_meets_target(table):
    bad = table[table["mae"] > WORST_MAE]
    assert bad.empty, _show(bad[["trial", "arm", "mae", "max_abs"]])


def test_median_log_hr_error_meets_target(headline):
    assert headline["median_log_hr_error"] <= MEDIAN_LOG_HR_ERROR


def test_rebuilt_km_hits_every_reported_median(table):
    # Reported "not reached" must stay not reached (median_error 0 then; inf when it is reached).
    bad = table[~(table["median_error"] <= MEDIAN_TOLERANCE)]
    assert bad.empty, _show(bad[["trial", "arm", "median_reported", "median_rebuilt"]])


def test_rebuilt_km_hits_every_reported_landmark(table):
    bad = table[~(table["landmark_max_error"] <= LANDMARK_TOLERANCE)]
    assert bad.empty, _show(bad[["trial", "arm", "landmark_max_error"]])


def test_errors_are_finite(table):
    # A NaN would pass every "<=" above by accident of pandas' comparisons.
    for col in ("mae", "max_abs", "rmst_diff", "log_hr_error"):
        assert all(math.isfinite(x) for x in table[col]), col
