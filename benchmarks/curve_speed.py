"""Speed of the curve engine: milliseconds per arm for a 240-click curve (target < 20 ms).

Every arm of the curve test bed (tests/validation/curve_testbed.py) is digitised once (at most
240 clicks, reading noise) and rebuilt ``REPEATS`` times; the table gives the median time per
call. IPDfromKM takes 50-250 ms per arm on such input (issue 4).

Run: ``.venv/bin/python benchmarks/curve_speed.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "validation"))

from curve_testbed import arms, digitise

from lmssurv.reconstruct.from_curve import reconstruct_from_curve

REPEATS = 15


def main() -> pd.DataFrame:
    rows = []
    for k, arm in enumerate(arms()):
        dig = digitise(arm, np.random.default_rng([2024, k]))
        reconstruct_from_curve(dig.clicks, at_risk=dig.at_risk, events=dig.total_events)
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            reconstruct_from_curve(dig.clicks, at_risk=dig.at_risk,
                                   events=dig.total_events)
            times.append(1000 * (time.perf_counter() - start))
        rows.append({"dataset": arm.dataset, "arm": arm.label, "n": arm.time.size,
                     "clicks": len(dig.clicks), "table_columns": len(dig.at_risk),
                     "median_ms": float(np.median(times)), "max_ms": float(np.max(times))})
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 120):
        print(table.round(2).to_string(index=False))
    full = table[table["clicks"] >= 200]
    print(f"\n240-click curves: median {full['median_ms'].median():.1f} ms, "
          f"slowest {full['median_ms'].max():.1f} ms per arm (target < 20 ms)")
    return table


if __name__ == "__main__":
    main()
