"""Tests for the regimen library (data/*.toml), lmssurv.regimens and lmssurv.regimen_plots.

Reference numbers are the published ones in the curated files (each file names its source);
indirect HRs are recomputed by hand (Bucher 1997).
"""

from __future__ import annotations

import math

import matplotlib
import pytest

from lmssurv._validation import InputError
from lmssurv.compare import CAVEAT_COLUMNS, hazard_ratio_from_p
from lmssurv.regimens import REGIMEN_TRIALS, forest_table, regimen_ipd, regimen_summary
from lmssurv.trials import list_trials, load_trial

matplotlib.use("Agg")


@pytest.mark.parametrize("tid", REGIMEN_TRIALS)
def test_every_regimen_trial_loads_and_reconstructs_with_exact_n(tid):
    trial = load_trial(tid)
    assert tid in list_trials()
    assert trial.missing, "each file must say what is missing"
    for key in ("os", "pfs"):
        if key not in trial.endpoints:
            continue
        ep = trial.endpoints[key]
        ipd = trial.reconstruct(key, seed=0)
        for arm in ep.arms:
            assert (ipd["arm"] == arm.label).sum() == arm.n


def test_forest_direct_rows_are_the_published_hrs():
    tab = forest_table()
    row = tab.query("endpoint == 'os' and comparison == 'DOX + trabectedin vs DOX'").iloc[0]
    assert (row["hr"], row["lower 95%"], row["upper 95%"]) == (0.65, 0.44, 0.95)  # NEJM 2024
    row = tab.query("endpoint == 'pfs' and comparison == 'DOX + olaratumab vs DOX'").iloc[0]
    assert (row["hr"], row["lower 95%"], row["upper 95%"]) == (0.672, 0.442, 1.021)  # Lancet 2016
    assert set(tab["kind"]) == {"direct, randomised", "direct, not randomised",
                                "indirect (Bucher)"}
    for col in CAVEAT_COLUMNS:
        assert tab[col].notna().all()
    assert not tab.loc[tab["kind"] == "indirect (Bucher)", "randomised"].any()


def test_forest_indirect_row_by_hand():
    # GD + bevacizumab vs DOX via GD, OS: GOG-0250 HR 1.07 (p 0.81) x GeDDiS HR 1.14 (p 0.41).
    # log HR = ln 1.07 + ln 1.14; se^2 = se_a^2 + se_b^2 with se = |ln HR| / z(1 - p/2).
    a, b = hazard_ratio_from_p(1.07, 0.81), hazard_ratio_from_p(1.14, 0.41)
    se = math.hypot(a.se_log, b.se_log)
    est = 1.07 * 1.14
    row = forest_table().query(
        "endpoint == 'os' and comparison == 'GD + bevacizumab vs DOX (via GD)'").iloc[0]
    assert row["hr"] == pytest.approx(est, rel=1e-12)
    assert row["lower 95%"] == pytest.approx(est * math.exp(-1.959963984540054 * se), rel=1e-9)
    assert "proportional hazards" in row["assumptions"]


def test_hazard_ratio_from_p():
    # GeDDiS PFS: HR 1.28, p = 0.06 -> se = ln 1.28 / 1.880794 = 0.131253
    hr = hazard_ratio_from_p(1.28, 0.06)
    assert hr.se_log == pytest.approx(math.log(1.28) / 1.8807936081512509, rel=1e-12)
    with pytest.raises(InputError, match="p_value must be in"):
        hazard_ratio_from_p(0.8, 1.0)


def test_regimen_tables_carry_caveats_and_published_medians():
    ipd = regimen_ipd("os", trials=["lms04", "lms02"])
    assert set(ipd["panel"]) == {"first line"}
    assert set(ipd["evidence"]) == {"randomised", "single arm"}
    tab = regimen_summary("pfs", trials=["palette"])
    med = tab.query("quantity == 'median'").set_index("arm")["estimate"]
    # PALETTE medians 4.6 and 1.6 months (Lancet 2012), reproduced to the reported 0.1 month
    assert med["Pazopanib"] == pytest.approx(4.6, abs=0.05)
    assert med["Placebo"] == pytest.approx(1.6, abs=0.05)
    with pytest.raises(InputError, match="endpoint must be 'os' or 'pfs'"):
        regimen_ipd("dfs")


def test_figures_are_written(tmp_path):
    from lmssurv.regimen_plots import write_regimen_figures

    paths = write_regimen_figures(tmp_path, seed=0)
    assert sorted(paths) == ["regimens_forest", "regimens_os", "regimens_pfs"]
    for p in paths.values():
        assert p.stat().st_size > 50_000  # a real, non-empty PNG at 150 dpi
