"""The 150-patient two-arm trial the speed target is stated for (issue 9: under 100 ms).

LMS-04-like inputs (see shared/reference/lms04.md): control n=76, 60 events, median 24 (19-31)
months, S(24)=0.49, median follow-up 55 months; experimental n=74, 47 events, median 33 (26-48),
S(24)=0.68; HR 0.65 (0.44-0.95). Used by ``test_validation_targets.py`` and
``benchmarks/speed.py``.
"""

from __future__ import annotations

from lmssurv.summary import ArmSummary, HazardRatio

__all__ = ["CONTROL", "EXPERIMENTAL", "HR"]

CONTROL = ArmSummary(n=76, events=60, median=24.0, median_ci=(19.0, 31.0), landmarks={24: 0.49},
                     median_follow_up=55.0, label="Doxorubicin")
EXPERIMENTAL = ArmSummary(n=74, events=47, median=33.0, median_ci=(26.0, 48.0),
                          landmarks={24: 0.68}, median_follow_up=55.0,
                          label="Doxorubicin + trabectedin")
HR = HazardRatio(0.65, 0.44, 0.95)
