"""Tests of lmssurv.plotting: what is drawn matches what is computed."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

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
