"""The facts notebook 02 (regimens on one footing) tells a reader, asserted on the library.

The notebook shows the Bucher comparison of doxorubicin + trabectedin with doxorubicin +
olaratumab, every curated arm's rebuilt size and median, and the check table; this module makes
sure they stay true, each against a route independent of the code that produced it.
"""

from __future__ import annotations

import math
import warnings

import pandas as pd
import pytest

from lmssurv import ReconstructionWarning
from lmssurv.lms.regimens import (
    REGIMEN_TRIALS,
    forest_table,
    regimen_checks,
    regimen_ipd,
    regimen_summary,
)
from lmssurv.reconstruct.diagnostics import rounding_tolerance
from lmssurv.trials import load_trial

SEED = 0  # the notebook's seed
Z975 = 1.959963984540054


def test_bucher_row_matches_the_hand_computation():
    # By hand from the published HRs (LMS-04 OS 0.65, 0.44-0.95; ANNOUNCE LMS OS 0.95,
    # 0.69-1.31): log HR = log 0.65 - log 0.95, se from each CI's width on the log scale.
    se = math.hypot(math.log(0.95 / 0.44), math.log(1.31 / 0.69)) / (2 * Z975)
    forest = forest_table()
    row = forest[forest["comparison"].str.startswith(
        "DOX + trabectedin vs DOX + olaratumab")].iloc[0]
    assert row["kind"] == "indirect (Bucher)"
    assert row["hr"] == pytest.approx(0.65 / 0.95, abs=1e-12)
    # 1e-9: the same formula; only the order of floating-point operations differs
    assert row["lower 95%"] == pytest.approx(0.65 / 0.95 * math.exp(-Z975 * se), abs=1e-9)
    assert row["upper 95%"] == pytest.approx(0.65 / 0.95 * math.exp(Z975 * se), abs=1e-9)


@pytest.fixture(scope="module")
def rebuilt():
    with warnings.catch_warnings():  # the misses are the check table's subject, not this one's
        warnings.simplefilter("ignore", ReconstructionWarning)
        return pd.concat([regimen_summary(ep, seed=SEED) for ep in ("os", "pfs")])


def _published():
    out = {}
    for tid in REGIMEN_TRIALS:
        trial = load_trial(tid)
        for key in ("os", "pfs"):
            for arm in trial.endpoints[key].arms if key in trial.endpoints else ():
                out[(trial.name, arm.label, key)] = arm
    return out


def test_every_arm_has_its_published_size_and_median(rebuilt):
    published = _published()
    medians = rebuilt[rebuilt["quantity"] == "median"]
    assert len(medians) == len(published)
    for _, m in medians.iterrows():
        arm = published[(m["trial"], m["arm"], m["endpoint"])]
        assert m["n"] == arm.n, (m["trial"], m["arm"])
        if arm.median is not None:
            # the rounding the paper's own number allows: 24 -> +/-0.5, 12.2 -> +/-0.05
            tol = rounding_tolerance(arm.median, min_decimals=0)
            assert abs(m["estimate"] - arm.median) <= tol + 1e-9, (m["trial"], m["arm"])


def test_the_check_table_lists_no_missed_median():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReconstructionWarning)
        for ep in ("os", "pfs"):
            table = regimen_checks(regimen_ipd(ep, seed=SEED), ep)
            missed = [(t, q) for t, pairs in zip(table["trial"], table["missed"], strict=True)
                      for q, _ in pairs if q == "median"]
            assert missed == [], ep
