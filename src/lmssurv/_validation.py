"""Central input checks.

Every check raises :class:`InputError` (a :class:`ValueError`) whose message names the field,
echoes the bad value and suggests a fix, so a researcher typing numbers from a paper sees what to
change instead of a traceback from deep inside numpy.
"""

from __future__ import annotations

import math
import numbers
import reprlib

__all__ = ["MAX_PATIENTS", "UNSET", "InputError", "check_fraction", "check_positive",
           "check_whole", "renamed", "require_frame", "short_repr"]

#: Default of a deprecated keyword, to tell "not passed" from an explicit None.
UNSET = object()

#: No trial arm is larger than this; a bigger n is a typo (and would exhaust memory when rebuilt).
MAX_PATIENTS = 1_000_000

# Error messages echo the bad value, but a pasted 100 kB string or a 5,000-deep nested table
# must not flood the terminal (or overflow the stack in ``repr``): reprlib cuts each part.
_SHORT = reprlib.Repr()
_SHORT.maxstring = 300  # room for a file path or a sentence, not for a pasted document
_SHORT.maxother = 120
_SHORT.maxlong = 40
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxset = _SHORT.maxfrozenset = 8
_SHORT.maxdict = 6
_SHORT.maxlevel = 3


class InputError(ValueError):
    """A user-supplied value is invalid or inconsistent with another value."""


def short_repr(value: object) -> str:
    """``repr(value)`` cut to a readable length, for echoing user input in error messages.

    Examples
    --------
    >>> short_repr("x" * 100_000)[:12], len(short_repr("x" * 100_000)) <= 300
    ("'xxxxxxxxxxx", True)
    >>> short_repr([0.37, "NE"])
    "[0.37, 'NE']"
    """
    try:
        return _SHORT.repr(value)
    except (ValueError, RecursionError):  # e.g. an int beyond Python's str conversion limit
        return f"<{type(value).__name__} too large to show>"


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_whole(
    name: str, value: object, *, minimum: int = 0, maximum: int | None = None, hint: str = ""
) -> int:
    """Return ``value`` as an ``int`` if it is a whole number in [``minimum``, ``maximum``]."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        whole = int(value)  # exact, also for integers too large for a float
    elif _is_real(value) and math.isfinite(float(value)) and float(value).is_integer():
        whole = int(float(value))
    else:
        raise InputError(
            f"{name} must be a whole number, got {short_repr(value)}. {hint}".rstrip()
        )
    if whole < minimum:
        raise InputError(
            f"{name} must be >= {minimum}, got {short_repr(value)}. {hint}".rstrip()
        )
    if maximum is not None and whole > maximum:
        raise InputError(
            f"{name} must be <= {maximum:,}, got {short_repr(value)}. {hint}".rstrip()
        )
    return whole


def check_positive(name: str, value: object, *, allow_zero: bool = False, hint: str = "") -> float:
    """Return ``value`` as a finite ``float`` > 0 (or >= 0 with ``allow_zero``), else raise."""
    if not _is_real(value) or not math.isfinite(float(value)):
        raise InputError(f"{name} must be a finite number, got {short_repr(value)}. {hint}".rstrip())
    value = float(value)
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise InputError(f"{name} must be {bound}, got {short_repr(value)}. {hint}".rstrip())
    return value


def check_fraction(name: str, value: object, *, hint: str = "") -> float:
    """Return ``value`` as a float in [0, 1], else raise (suggesting percent -> proportion)."""
    if not _is_real(value) or not math.isfinite(float(value)):
        raise InputError(f"{name} must be a proportion in [0, 1], got {short_repr(value)}. {hint}".rstrip())
    value = float(value)
    if not 0.0 <= value <= 1.0:
        extra = (
            f" It looks like a percentage: pass {value / 100:g} instead."
            if 1.0 < value <= 100.0
            else ""
        )
        raise InputError(
            f"{name} must be a proportion in [0, 1], got {short_repr(value)}.{extra} {hint}".rstrip()
        )
    return value


def require_frame(frame: object, name: str, columns: list[str], *, kind: str = "DataFrame",
                  type_hint: str = "", missing_hint: str, empty: str) -> None:
    """Raise unless ``frame`` is a DataFrame with ``columns`` and at least one row.

    ``kind`` names the expected type in the message; ``type_hint``, ``missing_hint`` and
    ``empty`` say how to fix each failure.
    """
    import pandas as pd  # pandas is only needed by the callers that pass frames

    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"{name} must be a {kind} with columns {', '.join(columns)}; got "
            f"{type(frame).__name__}.{' ' + type_hint if type_hint else ''}"
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{name} is missing column(s) {missing}; it has {list(frame.columns)}. "
            f"{missing_hint}"
        )
    if len(frame) == 0:
        raise InputError(f"{name} has no {empty}")


def renamed(new: str, value: object, old: str, old_value: object, *, stacklevel: int = 3) -> object:
    """The value of keyword ``new``, accepting its deprecated name ``old`` with a warning.

    ``old_value`` is :data:`UNSET` when the caller did not pass ``old``. Passing both raises.
    """
    if old_value is UNSET:
        return value
    if value is not None:
        raise InputError(f"{old} is the old name of {new}; pass only {new}.")
    import warnings

    warnings.warn(f"{old} is deprecated; pass {new}= instead (the same number).",
                  DeprecationWarning, stacklevel=stacklevel)
    return old_value
