"""The facts notebook 01 (LMS-04 reproduction) tells a reader, asserted on the library.

The notebook shows these numbers; this module makes sure they stay true: every published OS and
PFS number is reproduced (41 of 41), n and the OS events exactly, for every seed of the
seed-to-seed table, no pseudo-patient beyond the trial's longest follow-up, and the audit
findings the notebook explains.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

import lmssurv

ENDPOINTS = ("os", "pfs")
SEEDS = range(10)  # the seeds of the notebook's seed-to-seed table


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
def seed_ipd(trial):
    return {(key, seed): trial.reconstruct(key, seed=seed) for key in ENDPOINTS for seed in SEEDS}


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


# -- every seed of the seed-to-seed table -------------------------------------------------------

def test_exact_counts_for_every_seed(trial, seed_ipd):
    for (key, seed), data in seed_ipd.items():
        counts = data.groupby("arm")["event"].agg(["size", "sum"])
        for arm in trial.endpoints[key].arms:
            assert counts.loc[arm.label, "size"] == arm.n, (key, seed, arm.label)
            if arm.events is not None:
                assert counts.loc[arm.label, "sum"] == arm.events, (key, seed, arm.label)


def test_nobody_followed_beyond_the_trial(trial, seed_ipd):
    # first patient in (January 2017) to the data cut-off: 72 months for OS and 55 for PFS,
    # +1 month because the exact days are not published
    for (key, seed), data in seed_ipd.items():
        longest = data.groupby("arm")["time"].max()
        for arm in trial.endpoints[key].arms:
            assert longest[arm.label] <= arm.max_follow_up + 1, (key, seed, arm.label)
