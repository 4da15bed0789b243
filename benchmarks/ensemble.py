"""Ensembles (issue 10): speed of 200 draws, and calibration on real trials.

Run ``python benchmarks/ensemble.py`` (speed only, seconds), with ``--large`` (large trials, a
minute or two) or with ``--calibrate`` (the kmdata
figures; minutes: ``--split tuning`` for choosing prior scales, ``--split held_out`` to report,
never to choose; ``--split both`` prints them apart in one table, ``--out`` keeps the per-arm
scores).

1. Speed: 200 draws of the 150-patient two-arm trial (``tests/validation/small_trial.py``),
   CPU time of this process and wall time (the machine is shared), median of ``--repeat``
   runs after a warm-up. Target: under 2 s. On a shared machine CPU time swings with the
   load: compare two versions run side by side, alternating, or count instructions
   (README, "How uncertain is a rebuild?").
2. Large trials (``--large``): CPU time of the ensembles (``--draws``, default 40 here) of the
   4 largest tuning figures, LUMELung1_3C (650 per arm, whose draws polish landmarks most)
   and the first 3 simulated large-arm trials (1,000-3,000 per arm). The landmark polish of
   the draws dominates there.
3. Calibration (``tests/validation/ensemble_calibration.py``; ``--split simulated`` scores the
   simulated trials of ``tests/validation/sim_testbed.py`` instead, never used to set the prior
   alone): per figure an ensemble of
   ``--draws`` draws from the paper-like summary; the 90% pointwise band scored against the
   true KM on the grid from 0 to the 90th percentile of follow-up (pooled over arms and
   points), its mean width, and the 90% RMST interval to the grid's end against the true
   RMST. Targets: coverage 85-97%, width <= 0.12, RMST coverage >= 80%. With few draws the
   empirical 5%-95% quantiles are narrow: a perfectly calibrated ensemble of 40 draws holds the
   truth in only 0.856 of arms ("calibrated would score"), 0.882 with 100, 0.891 with 200. The
   share of arms whose true RMST ranks inside the draws' 5%-95% ("RMST rank in 5-95%") does not
   depend on the number of draws: 0.90 for a calibrated ensemble.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "validation"))

from ensemble_calibration import calibrate, summary
from kmdata_testbed import figures
from sim_testbed import simulated_cases
from small_trial import CONTROL, EXPERIMENTAL, HR

from lmssurv import reconstruct_ensemble
from lmssurv.reconstruct.ensemble import PRIOR


def speed(repeat: int = 3, draws: int = 200) -> str:
    def once() -> tuple[float, float]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # misses are counted in attrs; timing only here
            cpu, wall = time.process_time(), time.perf_counter()
            reconstruct_ensemble(CONTROL, EXPERIMENTAL, hr=HR, draws=draws, seed=0)
            return time.process_time() - cpu, time.perf_counter() - wall

    once()  # warm-up
    runs = [once() for _ in range(repeat)]
    line = (f"reconstruct_ensemble, 2 arms, 150 patients, {draws} draws: CPU median "
            f"{statistics.median(r[0] for r in runs):.2f} s, wall median "
            f"{statistics.median(r[1] for r in runs):.2f} s ({repeat} runs; target < 2 s)")
    print(line)
    return line


def large(draws: int = 40) -> None:
    """CPU seconds of one ensemble per large trial (see the module docstring, item 2)."""
    tuning = figures(split="tuning")
    cases = sorted(tuning, key=lambda c: -c.time.size)[:4]
    cases += [c for c in tuning if c.name == "LUMELung1_3C"]
    cases += simulated_cases(3, kinds=("large_arms",))
    total = 0.0
    for case in cases:
        ctrl, exp, hr = case.summarise()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cpu = time.process_time()
            reconstruct_ensemble(ctrl, exp, hr=hr, draws=draws, seed=0,
                                 endpoint="os" if case.outcome == "OS" else "pfs")
            cpu = time.process_time() - cpu
        total += cpu
        print(f"{case.name}: {case.time.size} patients, {draws} draws, CPU {cpu:.2f} s",
              flush=True)
    print(f"large trials: {len(cases)} ensembles of {draws} draws, CPU {total:.2f} s in all")


def table(rows: pd.DataFrame) -> str:
    """The calibration table (markdown): one row per split, then per split and endpoint."""
    out = ["| split | endpoint | figures | arms | coverage | mean width | RMST coverage | "
           "RMST rank in 5-95% | calibrated would score | draws missing a number |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    rows = rows.assign(endpoint=rows["outcome"].where(rows["outcome"] == "OS", "PFS-like"))
    for split, g in rows.groupby("split", sort=False):
        parts = [("all", summary(g).iloc[0])]
        parts += list(summary(g, by="endpoint").iterrows())
        for endpoint, r in parts:
            out.append(f"| {split} | {endpoint} | {int(r['figures'])} | {int(r['arms'])} | "
                       f"{r['coverage']:.3f} | {r['width']:.3f} | {r['rmst_coverage']:.3f} | "
                       f"{r['rmst_pit_coverage']:.3f} | {r['calibrated_expectation']:.3f} | "
                       f"{int(r['draws_missing'])} of {int(r['draws'])} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calibrate", action="store_true", help="score on kmdata figures")
    parser.add_argument("--large", action="store_true",
                        help="time the ensembles of the largest trials (--draws, default 40)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed runs of the 200 draws (median reported; default 3)")
    parser.add_argument("--split", default="held_out",
                        choices=("held_out", "tuning", "both", "simulated"),
                        help="kmdata figures, or the 600 simulated trials (the README's row: "
                             "--split simulated --every 6 --draws 40)")
    parser.add_argument("--draws", type=int, default=None,
                        help="draws per ensemble (default 100 to calibrate, 40 with --large)")
    parser.add_argument("--every", type=int, default=1, help="every k-th figure (subset)")
    parser.add_argument("--out", type=Path, help="write the per-arm scores here (CSV)")
    parser.add_argument("--shape-sd", type=float, default=None,
                        help="try another prior shape_sd (tuning split only)")
    parser.add_argument("--sampling", type=float, default=None,
                        help="try another prior sampling multiplier (tuning split only)")
    parser.add_argument("--tail-trend-sd", type=float, default=None,
                        help="try another prior tail_trend_sd (tuning split only)")
    args = parser.parse_args(argv)
    speed(repeat=args.repeat)
    if args.large:
        large(draws=args.draws or 40)
    if args.calibrate:
        args.draws = args.draws or 100
        splits = ("tuning", "held_out") if args.split == "both" else (args.split,)
        prior = PRIOR
        trial = {k: v for k, v in (("shape_sd", args.shape_sd), ("sampling", args.sampling),
                                   ("tail_trend_sd", args.tail_trend_sd)) if v is not None}
        if trial:
            if "held_out" in splits:
                parser.error("--shape-sd, --sampling and --tail-trend-sd are for choosing the "
                             "prior: use --split tuning or simulated")
            prior = replace(PRIOR, **trial)
        rows = []
        for split in splits:  # apart: the held-out third never informs the prior
            cases = (simulated_cases(600) if split == "simulated"
                     else figures(split=split))[:: args.every]
            rows.append(calibrate(cases, draws=args.draws, prior=prior))
            print(f"{split}: {len(cases)} figures, {args.draws} draws each", flush=True)
        scores = pd.concat(rows, ignore_index=True)
        if args.out is not None:
            scores.to_csv(args.out, index=False)
        print()
        print(table(scores))


if __name__ == "__main__":
    main()
