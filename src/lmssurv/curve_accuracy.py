"""How closely pseudo-patients rebuilt from a digitised figure follow that figure.

:func:`curve_accuracy` compares the Kaplan-Meier curve of the rebuilt data with the digitised
clicks (RMSE, mean and largest *absolute* error: IPDfromKM reports a signed maximum, which hides
large negative errors), the rebuilt numbers at risk with the published table, and the event
count with the published total. :func:`plot_curve_accuracy` draws the same comparison (the worked example on GBSG-2 is
:mod:`lmssurv.lms.example`).

Times are in months.

References
----------
Guyot P, Ades AE, Ouwens MJ, Welton NJ. BMC Med Res Methodol 2012;12:9 (accuracy judged by
the rebuilt vs digitised curve and the rebuilt vs published numbers at risk).
Liu N, Zhou Y, Lee JJ. IPDfromKM. BMC Med Res Methodol 2021;21:111 (RMSE, mean and max error).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from lmssurv._validation import UNSET, InputError, renamed
from lmssurv.km import km_at, km_step
from lmssurv.plotting import COLOURS
from lmssurv.reconstruct.from_curve import at_risk_arrays, clean_clicks

__all__ = [
    "curve_accuracy",
    "plot_curve_accuracy",
]

#: Okabe-Ito colour-blind-safe colours (blue, vermillion, bluish green, black).
_COLOURS = tuple(COLOURS[name] for name in ("blue", "vermillion", "bluish green", "black"))
_FONT = 13
_DAYS_PER_MONTH = 365.25 / 12


def _ipd_arrays(ipd: object, name: str = "ipd") -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(ipd, pd.DataFrame) or not {"time", "event"} <= set(ipd.columns):
        raise InputError(
            f"{name} must be a DataFrame with columns time, event (the output of "
            f"reconstruct_from_curve); got {type(ipd).__name__}."
        )
    time = pd.to_numeric(ipd["time"], errors="coerce").to_numpy(dtype=float)
    event = pd.to_numeric(ipd["event"], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(time)) or not np.all(np.isin(event, (0.0, 1.0))):
        raise InputError(f"{name} must hold finite times and events coded 0/1.")
    return time, event.astype(int)


def _one_accuracy(curve, ipd, at_risk, total_events, scale) -> pd.DataFrame:
    time, event = _ipd_arrays(ipd)
    clicks = clean_clicks(curve, scale=scale)
    steps = km_step(time, event)
    ct = clicks["time"].to_numpy()
    cs = clicks["survival"].to_numpy()
    # distance to the KM graph in the survival direction: a click on a vertical drop (between
    # the values just before and at its time) is on the curve
    upper = km_at(*steps, ct, left=True)
    lower = km_at(*steps, ct)
    on_graph = np.clip(cs, lower, upper)
    err = on_graph - cs
    rows = [pd.DataFrame({"measure": "survival", "time": ct, "published": cs,
                          "rebuilt": on_graph, "error": err})]
    summary = {"rmse": float(np.sqrt(np.mean(err**2))),
               "mean_abs_error": float(np.mean(np.abs(err))),
               "max_abs_error": float(np.max(np.abs(err)))}
    rows.append(pd.DataFrame({"measure": list(summary), "time": np.nan, "published": np.nan,
                              "rebuilt": np.nan, "error": list(summary.values())}))
    if at_risk is not None:
        tt, tn = at_risk_arrays(at_risk, None)
        srt = np.sort(time)
        rebuilt = srt.size - np.searchsorted(srt, tt, side="left")
        rows.append(pd.DataFrame({"measure": "at_risk", "time": tt, "published": tn,
                                  "rebuilt": rebuilt, "error": rebuilt - tn}))
    published_events = np.nan if total_events is None else float(total_events)
    rows.append(pd.DataFrame({"measure": ["events"], "time": [np.nan],
                              "published": [published_events], "rebuilt": [event.sum()],
                              "error": [event.sum() - published_events]}))
    out = pd.concat([r.astype({"published": float, "rebuilt": float, "error": float})
                     for r in rows], ignore_index=True)
    return out


def curve_accuracy(curve, ipd: pd.DataFrame, at_risk=None, events=None,
                   scale: str = "proportion", *, total_events=UNSET) -> pd.DataFrame:
    """Accuracy report of a reconstruction against what was digitised and published.

    Parameters
    ----------
    curve : DataFrame or dict of DataFrame
        The digitised clicks (columns ``time`` in months, ``survival``), as passed to
        :func:`~lmssurv.reconstruct.from_curve.reconstruct_from_curve`; they are cleaned the same
        way before the comparison.
    ipd : DataFrame
        The rebuilt data: columns ``time``, ``event`` (and ``arm`` for several arms).
    at_risk : DataFrame or dict of DataFrame, optional
        The published numbers-at-risk table (columns ``time``, ``at_risk``).
    events : int or dict of int, optional
        The published number of events.
    scale : {"proportion", "percent"}
        Scale of the clicks' survival.
    total_events : int or dict of int, optional
        Deprecated name of ``events`` (a :class:`DeprecationWarning`).

    Returns
    -------
    DataFrame
        Long, tidy table with columns ``measure``, ``time``, ``published``, ``rebuilt``,
        ``error`` (rebuilt - published), plus ``arm`` for several arms. Measures:
        ``"survival"`` (one row per cleaned click: the rebuilt KM's distance to it in the survival
        direction, 0 for a click on a vertical drop), ``"rmse"``, ``"mean_abs_error"``,
        ``"max_abs_error"`` (summaries of those errors, in ``error``), ``"at_risk"`` (one row per
        table time) and ``"events"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from lmssurv.reconstruct.from_curve import reconstruct_from_curve
    >>> clicks = pd.DataFrame({"time": [0, 2, 2, 5, 5, 8], "survival": [1, 1, .8, .8, .6, .6]})
    >>> table = pd.DataFrame({"time": [0, 4], "at_risk": [10, 8]})
    >>> ipd = reconstruct_from_curve(clicks, at_risk=table, events=4)
    >>> acc = curve_accuracy(clicks, ipd, at_risk=table, events=4)
    >>> acc.set_index("measure").loc[["max_abs_error", "events"], "error"].round(3).tolist()
    [0.029, 0.0]
    """
    total_events = renamed("events", events, "total_events", total_events)
    if isinstance(curve, Mapping) and not isinstance(curve, pd.DataFrame) \
            and not {"time", "survival"} <= set(curve):
        if not isinstance(ipd, pd.DataFrame) or "arm" not in ipd.columns:
            raise InputError("several curves need ipd with an arm column "
                             "(the output of reconstruct_from_curve on the same dict).")
        parts = []
        for arm, clicks in curve.items():
            sub = ipd[ipd["arm"] == arm]
            if sub.empty:
                raise InputError(f"ipd has no rows for arm {arm!r}; it has {ipd['arm'].unique()}.")
            table = at_risk.get(arm) if isinstance(at_risk, Mapping) else at_risk
            events = (total_events.get(arm) if isinstance(total_events, Mapping)
                      else total_events)
            parts.append(_one_accuracy(clicks, sub, table, events, scale).assign(arm=arm))
        out = pd.concat(parts, ignore_index=True)
        return out[["arm", "measure", "time", "published", "rebuilt", "error"]]
    return _one_accuracy(curve, ipd, at_risk, total_events, scale)


# --------------------------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------------------------
def _step_xy(steps, t_end: float) -> tuple[np.ndarray, np.ndarray]:
    t_ev, surv = steps
    keep = t_ev <= t_end
    x = np.concatenate([[0.0], t_ev[keep], [t_end]])
    y = np.concatenate([[1.0], surv[keep], [surv[keep][-1] if keep.any() else 1.0]])
    return x, y


def plot_curve_accuracy(curve, ipd: pd.DataFrame, at_risk=None, *, truth=None,
                        title: str | None = None, time_label: str = "Time (months)",
                        table_times=None) -> Figure:
    """Figure of a reconstruction: clicks, rebuilt KM, at-risk table and an error panel.

    Parameters
    ----------
    curve : DataFrame or dict of DataFrame
        Digitised clicks (``time``, ``survival`` as a proportion), one per arm for a dict.
    ipd : DataFrame
        Rebuilt data (``time``, ``event``, and ``arm`` for a dict of curves).
    at_risk : DataFrame or dict of DataFrame, optional
        Published numbers at risk, shown as "published (rebuilt)" under the axis.
    truth : DataFrame or dict of DataFrame, optional
        True patient data (``time``, ``event``) when known; then the true KM is drawn and the
        error panel shows rebuilt minus true KM, otherwise rebuilt KM minus the clicks.
    title : str, optional
    time_label : str
    table_times : sequence of float, optional
        Times of the at-risk table columns (default: the published table's).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from lmssurv.reconstruct.from_curve import reconstruct_from_curve
    >>> clicks = pd.DataFrame({"time": [0, 2, 2, 5, 5, 8], "survival": [1, 1, .8, .8, .6, .6]})
    >>> ipd = reconstruct_from_curve(clicks, n=10, events=4)
    >>> fig = plot_curve_accuracy(clicks, ipd)
    >>> len(fig.axes)
    3
    """
    single = isinstance(curve, pd.DataFrame) or (isinstance(curve, Mapping)
                                                 and {"time", "survival"} <= set(curve))
    curves = {"curve": curve} if single else dict(curve)
    arms = list(curves)

    def part(value, arm):
        if value is None:
            return None
        if single:
            return value
        if isinstance(value, Mapping):
            return value.get(arm)
        return value[value["arm"] == arm] if "arm" in value.columns else value

    with plt.rc_context({"font.size": _FONT, "axes.titlesize": _FONT + 2,
                         "axes.labelsize": _FONT + 1, "legend.fontsize": _FONT - 1}):
        fig = plt.figure(figsize=(11, 9), layout="constrained")
        n_rows = len(arms) + 1
        gs = fig.add_gridspec(3, 1, height_ratios=[5.0, 0.35 * n_rows, 2.2])
        ax = fig.add_subplot(gs[0])
        ax_tab = fig.add_subplot(gs[1], sharex=ax)
        ax_err = fig.add_subplot(gs[2], sharex=ax)
        t_max = 0.0
        worst = 0.0
        err_label = "error"
        tab_rows: list[tuple[int, str, str]] = []
        for k, arm in enumerate(arms):
            sub = ipd if single else ipd[ipd["arm"] == arm]
            t_end, arm_worst, err_label = _draw_arm(
                (ax, ax_err), k, curves[arm], sub, part(truth, arm), "" if single else f"{arm}: ")
            t_max, worst = max(t_max, t_end), max(worst, arm_worst)
            table = part(at_risk, arm)
            if table is not None:
                row = len(arms) - k
                _at_risk_row(ax_tab, table, _ipd_arrays(sub)[0], row, _COLOURS[k % len(_COLOURS)])
                tab_rows.append((row, arm if not single else "at risk",
                                 _COLOURS[k % len(_COLOURS)]))
        _finish_axes(ax, ax_tab, ax_err, t_max=t_max, worst=worst, n_arms=len(arms),
                     tab_rows=tab_rows, title=title, err_label=err_label,
                     time_label=time_label, table_times=table_times)
    return fig


def _draw_arm(axes, k: int, raw, sub: pd.DataFrame, truth, name: str
              ) -> tuple[float, float, str]:
    """One arm on the curve and error panels; its last time, largest |error| and error label."""
    ax, ax_err = axes
    colour = _COLOURS[k % len(_COLOURS)]
    clicks = clean_clicks(raw)
    time, event = _ipd_arrays(sub)
    t_end = float(max(time.max(), clicks["time"].max()))
    rebuilt = km_step(time, event)
    if truth is not None:
        tt, te = _ipd_arrays(truth, "truth")
        true_steps = km_step(tt, te)
        ax.step(*_step_xy(true_steps, float(tt.max())), where="post", color="0.35",
                lw=4.5, alpha=0.45, solid_capstyle="butt",
                label="true KM" if k == 0 else None)
    ax.step(*_step_xy(rebuilt, t_end), where="post", color=colour, lw=1.6,
            label=f"{name}rebuilt KM")
    ax.plot(pd.to_numeric(raw["time"]), pd.to_numeric(raw["survival"]), ls="none",
            marker="o", ms=4.0, mfc="none", mec=colour, mew=0.9, alpha=0.9,
            label=f"{name}digitised clicks ({len(raw)})")
    grid = np.linspace(0.0, t_end, 600)
    if truth is not None:
        diff = km_at(*rebuilt, grid) - km_at(*true_steps, grid)
        err_label = "rebuilt − true KM"
    else:
        diff = km_at(*rebuilt, grid) - np.interp(grid, clicks["time"], clicks["survival"])
        err_label = "rebuilt KM − clicks"
    ax_err.plot(grid, diff, color=colour, lw=1.4,
                label=f"{name}mean |error| {np.mean(np.abs(diff)):.4f} "
                      f"(0-{t_end:.0f} months)")
    return t_end, float(np.max(np.abs(diff))), err_label


def _at_risk_row(ax_tab, table, time: np.ndarray, row: int, colour: str) -> None:
    """One arm's numbers at risk, "published (rebuilt)" where they differ."""
    tt_, tn_ = at_risk_arrays(table, None)
    srt = np.sort(time)
    rb = srt.size - np.searchsorted(srt, tt_, side="left")
    for x, p_, r_ in zip(tt_, tn_, rb, strict=True):
        text = f"{p_}" if p_ == r_ else f"{p_} ({r_})"
        ax_tab.text(x, row, text, ha="center", va="center", color=colour,
                    fontsize=_FONT - 1)


def _finish_axes(ax, ax_tab, ax_err, *, t_max: float, worst: float, n_arms: int,
                 tab_rows: list, title, err_label: str, time_label: str, table_times) -> None:
    """Limits, labels, legends and the at-risk table's frame of plot_curve_accuracy."""
    ax.set_ylim(-0.02, 1.03)
    ax.set_xlim(-0.01 * t_max, t_max * 1.02)
    ax.set_ylabel("Survival probability")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", frameon=True, ncols=1)
    ax.tick_params(labelbottom=False)
    if title:
        ax.set_title(title)
    ax_tab.set_ylim(0.5, n_arms + 0.5)
    ax_tab.set_yticks([r for r, _, _ in tab_rows], [name for _, name, _ in tab_rows])
    for label, (_, _, colour) in zip(ax_tab.get_yticklabels(), tab_rows, strict=True):
        label.set_color(colour)
    ax_tab.tick_params(labelbottom=False, bottom=False, left=False, pad=14)
    for side in ("top", "right", "left", "bottom"):
        ax_tab.spines[side].set_visible(False)
    ax_tab.set_title("Numbers at risk: published (rebuilt, when different)",
                     fontsize=_FONT, loc="left")
    ax_err.axhline(0.0, color="0.3", lw=0.8)
    lim = max(0.01, 1.15 * worst)
    ax_err.set_ylim(-lim, lim)
    ax_err.set_ylabel(err_label)
    ax_err.set_xlabel(time_label)
    ax_err.grid(alpha=0.3)
    ax_err.legend(loc="upper right", frameon=True)
    if table_times is not None:
        ax_err.set_xticks(list(table_times))
