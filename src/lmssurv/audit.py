"""Internal consistency of what publications reported about a trial.

:func:`audit` takes a curated :class:`~lmssurv.trials.Trial` and tests the published numbers
against each other, without any reconstruction: every check is a closed-form relation that a
correct report must satisfy up to the rounding of its printed digits. Each row says what was
reported, what the other numbers imply, by how much they differ and whether that difference is
within rounding (and the stated approximation slack).

The checks and their verdicts are listed in :func:`audit`.

References
----------
Altman DG, Bland JM. How to obtain the P value from a confidence interval. BMJ 2011;343:d2304.
Parmar MKB, Torri V, Stewart L. Extracting summary statistics to perform meta-analyses of the
published literature for survival endpoints. Stat Med 1998;17:2815-2834.
Brookmeyer R, Crowley J. A confidence interval for the median survival time. Biometrics 1982.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from lmssurv import _normal
from lmssurv.reports import AuditReport
from lmssurv.summary import implied_p_range, se_log_from_ci
from lmssurv.trials import Endpoint, Trial, as_trial, months_between

__all__ = ["AUDIT_COLUMNS", "VERDICTS", "audit", "implied_p_range"]

AUDIT_COLUMNS = ("check", "endpoint", "arm", "reported", "implied", "discrepancy", "verdict",
                 "explanation")
VERDICTS = ("consistent", "borderline", "inconsistent", "info")

# Slack of the 4/SE^2 relation beyond rounding (unequal event split, adjusted models): 10%.
_EVENTS_SLACK = 0.10


def _half(decimals: int) -> float:
    return 0.5 * 10.0 ** (-decimals)


def _row(check, endpoint, arm, reported, implied, verdict, explanation, discrepancy=None):
    if discrepancy is None and reported is not None and implied is not None:
        discrepancy = reported - implied
    return {
        "check": check, "endpoint": endpoint, "arm": arm,
        "reported": np.nan if reported is None else float(reported),
        "implied": np.nan if implied is None else float(implied),
        "discrepancy": np.nan if discrepancy is None else float(discrepancy),
        "verdict": verdict, "explanation": explanation,
    }


# -- HR, CI, p -----------------------------------------------------------------------------
def _events_range(ep: Endpoint) -> tuple[float, float, float]:
    """Events implied by the CI width, 4/SE^2, and its range over rounding of the limits."""
    hr = ep.hr
    se = hr.se_log
    c = _half(ep.precision.get("hr.ci", 2))
    se_lo = se_log_from_ci(hr.lower, hr.upper, hr.level, slack=-c)
    se_hi = se_log_from_ci(hr.lower, hr.upper, hr.level, slack=c)
    return 4 / se**2, 4 / se_hi**2, 4 / se_lo**2


def _hr_rows(ep: Endpoint) -> Iterable[dict]:
    hr = ep.hr
    if hr is None:
        return
    if hr.lower is None:
        yield _row("hr_p_value", ep.key, "both", hr.estimate, None, "info",
                   "HR printed without a CI: nothing to test.")
        return
    d_hr, d_ci = ep.precision.get("hr", 2), ep.precision.get("hr.ci", 2)
    # 1. symmetry on the log scale
    geo = math.sqrt(hr.lower * hr.upper)
    slack = _half(d_hr) / hr.estimate + 0.5 * (_half(d_ci) / hr.lower + _half(d_ci) / hr.upper)
    off = abs(math.log(hr.estimate) - math.log(geo))
    verdict = "consistent" if off <= slack else ("borderline" if off <= 2 * slack
                                                 else "inconsistent")
    yield _row("hr_ci_symmetry", ep.key, "both", hr.estimate, geo, verdict,
               f"geometric mean of the CI limits {hr.lower:g}-{hr.upper:g} is {geo:.3f}; "
               f"|log HR - log mid| = {off:.4f} vs rounding slack {slack:.4f}"
               + ("" if verdict == "consistent" else
                  "; an asymmetric CI points to a profile-likelihood or non-Wald interval, "
                  "or a typo"))
    # 2. p-value
    p, p_min, p_max = implied_p_range(hr.estimate, hr.lower, hr.upper, level=hr.level,
                                      hr_decimals=d_hr, ci_decimals=d_ci)
    rng = f"implied Wald p = {p:.3g} (rounding range {p_min:.3g}-{p_max:.3g})"
    adj = (" of the adjusted Cox model" if ep.hr_adjusted else "")
    rp = ep.p_value
    if rp is None:
        yield _row("hr_p_value", ep.key, "both", None, p, "info",
                   f"no p-value printed; {rng}{adj}; the CI "
                   + ("excludes" if hr.upper < 1 or hr.lower > 1 else "includes")
                   + " 1.")
    elif rp.relation == "<":
        verdict = ("consistent" if p_max < rp.value else
                   "borderline" if p < rp.value else "inconsistent")
        yield _row("hr_p_value", ep.key, "both", rp.value, p, verdict,
                   f"printed p < {rp.value:g} (test {rp.test}); {rng}{adj}.", discrepancy=np.nan)
    else:
        ratio = rp.value / p if p > 0 else math.inf
        verdict = ("consistent" if p_min <= rp.value <= p_max else
                   "borderline" if 0.5 <= ratio <= 2 else "inconsistent")
        yield _row("hr_p_value", ep.key, "both", rp.value, p, verdict,
                   f"printed p = {rp.value:g} (test {rp.test}); {rng}{adj}. A log-rank or "
                   "stratified p differs from the Wald p by a few percent of z.")
    # 3. CI width vs events
    implied, lo, hi = _events_range(ep)
    arm_events = [a.events for a in ep.arms]
    total = ep.events_total
    if total is None and None not in arm_events:
        total = sum(arm_events)
    n_total = sum(a.n for a in ep.arms)
    if total is None:
        verdict = "info" if implied <= n_total else "inconsistent"
        yield _row("ci_width_events", ep.key, "both", None, implied, verdict,
                   f"events not printed; the CI width implies about {implied:.0f} events "
                   f"(rounding range {lo:.0f}-{hi:.0f}) of {n_total} patients (4/SE^2, "
                   "Parmar 1998)"
                   + ("" if verdict == "info" else ": more events than patients, so the CI "
                      "is too narrow for this sample"))
        return
    expl = (f"4/SE^2 = {implied:.1f} events (rounding range {lo:.1f}-{hi:.1f}) vs {total} "
            "printed")
    if None not in arm_events and len(arm_events) == 2:
        se_exp = math.sqrt(sum(1 / d for d in arm_events))
        expl += (f"; with {arm_events[0]}/{arm_events[1]} events the expected SE is "
                 f"sqrt(1/d1 + 1/d2) = {se_exp:.4f} vs {hr.se_log:.4f} from the CI")
    if lo <= total <= hi:
        verdict = "consistent"
    elif lo <= total <= hi * (1 + _EVENTS_SLACK):
        verdict = "borderline"
        expl += ("; above the rounding range but within the 10% the approximation allows "
                 "(unequal event split, adjustment)")
    else:
        verdict = "inconsistent"
    yield _row("ci_width_events", ep.key, "both", total, implied, verdict, expl + ".")


# -- medians and landmarks --------------------------------------------------------------------
def _landmark_rows(ep: Endpoint) -> Iterable[dict]:
    for role, arm in zip(ep.roles, ep.arms, strict=True):
        m = arm.median
        if m is None or not arm.landmarks:
            continue
        d_m = ep.precision.get(f"{role}.median", 1)
        for t, s in arm.landmarks.items():
            d_s = ep.precision.get(f"{role}.landmarks[{t:g}]", 2)
            slack = _half(d_s)
            expo = 0.5 ** (t / m)
            if t < m - _half(d_m):
                ok, need = s >= 0.5 - slack, ">= 0.5"
            elif t > m + _half(d_m):
                ok, need = s <= 0.5 + slack, "<= 0.5"
            else:
                ok, need = abs(s - 0.5) <= 0.05 + slack, "close to 0.5"
            yield _row(
                "median_vs_landmark", ep.key, arm.name, s, expo,
                "consistent" if ok else "inconsistent",
                f"median {m:g} vs S({t:g}) = {s:g}: S({t:g}) must be {need}"
                f" (rounding {slack:g}); the exponential curve through the median gives "
                f"{expo:.3f} (a reference, not a test)",
            )
            if arm.median_ci is None or None in arm.median_ci:
                continue
            lo, hi = arm.median_ci
            ci = arm.landmark_cis.get(t)
            inside = lo <= t <= hi
            if ci is None or None in ci:  # a limit printed "NE" bounds nothing
                continue
            contains = ci[0] - slack <= 0.5 <= ci[1] + slack
            ok = contains if inside else not (ci[0] + slack < 0.5 < ci[1] - slack)
            yield _row(
                "median_ci_vs_landmark", ep.key, arm.name, s, None,
                "consistent" if ok else "inconsistent",
                f"{t:g} months is {'inside' if inside else 'outside'} the median CI "
                f"{lo:g}-{hi:g}, so the CI of S({t:g}) ({ci[0]:g}-{ci[1]:g}) should "
                f"{'contain' if inside else 'exclude'} 0.5 (Brookmeyer-Crowley inversion; "
                "the transforms may differ slightly)",
            )


def _expected_event_fraction(median: float, mfu: float, accrual: float) -> float:
    lam = math.log(2) / median
    lo, hi = max(mfu - accrual / 2, 0.0), mfu + accrual / 2
    # (exp(-lam lo) - exp(-lam hi)) / (lam (hi - lo)) with expm1: the plain difference cancels
    # to noise, even below 0, when lam (hi - lo) is tiny (a follow-up of 1e-9 months)
    x = lam * (hi - lo)
    mean_surv = math.exp(-lam * lo) * (-math.expm1(-x) / x if x > 0 else 1.0)
    return min(max(1 - mean_surv, 0.0), 1.0)


def _event_rows(ep: Endpoint) -> Iterable[dict]:
    for arm in ep.arms:
        if arm.events is None or arm.median is None or arm.median_follow_up is None:
            continue
        accrual = arm.accrual if arm.accrual is not None else arm.median_follow_up
        frac = _expected_event_fraction(arm.median, arm.median_follow_up, accrual)
        expected = arm.n * frac
        sd = math.sqrt(arm.n * frac * (1 - frac))
        diff = arm.events - expected
        verdict = "consistent" if abs(diff) <= 2 * sd else "borderline"
        yield _row(
            "events_vs_follow_up", ep.key, arm.name, arm.events, expected, verdict,
            f"{arm.events} of {arm.n} events; an exponential curve through the median "
            f"{arm.median:g} with potential follow-up uniform over "
            f"{max(arm.median_follow_up - accrual / 2, 0):g}-"
            f"{arm.median_follow_up + accrual / 2:g} months expects {expected:.1f} "
            f"(binomial SD {sd:.1f}); "
            + ("within 2 SD" if verdict == "consistent" else
               "beyond 2 SD: the curve is not exponential (a plateau or an early drop)"),
        )


def _follow_up_rows(trial: Trial) -> Iterable[dict]:
    facts = trial.design_facts
    if "accrual_start" not in facts or "accrual_end" not in facts:
        return
    start, end = facts["accrual_start"].value, facts["accrual_end"].value
    window = months_between(start, end)
    for key, a in trial.analyses.items():
        if a.data_cutoff is None or a.median_follow_up is None:
            continue
        cut = a.data_cutoff.value
        expected = months_between(start, cut) - window / 2
        reported = float(a.median_follow_up.value)
        diff = reported - expected
        # month-granular dates: each of start, end and cut-off is uncertain by about a month
        verdict = "consistent" if abs(diff) <= 1.5 else "borderline"
        ramp = window * (1 - 1 / math.sqrt(2))
        yield _row(
            "follow_up_vs_dates", key, "both", reported, expected, verdict,
            f"uniform entry {start} to {end} with cut-off {cut} gives a median potential "
            f"follow-up of {expected:g} months (range {months_between(end, cut)}-"
            f"{months_between(start, cut)})"
            + ("" if verdict == "consistent" else
               f"; the printed {reported:g} is {abs(diff):g} months "
               f"{'shorter' if diff < 0 else 'longer'}: accrual that rose linearly would "
               f"move the median entry {window / 2 - ramp:+.1f} months later (so "
               f"{expected - (window / 2 - ramp):.1f} months), or the follow-up was "
               "measured to an earlier date than the cut-off")
            + (f"; {a.data_cutoff.derived}" if a.data_cutoff.derived else ""),
        )
        iqr = a.median_follow_up.iqr
        if iqr is not None:
            width = iqr[1] - iqr[0]
            verdict = "consistent" if abs(width - window / 2) <= 2 else "borderline"
            yield _row(
                "follow_up_vs_dates", key, "both", width, window / 2, verdict,
                f"IQR {iqr[0]:g}-{iqr[1]:g} ({width:g} months wide) vs half the "
                f"{window}-month accrual window under uniform entry ({window / 2:g}); "
                "tolerance 2 months for month-granular dates",
            )


# -- secondary claims and cross-analysis ------------------------------------------------------
def _claim_rows(trial: Trial) -> Iterable[dict]:
    for claim in trial.unconfirmed:
        ep = trial.endpoints[claim.endpoint]
        if claim.quantity == "median":
            for role, value in claim.values.items():
                if role not in ep.roles:
                    continue
                arm = ep.arm(role)
                if arm.median is None:
                    continue
                d = ep.precision.get(f"{role}.median", 0)
                ok = abs(value - arm.median) <= _half(d) + 1e-9
                expl = (f"{claim.claim} [{claim.source}, {claim.status}] vs printed "
                        f"{arm.median:g} (rounding +/-{_half(d):g}): "
                        + ("rounds to the printed value, so it may be the unrounded median; "
                           "it cannot be confirmed from the sources" if ok else
                           "does not round to the printed value"))
                for t, s in arm.landmarks.items():
                    if (t < value and s < 0.5) or (t > value and s > 0.5):
                        expl += f"; contradicts S({t:g}) = {s:g}"
                    elif abs(t - value) <= 1:
                        expl += (f"; agrees with S({t:g}) = {s:g}, which puts the median "
                                 f"{'at or before' if s <= 0.5 else 'after'} {t:g} months")
                yield _row("secondary_claim", ep.key, arm.name, value, arm.median,
                           "consistent" if ok else "inconsistent", expl)
        elif claim.quantity == "p_value" and ep.hr is not None and ep.hr.lower is not None:
            value = claim.values.get("value")
            hr = ep.hr
            p, p_min, p_max = implied_p_range(
                hr.estimate, hr.lower, hr.upper, level=hr.level,
                hr_decimals=ep.precision.get("hr", 2), ci_decimals=ep.precision.get("hr.ci", 2))
            z = _normal.isf(value / 2)
            hr_at = math.exp(math.copysign(z * hr.se_log, math.log(hr.estimate)))
            ok = p_min <= value <= p_max
            yield _row(
                "secondary_claim", ep.key, "both", value, p,
                "consistent" if ok else "inconsistent",
                f"{claim.claim} [{claim.source}, {claim.status}] vs the Wald p implied by the "
                f"{'adjusted ' if ep.hr_adjusted else ''}HR {hr.estimate:g} "
                f"({hr.lower:g}-{hr.upper:g}): {p:.4f}, rounding range {p_min:.4f}-"
                f"{p_max:.4f}; at the CI's SE a p of {value:g} means HR {hr_at:.3f}. "
                + ("It fits the printed HR and CI (as a Wald p of the adjusted model or a "
                   "stratified log-rank p, which differ by a few percent of z), but no source "
                   "prints it." if ok else "It does not fit the printed HR and CI."),
            )
        else:
            yield _row("secondary_claim", ep.key, "both", None, None, "info",
                       f"{claim.claim} [{claim.source}, {claim.status}]: no rule to test a "
                       f"{claim.quantity!r} claim.")


def _fmt_ci(ci) -> str:
    if ci is None:
        return "not printed"
    return "-".join("NR" if v is None else f"{v:g}" for v in ci)


def _family(key: str) -> str:
    return key.split("_")[0]


def _cross_rows(trial: Trial) -> Iterable[dict]:
    by_family: dict[str, list[Endpoint]] = {}
    for ep in trial.endpoints.values():
        by_family.setdefault(_family(ep.key), []).append(ep)
    for eps in by_family.values():
        if len(eps) < 2:
            continue
        heads = [e for e in eps if e.primary] or [e for e in eps if "_" not in e.key] or eps[:1]
        head = heads[0]
        for other in eps:
            # only the same patients at another analysis: a cohort or subgroup is not comparable
            if other is head or [a.n for a in other.arms] != [a.n for a in head.arms]:
                continue
            yield from _compare_pair(trial, head, other)


def _cutoff(trial: Trial, ep: Endpoint) -> str | None:
    a = trial.analyses.get(ep.analysis)
    return None if a is None or a.data_cutoff is None else a.data_cutoff.value


def _compare_pair(trial: Trial, head: Endpoint, other: Endpoint) -> Iterable[dict]:
    pair = f"{head.key} vs {other.key}"
    c_head, c_other = _cutoff(trial, head), _cutoff(trial, other)
    same_cut = c_head is not None and c_head == c_other
    when = ("same data cut-off" if same_cut else
            f"cut-offs {c_head or '?'} and {c_other or '?'}")
    yield from _median_rows(trial, pair, head, other, same_cut, when)
    if head.hr is None or other.hr is None:
        return
    yield _hr_row(pair, head, other, same_cut, when)
    if head.hr.lower is None or other.hr.lower is None:
        return
    yield _events_row(pair, head, other, (c_head, c_other), same_cut, when)


def _median_rows(trial: Trial, pair: str, head: Endpoint, other: Endpoint, same_cut: bool,
                 when: str) -> Iterable[dict]:
    """Each arm's median in two analyses: equal at one cut-off, else inside each other's CI."""
    for role in head.roles:
        if role not in other.roles:
            continue
        a, b = head.arm(role), other.arm(role)
        if a.median is None or b.median is None:
            continue
        cut_note = ""
        if same_cut:
            derived = [trial.analyses[e.analysis].data_cutoff.derived for e in (head, other)]
            if any(derived):
                cut_note = " (one cut-off is assumed, see the analysis notes)"
            tol = (_half(head.precision.get(f"{role}.median", 1))
                   + _half(other.precision.get(f"{role}.median", 1)))
            ok = abs(a.median - b.median) <= tol + 1e-9
            yield _row(
                "cross_analysis", pair, a.name, b.median, a.median,
                "consistent" if ok else "inconsistent",
                f"median {b.median:g} ({other.key}) vs {a.median:g} ({head.key}) at the same "
                f"data cut-off{cut_note}: the same analysis of the same patients gives one "
                f"median (rounding +/-{tol:g})"
                + ("" if ok else "; these are not the same analysis: a different assessment "
                   "(e.g. investigator vs central review), population or data"),
            )
            continue
        cis = [(x, ci) for x, ci in ((b.median, a.median_ci), (a.median, b.median_ci))
               if ci is not None and None not in ci]
        inside = [ci[0] <= x <= ci[1] for x, ci in cis]
        verdict = ("info" if not cis else "consistent" if all(inside) else
                   "borderline" if any(inside) else "inconsistent")
        yield _row(
            "cross_analysis", pair, a.name, b.median, a.median, verdict,
            f"median {b.median:g} ({other.key}, CI {_fmt_ci(b.median_ci)}) vs {a.median:g} "
            f"({head.key}, CI {_fmt_ci(a.median_ci)}), {when}; "
            + ("no CIs to compare" if not cis else
               "within the other's CI" if all(inside) else
               "outside the other's CI" if not any(inside) else
               "one median lies outside the other's CI")
            + "; medians may move between data cuts as follow-up matures",
        )


def _hr_row(pair: str, head: Endpoint, other: Endpoint, same_cut: bool, when: str) -> dict:
    """The HRs of two analyses: equal at one cut-off, else each inside the other's CI."""
    h, o = head.hr, other.hr
    if same_cut:
        tol = _half(head.precision.get("hr", 2)) + _half(other.precision.get("hr", 2))
        ok = abs(h.estimate - o.estimate) <= tol + 1e-9
        expl = (f"HR {o.estimate:g} ({other.key}) vs {h.estimate:g} ({head.key}) at the same "
                f"data cut-off: one analysis gives one HR (rounding +/-{tol:g})"
                + ("" if ok else "; not the same analysis (assessment, population or "
                   "adjustment differ), though each lies in the other's CI"
                   if h.lower is not None and o.lower is not None
                   and h.lower <= o.estimate <= h.upper and o.lower <= h.estimate <= o.upper
                   else "; not the same analysis"))
    else:
        ok = (h.lower is None or h.lower <= o.estimate <= h.upper) and (
            o.lower is None or o.lower <= h.estimate <= o.upper)
        expl = (f"HR {o.estimate:g} ({other.key}) vs {h.estimate:g} ({head.key}), {when}; "
                + ("each lies in the other's CI" if ok else "one HR lies outside the other's "
                   "CI"))
    return _row("cross_analysis", pair, "both", o.estimate, h.estimate,
                "consistent" if ok else "inconsistent", expl)


def _events_row(pair: str, head: Endpoint, other: Endpoint, cutoffs: tuple, same_cut: bool,
                when: str) -> dict:
    """Events implied by the HR CI widths: a later cut-off cannot have fewer."""
    c_head, c_other = cutoffs
    e_h, lo_h, hi_h = _events_range(head)
    e_o, lo_o, hi_o = _events_range(other)
    expl = (f"events implied by the CI width: {e_o:.0f} ({lo_o:.0f}-{hi_o:.0f}, {other.key}) "
            f"vs {e_h:.0f} ({lo_h:.0f}-{hi_h:.0f}, {head.key}), {when}")
    if same_cut or c_head is None or c_other is None:
        verdict = "info"
        expl += "; no ordering to test"
    else:
        early, late = ((head, (lo_h, hi_h)), (other, (lo_o, hi_o)))
        if months_between(c_head, c_other) < 0:
            early, late = late, early
        # events cannot fall at a later cut-off: fail only when the ranges cannot overlap
        if late[1][1] < early[1][0]:
            verdict = "inconsistent"
        elif late[1][0] < early[1][0]:
            verdict = "borderline"
            expl += (f"; the later analysis ({late[0].key}) implies fewer events than the "
                     "earlier one, which only rounding, a different assessment or a different "
                     "adjustment can explain")
        else:
            verdict = "consistent"
    return _row("cross_analysis", pair, "both", e_o, e_h, verdict, expl)


def _secondary_only_rows(trial: Trial) -> Iterable[dict]:
    for ep in trial.endpoints.values():
        weak = []
        for path, rep in ep.reported.items():
            kinds = {trial.sources[s].kind for s in (rep.source, *rep.also)}
            if kinds == {"secondary"} and "ci" not in path.rsplit(".", 1)[-1] and \
                    not path.endswith((".n", ".accrual", ".max_follow_up")):
                weak.append(path)
        if weak:
            yield _row("secondary_only", ep.key, "both", None, None, "info",
                       "printed only by secondary sources (news, reviews): " + ", ".join(weak))


# -- public ------------------------------------------------------------------------------------
def audit(trial: Trial | str) -> pd.DataFrame:
    """Test a trial's published numbers against each other.

    Parameters
    ----------
    trial : Trial, str, path or dict
        A curated trial or its name (``"lms04"``, ``"LMS-04"``), your own trial
        (:meth:`lmssurv.Trial.from_summaries`), a ``.toml`` path or a plain dict
        (:meth:`lmssurv.Trial.from_dict`).

    Returns
    -------
    pandas.DataFrame
        One row per check with columns :data:`AUDIT_COLUMNS`: ``check`` (see Notes),
        ``endpoint`` (or analysis, or ``"pfs vs pfs_esmo2021"``), ``arm``,
        ``reported``, ``implied`` (what the other numbers imply), ``discrepancy``
        (reported - implied), ``verdict`` (one of :data:`VERDICTS`) and ``explanation``.
        ``attrs["trial"]`` names the trial.

    Notes
    -----
    ``hr_ci_symmetry``
        A Wald CI is symmetric on the log scale: the HR should be the geometric mean of its limits.
    ``hr_p_value``
        The p-value implied by the HR and its CI, ``z = log HR / SE`` with
        ``SE = (log upper - log lower) / (2 z_{1-alpha/2})`` (Altman & Bland 2011), against the
        printed p (exact or a bound). The implied p is given as a range over every rounding of the
        printed HR and limits.
    ``ci_width_events``
        Events implied by the CI width, ``4 / SE^2`` (Parmar et al. 1998, 1:1 events), against the
        printed total. The relation is an approximation: with events split ``d1, d2`` the expected
        variance is ``1/d1 + 1/d2 >= 4 / (d1 + d2)``, and adjusted Cox models have slightly wider
        CIs, so the reported total may exceed the implied one by up to 10% beyond rounding.
    ``median_vs_landmark`` and ``median_ci_vs_landmark``
        A median after a landmark needs ``S(t) >= 0.5`` there and vice versa; a landmark inside the
        median's CI should have a CI containing 0.5, one outside should not (the Brookmeyer-Crowley
        CI inverts the pointwise test of ``S(t) = 0.5``). The exponential curve through the median,
        ``0.5^(t / median)``, is shown as a reference value only.
    ``events_vs_follow_up``
        Events expected from the median (exponential hazard) and uniform potential follow-up of
        median ``m`` over the accrual window, against the printed events, within two binomial SDs.
    ``follow_up_vs_dates``
        The median potential follow-up implied by the accrual dates and the cut-off (cut-off minus
        the accrual midpoint under uniform entry) against the printed median follow-up, and the
        IQR width against half the accrual window.
    ``secondary_claim``
        Values seen only in secondary or untraced sources (``[[unconfirmed]]``) against the primary
        numbers: a median against the printed one's rounding; a p-value against the range implied by
        the HR and CI.
    ``cross_analysis``
        The same endpoint at two analyses (e.g. ``pfs`` and ``pfs_esmo2021``): medians against each
        other's CI, HRs against each other's CI, and implied events that must not fall at a later
        cut-off.
    ``secondary_only``
        Endpoint numbers whose only sources are secondary (news pages, reviews): for information.

    Verdicts: ``consistent``, ``borderline`` (outside rounding but explained by a stated
    approximation), ``inconsistent``, ``info`` (nothing to test against).

    Examples
    --------
    >>> from lmssurv.trials import load_trial
    >>> report = audit(load_trial("lms04"))
    >>> row = report[(report.check == "hr_p_value") & (report.endpoint == "pfs")].iloc[0]
    >>> row.verdict
    'consistent'
    """
    trial = as_trial(trial)
    rows: list[dict] = []
    for ep in trial.endpoints.values():
        rows += _hr_rows(ep)
        rows += _landmark_rows(ep)
        rows += _event_rows(ep)
    rows += _follow_up_rows(trial)
    rows += _claim_rows(trial)
    rows += _cross_rows(trial)
    rows += _secondary_only_rows(trial)
    frame = AuditReport(rows, columns=list(AUDIT_COLUMNS))
    frame.attrs = {"trial": trial.name}
    return frame
