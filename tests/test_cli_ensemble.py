"""``lmssurv reconstruct --draws``: an ensemble of plausible pseudo-trials as a file, safely.

The same output rules as a single reconstruction (tests/test_cli.py): atomic, never overwriting
without --force, refusing anything but a regular file; plus the --draws range and the progress
lines on stderr. The rows must be exactly what the public API returns for the same seed.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from lmssurv import cli
from lmssurv.trials import load_trial

DRAWS = 4  # enough to see several draws; each costs a fraction of a second for LMS-04 OS


def _quiet(fn, *args, **kwargs):
    """The public API without the ReconstructionWarnings the CLI prints as stderr lines."""
    import warnings

    from lmssurv import ReconstructionWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReconstructionWarning)
        return fn(*args, **kwargs)


@pytest.fixture(scope="module")
def expected():
    ens = _quiet(load_trial("lms04").reconstruct_ensemble, "os", draws=DRAWS, seed=3)
    return ens[["draw", "arm", "time", "event"]].reset_index(drop=True)


def test_draws_writes_the_ensemble_and_never_overwrites_without_force(tmp_path, capsys,
                                                                     expected):
    out = tmp_path / "ens.csv"
    argv = ["reconstruct", "lms04", "--endpoint", "OS", "--draws", str(DRAWS), "--seed", "3",
            "--out", str(out)]
    assert cli.main(argv) == 0
    err = capsys.readouterr().err
    assert f"drawing {DRAWS} plausible rebuilds of LMS-04 os (seed 3)" in err  # progress
    assert f"wrote {out} ({len(expected)} rows)" in err
    ens = pd.read_csv(out)
    assert list(ens.columns) == ["draw", "arm", "time", "event"]
    # the CSV holds the public API's rows (times to CSV's full float precision)
    pd.testing.assert_frame_equal(ens, expected, check_dtype=False, rtol=0, atol=1e-12)
    # each draw is a whole LMS-04 OS pseudo-trial: 150 patients, 60 + 47 deaths (NEJM 2024)
    per_draw = ens.groupby("draw").agg(n=("time", "size"), deaths=("event", "sum"))
    assert per_draw.index.tolist() == list(range(DRAWS))
    assert (per_draw["n"] == 150).all() and (per_draw["deaths"] == 107).all()
    out.write_text("my own data\n")
    assert cli.main(argv) == 2
    assert "pass --force" in capsys.readouterr().err
    assert out.read_text() == "my own data\n"
    assert cli.main([*argv, "--force"]) == 0
    assert len(pd.read_csv(out)) == len(expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ens.csv"]  # no temporary files


def test_draws_to_standard_output(capsys, expected):
    assert cli.main(["reconstruct", "lms04", "--endpoint", "os", "--draws", str(DRAWS),
                     "--seed", "3"]) == 0
    ens = pd.read_csv(io.StringIO(capsys.readouterr().out))
    pd.testing.assert_frame_equal(ens, expected, check_dtype=False, rtol=0, atol=1e-12)


def test_draws_refuses_a_folder_before_any_work(tmp_path, capsys, monkeypatch):
    def boom(*args, **kwargs):  # the refusal must come before the (long) ensemble
        raise AssertionError("the ensemble was drawn before the output path was checked")

    monkeypatch.setattr(cli, "_rebuild_ensemble", boom)
    assert cli.main(["reconstruct", "lms04", "--endpoint", "os", "--draws", "5", "--out",
                     str(tmp_path), "--force"]) == 2
    assert capsys.readouterr().err.strip() == (f"lmssurv: error: {tmp_path} is a folder; give "
                                               "a file name.")


@pytest.mark.parametrize("value", ["0", "10001", "-3", "2.5", "many"])
def test_draws_out_of_range_is_a_usage_error(value, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["reconstruct", "lms04", "--endpoint", "os", "--draws", value])
    assert exc.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == (f"lmssurv reconstruct: error: argument --draws: must be a whole number of "
                    f"draws from 1 to 10000, got {value!r}; e.g. --draws 200")


def test_reproduce_draws_accepts_0_and_names_its_range(capsys):
    with pytest.raises(SystemExit):
        cli.main(["reproduce", "--draws", "10001"])
    assert capsys.readouterr().err.strip().endswith(
        "from 0 to 10000 (0: no band), got '10001'; e.g. --draws 200")
    args = cli.build_parser().parse_args(["reproduce", "--draws", "0"])
    assert args.draws == 0
    assert cli.build_parser().parse_args(["reproduce"]).draws == 200  # the figures' default


def test_long_ensembles_say_they_are_still_running(monkeypatch, capsys):
    import time

    import lmssurv

    def slow(self, endpoint, draws, seed):  # stands in for a long run; the rows do not matter
        time.sleep(0.45)
        return pd.DataFrame({"draw": [0], "arm": ["a"], "time": [1.0], "event": [1]})

    monkeypatch.setattr(cli, "_HEARTBEAT", 0.1)
    monkeypatch.setattr(lmssurv.Trial, "reconstruct_ensemble", slow)
    assert cli.main(["reconstruct", "lms04", "--endpoint", "os", "--draws", "2"]) == 0
    err = capsys.readouterr().err
    beats = [line for line in err.splitlines() if "still drawing LMS-04 os" in line]
    # one every 0.1 s for 0.45 s: 4 on a quiet machine, fewer when the thread is starved
    assert 1 <= len(beats) <= 4, err
    assert err.index(beats[-1]) < err.index("2 draws (1 rows)")  # none after the run ended
