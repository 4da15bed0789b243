"""The summary-only engine: exactness, reproducibility and the published numbers it must hit.

Reference numbers come from the LMS-04 publications (NEJM 2024 OS, Lancet Oncol 2022 PFS; see
data/lms04.toml) and are recomputed from the pseudo-data with lifelines, an implementation
independent of the engine (KM median, Brookmeyer-Crowley log-log median CI, Cox HR).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.utils import median_survival_times

from lmssurv import ArmSummary, HazardRatio, reconstruct_arm, reconstruct_trial
from lmssurv.cox import cox_two_group
from lmssurv.reconstruct.censoring import follow_up_model
from lmssurv.reconstruct.diagnostics import EventsSource

# LMS-04 overall survival, NEJM 2024 abstract (PMID 39231341): deaths 60/76 vs 47/74, median
# 24 (19-31) vs 33 (26-48) months, 2-year OS 49% vs 68% (ASCO Post 2024), HR 0.65 (0.44-0.95),
# median follow-up 55 months; accrual January 2017 - March 2019 (26 months).
CONTROL = ArmSummary(n=76, events=60, median=24.0, median_ci=(19.0, 31.0), landmarks={24: 0.49},
                     median_follow_up=55.0, accrual=26.0, label="Doxorubicin")
EXPERIMENTAL = ArmSummary(n=74, events=47, median=33.0, median_ci=(26.0, 48.0),
                          landmarks={24: 0.68}, median_follow_up=55.0, accrual=26.0,
                          label="Doxorubicin + trabectedin")
HR = HazardRatio(0.65, 0.44, 0.95)


def _km(part: pd.DataFrame) -> KaplanMeierFitter:
    with np.errstate():  # KaplanMeierFitter.fit calls np.seterr; errstate restores it
        return KaplanMeierFitter().fit(part["time"], part["event"])


@pytest.fixture(scope="module")
def lms04_os() -> pd.DataFrame:
    return reconstruct_trial(CONTROL, EXPERIMENTAL, hr=HR, seed=0)


def test_columns_rows_and_events_are_exact(lms04_os):
    assert list(lms04_os.columns) == ["arm", "time", "event"]
    counts = lms04_os.groupby("arm", sort=False)["event"].agg(["size", "sum"])
    assert counts.loc["Doxorubicin"].tolist() == [76, 60]
    assert counts.loc["Doxorubicin + trabectedin"].tolist() == [74, 47]
    assert set(lms04_os["event"].unique()) <= {0, 1}
    assert (lms04_os["time"] > 0).all()


@pytest.mark.parametrize("summary", [CONTROL, EXPERIMENTAL], ids=["control", "experimental"])
def test_km_median_its_ci_and_landmark_are_the_published_ones(lms04_os, summary):
    kmf = _km(lms04_os[lms04_os["arm"] == summary.label])
    # KM median = first time S(t) <= 0.5 (lifelines' definition): the published value exactly
    assert kmf.median_survival_time_ == pytest.approx(summary.median, abs=1e-9)
    ci = median_survival_times(kmf.confidence_interval_).iloc[0].tolist()
    # Brookmeyer-Crowley limits from lifelines' log-log bands: the published whole months
    assert ci == pytest.approx(list(summary.median_ci), abs=1e-9)
    (t, s), = summary.landmarks.items()
    # within half a unit of the published whole percent (0.005) or half a KM step
    assert float(kmf.survival_function_at_times(t).iloc[0]) == pytest.approx(s, abs=0.006)


def test_cox_hr_of_pseudo_data_matches_published_hr(lms04_os):
    df = lms04_os.assign(x=(lms04_os["arm"] != "Doxorubicin").astype(int))[["time", "event", "x"]]
    summary = CoxPHFitter().fit(df, "time", "event").summary.loc["x"]
    # the tolerance: HR within 0.03, CI within the published rounding (+-0.01)
    assert summary["exp(coef)"] == pytest.approx(0.65, abs=0.03)
    assert summary["exp(coef) lower 95%"] == pytest.approx(0.44, abs=0.01)
    assert summary["exp(coef) upper 95%"] == pytest.approx(0.95, abs=0.015)


def test_nobody_is_followed_longer_than_the_trial_lasted(lms04_os):
    # first patient January 2017, cut-off January 2023 (NEJM 2024): at most 72 months, and
    # the pseudo-data's last observation in each arm is a censoring (patients alive at cut-off)
    assert lms04_os["time"].max() <= 72.0
    for _, part in lms04_os.groupby("arm"):
        assert part.sort_values("time")["event"].iloc[-1] == 0


def test_reverse_km_median_follow_up_is_the_published_one(lms04_os):
    with np.errstate():
        rev = KaplanMeierFitter().fit(lms04_os["time"], 1 - lms04_os["event"])
    assert rev.median_survival_time_ == pytest.approx(55.0, abs=0.5)  # NEJM: 55 months


def test_same_seed_same_rows_other_seed_other_rows():
    a = reconstruct_trial(CONTROL, EXPERIMENTAL, hr=HR, seed=3)
    b = reconstruct_trial(CONTROL, EXPERIMENTAL, hr=HR, seed=3)
    c = reconstruct_trial(CONTROL, EXPERIMENTAL, hr=HR, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["time"].to_numpy(), c["time"].to_numpy())
    assert c.groupby("arm")["event"].sum().to_dict() == a.groupby("arm")["event"].sum().to_dict()


def test_numpy_seed_sequence_is_accepted_and_bad_seeds_are_refused():
    seq = np.random.SeedSequence(7)
    one = reconstruct_arm(CONTROL, seed=seq)
    assert len(one) == 76
    pd.testing.assert_frame_equal(reconstruct_arm(CONTROL, seed=seq), one)  # not consumed
    for bad in (-1, 1.5, "0", None, True):
        with pytest.raises(ValueError, match="seed must be a non-negative whole number"):
            reconstruct_arm(CONTROL, seed=bad)


def test_events_inferred_from_hr_ci_width_when_not_reported():
    # LMS-04 PFS, Lancet Oncol 2022 (central review): no event counts were published.
    ctrl = ArmSummary(n=76, median=6.2, median_ci=(4.1, 7.1), landmarks={12: 0.16, 24: 0.053},
                      median_follow_up=36.9, accrual=26.0, label="Doxorubicin")
    exp = ArmSummary(n=74, median=12.2, median_ci=(10.1, 15.6),
                     landmarks={12: 0.507, 24: 0.302}, median_follow_up=38.8, accrual=26.0,
                     label="Doxorubicin + trabectedin")
    hr = HazardRatio(0.41, 0.29, 0.58)
    ipd = reconstruct_trial(ctrl, exp, hr=hr, seed=0)
    d = ipd.groupby("arm", sort=False)["event"].sum()
    # closed form: var(log HR) = 1/d1 + 1/d2 (Parmar 1998); the CI gives se^2 = 0.03127. The
    # engine starts there, then refines the counts so the Cox SE matches (risk sets are not
    # balanced at HR 0.41): the counts stay within 10% of the closed form...
    se = (math.log(0.58) - math.log(0.29)) / (2 * 1.959963984540054)
    assert 1 / d.iloc[0] + 1 / d.iloc[1] == pytest.approx(se**2, rel=0.10)
    # ... and lifelines' Cox SE of the pseudo-data is the published one within 3% (variance)
    df = ipd.assign(x=(ipd["arm"] == "Doxorubicin + trabectedin").astype(int))
    fit_se = CoxPHFitter().fit(df[["time", "event", "x"]], "time", "event").standard_errors_["x"]
    assert fit_se**2 == pytest.approx(se**2, rel=0.03)
    # S(24) = 5.3% with follow-up starting ~24 months: at least 72 of 76 must progress
    assert d.iloc[0] >= 72
    arms = ipd.attrs["lmssurv"].arms
    assert all(a.events_source is EventsSource.HR_CI_WIDTH for a in arms)


def test_single_arm_reconstruction_reports_its_diagnostics():
    arm = ArmSummary(n=42, median=8.0, landmarks={3: 0.74}, median_follow_up=18.0)
    ipd = reconstruct_arm(arm, seed=1)
    assert list(ipd.columns) == ["time", "event"] and len(ipd) == 42
    diag = ipd.attrs["lmssurv"].arms[0]
    assert diag.events_source is EventsSource.EXPECTED
    assert [a[0] for a in diag.anchors] == ["S(3)", "median"]
    assert _km(ipd).median_survival_time_ == pytest.approx(8.0)


def test_arm_without_survival_points_is_placed_by_the_hr():
    ctrl = ArmSummary(n=60, events=40, median_follow_up=24.0)
    exp = ArmSummary(n=60, events=30, median=15.0, landmarks={12: 0.6}, median_follow_up=24.0)
    # the CI that 40 and 30 events give: 0.6 exp(+-1.96 sqrt(1/40 + 1/30)) = 0.374, 0.963
    ipd = reconstruct_trial(ctrl, exp, hr=HazardRatio(0.6, 0.37, 0.96), seed=0)
    group = (ipd["arm"] == "experimental").to_numpy()
    hr = cox_two_group(ipd["time"].to_numpy(), ipd["event"].to_numpy(), group).hr
    assert hr == pytest.approx(0.6, abs=0.03)
    assert ipd.attrs["lmssurv"].arms[0].shape_notes == (
        "placed by the hazard ratio (no survival point of its own)",)


def test_trial_without_any_survival_point_is_a_clear_error():
    with pytest.raises(ValueError, match="at least one survival point is needed"):
        reconstruct_trial(ArmSummary(n=10, events=5), ArmSummary(n=10, events=4))


def test_follow_up_model_median_is_the_reported_one():
    # uniform entry over the accrual period: potential follow-up U(m - a/2, m + a/2)
    model = follow_up_model(55.0, None, 26.0, last_reported_time=31.0)
    assert model.knots == (42.0, 55.0, 68.0)
    assert float(model.survival(np.array([55.0]))[0]) == pytest.approx(0.5)
