"""Tests for lmssurv.compare: RMST, landmark, median, RMST difference, Bucher, caveats.

Reference values come from three independent routes:

* R 4.2.2, survival 3.5.3 (Debian r-cran-survival), on the ``aml`` and ``ovarian`` data sets
  shipped with R survival (copied below), via ``print(survfit(...), rmean=tau)`` /
  ``summary(f, rmean=tau)$table`` and ``summary(survfit(..., conf.type="log-log"), times=)``.
  The script is in the docstring of :data:`R_SCRIPT`.
* Closed forms: without censoring the KM is the empirical distribution, so RMST(tau) is
  ``mean(min(T, tau))`` and the Greenwood-type variance equals the plug-in variance of a mean,
  ``sum((x - xbar)**2) / n**2``.
* Hand computations written out in the comments.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmssurv._validation import InputError
from lmssurv.compare import (
    BUCHER_ASSUMPTIONS,
    CAVEAT_COLUMNS,
    BeyondFollowUpError,
    Caveats,
    bucher,
    combine_tables,
    compare_arms,
    landmark,
    median_survival,
    rmst,
    rmst_difference,
    summarise_arms,
)
from lmssurv.summary import HazardRatio

R_SCRIPT = """
library(survival)  # 3.5.3, R 4.2.2
aml$x <- as.character(aml$x)
for (g in c("Maintained", "Nonmaintained")) {
  f <- survfit(Surv(time, status) ~ 1, data = aml[aml$x == g, ], conf.type = "log-log")
  print(summary(f)$table)                                  # median and its CI
  for (tau in c(20, 30)) print(summary(f, rmean = tau)$table[c("rmean", "se(rmean)")])
  s <- summary(f, times = c(12, 24)); print(cbind(s$surv, s$std.err, s$lower, s$upper, s$n.risk))
}
f <- survfit(Surv(futime, fustat) ~ 1, data = ovarian, conf.type = "log-log")
print(summary(f)$table); print(summary(f, rmean = 365)$table); print(summary(f, rmean = 1000)$table)
s <- summary(f, times = c(365, 730)); print(cbind(s$surv, s$std.err, s$lower, s$upper))
"""

# aml (Miller 1997), R survival: time in weeks, status 1 = relapse.
AML_MAINTAINED = ([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161], [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0])
AML_NONMAINTAINED = ([5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45],
                     [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1])
# ovarian (Edmonson 1979), R survival: futime in days, fustat 1 = death.
OVARIAN = (
    [59, 115, 156, 421, 431, 448, 464, 475, 477, 563, 638, 744, 769, 770, 803, 855, 1040, 1106,
     1129, 1206, 1227, 268, 329, 353, 365, 377],
    [1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0],
)

# R prints 10 significant digits; the estimates are exact rational arithmetic in both programs,
# so agreement to 1e-8 relative is expected and anything looser would hide a formula change.
R_RTOL = 1e-8


# -- RMST ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "tau", "r_rmean", "r_se"),
    [
        (AML_MAINTAINED, 20, 18.159090909, 1.066831946),
        (AML_MAINTAINED, 30, 24.602272727, 2.313149377),
        (AML_NONMAINTAINED, 20, 14.833333333, 1.828908802),
        (AML_NONMAINTAINED, 30, 19.694444444, 3.054197931),
        (OVARIAN, 365, 330.00000000, 16.26409266),
        (OVARIAN, 1000, 681.24112619, 68.87373923),
    ],
)
def test_rmst_matches_r_survival(data, tau, r_rmean, r_se):
    r = rmst(*data, tau)
    assert r.estimate == pytest.approx(r_rmean, rel=R_RTOL)
    assert r.se == pytest.approx(r_se, rel=R_RTOL)
    z = 1.959963984540054  # qnorm(0.975)
    assert r.ci == pytest.approx((r_rmean - z * r_se, r_rmean + z * r_se), rel=R_RTOL)


def test_rmst_small_hand_computation():
    # times 1, 2+, 3, 4, 5+ ; tau = 4.5
    # KM: S = 1 on [0,1), 4/5 on [1,3), 4/5*2/3 = 8/15 on [3,4), 8/15*1/2 = 4/15 on [4, 4.5]
    # RMST = 1 + 2*4/5 + 1*8/15 + 0.5*4/15 = 49/15
    # A_1 = 49/15 - 1 = 34/15, A_3 = 8/15 + 2/15 = 10/15, A_4 = 2/15
    # var = (34/15)^2 * 1/(5*4) + (10/15)^2 * 1/(3*2) + (2/15)^2 * 1/(2*1)
    var = (34 / 15) ** 2 / 20 + (10 / 15) ** 2 / 6 + (2 / 15) ** 2 / 2
    r = rmst([1, 2, 3, 4, 5], [1, 0, 1, 1, 0], 4.5)
    assert r.estimate == pytest.approx(49 / 15, rel=1e-12)  # exact arithmetic, float rounding
    assert r.se == pytest.approx(math.sqrt(var), rel=1e-12)
    assert (r.n, r.events) == (5, 3)


@settings(max_examples=60, deadline=None)
@given(
    times=st.lists(st.integers(min_value=0, max_value=40), min_size=2, max_size=60),
    tau=st.integers(min_value=1, max_value=40),
)
def test_rmst_without_censoring_is_the_plug_in_mean(times, tau):
    # Closed form: no censoring -> KM = empirical distribution, RMST = mean(min(T, tau)) and
    # var = sum((x - xbar)^2)/n^2 = sd(x)^2 (n-1)/n^2. Integer times give ties, which the
    # Greenwood sum must handle. Agreement is to float rounding (1e-9 absolute on months).
    # tau may exceed every time: the KM reaches 0 at the last (event) time, so RMST is defined.
    t = np.asarray(times, dtype=float)
    x = np.minimum(t, tau)
    n = t.size
    r = rmst(t, np.ones(n), tau)
    assert r.estimate == pytest.approx(x.mean(), abs=1e-9)
    assert r.se == pytest.approx(math.sqrt(np.sum((x - x.mean()) ** 2)) / n, abs=1e-9)


def test_rmst_estimate_agrees_with_lifelines():
    # lifelines' RMST point estimate is right (only its variance is wrong, issue #1682):
    # an independent implementation of the integral. 1e-10: float rounding.
    from lifelines import KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    rng = np.random.default_rng(7)
    t = np.round(rng.weibull(1.3, 150) * 20, 1)
    c = rng.uniform(5, 40, 150)
    time, event = np.minimum(t, c), (t <= c).astype(int)
    old = np.geterr()
    try:
        kmf = KaplanMeierFitter().fit(time, event)
    finally:
        np.seterr(**old)
    for tau in (6.0, 12.0, 24.0):
        ref = restricted_mean_survival_time(kmf, t=tau)
        assert rmst(time, event, tau).estimate == pytest.approx(ref, abs=1e-10)


def test_rmst_beyond_follow_up_is_refused_unless_curve_reached_zero():
    # its own class, so callers that report such a horizon as nan catch it by type
    with pytest.raises(BeyondFollowUpError,
                       match=r"tau = 6 months lies beyond the last follow-up \(5"):
        rmst([1, 2, 3, 4, 5], [1, 0, 1, 1, 0], 6)
    assert issubclass(BeyondFollowUpError, InputError)
    # last observation is an event: S = 0 afterwards, RMST(tau) = RMST(5) for tau >= 5
    r = rmst([1, 2, 3], [1, 1, 1], 10)
    assert r.estimate == pytest.approx(2.0, rel=1e-12)  # (1 + 2 + 3) / 3


@pytest.mark.parametrize(
    ("time", "event", "tau", "match"),
    [
        ([1, 2], [1], 1, "time has 2 values but event has 1"),
        ([1, -2], [1, 1], 1, "time must be finite and >= 0"),
        ([1, float("nan")], [1, 1], 1, "time must be finite"),
        ([1, 2], [1, 2], 1, "event must be 1 \\(event\\) or 0"),
        ([], [], 1, "time is empty"),
        ([1, 2], [1, 1], 0, "tau must be > 0"),
        ([1, 2], [1, 1], "12", "tau must be a finite number"),
    ],
)
def test_rmst_bad_input(time, event, tau, match):
    with pytest.raises(InputError, match=match):
        rmst(time, event, tau)


def test_rmst_level():
    with pytest.raises(InputError, match="level must be in"):
        rmst([1, 2], [1, 1], 1, level=0.3)
    r90 = rmst(*AML_MAINTAINED, 30, level=0.90)
    z = 1.6448536269514722  # qnorm(0.95)
    assert r90.ci[1] - r90.estimate == pytest.approx(z * r90.se, rel=1e-12)


# -- landmark and median -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "t", "r_surv", "r_se", "r_lower", "r_upper", "r_at_risk"),
    [
        (AML_MAINTAINED, 12, 0.9090909091, 0.08667841720, 0.5080802058, 0.9866738227, 10),
        (AML_MAINTAINED, 24, 0.6136363636, 0.1526323310, 0.2657520400, 0.8352992433, 6),
        (AML_NONMAINTAINED, 12, 0.5833333333, 0.1423187606, 0.2701389241, 0.8009401923, 8),
        (AML_NONMAINTAINED, 24, 0.4861111111, 0.1481300626, 0.1918766196, 0.7296715698, 5),
        (OVARIAN, 365, 0.7307692308, 0.08698929247, 0.5168857353, 0.8615025596, None),
        (OVARIAN, 730, 0.4967320261, 0.10510266067, 0.2820546643, 0.6792100833, None),
    ],
)
def test_landmark_matches_r_survival_log_log(data, t, r_surv, r_se, r_lower, r_upper, r_at_risk):
    r = landmark(*data, t)
    assert r.estimate == pytest.approx(r_surv, rel=R_RTOL)
    assert r.se == pytest.approx(r_se, rel=R_RTOL)
    assert r.ci == pytest.approx((r_lower, r_upper), rel=R_RTOL)
    if r_at_risk is not None:
        assert r.at_risk == r_at_risk


def test_landmark_edges():
    with pytest.raises(InputError, match="t = 7 months lies beyond the last follow-up"):
        landmark([1, 2, 3, 4, 5], [1, 0, 1, 1, 0], 7)
    before = landmark([2, 3], [1, 1], 1)  # no event yet: S = 1, log-log CI undefined
    assert before.estimate == 1.0 and before.se == 0.0
    assert all(math.isnan(x) for x in before.ci)


@pytest.mark.parametrize(
    ("data", "r_median", "r_lower", "r_upper"),
    [
        (AML_MAINTAINED, 31.0, 13.0, math.nan),  # upper limit NA in R
        (AML_NONMAINTAINED, 23.0, 5.0, 33.0),
        (OVARIAN, 638.0, 431.0, math.nan),
    ],
)
def test_median_matches_r_survival_log_log(data, r_median, r_lower, r_upper):
    m = median_survival(*data)
    assert m.estimate == r_median
    assert m.ci[0] == r_lower
    assert (math.isnan(m.ci[1]) and math.isnan(r_upper)) or m.ci[1] == r_upper


def test_median_and_ci_agree_with_lifelines_on_tied_data():
    # lifelines: independent implementation of the KM, the log-log band and
    # median_survival_times on the band; exact equality (same event times are returned).
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    rng = np.random.default_rng(3)
    for n in (20, 76, 150):
        t = np.round(rng.exponential(15, n))  # whole months: many ties
        c = np.round(rng.uniform(3, 60, n))
        time, event = np.maximum(np.minimum(t, c), 0.5), (t <= c).astype(int)
        old = np.geterr()
        try:
            kmf = KaplanMeierFitter().fit(time, event)
        finally:
            np.seterr(**old)
        ci = median_survival_times(kmf.confidence_interval_).to_numpy().ravel()
        m = median_survival(time, event)
        assert m.estimate == kmf.median_survival_time_
        expected = [x if np.isfinite(x) else math.nan for x in ci]
        assert m.ci == pytest.approx(tuple(expected), nan_ok=True)


@pytest.mark.parametrize("time, event", [([0.0], [0]), ([0.0, 1.0], [0, 0]), ([3.0, 5.0], [0, 0])])
def test_median_of_an_arm_without_events_is_not_reached(time, event):
    # Sweep /tmp/fuzz-w/compare.py (seed 1): an all-censored arm, e.g. one patient censored at
    # 0, raised numpy's "argmax of an empty sequence" from median_survival and summarise_arms.
    # Independent route: lifelines' KaplanMeierFitter gives median_survival_time_ = inf (not
    # reached) for every arm without an event.
    m = median_survival(time, event)
    assert math.isnan(m.estimate) and all(math.isnan(x) for x in m.ci)
    table = summarise_arms(pd.DataFrame({"arm": "a", "time": time, "event": event}))
    assert table.loc[table["quantity"] == "median", "note"].tolist() == ["median not reached"]


# -- several arms --------------------------------------------------------------------------------
def _aml_ipd() -> pd.DataFrame:
    rows = [("Maintained", t, e) for t, e in zip(*AML_MAINTAINED, strict=True)]
    rows += [("Nonmaintained", t, e) for t, e in zip(*AML_NONMAINTAINED, strict=True)]
    return pd.DataFrame(rows, columns=["arm", "time", "event"])


CAV = Caveats("AML", "AML, first remission", "maintenance", "randomised", True)


def test_summarise_arms_table():
    tab = summarise_arms(_aml_ipd(), taus=(20, 30), landmarks=(12, 24), caveats=CAV)
    assert list(tab.columns[:7]) == ["arm", "quantity", "time", "estimate", "se", "lower 95%",
                                     "upper 95%"]
    assert set(CAVEAT_COLUMNS) <= set(tab.columns)
    assert len(tab) == 2 * (1 + 2 + 2)
    row = tab.query("arm == 'Nonmaintained' and quantity == 'rmst' and time == 30").iloc[0]
    assert row["estimate"] == pytest.approx(19.694444444, rel=R_RTOL)  # R, as above
    assert row["se"] == pytest.approx(3.054197931, rel=R_RTOL)
    assert (row["n"], row["events"], row["population"], row["randomised"]) == (
        12, 11, "AML, first remission", True)
    assert row["evidence"] == "randomised"
    med = tab.query("arm == 'Maintained' and quantity == 'median'").iloc[0]
    assert (med["estimate"], med["lower 95%"]) == (31.0, 13.0)
    assert math.isnan(med["upper 95%"])


def test_summarise_arms_horizon_beyond_follow_up_is_nan_with_note():
    ipd = pd.DataFrame({"arm": "a", "time": [1, 2, 3, 4, 5], "event": [1, 0, 1, 1, 0]})
    tab = summarise_arms(ipd, taus=(4, 12), landmarks=(12,))
    late = tab.query("time == 12")
    assert late["estimate"].isna().all()
    assert (late["note"] == "follow-up ends before 12 months").all()
    # caveats not given: no (empty) caveat columns, and combine_tables refuses the table
    assert not set(CAVEAT_COLUMNS) & set(tab.columns) and "evidence" not in tab.columns
    with pytest.raises(InputError, match=r"table 0 lacks caveat column\(s\) \['trial'"):
        combine_tables([tab])


def test_summarise_arms_caveats_per_arm_must_cover_all_arms():
    with pytest.raises(InputError, match="caveats has no entry for arm 'Nonmaintained'"):
        summarise_arms(_aml_ipd(), caveats={"Maintained": CAV})


def test_summarise_arms_missing_column():
    with pytest.raises(InputError, match=r"ipd lacks column\(s\) \['event'\]"):
        summarise_arms(pd.DataFrame({"arm": ["a"], "time": [1.0]}))


def test_rmst_difference_and_compare_arms():
    # Independent arms: difference of the R RMSTs, SE = hypot of the R SEs.
    d = rmst_difference(*AML_MAINTAINED, *AML_NONMAINTAINED, 30, arm="M", reference="N")
    est, se = 24.602272727 - 19.694444444, math.hypot(2.313149377, 3.054197931)
    assert d.estimate == pytest.approx(est, rel=1e-8)
    assert d.se == pytest.approx(se, rel=1e-8)
    assert d.p_value == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(est / se / math.sqrt(2)))),
                                      rel=1e-8)
    tab = compare_arms(_aml_ipd(), reference="Nonmaintained", taus=(30, 200))
    assert tab.loc[0, "rmst difference"] == pytest.approx(est, rel=1e-8)
    assert tab.loc[0, "arm"] == "Maintained"
    assert math.isnan(tab.loc[1, "rmst difference"])
    assert tab.loc[1, "note"] == "follow-up ends before 200 months"
    with pytest.raises(InputError, match="reference arm 'X' is not in ipd"):
        compare_arms(_aml_ipd(), reference="X")


def test_combine_tables():
    a = summarise_arms(_aml_ipd(), taus=(20,), landmarks=(12,), caveats=CAV)
    other = Caveats("Other", "all STS", "2L+", "single arm phase 2", False)
    b = summarise_arms(_aml_ipd().assign(arm="x"), taus=(20,), landmarks=(12,), caveats=other)
    both = combine_tables([a, b])
    assert len(both) == len(a) + len(b)
    assert set(both["evidence"]) == {"randomised", "single arm"}
    with pytest.raises(InputError, match=r"lacks caveat column\(s\)"):
        combine_tables([a.drop(columns="line")])


def test_caveats_validation_and_evidence():
    assert Caveats("D'Ambrosio", "LMS only", "1L", "retrospective, matched", False).evidence == (
        "retrospective")
    with pytest.raises(InputError, match="caveats population must be a non-empty string"):
        Caveats("X", "", "1L", "single arm", False)
    with pytest.raises(InputError, match="caveats randomised must be True or False"):
        Caveats("X", "LMS only", "1L", "single arm", "no")


# -- Bucher --------------------------------------------------------------------------------------
def test_bucher_hand_computation():
    # LMS-04 OS (DOX+TRAB vs DOX) 0.65 (0.44-0.95); ANNOUNCE LMS OS (DOX+olaratumab vs DOX)
    # 0.95 (0.69-1.31). By hand, z = 1.959964:
    # se_ac = (ln .95 - ln .44) / (2 z) = 0.769688 / 3.919928 = 0.196353
    # se_bc = (ln 1.31 - ln .69) / (2 z) = 0.641091 / 3.919928 = 0.163548
    # log HR = ln .65 - ln .95 = -0.379490 ; HR = 0.684211 (= 13/19)
    # se = sqrt(0.196353^2 + 0.163548^2) = 0.255542
    # CI = exp(-0.379490 -/+ 1.959964 * 0.255542) = (0.41464, 1.12904); p = 2 Phi(-1.48504) = 0.1375
    r = bucher(HazardRatio(0.65, 0.44, 0.95), HazardRatio(0.95, 0.69, 1.31),
               a="DOX+TRAB", b="DOX+olaratumab", c="DOX", sources=("LMS-04", "ANNOUNCE"))
    assert r.estimate == pytest.approx(13 / 19, rel=1e-12)
    assert r.se_log == pytest.approx(0.255542, abs=1e-6)  # 6 decimals carried by hand
    assert r.ci == pytest.approx((0.41464, 1.12904), abs=1e-5)
    assert r.p_value == pytest.approx(0.1375, abs=1e-4)
    row = r.to_frame().iloc[0]
    assert row["comparison"] == "DOX+TRAB vs DOX+olaratumab"
    assert row["common comparator"] == "DOX"
    assert row["sources"] == "LMS-04 + ANNOUNCE"
    for needle in ("effect modifiers", "same treatment", "proportional hazards"):
        assert needle in row["assumptions"]
    assert r.assumptions == BUCHER_ASSUMPTIONS


def test_bucher_symmetry_and_caveats():
    # Same HR in both trials -> indirect HR 1, p 1; swapping A and B inverts the HR.
    hr = HazardRatio(0.7, 0.5, 0.98)
    same = bucher(hr, hr)
    assert same.estimate == pytest.approx(1.0, abs=1e-12)
    assert same.p_value == pytest.approx(1.0, abs=1e-12)
    other = HazardRatio(1.2, 0.9, 1.6)
    assert bucher(hr, other).estimate * bucher(other, hr).estimate == pytest.approx(1.0)
    cav_a = Caveats("LMS-04", "LMS only", "1L", "randomised phase 3", True)
    cav_b = Caveats("ANNOUNCE", "all STS (LMS subgroup)", "1L", "randomised phase 3", True)
    row = bucher(hr, other, caveats=(cav_a, cav_b)).to_frame().iloc[0]
    assert row["population"] == "LMS only | all STS (LMS subgroup)"
    assert row["line"] == "1L"
    assert not row["randomised"]  # indirect: never randomised between A and B
    assert row["evidence"] == "indirect"


def test_bucher_needs_cis():
    with pytest.raises(InputError, match="hr_bc = 0.9 has no CI"):
        bucher(HazardRatio(0.7, 0.5, 0.98), HazardRatio(0.9))
    with pytest.raises(InputError, match="hr_ac must be a HazardRatio"):
        bucher(0.7, HazardRatio(0.9, 0.8, 1.1))


def test_docstring_examples_run():
    # The examples in the docstrings are part of the documentation: keep them true.
    import doctest

    import lmssurv.compare as mod

    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10
    assert result.failed == 0


def test_median_where_the_km_sits_at_one_half():
    # Closed form: one event a month in 24 patients gives S = 1/2 exactly on [12, 13); the
    # float product lands a hair above 1/2 and the median used to come out as 13
    # (rule and guard: lmssurv.km.median_crossings).
    assert median_survival(np.arange(1.0, 25.0), np.ones(24)).estimate == 12.0
