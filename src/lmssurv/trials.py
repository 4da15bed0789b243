"""Curated trial files (``data/*.toml``) turned into validated, cited dataclasses.

A trial file records what publications reported about one trial, every number next to the
source that printed it and a locator inside that source. :func:`load_trial` reads a file with
:mod:`tomllib` only (reading a trial file never executes anything from it), checks it against the
schema documented in ``data/README.md`` and returns a frozen :class:`Trial` whose endpoints hold
:class:`~lmssurv.summary.ArmSummary` and :class:`~lmssurv.summary.HazardRatio` objects ready for
reconstruction. Times are months throughout; rates are proportions.

Every problem in a file raises :class:`~lmssurv.InputError` naming the file, the key path (e.g.
``endpoints.os.control.median``) and the fix.
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from lmssurv._validation import MAX_PATIENTS, InputError
from lmssurv._validation import short_repr as _short
from lmssurv.summary import ArmSummary, HazardRatio

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ARM_ROLES",
    "CLAIM_STATUSES",
    "LINES",
    "OUTCOME_CATEGORIES",
    "POPULATIONS",
    "SOURCE_KINDS",
    "TIME_ORIGINS",
    "Analysis",
    "Discrepancy",
    "Endpoint",
    "Outcome",
    "OutcomeValue",
    "Provenance",
    "Reported",
    "ReportedP",
    "Source",
    "Trial",
    "TrialArm",
    "UnconfirmedClaim",
    "as_trial",
    "exact_binomial_ci",
    "list_trials",
    "load_trial",
    "resolve_trial_name",
]

SCHEMA_VERSION = 1

#: Kinds of source a number can cite.
SOURCE_KINDS = ("primary", "conference", "secondary", "registry")
#: Populations a trial file may declare (the caveat every cross-trial table carries).
POPULATIONS = ("LMS only", "uterine LMS", "non-uterine LMS", "L-sarcoma", "all STS")
#: Lines of therapy.
LINES = ("adjuvant", "first line", "second line", "second line or later", "any line")
#: Arm roles. A single-arm endpoint gives its one arm as ``control``.
ARM_ROLES = ("control", "experimental")
#: Where an endpoint's clock starts; only the first three inherit the trial's follow-up.
TIME_ORIGINS = ("randomisation", "registration", "start of treatment", "response")
#: Categories of non-time-to-event outcomes.
OUTCOME_CATEGORIES = ("efficacy", "safety", "treatment", "baseline")
#: Status of a claim seen only in secondary or untraced sources.
CLAIM_STATUSES = ("unconfirmed", "confirmed", "contradicted")

_FOLLOW_UP_ORIGINS = ("randomisation", "registration", "start of treatment")
_OUTCOME_ROLES = ("control", "experimental", "overall")
_NUMBER_KEYS = ("value", "source", "locator", "also", "note", "derived", "decimals")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_P_RE = re.compile(r"^\s*(<=|<|=)?\s*(\d*\.?\d+(?:[eE]-?\d+)?)\s*$")


# ---------------------------------------------------------------------------------------------
# Small result types
# ---------------------------------------------------------------------------------------------
class Provenance(NamedTuple):
    """Where a number comes from: a key of the trial's sources and a locator inside it."""

    source: str
    locator: str


@dataclass(frozen=True)
class Source:
    """A publication, abstract, news page or registry entry cited by a trial file.

    ``kind`` is one of :data:`SOURCE_KINDS`.
    """

    key: str
    citation: str
    kind: str
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Reported:
    """One number as a source printed it.

    Attributes
    ----------
    value : int, float or str
        The value as written (months, proportions, counts; a ``"YYYY-MM"`` string for dates).
    source, locator : str
        Source key and where in that source the number is printed.
    decimals : int
        Decimals of the value as reported (``12.2`` -> 1, ``33`` -> 0, ``0.507`` -> 3); rates
        count at least 2 (a whole percent). Checks use half a unit in the last place as the
        rounding tolerance.
    ci, iqr, range : (lower, upper) or None
        Interval printed with the value (``None`` for a bound "not reached").
    ci_decimals : int or None
        Decimals of the CI limits as reported.
    level : float
        Confidence level of ``ci``.
    derived : str or None
        How the value was derived from printed numbers, when it is not printed itself.
    also : tuple of str
        Other sources printing the same value.
    """

    value: Any
    source: str
    locator: str
    decimals: int = 0
    ci: tuple[float | None, float | None] | None = None
    ci_decimals: int | None = None
    iqr: tuple[float, float] | None = None
    range: tuple[float, float] | None = None
    level: float = 0.95
    derived: str | None = None
    also: tuple[str, ...] = ()
    note: str | None = None

    @property
    def provenance(self) -> Provenance:
        """``(source, locator)``."""
        return Provenance(self.source, self.locator)


@dataclass(frozen=True)
class ReportedP:
    """A reported p-value: ``value`` with ``relation`` ``"="`` (exact) or ``"<"`` (bound).

    ``test`` is what the source says about the test ("log-rank", "Wald", "not stated").
    """

    value: float
    relation: str = "="
    test: str = "not stated"
    decimals: int = 0
    source: str = ""
    locator: str = ""

    @property
    def exact(self) -> float | None:
        """The p-value when reported exactly, else ``None``."""
        return self.value if self.relation == "=" else None

    def __str__(self) -> str:
        rel = "" if self.relation == "=" else self.relation
        return f"p {rel or '='} {self.value:.{self.decimals}f}"


@dataclass(frozen=True)
class TrialArm:
    """A randomised (or enrolled) arm: its label, regimen and number of patients."""

    role: str
    label: str
    regimen: str
    n: int
    notes: str | None = None
    reported: Reported | None = None


@dataclass(frozen=True)
class Analysis:
    """One reported analysis (data cut-off) and its follow-up facts, in months."""

    key: str
    label: str
    data_cutoff: Reported | None = None
    median_follow_up: Reported | None = None
    max_follow_up: Reported | None = None
    follow_up_method: str = "not stated"
    notes: str | None = None


@dataclass(frozen=True)
class Endpoint:
    """One reported time-to-event analysis: both arms, the HR and where each number came from.

    Attributes
    ----------
    key, name, analysis : str
        Endpoint key in the file (``"os"``), its name, and the key of its :class:`Analysis`.
    control, experimental : ArmSummary
        Arm summaries (months). A single-arm endpoint has ``experimental = None``.
    hr : HazardRatio or None
        Experimental vs control hazard ratio; its ``p_value`` is set only when the source
        prints an exact p (see :attr:`p_value` for bounds such as ``p < 0.0001``).
    hr_adjusted : bool or None
        Whether the HR is adjusted (``None``: the source does not say).
    hr_adjusted_for : tuple of str
        Covariates of the adjustment, as named by the source (empty when not named).
    log_rank_p : float or None
        Exact p-value when the source says it is a log-rank p.
    p_value : ReportedP or None
        The comparison's p-value as printed (exact or a bound, with its test).
    provenance : mapping str -> Provenance
        ``"control.median" -> ("PM-NEJM", "abstract, Results ...")`` for every number; also
        ``"control.median_ci"``, ``"control.landmarks[24]"``, ``"hr"``, ``"hr.ci"``,
        ``"p_value"``, ``"control.median_follow_up"``, ``"control.max_follow_up"``...
    precision : mapping str -> int
        Decimals as reported, by the same paths (0 for ``33``, 1 for ``12.2``, 3 for a rate
        printed as ``50.7%``; rates count at least 2, a whole percent), plus
        ``"median_follow_up"`` for the pooled follow-up. See :meth:`decimals`.
    median_follow_up : float or None
        Median follow-up of both arms pooled (months) when the source gives only a pooled value;
        ``None`` when the arms carry their own published values.
    reported : mapping str -> Reported
        The full record of each value (interval, derivation, other sources), by path.
    assessment, time_origin, events_total, primary, notes
        Assessor (for PFS), clock start, total events when printed, whether this is the trial's
        headline analysis of the endpoint, free notes.
    """

    key: str
    name: str
    analysis: str
    control: ArmSummary
    experimental: ArmSummary | None = None
    hr: HazardRatio | None = None
    hr_adjusted: bool | None = None
    hr_adjusted_for: tuple[str, ...] = ()
    log_rank_p: float | None = None
    p_value: ReportedP | None = None
    provenance: Mapping[str, Provenance] = field(default_factory=dict)
    precision: Mapping[str, int] = field(default_factory=dict)
    reported: Mapping[str, Reported] = field(default_factory=dict)
    assessment: str | None = None
    time_origin: str = "randomisation"
    events_total: int | None = None
    median_follow_up: float | None = None
    primary: bool = False
    notes: str | None = None

    @property
    def arms(self) -> tuple[ArmSummary, ...]:
        """The arm summaries: ``(control, experimental)``, or ``(control,)`` for one arm."""
        if self.experimental is None:
            return (self.control,)
        return (self.control, self.experimental)

    @property
    def roles(self) -> tuple[str, ...]:
        """``("control", "experimental")`` or ``("control",)``."""
        return ARM_ROLES[: len(self.arms)]

    def arm(self, role_or_label: str) -> ArmSummary:
        """The arm by role (``"control"``) or label (``"Doxorubicin"``)."""
        for role, arm in zip(self.roles, self.arms, strict=True):
            if role_or_label in (role, arm.label):
                return arm
        names = [*self.roles, *(a.label for a in self.arms if a.label)]
        raise InputError(
            f"endpoint {self.key!r} has no arm {role_or_label!r}; use one of {names}."
        )

    def decimals(self, path: str) -> int:
        """Decimals of a quantity as reported, by provenance path (``"control.median"``).

        Examples
        --------
        >>> ep = load_trial("lms04").endpoints["pfs"]
        >>> ep.decimals("experimental.median"), ep.decimals("control.landmarks[12]")
        (1, 3)
        """
        try:
            return self.precision[path]
        except KeyError:
            raise InputError(
                f"endpoint {self.key!r} reports no quantity {path!r}; reported: "
                f"{sorted(self.precision)}."
            ) from None

    def rounding_tolerance(self, path: str) -> float:
        """Half a unit in the last reported decimal: 0.5 for ``33``, 0.05 for ``12.2``."""
        return 0.5 * 10.0 ** (-self.decimals(path))

    @property
    def sources(self) -> frozenset[str]:
        """Keys of every source this endpoint's numbers cite."""
        return frozenset(p.source for p in self.provenance.values())

    # -- display -------------------------------------------------------------------------
    def _hr_text(self) -> str:
        if self.hr is None:
            return ""
        ci = "" if self.hr.lower is None else f" ({self.hr.lower:g}-{self.hr.upper:g})"
        p = f", {self.p_value}" if self.p_value is not None else ""
        return f"HR {self.hr.estimate:g}{ci}{p}"

    def to_frame(self) -> pd.DataFrame:
        """One row per arm: ``arm``, ``n``, ``events``, median and its CI, landmark rates,
        follow-up (months); the HR row last (``arm = "experimental vs control"``).

        Examples
        --------
        >>> load_trial("lms04").endpoints["os"].to_frame()["median"].tolist()
        ['24 (19-31)', '33 (26-48)', '']
        """
        import pandas as pd

        from lmssurv._display import format_estimate

        rows = []
        for arm in self.arms:
            median = _median_text(arm)  # as published: "24 (19-31)", "NR (26-NR)"
            marks = "; ".join(
                f"S({t:g}) " + format_estimate(s, *arm.landmark_cis.get(t, (None, None)),
                                               digits=0, percent=True)
                if t in arm.landmark_cis else f"S({t:g}) {100 * s:.0f}%"
                for t, s in arm.landmarks.items())
            rows.append({"arm": arm.name, "n": arm.n, "events": arm.events, "median": median,
                         "landmarks": marks,
                         "median follow-up": arm.median_follow_up})
        if self.hr is not None:
            rows.append({"arm": "experimental vs control", "n": None, "events": None,
                         "median": "", "landmarks": self._hr_text(), "median follow-up": None})
        return pd.DataFrame(rows).astype({"n": "Int64", "events": "Int64"})

    def __repr__(self) -> str:
        arms = " vs ".join(_arm_text(a) for a in self.arms)
        hr = f"; {self._hr_text()}" if self.hr is not None else ""
        return f"<Endpoint {self.key!r}: {self.name}; {arms}{hr}>"

    def _repr_html_(self) -> str:
        from lmssurv._display import html_block

        frame = self.to_frame()
        return html_block(f"Endpoint {self.key}: {self.name} (months)",
                          frame.to_dict("records"))


@dataclass(frozen=True)
class OutcomeValue:
    """A proportion, count or other value for one arm (or the whole trial).

    ``ci`` is the exact binomial (Clopper-Pearson) 95% CI computed from ``count`` and ``n``
    when both are reported (``ci_method = "Clopper-Pearson"``), the printed CI otherwise.
    """

    value: float
    source: str
    locator: str
    count: int | None = None
    n: int | None = None
    ci: tuple[float, float] | None = None
    ci_method: str | None = None
    range: tuple[float, float] | None = None
    decimals: int = 0
    value_derived: bool = False
    also: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Outcome:
    """A non-time-to-event outcome (response, surgery, toxicity, baseline characteristic)."""

    key: str
    name: str
    category: str
    unit: str
    values: Mapping[str, OutcomeValue]
    analysis: str | None = None
    p_value: ReportedP | None = None
    notes: str | None = None


@dataclass(frozen=True)
class UnconfirmedClaim:
    """A value seen only in secondary or untraced sources; never used for reconstruction."""

    key: str
    claim: str
    endpoint: str
    quantity: str
    values: Mapping[str, float]
    source: str
    locator: str
    status: str
    note: str | None = None


@dataclass(frozen=True)
class Discrepancy:
    """Sources that disagree, which one the file follows, and why."""

    topic: str
    values: str
    follows: str
    reason: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trial:
    """A curated trial: design, sources, time-to-event endpoints and other outcomes.

    Build it with :func:`load_trial`. Times are months.

    Examples
    --------
    >>> trial = load_trial("lms04")
    >>> ep = trial.endpoints["os"]
    >>> ep.control.label, ep.control.median, ep.hr.estimate
    ('Doxorubicin', 24.0, 0.65)
    >>> ep.provenance["control.median"].source
    'PM-NEJM'
    """

    id: str
    title: str
    population: str
    line: str
    design: str
    randomised: bool
    sources: Mapping[str, Source]
    arms: Mapping[str, TrialArm]
    analyses: Mapping[str, Analysis]
    endpoints: Mapping[str, Endpoint]
    design_facts: Mapping[str, Reported] = field(default_factory=dict)
    design_notes: Mapping[str, str] = field(default_factory=dict)
    outcomes: Mapping[str, Outcome] = field(default_factory=dict)
    unconfirmed: tuple[UnconfirmedClaim, ...] = ()
    discrepancies: tuple[Discrepancy, ...] = ()
    missing: tuple[str, ...] = ()
    acronym: str | None = None
    nct: str | None = None
    population_detail: str | None = None
    design_detail: str | None = None
    notes: str | None = None
    path: str | None = None

    @property
    def name(self) -> str:
        """Acronym when there is one, else the id."""
        return self.acronym or self.id

    @classmethod
    def from_summaries(cls, name: str, endpoints: Mapping[str, object], **kwargs) -> Trial:
        """Your own trial from :class:`ArmSummary` / :class:`HazardRatio` objects.

        ``endpoints={"pfs": (control, experimental, hr), "os": (control, experimental)}``;
        one-arm endpoints as ``(arm,)``. Keywords: ``title``, ``population``, ``line``,
        ``design`` (free text), ``decimals`` (as printed, for the checks' rounding),
        ``time_unit`` (converted to months once). See
        :func:`lmssurv.own_trial.trial_from_summaries`.

        Examples
        --------
        >>> arm = ArmSummary(n=40, events=30, median=8.5, label="Gemcitabine")
        >>> Trial.from_summaries("Phase 2", {"pfs": (arm,)}, population="uLMS").endpoint("pfs")
        <Endpoint 'pfs': Progression-free survival; Gemcitabine n=40, 30 events, median 8.5>
        """
        from lmssurv.own_trial import trial_from_summaries

        return trial_from_summaries(name, endpoints, **kwargs)

    @classmethod
    def from_dict(cls, doc: Mapping, *, decimals: Mapping[str, int] | None = None) -> Trial:
        """Your own trial from a plain dict of numbers (the layout of a short TOML file).

        See :func:`lmssurv.own_trial.trial_from_dict` for the layout;
        :func:`load_trial` reads the same layout from a ``.toml`` file.

        Examples
        --------
        >>> Trial.from_dict({"name": "Demo", "endpoints": {"os": {"control": {"n": 20}}}})
        <Trial 'Demo': 1 endpoint (os); population not stated, line not stated>
        """
        from lmssurv.own_trial import trial_from_dict

        return trial_from_dict(doc, decimals=decimals)

    def __repr__(self) -> str:
        keys = list(self.endpoints)
        shown = ", ".join(keys[:6]) + (f", ... ({len(keys) - 6} more)" if len(keys) > 6 else "")
        count = f"{len(keys)} endpoint{'s' if len(keys) != 1 else ''}"
        return (f"<Trial {self.name!r}: {count} ({shown}); population {self.population}, "
                f"line {self.line}>")

    def _repr_html_(self) -> str:
        from lmssurv._display import html_block

        rows = []
        for ep in self.endpoints.values():
            rows.append({
                "endpoint": ep.key, "name": ep.name,
                "control": _arm_text(ep.control),
                "experimental": "" if ep.experimental is None else _arm_text(ep.experimental),
                "comparison": ep._hr_text(),
            })
        lines = [f"{self.title}", f"population: {self.population}; line: {self.line}; "
                 f"design: {self.design}" + (f"; {self.nct}" if self.nct else "")
                 + ("; times in months" if rows else "")]
        return html_block(f"Trial {self.name}", rows, lines)

    def endpoint(self, key: str) -> Endpoint:
        """The endpoint ``key`` in any case (``"OS"`` is ``"os"``), or an error listing them.

        Examples
        --------
        >>> load_trial("lms04").endpoint("PFS").key
        'pfs'
        """
        if isinstance(key, str):
            if key in self.endpoints:
                return self.endpoints[key]
            folded = {k.casefold(): k for k in self.endpoints}
            if key.casefold() in folded:
                return self.endpoints[folded[key.casefold()]]
        if not self.endpoints:
            raise InputError(
                f"trial {self.name!r} has no time-to-event endpoints, so there is no {key!r}; "
                "add one (Trial.from_summaries(..., endpoints={'os': (control, "
                "experimental, hr)}) or an [endpoints.os] table in the TOML)."
            )
        close = difflib.get_close_matches(str(key).casefold(), list(self.endpoints), n=1,
                                          cutoff=0.5)  # short keys: "ox" -> "os"
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise InputError(
            f"trial {self.name!r} has no endpoint {str(key)[:60]!r}; its endpoints: "
            f"{', '.join(sorted(self.endpoints))}.{hint}"
        )

    def reconstruct(self, endpoint: str, seed: int = 0) -> pd.DataFrame:
        """Rebuild pseudo-patients for one endpoint from its published summary.

        Parameters
        ----------
        endpoint : str
            Endpoint key, e.g. ``"os"`` or ``"pfs"``.
        seed : int
            Seed of the reconstruction's random generator.

        Returns
        -------
        pandas.DataFrame
            Columns ``arm`` (the arm label), ``time`` (months) and ``event`` (1 = event,
            0 = censored); diagnostics in ``df.attrs``. Calls
            :func:`lmssurv.reconstruct.from_summary.reconstruct_trial` (or ``reconstruct_arm``
            for a single-arm endpoint).

        Examples
        --------
        >>> ipd = load_trial("lms04").reconstruct("os", seed=0)
        >>> sorted(ipd["arm"].unique())
        ['Doxorubicin', 'Doxorubicin + trabectedin']
        """
        ep = self.endpoint(endpoint)
        # Imported here: loading and auditing trial files does not need the engine (scipy).
        from lmssurv.reconstruct.from_summary import (
            endpoint_kind,
            reconstruct_arm,
            reconstruct_trial,
        )

        def _engine_endpoint(ep) -> str | None:
            """The engine's kind of endpoint from the key or name; None when neither says."""
            for text in (getattr(ep, "key", None), getattr(ep, "name", None)):
                if text is None:
                    continue
                try:
                    return endpoint_kind(text)
                except InputError:
                    continue
            return None

        if ep.experimental is None:
            df = reconstruct_arm(ep.control, seed=seed, endpoint=_engine_endpoint(ep))
            if "arm" not in df.columns:
                df.insert(0, "arm", ep.control.label or "control")
            return df
        return reconstruct_trial(ep.control, ep.experimental, hr=ep.hr, seed=seed,
                                 endpoint=_engine_endpoint(ep))

    def reconstruct_ensemble(self, endpoint: str, draws: int = 200, seed: int = 0
                             ) -> pd.DataFrame:
        """Draw plausible pseudo-trials for one endpoint (see :func:`lmssurv.reconstruct_ensemble`).

        Parameters
        ----------
        endpoint : str
            Endpoint key, e.g. ``"os"`` or ``"pfs"``.
        draws : int
            Number of pseudo-trials.
        seed : int
            Seed of every random step.

        Returns
        -------
        pandas.DataFrame
            Columns ``draw``, ``arm``, ``time`` (months), ``event``; diagnostics in ``attrs``.

        Examples
        --------
        >>> ens = load_trial("lms04").reconstruct_ensemble("os", draws=5, seed=0)
        >>> sorted(ens["draw"].unique().tolist())
        [0, 1, 2, 3, 4]
        """
        from lmssurv.reconstruct.ensemble import reconstruct_ensemble
        from lmssurv.reconstruct.from_summary import endpoint_kind

        ep = self.endpoint(endpoint)
        kind = None
        for text in (getattr(ep, "key", None), getattr(ep, "name", None)):
            try:
                kind = endpoint_kind(text) if text is not None else None
            except InputError:
                continue
            if kind is not None:
                break
        return reconstruct_ensemble(ep.control, ep.experimental, hr=ep.hr, draws=draws,
                                    seed=seed, endpoint=kind)

    def to_frame(self) -> pd.DataFrame:
        """Every sourced number of the trial as a tidy table.

        Columns: ``section`` (design, analysis, endpoint, outcome, unconfirmed), ``key``,
        ``quantity`` (provenance path), ``value``, ``lower``, ``upper``, ``source``,
        ``locator``, ``kind`` (of the source).
        """
        import pandas as pd

        rows = []

        def add(section, key, quantity, rep, value=None, ci=None):
            lo, hi = (ci if ci is not None else (None, None))
            rows.append({
                "section": section, "key": key, "quantity": quantity,
                "value": rep.value if value is None else value,
                "lower": lo, "upper": hi, "source": rep.source, "locator": rep.locator,
                "kind": self.sources[rep.source].kind,
            })

        for k, rep in self.design_facts.items():
            add("design", k, k, rep, ci=rep.ci)
        for role, arm in self.arms.items():
            if arm.reported is not None:  # a trial from your own summaries cites nothing
                add("arms", role, "n", arm.reported)
        for a in self.analyses.values():
            for name in ("data_cutoff", "median_follow_up", "max_follow_up"):
                rep = getattr(a, name)
                if rep is not None:
                    add("analysis", a.key, name, rep, ci=rep.iqr)
        for ep in self.endpoints.values():
            for path, rep in ep.reported.items():
                if path.endswith("_ci") or path.endswith(".ci"):
                    continue
                add("endpoint", ep.key, path, rep, ci=rep.ci)
        for oc in self.outcomes.values():
            for role, v in oc.values.items():
                rows.append({
                    "section": "outcome", "key": oc.key, "quantity": role, "value": v.value,
                    "lower": v.ci[0] if v.ci else None, "upper": v.ci[1] if v.ci else None,
                    "source": v.source, "locator": v.locator,
                    "kind": self.sources[v.source].kind,
                })
        for c in self.unconfirmed:
            for role, value in c.values.items():
                rows.append({
                    "section": "unconfirmed", "key": c.key, "quantity": f"{c.quantity}.{role}",
                    "value": value, "lower": None, "upper": None, "source": c.source,
                    "locator": c.locator, "kind": self.sources[c.source].kind,
                })
        return pd.DataFrame(rows)


def _median_text(arm: ArmSummary) -> str:
    if arm.median is None and arm.median_ci is None:
        return ""
    lo, hi = arm.median_ci or (None, None)

    def f(x):
        return "NR" if x is None else f"{x:g}"

    ci = "" if arm.median_ci is None else f" ({f(lo)}-{f(hi)})"
    return f"{f(arm.median)}{ci}"


def _arm_text(arm: ArmSummary) -> str:
    parts = [f"{arm.name} n={arm.n}"]
    if arm.events is not None:
        parts.append(f"{arm.events} events")
    if arm.median is not None or arm.median_ci is not None:
        parts.append(f"median {_median_text(arm)}")
    return ", ".join(parts)


# ---------------------------------------------------------------------------------------------
# Binomial CI
# ---------------------------------------------------------------------------------------------
def exact_binomial_ci(count: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) confidence interval of a proportion ``count / n``.

    Parameters
    ----------
    count, n : int
        Responders (or events) and patients, ``0 <= count <= n``, ``n >= 1``.
    level : float
        Confidence level.

    Returns
    -------
    (float, float)
        Lower and upper limits; 0 and 1 at the edges.

    References
    ----------
    Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case of
    the binomial. Biometrika 1934;26:404-413.

    Examples
    --------
    >>> lo, hi = exact_binomial_ci(27, 74)
    >>> round(lo, 3), round(hi, 3)
    (0.256, 0.485)
    """
    from lmssurv._validation import MAX_PATIENTS, check_fraction, check_whole

    n = check_whole("n", n, minimum=1, maximum=MAX_PATIENTS,
                    hint="n is the number of patients.")
    count = check_whole("count", count, minimum=0)
    if count > n:
        raise InputError(f"count ({count}) cannot exceed n ({n}).")
    level = check_fraction("level", level)
    # Beta quantiles via the inverse regularised incomplete beta (what scipy.stats.beta.ppf
    # calls), imported on use: scipy.stats takes seconds to import and every trial file with a
    # response rate needs this.
    from scipy.special import betaincinv

    alpha = 1.0 - level
    lower = 0.0 if count == 0 else float(betaincinv(count, n - count + 1, alpha / 2))
    upper = 1.0 if count == n else float(betaincinv(count + 1, n - count, 1 - alpha / 2))
    return lower, upper


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
    """Ids of the trials shipped with lmssurv (the ``*.toml`` files in ``lmssurv.data``).

    Examples
    --------
    >>> "lms04" in list_trials()
    True
    """
    root = resources.files("lmssurv.data")
    return sorted(
        p.name[: -len(".toml")] for p in root.iterdir() if p.name.endswith(".toml")
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
    if isinstance(x, float):
        text = repr(x)
        if "e" in text or "E" in text:
            mantissa, exp = text.lower().split("e")
            frac = mantissa.split(".")[1] if "." in mantissa else ""
            frac = "" if frac == "0" else frac
            return max(0, len(frac) - int(exp))
        return len(text.split(".")[1]) if "." in text else 0
    if isinstance(x, str):
        m = _P_RE.match(x)
        if m and "." in m.group(2):
            return len(m.group(2).split(".")[1])
    return 0


def _months_between(start: str, end: str) -> int:
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
        self.parse_sources(doc["sources"])
        meta = self.keys(doc["trial"], "trial",
                         ("id", "acronym", "title", "nct", "population", "population_detail",
                          "line", "design", "randomised", "design_detail", "missing", "notes"),
                         ("id", "title", "population", "line", "design", "randomised", "missing"))
        design_facts, design_notes = self.parse_design(doc.get("design", {}))
        arm_n: dict[str, Reported] = {}
        arms = self.parse_arms(doc["arms"], arm_n)
        analyses = self.parse_analyses(doc.get("analyses", {}), design_facts)
        endpoints = {
            key: self.parse_endpoint(key, raw, arms, arm_n, analyses, design_facts)
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

    def parse_sources(self, raw: object) -> None:
        table = self.keys(raw, "sources", tuple(raw) if isinstance(raw, dict) else ())
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
            self.sources[key] = Source(
                key=key, citation=self.text(entry, "citation", path),
                kind=self.text(entry, "kind", path, choices=SOURCE_KINDS),
                doi=self.text(entry, "doi", path), pmid=pmid,
                url=self.text(entry, "url", path), note=self.text(entry, "note", path),
            )

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
            span = _months_between(facts["accrual_start"].value, facts["accrual_end"].value)
            if span < 0:
                raise self.fail("design.accrual_end", "is before accrual_start.",
                                "check the two dates (YYYY-MM).")
            if "accrual" in facts and abs(facts["accrual"].value - span) > 1:
                raise self.fail(
                    "design.accrual",
                    f"{_short(facts['accrual'].value)} months disagrees with accrual_start to "
                    f"accrual_end ({span} months).", "correct one of the three.")
        return facts, notes

    def parse_arms(self, raw: object, arm_n: dict) -> dict[str, TrialArm]:
        table = self.keys(raw, "arms", ARM_ROLES, ("control",))
        arms = {}
        for role, entry in table.items():
            path = f"arms.{role}"
            self.keys(entry, path, ("label", "regimen", "n", "notes"), ("label", "regimen", "n"))
            rep = self.number(entry["n"], f"{path}.n")
            arm_n[role] = rep
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
                months = _months_between(start.value, cutoff.value)
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

    def parse_endpoint(self, key: str, raw: object, arms: dict[str, TrialArm], arm_n: dict,
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
            summaries[role] = self.parse_arm_summary(
                entry[role], f"{path}.{role}", role, arms[role], arm_n[role], analysis,
                design, origin, reported,
            )
        hr, adjusted, adjusted_for, p = None, None, (), None
        if "hr" in entry:
            if "experimental" not in summaries:
                raise self.fail(f"{path}.hr", "an HR needs two arms.",
                                f"add [{path}.experimental] or drop the HR.")
            hr, adjusted, adjusted_for, p = self.parse_hr(entry["hr"], f"{path}.hr", reported)
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
        if (not per_arm and origin in _FOLLOW_UP_ORIGINS
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
                          arm_n: Reported, analysis: Analysis, design: dict, origin: str,
                          reported: dict[str, Reported]) -> ArmSummary:
        entry = self.keys(raw, path, ("label", "n", "events", "median", "landmarks",
                                      "median_follow_up", "max_follow_up", "notes"))
        if "n" in entry:
            n_rep = self.number(entry["n"], f"{path}.n")
        else:
            n_rep = arm_n
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
        landmarks, landmark_cis = {}, {}
        raw_marks = entry.get("landmarks", [])
        if not isinstance(raw_marks, list):
            raise self.fail(f"{path}.landmarks", "must be a list of inline tables.",
                            "write landmarks = [{ time = 24, value = 0.49, source = ..., "
                            "locator = ... }].")
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
        follows_trial = origin in _FOLLOW_UP_ORIGINS
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
        label = self.text(entry, "label", path, default=arm.label)
        try:
            return ArmSummary(
                n=n, events=events, median=median, median_ci=median_ci, landmarks=landmarks,
                landmark_cis=landmark_cis, median_follow_up=mfu, max_follow_up=mx,
                accrual=accrual, label=label,
            )
        except InputError as err:
            raise self.fail(path, str(err), "correct the number in the file, or its source."
                            ) from err

    def parse_hr(self, raw: object, path: str, reported: dict[str, Reported]):
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
        reported["hr"] = rep
        if rep.ci is not None:
            reported["hr.ci"] = rep
        if p is not None:
            reported["p_value"] = Reported(
                value=p.value, source=rep.source, locator=rep.locator, decimals=p.decimals,
                note=f"relation {p.relation!r}, test {p.test}",
            )
        return hr, adjusted, adjusted_for, p

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
            rep = self.number(entry[role], rpath, extra=("count", "n", "ci", "range", "level"),
                              rate=unit == "proportion", required_value=False)
            count = n = None
            if "count" in entry[role] or "n" in entry[role]:
                if unit != "proportion" or "count" not in entry[role] or "n" not in entry[role]:
                    raise self.fail(rpath, "count and n go together, on a proportion.",
                                    'give both count and n, and unit = "proportion".')
                count, n = entry[role]["count"], entry[role]["n"]
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
            values[role] = OutcomeValue(
                value=float(value), source=rep.source, locator=rep.locator, count=count, n=n,
                ci=ci, ci_method=method, range=rep.range,
                decimals=rep.decimals if not derived else 3, value_derived=derived,
                also=rep.also, note=rep.note,
            )
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
