"""A published log-rank p is a published number: where an unstratified log-rank test can give
it, the summary engine brings the rebuild's log-rank p onto it by moving censorings
(:func:`lmssurv.reconstruct.patients.pin_hr_ci` with ``p_value``), without losing any other
published number.

Reference numbers: the published HR, CI and p are the kmdata and simulated test beds'
summaries of the trials' own rows (the Cox fit rounded to two decimals; the trial's
unstratified log-rank p, lifelines, to three); the rebuilt p is recomputed here with
lifelines' ``logrank_test``, and the tolerance in closed form with scipy.stats.norm (below).
"""

from __future__ import annotations

import math
import warnings

import pytest
from kmdata_testbed import figures
from lifelines.statistics import logrank_test
from scipy.stats import norm
from sim_testbed import simulated_cases

from lmssurv import HazardRatio, ReconstructionWarning, reconstruct_trial


def _tolerance(hr: HazardRatio) -> float:
    # half a unit of the p's last decimal as the float shows it (at least the second: the
    # engine sees 0.090 as 0.09), or the change in p that the HR's rounding (0.005) makes on
    # the z scale, dz = 0.005 / HR / se, se from the printed CI, when that is larger
    decimals = max(len(repr(hr.p_value).split(".")[1]), 2)
    se = (math.log(hr.upper) - math.log(hr.lower)) / (2 * norm.isf(0.025))
    z, dz = norm.isf(hr.p_value / 2), 0.005 / hr.estimate / se
    return max(0.5 * 10.0**-decimals,
               *(abs(2 * norm.sf(z + s * dz) - hr.p_value) for s in (-1, 1)))


@pytest.mark.parametrize(("source", "name", "outcome"), [
    # main's rebuild: 0.00951 for 0.008 (tolerance 0.00132); every other number reproduced
    ("tuning", "JCOG0509_2A", "OS"),
    # main's rebuild: 0.266 for 0.239 (tolerance 0.0198)
    ("tuning", "ELM-PC5_2A", "OS"),
    # main's rebuild: 0.0952 for 0.09 (tolerance 0.005), with the HR CI upper limit (2.209
    # for 2.19) and the control arm's median CI lower limit missed: a limit already missed is
    # not the p's to reach, and stays missed (the HR's at 2.214 now)
    ("simulated", "sim0086_immature", "PFS"),
])
def test_log_rank_p_reproduced(source, name, outcome):
    cases = figures(split="tuning") if source == "tuning" else simulated_cases(600)
    case = next(c for c in cases if c.name == name and c.outcome == outcome)
    ctrl, exp, hr = case.summarise()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReconstructionWarning)
        ipd = reconstruct_trial(ctrl, exp, hr=hr, seed=0, endpoint=outcome.lower())
    c, e = (ipd[ipd["arm"] == a.label] for a in (ctrl, exp))
    got = logrank_test(c["time"], e["time"], c["event"], e["event"]).p_value
    assert abs(got - hr.p_value) <= _tolerance(hr), (hr, got, _tolerance(hr))
    warned = [w.message.check for w in caught if w.category is ReconstructionWarning]
    assert not any(x.quantity == "log-rank p" for x in warned)
    # nothing else lost: main missed only the p on the tuning figures, and the two limits
    # besides on the simulated one
    expected = {"HR CI upper", "median CI lower"} if source == "simulated" else set()
    assert {x.quantity for x in warned} == expected, [str(x) for x in warned]
