"""One arm or several: checks the inputs, runs the placement, assembles the pseudo-patients."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from lmssurv._validation import MAX_PATIENTS, UNSET, InputError, check_whole, renamed
from lmssurv.reconstruct.from_curve.at_risk import at_risk_arrays
from lmssurv.reconstruct.from_curve.clicks import CLIP_TOLERANCE, clean, curve_arrays
from lmssurv.reconstruct.from_curve.placement import (
    Target,
    constrained_intervals,
    open_interval,
    settle,
)

__all__ = ["SINGLE_CURVE_ARM", "reconstruct_from_curve"]

#: The ``arm`` of the pseudo-patients rebuilt from a single curve that names no arm.
SINGLE_CURVE_ARM = "curve"


def _rebuild(t: np.ndarray, s: np.ndarray, table_t: np.ndarray, table_n: np.ndarray,
             total_events: int | None, ticks: np.ndarray, cleaning: dict) -> pd.DataFrame:
    """One arm's pseudo-patients from cleaned clicks ``(t, s)`` and its checked at-risk table."""
    n = int(table_n[0])
    ends_empty = table_n[-1] == 0
    t_end = float(t.max())
    notes: list[str] = []
    if not ends_empty and table_t[-1] > t_end:
        notes.append(
            f"curve extended flat from its last click at {t_end:g} to the last table time "
            f"{table_t[-1]:g}, where {table_n[-1]} are still at risk"
        )
        t_end = float(table_t[-1])
    target = Target.from_clicks(t, s)

    cache: dict = {}

    def constrained_pass(extras: list[int], splits: list[tuple[float, tuple[float, ...]]] | None):
        return constrained_intervals(target, table_t, table_n, ticks, extras, splits, cache)

    # Constrained intervals [a, b) with published numbers at risk at both ends. When their
    # events already exceed total_events (or, with no open interval, differ from it), use the
    # slack: counts with one more censoring and one fewer event that fit the table and follow
    # the clicks just as well, latest intervals first.
    n_int = table_t.size - 1
    extras = [0] * n_int
    ev_parts, ce_parts, intervals, slacks, surv, n_events, splits = constrained_pass(
        extras, None)
    if total_events is not None:
        surplus = n_events - total_events
        if surplus > 0 and sum(slacks) > 0:
            for i in range(n_int - 1, -1, -1):
                extras[i] = min(slacks[i], surplus - sum(extras))
            ev_parts, ce_parts, intervals, slacks, surv, n_events, _ = constrained_pass(
                extras, splits)
            notes.append(f"{sum(extras)} interval(s) took one more censoring and one fewer event "
                         "(equally consistent with clicks and table) to approach events")

    # the open last interval [a, t_end], after the last table time
    if not ends_empty:
        a, r = float(table_t[-1]), int(table_n[-1])
        if total_events is not None and 0 <= total_events - n_events <= r:
            ev, ce, tilt_used = open_interval(target, a, t_end, r, surv, ticks,
                                              want=total_events - n_events)
        else:
            # Guyot et al.: no total events, so censor at the average rate of the earlier
            # intervals (none without a table: no censoring before the end of follow-up).
            width = float(table_t[-1] - table_t[0])
            n_cens = sum(iv["censored"] for iv in intervals)
            rate = n_cens / width if width > 0 else 0.0
            ev, ce, tilt_used = open_interval(target, a, t_end, r, surv, ticks,
                                              censored=min(r, int(round(rate * (t_end - a)))))
        intervals.append({
            "start": a, "stop": t_end, "at_risk_start": r, "at_risk_stop": 0,
            "events": int(ev.size), "censored": int(ce.size),
            "note": "" if tilt_used is None else f"censoring tilt {math.exp(tilt_used):.3g}",
        })
        n_events += int(ev.size)
        ev_parts.append(ev)
        ce_parts.append(ce)

    return _patients(ev_parts, ce_parts, n, t_end, total_events, cleaning, intervals, notes)


def _patients(ev_parts: list[np.ndarray], ce_parts: list[np.ndarray], n: int, t_end: float,
              total_events: int | None, cleaning: dict, intervals: list[dict],
              notes: list[str]) -> pd.DataFrame:
    """The placed events and censorings as one frame (``time``, ``event``) with its record.

    A remaining gap to ``total_events`` is closed by :func:`settle`, and said in ``notes``.
    """
    ev_t = np.concatenate(ev_parts) if ev_parts else np.empty(0)
    ce_t = np.concatenate(ce_parts) if ce_parts else np.empty(0)
    moved = 0
    if total_events is not None and ev_t.size != total_events:
        moved = int(ev_t.size - total_events)
        ev_t, ce_t = settle(ev_t, ce_t, moved, t_end)
        notes.append(
            f"{abs(moved)} "
            f"{'events turned into censorings' if moved > 0 else 'censorings turned into events'}"
            f" at their own times to match events={total_events} (where the KM moves least)"
        )
    time = np.concatenate([ev_t, ce_t])
    event = np.concatenate([np.ones(ev_t.size, dtype=np.int64), np.zeros(ce_t.size, dtype=np.int64)])
    order = np.lexsort((-event, time))
    out = pd.DataFrame({"time": time[order], "event": event[order]})
    if len(out) != n:  # internal invariant, not user input
        raise RuntimeError(f"reconstruction produced {len(out)} patients instead of {n}")
    out.attrs.update({
        "method": "guyot2012-midpoint",
        "n": n,
        "events": int(ev_t.size),
        "cleaning": cleaning,
        "intervals": intervals,
        "events_moved": abs(moved),
        "notes": notes,
    })
    return out


def _one_arm(curve, at_risk, total_events, n, scale, censor_times, name="curve",
             months: float = 1.0) -> pd.DataFrame:
    if n is not None:
        n = check_whole("n", n, minimum=1, maximum=MAX_PATIENTS,
                        hint="n is the number of patients in the arm.")
    table_t, table_n = at_risk_arrays(at_risk, n)
    if total_events is not None:
        total_events = check_whole(
            "events", total_events, minimum=0,
            hint="events is the number of events in the arm.")
        if total_events > table_n[0]:
            raise InputError(
                f"events={total_events} is more than the {table_n[0]} patients; check it."
            )
    ticks = np.empty(0)
    if censor_times is not None:
        try:
            ticks = np.sort(np.asarray(censor_times, dtype=float).ravel())
        except (TypeError, ValueError) as err:
            raise InputError(
                f"censor_times must be numbers (months of the censor ticks), got "
                f"{censor_times!r}."
            ) from err
        if ticks.size and (not np.all(np.isfinite(ticks)) or ticks.min() < 0):
            raise InputError(
                f"censor_times must be finite months >= 0; got {ticks[:5].tolist()!r}..."
            )
    time, surv = curve_arrays(curve, scale, name)
    if months != 1.0:  # the one conversion to months (time_unit=): curve, table and ticks
        time, table_t, ticks = time * months, table_t * months, ticks * months
    if float(time.max()) <= 0.0:
        raise InputError(
            f"{name}.time is 0 for every click (after clipping reading noise below 0), so the "
            "curve spans no time and every patient would sit at time 0. Check that the time "
            "column holds months since randomisation (not the survival values or an index)."
        )
    at_start = np.clip(surv[time <= 0.0], 0.0, 1.0)  # clicks at 0 once noise is clipped
    if at_start.size and float(at_start.min()) < 1.0 - CLIP_TOLERANCE:
        raise InputError(
            f"{name} is at {float(at_start.min()):g} at time 0, but a Kaplan-Meier curve starts at "
            f"1: the {1.0 - float(at_start.min()):.0%} drop would put that share of patients' "
            "events at time 0. Check the time axis calibration (the drop belongs after 0)."
        )
    last = float(table_t[-1]) if table_n[-1] == 0 else math.inf
    t, s, record = clean(time, surv, last)
    if total_events == 0 and float(s.min()) < 1.0 - CLIP_TOLERANCE:
        # no event can make the drop: the engine would censor nearly everyone at time 0
        raise InputError(
            f"events=0, but the {name} drops to {float(s.min()):g}: a Kaplan-Meier curve "
            "falls only at events. Check events (or leave it out to follow the curve)."
        )
    return _rebuild(t, s, table_t, table_n, total_events, ticks, record)


def _is_table_of_columns(value) -> bool:
    """A dict of columns ({"time": [...], ...}) rather than a dict of arms."""
    return isinstance(value, Mapping) and bool({"time", "survival", "at_risk"} & set(value))


def _arms_of(value) -> list | None:
    """The arms a long table (``arm`` column) or a dict {arm: ...} names; None for one arm."""
    if isinstance(value, pd.DataFrame):
        return list(pd.unique(value["arm"])) if "arm" in value.columns else None
    if isinstance(value, Mapping) and not _is_table_of_columns(value):
        return list(value)
    return None


def _per_arm(value, arm, name: str, arms: list):
    """``value`` for one arm of several; a value that does not say its arm is refused."""
    if value is None:
        return None
    own = _arms_of(value)
    if own is None:
        # one table or number for several arms would merge them or give every arm the same
        # numbers: never guess
        raise InputError(
            f"{name} is one value for {len(arms)} arms {arms}; give it per arm: a dict "
            f"{{arm: ...}}" + (" or a long table with an arm column" if name == "at_risk"
                              else "") + "."
        )
    missing = [a for a in arms if a not in own]
    extra = [a for a in own if a not in arms]
    if missing or extra:
        import difflib

        folded = {str(a).casefold(): a for a in missing}
        pairs = [(e, difflib.get_close_matches(str(e).casefold(), list(folded), n=1))
                 for e in extra]
        hint = "".join(f" Is {e!r} the curve's {folded[c[0]]!r}?" for e, c in pairs if c)
        raise InputError(
            f"{name} names the arms {own} but the curve has {arms}; every curve arm needs an "
            f"entry, under the same name.{hint}"
        )
    if isinstance(value, pd.DataFrame):
        return value[value["arm"] == arm].drop(columns="arm")
    return value[arm]


def _several_arms(curve: Mapping, at_risk, total_events, n, scale, censor_times,
                  months: float) -> pd.DataFrame:
    """:func:`reconstruct_from_curve` for a dict of arms: columns ``arm, time, event``."""
    if not curve:
        raise InputError(
            "curve is an empty dict; pass one DataFrame of clicks (time, survival), or a "
            "dict {arm name: DataFrame}."
        )
    arms = list(curve)
    if len(arms) == 1:  # one arm, named: a plain table or number is unambiguous
        (arm,) = arms

        def per_arm(value, name):
            return value if _arms_of(value) is None else _per_arm(value, arm, name, arms)
    else:
        for value, name in ((at_risk, "at_risk"), (total_events, "events"), (n, "n"),
                            (censor_times, "censor_times")):
            _per_arm(value, arms[0], name, arms)  # refuse an ambiguous input up front

        def per_arm(value, name):
            return _per_arm(value, arm, name, arms)
    frames, records = [], {}
    for arm, clicks in curve.items():
        try:
            df = _one_arm(clicks, per_arm(at_risk, "at_risk"),
                          per_arm(total_events, "events"), per_arm(n, "n"), scale,
                          per_arm(censor_times, "censor_times"), name=f"curve[{arm!r}]",
                          months=months)
        except InputError as err:
            raise InputError(f"arm {arm!r}: {err}") from err
        records[arm] = dict(df.attrs)
        df.attrs = {}
        frames.append(df.assign(arm=arm)[["arm", "time", "event"]])
    out = pd.concat(frames, ignore_index=True)
    out.attrs["arms"] = records
    return out


def reconstruct_from_curve(curve, at_risk=None, events=None, n=None, scale="proportion",
                           censor_times=None, *, time_unit="months",
                           total_events=UNSET) -> pd.DataFrame:
    """Rebuild pseudo-patient data from a digitised Kaplan-Meier curve (Guyot et al. 2012).

    Parameters
    ----------
    curve : DataFrame or dict of DataFrame
        Digitised clicks with columns ``time`` and ``survival``, in any order and with reading
        noise. Several arms: a long DataFrame with an ``arm`` column (what
        :func:`read_digitised` returns for a multi-dataset export) or a dict ``{arm: clicks}``.
    at_risk : DataFrame or dict of DataFrame, optional
        The numbers-at-risk table under the figure: columns ``time`` and ``at_risk``. For
        several arms a long DataFrame with an ``arm`` column or a dict per arm, naming the same
        arms as the curve.
    events : int or dict of int, optional
        Events in the arm (a dict per arm for several); the pseudo-data then has exactly this
        many. The same name as :attr:`lmssurv.ArmSummary.events`.
    n : int or dict of int, optional
        Patients in the arm (a dict per arm for several); needed when there is no table (or it
        does not start at 0).
    scale : {"proportion", "percent"}
        Scale of ``survival``. A value above 1 under ``"proportion"`` is an error that suggests
        ``"percent"`` (clicks up to 1.05, e.g. at time 0, are clipped as reading noise).
    censor_times : array-like or dict of array-like, optional
        Times of the censor tick marks on the curve, when the figure shows them; censorings are
        placed at them instead of evenly within each interval.
    time_unit : {"months", "days", "weeks", "years"}
        Unit of the times of the curve, the table and the ticks (the figure's x axis). They are
        converted to months once, on the way in; the result is in months.
    total_events : int or dict of int, optional
        Deprecated name of ``events`` (a :class:`DeprecationWarning`).

    Returns
    -------
    DataFrame
        Columns ``arm, time, event`` whatever the input, one row per patient: ``time`` in
        months, ``event`` 1 (event) or 0 (censored), ``arm`` the arm's name (the dict key or the
        ``arm`` column, arms in the curve's order), for a single unnamed curve the at-risk
        table's arm if it names one, else :data:`SINGLE_CURVE_ARM`. ``attrs`` holds the record:
        ``cleaning`` (what was changed in the clicks), ``intervals`` (events and censorings per
        table interval), ``events_moved`` and ``notes`` (every adjustment made to match the
        totals).

    Raises
    ------
    InputError
        For an ambiguous input, never merging arms: one table, ``n``, ``events`` or
        ``censor_times`` for several arms; a long at-risk table (``arm`` column) for a curve
        without arms; arms named differently in the curve and the table.

    Notes
    -----
    Exact n (the table at time 0, or ``n``) and, when given, exact ``events``; with a table,
    every published number at risk is reproduced unless the clicks and the table contradict each
    other (then ``attrs["intervals"]`` says where). Without ``events`` the last interval is
    censored at the average rate of the earlier ones, and without a table there is no censoring
    before the end of follow-up (Guyot et al. 2012). See the module docstring for what differs
    from Guyot's algorithm. Deterministic: no random numbers are used.

    References
    ----------
    Guyot P, Ades AE, Ouwens MJ, Welton NJ. BMC Med Res Methodol 2012;12:9.

    Examples
    --------
    >>> import pandas as pd
    >>> clicks = pd.DataFrame({"time": [0, 2, 2, 5, 5, 8], "survival": [1, 1, .8, .8, .6, .6]})
    >>> table = pd.DataFrame({"time": [0, 4, 8], "at_risk": [10, 8, 6]})
    >>> ipd = reconstruct_from_curve(clicks, at_risk=table, events=4)
    >>> ipd.groupby("time")["event"].agg(["sum", "size"]).to_dict("index")
    {2.0: {'sum': 2, 'size': 2}, 5.0: {'sum': 2, 'size': 2}, 8.0: {'sum': 0, 'size': 6}}
    """
    from lmssurv.units import months_per

    months = months_per(time_unit)
    total_events = renamed("events", events, "total_events", total_events)
    if isinstance(curve, pd.DataFrame) and "arm" in curve.columns:
        # the long form of read_digitised: one frame, an arm column
        if curve["arm"].isna().any():
            raise InputError("curve.arm has empty cells; name the arm of every click.")
        curve = {arm: g.drop(columns="arm") for arm, g in curve.groupby("arm", sort=False)}
    if isinstance(curve, Mapping) and not isinstance(curve, pd.DataFrame) \
            and not _is_table_of_columns(curve):
        return _several_arms(curve, at_risk, total_events, n, scale, censor_times, months)
    table_arms = _arms_of(at_risk)
    if table_arms is not None:
        if len(table_arms) != 1:
            raise InputError(
                f"at_risk has {len(table_arms)} arms {table_arms} but the curve has no arm "
                "column; give the curve's arm too (read_digitised's arm column, or a dict "
                "{arm: clicks}) so that each arm meets its own table."
            )
        at_risk = _per_arm(at_risk, table_arms[0], "at_risk", table_arms)
    out = _one_arm(curve, at_risk, total_events, n, scale, censor_times, months=months)
    out.insert(0, "arm", SINGLE_CURVE_ARM if table_arms is None else str(table_arms[0]))
    return out
