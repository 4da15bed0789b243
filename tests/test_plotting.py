"""Tests of lmssurv.plotting: what is drawn matches what is computed."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from lmssurv._validation import InputError
from lmssurv.plotting import (
    OKABE_ITO,
    numbers_at_risk,
    plot_endpoint,
    plot_km,
    save_figure,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def two_arms(labels=("Doxorubicin", "Doxorubicin + trabectedin"), seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 60
    t = np.r_[rng.exponential(20, n), rng.exponential(32, n)]
    c = rng.uniform(20, 60, 2 * n)
    return pd.DataFrame({"arm": np.repeat(labels, n), "time": np.minimum(t, c),
                         "event": (t <= c).astype(int)})


def test_numbers_at_risk_by_hand():
    # At-risk at t counts time >= t: A = {2, 7, 13}, B = {6, 6, 20, 30}.
    ipd = pd.DataFrame({"arm": list("AAABBBB"), "time": [2.0, 7, 13, 6, 6, 20, 30],
                        "event": [1, 0, 1, 1, 0, 1, 0]})
    table = numbers_at_risk(ipd, [0, 6, 12, 24])
    assert table.to_dict("index") == {"A": {0: 3, 6: 2, 12: 1, 24: 0},
                                      "B": {0: 4, 6: 4, 12: 2, 24: 1}}


def at_risk_texts(fig) -> dict[tuple[str, float], int]:
    out = {}
    for ax in fig.axes:
        for text in ax.texts:
            gid = text.get_gid() or ""
            if gid.startswith("at-risk|"):
                _, arm, t = gid.split("|")
                out[(arm, float(t))] = int(text.get_text())
    return out


def test_drawn_at_risk_numbers_equal_the_counts():
    ipd = two_arms()
    ax = plot_km(ipd, title="Simulated")
    times = [float(t) for t in ax.get_xticks()]
    assert times == [float(t) for t in range(0, int(ipd["time"].max()) + 1, 6)]  # every 6 months
    expected = numbers_at_risk(ipd, times)
    drawn = at_risk_texts(ax.figure)
    assert len(drawn) == expected.size
    for arm, counts in expected.iterrows():
        for t, count in counts.items():
            assert drawn[(arm, float(t))] == count
    # sanity of the counts themselves: everyone is at risk at 0
    assert expected[0].tolist() == [60, 60]


def test_layout_labels_and_fonts_readable():
    ipd = two_arms()
    ax = plot_km(ipd, ylabel="Overall survival (probability)", title="T")
    fig = ax.figure
    assert tuple(fig.get_size_inches()) == (12, 7)
    assert ax.get_xlabel() == "Months since randomisation"
    assert ax.get_ylabel() == "Overall survival (probability)"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"Doxorubicin", "Doxorubicin + trabectedin"} <= set(legend)
    sizes = [t.get_fontsize() for a in fig.axes for t in a.texts]
    sizes += [t.get_fontsize() for t in ax.get_legend().get_texts()]
    sizes += [t.get_fontsize() for t in ax.get_xticklabels()]
    assert min(sizes) >= 11
    # arm colours are Okabe-Ito, control first
    colours = [line.get_color() for line in ax.get_lines()[:1]]
    assert colours[0] == OKABE_ITO[0]
    # nothing drawn outside the figure: every text's box lies within the canvas
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for a in fig.axes:
        for text in a.texts:
            box = text.get_window_extent(renderer)
            assert box.x0 >= 0 and box.x1 <= fig.bbox.width + 1, text.get_text()


def published_endpoint():
    from lmssurv.trials import load_trial

    return load_trial("lms04").endpoints["pfs"]


def test_published_points_drawn_at_their_values():
    ep = published_endpoint()
    ipd = two_arms(labels=(ep.control.label, ep.experimental.label))
    ax = plot_km(ipd, published=ep)
    points = {(round(float(x), 3), round(float(y), 3))
              for line in ax.get_lines() if line.get_marker() in ("D", "o")
              for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True)}
    for arm in (ep.control, ep.experimental):
        for t, s in arm.landmarks.items():
            assert (round(t, 3), round(s, 3)) in points
        # medians sit at S = 0.5, nudged by 0.018 to keep the two CI bars apart
        assert any(x == round(arm.median, 3) and abs(y - 0.5) < 0.02 for x, y in points)
    box = "\n".join(t.get_text() for t in ax.texts)
    assert "HR published (adjusted): 0.41 (95% CI 0.29\u20130.58)" in box
    assert "HR pseudo-data (Cox, unadjusted)" in box


def test_plot_endpoint_and_atomic_save(tmp_path):
    from lmssurv.trials import load_trial

    trial = load_trial("lms04")
    ep = trial.endpoints["os"]
    ipd = two_arms(labels=(ep.control.label, ep.experimental.label))
    path = tmp_path / "sub" / "os.png"
    fig = plot_endpoint(trial, "os", ipd, path)
    assert path.stat().st_size > 10_000
    assert fig.axes[0].get_ylabel() == "Overall survival (probability)"
    assert [p.name for p in path.parent.iterdir()] == ["os.png"]  # no temp file left
    with pytest.raises(InputError, match="exists; pass force=True"):
        save_figure(fig, path, force=False)


def test_save_failure_leaves_nothing(tmp_path, monkeypatch):
    fig = plot_km(two_arms()).figure
    target = tmp_path / "x.png"

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        save_figure(fig, target)
    assert list(tmp_path.iterdir()) == []


def test_bad_input_messages():
    with pytest.raises(InputError, match=r"missing column\(s\) \['arm'\]"):
        plot_km(pd.DataFrame({"time": [1.0], "event": [1]}))
    with pytest.raises(InputError, match="colors has 1 entries for 2 arms"):
        plot_km(two_arms(), colors=["#000000"])
    with pytest.raises(InputError, match="arm 'C' has no rows"):
        plot_km(two_arms(labels=("A", "B")), arms=["A", "C"])


def test_an_arm_without_events_is_drawn_with_the_hr_not_estimable():
    # Sweep /tmp/fuzz-w/checkplot.py (seed 1): plot_km of two arms, one with no event, raised
    # InputError from the default fit_hr text box, so legal data could not be drawn. Independent
    # route: with no event in an arm the Cox partial likelihood is monotone in log HR (no finite
    # maximum), which lmssurv.cox reports as nan (tests/test_cox.py checks it against lifelines).
    ipd = pd.DataFrame({"arm": ["A", "A", "B", "B"], "time": [1.0, 2.0, 3.0, 4.0],
                        "event": [1, 0, 0, 0]})
    ax = plot_km(ipd)
    text = "\n".join(t.get_text() for t in ax.texts)
    assert "HR pseudo-data (Cox, unadjusted): not estimable" in text
    assert len([ln for ln in ax.lines if ln.get_label() in ("A", "B")]) == 2


def test_a_very_long_follow_up_gets_at_most_30_ticks():
    # Sweep /tmp/fuzz-w/own.py (seed 4, case 1120): plot_endpoint of an own trial with a time
    # of ~1e9 months drew a tick every 12 months and never finished (hours, in matplotlib).
    ax = plot_km(pd.DataFrame({"arm": ["A", "A"], "time": [1.0, 1e9], "event": [1, 0]}))
    ticks = ax.get_xticks()
    assert len(ticks) <= 31 and ticks.max() <= 1e9 + 1


def test_one_patient_censored_at_0_gets_a_visible_axis():
    # Sweep /tmp/fuzz-w/checkplot.py (seed 1): every time 0 set xlim (0, 0), and matplotlib
    # warned "Attempting to set identical low and high xlims" to the user.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot_km(pd.DataFrame({"arm": ["A"], "time": [0.0], "event": [0]}))
    lo, hi = ax.get_xlim()
    assert lo == 0 and hi > 0


# -- the ensemble band ---------------------------------------------------------------------------

def toy_ensemble(draws=20, labels=("Doxorubicin", "Doxorubicin + trabectedin")) -> pd.DataFrame:
    """Independent simulated trials standing in for draws (the plot only needs the columns)."""
    return pd.concat([two_arms(labels, seed=100 + d).assign(draw=d) for d in range(draws)],
                     ignore_index=True)[["draw", "arm", "time", "event"]]


def _band_vertices(ax, arm):
    polys = [c for c in ax.collections if c.get_gid() == f"ensemble-band|{arm}"]
    assert len(polys) == 1, [c.get_gid() for c in ax.collections]
    return {(round(float(x), 9), round(float(y), 9))
            for path in polys[0].get_paths() for x, y in path.vertices}


def test_ensemble_band_drawn_is_the_survival_band():
    from lmssurv.estimates import survival_band

    ipd, ens = two_arms(), toy_ensemble()
    ax = plot_km(ipd, ensemble=ens, ensemble_level=0.8)
    # the drawn band is survival_band on the plot's grid (0 to the last at-risk tick or
    # the last follow-up, whichever is later), vertex for vertex
    x_max = max(float(ax.get_xticks()[-1]), float(ipd["time"].max()))
    band = survival_band(ens, np.linspace(0.0, x_max, 601), level=0.8)
    for arm, part in band.groupby("arm"):
        drawn = _band_vertices(ax, arm)
        for t, lo, hi in part[["time", "lower", "upper"]].itertuples(index=False):
            assert (round(t, 9), round(lo, 9)) in drawn and (round(t, 9), round(hi, 9)) in drawn
        assert (part["lower"] <= part["upper"]).all()
        assert part["upper"].is_monotonic_decreasing and part["lower"].is_monotonic_decreasing


def test_ensemble_band_and_km_ci_are_told_apart():
    ax = plot_km(two_arms(), ensemble=toy_ensemble(draws=15))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Reconstruction uncertainty (90% of 15 plausible rebuilds)" in legend
    assert "95% CI of the pseudo-data KM (log-log)" in legend
    assert "Pointwise 95% CI (log-log)" not in legend
    # the KM's CI is two dashed lines per arm, and the only shaded areas are the two bands
    ci_lines = [line for line in ax.get_lines() if (line.get_gid() or "").startswith("km-ci|")]
    assert len(ci_lines) == 4 and all(line.get_linestyle() == "--" for line in ci_lines)
    shaded = sorted(str(c.get_gid()) for c in ax.collections if isinstance(c, PolyCollection))
    assert shaded == ["ensemble-band|Doxorubicin", "ensemble-band|Doxorubicin + trabectedin"]
    # without an ensemble the figure is as before: shaded CI, its own legend entry
    plain = plot_km(two_arms())
    assert "Pointwise 95% CI (log-log)" in [t.get_text() for t in plain.get_legend().get_texts()]
    assert not [line for line in plain.get_lines() if (line.get_gid() or "").startswith("km-ci")]


# the plot is under test here, not whether every draw hits every published number
@pytest.mark.filterwarnings("ignore::lmssurv.ReconstructionWarning")
def test_plot_endpoint_with_a_real_ensemble_keeps_legend_and_title_clear():
    from lmssurv.trials import load_trial

    trial = load_trial("lms04")
    ipd = trial.reconstruct("os", seed=0)
    ens = trial.reconstruct_ensemble("os", draws=20, seed=0)
    fig = plot_endpoint(trial, "os", ipd, ensemble=ens)
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    curves = ax.get_window_extent(renderer)
    title = ax.title.get_window_extent(renderer)
    # legend above the curves (never over them), title above the legend, all on the canvas
    assert legend.y0 >= curves.y1 - 1 and title.y0 >= legend.y1 - 1
    assert title.y1 <= fig.bbox.height and legend.x1 <= fig.bbox.width
    assert at_risk_texts(fig)[("Doxorubicin", 0.0)] == 76  # the at-risk table is still there
    for arm in ("Doxorubicin", "Doxorubicin + trabectedin"):
        assert _band_vertices(ax, arm)


def test_ensemble_of_other_arms_is_refused():
    with pytest.raises(InputError, match=r"ensemble has no draws of arm\(s\) \['A', 'B'\]"):
        plot_km(two_arms(labels=("A", "B")), ensemble=toy_ensemble())


@pytest.mark.parametrize("t_max, ticks", [(2.0, [0, 0.5, 1, 1.5, 2]), (5.5, [0, 1, 2, 3, 4, 5]),
                                          (14.0, [0, 3, 6, 9, 12])])
def test_short_follow_up_gets_enough_ticks(t_max, ticks):
    ipd = pd.DataFrame({"arm": "A", "time": np.linspace(0.1, t_max, 20), "event": 1})
    ax = plot_km(ipd)
    assert [float(t) for t in ax.get_xticks()] == [float(t) for t in ticks]


def test_long_labels_keep_the_legend_on_the_canvas():
    long = ("Pembrolizumab + cyclophosphamide, all cohorts", "Placebo + cyclophosphamide")
    ax = plot_km(two_arms(labels=long), ensemble=toy_ensemble(labels=long))
    fig = ax.figure
    fig.canvas.draw()
    box = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    assert 0 <= box.x0 and box.x1 <= fig.bbox.width


def test_one_palette_for_every_figure():
    # Okabe & Ito (2008), "Color Universal Design", the published sRGB values of the palette
    from lmssurv.plotting import COLOURS, OKABE_ITO

    assert COLOURS == {"blue": "#0072B2", "vermillion": "#D55E00", "bluish green": "#009E73",
                       "reddish purple": "#CC79A7", "orange": "#E69F00",
                       "sky blue": "#56B4E9", "black": "#000000"}
    assert OKABE_ITO[:3] == (COLOURS["blue"], COLOURS["vermillion"], COLOURS["bluish green"])
