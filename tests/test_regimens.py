"""Tests for the regimen library (data/*.toml), lmssurv.lms.regimens and lmssurv.lms.regimen_plots.

Reference numbers are the published ones in the curated files (each file names its source);
indirect HRs are recomputed by hand (Bucher 1997).
"""

from __future__ import annotations

import math

import matplotlib
import pandas as pd
import pytest

from lmssurv._validation import InputError
from lmssurv.compare import CAVEAT_COLUMNS, hazard_ratio_from_p
from lmssurv.lms.regimens import REGIMEN_TRIALS, forest_table, regimen_ipd, regimen_summary
from lmssurv.trials import list_trials, load_trial

matplotlib.use("Agg")



# These tests rebuild trials whose published HR the arms' own numbers do not allow;
# each such rebuild warns (ReconstructionWarning). That the warning is issued, and agrees
# with the check table, is tested in test_curated_checks.py.
pytestmark = pytest.mark.filterwarnings("ignore::lmssurv.ReconstructionWarning")
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
    from lmssurv.lms.regimen_plots import write_regimen_figures

    paths = write_regimen_figures(tmp_path, seed=0)
    assert sorted(paths) == ["regimens_forest", "regimens_os", "regimens_pfs"]
    for p in paths.values():
        assert p.stat().st_size > 50_000  # a real, non-empty PNG at 150 dpi


# -- check outcomes and their place on the figures ----------------------------------------
def _lms04_os_report():
    from lmssurv.checks import check

    trial = load_trial("lms04")
    return trial, check(trial, "os", trial.reconstruct("os", seed=0))


def test_check_outcome_counts_and_hr_verdict_come_from_the_report():
    from lmssurv.lms.regimens import check_outcome

    trial, report = _lms04_os_report()
    row = check_outcome(report, trial)
    assert (row["checked"], row["reproduced"]) == (len(report), int(report["ok"].sum()))
    hr = report[report["quantity"] == "HR"].iloc[0]
    assert row["hr_published"] == hr["published"] and row["hr_rebuilt"] == hr["reconstructed"]
    # a missed HR, however it arises, is reported as such with the rebuilt value
    missed = report.copy()
    at = missed.index[missed["quantity"] == "HR"][0]
    missed.loc[at, ["reconstructed", "ok"]] = [0.8123, False]
    row = check_outcome(missed, trial)
    assert row["hr_status"] == "not reproduced" and not row["all_ok"]
    assert "rebuilt 0.812" in row["hr_summary"] and "HR [" in row["not_reproduced"]
    assert ("HR", "experimental vs control") in row["missed"]
    # only a CI bound missed: the HR itself is still reproduced
    ci_missed = report.copy()
    at = ci_missed.index[ci_missed["quantity"] == "HR 95% CI lower"][0]
    ci_missed.loc[at, "ok"] = False
    assert check_outcome(ci_missed, trial)["hr_status"] == "CI not reproduced"
    with pytest.raises(InputError, match="check table"):
        check_outcome(report.drop(columns="ok"), trial)


def test_check_outcome_without_published_hr():
    from lmssurv.checks import check
    from lmssurv.lms.regimens import check_outcome

    trial = load_trial("lms02")
    row = check_outcome(check(trial, "os", trial.reconstruct("os", seed=0)), trial)
    assert row["hr_status"] == "not published" and math.isnan(row["hr_rebuilt"])


def test_regimen_checks_check_the_rows_that_are_drawn():
    from lmssurv.checks import check
    from lmssurv.lms.regimens import regimen_checks

    ipd = regimen_ipd("pfs", trials=["lms04", "geddis"])
    tab = regimen_checks(ipd, "pfs")
    assert tab["trial_id"].tolist() == ["lms04", "geddis"]
    # same seed, same rows: the counts equal a direct check of each trial's own rebuild
    for tid in ("lms04", "geddis"):
        trial = load_trial(tid)
        direct = check(trial, "pfs", trial.reconstruct("pfs", seed=0))
        got = tab[tab["trial_id"] == tid].iloc[0]
        assert (got["checked"], got["reproduced"]) == (len(direct), int(direct["ok"].sum()))


def test_figure_says_when_a_trial_hr_was_not_reproduced():
    from lmssurv.lms.regimen_plots import plot_regimen_curves
    from lmssurv.lms.regimens import regimen_checks

    ipd = regimen_ipd("os", trials=["lms04", "announce"])
    checks = regimen_checks(ipd, "os")

    def texts(fig):
        return "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)

    fig = plot_regimen_curves(ipd, "os", checks=checks)
    for _, row in checks.iterrows():
        assert f"{row['reproduced']} of {row['checked']} published numbers" in texts(fig)
    # mark ANNOUNCE's HR as missed: the figure must say so, with the rebuilt value
    missed = checks.copy()
    at = missed.index[missed["trial_id"] == "announce"][0]
    missed.loc[at, ["hr_status", "hr_rebuilt", "all_ok"]] = ["not reproduced", 1.25, False]
    fig2 = plot_regimen_curves(ipd, "os", checks=missed)
    assert "HR NOT reproduced: rebuilt 1.250" in texts(fig2)
    if (checks["hr_status"] == "reproduced").all():  # nothing missed, nothing claimed
        assert "NOT reproduced" not in texts(fig)
    # one panel per trial, each with its own legend (no 'regimen - trial' repeats)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 2
    labels = [t.get_text() for ax in panels for t in ax.get_legend().get_texts()]
    assert all(" - " not in label for label in labels)
    with pytest.raises(InputError, match="output of regimen_checks"):
        plot_regimen_curves(ipd, "os", checks=checks.drop(columns="hr_status"))


# -- the curated regimen list (data/regimens.toml) -----------------------------------------------
def test_regimen_list_from_data_is_the_list_the_code_held():
    # Independent route: the tuples hard-coded in src/lmssurv/regimens.py before the list moved
    # to data/regimens.toml (commit 9776e13), copied here by hand.
    from lmssurv.lms.regimens import load_regimen_list

    reg = load_regimen_list()
    assert reg.trials == REGIMEN_TRIALS == (
        "lms04", "announce", "tap2016", "eortc62012", "geddis", "dambrosio2020", "gog250",
        "lms02", "lurbinectedin_dox", "trabectedin_dtic_ulms", "eribulin_dtic_lms", "palette",
        "cabozantinib_tmz", "pembrosarc")
    assert reg.direct == (
        ("lms04", "os", "DOX + trabectedin vs DOX"),
        ("lms04", "pfs", "DOX + trabectedin vs DOX"),
        ("announce", "os", "DOX + olaratumab vs DOX (+ placebo)"),
        ("tap2016", "os", "DOX + olaratumab vs DOX"),
        ("tap2016", "pfs", "DOX + olaratumab vs DOX"),
        ("eortc62012", "os", "DOX + ifosfamide vs DOX"),
        ("eortc62012", "pfs", "DOX + ifosfamide vs DOX"),
        ("geddis", "os", "Gemcitabine + docetaxel vs DOX"),
        ("geddis", "pfs", "Gemcitabine + docetaxel vs DOX"),
        ("dambrosio2020", "pfs", "DOX + dacarbazine vs DOX"),
    )
    assert reg.indirect == (
        ("gog250", "geddis", "os", "GD + bevacizumab", "DOX", "GD", True),
        ("gog250", "geddis", "pfs", "GD + bevacizumab", "DOX", "GD", True),
        ("lms04", "announce", "os", "DOX + trabectedin", "DOX + olaratumab", "DOX", False),
        ("lms04", "dambrosio2020", "pfs", "DOX + trabectedin", "DOX + dacarbazine", "DOX", False),
        ("lms04", "eortc62012", "os", "DOX + trabectedin", "DOX + ifosfamide", "DOX", False),
        ("lms04", "eortc62012", "pfs", "DOX + trabectedin", "DOX + ifosfamide", "DOX", False),
    )
    # the list is not a trial, and each direct row names an endpoint whose file records an HR
    assert "regimens" not in list_trials()
    for d in reg.direct:
        assert load_trial(d.trial).endpoints[d.endpoint].hr is not None


@pytest.mark.parametrize(("text", "message"), [
    ('schema_version = 1\ntrials = ["lms04", "lms4"]\n',
     r"regimens\.toml: no curated trial file for \['lms4'\]"),
    ('schema_version = 1\ntrials = ["lms04"]\n[[direct]]\ntrial = "lms04"\nendpoint = "os"\n',
     r"direct\[0\] must have exactly the keys \['comparison', 'endpoint', 'trial'\], got "
     r"\['endpoint', 'trial'\]"),
    ('schema_version = 1\ntrials = ["lms04"]\n[[indirect]]\ntrial_ac = "lms04"\n'
     'trial_bc = "announce"\nendpoint = "os"\na = "A"\nb = "B"\nc = "C"\ninvert_bc = "no"\n',
     r"indirect\[0\]\.invert_bc must be bool, got 'no'"),
    ('trials = ["lms04"]\n', r"schema_version must be 1, got None"),
])
def test_regimen_list_errors_name_the_entry(text, message):
    from lmssurv.lms.regimens import load_regimen_list

    with pytest.raises(InputError, match=message):
        load_regimen_list(text)


def test_check_outcomes_survive_a_csv_round_trip(tmp_path):
    from lmssurv.lms.regimens import CHECK_OUTCOME_COLUMNS, MissedNumbers, check_outcome

    trial, report = _lms04_os_report()
    missed = report.copy()
    for quantity in ("HR", "median"):  # two misses, one per kind of row
        at = missed.index[missed["quantity"] == quantity][0]
        missed.loc[at, "ok"] = False
    table = pd.DataFrame([check_outcome(report, trial), check_outcome(missed, trial)],
                         columns=CHECK_OUTCOME_COLUMNS)
    path = tmp_path / "outcomes.csv"
    table.to_csv(path, index=False)
    back = pd.read_csv(path, converters={"missed": MissedNumbers.from_text})
    assert back["missed"].tolist() == table["missed"].tolist()
    assert back["missed"].iloc[0] == () and len(back["missed"].iloc[1]) == 2
    assert all(isinstance(m, MissedNumbers) for m in back["missed"])
    back["not_reproduced"] = back["not_reproduced"].fillna("")  # CSV: an empty cell reads as NaN
    pd.testing.assert_frame_equal(back.drop(columns="missed"), table.drop(columns="missed"),
                                  check_dtype=False)
    with pytest.raises(InputError, match=r"missed must be a JSON list .* got '\(\)'"):
        MissedNumbers.from_text("()")
