"""Time units: lmssurv works in months; other units are converted once, where data come in.

A month is an average Gregorian month, 365.25 / 12 = 30.4375 days, the convention of survival
reports (and of R's ``survival`` examples that print months from days).
"""

from __future__ import annotations

import difflib

from lmssurv._validation import InputError

__all__ = ["DAYS_PER_MONTH", "TIME_UNITS", "months_per", "unit_name"]

#: Days in an average month (365.25 / 12).
DAYS_PER_MONTH = 365.25 / 12
#: Months in one unit of each supported time unit.
TIME_UNITS = {
    "days": 1 / DAYS_PER_MONTH,
    "weeks": 7 / DAYS_PER_MONTH,
    "months": 1.0,
    "years": 12.0,
}


def months_per(time_unit: object, name: str = "time_unit") -> float:
    """Months in one ``time_unit`` ("days", "weeks", "months" or "years"; singular works too).

    Examples
    --------
    >>> months_per("years"), round(months_per("weeks"), 4)
    (12.0, 0.23)
    """
    return TIME_UNITS[unit_name(time_unit, name)]


def unit_name(time_unit: object, name: str = "time_unit") -> str:
    """The unit's name as in :data:`TIME_UNITS` (``"Week"`` -> ``"weeks"``), or an error.

    Examples
    --------
    >>> unit_name("Year")
    'years'
    """
    key = time_unit.strip().lower() if isinstance(time_unit, str) else None
    if key is not None and key + "s" in TIME_UNITS:
        key += "s"
    if key not in TIME_UNITS:
        close = difflib.get_close_matches(str(time_unit).lower(), list(TIME_UNITS), n=1)
        hint = f"Did you mean {close[0]!r}? " if close else ""
        raise InputError(
            f"{name} must be one of {list(TIME_UNITS)}, got {str(time_unit)[:40]!r}. {hint}"
            "Times are converted to months once, on the way in."
        )
    return key
