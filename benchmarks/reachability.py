"""How far could the summary engine get with the early shape a paper does not print? (issue 9)

Run ``python benchmarks/reachability.py`` (about 20 seconds; tuning split only). Before the first
reported time the engine's cumulative hazard rises as ``t^k`` with ``k`` from a rule learned on
the tuning trials (``shape.early_slope_for``, tilted by the HR). No summary number tried so far
predicts an arm's own ``k`` (CHANGELOG.md). This benchmark asks what knowing it would be worth:
each arm's ``k`` is replaced by the power that fits that arm's TRUE Kaplan-Meier curve best
before the engine's first reported time (least absolute distance on the validation grid, the
true level at that time, powers on the engine's slope range, no HR tilt; an arm with nothing to
fit there keeps the rule), and the whole engine is run again. Everything else (anchors, HR
match, tail, placement) is the engine's own.

It uses the truth, so it is a bound, not a method: the gap between the two rows is what the
early shape costs, and the rest of the distance to the full-data oracle lies elsewhere (the
tail, and the true curve's own wiggle between reported points).
"""

from __future__ import annotations

import math
import sys
import warnings
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "validation"))

from kmdata_testbed import Case, figures
from summary_testbed import km_at, km_steps, score_grid

from lmssurv.reconstruct import from_summary, shape
from validation import stretches

#: powers tried per arm: 81 on a geometric grid over the engine's slope range
POWERS = np.geomspace(*shape._SLOPE_RANGE, 81)


def best_power(time: np.ndarray, event: np.ndarray, first: float) -> float:
    """The power ``k`` whose ``H(first) (t / first)^k`` is closest to the true KM before ``first``
    (summed absolute distance on the validation grid; ``H(first)`` the true KM's)."""
    steps = km_steps(time, event)
    grid = score_grid(time)
    grid = grid[grid < first]
    level = float(km_at(steps, np.array([first]))[0])
    if grid.size == 0 or not 0.0 < level < 1.0:
        return float("nan")
    truth = km_at(steps, grid)
    h1 = -math.log(level)
    cost = [np.abs(np.exp(-h1 * (grid / first) ** k) - truth).sum() for k in POWERS]
    return float(POWERS[int(np.argmin(cost))])


def with_true_powers(case: Case):
    """Patches that give each arm of ``case`` its :func:`best_power`, untilted (the engine fits
    every arm's curve in one ``fit_curves`` call, control first, as ``case.arm`` numbers them)."""
    fit = from_summary.fit_curves

    def fit_curves(anchors, log_hr, early_slope):
        arm = iter(range(len(anchors)))

        def power(first: float, chord: float | None = None) -> float:
            k = best_power(*case.arm(next(arm)), first)
            return early_slope(first, chord) if math.isnan(k) else k

        return fit(anchors, log_hr, power)

    return (mock.patch.object(from_summary, "fit_curves", fit_curves),
            mock.patch.object(shape, "_tilt_by_hr", lambda k, log_hr, arm: k))


def main() -> None:
    cases = figures(split="tuning")
    engine = stretches(cases)
    rows = []
    for case in cases:
        patch_fit, patch_tilt = with_true_powers(case)
        with patch_fit, patch_tilt, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows.append(stretches([case]))
    oracle = pd.concat(rows, ignore_index=True)
    table = {}
    for name, t in (("engine", engine), ("engine, each arm's best early power", oracle)):
        for ep in ("all", "OS", "PFS-like"):
            g = t if ep == "all" else t[t["endpoint"] == ep]
            table[(name, ep)] = {"arms": len(g), "median_mae": g["mae"].median(),
                                 "mean_mae": g["mae"].mean(), "worst_mae": g["mae"].max(),
                                 **{f"mean_{p}": g[p].mean() for p in ("before", "between", "after")}}
    with pd.option_context("display.width", 160, "display.max_columns", 20,
                           "display.float_format", "{:.4f}".format):
        print("Tuning split, seed 0: the engine, and the engine with each arm's early power "
              "fitted to its true KM\n(mean_before / between / after: the arm MAE's parts "
              "before the first reported point, between, after the last)\n")
        out = pd.DataFrame(table).T
        print(out.astype({"arms": int}))


if __name__ == "__main__":
    main()
