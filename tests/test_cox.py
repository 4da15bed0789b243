"""The two-group Efron Cox fit against lifelines' CoxPHFitter (Efron ties, Newton-Raphson)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.exceptions import ConvergenceWarning

from lmssurv.cox import cox_two_group


def _lifelines(time, event, group, precision: float = 1e-7) -> tuple[float, float]:
    df = pd.DataFrame({"t": time, "e": event, "g": group})
    fit = CoxPHFitter().fit(df, "t", "e", fit_options={"precision": precision})
    return float(fit.params_["g"]), float(fit.standard_errors_["g"])


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("rounding", [None, 0])  # continuous times, and times rounded to months
def test_matches_lifelines_with_and_without_ties(seed, rounding):
    rng = np.random.default_rng(seed)
    n = 150
    group = rng.integers(0, 2, n)
    time = rng.exponential(12.0 * np.where(group == 1, 1.5, 1.0))
    if rounding is not None:
        time = np.maximum(np.round(time, rounding), 0.5)  # heavy ties, as in month-rounded data
    event = (rng.uniform(size=n) < 0.75).astype(int)
    beta, se = _lifelines(time, event, group)
    r = cox_two_group(time, event, group)
    # both are Newton fits of the same Efron likelihood, converged to ~1e-9
    assert r.log_hr == pytest.approx(beta, abs=1e-6)
    assert r.se == pytest.approx(se, abs=1e-6)


def test_efron_differs_from_breslow_on_tied_times():
    # All six events tied in pairs across groups: Breslow's log HR is attenuated towards 0.
    # lifelines (Efron) gives exp(coef) = 0.5315 on these data (recomputed in _lifelines).
    time, event, group = [1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 0], [0, 1, 0, 1, 0, 1]
    assert cox_two_group(time, event, group).log_hr == pytest.approx(
        _lifelines(time, event, group)[0], abs=1e-6)
    tied = [1, 1, 2, 2, 3, 3]
    r = cox_two_group(tied, [1] * 6, [0, 1, 0, 1, 0, 1])
    assert r.log_hr == pytest.approx(_lifelines(tied, [1] * 6, [0, 1, 0, 1, 0, 1])[0], abs=1e-6)


def test_degenerate_groups_give_nan():
    assert math.isnan(cox_two_group([1, 2, 3], [1, 1, 0], [0, 0, 1]).log_hr)  # no events in 1
    assert math.isnan(cox_two_group([1, 2, 3], [0, 0, 0], [0, 1, 1]).log_hr)  # no events at all


@pytest.mark.parametrize("group", [[0, 0, 0, 1, 1], [1, 1, 1, 0, 0]])
def test_monotone_likelihood_gives_nan(group):
    # Both groups have events, but every event of the later group comes after the other group
    # has left: the score keeps one sign for every finite beta (its limit is 0), so the
    # estimate is infinite. The engine used to report its 60th Newton step (log HR -60, an
    # HR printed as 0.00); lifelines stops at a finite value and warns of complete separation.
    time, event = [1, 2, 3, 4, 5], [1, 1, 1, 1, 1]
    r = cox_two_group(time, event, group)
    assert math.isnan(r.log_hr) and math.isnan(r.se) and math.isnan(r.hr)
    with pytest.warns(ConvergenceWarning, match="complete separation"):
        _lifelines(time, event, group)


def test_one_shared_risk_set_is_enough_for_a_finite_estimate():
    # As above, but the later group's first event ties the other group's last one (Efron's
    # fractions keep someone of either group at risk there): a finite maximum, lifelines'
    # (converged tighter than its default 1e-7, which stops 2.5e-5 short on five patients).
    time, event, group = [1, 2, 3, 3, 5], [1, 1, 1, 1, 1], [0, 0, 0, 1, 1]
    r = cox_two_group(time, event, group)
    beta, se = _lifelines(time, event, group, precision=1e-12)
    assert r.log_hr == pytest.approx(beta, abs=1e-6)
    assert r.se == pytest.approx(se, abs=1e-6)


def test_wald_ci_matches_lifelines():
    rng = np.random.default_rng(7)
    group = rng.integers(0, 2, 120)
    time = rng.exponential(10.0, 120)
    event = np.ones(120, dtype=int)
    df = pd.DataFrame({"t": time, "e": event, "g": group})
    summary = CoxPHFitter().fit(df, "t", "e").summary.loc["g"]
    lo, hi = cox_two_group(time, event, group).ci(0.95)
    assert lo == pytest.approx(summary["exp(coef) lower 95%"], rel=1e-6)
    assert hi == pytest.approx(summary["exp(coef) upper 95%"], rel=1e-6)
