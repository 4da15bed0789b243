"""Accuracy of summary-only reconstruction against true patient data (issue 9), side by side.

Run ``python benchmarks/validation.py`` (about 10 minutes on 2 busy cores; ``--sim 44
--held-out`` is the test slice, about a minute; ``--split tuning --engine-only`` for tuning
decisions, which never runs the held-out third, ``--every 3`` for a third of the figures and
simulated trials; ``--out DIR`` keeps the per-arm tables as CSV to compare two engines figure
by figure; ``--stretches --split tuning`` splits each arm's error before / between / after
the reported points, by endpoint and reporting style). Sections:

1. Real trials (``tests/validation/kmdata_testbed.py``: 143 kmdata figures of 81 trials, each
   summarised like a paper with varied reporting): the held-out third (27 trials, never used
   for tuning) and the tuning two-thirds, reported apart.
2. Simulated trials (``tests/validation/sim_testbed.py``, 600 by default: 11 kinds, censored
   by ramp-up accrual, early drop-out or staggered cut-offs, never by the engine's model).
3. For each: the engine, the naive baseline of methods.md on the same summaries, and the
   full-data oracle (a piecewise-exponential fit to the complete true arm: a floor, not a
   target).
4. The LMS-04 checks: every published number of LMS-04 OS and PFS recomputed from the
   engine's pseudo-data by ``lmssurv.check`` (as ``lmssurv reproduce`` does).

Headline rows (``kmdata_testbed.headline``): median and worst arm MAE of the KM on 200 points
from 0 to the arm's 90th percentile of follow-up; median |log HR error| (Efron Cox, truth vs
rebuilt); n/events exact; figures with a published number missed, and missed silently (no
ReconstructionWarning during the rebuild); miss rates of the HR (rebuilt HR more than 0.005
from the 2-decimal published HR), median (0.05 month) and landmarks (half a unit, never tighter
than half a KM step); the slowest rebuild (wall and CPU seconds).

Issue 9 targets. Real, held out: median MAE <= 0.015 (first milestone 0.019), worst <= 0.05,
median |log HR error| <= 0.02, n and events exact, no silent miss. Simulated: no silent miss,
HR missed in <= 10% of trials, median or landmark missed in <= 2%. Any trial <= 5 s.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "validation"))

from kmdata_testbed import figures, headline, run
from sim_testbed import simulated_cases
from summary_testbed import GRID_POINTS, km_at, km_steps, naive_reconstruct_trial, score_grid

import lmssurv
from lmssurv import reconstruct_trial

ROWS = ["figures", "arms", "median_mae", "worst_mae", "median_log_hr_error", "n_exact",
        "events_exact", "errors", "miss_figures", "silent_misses", "hr_miss_rate",
        "median_miss_rate", "landmark_miss_rate", "median_or_landmark_miss_rate", "ci_miss_rate",
        "median_follow_up_miss_rate", "longest_follow_up_miss_rate", "max_seconds",
        "max_cpu_seconds", "inferred_events_error", "median_oracle_mae"]
REAL_TARGETS = {"median_mae": 0.015, "worst_mae": 0.05, "median_log_hr_error": 0.02,
                "n_exact": True, "events_exact": True, "silent_misses": 0,
                "max_cpu_seconds": 5.0}
SIM_TARGETS = {"silent_misses": 0, "hr_miss_rate": 0.10, "median_or_landmark_miss_rate": 0.02,
               "max_cpu_seconds": 5.0}
METHODS = {"engine": reconstruct_trial, "naive": naive_reconstruct_trial}


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return ""
    if isinstance(x, bool):
        return "yes" if x else "NO"
    if isinstance(x, float):
        return f"{x:.4f}" if abs(x) < 100 else f"{x:.0f}"
    return str(x)


def _print(df: pd.DataFrame) -> None:
    with pd.option_context("display.width", 250, "display.max_columns", 40,
                           "display.max_rows", 700):
        print(df.map(_fmt).to_string())


def _tables(cases, label: str) -> dict[str, pd.DataFrame]:
    out = {}
    for method, fn in METHODS.items():
        start = time.perf_counter()
        out[method] = run(fn, cases, oracle=method == "engine")
        print(f"{label} {method}: {len(cases)} trials in {time.perf_counter() - start:.0f} s",
              file=sys.stderr)
    return out


def side_by_side(groups: dict[str, dict[str, pd.DataFrame]]) -> pd.DataFrame:
    """Headline rows, one column per (group, method), plus the targets."""
    cols = {}
    for group, tables in groups.items():
        for method, table in tables.items():
            head = headline(table.assign(_all=group), by="_all").loc[group]
            if method != "engine":
                head = head.drop("median_oracle_mae", errors="ignore")
            cols[f"{group} {method}"] = head
    table = pd.DataFrame(cols).reindex(ROWS)
    table["target real"] = pd.Series(REAL_TARGETS, dtype=object)
    table["target sim"] = pd.Series(SIM_TARGETS, dtype=object)
    return table.dropna(how="all")


def by_kind(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Simulated trials by kind: the engine's headline and the naive median MAE."""
    eng = headline(tables["engine"], by="scenario")
    naive = headline(tables["naive"], by="scenario")
    cols = ["figures", "median_mae", "worst_mae", "median_log_hr_error", "hr_miss_rate",
            "median_or_landmark_miss_rate", "silent_misses", "max_cpu_seconds",
            "median_oracle_mae"]
    out = eng[cols].copy()
    out.insert(2, "naive median_mae", naive["median_mae"])
    out.insert(6, "naive |dlogHR|", naive["median_log_hr_error"])
    return out


def lms04_checks(seed: int = 0) -> tuple[int, int, int]:
    """(reproduced, published, ReconstructionWarnings) over LMS-04 OS and PFS."""
    trial = lmssurv.load_trial("lms04")
    ok = total = n_warn = 0
    for endpoint in ("os", "pfs"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ipd = trial.reconstruct(endpoint, seed=seed)
        n_warn += sum(issubclass(w.category, lmssurv.ReconstructionWarning) for w in caught)
        report = lmssurv.check(trial, endpoint, ipd)
        ok += int(report["ok"].sum())
        total += len(report)
    return ok, total, n_warn


def stretches(cases, seed: int = 0) -> pd.DataFrame:
    """Each arm's MAE split by where on the grid it sits: before the first reported point
    (median, CI limit or landmark), between the first and last, after the last.

    The three parts add up to the arm's MAE (each is its share of the 200-point grid mean);
    ``signed_*`` is the same with the sign kept (rebuilt minus true: > 0, the rebuilt curve
    is above the truth there). Columns also say how the figure was reported.
    """
    rows = []
    for case in cases:
        ctrl, exp, hr = case.summarise()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rebuilt = reconstruct_trial(ctrl, exp, hr=hr, seed=seed, endpoint=case.outcome)
        for which, summary in enumerate((ctrl, exp)):
            t_time, t_event = case.arm(which)
            grid = score_grid(t_time)
            part = rebuilt[rebuilt["arm"] == summary.label]
            diff = (km_at(km_steps(part["time"], part["event"]), grid)
                    - km_at(km_steps(t_time, t_event), grid))
            points = [*summary.landmarks, *(t for t in (summary.median_ci or ()) if t)]
            if summary.median is not None:
                points.append(summary.median)
            first, last = min(points, default=math.inf), max(points, default=math.inf)
            where = {"before": grid < first, "between": (grid >= first) & (grid <= last),
                     "after": grid > last}
            rep = case.reporting
            row = {"figure": case.name, "arm": ("control", "experimental")[which],
                   "endpoint": "OS" if case.outcome == "OS" else "PFS-like",
                   "landmarks": "/".join(f"{t:g}" for t in summary.landmarks),
                   "decimals": rep.rate_decimals, "median_ci": rep.median_ci,
                   "follow_up": rep.follow_up, "events": summary.events is not None,
                   "mae": float(np.abs(diff).mean())}
            for name, mask in where.items():
                row[name] = float(np.abs(diff[mask]).sum() / GRID_POINTS)
                row[f"signed_{name}"] = float(diff[mask].sum() / GRID_POINTS)
            rows.append(row)
    return pd.DataFrame(rows)


def stretch_report(table: pd.DataFrame) -> None:
    """Print the split of :func:`stretches`: overall, by endpoint and by reporting style."""
    parts = ["mae", "before", "between", "after", "signed_before", "signed_after"]
    print("Arm MAE by stretch (means over arms; median MAE in the last column):")
    _print(table[parts].mean().to_frame("mean").T.assign(median_mae=table["mae"].median()))
    for by in ("endpoint", "landmarks", "decimals", "median_ci", "follow_up", "events"):
        g = table.groupby(by)
        print()
        _print(g[parts].mean().assign(median_mae=g["mae"].median(), arms=g.size()))
    print("\nThe 10 worst arms:")
    _print(table.sort_values("mae", ascending=False).head(10).set_index("figure"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sim", type=int, default=600, help="simulated trials (default 600)")
    parser.add_argument("--held-out", action="store_true",
                        help="real: held-out third only (as --split held_out)")
    parser.add_argument("--split", choices=("both", "tuning", "held_out"), default="both",
                        help="real figures: both parts (default), or one (tuning decisions: "
                        "--split tuning, which never runs the held-out third)")
    parser.add_argument("--every", type=int, default=1,
                        help="every k-th real figure and simulated trial (an exploration "
                        "subset; default 1: all)")
    parser.add_argument("--engine-only", action="store_true",
                        help="skip the naive baseline (about halves the run time)")
    parser.add_argument("--per-figure", action="store_true", help="print every real arm")
    parser.add_argument("--legacy", action="store_true", help="also the old 40-arm test bed")
    parser.add_argument("--out", type=Path, help="write the per-arm tables as CSV here "
                        "(real_engine.csv, ...: diff two engines figure by figure)")
    parser.add_argument("--stretches", action="store_true",
                        help="only: split each real arm's MAE before / between / after the "
                        "reported points, by endpoint and reporting style (engine, --split)")
    args = parser.parse_args(argv)
    if args.stretches:
        split = None if args.split == "both" else args.split
        stretch_report(stretches(figures(split=split)[::max(args.every, 1)]))
        return
    if args.engine_only:
        METHODS.pop("naive", None)
    split = "held_out" if args.held_out else (None if args.split == "both" else args.split)
    every = max(args.every, 1)

    real = _tables(figures(split=split)[::every], "real")
    groups = {}
    for split in ("held_out", "tuning"):
        part = {m: t[t["split"] == split] for m, t in real.items()}
        if len(part["engine"]):
            groups[f"real {split}"] = part
    sim = _tables(simulated_cases(args.sim)[::every], "simulated") if args.sim else None
    if sim is not None:
        groups["simulated"] = sim

    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, tables in (("real", real), ("sim", sim or {})):
            for method, table in tables.items():
                table.to_csv(args.out / f"{name}_{method}.csv", index=False)
    print("Issue 9 validation: engine vs naive baseline (oracle = full-data floor)\n")
    _print(side_by_side(groups))
    if sim is not None and "naive" in sim:
        print(f"\nSimulated trials by kind ({len(sim['engine'].figure.unique())} trials), engine "
              "unless marked naive:")
        _print(by_kind(sim))
    failed = [t[t["error"] != ""].drop_duplicates("figure") for t in
              (real["engine"], *(() if sim is None else (sim["engine"],)))]
    failed = pd.concat(failed)
    if len(failed):
        print("\nEngine rebuilds that raised (scored as MAE 1):")
        for r in failed.itertuples(index=False):
            print(f"  {r.figure}: {r.error}")
    ok, total, n_warn = lms04_checks()
    print(f"\nLMS-04 checks (lmssurv.check on the engine's OS and PFS pseudo-data): "
          f"{ok}/{total} published numbers reproduced, {n_warn} ReconstructionWarnings")
    if args.per_figure:
        cols = ["figure", "split", "arm", "n", "events", "mae", "max_abs", "log_hr_error",
                "hr_published", "hr_rebuilt", "misses", "recon_warnings", "cpu_seconds"]
        print()
        _print(real["engine"][cols].set_index("figure"))
    if args.legacy:
        from summary_testbed import run_validation, summary_of

        print("\nLegacy 40-arm test bed (8 lifelines datasets + 12 trials simulated with the "
              "engine's own follow-up model):")
        _print(pd.DataFrame({m: summary_of(run_validation(fn)) for m, fn in METHODS.items()}))


if __name__ == "__main__":
    main()
