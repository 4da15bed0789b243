"""Command line: ``lmssurv reproduce | check | audit | reconstruct | list`` (``python -m lmssurv``).

Exit codes: 0 success; 1 a published number is not reproduced within its tolerance (``check``,
``reproduce``) or contradicts another published number (``audit``: an INCONSISTENT finding); 2 a
usage or input error (one line, ``lmssurv: error: <message>``); 130 interrupted (Ctrl-C), 143 on
SIGTERM and 129 on SIGHUP (128 + the signal number, as shells report it), without a traceback.

Trials are named by id, acronym or NCT number in any case (``lms04``, ``LMS-04``), endpoints in
any case (``--endpoint OS``); a miss suggests the closest names.

Files are written atomically (a temporary file in the target folder, then moved into place), so
an interrupted or killed run never leaves half a CSV or PNG, nor its temporary file. Only a
regular file is ever replaced: a folder, a symbolic link, a named pipe or a device (``/dev/null``)
at the output path is refused even with ``--force``. An existing file is never overwritten
without ``--force`` (checked again, atomically, at the final step, so concurrent runs cannot
both win), with one exception: ``reproduce`` regenerates the figures it wrote itself (PNG files
whose metadata say ``lmssurv reproduce``), so running it twice just works; any other file in the
way needs ``--force``. ``make reproduce`` passes ``--force``. ``reconstruct --out`` writes the
format its extension names: ``.csv``, or ``.parquet`` when pyarrow or fastparquet is installed.
``reconstruct --draws N`` writes an ensemble of ``N`` plausible pseudo-trials instead of one
(columns ``draw, arm, time, event``; :func:`lmssurv.reconstruct_ensemble`), and ``reproduce``
shades a band of ``--draws`` such rebuilds (default 200, 0 for none) in the LMS-04 figures.

Examples
--------
::

    lmssurv reproduce --out figures/          # every curated trial checked (LMS-04 decides), figures
    lmssurv check lms04 --endpoint pfs --json
    lmssurv audit lms04
    lmssurv reconstruct lms04 --endpoint os --out ipd.csv --seed 1
    lmssurv reconstruct lms04 --endpoint os --draws 200 --out ens.csv
    lmssurv list
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import math
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from lmssurv import __version__
from lmssurv._io import atomic_write, check_target
from lmssurv._validation import InputError

__all__ = ["main"]

_REPRODUCE = ("lms04", ("os", "pfs"))
_PNG_TAG = "lmssurv reproduce"
_MAX_DRAWS = 10_000  # as lmssurv.reconstruct_ensemble
_FIGURE_DRAWS = 200  # draws behind the band of plausible rebuilds in the reproduce figures
_HEARTBEAT = 15.0  # seconds between "still drawing" lines while a long ensemble runs
# check-table arms of rows about the whole trial: the summary names the quantity alone
_TWO_ARM_ROWS = ("both arms", "experimental vs control", "", None)


# -- helpers ------------------------------------------------------------------------------
def _progress(message: str) -> None:
    print(f"lmssurv: {message}", file=sys.stderr, flush=True)


def _written_by_us(path: Path) -> bool:
    """True when ``path`` is a PNG this command wrote earlier (tagged in its metadata)."""
    try:
        from PIL import Image

        with Image.open(path) as img:
            return _PNG_TAG in str(img.info.get("Software", ""))
    except Exception:  # unreadable or not an image: treat as the user's file
        return False


def _load(trial_name: str):
    from lmssurv.trials import load_trial

    return load_trial(trial_name)


def _endpoints(trial, requested: Sequence[str] | None) -> list[str]:
    if requested:
        # any case ("OS" is "os"); an unknown key raises InputError listing the endpoints
        return list(dict.fromkeys(trial.endpoint(key).key for key in requested))
    primary = [k for k, ep in trial.endpoints.items() if getattr(ep, "primary", False)]
    return primary or list(trial.endpoints)


def _rebuild(trial, endpoint: str, seed: int) -> pd.DataFrame:
    _progress(f"rebuilding {trial.name} {endpoint} (seed {seed})...")
    start = time.perf_counter()
    ipd = trial.reconstruct(endpoint, seed=seed)
    _progress(f"  {len(ipd)} pseudo-patients in {time.perf_counter() - start:.1f} s")
    return ipd


@contextlib.contextmanager
def _heartbeat(what: str, every: float):
    """Print a "still ..." line on stderr every ``every`` seconds until the block ends."""
    stop = threading.Event()
    start = time.perf_counter()

    def beat() -> None:
        while not stop.wait(every):
            _progress(f"  still {what} ({time.perf_counter() - start:.0f} s so far)")

    thread = threading.Thread(target=beat, name="lmssurv-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _rebuild_ensemble(trial, endpoint: str, draws: int, seed: int) -> pd.DataFrame:
    _progress(f"drawing {draws} plausible rebuilds of {trial.name} {endpoint} (seed {seed})...")
    start = time.perf_counter()
    with _heartbeat(f"drawing {trial.name} {endpoint}", _HEARTBEAT):
        ens = trial.reconstruct_ensemble(endpoint, draws=draws, seed=seed)
    diag = ens.attrs.get("lmssurv")
    missing = getattr(diag, "draws_missing", 0)
    _progress(f"  {draws} draws ({len(ens)} rows) in {time.perf_counter() - start:.1f} s; "
              f"{missing} of them miss a published number")
    return ens


def _draws_type(low: int) -> Callable[[str], int]:
    """argparse type: a whole number of draws in ``[low, 10000]``, else a one-line message."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= _MAX_DRAWS:
            zero = " (0: no band)" if low == 0 else ""
            raise argparse.ArgumentTypeError(
                f"must be a whole number of draws from {low} to {_MAX_DRAWS}{zero}, got "
                f"{text!r}; e.g. --draws 200")
        return value
    return parse


def _check_one(trial, endpoint: str, ipd: pd.DataFrame) -> pd.DataFrame:
    from lmssurv.checks import check

    return check(trial, endpoint, ipd)


# -- text output --------------------------------------------------------------------------
def _num(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/e"
    if math.isinf(value):
        return "NR"
    if value == int(value) and abs(value) >= 1:
        return f"{int(value)}"
    return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2g}"


def format_report(report: pd.DataFrame, title: str) -> str:
    """Plain-text check table for one endpoint (n/e: not estimable; NR: not reached)."""
    header = ("quantity", "arm", "published", "rebuilt", "diff", "tolerance", "check")
    rows = []
    for r in report.itertuples(index=False):
        bound = bool(r.bound)
        rows.append((
            r.quantity, r.arm,
            ("<" if bound else "") + _num(r.published), _num(r.reconstructed),
            _num(r.difference), "bound" if bound else _num(r.tolerance),
            "ok" if r.ok else "FAIL",
        ))
    widths = [max(len(str(x[i])) for x in [header, *rows]) for i in range(len(header))]
    align = ["<", "<", ">", ">", ">", ">", "<"]

    def line(cells):
        return "  " + "  ".join(f"{c!s:{a}{w}}" for c, a, w in zip(cells, align, widths,
                                                                 strict=True)).rstrip()

    out = [title, line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    notes = sorted({n for n in report["adjustment"] if n})
    for n in notes:
        out.append(f"  note: {n}")
    engine = sorted({n for n in report["reconstruction"] if n})
    for n in engine:
        out.append(f"  reconstruction: {n}")
    for n in report.attrs.get("not_checked", []):
        out.append(f"  not checked: {n}")
    return "\n".join(out)


def _summary_line(reports: dict[str, pd.DataFrame]) -> str:
    total = sum(len(r) for r in reports.values())
    failed = {k: int((~r["ok"]).sum()) for k, r in reports.items()}
    n_failed = sum(failed.values())
    if n_failed == 0:
        return f"PASS: all {total} published numbers reproduced within tolerance"
    where = ", ".join(f"{k}: {v}" for k, v in failed.items() if v)
    return f"FAIL: {n_failed} of {total} published numbers outside tolerance ({where})"


def _print_reports(trial, reports: dict[str, pd.DataFrame], seed: int) -> None:
    for key, report in reports.items():
        ep = trial.endpoint(key)
        print(format_report(report, f"{trial.name} {key}: {ep.name} (seed {seed})"))
        print()
    print("tolerance: half a unit of the reported digit, never tighter than the KM's step "
          "resolution (lmssurv.checks); n/e = not estimable, NR = not reached")
    print(_summary_line(reports))


def _json_records(report: pd.DataFrame) -> list[dict]:
    records = []
    for rec in report.to_dict("records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, float) and not math.isfinite(v):
                v = None
            elif hasattr(v, "item"):
                v = v.item()
            clean[k] = v
        records.append(clean)
    return records


# -- commands -----------------------------------------------------------------------------
def _cmd_list(args: argparse.Namespace) -> int:
    from lmssurv.trials import list_trials

    for name in list_trials():
        trial = _load(name)
        print(f"{name:10s} {trial.name}: {trial.title}")
        for key, ep in trial.endpoints.items():
            arms = "one arm" if ep.experimental is None else "two arms"
            flag = " (primary)" if getattr(ep, "primary", False) else ""
            print(f"    {key:16s} {ep.name} [{arms}]{flag}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    trial = _load(args.trial)
    reports = {}
    for key in _endpoints(trial, args.endpoint):
        reports[key] = _check_one(trial, key, _rebuild(trial, key, args.seed))
    all_ok = all(r.attrs["all_ok"] for r in reports.values())
    if args.json:
        doc = {
            "trial": trial.id, "seed": args.seed, "all_ok": all_ok,
            "endpoints": {k: {"all_ok": r.attrs["all_ok"], "rows": _json_records(r)}
                          for k, r in reports.items()},
        }
        print(json.dumps(doc, indent=2, allow_nan=False))
    else:
        _print_reports(trial, reports, args.seed)
    return 0 if all_ok else 1


def _parquet_engine() -> str | None:
    """The installed parquet writer pandas can use, if any."""
    for engine in ("pyarrow", "fastparquet"):
        if importlib.util.find_spec(engine) is not None:
            return engine
    return None


def _table_writer(path: Path) -> Callable[[pd.DataFrame, str], None]:
    """How to write a table to ``path``, chosen by its extension (never silently CSV)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return lambda df, tmp: df.to_csv(tmp, index=False)
    if suffix == ".parquet":
        engine = _parquet_engine()
        if engine is None:
            raise InputError(f"{path}: writing .parquet needs pyarrow or fastparquet, and "
                             "neither is installed; pip install pyarrow, or use a .csv name.")
        return lambda df, tmp: df.to_parquet(tmp, index=False, engine=engine)
    what = f"{suffix!r} files" if suffix else "a file name without an extension"
    raise InputError(f"{path}: cannot write {what}; supported extensions: .csv, and .parquet "
                     "(with pyarrow or fastparquet). Use e.g. --out ipd.csv.")


def _cmd_reconstruct(args: argparse.Namespace) -> int:
    trial = _load(args.trial)
    args.endpoint = trial.endpoint(args.endpoint).key  # any case: "OS" is "os"
    to_stdout = args.out in (None, "-")
    if not to_stdout:  # refuse before the work, not after it
        path = check_target(args.out, force=args.force)
        write = _table_writer(path)
    if args.draws is None:
        ipd = _rebuild(trial, args.endpoint, args.seed)[["arm", "time", "event"]]
    else:
        ipd = _rebuild_ensemble(trial, args.endpoint, args.draws, args.seed)[
            ["draw", "arm", "time", "event"]]
    if to_stdout:
        ipd.to_csv(sys.stdout, index=False)
        return 0
    atomic_write(path, lambda tmp: write(ipd, tmp), force=args.force)
    _progress(f"wrote {path} ({len(ipd)} rows)")
    return 0


def _figure_jobs(trial, endpoints, seed: int, draws: int = _FIGURE_DRAWS
                 ) -> dict[str, Callable[[], object]]:
    """File name -> function drawing that figure, for everything ``reproduce`` regenerates."""
    from lmssurv.lms.example import curve_reconstruction_example_figure
    from lmssurv.lms.regimen_plots import plot_forest, plot_regimen_curves
    from lmssurv.lms.regimens import forest_table, regimen_ipd
    from lmssurv.plotting import plot_endpoint

    jobs: dict[str, Callable[[], object]] = {}
    for key in endpoints:
        jobs[f"{trial.id}_{key}.png"] = lambda key=key: plot_endpoint(
            trial, key, _rebuild(trial, key, seed),
            ensemble=_rebuild_ensemble(trial, key, draws, seed) if draws else None)
    for key, horizon in (("os", 60.0), ("pfs", 36.0)):
        jobs[f"regimens_{key}.png"] = lambda key=key, horizon=horizon: plot_regimen_curves(
            regimen_ipd(key, seed=seed), key, horizon=horizon)
    jobs["regimens_forest.png"] = lambda: plot_forest(forest_table())
    jobs["curve_reconstruction_example.png"] = curve_reconstruction_example_figure
    return jobs


def _cmd_reproduce(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")  # files only; never open a window
    trial_name, endpoints = _REPRODUCE
    trial = _load(trial_name)
    out = Path(args.out)
    jobs = _figure_jobs(trial, endpoints, args.seed, args.draws)
    for name in jobs:  # folders, links, pipes, devices: refused even with --force
        check_target(out / name, force=True)
    blocked = [out / name for name in jobs
               if (out / name).exists() and not args.force and not _written_by_us(out / name)]
    if blocked:  # refuse before any work, not half-way through
        raise InputError(f"{blocked[0]} exists and was not written by lmssurv reproduce; "
                         "pass --force to overwrite it.")
    reports = {}
    for key in endpoints:
        _progress(f"checking LMS-04 {key} against the papers...")
        reports[key] = _check_one(trial, key, _rebuild(trial, key, args.seed))
    outcomes = _check_every_trial(trial, reports, args.seed)
    _write_figures(out, jobs, args.seed)
    _print_reports(trial, reports, args.seed)
    print()
    _print_outcomes(outcomes, trial, endpoints, args.seed)
    print(f"{_summary_line(reports)} ({trial.name} {' and '.join(endpoints)}: the exit code)")
    return 0 if all(r.attrs["all_ok"] for r in reports.values()) else 1


def _check_every_trial(trial, reports: dict[str, pd.DataFrame], seed: int) -> list[dict]:
    """check_outcome rows of every curated trial and endpoint, reusing ``trial``'s reports.

    Only LMS-04's primary endpoints decide the exit code; the others are reported.
    """
    from lmssurv.lms.regimens import check_outcome
    from lmssurv.trials import list_trials

    outcomes = []
    for tid in list_trials():
        other = trial if tid == trial.id else _load(tid)
        for key in other.endpoints:
            report = reports.get(key) if other is trial else None
            if report is None:
                _progress(f"checking {other.name} {key} against the papers...")
                report = _check_one(other, key, other.reconstruct(key, seed=seed))
            outcomes.append(check_outcome(report, other))
    return outcomes


def _write_figures(out: Path, jobs: dict, seed: int) -> None:
    """Draw each job and write it as a PNG tagged as ours (so a rerun may replace it)."""
    import matplotlib.pyplot as plt

    for name, draw in jobs.items():
        fig = draw()
        try:
            atomic_write(
                out / name,
                lambda tmp, fig=fig: fig.savefig(
                    tmp, dpi=150, format="png",
                    metadata={"Software": f"{_PNG_TAG} (lmssurv {__version__}, "
                                          f"seed {seed})"}),
                force=True,
            )
        finally:
            plt.close(fig)
        _progress(f"wrote {out / name}")


def _print_outcomes(outcomes: list[dict], trial, endpoints, seed: int) -> None:
    """The table of every curated endpoint: numbers reproduced, the HR verdict, other misses."""
    from lmssurv.lms.regimens import hr_as_printed

    print(f"Every curated trial (seed {seed}): published numbers recomputed from the "
          f"pseudo-patients; {trial.name} {' and '.join(endpoints)} decide the exit code, the "
          "others are reported")
    header = ("trial", "endpoint", "reproduced", "HR: rebuilt vs published (95% CI)",
              "other numbers missed")
    hr_verdict = {"reproduced": "ok", "not reproduced": "MISSED", "CI not reproduced": "CI MISSED"}
    cells = []
    for o in outcomes:
        hr = "not published"
        if o["hr_status"] in hr_verdict:
            has_ci = not math.isnan(o["hr_published_lower"])
            reb_ci = (f" ({o['hr_rebuilt_lower']:.3f}-{o['hr_rebuilt_upper']:.3f})"
                      if has_ci else "")
            pub_ci = (f" ({hr_as_printed(o['hr_published_lower'], o['hr_published'])}-"
                      f"{hr_as_printed(o['hr_published_upper'], o['hr_published'])})"
                      if has_ci else "")
            hr = (f"{hr_verdict[o['hr_status']]:9s} {o['hr_rebuilt']:.3f}{reb_ci} vs "
                  f"{hr_as_printed(o['hr_published'])}{pub_ci}")
        other = dict.fromkeys(
            q if a in _TWO_ARM_ROWS else f"{q} [{a}]" for q, a in o["missed"]
            if not q.startswith("HR"))
        decides = o["trial_id"] == trial.id and o["endpoint"] in endpoints
        cells.append((o["trial"], o["endpoint"] + (" *" if decides else ""),
                      f"{o['reproduced']}/{o['checked']}", hr, ", ".join(other) or "-"))
    widths = [max(len(str(c[i])) for c in [header, *cells]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *cells]:
        print("  " + "  ".join(f"{c!s:<{w}}" for c, w in zip(row, widths, strict=True)).rstrip())
    full = sum(o["all_ok"] for o in outcomes)
    missed_hr = [f"{o['trial']} {o['endpoint']}" for o in outcomes
                 if o["hr_status"] in ("not reproduced", "CI not reproduced")]
    print(f"  * decides the exit code. {full} of {len(outcomes)} curated endpoints reproduce "
          f"every published number; HR or its CI not reproduced: "
          f"{', '.join(missed_hr) or 'none'}.")


def _cmd_audit(args: argparse.Namespace) -> int:
    from lmssurv.audit import audit

    trial = _load(args.trial)
    table = audit(trial)
    # like check: 1 when the published numbers contradict each other, so scripts can stop
    exit_code = 1 if (table["verdict"] == "inconsistent").any() else 0
    if args.json:
        print(json.dumps({"trial": trial.id, "rows": _json_records(table)}, indent=2,
                         allow_nan=False))
        return exit_code
    print(f"{trial.name}: internal consistency of the published numbers")
    order = {"inconsistent": 0, "borderline": 1, "info": 2, "consistent": 3}
    groups = sorted(table.groupby("verdict", sort=False), key=lambda g: order.get(g[0], 9))
    for verdict, group in groups:
        print(f"\n  {verdict.upper()} ({len(group)})")
        for r in group.itertuples(index=False):
            where = " / ".join(str(x) for x in (r.endpoint, r.arm) if x and x == x)
            print(f"  - {r.check}" + (f" [{where}]" if where else ""))
            print(f"      {r.explanation}")
    return exit_code


# -- parser -------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The ``lmssurv`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="lmssurv",
        description="Rebuild pseudo-patient survival data for leiomyosarcoma trials from "
                    "published summaries, and check every published number.",
        epilog="Exit codes: 0 ok, 1 a check failed (check, reproduce) or the published numbers "
               "contradict each other (audit), 2 usage or input error.",
    )
    parser.add_argument("--version", action="version", version=f"lmssurv {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def seed(p):
        p.add_argument("--seed", type=int, default=0,
                       help="seed of the reconstruction (default 0)")

    p = sub.add_parser("reproduce", help="rebuild and check every curated trial (LMS-04 decides the exit code), draw figures")
    p.add_argument("--out", default="figures", metavar="DIR",
                   help="folder for the LMS-04 and regimen figures (default figures/)")
    seed(p)
    p.add_argument("--draws", type=_draws_type(0), default=_FIGURE_DRAWS, metavar="N",
                   help="plausible rebuilds behind the uncertainty band of the LMS-04 figures "
                        f"(default {_FIGURE_DRAWS}; 0 draws no band)")
    p.add_argument("--force", action="store_true",
                   help="overwrite files in the way even if lmssurv did not write them")
    p.set_defaults(func=_cmd_reproduce)

    p = sub.add_parser("check", help="check a rebuilt trial against its published numbers")
    p.add_argument("trial", nargs="?", default="lms04",
                   help="curated trial id or .toml path (default lms04)")
    p.add_argument("--endpoint", action="append", metavar="E",
                   help="endpoint key (repeatable; default: the trial's primary endpoints)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    seed(p)
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("reconstruct", help="write pseudo-patient data (arm, time, event) as CSV")
    p.add_argument("trial", help="curated trial id or .toml path")
    p.add_argument("--endpoint", required=True, metavar="E", help="endpoint key, e.g. os")
    p.add_argument("--out", metavar="CSV", help="output file (default: standard output)")
    seed(p)
    p.add_argument("--draws", type=_draws_type(1), metavar="N",
                   help=f"write an ensemble of N plausible pseudo-trials (1 to {_MAX_DRAWS}; "
                        "columns draw, arm, time, event) instead of one reconstruction")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=_cmd_reconstruct)

    p = sub.add_parser("audit", help="check a trial's published numbers against each other")
    p.add_argument("trial", nargs="?", default="lms04",
                   help="curated trial id or .toml path (default lms04)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_audit)

    p = sub.add_parser("list", help="list the curated trials and their endpoints")
    p.set_defaults(func=_cmd_list)
    return parser


class _Terminated(BaseException):
    """Raised by the SIGTERM/SIGHUP handler so that clean-up code runs (like Ctrl-C)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum, frame) -> None:
    raise _Terminated(signum)


@contextlib.contextmanager
def _terminate_as_exception():
    """While running a command, turn SIGTERM and SIGHUP into :class:`_Terminated`.

    Their default action kills the process on the spot, leaving temporary files behind; as an
    exception they unwind through :func:`lmssurv._io.atomic_write`, which removes them. Only
    signals left at their default action are taken over (``nohup`` ignores SIGHUP, and so do
    we), and the previous handlers are restored afterwards (``main`` may be called from other
    code).
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be set in the main thread
        return
    signums = [getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    taken = [s for s in signums if signal.getsignal(s) is signal.SIG_DFL]
    for signum in taken:
        signal.signal(signum, _raise_terminated)
    try:
        yield
    finally:
        for signum in taken:
            signal.signal(signum, signal.SIG_DFL)


@contextlib.contextmanager
def _reconstruction_warnings_on_stderr():
    """Each ReconstructionWarning as one ``lmssurv: warning:`` line on stderr, as it happens.

    A missed published number is part of the output of a command line run, not a Python
    traceback location; the check tables say the same in their rows.
    """
    from lmssurv.reconstruct.diagnostics import ReconstructionWarning

    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, ReconstructionWarning):
            print(f"lmssurv: warning: {message}", file=sys.stderr)
        else:
            shown(message, category, filename, lineno, file, line)

    with warnings.catch_warnings():
        warnings.simplefilter("always", ReconstructionWarning)
        warnings.showwarning = show
        yield


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lmssurv`` command line; returns the exit code (0, 1, 2, or 128 + signal)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # usage errors: argparse prints one line, exits 2
    try:
        with _terminate_as_exception(), _reconstruction_warnings_on_stderr():
            return args.func(args)
    except KeyboardInterrupt:
        print("lmssurv: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    except _Terminated as stop:
        print(f"lmssurv: stopped by {signal.Signals(stop.signum).name}", file=sys.stderr)
        return 128 + stop.signum
    except InputError as err:
        print(f"lmssurv: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # an output path that cannot be written: a usage error, not a crash
        if isinstance(err, BrokenPipeError):  # e.g. `lmssurv reconstruct ... | head`
            return 0
        where = f" {err.filename}" if getattr(err, "filename", None) else ""
        print(f"lmssurv: error: cannot write{where}: {err.strerror or err}; choose another "
              "output path.", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
