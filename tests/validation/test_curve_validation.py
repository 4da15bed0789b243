"""Validation of the curve engine on real patient data (issue 4 targets).

Every arm of the lifelines two-group datasets (``curve_testbed.arms``) is digitised as a careful
analyst would (corner clicks, at most 240, reading noise SD 0.2% of the time axis and 0.002 in
survival, at-risk table every 3/6/12/24 months, total events given), rebuilt, and compared with
its true Kaplan-Meier curve on 200 points from 0 to the 90th percentile of follow-up.

Targets (issue 4, against IPDfromKM's median 0.0034, worst 0.0117, events off by up to 10 and
median |log HR error| 0.0105 on such input): median arm error <= 0.0030, worst <= 0.008, n and
events exact in every arm, median |log HR error| <= 0.01. Three independent digitisations per
arm (fixed seeds) are pooled so that one lucky or unlucky draw of reading noise does not decide.

``dd_tenure_democracy`` (leaders' tenure in whole years: 1808 leaders, drops of up to 0.3 at
exact years) is a stress case reported by ``benchmarks/curve_validation.py`` and held here only to
exact n and events: with reading noise of 1.1 months on a 47-year axis the clicked curve itself
is further from the truth than the targets (the same selection rule as
``summary_testbed.real_trials``, which needs time recorded finer than a year).
"""

from __future__ import annotations

import pandas as pd
import pytest
from curve_testbed import run_validation

from lmssurv.reconstruct.from_curve import reconstruct_from_curve

SEEDS = (11, 22, 33)
STRESS = {"dd_tenure_democracy"}


def _rebuild(dig):
    return reconstruct_from_curve(dig.clicks, at_risk=dig.at_risk, events=dig.total_events)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.concat([run_validation(_rebuild, seed=s).assign(seed=s) for s in SEEDS],
                     ignore_index=True)


def test_n_and_events_exact_in_every_arm(table):
    assert (table["n_rebuilt"] == table["n_true"]).all()
    assert (table["events_rebuilt"] == table["events_true"]).all()


def test_km_error_median_target(table):
    main = table[~table["dataset"].isin(STRESS)]
    assert len(main) == 3 * 18
    # issue 4: median <= 0.0030 (IPDfromKM 0.0034)
    assert main["mean_abs"].median() <= 0.0030, main.sort_values("mean_abs").tail()


def test_km_error_worst_target(table):
    main = table[~table["dataset"].isin(STRESS)]
    # issue 4: worst <= 0.008 (IPDfromKM 0.0117). Measured 0.0060 (lymphoma stage group 1,
    # 19 patients); leukemia 6-MP (21 patients, seed 22) was 0.0091 until drops clicked across
    # a table time were placed by the table (now 0.0039). Seeds 0-49: worst 0.0069.
    assert main["mean_abs"].max() <= 0.008, main.sort_values("mean_abs").tail()


def test_log_hr_target(table):
    per_dataset = table[~table["dataset"].isin(STRESS)].drop_duplicates(["seed", "dataset"])
    # issue 4: median |log HR(rebuilt) - log HR(true)| <= 0.01 (IPDfromKM 0.0105)
    assert per_dataset["log_hr_abs_error"].median() <= 0.01, per_dataset
