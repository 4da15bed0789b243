"""Accuracy of summary-only reconstruction against true patient data (issue 9), side by side.

Run ``python benchmarks/validation.py`` (a few minutes on 2 busy cores; ``--held-out`` runs the
real held-out third only, ``--per-figure`` prints every arm, ``--legacy`` adds the old 40-arm
table of ``summary_testbed``). Sections:

* real trials (``tests/validation/kmdata_testbed.py``: 143 kmdata figures of 81 trials, each
  summarised like a paper with varied reporting), the held-out third (27 trials, never used for
  tuning) and the tuning two-thirds reported apart;
* the engine and the naive baseline of methods.md on the same summaries, and the full-data
  oracle (a piecewise-exponential fit to the complete true arm; a floor, not a target).

Headline rows (see ``kmdata_testbed.headline``): median and worst arm MAE of the KM on 200
points from 0 to the arm's 90th percentile of follow-up; median |log HR error| (lifelines-equal
Efron Cox on truth vs rebuilt); n/events exact; figures with a published number missed, missed
silently (no ReconstructionWarning); miss rates of HR (rebuilt HR more than 0.005 from the
2-decimal published HR), median (0.05 month) and landmarks (half a unit, never tighter than
half a KM step); the slowest rebuild. Issue 9 targets on the held-out third: median MAE
<= 0.015, worst <= 0.05, median |log HR error| <= 0.02, n and events exact, no silent miss.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "validation"))

from kmdata_testbed import figures, headline, run
from summary_testbed import naive_reconstruct_trial

from lmssurv import reconstruct_trial

TARGETS = {"median_mae": 0.015, "worst_mae": 0.05, "median_log_hr_error": 0.02,
           "n_exact": True, "events_exact": True, "silent_misses": 0}
ROWS = ["figures", "arms", "median_mae", "worst_mae", "median_log_hr_error", "n_exact",
        "events_exact", "errors", "miss_figures", "silent_misses", "hr_miss_rate",
        "median_miss_rate", "landmark_miss_rate", "median_or_landmark_miss_rate",
        "max_seconds", "max_cpu_seconds", "median_oracle_mae"]


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return ""
    if isinstance(x, bool):
        return "yes" if x else "NO"
    if isinstance(x, float):
        return f"{x:.4f}" if abs(x) < 100 else f"{x:.0f}"
    return str(x)


def side_by_side(heads: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One column per (group, method): the headline rows of each."""
    cols = {}
    for method, head in heads.items():
        for group in head.index:
            cols[f"{group} {method}"] = head.loc[group]
    table = pd.DataFrame(cols).reindex(ROWS)
    table["target"] = pd.Series(TARGETS)
    return table.dropna(how="all")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--held-out", action="store_true", help="real held-out third only")
    parser.add_argument("--per-figure", action="store_true", help="print every arm")
    parser.add_argument("--legacy", action="store_true", help="also the old 40-arm test bed")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    cases = figures(split="held_out" if args.held_out else None)
    tables, heads = {}, {}
    for method, fn in (("engine", reconstruct_trial), ("naive", naive_reconstruct_trial)):
        start = time.perf_counter()
        tables[method] = run(fn, cases, seed=args.seed, oracle=method == "engine")
        heads[method] = headline(tables[method])
        print(f"{method}: {len(cases)} figures in {time.perf_counter() - start:.0f} s",
              file=sys.stderr)
    heads["naive"] = heads["naive"].drop(columns="median_oracle_mae", errors="ignore")
    print("Real trials (kmdata): held-out third and tuning two-thirds")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(side_by_side(heads).map(_fmt).to_string())
    if args.per_figure:
        cols = ["figure", "split", "arm", "n", "events", "mae", "max_abs", "log_hr_error",
                "hr_published", "hr_rebuilt", "misses", "recon_warnings", "seconds"]
        with pd.option_context("display.width", 250, "display.max_rows", 400):
            print(tables["engine"][cols].to_string(index=False,
                                                   float_format=lambda x: f"{x:.4f}"))
    if args.legacy:
        from summary_testbed import run_validation, summary_of

        print("\nLegacy 40-arm test bed (8 lifelines datasets + 12 simulated trials):")
        legacy = {m: summary_of(run_validation(fn)) for m, fn in
                  (("engine", reconstruct_trial), ("naive", naive_reconstruct_trial))}
        print(pd.DataFrame(legacy).to_string(float_format=lambda x: f"{x:.4f}"))


if __name__ == "__main__":
    main()
