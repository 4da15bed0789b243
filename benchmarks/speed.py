"""Speed of summary-only reconstruction (issue 9): a 150-patient trial, and the slowest trial.

Run ``python benchmarks/speed.py`` (``--real`` adds the 143 real figures, a few minutes).

1. A two-arm, 150-patient rebuild with LMS-04-like inputs (``tests/validation/small_trial.py``).
   Median and best wall time per call over repeated timeit runs. Target: under 100 ms.
2. Every rebuild of the simulated trials of ``tests/validation/sim_testbed.py`` (arms of 8 to
   3,000 patients, the first large-arm trial 3,000 per arm), and with ``--real`` the kmdata
   figures: the slowest by wall and by CPU time (CPU time is what the engine costs; wall time
   also counts whatever else the shared machine runs). Target: no trial over 5 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "validation"))

from kmdata_testbed import figures, run
from sim_testbed import simulated_cases
from small_trial import CONTROL, EXPERIMENTAL, HR

from lmssurv import reconstruct_trial


def small_trial(repeat: int = 15, number: int = 5) -> None:
    reconstruct_trial(CONTROL, EXPERIMENTAL, hr=HR, seed=0)  # warm-up (imports, caches)
    runs = timeit.repeat(lambda: reconstruct_trial(CONTROL, EXPERIMENTAL, hr=HR, seed=0),
                         repeat=repeat, number=number)
    per_call = [1000 * r / number for r in runs]
    print(f"reconstruct_trial, 2 arms, 150 patients: median {statistics.median(per_call):.1f} ms, "
          f"best {min(per_call):.1f} ms per call ({repeat} x {number} calls; target < 100 ms)")


def slowest(cases, title: str, top: int = 5) -> None:
    table = run(reconstruct_trial, cases).drop_duplicates("figure")
    table["patients"] = [int(c.time.size) for c in cases]
    print(f"\n{title}: {len(table)} trials, slowest wall {table['seconds'].max():.2f} s, "
          f"slowest CPU {table['cpu_seconds'].max():.2f} s, over 5 s CPU: "
          f"{int((table['cpu_seconds'] > 5).sum())} (target 0)")
    cols = ["figure", "patients", "seconds", "cpu_seconds"]
    print(table.nlargest(top, "cpu_seconds")[cols].to_string(
        index=False, float_format=lambda x: f"{x:.2f}"))
    big = table.loc[table["patients"].idxmax()]
    print(f"largest: {big['figure']}, {int(big['patients'])} patients, "
          f"CPU {big['cpu_seconds']:.2f} s, wall {big['seconds']:.2f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--real", action="store_true", help="also time the 143 real figures")
    parser.add_argument("--trials", type=int, default=44, help="simulated trials (default 44)")
    args = parser.parse_args(argv)
    small_trial()
    slowest(simulated_cases(args.trials), "Simulated trials")
    if args.real:
        slowest(figures(), "Real kmdata figures")


if __name__ == "__main__":
    main()
