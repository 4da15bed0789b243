"""The curated-trial data model: frozen, cited dataclasses (times in months, rates as proportions).

:class:`Trial` holds a trial's sources, arms, analyses, time-to-event :class:`Endpoint` s (whose arms
are :class:`~lmssurv.summary.ArmSummary` objects ready for reconstruction) and other
:class:`Outcome` s. :func:`lmssurv.trials.load_trial` builds one from a ``data/*.toml`` file.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from lmssurv._validation import InputError
from lmssurv.summary import ArmSummary, HazardRatio

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ARM_ROLES",
    "CLAIM_STATUSES",
    "FOLLOW_UP_ORIGINS",
    "LINES",
    "OUTCOME_CATEGORIES",
    "POPULATIONS",
    "SCHEMA_VERSION",
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

#: Time origins whose endpoints inherit the trial's follow-up facts.
FOLLOW_UP_ORIGINS = ("randomisation", "registration", "start of treatment")

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
        prints an exact p (see :attr:`p_value` for bounds such as ``p < 0.0001``), whatever
        its test. :meth:`Trial.reconstruct` passes it, and the engine's self-check compares it
        with the rebuild's unstratified log-rank p as :func:`lmssurv.check` compares
        :attr:`p_value`: the same number, the same rule.
    hr_adjusted : bool or None
        Whether the HR is adjusted (``None``: the source does not say).
    hr_adjusted_for : tuple of str
        Covariates of the adjustment, as named by the source (empty when not named).
    log_rank_p : float or None
        Exact p-value when the source says it is a log-rank p (descriptive: the checks compare
        the printed p whatever its test; no curated source names its test yet).
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
        >>> from lmssurv.trials import load_trial
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
        >>> from lmssurv.trials import load_trial
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

    Build it with :func:`~lmssurv.trials.load_trial`. Times are months.

    Examples
    --------
    >>> from lmssurv.trials import load_trial
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
        :func:`~lmssurv.trials.load_trial` reads the same layout from a ``.toml`` file.

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
        >>> from lmssurv.trials import load_trial
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

    def trial_follow_up(self, endpoint: str | Endpoint) -> float | None:
        """The endpoint's median follow-up when the paper gave one figure for the whole trial.

        The endpoint's pooled value (:attr:`Endpoint.median_follow_up`), or its analysis's
        median follow-up when both arms carry that very record; None when the arms have
        their own values or none is published. :meth:`reconstruct` places and self-checks the
        rows on it, and :func:`lmssurv.check` compares it, as the reverse-KM median of both
        arms pooled.

        Examples
        --------
        >>> from lmssurv.trials import load_trial
        >>> load_trial("eortc62012").trial_follow_up("os")
        56.0
        """
        ep = endpoint if isinstance(endpoint, Endpoint) else self.endpoint(endpoint)
        if ep.median_follow_up is not None:
            return float(ep.median_follow_up)
        analysis = self.analyses.get(ep.analysis)
        pooled = getattr(analysis, "median_follow_up", None)
        reported = ep.reported or {}
        if pooled is not None and all(
            reported.get(f"{role}.median_follow_up") is pooled for role in ARM_ROLES
        ):
            return float(pooled.value)
        return None

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
            for a single-arm endpoint), with the trial's median follow-up
            (:meth:`trial_follow_up`) when the paper gives one figure for both arms.

        Examples
        --------
        >>> from lmssurv.trials import load_trial
        >>> ipd = load_trial("lms04").reconstruct("os", seed=0)
        >>> sorted(ipd["arm"].unique())
        ['Doxorubicin', 'Doxorubicin + trabectedin']
        """
        ep = self.endpoint(endpoint)
        # Imported here: loading and auditing trial files does not need the engine (scipy).
        from lmssurv.reconstruct.from_summary import reconstruct_arm, reconstruct_trial

        if ep.experimental is None:
            df = reconstruct_arm(ep.control, seed=seed, endpoint=_engine_endpoint(ep))
            if "arm" not in df.columns:
                df.insert(0, "arm", ep.control.label or "control")
            return df
        return reconstruct_trial(ep.control, ep.experimental, hr=ep.hr, seed=seed,
                                 endpoint=_engine_endpoint(ep),
                                 median_follow_up=self.trial_follow_up(ep))

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
        >>> from lmssurv.trials import load_trial
        >>> ens = load_trial("lms04").reconstruct_ensemble("os", draws=5, seed=0)
        >>> sorted(ens["draw"].unique().tolist())
        [0, 1, 2, 3, 4]
        """
        from lmssurv.reconstruct.ensemble import reconstruct_ensemble

        ep = self.endpoint(endpoint)
        return reconstruct_ensemble(
            ep.control, ep.experimental, hr=ep.hr, draws=draws, seed=seed,
            endpoint=_engine_endpoint(ep),
            median_follow_up=None if ep.experimental is None else self.trial_follow_up(ep))

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


def _engine_endpoint(ep) -> str | None:
    """The summary engine's kind of endpoint (``"os"``, ``"pfs"``) from an endpoint's key or
    name; None when neither says."""
    # on use, as in Trial.reconstruct: loading and auditing trial files does not need scipy
    from lmssurv.reconstruct.from_summary import endpoint_kind

    for text in (getattr(ep, "key", None), getattr(ep, "name", None)):
        if text is None:
            continue
        try:
            return endpoint_kind(text)
        except InputError:
            continue
    return None
