"""Issue 10 targets: ensembles' bands and RMST intervals against real trials' true curves.

The truth is the patient data of the kmdata figures (``kmdata_testbed``), summarised like a
paper; the ensembles see only the summary. Scored on the held-out third (a fixed hash of the
trial name; it played no part in choosing the prior, which was set on the tuning two-thirds,
see ``lmssurv.reconstruct.ensemble``). To keep ``make test`` within minutes this runs every
third held-out figure with 40 draws; ``python benchmarks/ensemble.py --calibrate`` scores all
49 held-out figures with 100 draws.

Measured on all 49 held-out figures (40 draws, ``benchmarks/ensemble.py --calibrate``),
once, after the prior was fixed: coverage 0.864, mean width 0.113, RMST coverage 0.724 (the
issue's 0.80 is not met there, although this slice passes it); 887 of 1,960 draws missed at
least one published number (listed in ``attrs``, warned about).

Targets are the issue's numbers; a target not met stays here marked ``xfail(strict=True)``
with the measured value in the reason.
"""

from __future__ import annotations

import time
import warnings

import pytest
from ensemble_calibration import calibrate, summary
from kmdata_testbed import figures
from small_trial import CONTROL, EXPERIMENTAL, HR

from lmssurv import reconstruct_ensemble

# Issue 10 targets (90% band and interval).
COVERAGE = (0.85, 0.97)  # share of grid points where the band holds the true KM, pooled
MAX_WIDTH = 0.12  # mean band width
RMST_COVERAGE = 0.80  # share of arms whose RMST interval holds the true RMST
SPEED_SECONDS = 2.0  # 200 draws of the 150-patient trial, CPU time of this process
DRAWS = 40
EVERY = 3


@pytest.fixture(scope="module")
def held_out():
    cases = figures(split="held_out")[::EVERY]
    return calibrate(cases, draws=DRAWS)


@pytest.mark.slow
def test_slice_is_held_out(held_out):
    assert (held_out["split"] == "held_out").all()
    assert held_out["figure"].nunique() == len(figures(split="held_out")[::EVERY])


@pytest.mark.slow
def test_band_coverage(held_out):
    row = summary(held_out).loc["held_out"]
    assert COVERAGE[0] <= row["coverage"] <= COVERAGE[1], row.to_dict()


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 10 target not met: mean band width 0.123 on this "
                   "held-out slice (coverage 0.860); 0.114 on all tuning figures with SD 0.10")
def test_band_width(held_out):
    row = summary(held_out).loc["held_out"]
    assert row["width"] <= MAX_WIDTH, row.to_dict()


@pytest.mark.slow
def test_rmst_interval_coverage(held_out):
    row = summary(held_out).loc["held_out"]
    assert row["rmst_coverage"] >= RMST_COVERAGE, row.to_dict()


@pytest.mark.xfail(strict=True, reason="issue 10 speed target; measured ~4-7 s CPU for 200 "
                   "draws (placement + tail calibration ~10 ms per draw, polishing landmarks)")
def test_200_draws_under_two_seconds():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # misses are counted in attrs; only time matters here
        reconstruct_ensemble(CONTROL, EXPERIMENTAL, hr=HR, draws=5, seed=0)  # warm-up
        start = time.process_time()
        reconstruct_ensemble(CONTROL, EXPERIMENTAL, hr=HR, draws=200, seed=0)
    assert time.process_time() - start < SPEED_SECONDS
