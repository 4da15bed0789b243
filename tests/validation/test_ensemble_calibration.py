"""Issue 10 targets: ensembles' bands and RMST intervals against real trials' true curves.

The truth is the patient data of the kmdata figures (``kmdata_testbed``), summarised like a
paper; the ensembles see only the summary. Scored on the held-out third (a fixed hash of the
trial name; it played no part in choosing the prior, which was set on the tuning two-thirds,
see ``lmssurv.reconstruct.ensemble``). To keep ``make test`` within minutes this runs every
third held-out figure with 40 draws; ``python benchmarks/ensemble.py --calibrate`` scores all
49 held-out figures with 100 draws.

Measured on all 49 held-out figures (100 draws, ``benchmarks/ensemble.py --calibrate --split
held_out``), once, after the prior was fixed on the tuning part and the draws' pile-ups were
removed (``test_ensemble_plausibility.py``): coverage 0.859, mean width 0.082, RMST coverage
0.694 (the issue's 0.80 is not met; 0.745 before the pile-up fixes, whose degenerate draws
widened the intervals); 770 of 4,900 draws missed at least one published number (1,568
before; listed in ``attrs``, warned about). On this slice (17 figures, 40 draws): coverage
0.843 (just under the issue's 0.85; fewer draws give narrower quantile bands), width 0.081,
RMST coverage 0.765.

Targets are the issue's numbers; a target not met stays here marked ``xfail(strict=True)``
with the measured value in the reason. The speed target (200 draws of a 150-patient trial in
under 2 s) is a benchmark, not a timed test: ``python benchmarks/ensemble.py`` prints it
(2.3-2.6 s of CPU on this shared machine, median of 3 runs).
"""

from __future__ import annotations

import pytest
from ensemble_calibration import calibrate, summary
from kmdata_testbed import figures

# Issue 10 targets (90% band and interval).
COVERAGE = (0.85, 0.97)  # share of grid points where the band holds the true KM, pooled
MAX_WIDTH = 0.12  # mean band width
RMST_COVERAGE = 0.80  # share of arms whose RMST interval holds the true RMST
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
@pytest.mark.xfail(strict=True, reason="issue 10 target not met on this slice: coverage 0.844 "
                   "(17 held-out figures, 40 draws; 0.843 before the HR bend's squeeze was "
                   "bounded; 0.859 on all 49 with 100 draws then, 0.870 on every third tuning "
                   "figure) once the draws' pile-ups were removed")
def test_band_coverage(held_out):
    row = summary(held_out).loc["held_out"]
    assert COVERAGE[0] <= row["coverage"] <= COVERAGE[1], row.to_dict()


@pytest.mark.slow
def test_band_width(held_out):
    row = summary(held_out).loc["held_out"]
    assert row["width"] <= MAX_WIDTH, row.to_dict()


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 10 target not met: RMST coverage 0.765 on this "
                   "held-out slice, the same with the squeeze-bounded HR bend (0.694 on all 49 "
                   "held-out figures, 100 draws, before it; 0.859 on every third tuning figure); arms whose draws are not followed to the scoring "
                   "horizon count as misses")
def test_rmst_interval_coverage(held_out):
    row = summary(held_out).loc["held_out"]
    assert row["rmst_coverage"] >= RMST_COVERAGE, row.to_dict()
