"""The trial-file parser: a TOML document (``data/README.md`` schema) -> a :class:`Trial`.

Each ``parse_*`` step returns what it read (a dataclass, or the dataclass plus the
``{provenance path: Reported}`` records it produced); nothing is returned through a dict passed
in. Every problem raises :class:`~lmssurv.InputError` naming the file, the key path (e.g.
``endpoints.os.control.median``) and the fix.
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
from types import MappingProxyType
from typing import Any

from lmssurv._validation import MAX_PATIENTS, InputError
from lmssurv._validation import short_repr as _short
from lmssurv.stats import exact_binomial_ci
from lmssurv.summary import ArmSummary, HazardRatio, decimals_written
from lmssurv.trials.model import (
    ARM_ROLES,
    CLAIM_STATUSES,
    FOLLOW_UP_ORIGINS,
    LINES,
    OUTCOME_CATEGORIES,
    POPULATIONS,
    SCHEMA_VERSION,
    SOURCE_KINDS,
    TIME_ORIGINS,
    Analysis,
    Discrepancy,
    Endpoint,
    Outcome,
    OutcomeValue,
    Reported,
    ReportedP,
    Source,
    Trial,
    TrialArm,
    UnconfirmedClaim,
)

__all__ = ["months_between", "parse_trial"]

_OUTCOME_ROLES = ("control", "experimental", "overall")
_NUMBER_KEYS = ("value", "source", "locator", "also", "note", "derived", "decimals")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_P_RE = re.compile(r"^\s*(<=|<|=)?\s*(\d*\.?\d+(?:[eE]-?\d+)?)\s*$")


def parse_trial(doc: dict, label: str, *, curated: bool = True) -> Trial:
    """A validated :class:`Trial` from a TOML document in the ``data/README.md`` schema.

    Parameters
    ----------
    doc : dict
        The document as :mod:`tomllib` returns it.
    label : str
        The file's name, which every error message starts with.
    curated : bool
        Whether the document is a shipped file: those keep ``population`` and ``line`` to the
        sarcoma categories (:data:`~lmssurv.trials.POPULATIONS`, :data:`~lmssurv.trials.LINES`);
        a user's own file may write free text.

    Raises
    ------
    InputError
        Naming the file, the key path and the fix.
    """
    return _Parser(label, curated=curated).trial(doc)


# ---------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------
def _is_number(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(float(x))


def _decimals_of(x: object) -> int:
    if isinstance(x, bool) or x is None:
        return 0
    if isinstance(x, int):
        return 0
    if isinstance(x, float) and hasattr(x, "decimals"):  # own_trial.Printed: as written
        return x.decimals
    if isinstance(x, float):  # as TOML wrote it, so far as repr keeps it: 24.0 has one
        return decimals_written(repr(x))
    if isinstance(x, str):
        m = _P_RE.match(x)
        if m:  # "1e-5" has five decimals, "1.5e-3" four
            return decimals_written(m.group(2))
    return 0


def months_between(start: str, end: str) -> int:
    """Whole calendar months from one ``"YYYY-MM"`` (or ``"YYYY-MM-DD"``) date to another.

    The day of the month is ignored: trial files date accrual and cut-offs to the month.

    Examples
    --------
    >>> months_between("2017-01", "2019-12")
    35
    """
    y0, m0 = (int(v) for v in start.split("-")[:2])
    y1, m1 = (int(v) for v in end.split("-")[:2])
    return (y1 - y0) * 12 + (m1 - m0)


class _Parser:
    """Validates one trial document; every error names the file and the key path."""

    def __init__(self, label: str, curated: bool = True) -> None:
        self.label = label
        # the shipped files keep to the sarcoma categories; a user's own file is free text
        self.curated = curated
        self.sources: dict[str, Source] = {}

    # -- error helpers ------------------------------------------------------------------------
    def fail(self, path: str, problem: str, fix: str) -> InputError:
        if len(path) > 120:  # a pasted paragraph as a key name: keep both ends
            path = f"{path[:55]}...{path[-55:]}"
        where = f"{self.label}: {path}" if path else self.label
        return InputError(f"{where}: {problem} Fix: {fix}")

    def keys(self, table: object, path: str, allowed: tuple[str, ...],
             required: tuple[str, ...] = ()) -> dict:
        if not isinstance(table, dict):
            raise self.fail(path, f"expected a table, got {_short(table)}.",
                            "write it as a [table] or an inline table { ... }.")
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean {_short(close[0])}? " if close else ""
                raise self.fail(
                    f"{path}.{key}" if path else key, f"unknown key {_short(key)}.",
                    f"{hint}Allowed here: {', '.join(allowed)} (see data/README.md).",
                )
        for key in required:
            if key not in table:
                raise self.fail(f"{path}.{key}" if path else key, "is missing.",
                                f"add {key} = ... to [{path or 'top level'}].")
        return table

    def text(self, table: dict, key: str, path: str, *, default: object = None,
             choices: tuple[str, ...] | None = None) -> Any:
        if key not in table:
            return default
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{path}.{key}", f"must be non-empty text, got {_short(value)}.",
                            "write it as a quoted string.")
        if choices is not None and value not in choices:
            close = difflib.get_close_matches(value, choices, n=1)
            hint = f"did you mean {_short(close[0])}? " if close else ""
            raise self.fail(f"{path}.{key}", f"{_short(value)} is not an allowed value.",
                            f"{hint}use one of {list(choices)}.")
        return value

    def flag(self, table: dict, key: str, path: str, default: bool | None = None) -> bool | None:
        if key not in table:
            return default
        if not isinstance(table[key], bool):
            raise self.fail(f"{path}.{key}", f"must be true or false, got {_short(table[key])}.",
                            "write true or false (no quotes).")
        return table[key]

    def text_list(self, table: dict, key: str, path: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{path}.{key}", f"must be a list of strings, got {_short(value)}.",
                            'write e.g. ["first", "second"].')
        return tuple(value)

    def source_key(self, key: object, path: str) -> str:
        if not isinstance(key, str) or key not in self.sources:
            raise self.fail(
                path, f"source {_short(key)} is not defined under [sources].",
                f"use one of {sorted(self.sources)} or add a [sources.{key}] table "
                "(citation, kind, and doi/pmid/url).",
            )
        return key

    def interval(self, raw: object, path: str, *, allow_nr: bool = False
                 ) -> tuple[float | None, float | None]:
        ok = isinstance(raw, list) and len(raw) == 2
        out: list[float | None] = []
        if ok:
            for v in raw:
                if allow_nr and isinstance(v, str) and v.strip().upper() in ("NR", "NE"):
                    out.append(None)
                elif _is_number(v) and v >= 0:
                    out.append(float(v))
                else:
                    ok = False
        if not ok:
            nr = ' (use "NR" for a bound not reached)' if allow_nr else ""
            raise self.fail(path, f"must be a pair [lower, upper] of numbers >= 0, got {_short(raw)}.",
                            f"write e.g. [19, 31]{nr}.")
        if out[0] is not None and out[1] is not None and out[0] > out[1]:
            raise self.fail(path, f"lower bound {out[0]:g} is above upper bound {out[1]:g}.",
                            "swap them, or check for a typo.")
        return out[0], out[1]

    # -- a sourced number ------------------------------------------------------------------
    def number(self, raw: object, path: str, *, extra: tuple[str, ...] = (),
               value: str = "number", rate: bool = False, required_value: bool = True
               ) -> Reported:
        """Parse ``{value = ..., source = "KEY", locator = "..."}`` (plus ``extra`` keys)."""
        if not isinstance(raw, dict):
            raise self.fail(
                path, f"a number must be an inline table with its source, got {_short(raw)}.",
                f'write {{ value = {_short(raw)}, source = "KEY", locator = "where in the source" }}.',
            )
        allowed = (*_NUMBER_KEYS, *extra)
        self.keys(raw, path, allowed)
        if "source" not in raw:
            raise self.fail(
                path, "this number has no source.",
                f'add source = "KEY" naming one of [sources] ({", ".join(sorted(self.sources))})'
                ' and locator = "where it is printed".',
            )
        source = self.source_key(raw["source"], f"{path}.source")
        locator = self.text(raw, "locator", path)
        if locator is None:
            raise self.fail(f"{path}.locator", "is missing.",
                            'add locator = "page, table or paragraph where it is printed".')
        also = tuple(self.source_key(k, f"{path}.also") for k in self.text_list(raw, "also", path))
        if "value" not in raw:
            if required_value:
                raise self.fail(f"{path}.value", "is missing.", "add value = <the number>.")
            v = None
        else:
            v = raw["value"]
            if value == "number" and not (_is_number(v) and v >= 0):
                raise self.fail(f"{path}.value", f"must be a finite number >= 0, got {_short(v)}.",
                                "write the number as printed (rates as proportions, 68% -> "
                                "0.68).")
            if value == "month" and not (isinstance(v, str) and _MONTH_RE.match(v)):
                raise self.fail(f"{path}.value", f"must be a date 'YYYY-MM', got {_short(v)}.",
                                'write e.g. "2023-01".')
        decimals = _decimals_of(v)
        if "decimals" in raw:
            d = raw["decimals"]
            if not isinstance(d, int) or isinstance(d, bool) or d < 0 or (
                _is_number(v) and abs(round(v, d) - v) > 1e-12
            ):
                raise self.fail(f"{path}.decimals", f"{_short(d)} does not fit value {_short(v)}.",
                                "give the number of decimals printed (16.0% -> 0.160 -> 3).")
            decimals = d
        elif rate:
            decimals = max(decimals, 2)
        ci = iqr = rng = None
        ci_decimals = None
        if "ci" in raw:
            ci = self.interval(raw["ci"], f"{path}.ci", allow_nr=True)
            ci_decimals = max(_decimals_of(b) for b in raw["ci"])
            if rate:
                ci_decimals = max(ci_decimals, 2)
            if _is_number(v) and (
                (ci[0] is not None and ci[0] > v) or (ci[1] is not None and ci[1] < v)
            ):
                raise self.fail(f"{path}.ci", f"{_short(raw['ci'])} does not contain the value {_short(v)}.",
                                "check for a typo or swapped arms.")
        if "iqr" in raw:
            iqr = self.interval(raw["iqr"], f"{path}.iqr")
        if "range" in raw:
            rng = self.interval(raw["range"], f"{path}.range")
        level = raw.get("level", 0.95)
        if not (_is_number(level) and 0.5 <= level < 1):
            raise self.fail(f"{path}.level", f"must be in [0.5, 1), got {_short(level)}.",
                            "write 0.95 for a 95% CI.")
        return Reported(
            value=v, source=source, locator=locator, decimals=decimals, ci=ci,
            ci_decimals=ci_decimals, iqr=iqr, range=rng, level=float(level),
            derived=self.text(raw, "derived", path), also=also, note=self.text(raw, "note", path),
        )

    def p_value(self, raw: object, path: str, *, test: str = "not stated",
                source: str = "", locator: str = "") -> ReportedP:
        text = raw if isinstance(raw, str) else (repr(raw) if _is_number(raw) else None)
        m = _P_RE.match(text) if text is not None else None
        value = float(m.group(2)) if m else -1.0
        if not m or not 0 < value <= 1:
            raise self.fail(path, f"{_short(raw)} is not a p-value.",
                            'write 0.009, "0.0090" (keeps trailing zeros) or "<0.0001".')
        rel = "<" if m.group(1) in ("<", "<=") else "="
        return ReportedP(value=value, relation=rel, test=test, decimals=_decimals_of(m.group(2)),
                         source=source, locator=locator)

    def whole(self, rep: Reported, path: str, *, minimum: int = 0) -> int:
        v = rep.value
        if not (_is_number(v) and float(v) == int(v) and v >= minimum):
            raise self.fail(f"{path}.value", f"must be a whole number >= {minimum}, got {_short(v)}.",
                            "write the count as printed.")
        return int(v)

    # -- document ----------------------------------------------------------------------------
    def trial(self, doc: dict) -> Trial:
        top = ("schema_version", "time_unit", "sources", "trial", "design", "arms", "analyses",
               "endpoints", "outcomes", "unconfirmed", "discrepancies")
        self.keys(doc, "", top)
        unit = doc.get("time_unit")
        if unit is None:
            raise self.fail("time_unit", "is missing.",
                            'add time_unit = "months" at the top and give every time in months.')
        if unit != "months":
            raise self.fail(
                "time_unit", f"{_short(unit)} is not supported; lmssurv works in months.",
                'convert every time to months (weeks x 7 / 30.4375, days / 30.4375, years x 12) '
                'and set time_unit = "months".',
            )
        version = doc.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise self.fail("schema_version", f"{_short(version)} is not supported.",
                            f"write schema_version = {SCHEMA_VERSION}.")
        for key in ("sources", "trial", "arms"):
            if key not in doc:
                raise self.fail(key, "is missing.", f"add a [{key}] section (see data/README.md).")
        self.sources = self.parse_sources(doc["sources"])
        meta = self.keys(doc["trial"], "trial",
                         ("id", "acronym", "title", "nct", "population", "population_detail",
                          "line", "design", "randomised", "design_detail", "missing", "notes"),
                         ("id", "title", "population", "line", "design", "randomised", "missing"))
        design_facts, design_notes = self.parse_design(doc.get("design", {}))
        arms = self.parse_arms(doc["arms"])
        analyses = self.parse_analyses(doc.get("analyses", {}), design_facts)
        endpoints = {
            key: self.parse_endpoint(key, raw, arms, analyses, design_facts)
            for key, raw in self.named_tables(doc, "endpoints").items()
        }
        outcomes = {
            key: self.parse_outcome(key, raw, arms, analyses)
            for key, raw in self.named_tables(doc, "outcomes").items()
        }
        claims = tuple(self.parse_claim(i, raw, endpoints)
                       for i, raw in enumerate(self.array(doc, "unconfirmed")))
        discrepancies = tuple(self.parse_discrepancy(i, raw)
                              for i, raw in enumerate(self.array(doc, "discrepancies")))
        trial_id = self.text(meta, "id", "trial")
        if not re.fullmatch(r"[a-z0-9_]+", trial_id):
            raise self.fail("trial.id", f"{_short(trial_id)} must be lower-case letters, digits, _.",
                            "use the file name without .toml, e.g. 'lms04'.")
        return Trial(
            id=trial_id,
            title=self.text(meta, "title", "trial"),
            population=self.text(meta, "population", "trial",
                                 choices=POPULATIONS if self.curated else None),
            line=self.text(meta, "line", "trial", choices=LINES if self.curated else None),
            design=self.text(meta, "design", "trial"),
            randomised=self.flag(meta, "randomised", "trial"),
            sources=MappingProxyType(dict(self.sources)),
            arms=MappingProxyType(arms),
            analyses=MappingProxyType(analyses),
            endpoints=MappingProxyType(endpoints),
            design_facts=MappingProxyType(design_facts),
            design_notes=MappingProxyType(design_notes),
            outcomes=MappingProxyType(outcomes),
            unconfirmed=claims,
            discrepancies=discrepancies,
            missing=self.text_list(meta, "missing", "trial"),
            acronym=self.text(meta, "acronym", "trial"),
            nct=self.text(meta, "nct", "trial"),
            population_detail=self.text(meta, "population_detail", "trial"),
            design_detail=self.text(meta, "design_detail", "trial"),
            notes=self.text(meta, "notes", "trial"),
            path=self.label,
        )

    def named_tables(self, doc: dict, key: str) -> dict:
        """A section of free-named tables (``[endpoints.os]``, ``[outcomes.orr]``)."""
        raw = doc.get(key, {})
        if not isinstance(raw, dict):
            raise self.fail(key, f"must be a section of tables, got {_short(raw)}.",
                            f"write each entry as a [{key}.NAME] table (see data/README.md).")
        return raw

    def array(self, doc: dict, key: str) -> list:
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, "must be an array of tables.", f"write each entry as [[{key}]].")
        return value

    def parse_sources(self, raw: object) -> dict[str, Source]:
        table = self.keys(raw, "sources", tuple(raw) if isinstance(raw, dict) else ())
        sources: dict[str, Source] = {}
        if not table:
            raise self.fail("sources", "is empty.", "add at least one [sources.KEY] table.")
        for key, entry in table.items():
            path = f"sources.{key}"
            self.keys(entry, path, ("citation", "doi", "pmid", "url", "kind", "note"),
                      ("citation", "kind"))
            pmid = entry.get("pmid")
            if pmid is not None and not (isinstance(pmid, str) and pmid.isdigit()):
                raise self.fail(f"{path}.pmid", f"must be digits in quotes, got {_short(pmid)}.",
                                'write e.g. pmid = "35835135".')
            sources[key] = Source(
                key=key, citation=self.text(entry, "citation", path),
                kind=self.text(entry, "kind", path, choices=SOURCE_KINDS),
                doi=self.text(entry, "doi", path), pmid=pmid,
                url=self.text(entry, "url", path), note=self.text(entry, "note", path),
            )
        return sources

    _DESIGN_NUMBERS = ("centres", "n_randomised", "accrual", "hypothesis_control_median",
                       "hypothesis_experimental_median", "hypothesis_hr", "target_events",
                       "power", "alpha", "maintenance_max_cycles")
    _DESIGN_DATES = ("accrual_start", "accrual_end")
    _DESIGN_TEXT = ("allocation", "stratification", "masking", "primary_endpoint", "notes")

    def parse_design(self, raw: object):
        table = self.keys(raw, "design",
                          (*self._DESIGN_NUMBERS, *self._DESIGN_DATES, *self._DESIGN_TEXT))
        facts: dict[str, Reported] = {}
        notes: dict[str, str] = {}
        for key, value in table.items():
            path = f"design.{key}"
            if key in self._DESIGN_TEXT:
                notes[key] = self.text(table, key, "design")
            else:
                kind = "month" if key in self._DESIGN_DATES else "number"
                facts[key] = self.number(value, path, value=kind)
        if "accrual_start" in facts and "accrual_end" in facts:
            span = months_between(facts["accrual_start"].value, facts["accrual_end"].value)
            if span < 0:
                raise self.fail("design.accrual_end", "is before accrual_start.",
                                "check the two dates (YYYY-MM).")
            if "accrual" in facts and abs(facts["accrual"].value - span) > 1:
                raise self.fail(
                    "design.accrual",
                    f"{_short(facts['accrual'].value)} months disagrees with accrual_start to "
                    f"accrual_end ({span} months).", "correct one of the three.")
        return facts, notes

    def parse_arms(self, raw: object) -> dict[str, TrialArm]:
        table = self.keys(raw, "arms", ARM_ROLES, ("control",))
        arms = {}
        for role, entry in table.items():
            path = f"arms.{role}"
            self.keys(entry, path, ("label", "regimen", "n", "notes"), ("label", "regimen", "n"))
            rep = self.number(entry["n"], f"{path}.n")
            arms[role] = TrialArm(
                role=role, label=self.text(entry, "label", path),
                regimen=self.text(entry, "regimen", path),
                n=self.whole(rep, f"{path}.n", minimum=1), notes=self.text(entry, "notes", path),
                reported=rep,
            )
        labels = [a.label for a in arms.values()]
        if len(set(labels)) != len(labels):
            raise self.fail("arms", f"two arms share the label {_short(labels[0])}.",
                            "give each arm a distinct label.")
        return arms

    def parse_analyses(self, raw: object, design: dict) -> dict[str, Analysis]:
        table = self.keys(raw, "analyses", tuple(raw) if isinstance(raw, dict) else ())
        out = {}
        for key, entry in table.items():
            path = f"analyses.{key}"
            self.keys(entry, path, ("label", "data_cutoff", "median_follow_up", "max_follow_up",
                                    "follow_up_method", "notes"), ("label",))
            cutoff = (self.number(entry["data_cutoff"], f"{path}.data_cutoff", value="month")
                      if "data_cutoff" in entry else None)
            mfu = (self.number(entry["median_follow_up"], f"{path}.median_follow_up",
                               extra=("iqr", "range"))
                   if "median_follow_up" in entry else None)
            mx = (self.number(entry["max_follow_up"], f"{path}.max_follow_up")
                  if "max_follow_up" in entry else None)
            if mx is None and cutoff is not None and "accrual_start" in design:
                start = design["accrual_start"]
                months = months_between(start.value, cutoff.value)
                mx = Reported(
                    value=months, source=cutoff.source,
                    locator=f"derived from accrual_start and {path}.data_cutoff",
                    derived=(f"first patient at the start of accrual ({start.value}, "
                             f"[{start.source}]) to the data cut-off ({cutoff.value}, "
                             f"[{cutoff.source}]) = {months} months; exact days are not "
                             "published, so the longest follow-up is within a month of this"),
                    also=(start.source,) if start.source != cutoff.source else (),
                )
            if mfu is not None and mx is not None and mfu.value > mx.value:
                raise self.fail(f"{path}.median_follow_up",
                                f"{_short(mfu.value)} months exceeds the longest follow-up "
                                f"({_short(mx.value)} months).",
                                "check the cut-off date, the accrual dates and the units.")
            out[key] = Analysis(
                key=key, label=self.text(entry, "label", path), data_cutoff=cutoff,
                median_follow_up=mfu, max_follow_up=mx,
                follow_up_method=self.text(entry, "follow_up_method", path,
                                           default="not stated"),
                notes=self.text(entry, "notes", path),
            )
        return out

    def parse_endpoint(self, key: str, raw: object, arms: dict[str, TrialArm],
                       analyses: dict[str, Analysis], design: dict) -> Endpoint:
        path = f"endpoints.{key}"
        entry = self.keys(raw, path,
                          ("name", "analysis", "assessment", "time_origin", "primary", "notes",
                           "events_total", "control", "experimental", "hr"),
                          ("name", "analysis"))
        analysis_key = self.text(entry, "analysis", path)
        if analysis_key not in analyses:
            raise self.fail(f"{path}.analysis", f"{_short(analysis_key)} is not under [analyses].",
                            f"use one of {sorted(analyses)} or add [analyses.{analysis_key}].")
        analysis = analyses[analysis_key]
        origin = self.text(entry, "time_origin", path, default="randomisation",
                           choices=TIME_ORIGINS)
        if "control" not in entry:
            fix = ("a single-arm endpoint gives its one arm as [" + path + ".control]."
                   if "experimental" in entry else f"add [{path}.control].")
            raise self.fail(f"{path}.control", "is missing.", fix)
        reported: dict[str, Reported] = {}
        summaries = {}
        for role in ARM_ROLES:
            if role not in entry:
                continue
            if role not in arms:
                raise self.fail(f"{path}.{role}", f"there is no [arms.{role}].",
                                f"add [arms.{role}] with label, regimen and n.")
            summaries[role], arm_reported = self.parse_arm_summary(
                entry[role], f"{path}.{role}", role, arms[role], analysis, design, origin,
            )
            reported.update(arm_reported)
        hr, adjusted, adjusted_for, p = None, None, (), None
        if "hr" in entry:
            if "experimental" not in summaries:
                raise self.fail(f"{path}.hr", "an HR needs two arms.",
                                f"add [{path}.experimental] or drop the HR.")
            hr, adjusted, adjusted_for, p, hr_reported = self.parse_hr(entry["hr"], f"{path}.hr")
            reported.update(hr_reported)
        events_total = None
        if "events_total" in entry:
            rep = self.number(entry["events_total"], f"{path}.events_total")
            events_total = self.whole(rep, f"{path}.events_total")
            reported["events_total"] = rep
            arm_events = [s.events for s in summaries.values()]
            if None not in arm_events and sum(arm_events) != events_total:
                raise self.fail(f"{path}.events_total",
                                f"{events_total} is not the sum of the arms' events "
                                f"{arm_events}.", "check the counts.")
        log_rank_p = p.exact if p is not None and "log-rank" in p.test.lower() else None
        precision = {k: (r.ci_decimals if k.endswith("ci") else r.decimals)
                     for k, r in reported.items()}
        pooled_fu = None
        per_arm = any("median_follow_up" in entry.get(role, {}) for role in ARM_ROLES)
        if (not per_arm and origin in FOLLOW_UP_ORIGINS
                and analysis.median_follow_up is not None):
            pooled_fu = float(analysis.median_follow_up.value)
            reported["median_follow_up"] = analysis.median_follow_up
            precision["median_follow_up"] = analysis.median_follow_up.decimals
        return Endpoint(
            key=key, name=self.text(entry, "name", path), analysis=analysis_key,
            control=summaries["control"], experimental=summaries.get("experimental"),
            hr=hr, hr_adjusted=adjusted, hr_adjusted_for=adjusted_for, log_rank_p=log_rank_p,
            p_value=p,
            provenance=MappingProxyType({k: r.provenance for k, r in reported.items()}),
            precision=MappingProxyType(precision),
            reported=MappingProxyType(reported),
            assessment=self.text(entry, "assessment", path), time_origin=origin,
            events_total=events_total, median_follow_up=pooled_fu, primary=bool(self.flag(entry, "primary", path, False)),
            notes=self.text(entry, "notes", path),
        )

    def parse_arm_summary(self, raw: object, path: str, role: str, arm: TrialArm,
                          analysis: Analysis, design: dict, origin: str
                          ) -> tuple[ArmSummary, dict[str, Reported]]:
        """One arm of an endpoint and its ``{"<role>.<quantity>": Reported}`` records."""
        entry = self.keys(raw, path, ("label", "n", "events", "median", "landmarks",
                                      "median_follow_up", "max_follow_up", "notes"))
        reported: dict[str, Reported] = {}
        n_rep = self.number(entry["n"], f"{path}.n") if "n" in entry else arm.reported
        n = self.whole(n_rep, f"{path}.n", minimum=1)
        reported[f"{role}.n"] = n_rep
        events = None
        if "events" in entry:
            rep = self.number(entry["events"], f"{path}.events")
            events = self.whole(rep, f"{path}.events")
            reported[f"{role}.events"] = rep
        median = median_ci = None
        if "median" in entry:
            rep = self.number(entry["median"], f"{path}.median", extra=("ci", "level"))
            median, median_ci = float(rep.value), rep.ci
            reported[f"{role}.median"] = rep
            if rep.ci is not None:
                reported[f"{role}.median_ci"] = rep
        landmarks, landmark_cis, marks_reported = self.parse_landmarks(
            entry.get("landmarks", []), path, role)
        reported.update(marks_reported)
        mfu, mx, accrual, follow_reported = self.parse_follow_up(entry, path, role, analysis,
                                                                 design, origin)
        reported.update(follow_reported)
        label = self.text(entry, "label", path, default=arm.label)
        try:
            summary = ArmSummary(
                n=n, events=events, median=median, median_ci=median_ci, landmarks=landmarks,
                landmark_cis=landmark_cis, median_follow_up=mfu, max_follow_up=mx,
                accrual=accrual, label=label,
            )
        except InputError as err:
            raise self.fail(path, str(err), "correct the number in the file, or its source."
                            ) from err
        return summary, reported

    def parse_landmarks(self, raw_marks: object, path: str, role: str
                        ) -> tuple[dict[float, float], dict[float, tuple], dict[str, Reported]]:
        """An arm's landmark rates, their CIs, and their records (``"<role>.landmarks[24]"``)."""
        if not isinstance(raw_marks, list):
            raise self.fail(f"{path}.landmarks", "must be a list of inline tables.",
                            "write landmarks = [{ time = 24, value = 0.49, source = ..., "
                            "locator = ... }].")
        landmarks, landmark_cis, reported = {}, {}, {}
        for i, mark in enumerate(raw_marks):
            mpath = f"{path}.landmarks[{i}]"
            if not isinstance(mark, dict) or "time" not in mark:
                raise self.fail(mpath, f"needs a time, got {_short(mark)}.",
                                "write { time = 24, value = 0.49, source = ..., locator = ... }.")
            t = mark["time"]
            if not (_is_number(t) and t > 0):
                raise self.fail(f"{mpath}.time", f"must be months > 0, got {_short(t)}.",
                                "give the landmark time in months (2 years -> 24).")
            rep = self.number(mark, mpath, extra=("time", "ci", "level"), rate=True)
            if rep.value > 1:
                raise self.fail(f"{mpath}.value", f"{_short(rep.value)} is not a proportion.",
                                f"write rates as proportions: {rep.value / 100:g}.")
            t = float(t)
            if t in landmarks:
                raise self.fail(mpath, f"a second landmark at {t:g} months.",
                                "keep one value per time (other analyses are other endpoints).")
            landmarks[t] = float(rep.value)
            reported[f"{role}.landmarks[{t:g}]"] = rep
            if rep.ci is not None:
                landmark_cis[t] = rep.ci
                reported[f"{role}.landmark_cis[{t:g}]"] = rep
        return landmarks, landmark_cis, reported

    def parse_follow_up(self, entry: dict, path: str, role: str, analysis: Analysis,
                        design: dict, origin: str
                        ) -> tuple[float | None, float | None, float | None, dict[str, Reported]]:
        """An arm's median and longest follow-up and accrual (months), and their records.

        The arm's own values win; an endpoint timed from randomisation, registration or start of
        treatment inherits the rest from its analysis and the design.
        """
        follows_trial = origin in FOLLOW_UP_ORIGINS
        reported: dict[str, Reported] = {}
        mfu = mx = None
        if "median_follow_up" in entry:
            rep = self.number(entry["median_follow_up"], f"{path}.median_follow_up",
                              extra=("iqr", "range"))
            mfu = float(rep.value)
            reported[f"{role}.median_follow_up"] = rep
        elif follows_trial and analysis.median_follow_up is not None:
            mfu = float(analysis.median_follow_up.value)
            reported[f"{role}.median_follow_up"] = analysis.median_follow_up
        if "max_follow_up" in entry:
            rep = self.number(entry["max_follow_up"], f"{path}.max_follow_up")
            mx = float(rep.value)
            reported[f"{role}.max_follow_up"] = rep
        elif follows_trial and analysis.max_follow_up is not None:
            mx = float(analysis.max_follow_up.value)
            reported[f"{role}.max_follow_up"] = analysis.max_follow_up
        accrual = None
        if follows_trial and "accrual" in design:
            accrual = float(design["accrual"].value)
            reported[f"{role}.accrual"] = design["accrual"]
        return mfu, mx, accrual, reported

    def parse_hr(self, raw: object, path: str):
        """The HR, whether and for what it is adjusted, its p-value, and their records."""
        rep = self.number(raw, path, extra=("ci", "level", "adjusted", "adjusted_for",
                                            "p_value", "p_test"))
        if rep.value <= 0:
            raise self.fail(f"{path}.value", f"a hazard ratio must be > 0, got {_short(rep.value)}.",
                            "write the HR of experimental vs control.")
        adjusted = self.flag(raw, "adjusted", path)
        adjusted_for = self.text_list(raw, "adjusted_for", path)
        if adjusted_for and adjusted is False:
            raise self.fail(f"{path}.adjusted_for", "is given but adjusted = false.",
                            "set adjusted = true or drop adjusted_for.")
        if adjusted_for:
            adjusted = True
        p = None
        if "p_value" in raw:
            p = self.p_value(raw["p_value"], f"{path}.p_value",
                             test=self.text(raw, "p_test", path, default="not stated"),
                             source=rep.source, locator=rep.locator)
        lower, upper = rep.ci if rep.ci is not None else (None, None)
        if rep.ci is not None and (lower is None or upper is None or lower <= 0):
            raise self.fail(f"{path}.ci", f"{_short(rep.ci)} is not a CI of a hazard ratio.",
                            "give both limits, > 0.")
        try:
            hr = HazardRatio(float(rep.value), lower, upper,
                             p_value=p.exact if p is not None else None, level=rep.level)
        except InputError as err:
            raise self.fail(path, str(err), "correct the HR in the file.") from err
        reported = {"hr": rep}
        if rep.ci is not None:
            reported["hr.ci"] = rep
        if p is not None:
            reported["p_value"] = Reported(
                value=p.value, source=rep.source, locator=rep.locator, decimals=p.decimals,
                note=f"relation {p.relation!r}, test {p.test}",
            )
        return hr, adjusted, adjusted_for, p, reported

    def parse_outcome(self, key: str, raw: object, arms: dict[str, TrialArm],
                      analyses: dict[str, Analysis]) -> Outcome:
        path = f"outcomes.{key}"
        entry = self.keys(raw, path, ("name", "category", "analysis", "unit", "p_value", "notes",
                                      *_OUTCOME_ROLES), ("name", "category", "unit"))
        analysis = self.text(entry, "analysis", path)
        if analysis is not None and analysis not in analyses:
            raise self.fail(f"{path}.analysis", f"{_short(analysis)} is not under [analyses].",
                            f"use one of {sorted(analyses)}.")
        unit = self.text(entry, "unit", path)
        values = {}
        for role in _OUTCOME_ROLES:
            if role not in entry:
                continue
            rpath = f"{path}.{role}"
            if role != "overall" and role not in arms:
                raise self.fail(rpath, f"there is no [arms.{role}].", "add the arm or drop this.")
            values[role] = self.outcome_value(entry[role], rpath, unit)
        if not values:
            raise self.fail(path, "has no values.",
                            "add control = {...}, experimental = {...} or overall = {...}.")
        p = None
        if "p_value" in entry:
            praw = entry["p_value"]
            ppath = f"{path}.p_value"
            self.keys(praw, ppath, ("value", "test", "source", "locator", "also", "note"),
                      ("value", "source", "locator"))
            p = self.p_value(praw["value"], f"{ppath}.value",
                             test=self.text(praw, "test", ppath, default="not stated"),
                             source=self.source_key(praw["source"], f"{ppath}.source"),
                             locator=self.text(praw, "locator", ppath))
        return Outcome(key=key, name=self.text(entry, "name", path),
                       category=self.text(entry, "category", path, choices=OUTCOME_CATEGORIES),
                       unit=unit, values=MappingProxyType(values), analysis=analysis,
                       p_value=p, notes=self.text(entry, "notes", path))

    def outcome_value(self, raw: dict, rpath: str, unit: str) -> OutcomeValue:
        """One arm's (or the trial's) value of an outcome; a proportion's CI from count and n."""
        rep = self.number(raw, rpath, extra=("count", "n", "ci", "range", "level"),
                          rate=unit == "proportion", required_value=False)
        count = n = None
        if "count" in raw or "n" in raw:
            if unit != "proportion" or "count" not in raw or "n" not in raw:
                raise self.fail(rpath, "count and n go together, on a proportion.",
                                'give both count and n, and unit = "proportion".')
            count, n = raw["count"], raw["n"]
            for name, v in (("count", count), ("n", n)):
                if not (isinstance(v, int) and not isinstance(v, bool) and v >= 0):
                    raise self.fail(f"{rpath}.{name}", f"must be a whole number, got {_short(v)}.",
                                    "write the count as printed.")
            if n < 1 or count > n:
                raise self.fail(rpath, f"count {_short(count)} of n {_short(n)} is "
                                "impossible.", "check the numbers.")
            if n > MAX_PATIENTS:
                raise self.fail(f"{rpath}.n", f"{_short(n)} patients is more than any trial "
                                f"({MAX_PATIENTS:,}).", "check the number for a typo.")
        value, derived = rep.value, False
        if value is None:
            if count is None:
                raise self.fail(f"{rpath}.value", "is missing.",
                                "add value = <the number>, or count and n.")
            value, derived = count / n, True
        if unit == "proportion" and value > 1:
            raise self.fail(f"{rpath}.value", f"{_short(value)} is not a proportion.",
                            f"write {value / 100:g} for {value:g}%, or give count and n.")
        if count is not None and not derived:
            # The printed percentage must be the rounded count/n (to its decimals, +1 unit
            # of slack for sources that truncate rather than round).
            slack = 10.0 ** (-rep.decimals)
            if abs(count / n - value) > slack + 1e-12:
                raise self.fail(
                    f"{rpath}.value",
                    f"{_short(value)} disagrees with count/n = {count}/{n} = {count / n:.3f}.",
                    "check the count, n and the printed percentage.")
        if count is not None:
            ci, method = exact_binomial_ci(count, n), "Clopper-Pearson"
        elif rep.ci is not None:
            ci, method = rep.ci, "reported"
        else:
            ci, method = None, None
        return OutcomeValue(
            value=float(value), source=rep.source, locator=rep.locator, count=count, n=n,
            ci=ci, ci_method=method, range=rep.range,
            decimals=rep.decimals if not derived else 3, value_derived=derived,
            also=rep.also, note=rep.note,
        )

    def parse_claim(self, i: int, raw: dict, endpoints: dict[str, Endpoint]) -> UnconfirmedClaim:
        path = f"unconfirmed[{i}]"
        self.keys(raw, path, ("key", "claim", "endpoint", "quantity", "control", "experimental",
                              "value", "source", "locator", "status", "note"),
                  ("key", "claim", "endpoint", "quantity", "source", "locator", "status"))
        endpoint = self.text(raw, "endpoint", path)
        if endpoint not in endpoints:
            raise self.fail(f"{path}.endpoint", f"{_short(endpoint)} is not under [endpoints].",
                            f"use one of {sorted(endpoints)}.")
        values = {}
        for name in ("control", "experimental", "value"):
            if name in raw:
                v = raw[name]
                if not _is_number(v):
                    raise self.fail(f"{path}.{name}", f"must be a number, got {_short(v)}.",
                                    "write the value as quoted.")
                values[name] = float(v)
        if not values:
            raise self.fail(path, "has no value.", "add control/experimental or value.")
        return UnconfirmedClaim(
            key=self.text(raw, "key", path), claim=self.text(raw, "claim", path),
            endpoint=endpoint, quantity=self.text(raw, "quantity", path),
            values=MappingProxyType(values),
            source=self.source_key(raw["source"], f"{path}.source"),
            locator=self.text(raw, "locator", path),
            status=self.text(raw, "status", path, choices=CLAIM_STATUSES),
            note=self.text(raw, "note", path),
        )

    def parse_discrepancy(self, i: int, raw: dict) -> Discrepancy:
        path = f"discrepancies[{i}]"
        self.keys(raw, path, ("topic", "values", "follows", "reason", "sources"),
                  ("topic", "values", "follows", "reason"))
        keys = tuple(self.source_key(k, f"{path}.sources")
                     for k in self.text_list(raw, "sources", path))
        return Discrepancy(topic=self.text(raw, "topic", path),
                           values=self.text(raw, "values", path),
                           follows=self.text(raw, "follows", path),
                           reason=self.text(raw, "reason", path), sources=keys)
