"""Finding and reading curated trial files: names, the shipped list, and :func:`load_trial`.

A trial file is read with :mod:`tomllib` only (reading a trial file never executes anything from
it); :func:`lmssurv.trials.parse.parse_trial` checks it against the schema in ``data/README.md``.
"""

from __future__ import annotations

import difflib
import re
import stat
import sys
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from lmssurv._validation import InputError
from lmssurv._validation import short_repr as _short
from lmssurv.trials.model import Trial
from lmssurv.trials.parse import parse_trial

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["NOT_TRIAL_FILES", "as_trial", "list_trials", "load_trial", "resolve_trial_name"]

#: TOML files in ``data/`` that are curated lists, not trials (``regimens.toml``: the regimen
#: comparison of :mod:`lmssurv.lms.regimens`).
NOT_TRIAL_FILES = frozenset({"regimens.toml"})

# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------
def as_trial(trial: Trial | str | Path | Mapping) -> Trial:
    """A :class:`Trial` from a trial, a shipped trial's name, a ``.toml`` path or a plain dict.

    Examples
    --------
    >>> as_trial("LMS-04").id
    'lms04'
    """
    if isinstance(trial, Trial):
        return trial
    if isinstance(trial, (str, Path)):
        return load_trial(trial)
    if isinstance(trial, Mapping):
        return Trial.from_dict(trial)
    raise InputError(
        f"expected a Trial, a trial name, a .toml path or a dict, got {type(trial).__name__}; "
        "build one with lmssurv.Trial.from_summaries(name, endpoints={'pfs': (control, "
        "experimental, hr)}) or lmssurv.load_trial('lms04')."
    )


def list_trials() -> list[str]:
    """Ids of the trials shipped with lmssurv (the ``*.toml`` trial files in ``lmssurv.data``).

    Examples
    --------
    >>> "lms04" in list_trials()
    True
    """
    root = resources.files("lmssurv.data")
    return sorted(
        p.name[: -len(".toml")] for p in root.iterdir()
        if p.name.endswith(".toml") and p.name not in NOT_TRIAL_FILES
    )


def _normalised(name: str) -> str:
    """Lower case, letters and digits only: "LMS-04", "lms 04" and "lms04" are one name."""
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def _shipped_names() -> dict[str, str]:
    """Each shipped trial's id, acronym and NCT number -> its id (reads the TOML, no checks)."""
    names: dict[str, str] = {}
    root = resources.files("lmssurv.data")
    for trial_id in list_trials():
        try:
            meta = tomllib.loads(root.joinpath(f"{trial_id}.toml").read_text("utf-8"))
            meta = meta.get("trial", {}) if isinstance(meta, dict) else {}
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):  # load_trial says what is wrong
            meta = {}
        names[trial_id] = trial_id
        for key in ("acronym", "nct"):
            if isinstance(meta.get(key), str):
                names.setdefault(meta[key], trial_id)
    return names


def resolve_trial_name(name: str) -> str:
    """The id of a shipped trial from its id, acronym or NCT number, in any case or spacing.

    ``"LMS-04"``, ``"lms 04"``, ``"LMS04"`` and ``"lms04"`` all name ``lms04``; a miss raises
    :class:`~lmssurv.InputError` suggesting the closest names.

    Examples
    --------
    >>> resolve_trial_name("LMS-04"), resolve_trial_name("GeDDiS")
    ('lms04', 'geddis')
    """
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"a trial name must be non-empty text, got {_short(name)}; see "
                         "lmssurv.list_trials().")
    ids = list_trials()
    if name in ids:
        return name
    names = _shipped_names()
    by_key = {}
    for shown, trial_id in names.items():
        by_key.setdefault(_normalised(shown), trial_id)
    found = by_key.get(_normalised(name))
    if found is not None:
        return found
    close = difflib.get_close_matches(_normalised(name), list(by_key), n=3, cutoff=0.6)
    acronyms = {trial_id: shown for shown, trial_id in names.items()
                if shown != trial_id and not shown.startswith("NCT")}
    options = dict.fromkeys(by_key[c] for c in close)  # ids, closest first, once each
    hint = ""
    if options:
        hint = " Did you mean " + " or ".join(
            repr(t) + (f" ({acronyms[t]})" if t in acronyms else "") for t in options) + "?"
    raise InputError(
        f"no curated trial {_short(name)}; curated trials: {ids}.{hint} "
        "Pass a path ending in .toml for your own file."
    )


def load_trial(name_or_path: str | Path) -> Trial:
    """Load and validate a curated trial file.

    Parameters
    ----------
    name_or_path : str or path
        A shipped trial's id (``"lms04"``, see :func:`list_trials`), acronym (``"LMS-04"``, in
        any case) or NCT number, or the path of a ``.toml`` file in the same schema
        (``data/README.md``).

    Returns
    -------
    Trial

    Raises
    ------
    InputError
        Naming the file, the key path and the fix: unknown keys, a number without a source, an
        unknown source key, a time unit other than months, inconsistent numbers.

    Examples
    --------
    >>> trial = load_trial("lms04")
    >>> trial.endpoints["pfs"].experimental.median
    12.2
    """
    if isinstance(name_or_path, Path) or str(name_or_path).endswith(".toml") or (
        "/" in str(name_or_path) or "\\" in str(name_or_path)
    ):
        path = Path(name_or_path)
        shown = _short(str(path))
        try:
            mode = path.stat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            raise InputError(f"trial file {shown} does not exist.") from None
        except (OSError, ValueError) as err:  # a name too long, a NUL byte, no permission
            raise InputError(f"cannot read trial file {shown}: "
                             f"{getattr(err, 'strerror', None) or err}.") from None
        if stat.S_ISDIR(mode):
            raise InputError(f"trial file {shown} is a folder; give the path of a .toml file "
                             "in it.")
        if not stat.S_ISREG(mode):  # reading a FIFO or a device would block or never end
            raise InputError(f"trial file {shown} is not a regular file; save the trial as a "
                             ".toml file and pass its path.")
        label = str(path)
        try:
            raw = path.read_bytes()
        except OSError as err:  # e.g. no permission: a reading problem, not a writing one
            raise InputError(f"cannot read trial file {_short(str(path))}: "
                             f"{err.strerror or err}.") from err
        curated = False
    else:
        name = resolve_trial_name(str(name_or_path))
        label = f"{name}.toml"
        raw = resources.files("lmssurv.data").joinpath(label).read_bytes()
        curated = True
    from lmssurv.own_trial import Printed, is_simple_layout, trial_from_dict

    try:
        # utf-8-sig: Windows editors (Notepad) may start a UTF-8 file with a byte-order mark;
        # floats keep the decimals they were written with: "2.0" is one decimal, "0.160" three
        doc = tomllib.loads(raw.decode("utf-8-sig"), parse_float=Printed)
    except UnicodeDecodeError as err:
        raise InputError(f"{label}: not UTF-8 text ({err}). Save the file as UTF-8.") from err
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{label}: not valid TOML ({err}). Fix the syntax there.") from err
    except RecursionError as err:  # tomllib recurses once per nested bracket
        raise InputError(f"{label}: not valid TOML for lmssurv (arrays or tables nested too "
                         "deeply). A trial file needs at most a few levels.") from err
    except ValueError as err:  # e.g. an integer with more digits than Python converts
        raise InputError(f"{label}: not valid TOML for lmssurv ({_short(str(err))}). Fix the "
                         "value there.") from err
    if curated is False and is_simple_layout(doc):
        return trial_from_dict(doc, label=label)
    return parse_trial(doc, label, curated=curated)
