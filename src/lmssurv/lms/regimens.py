"""The LMS regimen library put on one footing: reconstructed curves, summary table, forest rows.

Everything here is built from the curated trial files (``data/*.toml``) through
:func:`lmssurv.trials.load_trial`, the summary engine and :mod:`lmssurv.compare`. Every row carries
the caveats that decide how far a cross-trial comparison can go (:data:`~lmssurv.compare.CAVEAT_COLUMNS`:
trial, population, line, design, randomised). Times are months.

None of the cross-trial contrasts here is randomised: curves from different trials differ in
population, era, line and follow-up, and the reconstructions rest only on the published numbers.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import NamedTuple, get_type_hints

import pandas as pd

from lmssurv._validation import InputError
from lmssurv.compare import (
    Caveats,
    bucher,
    combine_tables,
    hazard_ratio_from_p,
    summarise_arms,
)
from lmssurv.summary import HazardRatio
from lmssurv.trials import Trial, list_trials, load_trial

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "CHECK_OUTCOME_COLUMNS",
    "REGIMEN_TRIALS",
    "DirectComparison",
    "IndirectComparison",
    "MissedNumbers",
    "RegimenList",
    "caveats_of",
    "check_outcome",
    "check_outcomes",
    "hr_as_printed",
    "forest_table",
    "load_regimen_list",
    "regimen_checks",
    "regimen_ipd",
    "regimen_summary",
    "regimen_table",
]

class DirectComparison(NamedTuple):
    """A trial's own HR against doxorubicin: ``endpoint`` of ``trial``, labelled ``comparison``."""

    trial: str
    endpoint: str
    comparison: str


class IndirectComparison(NamedTuple):
    """A Bucher comparison of ``a`` vs ``b`` through ``c``, from two trials' HRs of ``endpoint``.

    ``trial_ac`` holds the HR of a vs c and ``trial_bc`` that of b vs c; ``invert_bc``: it is
    stored the other way round (c vs b) in its file.
    """

    trial_ac: str
    trial_bc: str
    endpoint: str
    a: str
    b: str
    c: str
    invert_bc: bool


@dataclass(frozen=True)
class RegimenList:
    """The curated regimen comparison (``data/regimens.toml``): trials and forest-plot rows."""

    trials: tuple[str, ...]
    direct: tuple[DirectComparison, ...]
    indirect: tuple[IndirectComparison, ...]


def _entries(doc: dict, key: str, row: type, label: str) -> tuple:
    """The ``[[key]]`` tables of the regimen list as ``row`` tuples, each field checked."""
    raw = doc.get(key, [])
    if not isinstance(raw, list):
        raise InputError(f"{label}: {key} must be an array of tables, got {raw!r}; write each "
                         f"entry as [[{key}]].")
    out = []
    for i, entry in enumerate(raw):
        where = f"{label}: {key}[{i}]"
        fields = get_type_hints(row)  # field -> str or bool
        if not isinstance(entry, dict) or set(entry) != set(fields):
            got = sorted(entry) if isinstance(entry, dict) else entry
            raise InputError(f"{where} must have exactly the keys {sorted(fields)}, got {got!r}.")
        for name, kind in fields.items():
            if not isinstance(entry[name], kind):
                raise InputError(f"{where}.{name} must be {kind.__name__}, got "
                                 f"{entry[name]!r}.")
        out.append(row(**{name: entry[name] for name in fields}))
    return tuple(out)


def load_regimen_list(text: str | None = None) -> RegimenList:
    """The curated list of regimen trials and comparisons, from ``data/regimens.toml``.

    Parameters
    ----------
    text : str, optional
        TOML text in the same layout, instead of the shipped file.

    Raises
    ------
    InputError
        Naming the entry and the key when the file does not follow its layout, or names a trial
        that has no curated file.

    Examples
    --------
    >>> regimens = load_regimen_list()
    >>> regimens.trials[0], regimens.direct[0]
    ('lms04', DirectComparison(trial='lms04', endpoint='os', comparison='DOX + trabectedin vs DOX'))
    """
    label = "regimens.toml"
    if text is None:
        text = resources.files("lmssurv.data").joinpath(label).read_text("utf-8")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{label}: not valid TOML ({err}). Fix the syntax there.") from err
    if doc.get("schema_version") != 1:
        raise InputError(f"{label}: schema_version must be 1, got "
                         f"{doc.get('schema_version')!r}.")
    trials = doc.get("trials")
    if not (isinstance(trials, list) and trials and all(isinstance(t, str) for t in trials)):
        raise InputError(f"{label}: trials must be a list of trial ids, got {trials!r}.")
    listed = tuple(trials)
    direct = _entries(doc, "direct", DirectComparison, label)
    indirect = _entries(doc, "indirect", IndirectComparison, label)
    known = set(list_trials())
    named = [*listed, *(d.trial for d in direct),
             *(t for x in indirect for t in (x.trial_ac, x.trial_bc))]
    unknown = sorted({t for t in named if t not in known})
    if unknown:
        raise InputError(f"{label}: no curated trial file for {unknown}; curated trials: "
                         f"{sorted(known)}.")
    return RegimenList(listed, direct, indirect)


_REGIMENS = load_regimen_list()

#: Trials in the regimen comparison (ids of ``data/*.toml``), from ``data/regimens.toml``.
REGIMEN_TRIALS = _REGIMENS.trials


def caveats_of(trial: Trial) -> Caveats:
    """The :class:`~lmssurv.compare.Caveats` of a curated trial (from its ``[trial]`` table).

    Examples
    --------
    >>> caveats_of(load_trial("lms04")).population
    'LMS only'
    """
    return Caveats(trial.name, trial.population, trial.line, trial.design, trial.randomised)


def _panel(line: str) -> str:
    return "first line" if line == "first line" else "pretreated or mixed lines"


def regimen_ipd(endpoint: str, *, trials: Iterable[str] = REGIMEN_TRIALS,
                seed: int = 0) -> pd.DataFrame:
    """Reconstructed pseudo-patients of every curated arm reporting ``endpoint``.

    Parameters
    ----------
    endpoint : {"os", "pfs"}
        Endpoint key in the trial files (the headline analysis of each trial).
    trials : iterable of str
        Trial ids; default :data:`REGIMEN_TRIALS`. Trials without the endpoint are skipped.
    seed : int
        Seed passed to every reconstruction.

    Returns
    -------
    DataFrame
        Columns ``regimen`` (arm label), ``arm`` (``"<label> | <trial>"``, unique), ``time``
        (months), ``event``, ``panel`` (``"first line"`` or ``"pretreated or mixed lines"``),
        ``trial_id`` (the curated file's id), the caveat columns and ``evidence``.

    Examples
    --------
    >>> ipd = regimen_ipd("os", trials=["lms04"])
    >>> sorted(ipd["arm"].unique())
    ['Doxorubicin + trabectedin | LMS-04', 'Doxorubicin | LMS-04']
    """
    if endpoint not in ("os", "pfs"):
        raise InputError(f"endpoint must be 'os' or 'pfs', got {endpoint!r}.")
    frames = []
    for tid in trials:
        trial = load_trial(tid)
        if endpoint not in trial.endpoints:
            continue
        cav = caveats_of(trial)
        ipd = trial.reconstruct(endpoint, seed=seed)
        frames.append(ipd.assign(
            regimen=ipd["arm"], arm=ipd["arm"] + " | " + trial.name,
            panel=_panel(trial.line), trial_id=trial.id, **cav.as_dict(),
        ))
    if not frames:
        raise InputError(f"none of the trials {list(trials)} reports {endpoint!r}.")
    return pd.concat(frames, ignore_index=True)


def regimen_summary(endpoint: str, *, trials: Iterable[str] = REGIMEN_TRIALS, seed: int = 0,
                    taus: tuple[float, ...] = (12.0, 24.0)) -> pd.DataFrame:
    """Median, RMST at ``taus`` and landmark survival with CIs for every reconstructed arm.

    A cross-trial table built with :func:`lmssurv.compare.summarise_arms` and
    :func:`lmssurv.compare.combine_tables`: one row per (arm, quantity, time) with the caveat
    columns and the evidence level. Quantities the reconstruction cannot support (follow-up
    shorter than the horizon) are ``nan`` with a note.

    Examples
    --------
    >>> tab = regimen_summary("os", trials=["lms04"])
    >>> tab.query("quantity == 'median'")["estimate"].round(1).tolist()
    [24.0, 33.0]
    """
    tables = []
    for tid in trials:
        trial = load_trial(tid)
        if endpoint not in trial.endpoints:
            continue
        ipd = trial.reconstruct(endpoint, seed=seed)
        tab = summarise_arms(ipd, taus=taus, landmarks=taus, caveats=caveats_of(trial))
        tables.append(tab.assign(endpoint=endpoint))
    return combine_tables(tables)


def regimen_table(endpoint: str, *, trials: Iterable[str] = REGIMEN_TRIALS, seed: int = 0,
                  taus: tuple[float, ...] = (12.0, 24.0)) -> pd.DataFrame:
    """:func:`regimen_summary` for reading: one row per arm, each quantity as "est (low-high)".

    Medians and RMST in months with one decimal, survival in percent; a CI limit the rebuilt
    data do not reach prints ``NE`` (:func:`lmssurv.format_estimate`). The caveat columns
    (trial, arm, population, line, evidence) lead each row.

    Examples
    --------
    >>> regimen_table("os", trials=["lms04"])[["arm", "median"]].to_numpy().tolist()
    [['Doxorubicin', '24.0 (19.0-31.0)'], ['Doxorubicin + trabectedin', '33.0 (26.0-48.0)']]
    """
    from lmssurv._display import format_estimate

    tab = regimen_summary(endpoint, trials=trials, seed=seed, taus=taus)
    survival = tab["quantity"] == "survival"
    tab["value"] = [
        format_estimate(est, low, high, digits=0 if surv else 1, percent=surv)
        for est, low, high, surv in zip(tab["estimate"], tab["lower 95%"], tab["upper 95%"],
                                        survival, strict=True)]
    tab["what"] = tab["quantity"] + tab["time"].map(lambda t: "" if pd.isna(t) else f" {t:g} mo")
    out = tab.pivot_table(index=["trial", "arm", "population", "line", "evidence"],
                          columns="what", values="value", aggfunc="first", sort=False)
    out.columns.name = None
    return out.reset_index()


def _hr(trial: Trial, endpoint: str) -> tuple[HazardRatio, str]:
    hr = trial.endpoint(endpoint).hr
    if hr is None:
        raise InputError(f"{trial.id} {endpoint} has no HR.")
    if hr.lower is not None:
        return hr, "published"
    if hr.p_value is None:
        raise InputError(f"{trial.id} {endpoint} HR has neither a CI nor an exact p.")
    return hazard_ratio_from_p(hr.estimate, hr.p_value), "derived from p"


def _invert(hr: HazardRatio) -> HazardRatio:
    return HazardRatio(1 / hr.estimate, 1 / hr.upper, 1 / hr.lower, p_value=hr.p_value,
                       level=hr.level)


def forest_table() -> pd.DataFrame:
    """Hazard ratios against doxorubicin (direct) and between regimens (Bucher, through a
    common comparator), with CIs, caveats and assumptions.

    Direct HRs are the published ones (experimental vs doxorubicin); where a paper printed no CI
    it is derived from the exact p (:func:`lmssurv.compare.hazard_ratio_from_p`, column
    ``ci_source``). Indirect rows use :func:`lmssurv.compare.bucher`.

    Returns
    -------
    DataFrame
        One row per comparison: ``endpoint``, ``comparison``, ``kind`` (``"direct, randomised"``,
        ``"direct, not randomised"``, ``"indirect (Bucher)"``), ``hr``, ``lower 95%``,
        ``upper 95%``, ``ci_source``, ``sources``, the caveat columns, ``evidence`` and
        ``assumptions`` (indirect rows).

    Examples
    --------
    >>> tab = forest_table()
    >>> row = tab.query("comparison == 'DOX + trabectedin vs DOX' and endpoint == 'os'").iloc[0]
    >>> float(row["hr"]), row["kind"]
    (0.65, 'direct, randomised')
    """
    rows = []
    for tid, ep, label in _REGIMENS.direct:
        trial = load_trial(tid)
        hr, how = _hr(trial, ep)
        cav = caveats_of(trial)
        rows.append({
            "endpoint": ep, "comparison": label,
            "kind": "direct, randomised" if trial.randomised else "direct, not randomised",
            "hr": hr.estimate, "lower 95%": hr.lower, "upper 95%": hr.upper, "ci_source": how,
            "sources": trial.name, **cav.as_dict(), "assumptions": "",
        })
    for t_ac, t_bc, ep, a, b, c, invert in _REGIMENS.indirect:
        trial_ac, trial_bc = load_trial(t_ac), load_trial(t_bc)
        hr_ac, how_ac = _hr(trial_ac, ep)
        hr_bc, how_bc = _hr(trial_bc, ep)
        if invert:
            hr_bc = _invert(hr_bc)
        res = bucher(hr_ac, hr_bc, a=a, b=b, c=c, sources=(trial_ac.name, trial_bc.name),
                     caveats=(caveats_of(trial_ac), caveats_of(trial_bc)))
        row = res.to_frame().iloc[0].to_dict()
        how = "published" if how_ac == how_bc == "published" else "derived from p (part)"
        rows.append({
            "endpoint": ep, "comparison": f"{row['comparison']} (via {c})",
            "kind": "indirect (Bucher)", "hr": row["hr"], "lower 95%": row["lower 95%"],
            "upper 95%": row["upper 95%"], "ci_source": how, "sources": row["sources"],
            **{k: row[k] for k in ("trial", "population", "line", "design", "randomised")},
            "evidence": "indirect", "assumptions": row["assumptions"],
        })
    out = pd.DataFrame(rows)
    if out[["hr", "lower 95%", "upper 95%"]].isna().any().any() or (out["hr"] <= 0).any():
        raise InputError("forest_table produced a missing HR or CI; check the trial files.")
    out["trial"] = out["trial"].where(out["kind"] != "indirect (Bucher)", out["sources"])
    return out


# -- checks of every curated trial --------------------------------------------------------
#: Columns of :func:`check_outcomes` and :func:`regimen_checks`, in order.
CHECK_OUTCOME_COLUMNS = [
    "trial_id", "trial", "endpoint", "checked", "reproduced", "all_ok", "not_reproduced",
    "missed", "hr_status", "hr_published", "hr_published_lower", "hr_published_upper", "hr_rebuilt",
    "hr_rebuilt_lower", "hr_rebuilt_upper", "hr_summary",
]


class MissedNumbers(tuple):
    """The check-table rows outside tolerance, as ``(quantity, arm)`` pairs in report order.

    A tuple for code; its ``str`` is JSON, so a table written with ``to_csv`` keeps the pairs
    and :meth:`from_text` reads them back:
    ``pd.read_csv(path, converters={"missed": MissedNumbers.from_text})``.

    Examples
    --------
    >>> missed = MissedNumbers([("median", "Doxorubicin"), ("HR", "experimental vs control")])
    >>> str(missed)
    '[["median", "Doxorubicin"], ["HR", "experimental vs control"]]'
    >>> MissedNumbers.from_text(str(missed)) == missed
    True
    """

    def __new__(cls, pairs=()):
        return super().__new__(cls, (tuple(pair) for pair in pairs))

    def __str__(self) -> str:
        return json.dumps([list(pair) for pair in self])

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    @classmethod
    def from_text(cls, text: str) -> MissedNumbers:
        """The pairs back from their ``str`` (a CSV cell); raises :class:`InputError` if not."""
        try:
            pairs = json.loads(text)
        except (TypeError, ValueError) as err:
            raise InputError(f"missed must be a JSON list of [quantity, arm] pairs, got "
                             f"{text!r}; read it from a table lmssurv wrote.") from err
        if not isinstance(pairs, list) or not all(
                isinstance(p, list) and len(p) == 2 for p in pairs):
            raise InputError(f"missed must be a JSON list of [quantity, arm] pairs, got {text!r}.")
        return cls(pairs)


def hr_as_printed(value: float, like: float | None = None) -> str:
    """A published HR or CI bound with the decimals it was printed with (at least two).

    ``like``: another number of the same report (the HR, for its CI bounds) whose decimals the
    text keeps too, since a file stores 0.710 as 0.71.

    Examples
    --------
    >>> hr_as_printed(0.4), hr_as_printed(0.463), hr_as_printed(0.71, like=0.463)
    ('0.40', '0.463', '0.710')
    """
    def decimals(x: float) -> int:
        text = repr(float(x))
        return len(text.split(".")[1].rstrip("0")) if "." in text and "e" not in text else 2

    places = max(2, decimals(value), decimals(like) if like is not None else 0)
    return f"{value:.{places}f}"


def check_outcome(report: pd.DataFrame, trial: Trial) -> dict:
    """One row summarising a :func:`lmssurv.checks.check` table: counts, misses, HR verdict.

    Parameters
    ----------
    report : DataFrame
        Output of :func:`lmssurv.checks.check` for one endpoint of ``trial``.
    trial : Trial
        The curated trial the report belongs to.

    Returns
    -------
    dict
        Keys :data:`CHECK_OUTCOME_COLUMNS`. ``missed`` is a :class:`MissedNumbers`, the
        ``(quantity, arm)`` pairs of the check-table rows outside tolerance, in report order
        (CSV-safe: its ``str`` is JSON); ``not_reproduced``
        says the same for reading ("median [Doxorubicin]; HR"), and code reads ``missed``.
        ``hr_status`` is ``"reproduced"`` (the HR and every
        published CI bound within tolerance), ``"not reproduced"`` (the HR itself missed),
        ``"CI not reproduced"`` (HR within tolerance, a CI bound missed) or ``"not published"``;
        ``hr_summary`` says the same in words with the rebuilt and published values, computed
        from the report (never stored).

    Examples
    --------
    >>> from lmssurv.checks import check
    >>> trial = load_trial("lms04")
    >>> row = check_outcome(check(trial, "os", trial.reconstruct("os", seed=0)), trial)
    >>> row["checked"] == row["reproduced"], row["hr_status"]
    (True, 'reproduced')
    """
    needed = {"quantity", "arm", "published", "reconstructed", "ok"}
    if not isinstance(report, pd.DataFrame) or not needed <= set(report.columns):
        raise InputError(f"report must be a check table (lmssurv.check) with columns "
                         f"{sorted(needed)}; got {type(report).__name__}.")
    ok = report["ok"].astype(bool)
    missed = report[~ok]
    hr_rows = report[report["quantity"].str.startswith("HR")]
    point = hr_rows[hr_rows["quantity"] == "HR"]
    bounds = hr_rows[hr_rows["quantity"] != "HR"].sort_values("quantity")
    nan = float("nan")
    hr_pub = float(point["published"].iloc[0]) if len(point) else nan
    hr_reb = float(point["reconstructed"].iloc[0]) if len(point) else nan
    pub_low, pub_high = (tuple(map(float, bounds["published"])) if len(bounds) == 2
                         else (nan, nan))
    reb_low, reb_high = (tuple(map(float, bounds["reconstructed"])) if len(bounds) == 2
                         else (nan, nan))
    if point.empty:
        status, summary = "not published", "no published HR to check"
    else:
        pub_ci = (f" ({hr_as_printed(pub_low, hr_pub)}-{hr_as_printed(pub_high, hr_pub)})"
                  if len(bounds) == 2 else "")
        reb_ci = f" ({reb_low:.3f}-{reb_high:.3f})" if len(bounds) == 2 else ""
        if not bool(point["ok"].iloc[0]):
            status = "not reproduced"
        elif not bounds["ok"].astype(bool).all():
            status = "CI not reproduced"
        else:
            status = "reproduced"
        summary = (f"HR {status}: rebuilt {hr_reb:.3f}{reb_ci} vs published "
                   f"{hr_as_printed(hr_pub)}{pub_ci}")
    names = [q if a in ("both arms", "", None) else f"{q} [{a}]"
             for q, a in zip(missed["quantity"], missed["arm"], strict=True)]
    return {
        "trial_id": trial.id, "trial": trial.name,
        "endpoint": report.attrs.get("endpoint", report["endpoint"].iloc[0]
                                     if "endpoint" in report.columns and len(report) else ""),
        "checked": len(report), "reproduced": int(ok.sum()), "all_ok": bool(ok.all()),
        "not_reproduced": "; ".join(names),
        "missed": MissedNumbers(zip(missed["quantity"], missed["arm"], strict=True)),
        "hr_status": status,
        "hr_published": hr_pub, "hr_published_lower": pub_low, "hr_published_upper": pub_high,
        "hr_rebuilt": hr_reb, "hr_rebuilt_lower": reb_low, "hr_rebuilt_upper": reb_high,
        "hr_summary": summary,
    }


def check_outcomes(trials: Iterable[str] | None = None, *, endpoints: Iterable[str] | None = None,
                   seed: int = 0) -> pd.DataFrame:
    """Rebuild every endpoint of every curated trial and check it against its papers.

    Each endpoint is reconstructed with the summary engine and checked with
    :func:`lmssurv.checks.check` (every published number recomputed from the pseudo-data); the
    result is one row per (trial, endpoint) from :func:`check_outcome`.

    Parameters
    ----------
    trials : iterable of str, optional
        Trial ids; default every curated trial (:func:`lmssurv.trials.list_trials`).
    endpoints : iterable of str, optional
        Endpoint keys to check where a trial has them; default every endpoint of each trial.
    seed : int
        Reconstruction seed.

    Returns
    -------
    DataFrame
        Columns :data:`CHECK_OUTCOME_COLUMNS`, one row per checked endpoint. The full table of
        one endpoint: ``lmssurv.check(trial, key, trial.reconstruct(key, seed=seed))``.

    Examples
    --------
    >>> tab = check_outcomes(["lms04"], endpoints=["os"])
    >>> tab[["trial", "endpoint", "hr_status"]].to_numpy().tolist()
    [['LMS-04', 'os', 'reproduced']]
    """
    from lmssurv.checks import check

    ids = list(list_trials() if trials is None else trials)
    wanted = None if endpoints is None else list(endpoints)
    rows = []
    for tid in ids:
        trial = load_trial(tid)
        for key in trial.endpoints:
            if wanted is not None and key not in wanted:
                continue
            report = check(trial, key, trial.reconstruct(key, seed=seed))
            rows.append(check_outcome(report, trial))
    if not rows:
        raise InputError(f"none of the trials {ids} has the endpoints {wanted}; choose endpoint "
                         "keys that `lmssurv list` shows.")
    return pd.DataFrame(rows, columns=CHECK_OUTCOME_COLUMNS)


def regimen_checks(ipd: pd.DataFrame, endpoint: str) -> pd.DataFrame:
    """Check the pseudo-patients of :func:`regimen_ipd` against each trial's papers.

    The check runs on exactly the rows that are drawn (no second reconstruction), so a figure
    built from ``ipd`` can print each trial's result next to its curves.

    Parameters
    ----------
    ipd : DataFrame
        Output of :func:`regimen_ipd` (needs ``trial_id``, ``regimen``, ``time``, ``event``).
    endpoint : str
        The endpoint ``ipd`` was built for.

    Returns
    -------
    DataFrame
        One row per trial, columns :data:`CHECK_OUTCOME_COLUMNS`.

    Examples
    --------
    >>> tab = regimen_checks(regimen_ipd("pfs", trials=["lms04"]), "pfs")
    >>> int(tab["checked"].iloc[0]) > 10
    True
    """
    from lmssurv.checks import check

    needed = {"trial_id", "regimen", "time", "event"}
    if not isinstance(ipd, pd.DataFrame) or not needed <= set(ipd.columns):
        raise InputError(f"ipd must be the output of regimen_ipd with columns {sorted(needed)}.")
    rows = []
    for tid, g in ipd.groupby("trial_id", sort=False):
        trial = load_trial(tid)
        pseudo = g[["regimen", "time", "event"]].rename(columns={"regimen": "arm"})
        rows.append(check_outcome(check(trial, endpoint, pseudo.reset_index(drop=True)), trial))
    return pd.DataFrame(rows, columns=CHECK_OUTCOME_COLUMNS)
