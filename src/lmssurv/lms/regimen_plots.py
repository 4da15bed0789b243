"""Figures of the regimen comparison: reconstructed OS/PFS curves by line, and a forest plot.

:func:`write_regimen_figures` writes ``regimens_os.png``, ``regimens_pfs.png`` and
``regimens_forest.png``; the CLI's ``reproduce`` draws the same figures. Colours are the
Okabe-Ito colour-blind-safe palette; times are months.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from lmssurv._validation import InputError
from lmssurv.km import km_step
from lmssurv.lms.regimens import (
    CHECK_OUTCOME_COLUMNS,
    forest_table,
    hr_as_printed,
    regimen_checks,
    regimen_ipd,
)
from lmssurv.plotting import COLOURS

__all__ = ["plot_forest", "plot_regimen_curves", "write_regimen_figures"]

# One style per role, the same in the OS and the PFS figure (Okabe-Ito, colour-blind safe).
_DOXORUBICIN = dict(color=COLOURS["black"], ls="-", lw=2.0)        # doxorubicin alone (+ placebo)
_OTHER_CONTROL = dict(color=COLOURS["black"], ls="--", lw=2.0)     # any other control arm
_EXPERIMENTAL = dict(color=COLOURS["blue"], ls="-", lw=2.2)        # experimental arm
_SINGLE_ARM = dict(color=COLOURS["vermillion"], ls="-", lw=2.2)    # the arm of a single-arm trial
_REFERENCE = dict(color="#BBBBBB", ls="-", lw=4.0)   # the reference arm behind every panel
_REFERENCE_ARM = ("lms04", "Doxorubicin")            # (trial id, arm label)
_MISSED = "#B2182B"                                  # check text when a number is missed
_ENDPOINT = {"os": "Overall survival", "pfs": "Progression-free survival"}
_PANELS = ("first line", "pretreated or mixed lines")


def _is_doxorubicin_alone(regimen: str) -> bool:
    # "Doxorubicin + placebo" is doxorubicin alone for the reader
    return regimen.replace(" + placebo", "") == "Doxorubicin"


def _step(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    time, event = np.asarray(time, dtype=float), np.asarray(event, dtype=int)
    times, surv = km_step(time, event)
    t = np.concatenate(([0.0], times, [time.max()]))
    s = np.concatenate(([1.0], surv, [surv[-1] if surv.size else 1.0]))
    return t, s


def _check_text(row: pd.Series | None) -> tuple[str, str]:
    """The check result printed above a trial's panel, and its colour (computed, never stored)."""
    if row is None:
        return "not checked", "0.4"
    lines = [f"checks: {row['reproduced']} of {row['checked']} published numbers reproduced"]
    if row["hr_status"] in ("not reproduced", "CI not reproduced"):
        what = "HR" if row["hr_status"] == "not reproduced" else "HR 95% CI"
        lines += [f"{what} NOT reproduced: rebuilt {_hr_text(row, 'rebuilt')},",
                  f"published {_hr_text(row, 'published')}"]
    missed = dict.fromkeys(q for q, _ in row["missed"] if not q.startswith("HR"))
    if missed:
        lines += textwrap.wrap(("also missed: " if len(lines) > 1 else "missed: ")
                               + ", ".join(missed), 60)
    return "\n".join(lines), (_MISSED if not row["all_ok"] else "#1B7837")


def _hr_text(row: pd.Series, which: str) -> str:
    est, low, high = (row[f"hr_{which}"], row[f"hr_{which}_lower"], row[f"hr_{which}_upper"])
    if which == "published":  # as printed in the paper
        return hr_as_printed(est) + ("" if pd.isna(low) else
                                     f" ({hr_as_printed(low, est)}-{hr_as_printed(high, est)})")
    # three decimals: a miss just outside the rounding of a 2-decimal HR must be visible
    return f"{est:.3f}" + ("" if pd.isna(low) else f" ({low:.3f}-{high:.3f})")


def plot_regimen_curves(ipd: pd.DataFrame, endpoint: str, *, horizon: float = 60.0,
                        checks: pd.DataFrame | None = None) -> Figure:
    """Kaplan-Meier curves of reconstructed arms: one small panel per trial.

    Each panel holds one trial's arms, styled by role (the same styles in the OS and PFS
    figures), with the LMS-04 doxorubicin arm drawn in light grey behind every other panel as a
    common reference, and the trial's check result printed above the panel: how many published
    numbers the pseudo-patients reproduce, and whether the HR (and its CI) was reproduced.
    First-line trials come first, then pretreated or mixed lines.

    Parameters
    ----------
    ipd : DataFrame
        Output of :func:`lmssurv.lms.regimens.regimen_ipd` (columns ``arm``, ``regimen``, ``time``,
        ``event``, ``panel``, ``trial``, ``trial_id``, ``population``, ``evidence``).
    endpoint : {"os", "pfs"}
        The endpoint ``ipd`` was built for (axis label and checks).
    horizon : float
        Right end of the time axis, months.
    checks : DataFrame, optional
        Output of :func:`lmssurv.lms.regimens.regimen_checks` for ``ipd``; computed from ``ipd``
        when omitted.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per trial (unused grid cells are hidden).

    Examples
    --------
    >>> import warnings
    >>> from lmssurv import ReconstructionWarning
    >>> from lmssurv.lms.regimens import regimen_ipd
    >>> with warnings.catch_warnings():  # GeDDiS's published HR is not reproduced; it warns
    ...     warnings.simplefilter("ignore", ReconstructionWarning)
    ...     ipd = regimen_ipd("os", trials=["lms04", "geddis"])
    >>> fig = plot_regimen_curves(ipd, "os")
    >>> len([ax for ax in fig.axes if ax.get_visible()])
    2
    """
    if endpoint not in _ENDPOINT:
        raise InputError(f"endpoint must be 'os' or 'pfs', got {endpoint!r}.")
    needed = {"arm", "regimen", "time", "event", "panel", "trial", "trial_id", "population",
              "evidence"}
    if not isinstance(ipd, pd.DataFrame) or not needed <= set(ipd.columns):
        raise InputError(f"ipd must be the output of regimen_ipd with columns {sorted(needed)}.")
    if checks is None:
        checks = regimen_checks(ipd, endpoint)
    elif not isinstance(checks, pd.DataFrame) or not set(CHECK_OUTCOME_COLUMNS) <= set(
            checks.columns):
        raise InputError(f"checks must be the output of regimen_checks with columns "
                         f"{CHECK_OUTCOME_COLUMNS}; got {type(checks).__name__}. Omit it to "
                         "compute the checks from ipd.")
    by_trial = {r["trial_id"]: r for _, r in checks.iterrows()}
    order = sorted(pd.unique(ipd["trial_id"]),
                   key=lambda t: (_PANELS.index(ipd.loc[ipd["trial_id"] == t, "panel"].iloc[0]),
                                  t != _REFERENCE_ARM[0]))
    ref = ipd[(ipd["trial_id"] == _REFERENCE_ARM[0]) & (ipd["regimen"] == _REFERENCE_ARM[1])]
    ref_curve = _step(ref["time"].to_numpy(), ref["event"].to_numpy()) if len(ref) else None
    ncol = min(4, len(order))
    nrow = -(-len(order) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.8 * ncol, 4.6 * nrow + 1.6), sharex=True,
                             sharey=True, squeeze=False)
    for ax in axes.flat[len(order):]:
        ax.set_visible(False)
    for ax, tid in zip(axes.flat, order, strict=False):
        sub = ipd[ipd["trial_id"] == tid]
        first = sub.iloc[0]
        handles = []
        if ref_curve is not None and tid != _REFERENCE_ARM[0]:
            ax.step(*ref_curve, where="post", zorder=1, **_REFERENCE)
        arms = list(pd.unique(sub["arm"]))
        for i, arm in enumerate(arms):
            g = sub[sub["arm"] == arm]
            regimen = g["regimen"].iloc[0]
            if len(arms) == 1:
                style = _SINGLE_ARM
            elif _is_doxorubicin_alone(regimen):
                style = _DOXORUBICIN
            elif i == 0 and len(arms) > 1:
                style = _OTHER_CONTROL
            else:
                style = _EXPERIMENTAL
            t, s = _step(g["time"].to_numpy(), g["event"].to_numpy())
            ax.step(t, s, where="post", zorder=3, **style)
            handles.append(Line2D([], [], **style, label=f"{regimen} (n={len(g)})"))
        # the check result sits between the title and the panel, never over a curve
        text, colour = _check_text(by_trial.get(tid))
        ax.annotate(text, xy=(0.5, 1.0), xycoords="axes fraction", xytext=(0, 4),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8,
                    color=colour, linespacing=1.15)
        ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=True, framealpha=0.9,
                  borderaxespad=0.3, handlelength=2.2)
        tag = "" if first["evidence"] == "randomised" else f", {first['evidence']}"
        ax.set_title(f"{first['trial']}\n{first['population']}, {first['panel']}{tag}",
                     fontsize=9.5, pad=8 + 10.5 * (text.count("\n") + 1))
        ax.set_xlim(0, horizon)
        ax.set_ylim(0, 1.02)
        ax.set_xticks(np.arange(0, horizon + 1, 12 if horizon > 36 else 6))
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("Months", fontsize=10)
        ax.xaxis.set_tick_params(labelbottom=True)
    for ax in axes[:, 0]:
        ax.set_ylabel(f"{_ENDPOINT[endpoint]}", fontsize=10)
    fig.suptitle(f"{_ENDPOINT[endpoint]}: pseudo-patients rebuilt from published summaries, "
                 "one panel per trial", fontsize=14)
    fig.text(0.5, 0.005,
             "Not patient data. Black: doxorubicin alone (dashed: another control); blue: "
             "experimental arm; orange: single-arm trial; light grey: LMS-04 doxorubicin, "
             "repeated in every panel as a common reference. Above each panel: the trial's "
             "published numbers recomputed from the pseudo-patients (lmssurv.check). Trials differ in "
             "population, line, era and follow-up: no comparison across panels is randomised.",
             ha="center", va="bottom", fontsize=9, wrap=True)
    fig.tight_layout(rect=(0, 0.05, 1, 0.96))
    return fig


_KIND_STYLE = {
    "direct, randomised": dict(marker="s", mfc=COLOURS["blue"], mec=COLOURS["blue"],
                               color=COLOURS["blue"]),
    "direct, not randomised": dict(marker="s", mfc="white", mec=COLOURS["orange"],
                                   color=COLOURS["orange"]),
    "indirect (Bucher)": dict(marker="D", mfc="white", mec=COLOURS["vermillion"],
                              color=COLOURS["vermillion"]),
}


def plot_forest(table: pd.DataFrame) -> Figure:
    """Forest plot of hazard ratios with 95% CIs, direct and indirect marked differently.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`lmssurv.lms.regimens.forest_table`.

    Returns
    -------
    matplotlib.figure.Figure
        One row per comparison, grouped by endpoint; log axis with HR = 1 marked; right-hand
        text gives HR (CI), population and where the CI came from.

    Examples
    --------
    >>> from lmssurv.lms.regimens import forest_table
    >>> fig = plot_forest(forest_table())
    >>> len(fig.axes)
    1
    """
    needed = {"endpoint", "comparison", "kind", "hr", "lower 95%", "upper 95%", "population",
              "ci_source", "sources"}
    if not isinstance(table, pd.DataFrame) or not needed <= set(table.columns):
        raise InputError(f"table must be the output of forest_table with {sorted(needed)}.")
    rows = []
    for ep in ("os", "pfs"):
        sub = table[table["endpoint"] == ep]
        if sub.empty:
            continue
        rows.append(("header", _ENDPOINT[ep], None))
        for _, r in sub.iterrows():
            rows.append(("row", r["comparison"], r))
    n = len(rows)
    fig, ax = plt.subplots(figsize=(18, 0.42 * n + 1.8))
    ys = np.arange(n)[::-1]
    ax.axvline(1.0, color="0.3", lw=1)
    for y, (kind, label, r) in zip(ys, rows, strict=True):
        if kind == "header":
            ax.text(0.0, y, label, transform=ax.get_yaxis_transform(), ha="right", va="center",
                    fontsize=12, fontweight="bold")
            continue
        st = _KIND_STYLE[r["kind"]]
        ax.plot([r["lower 95%"], r["upper 95%"]], [y, y], color=st["color"], lw=2)
        ax.plot([r["hr"]], [y], ls="none", ms=8, marker=st["marker"], mfc=st["mfc"],
                mec=st["mec"], mew=2)
        ax.text(-0.01, y, f"{label}  [{r['sources']}]", transform=ax.get_yaxis_transform(),
                ha="right", va="center", fontsize=9.5)
        note = "" if r["ci_source"] == "published" else "  (CI from p)"
        ax.text(1.01, y, f"{r['hr']:.2f} ({r['lower 95%']:.2f}-{r['upper 95%']:.2f}){note}"
                         f"  {r['population']}",
                transform=ax.get_yaxis_transform(), ha="left", va="center", fontsize=9.5)
    ax.set_xscale("log")
    ax.set_xlim(0.2, 3.0)
    ticks = [0.25, 0.5, 0.75, 1, 1.5, 2, 3]
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_yticks([])
    ax.set_ylim(-0.8, n - 0.2)
    ax.set_xlabel("Hazard ratio (95% CI), log scale: < 1 favours the first-named regimen",
                  fontsize=11)
    handles = [Line2D([], [], ls="-", lw=2, label=k, **{kk: v for kk, v in st.items()})
               for k, st in _KIND_STYLE.items()]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3,
              fontsize=10, frameon=False)
    fig.text(0.01, 0.01,
             "Indirect (Bucher) rows assume similar populations and effect modifiers, the same "
             "comparator in both trials, and proportional hazards; several combine LMS-only "
             "with all-STS trials. 'CI from p': the paper printed only HR and p.",
             fontsize=9, wrap=True)
    fig.subplots_adjust(left=0.33, right=0.74, top=0.93, bottom=max(0.6 / (0.42 * n + 1.8),
                                                                   0.08))
    return fig


def write_regimen_figures(out: str | Path = "figures", *, seed: int = 0) -> dict[str, Path]:
    """Rebuild the regimen comparison and write its three figures.

    Parameters
    ----------
    out : path
        Folder for ``regimens_os.png``, ``regimens_pfs.png`` and ``regimens_forest.png``
        (created if missing).
    seed : int
        Reconstruction seed.

    Returns
    -------
    dict
        ``{"regimens_os": Path, "regimens_pfs": Path, "regimens_forest": Path}``.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_regimen_figures(tempfile.mkdtemp())  # doctest: +SKIP
    >>> sorted(paths)  # doctest: +SKIP
    ['regimens_forest', 'regimens_os', 'regimens_pfs']
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for ep in ("os", "pfs"):
        fig = plot_regimen_curves(regimen_ipd(ep, seed=seed), ep,
                                  horizon=60.0 if ep == "os" else 36.0)
        paths[f"regimens_{ep}"] = out / f"regimens_{ep}.png"
        fig.savefig(paths[f"regimens_{ep}"], dpi=150)
        plt.close(fig)
    fig = plot_forest(forest_table())
    paths["regimens_forest"] = out / "regimens_forest.png"
    fig.savefig(paths["regimens_forest"], dpi=150)
    plt.close(fig)
    if any(not p.is_file() for p in paths.values()):
        raise OSError(f"a figure was not written to {out}")
    return paths
