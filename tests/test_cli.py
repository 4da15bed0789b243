"""Tests of the lmssurv command line: exit codes, output formats, safe file writing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from lmssurv import cli


def fake_report(ok: bool, endpoint: str = "os") -> pd.DataFrame:
    report = pd.DataFrame([{
        "endpoint": endpoint, "quantity": "median", "arm": "Doxorubicin", "published": 24.0,
        "reconstructed": 24.0 if ok else 30.0, "difference": 0.0 if ok else 6.0,
        "tolerance": 0.5, "ok": ok, "method": "KM", "note": "+/-0.5", "bound": False,
        "adjustment": "", "reconstruction": "",
    }])
    report.attrs["all_ok"] = ok
    return report


def test_list(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "lms04" in out and "LMS-04" in out and "os " in out


@pytest.mark.parametrize("ok", [True, False])
def test_check_exit_code_follows_the_checks(ok, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_check_one", lambda trial, key, ipd: fake_report(ok, key))
    code = cli.main(["check", "lms04", "--endpoint", "os"])
    out = capsys.readouterr().out
    assert code == (0 if ok else 1)
    assert out.strip().splitlines()[-1].startswith("PASS" if ok else "FAIL: 1 of 1")


def test_check_json_parses_and_matches_exit_code(capsys):
    code = cli.main(["check", "lms04", "--endpoint", "os", "--json", "--seed", "3"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["trial"] == "lms04" and doc["seed"] == 3
    rows = doc["endpoints"]["os"]["rows"]
    assert {"quantity", "arm", "published", "reconstructed", "tolerance", "ok"} <= set(rows[0])
    assert any(r["quantity"] == "HR" for r in rows)
    assert code == (0 if doc["all_ok"] else 1)
    assert doc["all_ok"] == all(r["ok"] for r in rows)


def test_usage_errors_exit_2_with_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["check", "--bogus"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("lmssurv: error:")
    assert cli.main(["check", "nosuchtrial"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("lmssurv: error: no curated trial 'nosuchtrial'")
    assert cli.main(["reconstruct", "lms04", "--endpoint", "dfs"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [line for line in err if line.startswith("lmssurv: error:")]
    assert "no endpoint 'dfs'" in err[0]


def test_reconstruct_writes_csv_and_never_overwrites_without_force(tmp_path, capsys):
    out = tmp_path / "ipd.csv"
    assert cli.main(["reconstruct", "lms04", "--endpoint", "os", "--out", str(out)]) == 0
    ipd = pd.read_csv(out)
    assert list(ipd.columns) == ["arm", "time", "event"]
    assert len(ipd) == 150 and ipd["event"].sum() == 107  # NEJM 2024: 60 + 47 deaths
    out.write_text("my own data\n")
    assert cli.main(["reconstruct", "lms04", "--endpoint", "os", "--out", str(out)]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert out.read_text() == "my own data\n"
    assert cli.main(["reconstruct", "lms04", "--endpoint", "os", "--out", str(out),
                     "--force", "--seed", "1"]) == 0
    assert len(pd.read_csv(out)) == 150
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ipd.csv"]  # no temp files


def test_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch, capsys):
    out = tmp_path / "ipd.csv"
    out.write_text("old\n")

    def half_then_crash(self, path, *args, **kwargs):
        with open(path, "w") as fh:
            fh.write("arm,time,ev")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_crash)
    # Ctrl-C: exit 130 (128 + SIGINT, as shells report it) with one line, no traceback
    assert cli.main(["reconstruct", "lms04", "--endpoint", "os", "--out", str(out),
                     "--force"]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "lmssurv: interrupted"
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["ipd.csv"]


def test_reproduce_writes_figures_and_reruns_but_respects_user_files(tmp_path, capsys):
    out = tmp_path / "figures"
    fast = ["--draws", "3"]  # the band's draws: 3 here to keep the test short (default 200)
    code = cli.main(["reproduce", "--out", str(out), *fast])
    captured = capsys.readouterr()
    assert code in (0, 1)
    last = captured.out.strip().splitlines()[-1]
    assert last.startswith("PASS" if code == 0 else "FAIL")
    assert "lms04 os" in captured.out.replace("LMS-04", "lms04")
    assert "rebuilding" in captured.err  # progress goes to stderr
    for key in ("os", "pfs"):  # the LMS-04 figures carry a band of plausible rebuilds
        assert f"drawing 3 plausible rebuilds of LMS-04 {key} (seed 0)" in captured.err
    pngs = sorted(p.name for p in out.iterdir())
    assert pngs == ["curve_reconstruction_example.png", "lms04_os.png", "lms04_pfs.png",
                    "regimens_forest.png", "regimens_os.png", "regimens_pfs.png"]
    # its own figures are regenerated without --force ...
    assert cli.main(["reproduce", "--out", str(out), *fast]) == code
    # ... a user's file in the way is not
    (out / "lms04_pfs.png").write_bytes(b"user drawing")
    capsys.readouterr()
    assert cli.main(["reproduce", "--out", str(out), *fast]) == 2
    assert "not written by lmssurv reproduce" in capsys.readouterr().err
    assert (out / "lms04_pfs.png").read_bytes() == b"user drawing"
    assert cli.main(["reproduce", "--out", str(out), "--force", *fast]) == code
    assert (out / "lms04_pfs.png").read_bytes()[:4] == b"\x89PNG"


def test_format_report_marks_failures_and_bounds():
    report = fake_report(False)
    text = cli.format_report(report, "T")
    assert "FAIL" in text.splitlines()[-1]
    report.loc[0, ["quantity", "published", "reconstructed", "bound"]] = [
        "log-rank p", 1e-4, 2e-6, True]
    text = cli.format_report(report, "T")
    assert "<0.0001" in text and "bound" in text
    # the typed column decides, not the wording of the note
    report.loc[0, ["bound", "note"]] = [False, "published as p < 0.0001: passes when below it"]
    assert "<0.0001" not in cli.format_report(report, "T")
    assert cli._num(np.nan) == "n/e"


def test_python_dash_m_entry_point():
    done = subprocess.run([sys.executable, "-m", "lmssurv", "--version"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.startswith("lmssurv ")


# -- usage errors of every subcommand: exit 2, a readable last line, never a traceback -----------
def _usage_error(argv, capsys) -> list[str]:
    """Run ``argv``; assert exit code 2 and no traceback; return the stderr lines."""
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse: usage line(s), then "<prog>: error: ..."
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, (argv, err)
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert re.match(r"lmssurv( \w+)?: error: \S", lines[-1]), lines
    return lines


@pytest.mark.parametrize("argv, message", [
    ([], "the following arguments are required: COMMAND"),
    (["bogus"], "invalid choice: 'bogus'"),
    (["list", "extra"], "unrecognized arguments: extra"),
    (["reconstruct", "lms04"], "the following arguments are required: --endpoint"),
    (["reconstruct"], "the following arguments are required: trial, --endpoint"),
    (["check", "lms04", "--seed", "abc"], "argument --seed: invalid int value: 'abc'"),
    (["reconstruct", "lms04", "--endpoint", "os", "--seed", "1.5"],
     "argument --seed: invalid int value: '1.5'"),
    (["reproduce", "--seed", "x"], "argument --seed: invalid int value: 'x'"),
    (["audit", "lms04", "--seed", "1"], "unrecognized arguments: --seed 1"),
])
def test_argparse_usage_errors(argv, message, capsys):
    assert message in _usage_error(argv, capsys)[-1]


@pytest.mark.parametrize("command", [["check"], ["reconstruct", "--endpoint", "os"], ["audit"]])
def test_unknown_trial_in_every_subcommand(command, capsys):
    lines = _usage_error([command[0], "nosuchtrial", *command[1:]], capsys)
    assert lines == [line for line in lines if line.startswith("lmssurv")]  # no stray output
    assert lines[-1].startswith("lmssurv: error: no curated trial 'nosuchtrial'; curated trials:")
    lines = _usage_error([command[0], "/nonexistent/trial.toml", *command[1:]], capsys)
    assert lines[-1] == "lmssurv: error: trial file '/nonexistent/trial.toml' does not exist."


@pytest.mark.parametrize("command", [["check", "lms04"], ["reconstruct", "lms04"]])
def test_unknown_endpoint_in_every_subcommand(command, capsys):
    lines = _usage_error([*command, "--endpoint", "dfs"], capsys)
    assert lines[-1] == ("lmssurv: error: trial 'LMS-04' has no endpoint 'dfs'; its endpoints: "
                         "dor_lancet2022, os, os_esmo2021, pfs, pfs_esmo2021, pfs_nejm2024. "
                         "Did you mean 'pfs'?")
    lines = _usage_error([*command, "--endpoint", "pfs_esmo"], capsys)
    assert lines[-1].endswith("Did you mean 'pfs_esmo2021'?")


def test_trials_by_acronym_and_endpoints_in_any_case(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_check_one", lambda trial, key, ipd: fake_report(True, key))
    for name in ("LMS-04", "lms 04", "LMS04", "NCT02997358"):
        assert cli.main(["check", name, "--endpoint", "OS", "--endpoint", "os"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("LMS-04 os: Overall survival")
        assert out.count("LMS-04 os:") == 1  # "OS" and "os" are one endpoint, checked once


@pytest.mark.parametrize("name, suggestion", [
    ("lms4", "Did you mean 'lms04' (LMS-04) or 'lms02' (LMS-02)?"),
    ("gedis", "Did you mean 'geddis' (GeDDiS)?"),
])
def test_a_misspelt_trial_gets_suggestions(name, suggestion, capsys):
    lines = _usage_error(["check", name], capsys)
    assert lines[-1].startswith(f"lmssurv: error: no curated trial {name!r}")
    assert suggestion in lines[-1]


@pytest.mark.parametrize("as_json", [False, True])
def test_audit_exits_1_on_an_inconsistent_finding(as_json, capsys):
    # LMS-04: the ESMO 2021 PFS medians (7.3, 13.5) cannot be the same analysis as the Lancet
    # Oncology central review ones (6.2, 12.2) at one cut-off -> INCONSISTENT, exit 1 like check.
    # GeDDiS: no inconsistent finding -> 0.
    extra = ["--json"] if as_json else []
    assert cli.main(["audit", "LMS-04", *extra]) == 1
    out = capsys.readouterr().out
    assert ("INCONSISTENT (3)" in out) if not as_json else (
        sum(r["verdict"] == "inconsistent" for r in json.loads(out)["rows"]) == 3)
    assert cli.main(["audit", "geddis", *extra]) == 0
    assert "inconsistent" not in capsys.readouterr().out.lower()


@pytest.mark.parametrize("command", [["check", "lms04", "--endpoint", "os"],
                                     ["reconstruct", "lms04", "--endpoint", "os"]])
def test_negative_seed(command, capsys):
    lines = _usage_error([*command, "--seed", "-1"], capsys)
    assert lines[-1] == ("lmssurv: error: seed must be a non-negative whole number, got -1; "
                         "e.g. seed=0.")


def test_invalid_trial_file_is_a_usage_error(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("time_unit = months\n")
    for command in (["check", str(bad)], ["audit", str(bad)],
                    ["reconstruct", str(bad), "--endpoint", "os"]):
        lines = _usage_error(command, capsys)
        assert lines[-1].startswith(f"lmssurv: error: {bad}: not valid TOML")


def test_output_folder_needs_a_file_name(tmp_path, capsys):
    lines = _usage_error(["reconstruct", "lms04", "--endpoint", "os", "--out", str(tmp_path),
                          "--force"], capsys)
    assert lines[-1] == f"lmssurv: error: {tmp_path} is a folder; give a file name."
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["reconstruct", "reproduce"])
def test_unwritable_output_is_a_usage_error(where, tmp_path, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("mine\n")
    argv = (["reconstruct", "lms04", "--endpoint", "os", "--out", str(blocker / "ipd.csv")]
            if where == "reconstruct" else ["reproduce", "--out", str(blocker)])
    _usage_error(argv, capsys)
    assert blocker.read_text() == "mine\n"


def test_written_files_get_normal_permissions(tmp_path):
    # mkstemp creates 0600 files; the output must be readable like any file the user writes
    old = os.umask(0o022)
    try:
        assert cli.main(["reconstruct", "lms04", "--endpoint", "os", "--out",
                         str(tmp_path / "ipd.csv")]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "ipd.csv").stat().st_mode & 0o777 == 0o644


def test_audit_of_my_own_toml_exits_1_on_inconsistent_numbers(tmp_path, capsys):
    # HR 0.50 with CI 0.20-0.60: the geometric mean of the limits is sqrt(0.2 * 0.6) = 0.346,
    # far from 0.50 (a Wald CI is symmetric on the log scale) -> INCONSISTENT
    path = tmp_path / "my_trial.toml"
    path.write_text('name = "My trial"\npopulation = "uterine LMS, any line"\n'
                    "[endpoints.pfs.control]\nn = 200\n[endpoints.pfs.experimental]\nn = 200\n"
                    "[endpoints.pfs.hr]\nestimate = 0.50\nci = [0.20, 0.60]\n")
    assert cli.main(["audit", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("My trial: internal consistency") and "hr_ci_symmetry" in out
    path.write_text(path.read_text().replace("ci = [0.20, 0.60]", "ci = [0.35, 0.71]"))
    # sqrt(0.35 * 0.71) = 0.4985: symmetric; 4/SE^2 = 123 events of 400 patients: possible
    assert cli.main(["audit", str(path)]) == 0
