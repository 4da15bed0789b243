"""The yard-stick itself: data, paper-like summaries, metrics and the naive baseline.

Reference numbers come from R's survival package on the same data (printed outputs quoted
beside each), so the test bed is checked by an independent route before it judges the engine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import restricted_mean_survival_time
from summary_testbed import (
    DAYS_PER_MONTH,
    WEEKS_PER_MONTH,
    all_trials,
    cox_log_hr,
    km_at,
    km_median,
    km_steps,
    naive_reconstruct_trial,
    real_trials,
    rmst,
    run_validation,
    simulated_trials,
    summarise_like_paper,
    summary_of,
)


@pytest.fixture(scope="module")
def trials():
    return {t.name: t for t in all_trials()}


def test_trial_inventory(trials):
    assert len(real_trials()) == 8 and len(simulated_trials()) == 12
    assert len(trials) == 20  # names are unique
    for t in trials.values():
        for which in (0, 1):
            time, event = t.arm(which)
            assert time.size >= 15 and event.sum() >= 5, t.name


def test_simulated_trials_are_deterministic():
    a, b = simulated_trials(), simulated_trials()
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.time, y.time)
        np.testing.assert_array_equal(x.event, y.event)


def test_lung_matches_r_survival(trials):
    # R: survfit(Surv(time, status) ~ sex, data = lung) -> medians 270 (male), 426 (female) days;
    # coxph(Surv(time, status) ~ sex, lung) -> exp(coef) 0.588, 95% CI 0.4237 to 0.816.
    lung = trials["lung_os_sex"]
    for which, days in ((0, 270), (1, 426)):
        assert km_median(*lung.arm(which)) * DAYS_PER_MONTH == pytest.approx(days, abs=1e-9)
    _, hr, lo, hi = cox_log_hr(lung.time, lung.event, lung.experimental)
    assert (hr, lo, hi) == pytest.approx((0.588, 0.4237, 0.816), abs=6e-4)  # R prints 3-4 digits


def test_leukemia_matches_gehan(trials):
    # Freireich 1963 / R MASS::gehan: medians 8 (placebo) and 23 (6-MP) weeks;
    # coxph(Surv(time, cens) ~ treat, gehan): HR control vs 6-MP 4.817 -> 6-MP vs control 0.2076.
    leuk = trials["leukemia_remission_6mp"]
    for which, weeks in ((0, 8), (1, 23)):
        assert km_median(*leuk.arm(which)) * WEEKS_PER_MONTH == pytest.approx(weeks, abs=1e-9)
    assert cox_log_hr(leuk.time, leuk.event, leuk.experimental)[1] == pytest.approx(
        1 / 4.817, abs=2e-4)


def test_numpy_km_and_rmst_match_lifelines(trials):
    # The metrics use a numpy KM for speed; it must equal lifelines' KM (same estimator) to
    # float precision, and the RMST must equal lifelines' integral of the same step function.
    for name in ("gbsg2_rfs_hormone", "leukemia_remission_6mp", "sim_cure_fraction"):
        time, event = trials[name].arm(0)
        kmf = KaplanMeierFitter().fit(time, event)
        grid = np.linspace(0, time.max(), 301)
        expected = kmf.survival_function_at_times(grid).to_numpy()
        np.testing.assert_allclose(km_at(km_steps(time, event), grid), expected, atol=1e-12)
        tau = float(np.quantile(time, 0.9))
        assert rmst(km_steps(time, event), tau) == pytest.approx(
            restricted_mean_survival_time(kmf, t=tau), rel=1e-9)


def test_paper_summaries_are_within_follow_up(trials):
    for t in trials.values():
        ctrl, exp, hr = summarise_like_paper(t.time, t.event, t.experimental, labels=t.labels)
        assert ctrl.landmarks.keys() == exp.landmarks.keys() and len(ctrl.landmarks) == 2
        for which, arm in enumerate((ctrl, exp)):
            time, event = t.arm(which)
            assert (arm.n, arm.events) == (time.size, event.sum())
            # landmarks inside the arm's observed follow-up (lifelines would extrapolate flat)
            assert max(arm.landmarks) <= time.max()
            assert arm.accrual is None
        assert hr.lower <= hr.estimate <= hr.upper


def test_gbsg2_summary_values(trials):
    # GBSG-2 recurrence-free survival, no tamoxifen: 440 patients, 205 events (R: TH.data::GBSG2,
    # table(cens, horTh)); KM median 1528 days = 50.2 months (R survfit prints 1528).
    t = trials["gbsg2_rfs_hormone"]
    ctrl, _, _ = summarise_like_paper(t.time, t.event, t.experimental)
    assert (ctrl.n, ctrl.events, ctrl.median) == (440, 205, round(1528 / DAYS_PER_MONTH, 1))


def _oracle_for(trial):
    """A 'reconstruction' that returns the true data: every error must be exactly zero."""
    def oracle(control, experimental, *, hr=None, seed=0):
        return pd.DataFrame({
            "arm": np.where(trial.experimental, experimental.label, control.label),
            "time": trial.time, "event": trial.event})
    return oracle


@pytest.mark.parametrize("name", ["gbsg2_rfs_hormone", "sim_unbalanced_2to1"])
def test_true_data_scores_zero(trials, name):
    table = run_validation(_oracle_for(trials[name]), [trials[name]])
    assert table[["mae", "max_abs", "rmst_diff"]].abs().to_numpy().max() == 0
    # the oracle's rows come in another order, so Newton-Raphson sums differ in the last bit
    assert table["log_hr_error"].max() < 1e-12
    assert table["n_ok"].all() and table["events_ok"].all()
    # the reported medians and landmarks are the true KM's, rounded
    assert (table["median_error"] <= 0.05 + 1e-9).all()
    assert (table["landmark_max_error"] <= 0.0005 + 1e-12).all()


def test_naive_baseline_exact_and_seeded(trials):
    t = trials["lung_os_sex"]
    ctrl, exp, hr = summarise_like_paper(t.time, t.event, t.experimental, labels=t.labels)
    a = naive_reconstruct_trial(ctrl, exp, hr=hr, seed=3)
    pd.testing.assert_frame_equal(a, naive_reconstruct_trial(ctrl, exp, hr=hr, seed=3))
    assert not a.equals(naive_reconstruct_trial(ctrl, exp, hr=hr, seed=4))
    counts = a.groupby("arm")["event"].agg(["size", "sum"])
    assert counts.loc["male"].tolist() == [138, 112]
    assert counts.loc["female"].tolist() == [90, 53]


def test_yardstick_separates_naive_from_targets():
    # The naive method must fail the targets here (methods.md: 0.025 / 0.085 / 0.053 on
    # other real trials); if it passed, the test bed would be too easy to tell methods apart.
    head = summary_of(run_validation(naive_reconstruct_trial))
    assert head["all_exact"]
    assert head["median_mae"] > 0.015 and head["worst_mae"] > 0.05
    assert head["median_log_hr_error"] > 0.02
