"""Import time of lmssurv against pandas, measured side by side in one run.

Each import runs in a fresh interpreter (``python -c "import X"``), so nothing is cached in the
process; the two are interleaved (pandas, lmssurv, pandas, lmssurv...) so that a busy machine
slows both alike. The median of several repeats is reported for each, with their ratio.

Target (issue 12): ``import lmssurv`` within 1.3x ``import pandas``. lmssurv needs pandas, so
the ratio cannot fall below 1; the gap is what lmssurv adds on top. With ``--strict`` the script
exits 1 when the ratio is above the target, so it can guard a CI job.

Run: ``python benchmarks/import_time.py [--repeats 9] [--target 1.3] [--strict]``
(``make benchmark`` runs it without ``--strict``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _one(module: str) -> float:
    """Wall time of a fresh interpreter that imports ``module`` (seconds)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
    return time.perf_counter() - start


def _baseline() -> float:
    """Wall time of a fresh interpreter that imports nothing (start-up cost, seconds)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="fresh imports of each (9)")
    parser.add_argument("--target", type=float, default=1.3, help="allowed ratio (1.3)")
    parser.add_argument("--strict", action="store_true", help="exit 1 above the target")
    args = parser.parse_args(argv)
    # one warm-up each: the first import after an install also compiles .pyc files
    _one("pandas")
    _one("lmssurv")
    times: dict[str, list[float]] = {"python (no import)": [], "pandas": [], "lmssurv": []}
    for _ in range(args.repeats):
        times["python (no import)"].append(_baseline())
        times["pandas"].append(_one("pandas"))
        times["lmssurv"].append(_one("lmssurv"))
    medians = {k: statistics.median(v) for k, v in times.items()}
    print(f"fresh-interpreter import time, median of {args.repeats} (seconds, wall clock)")
    for name, value in medians.items():
        spread = f"{min(times[name]):.3f}-{max(times[name]):.3f}"
        print(f"  {name:20s} {value:.3f}  (range {spread})")
    ratio = medians["lmssurv"] / medians["pandas"]
    verdict = "ok" if ratio <= args.target else "ABOVE TARGET"
    print(f"  ratio lmssurv / pandas: {ratio:.2f} (target <= {args.target:g}): {verdict}")
    return 1 if args.strict and ratio > args.target else 0


if __name__ == "__main__":
    sys.exit(main())
