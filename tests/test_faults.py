"""Faults found by fuzzing (issue 11): degenerate curve inputs, odd trial files, odd output paths.

Each case of the issue has a test asserting its clear outcome (it works, or ``InputError`` / exit
2 with a short message), and hypothesis then runs the same cases in random mixes, asserting that
nothing else ever escapes.

Safety: these tests never write to, or name as an output, a real device. Pipes are FIFOs made in
``tmp_path`` with :func:`os.mkfifo` and never opened; a device is either only ``lstat``-ed
(:func:`lmssurv._io.check_target` on ``/dev/null`` reads its type and nothing else) or faked by
making ``lstat`` report a character device for an ordinary temporary file.
"""

from __future__ import annotations

import json
import math
import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import lmssurv._io as io_module
from lmssurv import InputError, reconstruct_from_curve
from lmssurv._io import atomic_write, check_target
from lmssurv._validation import short_repr
from lmssurv.audit import audit
from lmssurv.trials import load_trial

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
LMS04_TEXT = (REPO / "data" / "lms04.toml").read_text(encoding="utf-8")
LMS04_DOC = tomllib.loads(LMS04_TEXT)
# Deterministic and bounded, like tests/test_properties.py: the same examples on every run.
FAST = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
# Error messages echo the bad value, cut to 300 characters, and key paths cut to 120: with the
# file name and the fix, a message stays under 1,000 characters whatever the value (100 kB here).
SHORT_MESSAGE = 1000


def _write(tmp_path: Path, text: str, name: str = "trial.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"test fixture text not unique: {old!r}"
    return text.replace(old, new)


# -- a tiny TOML writer, so mutated documents reach load_trial as real files ------------------
def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)  # inf, -inf, 1e+308 are TOML
    if isinstance(value, str):
        # JSON escapes are TOML escapes; TOML also forbids a raw DEL
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(type(value))  # pragma: no cover - the strategies draw none of these


def _toml(doc: dict) -> str:
    return "".join(f"{json.dumps(k)} = {_toml_value(v)}\n" for k, v in doc.items())


def test_the_test_toml_writer_round_trips_lms04():
    # the hypothesis tests below rely on it: LMS-04 written back must read as the same document
    assert tomllib.loads(_toml(LMS04_DOC)) == LMS04_DOC


# -- trial files ------------------------------------------------------------------------------
def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + LMS04_TEXT.encode("utf-8"))  # as Notepad saves it
    with_bom = load_trial(path)
    plain = load_trial(_write(tmp_path, LMS04_TEXT))
    assert with_bom.to_frame().equals(plain.to_frame())


def test_text_that_is_not_utf8_says_so(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"# caf\xe9\n" + LMS04_TEXT.encode("utf-8"))
    with pytest.raises(InputError, match=r"not UTF-8 text .* Save the file as UTF-8"):
        load_trial(path)


@pytest.mark.parametrize(("section", "value"), [
    ("outcomes", False), ("endpoints", 1e308), ("outcomes", [1, 2]), ("endpoints", "os"),
])
def test_a_section_that_is_not_a_table(tmp_path, section, value):
    doc = {**LMS04_DOC, section: value}
    with pytest.raises(InputError, match=rf": {section}: must be a section of tables, got "):
        load_trial(_write(tmp_path, _toml(doc)))


def test_an_analysis_that_is_not_text(tmp_path):
    text = _replace_once(LMS04_TEXT, 'name = "Overall survival"\nanalysis = "nejm2024"',
                         'name = "Overall survival"\nanalysis = { value = 1 }')
    with pytest.raises(InputError, match=r"endpoints\.os\.analysis: must be non-empty text, "
                                         r"got \{'value': 1\}"):
        load_trial(_write(tmp_path, text))


def test_a_landmark_ci_limit_printed_ne_loads_and_audits(tmp_path):
    text = _replace_once(LMS04_TEXT, "ci = [0.094, 0.259]", 'ci = [0.094, "NE"]')
    trial = load_trial(_write(tmp_path, text))
    assert trial.endpoints["pfs"].control.landmark_cis[12.0] == (0.094, None)
    table = audit(trial)
    rows = table[(table["check"] == "median_ci_vs_landmark") & (table["endpoint"] == "pfs")]
    # the one-sided CI bounds nothing, so that pair is skipped; the others are still audited
    assert not rows["explanation"].str.contains(r"S\(12\) \(0.094").any()
    assert rows["explanation"].str.contains(r"S\(12\) \(0.395-0.619\)").any()


def test_deeply_nested_brackets(tmp_path):
    text = LMS04_TEXT.replace('time_unit = "months"\n',
                              'time_unit = "months"\nx = ' + "[" * 5000 + "]" * 5000 + "\n", 1)
    with pytest.raises(InputError, match=r"nested too deeply"):
        load_trial(_write(tmp_path, text))


def test_an_integer_beyond_python_conversion_limit(tmp_path):
    text = _replace_once(LMS04_TEXT, "schema_version = 1", "schema_version = 1" + "0" * 5000)
    with pytest.raises(InputError, match=r"not valid TOML for lmssurv") as err:
        load_trial(_write(tmp_path, text))
    assert len(str(err.value)) < SHORT_MESSAGE


def test_long_values_and_keys_are_cut_in_messages(tmp_path):
    long = "x" * 100_000
    text = _replace_once(LMS04_TEXT, 'time_unit = "months"', f'time_unit = "{long}"')
    with pytest.raises(InputError, match=r"time_unit: 'xxxx.*\.\.\..*xxx' is not supported") as e:
        load_trial(_write(tmp_path, text))
    assert len(str(e.value)) < SHORT_MESSAGE
    text = LMS04_TEXT.replace("[trial]\n", f"[trial]\n{long} = 1\n", 1)
    with pytest.raises(InputError, match=r"trial\.xxx.*\.\.\..*unknown key") as e:
        load_trial(_write(tmp_path, text))
    assert len(str(e.value)) < SHORT_MESSAGE


def test_short_repr_cuts_but_keeps_short_values():
    assert short_repr([0.37, "NE"]) == "[0.37, 'NE']"  # short values exactly as repr shows them
    assert len(short_repr("x" * 100_000)) == 300  # reprlib keeps both ends of 300 characters
    deep: dict = {}
    node = deep
    for _ in range(5000):  # repr() of this overflows the stack; the cut one does not
        node["a"] = {}
        node = node["a"]
    assert short_repr(deep) == "{'a': {'a': {'a': {...}}}}"
    assert short_repr(10**5000) == "<int too large to show>"


def test_an_outcome_with_more_patients_than_any_trial(tmp_path):
    doc = json.loads(json.dumps(LMS04_DOC))
    outcome = next(v for v in doc["outcomes"].values()
                   if isinstance(v.get("control"), dict) and "n" in v["control"])
    outcome["control"]["n"] = 10**30
    with pytest.raises(InputError, match=r"more than any trial"):
        load_trial(_write(tmp_path, _toml(doc)))


def test_a_folder_or_a_pipe_as_the_trial_file(tmp_path):
    with pytest.raises(InputError, match=r"is a folder; give the path of a \.toml file"):
        load_trial(tmp_path)
    fifo = tmp_path / "trial.toml"
    os.mkfifo(fifo)  # opening it would block: the loader must only look at its type
    with pytest.raises(InputError, match=r"is not a regular file"):
        load_trial(fifo)
    with pytest.raises(InputError, match=r"cannot read trial file .*too long"):
        load_trial(tmp_path / ("x" * 5000 + ".toml"))
    # a name that is no path is looked up among the curated trials, not on the disk
    with pytest.raises(InputError, match=r"no curated trial 'xxx.*\.\.\..*xxx'; curated"):
        load_trial("x" * 100_000)


# -- random mixes of the trial-file cases -----------------------------------------------------
def _leaf_paths(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix + (k,)
            yield from _leaf_paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield prefix + (i,)
            yield from _leaf_paths(v, prefix + (i,))


PATHS = list(_leaf_paths(LMS04_DOC))
JUNK = st.one_of(
    st.sampled_from([False, True, 0, -1, 1e308, -1e308, math.inf, math.nan, "", "NE", "NR",
                     "x" * 5000, [], [0.37, "NE"], ["NE", "NR"], {}, {"value": 1},
                     {"value": "a"}, "<0.0001", "2020-13", 10**30, [[1]], [{}]]),
    st.integers(-(2**70), 2**70), st.floats(allow_nan=True), st.text(max_size=20),
    st.lists(st.floats(0, 2), max_size=3),
    st.integers(0, 100), st.floats(0, 1), st.floats(0, 1),  # plausible numbers, more often
)


def _mutated(data, doc):
    doc = json.loads(json.dumps(doc, allow_nan=True))
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        path = data.draw(st.sampled_from(PATHS), label="where")
        node = doc
        try:
            for key in path[:-1]:
                node = node[key]
            if data.draw(st.booleans(), label="drop") and isinstance(node, dict):
                node.pop(path[-1], None)
            else:
                node[path[-1]] = data.draw(JUNK, label="value")
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation removed or replaced the way there
    return doc


@settings(FAST, max_examples=60)  # about 1 in 6 loads; the rest are InputErrors
@given(data=st.data())
def test_mutated_trial_files_load_and_audit_or_raise_input_error(data):
    doc = _mutated(data, LMS04_DOC)
    text = _toml(doc)
    if data.draw(st.booleans(), label="bom"):
        text = "\ufeff" + text
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trial.toml"
        path.write_text(text, encoding="utf-8")
        try:
            trial = load_trial(path)
        except InputError as err:
            assert len(str(err)) < SHORT_MESSAGE, str(err)[:300]
            return
    audit(trial)  # whatever loads can be audited
    trial.to_frame()


# -- the curve engine ---------------------------------------------------------------------------
CLICKS = pd.DataFrame({"time": [0, 2, 2, 5, 5, 8], "survival": [1, 1, 0.8, 0.8, 0.6, 0.6]})


@pytest.mark.parametrize("kwargs", [
    {"at_risk": pd.DataFrame({"time": [0, 4], "at_risk": [10**12, 10**11]})},
    {"n": 10**12},
    {"at_risk": {"time": [0, 4], "at_risk": [1_000_001, 10]}},
])
def test_more_patients_than_any_trial_is_refused_before_any_work(kwargs):
    # 1,000,000 is the same cap ArmSummary.n has; 10**12 patients would exhaust memory
    with pytest.raises(InputError, match=r"must be <= 1,000,000"):
        reconstruct_from_curve(CLICKS, **kwargs)


@pytest.mark.parametrize("clicks", [
    pd.DataFrame({"time": [0, 0, 0], "survival": [1, 0.8, 0.6]}),
    pd.DataFrame({"time": [0, 0], "survival": [1, 1]}),  # everyone censored at 0
])
def test_a_curve_that_spans_no_time_is_refused(clicks):
    with pytest.raises(InputError, match=r"curve\.time is 0 for every click"):
        reconstruct_from_curve(clicks, n=50)
    with pytest.raises(InputError, match=r"arm 'A': curve\['A'\]\.time is 0 for every click"):
        reconstruct_from_curve({"A": clicks}, n={"A": 50})


def test_a_drop_at_time_0_is_refused():
    clicks = pd.DataFrame({"time": [0, 0, 0, 5], "survival": [1, 0.8, 0.6, 0.6]})
    with pytest.raises(InputError, match=r"curve is at 0.6 at time 0, .* the 40% drop"):
        reconstruct_from_curve(clicks, n=50)
    # reading noise within the clipping tolerance (0.05) is still accepted
    noisy = pd.DataFrame({"time": [-0.05, 0, 5, 5], "survival": [1.01, 0.97, 0.97, 0.6]})
    ipd = reconstruct_from_curve(noisy, n=50)
    assert len(ipd) == 50 and (ipd["time"] > 0).sum() >= 48


def test_no_events_under_a_falling_curve_is_refused():
    # was accepted: 9 of 10 patients censored at time 0 and no note (hypothesis found it)
    clicks = pd.DataFrame({"time": [0, 1, 2], "survival": [1, 0.5, 0.5]})
    with pytest.raises(InputError, match=r"events=0, but the curve drops to 0.5"):
        reconstruct_from_curve(clicks, n=10, events=0)
    flat = pd.DataFrame({"time": [0, 2], "survival": [1, 0.98]})  # within reading noise
    ipd = reconstruct_from_curve(flat, n=10, events=0)
    assert len(ipd) == 10 and ipd["event"].sum() == 0


def test_a_curve_at_one_later_time_still_works():
    # one drop at 3 months and nothing after: degenerate but truthful, so it is rebuilt
    ipd = reconstruct_from_curve(pd.DataFrame({"time": [3, 3], "survival": [1, 0.6]}), n=50)
    assert len(ipd) == 50 and ipd["event"].sum() == 20 and (ipd["time"] == 3).all()


JUNK_COUNTS = st.sampled_from([1_000_001, 10**12, 10**30, -1, 0, 2.5, math.nan, math.inf])


@st.composite
def curve_cases(draw):
    """Mostly well-formed curves and tables, with the issue's faults mixed in at random."""
    valid_n = st.integers(1, 300)
    n = draw(st.one_of(valid_n, valid_n, valid_n, JUNK_COUNTS), label="n")  # 1 in 4 junk
    steps = draw(st.lists(st.tuples(st.floats(0.1, 60), st.floats(0, 1)), min_size=1,
                          max_size=8), label="steps")
    times = [0.0] + [t for t, _ in steps]
    surv = [1.0] + sorted((s for _, s in steps), reverse=True)
    fault = draw(st.sampled_from(["none", "none", "all at 0", "drop at 0", "noise"]),
                 label="fault")
    if fault == "all at 0":
        times = [0.0] * len(times)
    elif fault == "drop at 0":
        times[1] = 0.0
    elif fault == "noise":
        times = [t + draw(st.floats(-0.5, 0.5)) for t in times]
        surv = [x + draw(st.floats(-0.03, 0.03)) for x in surv]
    at_risk = None
    if draw(st.booleans(), label="table") and isinstance(n, int) and n >= 1:
        later = draw(st.lists(st.integers(0, n), max_size=3), label="at risk")
        rows = [(0.0, n)] + [(12.0 * (i + 1), c) for i, c in
                             enumerate(sorted(later, reverse=True))]
        if draw(st.booleans(), label="junk in the table"):
            rows[-1] = (rows[-1][0], draw(JUNK_COUNTS))
        at_risk = pd.DataFrame(rows, columns=["time", "at_risk"])
    top = n if isinstance(n, int) and n >= 0 else 300
    events = draw(st.one_of(st.none(), st.integers(0, top), st.integers(0, top), JUNK_COUNTS),
                  label="events")
    return pd.DataFrame({"time": times, "survival": surv}), at_risk, n, events


# a click at 0 just below 1 (within the clip tolerance) once put the first event at time 0
_DIP_AT_0 = (pd.DataFrame({"time": [0.0, 0.0, 1.0], "survival": [1.0, 0.96875, 0.0]}),
             None, 16, None)


@settings(FAST, max_examples=100)  # about 1 in 6 is rebuilt; the rest are InputErrors
@given(case=curve_cases())
@example(case=_DIP_AT_0)
def test_random_curves_rebuild_or_raise_input_error(case):
    clicks, at_risk, n, events = case
    try:
        ipd = reconstruct_from_curve(clicks, at_risk=at_risk, n=n, events=events)
    except InputError:
        return
    assert len(ipd) == (n if at_risk is None else at_risk["at_risk"].iloc[0])
    assert (ipd.loc[ipd["event"] == 1, "time"] > 0).all()  # no event at time 0
    assert (ipd["time"] > 0).any()  # and never every patient at time 0


# -- output paths -------------------------------------------------------------------------------
@pytest.fixture
def fast_rebuild(monkeypatch):
    """The CLI's rebuild replaced by a fixed 3-row table: these tests are about the files."""
    from lmssurv import cli

    ipd = pd.DataFrame({"arm": ["A", "A", "B"], "time": [1.0, 2.0, 3.0], "event": [1, 0, 1]})
    monkeypatch.setattr(cli, "_rebuild", lambda trial, endpoint, seed: ipd.copy())
    return ipd


def _run(argv, capsys) -> tuple[int, str]:
    from lmssurv import cli

    code = cli.main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def _reconstruct(out, *extra) -> list[str]:
    return ["reconstruct", "lms04", "--endpoint", "os", "--out", str(out), *extra]


def test_check_target_reads_the_type_of_dev_null_without_writing():
    # lstat only (check_target never opens or writes): /dev/null is a device, refused
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
    with pytest.raises(InputError, match=r"/dev/null is a device; lmssurv replaces only "
                                         r"regular files, even with --force"):
        check_target("/dev/null", force=True)


def test_a_device_at_the_output_path_is_refused_even_with_force(tmp_path, monkeypatch,
                                                                  fast_rebuild, capsys):
    # an ordinary file that lstat reports as a character device: were the check missing, only
    # this temporary file would be replaced, never a real device
    out = tmp_path / "null.csv"
    out.write_text("stand-in\n")
    real_lstat = os.lstat

    def device_lstat(path, *args, **kwargs):
        st_ = real_lstat(path, *args, **kwargs)
        if Path(path) == out:
            return os.stat_result((stat.S_IFCHR | 0o666, *tuple(st_)[1:]))
        return st_

    monkeypatch.setattr(io_module.os, "lstat", device_lstat)
    code, err = _run(_reconstruct(out, "--force"), capsys)
    assert code == 2 and "is a device; lmssurv replaces only regular files" in err
    assert out.read_text() == "stand-in\n" and sorted(tmp_path.iterdir()) == [out]


def test_a_fifo_at_the_output_path_is_refused_even_with_force(tmp_path, fast_rebuild, capsys):
    fifo = tmp_path / "ipd.csv"
    os.mkfifo(fifo)
    for extra in ((), ("--force",)):
        code, err = _run(_reconstruct(fifo, *extra), capsys)
        assert code == 2 and "is a named pipe (FIFO)" in err
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(tmp_path.iterdir()) == [fifo]


def test_a_fifo_among_the_figures_is_refused_before_any_work(tmp_path, capsys):
    # reproduce would otherwise open it to read its PNG metadata, and block
    out = tmp_path / "figures"
    out.mkdir()
    os.mkfifo(out / "lms04_os.png")
    for extra in ((), ("--force",)):
        code, err = _run(["reproduce", "--out", str(out), *extra], capsys)
        assert code == 2 and "is a named pipe (FIFO)" in err
    assert [p.name for p in out.iterdir()] == ["lms04_os.png"]


def test_a_symlink_at_the_output_path_is_never_replaced(tmp_path, fast_rebuild, capsys):
    dangling = tmp_path / "ipd.csv"
    dangling.symlink_to(tmp_path / "nowhere.csv")
    mine = tmp_path / "mine.csv"
    mine.write_text("my data\n")
    linked = tmp_path / "link.csv"
    linked.symlink_to(mine)
    for link in (dangling, linked):
        for extra in ((), ("--force",)):
            code, err = _run(_reconstruct(link, *extra), capsys)
            assert code == 2 and "is a symbolic link" in err
            assert link.is_symlink()
    assert not (tmp_path / "nowhere.csv").exists() and mine.read_text() == "my data\n"


def test_an_output_path_under_a_file_says_which_file(tmp_path, fast_rebuild, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("mine\n")
    code, err = _run(_reconstruct(blocker / "sub" / "ipd.csv"), capsys)
    assert code == 2 and f"{blocker} is a file, not a folder" in err
    assert blocker.read_text() == "mine\n"


def test_a_folder_as_the_trial_says_so(tmp_path, capsys):
    code, err = _run(["check", str(tmp_path)], capsys)
    assert code == 2 and err.strip() == (f"lmssurv: error: trial file {str(tmp_path)!r} is a "
                                         "folder; give the path of a .toml file in it.")


@pytest.mark.parametrize("name", ["ipd.xlsx", "ipd", "ipd.txt", "ipd.csv.gz"])
def test_an_output_format_lmssurv_cannot_write_is_refused(name, tmp_path, fast_rebuild, capsys):
    code, err = _run(_reconstruct(tmp_path / name), capsys)
    assert code == 2 and "supported extensions: .csv, and .parquet" in err
    assert list(tmp_path.iterdir()) == []


def test_csv_extension_in_any_case_writes_csv(tmp_path, fast_rebuild, capsys):
    code, _ = _run(_reconstruct(tmp_path / "IPD.CSV"), capsys)
    assert code == 0
    assert pd.read_csv(tmp_path / "IPD.CSV").equals(fast_rebuild)


def test_parquet_needs_an_engine(tmp_path, monkeypatch, fast_rebuild, capsys):
    from lmssurv import cli

    monkeypatch.setattr(cli, "_parquet_engine", lambda: None)
    code, err = _run(_reconstruct(tmp_path / "ipd.parquet"), capsys)
    assert code == 2 and "needs pyarrow or fastparquet" in err
    assert list(tmp_path.iterdir()) == []
    # with an engine, pandas writes parquet with it (the engine is faked: neither is a
    # dependency of lmssurv, so the test only checks the call, into the temporary file)
    calls = []

    def fake_to_parquet(self, path, **kwargs):
        calls.append(kwargs)
        Path(path).write_bytes(b"PAR1")

    monkeypatch.setattr(cli, "_parquet_engine", lambda: "pyarrow")
    monkeypatch.setattr(pd.DataFrame, "to_parquet", fake_to_parquet)
    code, _ = _run(_reconstruct(tmp_path / "ipd.parquet"), capsys)
    assert code == 0 and calls == [{"index": False, "engine": "pyarrow"}]
    assert [p.name for p in tmp_path.iterdir()] == ["ipd.parquet"]


def test_the_final_step_refuses_a_file_that_appeared_meanwhile(tmp_path):
    out = tmp_path / "ipd.csv"

    def write_while_another_run_finishes(tmp):
        Path(tmp).write_text("ours\n")
        out.write_text("theirs\n")  # another run wins the race after our first check

    with pytest.raises(InputError, match=r"already exists; pass --force"):
        atomic_write(out, write_while_another_run_finishes, force=False)
    assert out.read_text() == "theirs\n" and sorted(tmp_path.iterdir()) == [out]


def test_the_final_step_without_hard_links_still_refuses(tmp_path, monkeypatch):
    # file systems without hard links (FAT, some network shares): the name is claimed O_EXCL
    def no_links(src, dst):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(io_module.os, "link", no_links)
    out = tmp_path / "ipd.csv"
    atomic_write(out, lambda tmp: Path(tmp).write_text("first\n"), force=False)
    assert out.read_text() == "first\n"

    def race(tmp):
        Path(tmp).write_text("second\n")
        out.write_text("theirs\n")

    out.unlink()
    with pytest.raises(InputError, match=r"already exists"):
        atomic_write(out, race, force=False)
    assert out.read_text() == "theirs\n" and sorted(tmp_path.iterdir()) == [out]


def test_three_concurrent_writers_one_wins(tmp_path):
    out = tmp_path / "ipd.csv"
    barrier = threading.Barrier(3)
    results: dict[int, str] = {}

    def writer(i):
        def write(tmp):
            Path(tmp).write_text(f"run {i}\n")
            barrier.wait(timeout=20)  # all three have passed the first "exists?" check

        try:
            atomic_write(out, write, force=False)
            results[i] = "wrote"
        except InputError:
            results[i] = "refused"

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results.values()) == ["refused", "refused", "wrote"]
    winner = next(i for i, r in results.items() if r == "wrote")
    assert out.read_text() == f"run {winner}\n" and sorted(tmp_path.iterdir()) == [out]


_SLOW_WRITE = textwrap.dedent("""
    import signal, sys, time
    import pandas as pd
    from lmssurv import cli

    # as in a terminal, even when the test runner was started with SIGINT ignored (a background
    # job): Python installs its Ctrl-C handler only when SIGINT is not ignored at start-up
    signal.signal(signal.SIGINT, signal.default_int_handler)

    ipd = pd.DataFrame({"arm": ["A"], "time": [1.0], "event": [1]})
    cli._rebuild = lambda trial, endpoint, seed: ipd

    def slow_to_csv(self, path, **kwargs):
        with open(path, "w") as fh:
            fh.write("arm,time,ev")
            fh.flush()
            time.sleep(60)  # killed while half-written

    pd.DataFrame.to_csv = slow_to_csv
    sys.exit(cli.main(sys.argv[1:]))
""")


@pytest.mark.parametrize(("signum", "code", "message"), [
    (signal.SIGTERM, 143, "lmssurv: stopped by SIGTERM"),
    (signal.SIGINT, 130, "lmssurv: interrupted"),
])
def test_a_signal_mid_write_cleans_up_without_a_traceback(tmp_path, signum, code, message):
    out = tmp_path / "out" / "ipd.csv"
    out.parent.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_WRITE, *_reconstruct(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not any(out.parent.iterdir()):  # wait for the half-written temporary file
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.05)
        time.sleep(0.2)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # pragma: no cover - only when the test already failed
            proc.kill()
            proc.communicate()
    assert proc.returncode == code, err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == message
    assert list(out.parent.iterdir()) == []  # no .ipd.csv.* temporary file left


def test_main_restores_the_signal_handlers_and_respects_ignored_ones(fast_rebuild, tmp_path,
                                                                     capsys, monkeypatch):
    from lmssurv import cli

    seen = {}

    def spy(trial, endpoint, seed):
        seen["term"] = signal.getsignal(signal.SIGTERM)
        seen["hup"] = signal.getsignal(signal.SIGHUP)
        return fast_rebuild

    monkeypatch.setattr(cli, "_rebuild", spy)
    old_term = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    old_hup = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        assert _run(_reconstruct(tmp_path / "ipd.csv"), capsys)[0] == 0
        # while running: SIGTERM turned into clean-up, the ignored SIGHUP left ignored
        assert seen == {"term": cli._raise_terminated, "hup": signal.SIG_IGN}
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, old_term)
        signal.signal(signal.SIGHUP, old_hup)


# -- random mixes of the output-path cases -----------------------------------------------------
KINDS = ("missing", "regular", "fifo", "dangling link", "link to a file", "folder",
         "under a file", "device")


@FAST
@given(kind=st.sampled_from(KINDS), force=st.booleans(),
       name=st.sampled_from(["ipd.csv", "ipd.CSV", "ipd.xlsx", "ipd", "ipd.parquet"]))
def test_only_a_missing_path_or_a_regular_file_with_force_is_written(kind, force, name,
                                                                     fast_rebuild, capsys):
    from lmssurv import cli

    real_lstat = os.lstat
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        out = root / name
        if kind == "regular":
            out.write_text("mine\n")
        elif kind == "fifo":
            os.mkfifo(out)
        elif kind == "dangling link":
            out.symlink_to(root / "nowhere")
        elif kind == "link to a file":
            (root / "target").write_text("mine\n")
            out.symlink_to(root / "target")
        elif kind == "folder":
            out.mkdir()
        elif kind == "under a file":
            (root / "afile").write_text("mine\n")
            out = root / "afile" / name
        elif kind == "device":  # a regular file that lstat reports as a device
            out.write_text("mine\n")

        def lstat(path, *args, **kwargs):
            st_ = real_lstat(path, *args, **kwargs)
            if kind == "device" and Path(path) == out:
                return os.stat_result((stat.S_IFCHR | 0o666, *tuple(st_)[1:]))
            return st_

        before = {p.name: (real_lstat(p).st_mode, p.is_file() and p.read_bytes())
                  for p in root.iterdir()}
        old_lstat, io_module.os.lstat = io_module.os.lstat, lstat
        old_engine, cli._parquet_engine = cli._parquet_engine, lambda: None
        try:
            code, err = _run(_reconstruct(out, *(["--force"] if force else [])), capsys)
        finally:
            io_module.os.lstat, cli._parquet_engine = old_lstat, old_engine
        writable = kind == "missing" or (kind == "regular" and force)
        if writable and name.lower().endswith(".csv"):
            assert code == 0, err
            assert pd.read_csv(out).equals(fast_rebuild)
            assert sorted(p.name for p in root.iterdir()) == sorted({*before, name})
        else:
            assert code == 2 and err.startswith("lmssurv: error: ") and len(err) < 400, err
            after = {p.name: (real_lstat(p).st_mode, p.is_file() and p.read_bytes())
                     for p in root.iterdir()}
            assert after == before  # nothing replaced, created or left behind
