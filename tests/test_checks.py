"""Tests of lmssurv.checks: each recomputed quantity against an independent route."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from scipy import stats

from lmssurv._validation import InputError
from lmssurv.checks import COLUMNS, check, check_arm, check_comparison, infer_ci_transform
from lmssurv.km import fit_km, landmark_ci, survival_at
from lmssurv.summary import ArmSummary, HazardRatio

Z = stats.norm.ppf(0.975)


def ten_deaths() -> pd.DataFrame:
    """10 patients, one death at each of months 1..10, no censoring.

    Closed forms (n = 10): S(k) = 1 - k/10 and Greenwood's sum
    sum_{i<=k} 1/((n-i+1)(n-i)) telescopes to k / (n (n - k)).
    """
    return pd.DataFrame({"time": np.arange(1.0, 11.0), "event": 1})


def loglog_band(k: int, sign: int) -> float:
    s = 1 - k / 10
    se = math.sqrt(k / (10 * (10 - k)))
    return math.exp(-math.exp(math.log(-math.log(s)) + sign * Z * se / math.log(s)))


def row(report: pd.DataFrame, quantity: str, arm: str | None = None) -> pd.Series:
    sel = report["quantity"] == quantity
    if arm is not None:
        sel &= report["arm"] == arm
    assert sel.sum() == 1, report[["quantity", "arm"]]
    return report.loc[sel].iloc[0]


# -- the KM quantities against closed forms --------------------------------------------------
def test_median_is_first_time_survival_reaches_half():
    # By hand: S(1) = .8, S(2) = .6, S(3) = .4 -> first S <= 0.5 at month 3.
    ipd = pd.DataFrame({"time": [1.0, 2, 3, 4, 5], "event": [1, 1, 1, 0, 1]})
    report = check_arm(ArmSummary(n=5, events=4, median=3.0), ipd)
    assert row(report, "median")["reconstructed"] == 3.0
    # S = 0.5 exactly on [5, 6): lifelines (and this check) take 5; R's survfit takes the
    # midpoint 5.5. Published medians come from SAS/R; the tolerance absorbs such half-steps.
    report = check_arm(ArmSummary(n=10, median=5.0), ten_deaths())
    assert row(report, "median")["reconstructed"] == 5.0


def test_median_ci_is_brookmeyer_crowley_loglog_closed_form():
    # The CI bounds are the first months at which the log-log lower / upper bands are <= 0.5,
    # computed here from the closed-form Greenwood sum, not from lifelines.
    lower = next(k for k in range(1, 10) if loglog_band(k, -1) <= 0.5)
    upper = next(k for k in range(1, 10) if loglog_band(k, +1) <= 0.5)
    # sanity of the hand route: with 10 patients S(1) = 0.9 has log-log CI (0.47, 0.99), so the
    # lower band is below 0.5 from month 1 on
    assert (lower, upper) == (1, 8)
    report = check_arm(ArmSummary(n=10, median=5.0, median_ci=(1.0, 8.0)), ten_deaths())
    assert row(report, "median 95% CI lower")["reconstructed"] == lower
    assert row(report, "median 95% CI upper")["reconstructed"] == upper
    assert report.attrs["all_ok"]


@pytest.mark.parametrize(
    ("transform", "expected"),
    [
        # S(5) = 0.5, Greenwood sum 5 / (10 * 5) = 0.1, SE(S) = 0.5 * sqrt(0.1)
        ("plain", (0.5 - Z * 0.5 * math.sqrt(0.1), 0.5 + Z * 0.5 * math.sqrt(0.1))),
        ("log", (0.5 * math.exp(-Z * math.sqrt(0.1)), 0.5 * math.exp(Z * math.sqrt(0.1)))),
        ("logit", (1 / (1 + math.exp(Z * math.sqrt(0.1) / 0.5)),
                   1 / (1 + math.exp(-Z * math.sqrt(0.1) / 0.5)))),
        ("loglog", (loglog_band(5, -1), loglog_band(5, +1))),
    ],
)
def test_landmark_ci_closed_forms(transform, expected):
    ipd = ten_deaths()
    got = landmark_ci(ipd["time"], ipd["event"], 5.5, transform=transform)
    np.testing.assert_allclose(got, expected, rtol=1e-12)  # same formula: float noise only


def test_loglog_landmark_ci_matches_lifelines():
    # Second route for the log-log CI: lifelines' own confidence_interval_ on censored data.
    rng = np.random.default_rng(3)
    t = rng.exponential(10, 60)
    c = rng.uniform(5, 30, 60)
    time, event = np.minimum(t, c), (t <= c).astype(int)
    kmf = KaplanMeierFitter().fit(time, event)
    with np.errstate():
        ref = kmf.confidence_interval_.loc[:12.0].iloc[-1].to_numpy()
    got = landmark_ci(time, event, 12.0, transform="loglog")
    np.testing.assert_allclose(got, ref, rtol=1e-9)  # identical formula, float noise only
    assert survival_at(time, event, 12.0) == pytest.approx(
        float(kmf.survival_function_.loc[:12.0].iloc[-1, 0]), abs=1e-12
    )


def test_landmark_past_follow_up_is_not_estimable():
    # lifelines would return the last value (0.6 here); a 24-month rate is not estimable.
    ipd = pd.DataFrame({"time": [1.0, 2, 3, 4, 5], "event": [1, 1, 0, 0, 0]})
    report = check_arm(ArmSummary(n=5, landmarks={24: 0.5}), ipd)
    r = row(report, "S(24)")
    assert math.isnan(r["reconstructed"])
    assert not r["ok"]
    assert "not estimable" in r["note"]
    assert not report.attrs["all_ok"]


def test_reverse_km_follow_up_closed_form():
    # By hand: censoring is the "event" and the death at 2 censors follow-up. Reverse KM over
    # 1, 3, 4, 5: 4/5 = 0.8, 0.8 * 2/3 = 0.533, 0.533 * 1/2 = 0.267 -> median 4 (not 3, the
    # naive median of the censoring times, which ignores the death).
    ipd = pd.DataFrame({"time": [1.0, 2, 3, 4, 5], "event": [0, 1, 0, 0, 0]})
    report = check_arm(ArmSummary(n=5, median_follow_up=4.0), ipd)
    assert row(report, "median follow-up")["reconstructed"] == 4.0


# -- tolerances ------------------------------------------------------------------------------
def test_tolerance_half_unit_of_reported_digit_and_step_guard():
    rng = np.random.default_rng(0)
    n = 2000  # dense events: the step guards stay below the rounding half-unit
    t = rng.exponential(30, n)
    c = rng.uniform(20, 80, n)
    ipd = pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int)})
    s24 = survival_at(ipd["time"], ipd["event"], 24.0)
    summary = ArmSummary(n=n, median=21.0, landmarks={24: round(s24, 2)})
    report = check_arm(summary, ipd, precision={"median": 1.0})
    assert row(report, "median")["tolerance"] == 0.5  # reported "21": +/- 0.5 month
    assert row(report, "S(24)")["tolerance"] == 0.005  # a whole percent: +/- 0.005
    # With 74 patients the KM step at 24 months is larger than a whole percent's rounding.
    small = ipd.iloc[:74]
    s = survival_at(small["time"], small["event"], 24.0)
    y = int((small["time"] >= 24).sum())
    report = check_arm(ArmSummary(n=74, landmarks={24: round(s, 3)}), small,
                       precision={"landmarks[24]": 0.001})
    assert row(report, "S(24)")["tolerance"] == pytest.approx(s / (2 * y), rel=1e-12)
    assert "half a KM step" in row(report, "S(24)")["note"]


def test_precision_mapping_overrides_inference():
    ipd = ten_deaths()
    report = check_arm(ArmSummary(n=10, median=5.0), ipd, precision={"median": 0.1})
    # "5.0" was printed: +/- 0.05, widened to half the gap between the events at 5 and 6.
    assert row(report, "median")["tolerance"] == 0.25  # min(gap 1 / 2, 5% of 5) = 0.25


def test_events_and_n_must_match_exactly():
    ipd = ten_deaths()
    report = check_arm(ArmSummary(n=10, events=9), ipd)
    r = row(report, "events")
    assert (r["published"], r["reconstructed"], r["ok"]) == (9.0, 10.0, False)
    assert list(report.columns) == COLUMNS


def test_infer_ci_transform():
    # LMS-04 PFS landmark CIs (Lancet Oncol 2022 via CancerNetwork) are symmetric on the logit
    # scale: 16.0% (9.4-25.9), 5.3% (2.1-12.9) ...
    lms04 = [(0.507, 0.395, 0.619), (0.16, 0.094, 0.259), (0.302, 0.209, 0.415),
             (0.053, 0.021, 0.129)]
    assert infer_ci_transform(lms04) == "logit"
    ipd = pd.DataFrame({"time": np.arange(1.0, 41.0), "event": 1})
    for transform in ("loglog", "log", "plain"):
        cis = [(1 - k / 40, *landmark_ci(ipd["time"], ipd["event"], k + 0.5, transform=transform))
               for k in (8, 30)]
        assert infer_ci_transform(cis) == transform
    assert infer_ci_transform([(0.5, None, 0.6)]) == "loglog"


# -- comparison ------------------------------------------------------------------------------
def simulated_trial(seed=0, n=150, hr=0.6):
    rng = np.random.default_rng(seed)
    arm = np.repeat(["Control", "New"], n // 2)
    rate = np.where(arm == "New", hr, 1.0) / 12
    t = rng.exponential(1 / rate)
    c = rng.uniform(24, 60, n)
    return pd.DataFrame({"arm": arm, "time": np.minimum(t, c), "event": (t <= c).astype(int)})


def test_hr_tolerances_and_p_bound():
    ipd = simulated_trial()
    c = ipd[ipd["arm"] == "Control"]
    e = ipd[ipd["arm"] == "New"]
    first = check_comparison(HazardRatio(0.5, 0.3, 0.9), c, e)
    est, lo, hi = first["reconstructed"].tolist()
    published = HazardRatio(round(est, 2), round(lo, 2), round(hi, 2))
    report = check_comparison(published, c, e, log_rank_p=0.5, p_bound="<", adjusted="site")
    assert report["ok"].all()
    hr_row = row(report, "HR")
    assert hr_row["tolerance"] == 0.005
    assert "adjusted for site" in hr_row["note"]
    # CI bound: half its own unit + the share of the HR's rounding it inherits
    up = row(report, "HR 95% CI upper")
    assert up["tolerance"] == pytest.approx(0.005 + published.upper * 0.005 / published.estimate)
    assert row(report, "log-rank p")["ok"]
    # an HR 0.02 away is outside +/- 0.005
    off = check_comparison(HazardRatio(round(est, 2) + 0.02), c, e)
    assert not row(off, "HR")["ok"]


def test_check_on_curated_trial_uses_reported_precision():
    from lmssurv.trials import load_trial

    trial = load_trial("lms04")
    ep = trial.endpoints["pfs"]
    ipd = simulated_trial(seed=1, hr=0.45).replace(
        {"arm": {"Control": ep.control.label, "New": ep.experimental.label}})
    report = check(trial, "pfs", ipd)
    assert report.attrs["endpoint"] == "pfs"
    assert set(report["arm"]) == {ep.control.label, ep.experimental.label,
                                  "experimental vs control"}
    # 12.2 was printed with one decimal: at least +/- 0.05
    assert row(report, "median", ep.experimental.label)["tolerance"] >= 0.05
    assert "(reported)" in row(report, "median", ep.experimental.label)["note"]
    assert "logit" in row(report, "S(12) 95% CI lower", ep.control.label)["method"]
    p = row(report, "log-rank p")
    assert p["published"] == 0.0001 and "p < 0.0001" in p["note"]
    assert "adjusted" in row(report, "HR")["note"]
    # OS: one follow-up for the whole trial -> one pooled row
    ep_os = trial.endpoints["os"]
    ipd_os = simulated_trial(seed=2, hr=0.65).replace(
        {"arm": {"Control": ep_os.control.label, "New": ep_os.experimental.label}})
    os_report = check(trial, "os", ipd_os)
    assert row(os_report, "median follow-up")["arm"] == "both arms"
    assert row(os_report, "events", "both arms")["published"] == 107


def test_numpy_error_state_is_left_alone():
    before = np.geterr()
    check_arm(ArmSummary(n=10, median=5.0, median_ci=(1.0, 8.0)), ten_deaths())
    fit_km([1.0, 2.0], [1, 0])
    assert np.geterr() == before


# -- bad input -------------------------------------------------------------------------------
def test_bad_ipd_messages():
    with pytest.raises(InputError, match=r"missing column\(s\) \['event'\]"):
        check_arm(ArmSummary(n=3), pd.DataFrame({"time": [1.0, 2, 3]}))
    with pytest.raises(InputError, match="time must be finite months >= 0; row 1 has -2"):
        check_arm(ArmSummary(n=3), pd.DataFrame({"time": [1.0, -2, 3], "event": 1}))
    with pytest.raises(InputError, match="event must be 0"):
        check_arm(ArmSummary(n=3), pd.DataFrame({"time": [1.0, 2, 3], "event": [1, 2, 0]}))
    with pytest.raises(InputError, match="summary must be an ArmSummary"):
        check_arm({"n": 3}, ten_deaths())
    with pytest.raises(InputError, match=r"positive number .* got -1"):
        check_arm(ArmSummary(n=10, median=5.0), ten_deaths(), precision={"median": -1})


def test_check_names_missing_arm_and_endpoint():
    from lmssurv.trials import load_trial

    trial = load_trial("lms04")
    with pytest.raises(InputError, match=r"no endpoint 'dfs'; its endpoints: dor_lancet2022, os, "):
        check(trial, "dfs", simulated_trial())
    with pytest.raises(InputError, match="no rows for arm 'Doxorubicin'"):
        check(trial, "os", simulated_trial())


@pytest.mark.parametrize("c, e", [
    # an arm without events
    (([1.0, 2.0, 3.0], [1, 1, 0]), ([1.5, 2.5, 3.5], [0, 0, 0])),
    # both arms have events, but the control's only event is after every experimental time:
    # sweep /tmp/fuzz-w/checkplot_rebuilt.py (seed 3), the rebuild of a legal trial (control
    # n=1, events=1, median 14.1; experimental n=6, events=2; HR 2.5, 1.667-3.75), on which
    # check() raised "check that both arms have events"
    (([14.1], [1]), ([0.17, 3.34, 3.79, 6.47, 8.01, 10.14], [0, 0, 1, 0, 1, 0])),
])
def test_an_hr_not_estimable_from_the_pseudo_data_fails_its_rows_and_says_why(c, e):
    # Independent route: lifelines' CoxPHFitter on either data set stops at |log HR| 15-17
    # with SE 2600-3600 and warns "norm(delta) is still high ... non-unique solution" (the
    # partial likelihood is monotone in log HR); lmssurv.cox returns nan for it.
    c, e = (pd.DataFrame({"time": t, "event": d}) for t, d in (c, e))
    out = check_comparison(HazardRatio(0.5, 0.3, 0.8), c, e, log_rank_p=0.04)
    hr_rows = out[out["quantity"].str.startswith("HR")]
    assert len(hr_rows) == 3 and hr_rows["reconstructed"].isna().all()
    assert not hr_rows["ok"].any() and not out.attrs["all_ok"]
    assert hr_rows["note"].str.contains("not estimable: the Cox partial likelihood").all()
    assert math.isfinite(out.loc[out["quantity"] == "log-rank p", "reconstructed"].iloc[0])
