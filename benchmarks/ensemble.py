"""Ensembles (issue 10): speed of 200 draws, and calibration on real trials.

Run ``python benchmarks/ensemble.py`` (speed only, seconds) or with ``--calibrate`` (the kmdata
figures; minutes: ``--split tuning`` for choosing prior scales, ``--split held_out`` to report,
never to choose).

1. Speed: 200 draws of the 150-patient two-arm trial (``tests/validation/small_trial.py``),
   CPU time of this process and wall time (the machine is shared). Target: under 2 s.
2. Calibration (``tests/validation/ensemble_calibration.py``): per figure an ensemble of
   ``--draws`` draws from the paper-like summary; the 90% pointwise band scored against the
   true KM on the grid from 0 to the 90th percentile of follow-up (pooled over arms and
   points), its mean width, and the 90% RMST interval to the grid's end against the true
   RMST. Targets: coverage 85-97%, width <= 0.12, RMST coverage >= 80%.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "validation"))

from ensemble_calibration import calibrate, summary
from kmdata_testbed import figures
from small_trial import CONTROL, EXPERIMENTAL, HR

from lmssurv import reconstruct_ensemble


def speed(repeat: int = 3, draws: int = 200) -> None:
    def once() -> tuple[float, float]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # misses are counted in attrs; timing only here
            cpu, wall = time.process_time(), time.perf_counter()
            reconstruct_ensemble(CONTROL, EXPERIMENTAL, hr=HR, draws=draws, seed=0)
            return time.process_time() - cpu, time.perf_counter() - wall

    once()  # warm-up
    runs = [once() for _ in range(repeat)]
    print(f"reconstruct_ensemble, 2 arms, 150 patients, {draws} draws: CPU median "
          f"{statistics.median(r[0] for r in runs):.2f} s, wall median "
          f"{statistics.median(r[1] for r in runs):.2f} s ({repeat} runs; target < 2 s)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calibrate", action="store_true", help="score on kmdata figures")
    parser.add_argument("--split", default="held_out", choices=("held_out", "tuning"))
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--every", type=int, default=1, help="every k-th figure (subset)")
    args = parser.parse_args(argv)
    speed()
    if args.calibrate:
        cases = figures(split=args.split)[:: args.every]
        table = calibrate(cases, draws=args.draws)
        print(f"\n{args.split}: {len(cases)} figures, {args.draws} draws each")
        print(summary(table).to_string(float_format=lambda x: f"{x:.3f}"))
        print(summary(table, by="outcome").to_string(float_format=lambda x: f"{x:.3f}"))


if __name__ == "__main__":
    main()
