"""The facts notebook 01 (LMS-04 reproduction) tells a reader, asserted on the library.

The notebook shows these numbers; this module makes sure they stay true: every published OS and
PFS number is reproduced (41 of 41); in every draw of the notebook's ensemble, n and the OS
events exactly and no pseudo-patient beyond the trial's longest follow-up; what the ensemble
says the papers pin down (medians, 2-year OS, OS HR) and leave open (OS at 12 and 36 months);
that pooling the RMST difference over the draws widens it; and the audit findings the notebook
explains. No test pins a band width: those depend on the ensemble's prior, which is
recalibrated on real trials; the tests compare widths with each other and with the check's
tolerances.
"""

from __future__ import annotations

import math
import warnings

import pandas as pd
import pytest
from scipy import stats

import lmssurv

ENDPOINTS = ("os", "pfs")
DRAWS = 100  # the notebook's ensemble (DRAWS, seed 0)


@pytest.fixture(scope="module")
def trial():
    return lmssurv.load_trial("lms04")


@pytest.fixture(scope="module")
def report(trial):
    return lmssurv.audit(trial)


@pytest.fixture(scope="module")
def checks(trial):
    return {key: lmssurv.check(trial, key, trial.reconstruct(key, seed=0)) for key in ENDPOINTS}


@pytest.fixture(scope="module")
def ens(trial):
    # the notebook lists the draws that miss a published number; here they are not the subject
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lmssurv.ReconstructionWarning)
        return {key: trial.reconstruct_ensemble(key, draws=DRAWS, seed=0) for key in ENDPOINTS}


@pytest.fixture(scope="module")
def ens_tables(ens):
    return {key: lmssurv.summarise_ensemble(ens[key], taus=(12, 24, 36)) for key in ENDPOINTS}


# -- the audit of the publications --------------------------------------------------------------

def test_os_implied_p_matches_a_hand_computation(report):
    # Wald p implied by the OS HR 0.65 (0.44-0.95), by hand (Altman & Bland, BMJ 2011;343:d2304):
    # SE = (ln 0.95 - ln 0.44) / (2 * 1.95996) = 0.19640
    se_os = (math.log(0.95) - math.log(0.44)) / (2 * stats.norm.ppf(0.975))
    p_os = 2 * stats.norm.sf(abs(math.log(0.65)) / se_os)
    assert abs(se_os - 0.19640) < 5e-5  # 5 significant digits, as printed above
    row = report.query("check == 'hr_p_value' and endpoint == 'os'").iloc[0]
    assert abs(row["implied"] - p_os) < 1e-9, (row["implied"], p_os)  # same closed form
    assert row["implied"] == pytest.approx(0.028, abs=0.0005)  # "about 0.028" in the notebook


def test_hr_p_values_consistent(report):
    rows = report.query("check == 'hr_p_value'").set_index("endpoint")
    assert rows.loc["pfs", "verdict"] == "consistent"  # "p < 0.0001" agrees with its CI


def test_ci_width_events(report, trial, checks):
    rows = report.query("check == 'ci_width_events'").set_index("endpoint")
    assert rows.loc["os", "verdict"] == "consistent"  # 107 deaths fit 0.44-0.95
    assert rows.loc["pfs", "implied"] == pytest.approx(128, abs=1)  # "roughly 128 events"


def test_secondary_claims_compatible_but_unconfirmed(report, trial):
    claims = report.query("check == 'secondary_claim'")
    assert len(claims) == 3 and (claims["verdict"] == "consistent").all(), claims
    assert {c.status for c in trial.unconfirmed} == {"unconfirmed"}
    assert sorted(claims["reported"]) == [0.0253, 23.8, 33.1]


def test_esmo_2021_is_another_analysis(report):
    esmo = report.query("check == 'cross_analysis' and endpoint == 'pfs vs pfs_esmo2021'")
    assert (esmo.loc[esmo["verdict"] != "info", "verdict"] == "inconsistent").all(), esmo


def test_lancet_2022_and_nejm_2024_pfs_agree(report):
    nejm = report.query("check == 'cross_analysis' and endpoint == 'pfs vs pfs_nejm2024'")
    agree = nejm[~nejm["explanation"].str.startswith("events")]
    assert len(agree) == 3 and (agree["verdict"] == "consistent").all(), nejm


# -- the check of the reconstruction, seed 0 ----------------------------------------------------

ARMS = ("Doxorubicin", "Doxorubicin + trabectedin")
BOTH, COMPARISON = ("both arms",), ("experimental vs control",)
MEDIAN_CI = ("median 95% CI lower", "median 95% CI upper")
HR = ("HR", "HR 95% CI lower", "HR 95% CI upper")
REQUIRED = {
    "n and events": [("os", ("n", "events"), ARMS), ("os", ("events",), BOTH),
                     ("pfs", ("n",), ARMS)],
    "medians": [("os", ("median",), ARMS), ("pfs", ("median",), ARMS)],
    "2-year OS, 12- and 24-month PFS": [("os", ("S(24)",), ARMS),
                                        ("pfs", ("S(12)", "S(24)"), ARMS)],
    "HRs with CIs": [("os", HR, COMPARISON), ("pfs", HR, COMPARISON)],
    "median CIs": [("os", MEDIAN_CI, ARMS), ("pfs", MEDIAN_CI, ARMS)],
    "OS median follow-up": [("os", ("median follow-up",), BOTH)],
}


def _required(checks, group: str) -> pd.DataFrame:
    """The check rows of one group; every (quantity, arm) must be present, so none drops out."""
    parts = []
    for key, quantities, arms in REQUIRED[group]:
        table = checks[key]
        part = table[table["quantity"].isin(quantities) & table["arm"].isin(arms)]
        found = set(zip(part["quantity"], part["arm"], strict=True))
        missing = {(q, a) for q in quantities for a in arms} - found
        assert not missing, f"{key}: the check table has no row for {sorted(missing)}"
        parts.append(part.to_frame() if hasattr(part, "to_frame") else part)
    return pd.concat(parts, ignore_index=True)


def test_arm_labels(trial):
    assert tuple(a.label for a in trial.endpoints["os"].arms) == ARMS


@pytest.mark.parametrize("group", list(REQUIRED))
def test_required_group_within_tolerance(checks, group):
    rows = _required(checks, group)
    bad = rows[~rows["ok"]]
    assert bad.empty, f"{group} outside tolerance:\n{bad.to_string()}"


def test_counts_exact(checks):
    assert (_required(checks, "n and events")["difference"] == 0).all()  # exact, no tolerance


def test_all_41_published_numbers_reproduced(checks):
    # every row of both tables, including the PFS landmark CIs and the "p < 0.0001" bound
    for key, table in checks.items():
        bad = table[~table["ok"]]
        assert bad.empty, f"{key}: outside tolerance:\n{bad.to_string()}"
    assert sum(len(t) for t in checks.values()) == 41
    assert all(t.attrs["all_ok"] for t in checks.values())


def test_hr_note_says_unadjusted_vs_adjusted(checks):
    note = checks["os"].loc[checks["os"]["quantity"] == "HR", "note"].iloc[0]
    assert "adjusted" in note


# -- every draw of the ensemble ------------------------------------------------------------------

def _per_draw(ens):
    for key, frame in ens.items():
        for draw, data in frame.groupby("draw"):
            yield key, draw, data


def test_exact_counts_in_every_draw(trial, ens):
    assert all(frame["draw"].nunique() == DRAWS for frame in ens.values())
    for key, draw, data in _per_draw(ens):
        counts = data.groupby("arm")["event"].agg(["size", "sum"])
        for arm in trial.endpoints[key].arms:
            assert counts.loc[arm.label, "size"] == arm.n, (key, draw, arm.label)
            if arm.events is not None:
                assert counts.loc[arm.label, "sum"] == arm.events, (key, draw, arm.label)


def test_nobody_followed_beyond_the_trial(trial, ens):
    # first patient in (January 2017) to the data cut-off: 72 months for OS and 55 for PFS,
    # +1 month because the exact days are not published
    for key, draw, data in _per_draw(ens):
        longest = data.groupby("arm")["time"].max()
        for arm in trial.endpoints[key].arms:
            assert longest[arm.label] <= arm.max_follow_up + 1, (key, draw, arm.label)


def _row(table, quantity, arm, time=None):
    rows = table[(table["quantity"] == quantity) & (table["arm"] == arm)]
    if time is not None:
        rows = rows[rows["time"] == time]
    assert len(rows) == 1, (quantity, arm, time)
    return rows.iloc[0]


def _tolerance(checks, key, quantity, arm):
    """The published value and the check's tolerance (lmssurv.checks, not the ensemble)."""
    table = checks[key]
    row = table[(table["quantity"] == quantity) & (table["arm"] == arm)].iloc[0]
    return row["published"], row["tolerance"]


def test_ensemble_pins_what_was_published(ens_tables, checks):
    # "pinned down": the 90% intervals of the medians and the OS HR lie within their printed
    # rounding (the check's tolerance), those of the 2-year OS rates within one step of the KM
    # (twice the check's tolerance of half a step: the step depends on each draw's at-risk
    # count at 24 months, so a draw's KM may sit a little beyond seed 0's half step)
    pinned = [(key, "median", "median", arm, None, 1) for key in ENDPOINTS for arm in ARMS]
    pinned += [("os", "S(24)", "S(t)", arm, 24.0, 2) for arm in ARMS]
    pinned += [("os", "HR", "HR", f"{ARMS[1]} vs {ARMS[0]}", None, 1)]
    for key, checked, quantity, arm, time, steps in pinned:
        check_arm = "experimental vs control" if quantity == "HR" else arm
        published, tol = _tolerance(checks, key, checked, check_arm)
        tol *= steps
        row = _row(ens_tables[key], quantity, arm, time)
        assert published - tol - 1e-9 <= row["lower"] <= row["upper"] <= published + tol + 1e-9, (
            key, checked, arm, published, tol, row.to_dict())


def test_ensemble_leaves_the_unpublished_shape_open(ens_tables):
    # "left open": OS at 12 months (nothing published before 24) and at 36 months (after the
    # last published rate) spread far more than at the published 24-month point
    table = ens_tables["os"]
    for arm in ARMS:
        width = {t: _row(table, "S(t)", arm, t)["upper"] - _row(table, "S(t)", arm, t)["lower"]
                 for t in (12.0, 24.0, 36.0)}
        assert width[12.0] > 3 * width[24.0] and width[36.0] > 3 * width[24.0], (arm, width)


def test_pooled_rmst_difference_is_wider_than_one_reconstruction(trial, ens):
    # the notebook: single-reconstruction CIs lack the reconstruction's share of the variance
    for key, tau in (("os", 12.0), ("os", 24.0), ("pfs", 12.0)):
        ep = trial.endpoints[key]
        one = ens[key][ens[key]["draw"] == 0]
        exp, ctl = (one[one["arm"] == a.label] for a in (ep.experimental, ep.control))
        single = lmssurv.rmst_difference(exp["time"], exp["event"], ctl["time"], ctl["event"],
                                         tau)
        pooled = lmssurv.rmst_difference_ensemble(ens[key], tau, arm=ep.experimental.label,
                                                  reference=ep.control.label)
        assert pooled.draws == DRAWS and pooled.se_reconstruction > 0, (key, tau)
        assert pooled.ci[1] - pooled.ci[0] > single.ci[1] - single.ci[0], (key, tau)


# -- the made-up example trial -------------------------------------------------------------------

def test_example_trial_reproduces_its_own_numbers():
    # the notebook's "your own trial" section, same numbers and seed: mutually consistent
    # made-up numbers must be rebuilt without a single ReconstructionWarning and pass the check
    control = lmssurv.ArmSummary(
        n=60, events=54, median=4.2, median_ci=(3.2, 5.6), landmarks={12: 0.15},
        median_follow_up=20.0, accrual=24.0, label="Control (example)")
    experimental = lmssurv.ArmSummary(
        n=62, events=48, median=6.9, median_ci=(5.3, 8.9), landmarks={12: 0.28},
        median_follow_up=20.0, accrual=24.0, label="Experimental (example)")
    example = lmssurv.Trial.from_summaries(
        "Example trial (made-up numbers)",
        endpoints={"pfs": (control, experimental, lmssurv.HazardRatio(0.62, 0.42, 0.91))})
    with warnings.catch_warnings():
        warnings.simplefilter("error", lmssurv.ReconstructionWarning)
        ipd = example.reconstruct("pfs", seed=0)
    table = lmssurv.check(example, "pfs", ipd)
    assert table["ok"].all(), table[~table["ok"]].to_string()
