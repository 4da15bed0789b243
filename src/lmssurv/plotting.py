"""Kaplan-Meier figures of pseudo-patient data, with the published numbers laid over them.

The figure a reader expects from a trial report: both arms' Kaplan-Meier curves with log-log
95% bands and censor ticks, a numbers-at-risk table under the time axis, and the published
medians and landmark rates marked with their CIs so that the eye can judge the fit. Given an
ensemble of plausible reconstructions (:func:`lmssurv.reconstruct_ensemble`), each arm also
gets the band where its rebuilt curve could lie (what the publication leaves open), drawn
shaded, while the pseudo-data KM's own 95% CI (the trial's sampling error) becomes dashed
lines, so the two uncertainties cannot be confused. Colours are
the Okabe-Ito colour-blind-safe palette; sizes are set for slides (12 x 7 in at 150 dpi,
text >= 11 pt). Times are in months.

References
----------
Okabe M, Ito K. Color Universal Design (CUD): how to make figures and presentations that are
friendly to colorblind people. 2008.
Morris TP, Jarvis CI, Cragg W, et al. Proposals on Kaplan-Meier plots in medical research and a
survey of stakeholder views: KMunicate. BMJ Open 2019;9:e030215.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from lmssurv._io import atomic_write
from lmssurv._validation import InputError
from lmssurv.km import fit_km, validate_ipd

__all__ = ["COLOURS", "OKABE_ITO", "numbers_at_risk", "plot_endpoint", "plot_km", "save_figure"]

#: The Okabe-Ito colour-blind-safe colours by name (Okabe & Ito 2008): every figure of lmssurv
#: takes its colours from here.
COLOURS = {"blue": "#0072B2", "vermillion": "#D55E00", "bluish green": "#009E73",
           "reddish purple": "#CC79A7", "orange": "#E69F00", "sky blue": "#56B4E9",
           "black": "#000000"}

#: The order in which arms are coloured.
OKABE_ITO = tuple(COLOURS[name] for name in ("blue", "vermillion", "bluish green",
                                              "reddish purple", "orange", "sky blue", "black"))

_YLABELS = {
    "os": "Overall survival (probability)",
    "pfs": "Progression-free survival (probability)",
}
_FONT = 12  # points; slide-readable at 12 x 7 in


def numbers_at_risk(ipd: pd.DataFrame, times: Sequence[float],
                    arms: Sequence[str] | None = None) -> pd.DataFrame:
    """Patients still at risk (time >= t) in each arm at each time, as under a KM figure.

    Parameters
    ----------
    ipd : DataFrame
        Columns ``arm``, ``time`` (months), ``event``.
    times : sequence of float
        Months at which to count.
    arms : sequence of str, optional
        Arm order (rows); defaults to the order of first appearance.

    Returns
    -------
    DataFrame
        Index: arm; columns: the times; values: counts (int).

    Examples
    --------
    >>> ipd = pd.DataFrame({"arm": ["A"] * 3, "time": [2.0, 7, 13], "event": [1, 0, 1]})
    >>> numbers_at_risk(ipd, [0, 6, 12]).to_dict("index")
    {'A': {0: 3, 6: 2, 12: 1}}
    """
    ipd = validate_ipd(ipd, need_arm=True)
    arms = list(arms) if arms is not None else list(pd.unique(ipd["arm"]))
    times = [float(t) for t in times]
    table = {}
    for arm in arms:
        t = ipd.loc[ipd["arm"] == arm, "time"].to_numpy()
        if t.size == 0:
            raise InputError(f"arm {arm!r} has no rows; the arms are {list(pd.unique(ipd['arm']))}.")
        table[arm] = [int(np.sum(t >= u)) for u in times]
    out = pd.DataFrame.from_dict(table, orient="index",
                                 columns=[int(u) if u.is_integer() else u for u in times])
    out.index.name = "arm"
    return out


def _default_times(t_max: float) -> list[float]:
    # at least four ticks: a short follow-up (single-arm PFS) would get a lone 0 at 6 months
    step = (0.5 if t_max <= 3 else 1.0 if t_max <= 6 else 3.0 if t_max <= 18 else 6.0
            if t_max <= 72 else 12.0)
    if t_max > 360:  # whole years, at most 30 ticks (a yearly tick to 1e9 months never ends)
        step = 12.0 * math.ceil(t_max / 360)
    return [float(u) for u in np.arange(0.0, t_max + 1e-9, step)]


def _fmt_interval(lo: float | None, hi: float | None, digits: int) -> str:
    def f(v):
        return "NR" if v is None or not math.isfinite(v) else f"{v:.{digits}f}"
    return f"{f(lo)}\u2013{f(hi)}"


def plot_km(
    ipd: pd.DataFrame,
    ax: Axes | None = None,
    *,
    published=None,
    at_risk_times: Sequence[float] | None = None,
    ci: bool = True,
    censor_ticks: bool = True,
    colors: Sequence[str] | Mapping[str, str] | None = None,
    arms: Sequence[str] | None = None,
    ylabel: str = "Survival (probability)",
    xlabel: str = "Months since randomisation",
    title: str | None = None,
    fit_hr: bool = True,
    ensemble: pd.DataFrame | None = None,
    ensemble_level: float = 0.90,
) -> Axes:
    """Draw Kaplan-Meier curves of pseudo-patients with a numbers-at-risk table.

    Parameters
    ----------
    ipd : DataFrame
        Pseudo-patients: ``arm``, ``time`` (months), ``event`` (1 event, 0 censored).
    ax : matplotlib Axes, optional
        Where to draw the curves; the at-risk table goes in an inset axes below it (leave room,
        e.g. ``fig.subplots_adjust(bottom=0.3)``). By default a 12 x 7 in figure is laid out.
    published : Endpoint, ArmSummary or tuple, optional
        Published summaries: an endpoint of a curated or your own trial
        (``trial.endpoint("pfs")``, one or two arms), one :class:`ArmSummary`, or a
        ``(control, experimental[, hr])`` tuple;
        medians are marked at S = 0.5 with horizontal CI bars, landmark rates with vertical CI
        bars, the published HR goes in a text box.
    at_risk_times : sequence of float, optional
        Months for the at-risk table and the x ticks; every 6 months by default (12 past 72).
    ci : bool
        Shade the pointwise 95% log-log bands.
    censor_ticks : bool
        Mark censored pseudo-patients with ticks on the curves.
    colors : sequence or mapping, optional
        Arm colours; Okabe-Ito by default.
    arms : sequence of str, optional
        Arm order; the published control then experimental labels, else order of appearance.
    ylabel, xlabel, title : str
        Axis labels (with units) and title.
    fit_hr : bool
        With two arms, add the pseudo-data's unadjusted Cox HR to the text box.
    ensemble : DataFrame, optional
        An ensemble of the same arms (columns ``draw``, ``arm``, ``time``, ``event``, from
        :func:`lmssurv.reconstruct_ensemble` or ``trial.reconstruct_ensemble``). Each arm's
        pointwise band over the draws' KM curves (:func:`lmssurv.survival_band`) is shaded,
        and the KM's own 95% CI (with ``ci``) is drawn as dashed lines instead, so that the
        reconstruction uncertainty and the sampling uncertainty stay apart; the legend names
        both.
    ensemble_level : float
        Share of the draws inside the shaded band (default 0.90).

    Returns
    -------
    matplotlib.axes.Axes
        The curve axes; the at-risk table axes is ``ax.figure.axes`` after it.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ipd = pd.DataFrame({"arm": ["A"] * 50 + ["B"] * 50, "time": rng.exponential(12, 100),
    ...                     "event": rng.integers(0, 2, 100)})
    >>> ax = plot_km(ipd, title="Simulated")
    >>> plt.close(ax.figure)
    """
    ipd = validate_ipd(ipd, need_arm=True)
    arms = _arm_order(ipd, arms, published)
    palette = _palette(arms, colors)
    t_max = float(ipd["time"].max())
    if at_risk_times is None:
        at_risk_times = _default_times(t_max)
    at_risk_times = [float(t) for t in at_risk_times]
    x_max = max(at_risk_times[-1], t_max)
    ax, table_ax, gs, top = _km_axes(ax, title, len(arms))
    band = (None if ensemble is None
            else _ensemble_band(ensemble, arms, x_max, ensemble_level))
    handles = []
    for arm in arms:
        part = ipd.loc[ipd["arm"] == arm]
        if part.empty:
            raise InputError(f"arm {arm!r} has no rows; the arms are {list(pd.unique(ipd['arm']))}.")
        if band is not None:
            _draw_band(ax, band.loc[band["arm"] == arm], arm, palette[arm])
        handles.append(_draw_arm(ax, part, arm, palette[arm], ci=ci, censor_ticks=censor_ticks,
                                 ci_as_lines=band is not None))
    handles += _key_handles(ensemble if band is not None else None, ensemble_level, ci=ci,
                            censor_ticks=censor_ticks)
    if published is not None:
        handles += _draw_published(ax, published, palette)
    ax.axhline(0.5, color="0.6", lw=0.8, ls=":", zorder=0)
    _style_km_axes(ax, x_max, at_risk_times, xlabel, ylabel)
    # The legend sits above the axes (curves fill the plot); the title above the legend. The
    # ensemble's long labels need two columns: arms and both bands in the first, markers next.
    ncol = 2 if band is not None else 3
    rows = math.ceil(len(handles) / ncol)
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.01), ncol=ncol,
              fontsize=_FONT - 1, frameon=False, borderaxespad=0, handlelength=1.8,
              columnspacing=1.6)
    if title:
        ax.set_title(title, fontsize=_FONT + 3, loc="left", pad=10 + 19 * rows)
    if gs is not None:  # room above the axes for the legend rows and the title lines
        lines = title.count("\n") + 1 if title else 0
        needed = (24 + 19 * rows + 21 * lines) / (72 * ax.figure.get_size_inches()[1])
        gs.update(top=min(top, 1 - needed))
    text = _hr_text(published, ipd, arms) if (published is not None or fit_hr) else ""
    if text:  # upper right: survival curves are rarely that high late in follow-up
        ax.text(0.99, 0.98, text, transform=ax.transAxes, ha="right", va="top",
                fontsize=_FONT - 1, linespacing=1.5, zorder=7,
                bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": "0.8", "alpha": 0.95})
    labels = _draw_risk_table(table_ax, numbers_at_risk(ipd, at_risk_times, arms), palette)
    if gs is not None:
        _fit_left_margin(ax.figure, gs, labels)
        _keep_legend_on_canvas(ax)
    return ax


def _arm_order(ipd: pd.DataFrame, arms, published) -> list:
    """Arms as given, else the published control and experimental first, else as they appear."""
    if arms is None:
        arms = list(pd.unique(ipd["arm"]))
        if published is not None:
            wanted = [a.label or role for role, a in zip(("control", "experimental"),
                                                         _published_arms(published),
                                                         strict=False)]
            if all(a in arms for a in wanted):
                arms = wanted + [a for a in arms if a not in wanted]
    return list(arms)


def _km_axes(ax: Axes | None, title: str | None, n_arms: int):
    """The curve axes and the at-risk table axes: a new 12 x 7 in figure, or an inset of ``ax``.

    Returns ``(ax, table_ax, gridspec or None, top)``; the gridspec (own figure only) is
    adjusted later for the legend, title and table labels.
    """
    if ax is None:
        fig = plt.figure(figsize=(12, 7), dpi=150)
        top = 0.78 if title and "\n" in title else 0.83
        gs = fig.add_gridspec(2, 1, height_ratios=[5, 0.35 + 0.28 * n_arms],
                              hspace=0.3, left=0.2, right=0.97, top=top, bottom=0.04)
        ax = fig.add_subplot(gs[0])
        return ax, fig.add_subplot(gs[1], sharex=ax), gs, top
    return ax, ax.inset_axes([0, -0.42, 1, 0.07 + 0.05 * n_arms], sharex=ax), None, None


def _ensemble_band(ensemble: pd.DataFrame, arms: list, x_max: float, level: float
                   ) -> pd.DataFrame:
    """Pointwise band of the draws' KM curves of every arm drawn (refused if one is missing)."""
    from lmssurv.estimates import survival_band

    # fine enough that the quantiles of the draws' step functions look like steps
    band = survival_band(ensemble, np.linspace(0.0, x_max, 601), level=level)
    missing = [a for a in arms if a not in set(band["arm"])]
    if missing:
        raise InputError(
            f"ensemble has no draws of arm(s) {missing}; its arms are "
            f"{list(pd.unique(band['arm']))}. Pass an ensemble of the same trial and "
            "endpoint, e.g. trial.reconstruct_ensemble(endpoint, draws=200, seed=0).")
    return band


def _key_handles(ensemble: pd.DataFrame | None, level: float, *, ci: bool,
                 censor_ticks: bool) -> list:
    """Legend entries for the bands and censor ticks (after the arms' own entries)."""
    handles = []
    if ensemble is not None:
        draws = int(ensemble["draw"].nunique())
        handles.append(Patch(facecolor="0.45", alpha=0.35,
                             label=f"Reconstruction uncertainty ({level:.0%} of "
                                   f"{draws} plausible rebuilds)"))
        if ci:
            handles.append(Line2D([], [], color="0.3", lw=1.2, ls=(0, (4, 2.5)),
                                  label="95% CI of the pseudo-data KM (log-log)"))
    elif ci:
        handles.append(Patch(facecolor="0.5", alpha=0.25, label="Pointwise 95% CI (log-log)"))
    if censor_ticks:
        handles.append(Line2D([], [], ls="none", marker="|", ms=9, mew=1.4, color="0.3",
                              label="Censored"))
    return handles


def _style_km_axes(ax: Axes, x_max: float, at_risk_times: list, xlabel: str,
                   ylabel: str) -> None:
    ax.set_xlim(0, x_max * 1.01 if x_max > 0 else 1.0)  # every time 0: still a visible axis
    ax.set_ylim(0, 1.02)
    ax.set_xticks(at_risk_times)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.tick_params(labelsize=_FONT)
    ax.set_xlabel(xlabel, fontsize=_FONT + 1)
    ax.set_ylabel(ylabel, fontsize=_FONT + 1)
    ax.grid(axis="y", color="0.92", lw=0.8)
    ax.spines[["top", "right"]].set_visible(False)


def _keep_legend_on_canvas(ax: Axes) -> None:
    """Slide the legend left when long labels and a wide left margin push it off the figure."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend()
    over = legend.get_window_extent(renderer).x1 - 0.99 * fig.bbox.width
    if over > 0:
        legend.set_bbox_to_anchor((-over / ax.get_window_extent(renderer).width, 1.01),
                                  transform=ax.transAxes)


def _fit_left_margin(fig: Figure, gs, labels) -> None:
    """Move the axes' left edge so the at-risk row labels (right-aligned to it) fit."""
    renderer = fig.canvas.get_renderer()
    widest = max(t.get_window_extent(renderer).width for t in labels) / fig.bbox.width
    gs.update(left=min(0.4, max(0.09, widest + 0.045)))


def _palette(arms: list[str], colors) -> dict[str, str]:
    if colors is None:
        colors = OKABE_ITO
    if isinstance(colors, Mapping):
        missing = [a for a in arms if a not in colors]
        if missing:
            raise InputError(f"colors has no entry for arm(s) {missing}; give one per arm.")
        return {a: colors[a] for a in arms}
    colors = list(colors)
    if len(colors) < len(arms):
        raise InputError(f"colors has {len(colors)} entries for {len(arms)} arms; give one per arm.")
    return dict(zip(arms, colors, strict=False))


def _draw_band(ax: Axes, band: pd.DataFrame, arm: str, color: str) -> None:
    """Shade one arm's ensemble band (the ``gid`` lets tests find it)."""
    ax.fill_between(band["time"].to_numpy(dtype=float), band["lower"].to_numpy(dtype=float),
                    band["upper"].to_numpy(dtype=float), color=color, alpha=0.28, lw=0,
                    zorder=1, gid=f"ensemble-band|{arm}")


def _draw_arm(ax: Axes, part: pd.DataFrame, arm: str, color: str, *, ci: bool,
              censor_ticks: bool, ci_as_lines: bool = False) -> Line2D:
    kmf = fit_km(part["time"], part["event"], label=arm)
    sf = kmf.survival_function_.iloc[:, 0]
    t = sf.index.to_numpy(dtype=float)
    s = sf.to_numpy(dtype=float)
    (line,) = ax.step(t, s, where="post", color=color, lw=2.2, label=arm, zorder=3)
    if ci:
        band = kmf.confidence_interval_
        bt = band.index.to_numpy(dtype=float)
        if ci_as_lines:  # the shaded band is the ensemble's; the KM's CI is its outline
            for k in (0, 1):
                ax.step(bt, band.iloc[:, k].to_numpy(dtype=float), where="post", color=color,
                        lw=1.2, ls=(0, (4, 2.5)), alpha=0.9, zorder=2, gid=f"km-ci|{arm}|{k}")
        else:
            ax.fill_between(bt, band.iloc[:, 0], band.iloc[:, 1], step="post", color=color,
                            alpha=0.15, lw=0, zorder=1)
    if censor_ticks:
        cens = np.sort(part.loc[part["event"] == 0, "time"].to_numpy(dtype=float))
        if cens.size:
            idx = np.searchsorted(t, cens, side="right") - 1
            ax.plot(cens, s[np.clip(idx, 0, None)], ls="none", marker="|", ms=9, mew=1.4,
                    color=color, zorder=4)
    return line


def _published_arms(published) -> tuple:
    """The published arm summaries of an Endpoint (one or two arms) or of a plain pair."""
    from lmssurv.summary import ArmSummary

    if isinstance(published, ArmSummary):
        return (published,)
    if isinstance(published, (tuple, list)):
        arms = tuple(a for a in published if isinstance(a, ArmSummary))
    else:
        arms = tuple(a for a in (getattr(published, "control", None),
                                 getattr(published, "experimental", None)) if a is not None)
    if not arms:
        raise InputError(
            f"published must be an Endpoint (trial.endpoint('pfs')), an ArmSummary or a "
            f"(control, experimental[, hr]) tuple, got {type(published).__name__}."
        )
    return arms


def _draw_published(ax: Axes, published, palette: dict[str, str]) -> list[Line2D]:
    drawn = False
    # both medians sit on S = 0.5; nudge them apart so their CI bars do not overlap
    offsets = (-0.018, 0.018)
    for role, summary, dy in zip(("control", "experimental"), _published_arms(published),
                                 offsets, strict=False):
        label = summary.label or role
        if label not in palette:
            continue
        color = palette[label]
        style = {"ls": "none", "marker": "D", "ms": 8, "mfc": color, "mec": "black",
                 "mew": 1.2, "ecolor": "black", "elinewidth": 1.4, "capsize": 4, "zorder": 6}
        if summary.median is not None:
            lo, hi = summary.median_ci or (None, None)
            xerr = None
            if lo is not None or hi is not None:
                lo_v = summary.median - lo if lo is not None else 0.0
                hi_v = hi - summary.median if hi is not None else 0.0
                xerr = [[lo_v], [hi_v]]
            # above the landmark circles: a median and a landmark can coincide (OS 24 vs S(24))
            ax.errorbar([summary.median], [0.5 + dy], xerr=xerr, **{**style, "zorder": 7})
            drawn = True
        for t, s in summary.landmarks.items():
            ci = summary.landmark_cis.get(t)
            yerr = None
            if ci is not None:
                yerr = [[s - ci[0] if ci[0] is not None else 0.0],
                        [ci[1] - s if ci[1] is not None else 0.0]]
            ax.errorbar([t], [s], yerr=yerr, **{**style, "marker": "o", "ms": 9})
            drawn = True
    if not drawn:
        return []
    return [
        Line2D([], [], ls="none", marker="D", ms=8, mfc="white", mec="black", mew=1.2,
               label="Published median (95% CI), at S = 0.5"),
        Line2D([], [], ls="none", marker="o", ms=9, mfc="white", mec="black", mew=1.2,
               label="Published landmark rate (95% CI)"),
    ]


def _hr_text(published, ipd: pd.DataFrame, arms: list[str]) -> str:
    lines = []
    hr = getattr(published, "hr", None) if published is not None else None
    if isinstance(published, (tuple, list)):
        from lmssurv.summary import HazardRatio

        hr = next((x for x in published if isinstance(x, HazardRatio)), None)
    if hr is not None:
        adjusted = getattr(published, "hr_adjusted", None)
        kind = "adjusted" if adjusted else "as reported"
        ci = f" (95% CI {_fmt_interval(hr.lower, hr.upper, 2)})" if hr.lower is not None else ""
        lines.append(f"HR published ({kind}): {hr.estimate:.2f}{ci}")
    if len(arms) == 2:
        from lmssurv.cox import cox_two_arms

        parts = [ipd.loc[ipd["arm"] == a, ["time", "event"]] for a in arms]
        fit = cox_two_arms(parts[0]["time"], parts[0]["event"], parts[1]["time"], parts[1]["event"])
        if math.isfinite(fit.log_hr) and math.isfinite(fit.se):
            est, (lo, hi) = fit.hr, fit.ci(0.95)
            lines.append(f"HR pseudo-data (Cox, unadjusted): {est:.2f} "
                         f"(95% CI {_fmt_interval(lo, hi, 2)})")
        else:  # legal data (no events in an arm, or monotone likelihood): still worth drawing
            lines.append("HR pseudo-data (Cox, unadjusted): not estimable (an arm has no "
                         "events, or all of one arm's events come after the other's last time)")
        lines.append(f"{arms[1]} vs {arms[0]}")
    return "\n".join(lines)


def _draw_risk_table(tab: Axes, table: pd.DataFrame, palette: dict[str, str]) -> list:
    n_rows = len(table)
    tab.set_ylim(n_rows - 0.5, -1.1)
    for spine in tab.spines.values():
        spine.set_visible(False)
    tab.tick_params(left=False, bottom=False, labelleft=False, labelbottom=False)
    tab.patch.set_alpha(0)
    header = tab.text(-0.03, -0.9, "Number at risk", transform=tab.get_yaxis_transform(),
                      ha="right", va="center", fontsize=_FONT, fontweight="bold")
    labels = [header]
    for row, (arm, counts) in enumerate(table.iterrows()):
        labels.append(tab.text(-0.03, row, arm, transform=tab.get_yaxis_transform(), ha="right",
                               va="center", fontsize=_FONT, color=palette[arm],
                               fontweight="bold"))
        for t, count in counts.items():
            tab.text(float(t), row, f"{int(count)}", ha="center", va="center",
                     fontsize=_FONT, color=palette[arm], gid=f"at-risk|{arm}|{t}")
    return labels


def save_figure(fig: Figure, path: str | os.PathLike, *, force: bool = True,
                dpi: int = 150) -> Path:
    """Save ``fig`` atomically: write a temporary file in the same folder, then rename.

    A crash never leaves a half-written image. With ``force=False`` an existing file is kept
    and :class:`InputError` is raised.

    Parameters
    ----------
    fig : Figure
    path : path-like
        Target (``.png``, ``.pdf``, ``.svg``...); the folder is created if needed.
    force : bool
        Overwrite an existing file.
    dpi : int
        Resolution for raster formats.

    Returns
    -------
    Path
        The written path.
    """
    path = Path(path)
    return atomic_write(
        path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".") or "png"),
        force=force, hint="pass force=True (CLI: --force) to overwrite it")


def plot_endpoint(trial, endpoint, ipd: pd.DataFrame, path: str | os.PathLike | None = None,
                  *, force: bool = True, ensemble: pd.DataFrame | None = None,
                  ensemble_level: float = 0.90) -> Figure:
    """The reproduction figure of one endpoint: pseudo-data KM with the published numbers.

    Parameters
    ----------
    trial : Trial, str, path or dict
        A curated trial (:func:`lmssurv.load_trial`) or your own
        (:meth:`lmssurv.Trial.from_summaries`, :meth:`lmssurv.Trial.from_dict`, a ``.toml``).
    endpoint : str
        Endpoint key in any case, e.g. ``"os"`` or ``"PFS"``.
    ipd : DataFrame
        Pseudo-patients from ``trial.reconstruct(endpoint, seed=...)``.
    path : path-like, optional
        Save the figure there (atomically, see :func:`save_figure`).
    force : bool
        Overwrite an existing file at ``path``.
    ensemble : DataFrame, optional
        ``trial.reconstruct_ensemble(endpoint, draws=200, seed=...)``: shade each arm's band of
        plausible reconstructions (see :func:`plot_km`). ``lmssurv reproduce`` passes one.
    ensemble_level : float
        Share of the draws inside that band (default 0.90).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import lmssurv                                   # doctest: +SKIP
    >>> trial = lmssurv.load_trial("lms04")              # doctest: +SKIP
    >>> fig = plot_endpoint(trial, "os", trial.reconstruct("os", seed=0), "lms04_os.png")  # doctest: +SKIP
    >>> ens = trial.reconstruct_ensemble("os", draws=200, seed=0)  # doctest: +SKIP
    >>> fig = plot_endpoint(trial, "os", trial.reconstruct("os", seed=0), ensemble=ens)  # doctest: +SKIP
    """
    from lmssurv.trials import as_trial

    trial = as_trial(trial)
    ep = trial.endpoint(endpoint)  # any case; a miss lists the endpoints that exist
    endpoint = ep.key
    name = getattr(ep, "name", None) or endpoint.upper()
    acronym = getattr(trial, "acronym", None) or getattr(trial, "name", None) or ""
    base = endpoint.split("_")[0]
    ylabel = _YLABELS.get(base, f"{name} (probability)")
    title = f"{acronym}: {name}".strip(": ")
    ax = plot_km(ipd, published=ep, ylabel=ylabel, ensemble=ensemble,
                 ensemble_level=ensemble_level,
                 title=f"{title}\nPseudo-patients rebuilt from the published summaries")
    fig = ax.figure
    if path is not None:
        save_figure(fig, path, force=force)
    return fig
