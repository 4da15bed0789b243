"""A researcher's own trial: :class:`~lmssurv.Trial` from summaries, a plain dict or a TOML file.

The curated files in ``data/`` cite a source for every number. A researcher's own trial need
not: :meth:`Trial.from_summaries` takes :class:`~lmssurv.ArmSummary` and
:class:`~lmssurv.HazardRatio` objects, :meth:`Trial.from_dict` a plain dict of numbers (the
same layout as a short TOML file, which :func:`lmssurv.load_trial` reads too). The result works
with :func:`lmssurv.check`, :func:`lmssurv.audit`, :func:`lmssurv.plot_endpoint` and
``Trial.reconstruct`` like a curated trial.

Precision
---------
Checks allow half a unit of each number's last printed digit. A float does not remember how it
was printed (``2.0`` and ``2`` are the same float), so the precision comes from what the user
says:

1. ``decimals={...}`` (keys below), which always wins;
2. the text of a TOML file (``2.0`` there is one decimal, ``0.160`` three);
3. otherwise the usual printing of trial reports -- one decimal for times (months), a whole
   percent for rates (2 decimals as a proportion), two decimals for hazard ratios and their
   CIs, two for p-values (as the engine's self-check reads a p) -- or more when the value shows
   more digits (``0.507`` -> 3).

``decimals`` keys are a quantity for every arm and endpoint (``"median"``, ``"median_ci"``,
``"landmarks"``, ``"landmark_cis"``, ``"median_follow_up"``, ``"hr"``, ``"hr.ci"``,
``"p_value"``), one arm's (``"control.median"``) or one landmark's (``"landmarks[24]"``,
``"control.landmarks[24]"``); the most specific key wins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from lmssurv._validation import InputError
from lmssurv.summary import ArmSummary, HazardRatio, decimals_written, printed_decimals

if TYPE_CHECKING:
    from lmssurv.trials import Endpoint, Trial

__all__ = ["ENDPOINT_NAMES", "trial_from_dict", "trial_from_summaries"]

#: Names given to the usual endpoint keys when the user gives none.
ENDPOINT_NAMES = {
    "os": "Overall survival",
    "pfs": "Progression-free survival",
    "dfs": "Disease-free survival",
    "rfs": "Recurrence-free survival",
    "efs": "Event-free survival",
    "ttp": "Time to progression",
    "dor": "Duration of response",
}
# a p: as lmssurv.reconstruct.diagnostics.p_value_tolerance reads a float p (at least two)
_DEFAULT_DECIMALS = {"time": 1, "rate": 2, "hr": 2, "p": 2, "count": 0}
_GENERIC = ("n", "events", "median", "median_ci", "landmarks", "landmark_cis",
            "median_follow_up", "max_follow_up", "accrual", "hr", "hr.ci", "p_value")
_ARM_KEYS = ("label", "n", "events", "median", "median_ci", "landmarks", "landmark_cis",
             "median_follow_up", "max_follow_up", "accrual")
_HR_KEYS = ("estimate", "ci", "lower", "upper", "p_value", "level")
_ENDPOINT_KEYS = ("name", "control", "experimental", "hr", "time_origin", "events_total",
                  "notes", "decimals")
_TOP_KEYS = ("name", "title", "population", "line", "design", "time_unit", "decimals",
             "endpoints", "notes", "nct")
_P_RE = re.compile(r"^\s*(<=|<|=)?\s*(\d*\.?\d+(?:[eE]-?\d+)?)\s*$")
_NOT_REACHED = ("NR", "NE", "NA", "NOT REACHED")


class Printed(float):
    """A float that remembers the decimals it was written with (TOML text: ``2.0`` -> 1)."""

    decimals: int

    def __new__(cls, text: str) -> Printed:
        value = super().__new__(cls, text)
        if not isinstance(text, str):  # not from TOML text: what the digits show
            value.decimals = _shown_decimals(float(text))
            return value
        value.decimals = decimals_written(text.replace("_", ""))
        return value

    def __reduce__(self):  # copies and pickles are plain floats
        return (float, (float(self),))


def _shown_decimals(value: object) -> int:
    """Decimals a value certainly has: exact for :class:`Printed`, else its significant digits."""
    if isinstance(value, Printed):
        return value.decimals
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    if isinstance(value, int):
        return 0
    return printed_decimals(value)  # the shortest repr's digits: 24.0 has none


def _kind(quantity: str) -> str:
    base = quantity.split("[")[0]
    if base in ("landmarks", "landmark_cis"):
        return "rate"
    if base in ("hr", "hr.ci"):
        return "hr"
    if base == "p_value":
        return "p"
    if base in ("n", "events", "events_total"):
        return "count"
    return "time"


def _check_decimals(decimals: object, where: str) -> dict[str, int]:
    if decimals is None:
        return {}
    if not isinstance(decimals, Mapping):
        raise InputError(
            f"{where} must be a mapping {{quantity: decimals}}, got {str(decimals)[:60]!r}; "
            "e.g. decimals={'median': 0, 'hr.ci': 2} (see lmssurv.own_trial)."
        )
    out = {}
    for key, d in decimals.items():
        if not isinstance(key, str):
            raise InputError(f"{where} keys must be text, got {key!r}.")
        base = re.sub(r"^(control|experimental)\.", "", key).split("[")[0]
        if base not in _GENERIC:
            import difflib

            close = difflib.get_close_matches(base, _GENERIC, n=1)
            hint = f"Did you mean {close[0]!r}? " if close else ""
            raise InputError(
                f"{where} has an unknown quantity {key[:60]!r}. {hint}Use one of "
                f"{list(_GENERIC)}, optionally as 'control.median' or 'landmarks[24]'."
            )
        if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 10:
            raise InputError(
                f"{where}[{key!r}] must be a whole number of decimals 0-10, got {d!r}; "
                "e.g. 1 for a median printed as 12.2."
            )
        out[key] = d
    return out


def _decimals_for(path: str, values: tuple, explicit: Mapping[str, int]) -> int:
    """Decimals of the quantity at ``path`` ("control.landmarks[24]", "hr.ci")."""
    role, _, quantity = path.partition(".") if path.split(".")[0] in (
        "control", "experimental") else ("", "", path)
    base = quantity.split("[")[0]
    for key in (path, quantity, f"{role}.{base}" if role else base, base):
        if key in explicit:
            return explicit[key]
    printed = [v.decimals for v in values if isinstance(v, Printed)]
    if printed:
        return max(printed)
    shown = max((_shown_decimals(v) for v in values if v is not None), default=0)
    return max(shown, _DEFAULT_DECIMALS[_kind(base)])


def _arm_precision(role: str, arm: ArmSummary, raw: Mapping | None,
                   explicit: Mapping[str, int]) -> dict[str, int]:
    """Precision of every quantity the arm reports, by provenance path."""
    raw = raw or {}
    out = {f"{role}.n": 0}
    if arm.events is not None:
        out[f"{role}.events"] = 0

    def values(key, default):
        v = raw.get(key, default)
        return tuple(v) if isinstance(v, (list, tuple)) else (v,)

    if arm.median is not None:
        out[f"{role}.median"] = _decimals_for(f"{role}.median", values("median", arm.median),
                                              explicit)
    if arm.median_ci is not None:
        out[f"{role}.median_ci"] = _decimals_for(
            f"{role}.median_ci", values("median_ci", arm.median_ci), explicit)
    raw_marks = _by_time(raw.get("landmarks"))
    raw_cis = _by_time(raw.get("landmark_cis"))
    for t, s in arm.landmarks.items():
        out[f"{role}.landmarks[{t:g}]"] = _decimals_for(
            f"{role}.landmarks[{t:g}]", (raw_marks.get(t, s),), explicit)
    for t, ci in arm.landmark_cis.items():
        out[f"{role}.landmark_cis[{t:g}]"] = _decimals_for(
            f"{role}.landmark_cis[{t:g}]", tuple(raw_cis.get(t, ci)), explicit)
    for key in ("median_follow_up", "max_follow_up", "accrual"):
        if getattr(arm, key) is not None:
            out[f"{role}.{key}"] = _decimals_for(f"{role}.{key}",
                                                 values(key, getattr(arm, key)), explicit)
    return out


def _by_time(raw: object) -> dict[float, Any]:
    if not isinstance(raw, Mapping):
        return {}
    out = {}
    for t, v in raw.items():
        try:
            out[float(t)] = v
        except (TypeError, ValueError):
            continue
    return out


# -- building blocks -------------------------------------------------------------------------
def _interval(raw: object, where: str) -> tuple[float | None, float | None]:
    if not isinstance(raw, (list, tuple)) or len(raw) != 2:
        raise InputError(f"{where} must be a pair [lower, upper], got {str(raw)[:60]!r}; "
                         'write e.g. [19, 31] ("NR" for a bound not reached).')
    out = []
    for v in raw:
        if v is None or (isinstance(v, str) and v.strip().upper() in _NOT_REACHED):
            out.append(None)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(float(v))
        else:
            raise InputError(f"{where} has {v!r}; give numbers, or \"NR\" for a bound not "
                             "reached.")
    return out[0], out[1]


def _arm_from_dict(raw: object, where: str, unit: str) -> ArmSummary:
    if isinstance(raw, ArmSummary):
        return _scaled(raw, unit)
    if not isinstance(raw, Mapping):
        raise InputError(
            f"{where} must be an ArmSummary or a table of its fields ({', '.join(_ARM_KEYS)}), "
            f"got {str(raw)[:60]!r}."
        )
    _unknown(raw, _ARM_KEYS, where)
    if "n" not in raw:
        raise InputError(f"{where}.n is missing; add the number of patients in the arm "
                         "(n = 40).")
    kwargs = dict(raw)
    if "median_ci" in kwargs and kwargs["median_ci"] is not None:
        kwargs["median_ci"] = _interval(kwargs["median_ci"], f"{where}.median_ci")
    for key in ("landmarks", "landmark_cis"):
        if key in kwargs:
            marks = kwargs[key]
            if not isinstance(marks, Mapping):
                raise InputError(f"{where}.{key} must be a table {{time: value}}, got "
                                 f"{str(marks)[:60]!r}; e.g. {{ 12 = 0.49 }} in TOML.")
            conv = {}
            for t, v in marks.items():
                try:
                    tf = float(t)
                except (TypeError, ValueError):
                    raise InputError(f"{where}.{key} has the time {t!r}; use numbers as "
                                     "keys, e.g. 12.") from None
                conv[tf] = (_interval(v, f"{where}.{key}[{t}]") if key == "landmark_cis"
                            else v)
            kwargs[key] = conv
    for key in ("median", "median_follow_up", "max_follow_up", "accrual"):
        if isinstance(kwargs.get(key), str) and kwargs[key].strip().upper() in _NOT_REACHED:
            kwargs[key] = None
    try:
        arm = ArmSummary(**kwargs)
    except InputError as err:
        raise InputError(f"{where}: {err}") from err
    return _scaled(arm, unit)


def _scaled(arm: ArmSummary, unit: str) -> ArmSummary:
    return arm if unit == "months" else arm.to_months(unit)


def _hr_from(raw: object, where: str) -> tuple[HazardRatio | None, Any]:
    """The HR and the p-value as given (a number, or text such as "<0.001")."""
    if raw is None or isinstance(raw, HazardRatio):
        return raw, (raw.p_value if raw is not None else None)
    if isinstance(raw, (list, tuple)) and len(raw) in (1, 3):
        raw = {"estimate": raw[0], **({"ci": list(raw[1:])} if len(raw) == 3 else {})}
    if not isinstance(raw, Mapping):
        raise InputError(f"{where} must be a HazardRatio, [estimate, lower, upper] or a table "
                         f"(estimate, ci, p_value), got {str(raw)[:60]!r}.")
    _unknown(raw, _HR_KEYS, where)
    if "estimate" not in raw:
        raise InputError(f"{where}.estimate is missing; add the hazard ratio "
                         "(experimental vs control).")
    lower, upper = raw.get("lower"), raw.get("upper")
    if "ci" in raw:
        lower, upper = _interval(raw["ci"], f"{where}.ci")
    p = raw.get("p_value")
    exact = None
    if p is not None:
        m = _P_RE.match(p) if isinstance(p, str) else None
        if isinstance(p, str) and (not m or not 0 < float(m.group(2)) <= 1):
            raise InputError(f"{where}.p_value {p!r} is not a p-value; write 0.009 or "
                             '"<0.0001".')
        exact = (float(m.group(2)) if m.group(1) in (None, "=") else None) if m else p
    try:
        hr = HazardRatio(raw["estimate"], lower, upper, p_value=exact,
                         level=raw.get("level", 0.95))
    except InputError as err:
        raise InputError(f"{where}: {err}") from err
    return hr, p


def _unknown(raw: Mapping, allowed: tuple[str, ...], where: str) -> None:
    for key in raw:
        if key not in allowed:
            import difflib

            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"Did you mean {close[0]!r}? " if close else ""
            raise InputError(f"{where} has an unknown key {str(key)[:40]!r}. {hint}"
                             f"Allowed: {', '.join(allowed)}.")


def _p_reported(p: Any, explicit: Mapping[str, int]):
    from lmssurv.trials import ReportedP

    if p is None:
        return None
    if isinstance(p, str):
        m = _P_RE.match(p)
        value, rel = float(m.group(2)), ("<" if m.group(1) in ("<", "<=") else "=")
        shown = decimals_written(m.group(2))  # "1e-5" has five decimals, "0.0010" four
    else:
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 < p <= 1:
            raise InputError(f"p_value must be in (0, 1], got {p!r}; or text like '<0.001'.")
        value, rel = float(p), "="
        shown = None
    decimals = explicit.get("p_value")
    if decimals is None:
        decimals = shown if shown is not None else _decimals_for("p_value", (p,), {})
    return ReportedP(value=value, relation=rel, decimals=decimals)


def _endpoint(key: str, spec: object, explicit: Mapping[str, int], unit: str) -> Endpoint:
    from lmssurv.trials import Endpoint

    where = f"endpoints[{key!r}]"
    if isinstance(spec, Endpoint):  # e.g. one taken from a curated trial: filed under `key`
        import dataclasses

        return spec if spec.key == key else dataclasses.replace(spec, key=key)
    raw_arms: dict[str, Any] = {}
    name = notes = None
    origin, events_total = "randomisation", None
    if isinstance(spec, ArmSummary):
        spec = (spec,)
    if isinstance(spec, (list, tuple)):
        if not 1 <= len(spec) <= 3:
            raise InputError(
                f"{where} must be (control,), (control, experimental) or (control, "
                f"experimental, hr); got {len(spec)} items."
            )
        raw_arms["control"] = spec[0]
        if len(spec) >= 2 and spec[1] is not None:
            raw_arms["experimental"] = spec[1]
        raw_hr = spec[2] if len(spec) == 3 else None
    elif isinstance(spec, Mapping):
        _unknown(spec, _ENDPOINT_KEYS, where)
        if spec.get("control") is None:
            raise InputError(f"{where}.control is missing; a one-arm endpoint gives its arm "
                             "as control.")
        raw_arms = {r: spec[r] for r in ("control", "experimental") if spec.get(r) is not None}
        raw_hr = spec.get("hr")
        name, notes = spec.get("name"), spec.get("notes")
        origin = spec.get("time_origin", origin)
        events_total = spec.get("events_total")
        explicit = {**explicit, **_check_decimals(spec.get("decimals"), f"{where}.decimals")}
    else:
        raise InputError(
            f"{where} must be an ArmSummary, a tuple (control, experimental, hr) or a table, "
            f"got {type(spec).__name__}."
        )
    arms = {role: _arm_from_dict(raw, f"{where}.{role}", unit)
            for role, raw in raw_arms.items()}
    for role, arm in arms.items():
        if not isinstance(arm, ArmSummary):
            raise InputError(f"{where}.{role} must be an ArmSummary, got {type(arm).__name__}.")
    hr, p = _hr_from(raw_hr, f"{where}.hr")
    if hr is not None and "experimental" not in arms:
        raise InputError(f"{where}.hr: an HR needs two arms; add the experimental arm or drop "
                         "the HR.")
    labels = [a.label for a in arms.values() if a.label is not None]
    if len(set(labels)) != len(labels):
        raise InputError(f"{where}: both arms are labelled {labels[0]!r}; give each arm its "
                         "own label.")
    precision: dict[str, int] = {}
    for role, arm in arms.items():
        raw = raw_arms[role] if isinstance(raw_arms[role], Mapping) else None
        precision.update(_arm_precision(role, arm, raw, explicit))
    if hr is not None:
        raw = raw_hr if isinstance(raw_hr, Mapping) else {}
        precision["hr"] = _decimals_for("hr", (raw.get("estimate", hr.estimate),), explicit)
        if hr.lower is not None:
            ci = raw.get("ci", (raw.get("lower", hr.lower), raw.get("upper", hr.upper)))
            precision["hr.ci"] = _decimals_for("hr.ci", tuple(ci), explicit)
    p_rep = _p_reported(p, explicit)
    if p_rep is not None:
        precision["p_value"] = p_rep.decimals
    if events_total is not None:
        if isinstance(events_total, bool) or not isinstance(events_total, int) \
                or events_total < 0:
            raise InputError(f"{where}.events_total must be a whole number, got "
                             f"{events_total!r}.")
        precision["events_total"] = 0
    return Endpoint(
        key=key, name=str(name or ENDPOINT_NAMES.get(key.split("_")[0].lower(), key)),
        analysis="", control=arms["control"], experimental=arms.get("experimental"), hr=hr,
        p_value=p_rep, precision=MappingProxyType(precision), time_origin=str(origin),
        events_total=events_total, notes=notes,
    )


def _text(value: object, field: str, default: str | None = None) -> str | None:
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{field} must be non-empty text, got {str(value)[:60]!r}.")
    return value.strip()


def _trial_id(name: str) -> str:
    slug = re.sub(r"[^0-9a-z]+", "_", name.casefold()).strip("_")
    return slug or "trial"


# -- public ------------------------------------------------------------------------------------
def trial_from_summaries(
    name: str,
    endpoints: Mapping[str, object],
    *,
    title: str | None = None,
    population: str = "not stated",
    line: str = "not stated",
    design: str = "not stated",
    decimals: Mapping[str, int] | None = None,
    time_unit: str = "months",
    notes: str | None = None,
    path: str | None = None,
) -> Trial:
    """A :class:`~lmssurv.Trial` from your own arm summaries (``Trial.from_summaries``).

    Parameters
    ----------
    name : str
        The trial's name as you write it (``"My trial"``); also its display name.
    endpoints : mapping
        Endpoint key (``"pfs"``, ``"os"``...) to ``(control, experimental, hr)``,
        ``(control, experimental)``, ``(control,)`` or a single :class:`ArmSummary` (one-arm
        endpoint), or a table with keys ``control``, ``experimental``, ``hr``, ``name``,
        ``events_total``, ``decimals``. ``hr`` is a :class:`HazardRatio`, ``[estimate, lower,
        upper]`` or a table (``estimate``, ``ci``, ``p_value``; a p given as text such as
        ``"<0.001"`` is a bound).
    title, population, line, design : str
        Free text (not limited to the curated files' sarcoma categories).
    decimals : mapping, optional
        Decimals as printed, per quantity (see :mod:`lmssurv.own_trial`): the checks allow
        half a unit of the last digit. Without it: one decimal for times, a whole percent for
        rates, two decimals for HRs, or more when the value shows more digits.
    time_unit : {"days", "weeks", "months", "years"}
        Unit of every time in the summaries; converted to months once, here.
    notes : str, optional
        Free notes.

    Returns
    -------
    Trial
        ``trial.endpoints[key]`` hold the summaries (in months) and the precision of each
        number; works with :func:`lmssurv.check`, :func:`lmssurv.audit`,
        :func:`lmssurv.plot_endpoint` and :meth:`Trial.reconstruct`.

    Examples
    --------
    >>> from lmssurv import ArmSummary, HazardRatio, Trial
    >>> control = ArmSummary(n=76, events=60, median=24.0, median_ci=(19.0, 31.0),
    ...                      label="Doxorubicin")
    >>> experimental = ArmSummary(n=74, events=47, median=33.0, median_ci=(26.0, 48.0),
    ...                           label="Doxorubicin + trabectedin")
    >>> trial = Trial.from_summaries("My LMS trial", {"os": (control, experimental,
    ...                              HazardRatio(0.65, 0.44, 0.95))}, decimals={"median": 0})
    >>> trial.endpoint("OS").decimals("control.median"), trial.endpoint("os").decimals("hr")
    (0, 2)
    """
    from lmssurv.trials import Trial, TrialArm
    from lmssurv.units import unit_name

    if name is None:  # _text's None means "use the default", and a trial has no default name
        raise InputError('name must be non-empty text, got None; e.g. "My trial".')
    name = _text(name, "name")
    unit = unit_name(time_unit)
    explicit = _check_decimals(decimals, "decimals")
    if not isinstance(endpoints, Mapping):
        raise InputError(
            f"endpoints must be a mapping {{key: (control, experimental, hr)}}, got "
            f"{type(endpoints).__name__}; e.g. endpoints={{'pfs': (control, experimental, hr)}}."
        )
    built = {}
    for key, spec in endpoints.items():
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", key):
            raise InputError(f"endpoint key {key!r} must be a word such as 'os' or "
                             "'pfs_final' (letters, digits, _).")
        built[key] = _endpoint(key, spec, explicit, unit)
    arms: dict[str, TrialArm] = {}
    for ep in built.values():
        for role, arm in zip(ep.roles, ep.arms, strict=True):
            if role not in arms:
                label = arm.label or role
                arms[role] = TrialArm(role=role, label=label, regimen=label, n=arm.n)
    return Trial(
        id=_trial_id(name), title=_text(title, "title", name), acronym=name,
        population=_text(population, "population"), line=_text(line, "line"),
        design=_text(design, "design"), randomised=len(arms) > 1, sources=MappingProxyType({}),
        arms=MappingProxyType(arms), analyses=MappingProxyType({}),
        endpoints=MappingProxyType(built), notes=_text(notes, "notes"), path=path,
    )


def trial_from_dict(doc: Mapping, *, decimals: Mapping[str, int] | None = None,
                    label: str = "dict") -> Trial:
    """A :class:`~lmssurv.Trial` from a plain dict of numbers (``Trial.from_dict``).

    The layout is the one of a short TOML file (``load_trial("my_trial.toml")`` reads it)::

        name = "My trial"                 # required; population, line, title: free text
        time_unit = "months"              # or days, weeks, years
        [endpoints.pfs.control]
        label = "Doxorubicin"
        n = 76
        median = 6.2
        median_ci = [4.1, 7.1]            # "NR" for a bound not reached
        landmarks = { 12 = 0.16 }
        [endpoints.pfs.experimental]
        ...
        [endpoints.pfs.hr]
        estimate = 0.41
        ci = [0.29, 0.58]
        p_value = "<0.0001"
        [decimals]                        # optional: decimals as printed
        median = 1

    Examples
    --------
    >>> from lmssurv import Trial
    >>> doc = {"name": "Demo", "endpoints": {"os": {
    ...     "control": {"n": 50, "events": 30, "median": 12.0, "label": "A"},
    ...     "experimental": {"n": 50, "events": 25, "median": 16.5, "label": "B"},
    ...     "hr": {"estimate": 0.7, "ci": [0.41, 1.2]}}}}
    >>> trial = Trial.from_dict(doc)
    >>> trial.name, trial.endpoints["os"].experimental.median
    ('Demo', 16.5)
    """
    if not isinstance(doc, Mapping):
        raise InputError(f"a trial dict must be a mapping, got {type(doc).__name__}.")
    _unknown(doc, _TOP_KEYS, label)
    if "name" not in doc:
        raise InputError(f"{label}: name is missing; add name = \"My trial\".")
    if not isinstance(doc.get("endpoints"), Mapping) or not doc["endpoints"]:
        raise InputError(f"{label}: endpoints is missing or empty; add e.g. "
                         "[endpoints.pfs.control] with n, median...")
    merged = {**_check_decimals(doc.get("decimals"), f"{label}: decimals"),
              **_check_decimals(decimals, "decimals")}
    try:
        return trial_from_summaries(
            doc["name"], doc["endpoints"], title=doc.get("title"),
            population=doc.get("population", "not stated"),
            line=doc.get("line", "not stated"), design=doc.get("design", "not stated"),
            decimals=merged, time_unit=doc.get("time_unit", "months"), notes=doc.get("notes"),
            path=None if label == "dict" else label,
        )
    except InputError as err:
        if label == "dict":
            raise
        raise InputError(f"{label}: {err}") from err


def is_simple_layout(doc: Mapping) -> bool:
    """Whether a parsed TOML document is the short layout (no ``[sources]`` nor ``[trial]``)."""
    return "sources" not in doc and "trial" not in doc

