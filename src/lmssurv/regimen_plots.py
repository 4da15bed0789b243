"""Figures of the regimen comparison: reconstructed OS/PFS curves by line, and a forest plot.

:func:`write_regimen_figures` writes ``regimens_os.png``, ``regimens_pfs.png`` and
``regimens_forest.png``; the CLI's ``reproduce`` calls it. Colours are the Okabe-Ito
colour-blind-safe palette; times are months.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from lmssurv._validation import InputError
from lmssurv.compare import _km
from lmssurv.regimens import forest_table, regimen_ipd

__all__ = ["plot_forest", "plot_regimen_curves", "write_regimen_figures"]

# Okabe-Ito without yellow (too pale on white); black is reserved for doxorubicin alone.
_OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#999999",
              "#882255")  # + Tol wine
_DASHES = ("-", "--", "-.", ":")
_ENDPOINT = {"os": "Overall survival", "pfs": "Progression-free survival"}
_PANELS = ("first line", "pretreated or mixed lines")


def _regimen_key(regimen: str) -> str:
    # "Doxorubicin + placebo" is doxorubicin alone for the reader: same colour.
    return regimen.replace(" + placebo", "")


def _colour_map(regimens: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in dict.fromkeys(_regimen_key(r) for r in regimens):
        out[key] = "#000000" if key == "Doxorubicin" else _OKABE_ITO[
            sum(k != "Doxorubicin" for k in out) % len(_OKABE_ITO)]
    return out


def _step(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    km = _km(time, event)
    t = np.concatenate(([0.0], km.times, [km.last_time]))
    s = np.concatenate(([1.0], km.surv, [km.surv[-1] if km.surv.size else 1.0]))
    return t, s


def plot_regimen_curves(ipd: pd.DataFrame, endpoint: str, *, horizon: float = 60.0) -> Figure:
    """Kaplan-Meier curves of reconstructed arms, one panel per line of therapy.

    Parameters
    ----------
    ipd : DataFrame
        Output of :func:`lmssurv.regimens.regimen_ipd` (columns ``arm``, ``regimen``, ``time``,
        ``event``, ``panel``, ``trial``, ``population``, ``evidence``).
    endpoint : {"os", "pfs"}
        Used for the axis label.
    horizon : float
        Right end of the time axis, months.

    Returns
    -------
    matplotlib.figure.Figure
        Colour = regimen (doxorubicin alone in black); dash pattern separates trials of one
        regimen; open circles mark non-randomised arms. Each legend entry names trial,
        population and n.

    Examples
    --------
    >>> from lmssurv.regimens import regimen_ipd
    >>> fig = plot_regimen_curves(regimen_ipd("os", trials=["lms04"]), "os")
    >>> len(fig.axes)
    2
    """
    if endpoint not in _ENDPOINT:
        raise InputError(f"endpoint must be 'os' or 'pfs', got {endpoint!r}.")
    needed = {"arm", "regimen", "time", "event", "panel", "trial", "population", "evidence"}
    if not isinstance(ipd, pd.DataFrame) or not needed <= set(ipd.columns):
        raise InputError(f"ipd must be the output of regimen_ipd with columns {sorted(needed)}.")
    fig, axes = plt.subplots(1, 2, figsize=(16, 11), sharey=True)
    for ax, panel in zip(axes, _PANELS, strict=True):
        sub = ipd[ipd["panel"] == panel]
        colours = _colour_map(list(pd.unique(sub["regimen"])))  # per panel: fewer repeats
        handles = []
        seen: dict[str, int] = {}
        for _, g in sub.groupby("arm", sort=False):
            first = g.iloc[0]
            t, s = _step(g["time"].to_numpy(), g["event"].to_numpy())
            key = _regimen_key(first["regimen"])
            colour = colours[key]
            # Same regimen in several trials: same colour, a different dash per trial.
            style = _DASHES[seen.get(key, 0) % len(_DASHES)]
            seen[key] = seen.get(key, 0) + 1
            randomised = first["evidence"] == "randomised"
            ax.step(t, s, where="post", color=colour, ls=style, lw=2.0 if randomised else 1.4)
            tag = "" if randomised else f" [{first['evidence']}]"
            if not randomised:  # open circles mark non-randomised (single-arm) curves
                idx = np.linspace(0, len(t) - 1, 8).astype(int)[1:-1]
                ax.plot(t[idx], s[idx], ls="none", marker="o", mfc="white", mec=colour, ms=5)
            handles.append(Line2D([], [], color=colour, ls=style, lw=2.0 if randomised else 1.4,
                                  marker=None if randomised else "o", mfc="white", ms=5,
                                  label=f"{first['regimen']} - {first['trial']} "
                                        f"({first['population']}, n={len(g)}){tag}"))
        ax.set_title(panel.capitalize(), fontsize=14)
        ax.set_xlim(0, horizon)
        ax.set_ylim(0, 1.02)
        ax.set_xticks(np.arange(0, horizon + 1, 6))
        ax.set_xlabel("Months since randomisation or start of treatment", fontsize=12)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=11)
        if handles:
            ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.13),
                      fontsize=9.5, frameon=False, ncol=1)
        else:
            ax.text(0.5, 0.5, "no curated arm", transform=ax.transAxes, ha="center")
    axes[0].set_ylabel(f"{_ENDPOINT[endpoint]} (proportion)", fontsize=12)
    fig.suptitle(f"{_ENDPOINT[endpoint]}: pseudo-patients rebuilt from published summaries",
                 fontsize=15)
    fig.text(0.5, 0.01,
             "Not patient data. Colour = regimen (black: doxorubicin alone); dash pattern "
             "separates trials of the same regimen; open circles: non-randomised arm. Curves "
             "from different trials differ in population, line, era and follow-up: no "
             "comparison across trials is randomised.",
             ha="center", fontsize=10, wrap=True)
    fig.subplots_adjust(left=0.06, right=0.98, top=0.92, bottom=0.36, wspace=0.08)
    return fig


_KIND_STYLE = {
    "direct, randomised": dict(marker="s", mfc="#0072B2", mec="#0072B2", color="#0072B2"),
    "direct, not randomised": dict(marker="s", mfc="white", mec="#E69F00", color="#E69F00"),
    "indirect (Bucher)": dict(marker="D", mfc="white", mec="#D55E00", color="#D55E00"),
}


def plot_forest(table: pd.DataFrame) -> Figure:
    """Forest plot of hazard ratios with 95% CIs, direct and indirect marked differently.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`lmssurv.regimens.forest_table`.

    Returns
    -------
    matplotlib.figure.Figure
        One row per comparison, grouped by endpoint; log axis with HR = 1 marked; right-hand
        text gives HR (CI), population and where the CI came from.

    Examples
    --------
    >>> from lmssurv.regimens import forest_table
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
