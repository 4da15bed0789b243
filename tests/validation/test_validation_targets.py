"""Issue 9 targets for the summary-only engine: real held-out trials and simulated trials.

Real: the held-out third of the kmdata test bed (``kmdata_testbed``: 27 of 81 trials, 49
figures, chosen by a fixed hash of the trial name and never used for tuning), each summarised
like a paper with varied reporting. Simulated: 44 trials of ``sim_testbed`` (4 of each of the
11 kinds), censored by mechanisms the engine does not assume. Both are scored against their
true patient data by ``kmdata_testbed.run``.

The targets are the issue's acceptance criteria, not tuned to these data. Where the engine does
not meet one yet, the test keeps the issue's number and is marked
``xfail(strict=True)`` with the value it measures: when the engine meets it the test XPASSes,
which fails the suite, and the mark must be removed. For scale, ``python benchmarks/validation.py`` prints the
same numbers side by side with the naive baseline and the full-data oracle.
"""

from __future__ import annotations

import os
import time

import pytest
from kmdata_testbed import figures, headline, run
from sim_testbed import simulated_cases
from small_trial import CONTROL, EXPERIMENTAL, HR

from lmssurv import reconstruct_trial


def _not_met(measured: str):
    """An issue 9 target the engine does not meet yet, with what it measures (seed 0)."""
    return pytest.mark.xfail(strict=True, reason=f"issue 9 target not met yet: {measured}")


# Issue 9 targets, real trials held out from tuning.
MEDIAN_MAE = 0.015
MEDIAN_MAE_FIRST_MILESTONE = 0.019
WORST_MAE = 0.05
MEDIAN_LOG_HR_ERROR = 0.02
# Issue 9 targets, simulated trials: shares of trials.
SIM_HR_MISS_RATE = 0.10
SIM_MEDIAN_OR_LANDMARK_MISS_RATE = 0.02
# Issue 9 speed targets. CPU time of this process, not wall time: the machine is shared, and
# wall time would measure the neighbours (see benchmarks/speed.py for both).
SMALL_TRIAL_SECONDS = 0.100
ANY_TRIAL_SECONDS = 5.0


@pytest.fixture(scope="module")
def real():
    return run(reconstruct_trial, figures(split="held_out"))


@pytest.fixture(scope="module")
def sim():
    return run(reconstruct_trial, simulated_cases(44))


def _show(rows) -> str:
    cols = [c for c in ("figure", "arm", "n", "events", "mae", "log_hr_error", "hr_published",
                        "hr_rebuilt", "misses", "recon_warnings", "error") if c in rows]
    return "\n" + rows[cols].to_string(index=False, float_format=lambda x: f"{x:.4f}")


# -- real trials, held out ---------------------------------------------------------------------
def test_held_out_is_the_whole_third(real):
    # a figure dropped silently would flatter: 27 trials, 49 figures, two arms each
    assert (real["trial"].nunique(), real["figure"].nunique(), len(real)) == (27, 49, 98)
    assert (real["split"] == "held_out").all()
    failed = real[real["error"] != ""]
    assert failed.empty, _show(failed)


def test_real_n_and_events_exact(real):
    bad = real[~(real["n_ok"] & real["events_ok"])]
    assert bad.empty, _show(bad)


def test_real_median_log_hr_error(real):
    assert headline(real).loc["held_out", "median_log_hr_error"] <= MEDIAN_LOG_HR_ERROR


# met: held-out median arm MAE 0.0176 (seed 0)
def test_real_median_mae_first_milestone(real):
    assert headline(real).loc["held_out", "median_mae"] <= MEDIAN_MAE_FIRST_MILESTONE


@_not_met("held-out median arm MAE 0.0167 (target 0.015; tuning 0.0153)")
def test_real_median_mae(real):
    assert headline(real).loc["held_out", "median_mae"] <= MEDIAN_MAE


@_not_met("held-out worst arm 0.079, SAKK4106_1 control (target 0.05)")
def test_real_worst_arm(real):
    bad = real[real["mae"] > WORST_MAE]
    assert bad.empty, _show(bad)


def test_real_no_silent_miss(real):
    bad = real[real["silent_miss"]]
    assert bad.empty, _show(bad)


# -- simulated trials --------------------------------------------------------------------------
def test_sim_runs_every_trial_exactly(sim):
    assert (sim["figure"].nunique(), len(sim)) == (44, 88)
    bad = sim[(sim["error"] != "") | ~(sim["n_ok"] & sim["events_ok"])]
    assert bad.empty, _show(bad)


def test_sim_no_silent_miss(sim):
    bad = sim[sim["silent_miss"]]
    assert bad.empty, _show(bad)


def test_sim_hr_miss_rate(sim):
    # 3 of these 44 (6.8%) and 31 of 600 (5.2%) with the final HR bend (hr_match.bend_tail
    # past the last published point, the mixed map as fallback, every interval up to
    # FALLBACK_MAX there); a fifth miss here would fail it (an exponential tilt of the same
    # squeeze missed 6, the partial bend with the fallback's earlier intervals held to
    # REST_MAX 6)
    assert headline(sim).loc["simulated", "hr_miss_rate"] <= SIM_HR_MISS_RATE


def test_sim_median_or_landmark_miss_rate(sim):
    # none of these 44 (2 before the polish ranked every censoring move and allocate held
    # events back for a median), 3 of 600 (0.5%; 2.5% before; 4 before a median CI limit at
    # a landmark's time was pinned just after it, sim0133): a landmark of 90 patients on KM
    # steps coarser than its precision (sim0173), a small arm needing 8 early drop-outs
    # (sim0269), and a KM at exactly 0.5 (sim0379)
    rate = headline(sim).loc["simulated", "median_or_landmark_miss_rate"]
    assert rate <= SIM_MEDIAN_OR_LANDMARK_MISS_RATE


# -- speed -----------------------------------------------------------------------------------
def test_no_trial_over_five_seconds(real, sim):
    # includes a 3,000-per-arm simulated trial (sim_testbed's first large_arms trial)
    for table in (real, sim):
        slow = table[table["cpu_seconds"] > ANY_TRIAL_SECONDS]
        assert slow.empty, _show(slow)


def test_small_trial_under_100_ms():
    # Best of 15 CPU times (timeit's advice: the minimum is the least disturbed run). CPU time
    # still inflates when two cores run many jobs (caches, clock), so on an overloaded machine
    # the number says nothing about the engine: skipped then, with the load in the reason.
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    if load > cores:
        pytest.skip(f"machine overloaded (load {load:.1f} on {cores} cores): timing not "
                    "meaningful; run benchmarks/speed.py on a quiet machine")
    reconstruct_trial(CONTROL, EXPERIMENTAL, hr=HR, seed=0)  # warm-up (imports, caches)
    runs = []
    for _ in range(15):
        start = time.process_time()
        reconstruct_trial(CONTROL, EXPERIMENTAL, hr=HR, seed=0)
        runs.append(time.process_time() - start)
    assert min(runs) < SMALL_TRIAL_SECONDS, runs
