"""Speed of a two-arm, 150-patient summary-only reconstruction (issue 2: well under 100 ms).

Run ``python benchmarks/speed.py``. Inputs are LMS-04-like (see shared/reference/lms04.md):
control n=76, 60 events, median 24 (19-31) months, S(24)=0.49, median follow-up 55 months;
experimental n=74, 47 events, median 33 (26-48), S(24)=0.68; HR 0.65 (0.44-0.95).
Prints the median and best wall time per call over repeated timeit runs.
"""

from __future__ import annotations

import statistics
import timeit

from lmssurv.reconstruct.from_summary import reconstruct_trial
from lmssurv.summary import ArmSummary, HazardRatio

CONTROL = ArmSummary(n=76, events=60, median=24.0, median_ci=(19.0, 31.0), landmarks={24: 0.49},
                     median_follow_up=55.0, label="Doxorubicin")
EXPERIMENTAL = ArmSummary(n=74, events=47, median=33.0, median_ci=(26.0, 48.0),
                          landmarks={24: 0.68}, median_follow_up=55.0,
                          label="Doxorubicin + trabectedin")
HR = HazardRatio(0.65, 0.44, 0.95)


def main(repeat: int = 15, number: int = 5) -> None:
    reconstruct_trial(CONTROL, EXPERIMENTAL, hr=HR, seed=0)  # warm-up (imports, caches)
    runs = timeit.repeat(lambda: reconstruct_trial(CONTROL, EXPERIMENTAL, hr=HR, seed=0),
                         repeat=repeat, number=number)
    per_call = [1000 * r / number for r in runs]
    print(f"reconstruct_trial, 2 arms, 150 patients: median {statistics.median(per_call):.1f} ms, "
          f"best {min(per_call):.1f} ms per call ({repeat} x {number} calls)")


if __name__ == "__main__":
    main()
