"""`lmssurv reproduce` checks every curated trial: one table, LMS-04 alone decides the exit code.

The reference for each row is lmssurv.check on the same seed's reconstruction (the full check
tables that `lmssurv check <trial>` prints); figures are not drawn here (test_cli covers them).
"""

from __future__ import annotations

import contextlib
import io

import pytest

from lmssurv import cli
from lmssurv.trials import list_trials, load_trial

# These tests rebuild every curated trial, some of whose HRs cannot be reproduced;
# each such rebuild warns (ReconstructionWarning). That the warning is issued, and agrees
# with the check table, is tested in test_curated_checks.py.
pytestmark = pytest.mark.filterwarnings("ignore::lmssurv.ReconstructionWarning")
@pytest.fixture(scope="module")
def reproduced(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setattr(cli, "_figure_jobs", lambda *args, **kwargs: {})  # checks only
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["reproduce", "--out", str(tmp_path_factory.mktemp("figs"))])
    mp.undo()
    return code, out.getvalue()


def _table_rows(text: str) -> list[list[str]]:
    block = text.split("Every curated trial", 1)[1].splitlines()[3:]
    return [line.split() for line in block if line.startswith("  ") and "/" in line]


def test_table_has_one_row_per_curated_endpoint(reproduced):
    _, text = reproduced
    rows = _table_rows(text)
    expected = sum(len(load_trial(t).endpoints) for t in list_trials())
    assert len(rows) == expected
    for tid in list_trials():
        trial = load_trial(tid)
        for key in trial.endpoints:
            assert any(f"  {trial.name}" in line and f" {key} " in line
                       for line in text.splitlines()), (trial.name, key)


def test_lms04_alone_decides_the_exit_code(reproduced):
    from lmssurv.checks import check

    code, text = reproduced
    trial = load_trial("lms04")
    lms04_ok = all(check(trial, k, trial.reconstruct(k, seed=0)).attrs["all_ok"]
                   for k in ("os", "pfs"))
    assert code == (0 if lms04_ok else 1)
    last = text.rstrip().splitlines()[-1]
    assert last.startswith("PASS" if code == 0 else "FAIL")
    assert last.endswith("(LMS-04 os and pfs: the exit code)")
    # LMS-04's own per-endpoint check tables are still printed in full
    assert "LMS-04 os: Overall survival (seed 0)" in text
    assert "LMS-04 pfs: " in text


def test_a_missed_hr_is_named_in_the_table(reproduced):
    from lmssurv.checks import check

    _, text = reproduced
    # each endpoint's HR verdict matches lmssurv.check: ok, CI MISSED (a bound) or MISSED
    for tid in list_trials():
        trial = load_trial(tid)
        for key, ep in trial.endpoints.items():
            if ep.hr is None or ep.experimental is None:
                continue
            report = check(trial, key, trial.reconstruct(key, seed=0))
            hr_rows = report[report["quantity"].str.startswith("HR")]
            point_ok = bool(hr_rows.loc[hr_rows["quantity"] == "HR", "ok"].all())
            expected = ("ok" if hr_rows["ok"].all() else "MISSED" if not point_ok else "CI")
            line = next(line for line in text.splitlines()
                        if line.startswith(f"  {trial.name}") and f" {key} " in line)
            verdict = [t for t in line.split(f" {key} ", 1)[1].split() if t != "*"][1]
            assert verdict == expected, line
