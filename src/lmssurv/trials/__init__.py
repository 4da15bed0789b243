"""Curated trial files (``data/*.toml``) turned into validated, cited dataclasses.

A trial file records what publications reported about one trial, every number next to the
source that printed it and a locator inside that source. :func:`load_trial` reads a file with
:mod:`tomllib` only (reading a trial file never executes anything from it), checks it against the
schema documented in ``data/README.md`` and returns a frozen :class:`Trial` whose endpoints hold
:class:`~lmssurv.summary.ArmSummary` and :class:`~lmssurv.summary.HazardRatio` objects ready for
reconstruction. Times are months throughout; rates are proportions.

Every problem in a file raises :class:`~lmssurv.InputError` naming the file, the key path (e.g.
``endpoints.os.control.median``) and the fix.

The package has three rooms: :mod:`~lmssurv.trials.model` (the dataclasses),
:mod:`~lmssurv.trials.parse` (TOML document -> model) and :mod:`~lmssurv.trials.io` (names of the
shipped trials, reading a file).
"""

from __future__ import annotations

from lmssurv.stats import exact_binomial_ci
from lmssurv.trials.io import as_trial, list_trials, load_trial, resolve_trial_name
from lmssurv.trials.model import (
    ARM_ROLES,
    CLAIM_STATUSES,
    LINES,
    OUTCOME_CATEGORIES,
    POPULATIONS,
    SOURCE_KINDS,
    TIME_ORIGINS,
    Analysis,
    Discrepancy,
    Endpoint,
    Outcome,
    OutcomeValue,
    Provenance,
    Reported,
    ReportedP,
    Source,
    Trial,
    TrialArm,
    UnconfirmedClaim,
)
from lmssurv.trials.parse import months_between

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
    "months_between",
    "resolve_trial_name",
]
