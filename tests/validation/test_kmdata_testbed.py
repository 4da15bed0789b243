"""The real-trial yard-stick itself: split, paper-like summaries, statistics and scoring.

Checked by independent routes before it judges the engine: the split is re-derived here with
hashlib, the harness's KM medians/CIs and Cox fits are compared with lifelines' own estimators
(KaplanMeierFitter + median_survival_times, CoxPHFitter with Efron ties), and a "rebuild" that
returns the true data must score exactly zero while a deliberately wrong one must be caught.
"""

from __future__ import annotations

import hashlib
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from kmdata_testbed import (
    EVENTLESS_OUTCOMES,
    HOLDOUT_SALT,
    LANDMARK_SCHEMES,
    Case,
    figures,
    headline,
    run,
    split_of,
)
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.utils import median_survival_times
from summary_testbed import cox_log_hr, km_median_ci, naive_reconstruct_trial

from lmssurv import ReconstructionWarning
from lmssurv.reconstruct.diagnostics import Check


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    return {c.name: c for c in figures()}


def test_inventory(cases):
    # the test bed's README: 143 figures of two-arm trials; the manifest names 81 trials
    assert len(cases) == 143
    assert len({c.study for c in cases.values()}) == 81
    for c in cases.values():
        assert {0, 1} == set(np.unique(c.experimental.astype(int))), c.name


def test_missing_test_bed_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"kmdata test bed not found at .*pass root="):
        figures(tmp_path)


def test_split_is_by_trial(cases):
    by_trial: dict[str, set[str]] = {}
    for c in cases.values():
        by_trial.setdefault(c.study, set()).add(c.split)
    assert all(len(s) == 1 for s in by_trial.values())  # no trial straddles the split
    held = sorted(t for t, s in by_trial.items() if s == {"held_out"})
    assert len(held) == 27  # a third of 81 trials


def test_split_is_the_documented_fixed_rule(cases):
    # re-derived independently: the third of trials with the smallest sha256(salt:trial)
    trials = sorted({c.study for c in cases.values()})
    digest = {t: hashlib.sha256(f"{HOLDOUT_SALT}:{t}".encode()).hexdigest() for t in trials}
    expected = set(sorted(trials, key=digest.get)[:27])
    assert {t for t, s in split_of(trials).items() if s == "held_out"} == expected
    # it does not depend on the order the trials come in
    assert split_of(list(reversed(trials))) == split_of(trials)
    assert figures(split="held_out")[0].split == "held_out"


def test_km_median_and_ci_equal_lifelines(cases):
    # Route: lifelines KaplanMeierFitter.median_survival_time_ and
    # median_survival_times(confidence_interval_) (log-log, Brookmeyer-Crowley), on every 6th
    # figure, both arms, KM and reverse KM (follow-up). The harness mirrors lifelines' float
    # path, so equality is exact (an inexact median would flip 0.05-wide rounding windows).
    names = sorted(cases)[::6] + ["OMEGA_3A", "AZURE_4"]
    for name in names:
        for which in (0, 1):
            time, event = cases[name].arm(which)
            for ev in (event, 1 - event):
                kmf = KaplanMeierFitter().fit(time, ev)
                ci = median_survival_times(kmf.confidence_interval_)
                expected = (kmf.median_survival_time_, ci.iloc[0, 0], ci.iloc[0, 1])
                assert km_median_ci(time, ev) == tuple(float(x) for x in expected), name


def _efron_loglik(time, event, x, beta) -> float:
    """Efron's partial log-likelihood evaluated literally from its definition (a slow loop)."""
    total = 0.0
    for u in np.unique(time[event == 1]):
        dead = (time == u) & (event == 1)
        d = int(dead.sum())
        risk = np.exp(beta * x[time >= u]).sum()
        tied = np.exp(beta * x[dead]).sum()
        total += beta * x[dead].sum() - sum(math.log(risk - k / d * tied) for k in range(d))
    return total


def test_cox_equals_lifelines_efron(cases):
    # Route: lifelines CoxPHFitter (Efron ties) on the same data. 2e-5: lifelines stops its
    # Newton-Raphson early on some figures (CONCUR_3A: 1.5e-5 on the log HR; the next test
    # shows ours is the maximum); an HR rounded to 0.01 is insensitive to it.
    for name in ["AZURE_4", "NSABPB35_2", "CONCUR_3A", "OMEGA_3A", "ACT1_2A"]:
        c = cases[name]
        df = pd.DataFrame({"time": c.time, "event": c.event, "x": c.experimental.astype(int)})
        row = CoxPHFitter().fit(df, "time", "event").summary.loc["x"]
        expected = (row["coef"], row["exp(coef)"], row["exp(coef) lower 95%"],
                    row["exp(coef) upper 95%"])
        assert cox_log_hr(c.time, c.event, c.experimental) == pytest.approx(expected, abs=2e-5)


def test_cox_maximises_efron_partial_likelihood(cases):
    # Route: Efron's partial likelihood written out literally (heavily tied: 82 tied times).
    c = cases["CONCUR_3A"]
    x = c.experimental.astype(float)
    beta = cox_log_hr(c.time, c.event, c.experimental)[0]
    best = _efron_loglik(c.time, c.event, x, beta)
    for step in (-1e-4, 1e-4):  # a maximum: both neighbours are lower
        assert _efron_loglik(c.time, c.event, x, beta + step) < best


def _decimals_ok(x: float, digits: int) -> bool:
    return round(x, digits) == x


def test_summaries_round_as_stated(cases):
    for c in cases.values():
        rep = c.reporting
        ctrl, exp, hr = c.summarise()
        for which, arm in enumerate((ctrl, exp)):
            time, event = c.arm(which)
            assert arm.n == time.size
            assert arm.events == (int(event.sum()) if rep.events else None), c.name
            assert tuple(arm.landmarks) == tuple(sorted(rep.landmarks)), c.name
            # landmarks are inside the arm's follow-up, where the KM still exists
            assert max(arm.landmarks) <= time.max(), c.name
            assert all(_decimals_ok(s, rep.rate_decimals) for s in arm.landmarks.values())
            if arm.median is not None:
                assert _decimals_ok(arm.median, 1)
            if arm.median_ci is not None:
                assert rep.median_ci
                assert all(b is None or _decimals_ok(b, 1) for b in arm.median_ci)
            elif arm.median is not None:
                assert not rep.median_ci, c.name
            assert (arm.max_follow_up is not None) == rep.follow_up, c.name
        assert all(_decimals_ok(x, 2) for x in (hr.estimate, hr.lower, hr.upper))
        if not rep.events:
            assert c.outcome in EVENTLESS_OUTCOMES


def test_reporting_is_varied_and_fixed(cases):
    reps = [c.reporting for c in cases.values()]
    # every style the issue asks for occurs, each in a real share of the figures
    assert {r.rate_decimals for r in reps} == {2, 3}
    assert 20 <= sum(not r.median_ci for r in reps) <= 60
    assert 20 <= sum(not r.follow_up for r in reps) <= 60
    assert 8 <= sum(not r.events for r in reps)
    assert {len(r.landmarks) for r in reps} == {2, 3}
    in_scheme = [r for r in reps if any(set(r.landmarks) <= set(s) for s in LANDMARK_SCHEMES)]
    assert len(in_scheme) >= 0.8 * len(reps)  # the others: follow-up too short for either
    assert [c.reporting for c in figures()] == reps  # deterministic


def _truth_for(case):
    """A 'rebuild' that returns the true data (row order shuffled by arm)."""
    def rebuild(control, experimental, *, hr=None, seed=0):
        return pd.DataFrame({
            "arm": np.where(case.experimental, experimental.label, control.label),
            "time": case.time, "event": case.event})
    return rebuild


@pytest.mark.parametrize("name", ["ACT1_2A", "AZURE_4"])
def test_true_data_scores_zero(cases, name):
    case = cases[name]
    table = run(_truth_for(case), [case])
    assert table[["mae", "max_abs", "rmst_diff"]].abs().to_numpy().max() == 0
    assert table["log_hr_error"].max() < 1e-12  # same numbers, summed in another order
    assert table["n_ok"].all() and table["events_ok"].all() and table["events_true_ok"].all()
    assert table["median_hit"].all() and table["hr_hit"].all()
    assert (table["landmark_misses"] == 0).all() and (table["figure_misses"] == 0).all()
    assert not table["silent_miss"].any() and (table["error"] == "").all()


def test_a_wrong_rebuild_is_caught_and_silence_is_flagged(cases):
    case = cases["ACT1_2A"]
    ctrl, exp, _ = case.summarise()

    def stretched(control, experimental, *, hr=None, seed=0, warn=()):
        df = _truth_for(case)(control, experimental)
        df.loc[df["arm"] == control.label, "time"] *= 1.2  # control survives 20% longer
        for arm, quantity, time in warn:  # warnings that name their number, as the engine's do
            check = Check(quantity, arm, time, None, None, 0.0, False)
            warnings.warn(ReconstructionWarning(f"{arm} {quantity} missed", check=check),
                          stacklevel=2)
        return df

    silent = run(stretched, [case])
    assert not silent.loc[0, "median_hit"] and not silent.loc[0, "hr_hit"]
    assert silent["mae"].iloc[0] > 0.02 and silent["silent_miss"].all()
    assert silent["misses"].iloc[0].startswith("median")

    # one warned miss does not hide the others: the HR miss stays silent
    only_median = [(ctrl.label, "median", None)]
    told = run(lambda c, e, *, hr=None, seed=0: stretched(c, e, warn=only_median), [case])
    assert (told["recon_warnings"] == 1).all() and told["silent_miss"].all()
    unwarned = told["unwarned"].iloc[0].split(", ")
    assert "HR" in unwarned and f"{ctrl.label} median" not in unwarned
    # stretching the times stretches the follow-up too: missed, and silent here
    assert {f"{ctrl.label} median follow-up", f"{ctrl.label} longest follow-up"} <= set(unwarned)

    # every missed number named: nothing silent
    every = [("both arms", q, None) for q in ("hazard ratio", "HR CI lower", "HR CI upper")]
    for label, row in zip((ctrl.label, exp.label), silent.itertuples(), strict=True):
        for miss in filter(None, row.misses.split(", ")):
            every.append((label, "landmark", float(miss[2:-1])) if miss.startswith("S(")
                         else (label, miss, None))
    told = run(lambda c, e, *, hr=None, seed=0: stretched(c, e, warn=every), [case])
    assert not told["silent_miss"].any() and (told["unwarned"] == "").all()


def test_a_failed_rebuild_scores_worst(cases):
    def broken(control, experimental, *, hr=None, seed=0):
        raise RuntimeError("boom")

    table = run(broken, [cases["ACT1_2A"]])
    assert (table["mae"] == 1.0).all() and table["error"].str.contains("boom").all()
    head = headline(table)
    assert head.loc["tuning" if cases["ACT1_2A"].split == "tuning" else "held_out",
                    "errors"] == 1


def test_headline_counts(cases):
    a, b = cases["ACT1_2A"], cases["AZURE_4"]
    table = pd.concat([run(_truth_for(a), [a]), run(_truth_for(b), [b])], ignore_index=True)
    head = headline(table, by="scenario").loc["real"]
    assert (head["figures"], head["arms"], head["silent_misses"]) == (2, 4, 0)
    assert head["median_mae"] == 0 and head["hr_miss_rate"] == 0
    assert math.isfinite(head["max_seconds"])


def test_held_out_third_separates_naive_from_targets():
    # The naive baseline (methods.md: 0.025 / 0.085 / 0.053 on other real trials) must fail the
    # issue's targets here; if it passed, this test bed could not tell methods apart.
    table = run(naive_reconstruct_trial, figures(split="held_out"))
    head = headline(table).loc["held_out"]
    assert head["n_exact"] and head["events_exact"]
    assert head["median_mae"] > 0.015 and head["worst_mae"] > 0.05
    assert head["median_log_hr_error"] > 0.02 and head["silent_misses"] > 0


def test_cox_refuses_a_diverging_estimate():
    # every control event happens while the experimental arm is still event-free and at risk:
    # the partial likelihood keeps rising as log HR -> -inf (monotone likelihood)
    time = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    event = np.ones(6, dtype=int)
    with pytest.raises(ValueError, match="diverges"):
        cox_log_hr(time, event, np.array([0, 0, 0, 1, 1, 1]))


def test_inferred_events_error_counts_only_unpublished_events(cases):
    quiet = next(c for c in cases.values() if not c.reporting.events)
    loud = cases["ACT1_2A"]  # OS: deaths always published
    assert loud.reporting.events

    def fewer_events(case):
        def rebuild(control, experimental, *, hr=None, seed=0):
            df = _truth_for(case)(control, experimental)
            first = np.flatnonzero(df["event"].to_numpy() == 1)[:10]
            df.loc[first, "event"] = 0  # ten events lost, spread over both arms or one
            return df
        return rebuild

    head = headline(run(fewer_events(quiet), [quiet]), by="scenario").loc["real"]
    # expected: the relative error of each arm (events lost / true events), median of the two
    ev, first = quiet.event, np.flatnonzero(quiet.event == 1)[:10]
    rel = [np.sum(quiet.experimental[first] == g) / ev[quiet.experimental == g].sum()
           for g in (False, True)]
    assert head["inferred_events_error"] == pytest.approx(float(np.median(rel)), rel=1e-12)
    assert head["events_exact"]  # not published: not a published number missed
    assert math.isnan(headline(run(fewer_events(loud), [loud]), by="scenario").loc[
        "real", "inferred_events_error"])
