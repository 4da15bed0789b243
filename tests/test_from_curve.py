"""Tests of the curve engine: pencil-and-paper curves, messy clicks, WebPlotDigitizer files.

Reference values are worked out by hand in the comments (Kaplan-Meier products of small risk
sets), or follow Guyot et al. 2012 (BMC Med Res Methodol 12:9), section "Algorithm", where the
behaviour is documented.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lmssurv._validation import InputError
from lmssurv.curve_accuracy import curve_accuracy, plot_curve_accuracy
from lmssurv.reconstruct.from_curve import clean_clicks, read_digitised, reconstruct_from_curve


def km(df: pd.DataFrame) -> dict[float, float]:
    """KM survival just after each event time (numpy, for hand checks)."""
    out, s = {}, 1.0
    for t in np.unique(df.loc[df["event"] == 1, "time"]):
        r = int((df["time"] >= t).sum())
        d = int(((df["time"] == t) & (df["event"] == 1)).sum())
        s *= 1 - d / r
        out[round(float(t), 9)] = s
    return out


STAIRS = pd.DataFrame({"time": [0, 2, 2, 5, 5, 8], "survival": [1, 1, 0.8, 0.8, 0.6, 0.6]})


# --------------------------------------------------------------------------------------------
# Pencil-and-paper curves
# --------------------------------------------------------------------------------------------
def test_exact_staircase_with_table_is_rebuilt_exactly():
    # 10 patients; the table (10, 8, 6 at 0, 4, 8) leaves no room for censoring before 8:
    # 2 events at t=2 (KM 8/10 = 0.8), 2 at t=5 (0.8 * 6/8 = 0.6), 6 censored at 8.
    table = pd.DataFrame({"time": [0, 4, 8], "at_risk": [10, 8, 6]})
    ipd = reconstruct_from_curve(STAIRS, at_risk=table, events=4)
    assert ipd["time"].tolist() == [2, 2, 5, 5] + [8] * 6
    assert ipd["event"].tolist() == [1] * 4 + [0] * 6
    assert km(ipd) == pytest.approx({2.0: 0.8, 5.0: 0.6}, abs=1e-12)
    assert ipd.attrs["events_moved"] == 0


def test_no_table_no_events_means_no_censoring_before_the_end():
    # Guyot et al. 2012: with neither the numbers at risk nor the total events, no censoring is
    # assumed before the end of follow-up. 1 -> 0.7 at t=3 with n=10 is 3 events; 7 censored at 6.
    clicks = pd.DataFrame({"time": [0, 3, 3, 6], "survival": [1, 1, 0.7, 0.7]})
    ipd = reconstruct_from_curve(clicks, n=10)
    assert ipd["time"].tolist() == [3, 3, 3] + [6] * 7
    assert ipd["event"].sum() == 3


def test_last_interval_censors_at_the_average_earlier_rate():
    # Guyot et al. 2012: without total events the last interval is censored at the average
    # rate of the earlier intervals. Flat curve, 2 censorings per 10 months in [0, 20) -> 0.2 a
    # month -> round(0.2 * 10) = 2 censorings inside (20, 30), the other 14 at the end (30).
    clicks = pd.DataFrame({"time": [0, 30], "survival": [1, 1]})
    table = pd.DataFrame({"time": [0, 10, 20], "at_risk": [20, 18, 16]})
    ipd = reconstruct_from_curve(clicks, at_risk=table)
    late = ipd["time"][ipd["time"] >= 20]
    assert ipd["event"].sum() == 0
    assert int(((late > 20) & (late < 30)).sum()) == 2
    assert int((late == 30).sum()) == 14


def test_censorings_where_the_steps_say_so():
    # 21 patients: 3 events at t=1 (KM 18/21), 5 censorings, 1 event at t=2.5 among 13 at risk
    # (KM 18/21 * 12/13); 12 at risk at t=3. Guyot's even spread of the 5 censorings over [0, 3)
    # puts 2 before t=1, so the first drop would be 3/19 (KM 16/19 = 0.842, off by 0.015); the
    # step sizes show that all 5 came after t=1.
    clicks = pd.DataFrame({"time": [0, 1, 1, 2.5, 2.5, 4],
                           "survival": [1, 1, 18 / 21, 18 / 21, 18 / 21 * 12 / 13,
                                        18 / 21 * 12 / 13]})
    table = pd.DataFrame({"time": [0, 3], "at_risk": [21, 12]})
    ipd = reconstruct_from_curve(clicks, at_risk=table, events=4)
    steps = km(ipd)
    # the first drop to the digit: no censoring before t=1 (the even spread is off by 0.015)
    assert steps[1.0] == pytest.approx(18 / 21, abs=1e-9)
    assert int((ipd["time"] < 1).sum()) == 0
    assert "tilted" in ipd.attrs["intervals"][0]["note"]
    # the one-parameter tilt cannot put all 5 censorings inside (1, 2.5): the second drop is
    # within one of its steps (1/13 of 0.857 = 0.066) of the clicks, here 1/16 instead of 1/13
    assert abs(steps[2.5] - 18 / 21 * 12 / 13) < 18 / 21 / 13 / 2


def test_drop_clicked_after_a_table_time_is_counted_before_it():
    # 10 patients: 2 events at t=1 (KM 8/10), 1 event at t=2.99 among 8 at risk (KM 0.7), 1
    # censored in (3, 5), 1 event at t=5 among 6 at risk (KM 0.7 * 5/6), 5 censored at 8; table
    # 10, 7, 5 at 0, 3, 6. The drop at 2.99 is clicked at 3.01 (reading noise: SD 0.2% of the
    # 8-month axis is 0.016). Counted after 3, it would have at most 7 at risk, so a step of 1/7
    # (KM 0.686, then 0.571 at t=5 with no room for the censoring); its size, 1/8, says it
    # happened before 3. Rebuilt: the truth, with the event just before 3.
    clicks = pd.DataFrame({"time": [0, 1, 1, 3.01, 3.01, 5, 5, 8],
                           "survival": [1, 1, 0.8, 0.8, 0.7, 0.7, 0.7 * 5 / 6, 0.7 * 5 / 6]})
    table = pd.DataFrame({"time": [0, 3, 6], "at_risk": [10, 7, 5]})
    ipd = reconstruct_from_curve(clicks, at_risk=table, events=4)
    assert list(km(ipd).values()) == pytest.approx([0.8, 0.7, 0.7 * 5 / 6], abs=1e-12)
    ev = ipd.loc[ipd["event"] == 1, "time"].to_numpy()
    assert 3 - 1e-9 < ev[2] < 3  # moved across the table time by the least possible
    assert int((ipd["time"] >= 3).sum()) == 7 and int((ipd["time"] >= 6).sum()) == 5
    assert "counted before 3" in ipd.attrs["intervals"][0]["note"]


def test_drop_clicked_before_a_table_time_is_counted_after_it():
    # Mirror image: 2 events at t=1 (KM 0.8), 1 censored in (1, 3), 7 at risk at 3, 1 event at
    # t=3.01 (KM 0.8 * 6/7), 1 at t=5 among 6 (KM 0.8 * 6/7 * 5/6), 5 censored at 8. Clicked at
    # 2.99, the drop would have 8 at risk (a step of 1/8, KM 0.7); its size, 1/7, says after 3.
    s3 = 0.8 * 6 / 7
    clicks = pd.DataFrame({"time": [0, 1, 1, 2.99, 2.99, 5, 5, 8],
                           "survival": [1, 1, 0.8, 0.8, s3, s3, s3 * 5 / 6, s3 * 5 / 6]})
    table = pd.DataFrame({"time": [0, 3, 6], "at_risk": [10, 7, 5]})
    ipd = reconstruct_from_curve(clicks, at_risk=table, events=4)
    assert list(km(ipd).values()) == pytest.approx([0.8, s3, s3 * 5 / 6], abs=1e-12)
    assert ipd.loc[ipd["event"] == 1, "time"].tolist()[2] == 3.0
    assert int((ipd["time"] >= 3).sum()) == 7
    assert "counted after 3" in ipd.attrs["intervals"][0]["note"]


def test_large_risk_sets_keep_the_published_split():
    # 100 patients: 20 events at t=1 (KM 0.8), 29 censored in (1, 3), 1 event at t=2.99 among 51
    # (KM 0.8 * 50/51) clicked at 3.01, 50 at risk at 3, 1 event at t=5 among 49, 47 at risk at
    # 6. Before or after 3 the step is 1/51 or 1/50 of 0.8, a difference of 0.8 / (50 * 51) =
    # 0.0003, far below the 0.002 survival reading precision: real clicks cannot tell the sides
    # apart (these noise-free ones would say "before"), so the drop stays where it was clicked,
    # as in Guyot's algorithm. With 12 at risk the same clicks move it (0.0047 > 0.002).
    for at_3, moved in ((50, False), (12, True)):
        s2 = 0.8 * at_3 / (at_3 + 1)
        s3 = s2 * (at_3 - 2) / (at_3 - 1)
        clicks = pd.DataFrame({"time": [0, 1, 1, 3.01, 3.01, 5, 5, 8],
                               "survival": [1, 1, 0.8, 0.8, s2, s2, s3, s3]})
        table = pd.DataFrame({"time": [0, 3, 6], "at_risk": [100, at_3, at_3 - 3]})
        ipd = reconstruct_from_curve(clicks, at_risk=table, events=22)
        note = ipd.attrs["intervals"][0]["note"]
        assert ("counted before 3" in note) is moved, note
        near = (ipd["time"] > 2.9) & (ipd["time"] < 3) & (ipd["event"] == 1)
        assert bool(near.any()) is moved
        assert int((ipd["time"] >= 3).sum()) == at_3


def test_several_steps_merged_into_one_diagonal_spread_their_events():
    # A staircase drawn too densely to click every corner: top-left (2, 1) and bottom-right
    # (4, 0.8) of 4 drops of 1/20 with no censoring. The events are spread along the diagonal,
    # where it crosses each step's midpoint (0.975, 0.925, ...), not stacked at t=4.
    clicks = pd.DataFrame({"time": [0, 2, 4, 6], "survival": [1, 1, 0.8, 0.8]})
    ipd = reconstruct_from_curve(clicks, n=20, events=4)
    ev = ipd.loc[ipd["event"] == 1, "time"].to_numpy()
    # KM after k events is 1 - k/20; midpoints 1 - (k + 1/2)/20 on the line 1 - 0.1 (t - 2)
    assert ev == pytest.approx([2.25, 2.75, 3.25, 3.75], abs=1e-9)


def test_total_events_and_n_are_exact_on_noisy_clicks():
    rng = np.random.default_rng(7)
    t = np.sort(rng.exponential(20, 150))
    cens = rng.uniform(5, 40, 150)
    time, event = np.minimum(t, cens), (t <= cens).astype(int)
    order = np.argsort(time)
    time, event = time[order], event[order]
    ev_t = np.unique(time[event == 1])
    s = np.cumprod([1 - ((time == u) & (event == 1)).sum() / (time >= u).sum() for u in ev_t])
    clicks = pd.DataFrame({
        "time": np.concatenate([[0], ev_t, ev_t]) + rng.normal(0, 0.08, 2 * ev_t.size + 1),
        "survival": np.concatenate([[1], np.r_[1, s[:-1]], s]) + rng.normal(0, .002,
                                                                          2 * ev_t.size + 1)})
    grid = np.arange(0, 40, 6.0)
    table = pd.DataFrame({"time": grid, "at_risk": [(time >= g).sum() for g in grid]})
    ipd = reconstruct_from_curve(clicks, at_risk=table, events=int(event.sum()))
    assert len(ipd) == 150 and ipd["event"].sum() == event.sum()
    rebuilt = [(ipd["time"] >= g).sum() for g in grid]
    assert rebuilt == table["at_risk"].tolist()  # every published number at risk


def test_percent_scale_gives_the_same_patients():
    table = pd.DataFrame({"time": [0, 4, 8], "at_risk": [10, 8, 6]})
    pct = STAIRS.assign(survival=STAIRS["survival"] * 100)
    a = reconstruct_from_curve(STAIRS, at_risk=table, events=4)
    b = reconstruct_from_curve(pct, at_risk=table, events=4, scale="percent")
    pd.testing.assert_frame_equal(a, b)


def test_deterministic():
    table = pd.DataFrame({"time": [0, 4], "at_risk": [10, 8]})
    a = reconstruct_from_curve(STAIRS, at_risk=table, events=4)
    b = reconstruct_from_curve(STAIRS, at_risk=table, events=4)
    pd.testing.assert_frame_equal(a, b)


def test_censor_ticks_place_the_censorings():
    # 10 patients, table 10 -> 6 at t=4: 2 events at t=2 and 2 censorings, drawn as ticks at
    # 3.1 and 3.7 (after the drop, so the drop is 2/10 and the KM 0.8).
    table = pd.DataFrame({"time": [0, 4, 8], "at_risk": [10, 6, 4]})
    clicks = pd.DataFrame({"time": [0, 2, 2, 5, 5, 8],
                           "survival": [1, 1, 0.8, 0.8, 0.6, 0.6]})
    ipd = reconstruct_from_curve(clicks, at_risk=table, events=4,
                                 censor_times=[3.1, 3.7, 6.5, 7.0])
    cens = ipd.loc[(ipd["event"] == 0) & (ipd["time"] < 4), "time"].tolist()
    assert cens == [3.1, 3.7]
    assert km(ipd)[2.0] == pytest.approx(0.8, abs=1e-12)


def test_dict_of_arms():
    table = pd.DataFrame({"time": [0, 4, 8], "at_risk": [10, 8, 6]})
    ipd = reconstruct_from_curve({"A": STAIRS, "B": STAIRS}, at_risk={"A": table, "B": table},
                                 events={"A": 4, "B": 4})
    assert list(ipd.columns) == ["arm", "time", "event"]
    assert ipd.groupby("arm")["event"].sum().to_dict() == {"A": 4, "B": 4}
    assert set(ipd.attrs["arms"]) == {"A", "B"}


def test_total_events_settled_by_turning_an_event_into_a_censoring():
    # Clicks imply 4 events, the paper says 3: one event becomes a censoring at its own time,
    # so n and every number at risk are unchanged; the change is recorded.
    # The table (10, 8, 6 at 0, 4, 8) forces 2 events at t=2 and 2 at t=5 (no censoring fits);
    # events=3 then turns the latest event (t=5) into a censoring at t=5.
    table = pd.DataFrame({"time": [0, 4, 8], "at_risk": [10, 8, 6]})
    ipd = reconstruct_from_curve(STAIRS, at_risk=table, events=3)
    assert ipd["event"].sum() == 3 and len(ipd) == 10
    assert ipd.loc[ipd["time"] == 5, "event"].tolist() == [1, 0]
    assert [(ipd["time"] >= g).sum() for g in (0, 4, 8)] == [10, 8, 6]
    assert ipd.attrs["events_moved"] == 1
    assert any("turned into censorings" in note for note in ipd.attrs["notes"])


# --------------------------------------------------------------------------------------------
# Messy clicks
# --------------------------------------------------------------------------------------------
def test_swapped_vertical_pair_is_not_averaged():
    # Reading noise put the bottom of the drop at 1.99 before its top at 2.01. Sorting by time
    # and forcing monotone survival would give (0.9, 0.9) and move half the drop to t=5; ordered
    # along the curve, the two times are pooled instead: a vertical drop at t=2.
    clicks = pd.DataFrame({"time": [0, 2.01, 1.99, 5, 5], "survival": [1, 1, 0.8, 0.8, 0.6]})
    out = clean_clicks(clicks)
    assert out["survival"].tolist() == [1, 1, 0.8, 0.8, 0.6]
    assert out["time"].tolist() == pytest.approx([0, 2.0, 2.0, 5, 5], abs=1e-12)
    assert out.attrs["cleaning"]["isotonic_time_changed"] == 2
    assert out.attrs["cleaning"]["isotonic_survival_changed"] == 0


def test_cleaning_records_what_changed():
    clicks = pd.DataFrame({"time": [-0.02, 0, 3, 3, 3, 6, 9],
                           "survival": [1.004, 1.0, 1.0, 0.7, 0.7, 0.71, 0.7]})
    out = clean_clicks(clicks, last_time=8.0)
    rec = out.attrs["cleaning"]
    assert rec["time_below_0_clipped"] == 1
    assert rec["survival_above_1_clipped"] == 1
    assert rec["duplicates_removed"] == 2  # (3, 0.7) twice, and (0, 1) after clipping
    assert rec["past_last_at_risk_removed"] == 1
    # 0.71 after 0.70 violates monotonicity: pooled to their mean 0.705
    assert out["survival"].iloc[-1] == pytest.approx(0.705, abs=1e-12)
    assert (np.diff(out["survival"]) <= 0).all() and (np.diff(out["time"]) >= 0).all()


def test_clicks_past_a_table_zero_are_dropped_and_reported():
    clicks = pd.DataFrame({"time": [0, 2, 2, 5, 5, 12], "survival": [1, 1, .8, .8, .6, .6]})
    table = pd.DataFrame({"time": [0, 4, 8, 10], "at_risk": [10, 8, 3, 0]})
    ipd = reconstruct_from_curve(clicks, at_risk=table)
    assert ipd.attrs["cleaning"]["past_last_at_risk_removed"] == 1
    assert ipd["time"].max() < 10 and len(ipd) == 10


@pytest.mark.parametrize(("clicks", "kwargs", "message"), [
    (pd.DataFrame({"time": [0, 1], "survival": [100, 80]}), {},
     r"largest value is 100.*pass scale='percent'"),
    (pd.DataFrame({"time": [0, 1], "survival": [1, 0.8]}), {"scale": "percent"},
     r"look like proportions: pass scale='proportion'"),
    (pd.DataFrame({"time": [0, 1], "survival": [1, 0.8]}), {"scale": "odds"},
     r"scale must be 'proportion' or 'percent', got 'odds'"),
    (pd.DataFrame({"t": [0, 1], "survival": [1, 0.8]}), {},
     r"missing column\(s\) \['time'\]"),
    (pd.DataFrame({"time": [0, None], "survival": [1, 0.8]}), {},
     r"curve.time must hold finite numbers; row\(s\) \[1\]"),
    (pd.DataFrame({"time": [-5, 10], "survival": [1, 0.8]}), {},
     r"well before 0"),
    (pd.DataFrame({"time": [0, 10], "survival": [1, -0.2]}), {},
     r"well below 0"),
])
def test_bad_curves_are_explained(clicks, kwargs, message):
    with pytest.raises(InputError, match=message):
        reconstruct_from_curve(clicks, n=10, **kwargs)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, r"Pass the numbers-at-risk table \(at_risk=\) or at least the number of patients"),
    ({"at_risk": pd.DataFrame({"time": [0, 4], "at_risk": [10, 12]})},
     r"rises from 10 at time 0 to 12 at time 4"),
    ({"at_risk": pd.DataFrame({"time": [4, 8], "at_risk": [10, 8]})},
     r"starts at time 4, not 0; add the row \(0, n\) or pass n="),
    ({"at_risk": pd.DataFrame({"time": [0, 4], "at_risk": [10, 8]}), "n": 12},
     r"n=12 disagrees with at_risk at time 0 \(10\)"),
    ({"n": 10, "events": 11}, r"events=11 is more than the 10 patients"),
    ({"n": 10, "events": 2.5}, r"events must be a whole number, got 2.5"),
    ({"at_risk": pd.DataFrame({"time": [0, 4], "at_risk": [10, 7.5]})},
     r"at_risk.at_risk at time 4 must be a whole number"),
    ({"at_risk": pd.DataFrame({"time": [0, 0], "at_risk": [10, 8]})},
     r"has the time 0 twice"),
    ({"n": 10, "censor_times": [1, -2]}, r"censor_times must be finite months >= 0"),
])
def test_bad_tables_and_totals_are_explained(kwargs, message):
    with pytest.raises(InputError, match=message):
        reconstruct_from_curve(STAIRS, **kwargs)


def test_arm_named_in_errors_for_several_arms():
    with pytest.raises(InputError, match=r"arm 'B': .*pass scale='percent'"):
        reconstruct_from_curve({"A": STAIRS, "B": STAIRS.assign(survival=STAIRS.survival * 100)},
                               n={"A": 10, "B": 10})


# --------------------------------------------------------------------------------------------
# WebPlotDigitizer files
# --------------------------------------------------------------------------------------------
def test_read_plain_export(tmp_path):
    path = tmp_path / "arm.csv"
    path.write_text("0.0, 100.2\n2.5,91.0\n\n5.1,80.5\n")
    out = read_digitised(path)
    assert out.to_dict("list") == {"time": [0.0, 2.5, 5.1], "survival": [100.2, 91.0, 80.5]}


def test_read_plain_export_with_xy_header(tmp_path):
    path = tmp_path / "arm.csv"
    path.write_text("x,y\n0,1\n3,0.9\n")
    assert read_digitised(path)["survival"].tolist() == [1.0, 0.9]


def test_read_multi_dataset_export(tmp_path):
    # "Export all datasets": dataset names over their X,Y columns; shorter columns padded
    path = tmp_path / "all.csv"
    path.write_text("Control,,Drug,\nX,Y,X,Y\n0,1,0,1\n2,0.8,1.5,0.9\n4,0.7,,\n")
    out = read_digitised(path)
    assert out["arm"].tolist() == ["Control"] * 3 + ["Drug"] * 2
    assert out.loc[out["arm"] == "Drug", "time"].tolist() == [0.0, 1.5]
    curves = {arm: g.drop(columns="arm") for arm, g in out.groupby("arm")}
    ipd = reconstruct_from_curve(curves, n={"Control": 10, "Drug": 10})
    assert set(ipd["arm"]) == {"Control", "Drug"}


@pytest.mark.parametrize(("text", "message"), [
    ("", r"is empty; export the dataset"),
    ("0,1,2\n1,2,3\n", r"has 3 column\(s\); a WebPlotDigitizer export has x,y pairs"),
    ("0,1\n1,abc\n", r"row 2 columns 1-2 hold '1', 'abc'; expected two numbers"),
    # sweep of read_digitised with odd exports (/tmp/fuzz-w, hand-made files): the first three
    # were silent wrong answers, two arms' clicks merged into one arm or an arm dropped
    ("A,,A,\nX,Y,X,Y\n0,1,0,1\n2,0.8,3,0.5\n", r"names two datasets 'A'; their clicks would be "
                                               r"merged"),
    (",,,\nX,Y,X,Y\n0,1,0,1\n2,0.8,3,0.5\n", r"has 4 columns but no dataset names"),
    ("A,,B,\nX,Y,X,Y\n0,1,,\n2,0.8,,\n", r"columns 3-4 \(dataset 'B'\) hold no clicks"),
    (b"Contr\xf4le,,Exp,\nX,Y,X,Y\n0,1,0,1\n", r"is not UTF-8 text .*save the export as UTF-8"),
])
def test_read_digitised_errors(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_digitised(path)


def test_read_missing_file(tmp_path):
    with pytest.raises(InputError, match="cannot read the digitised curve"):
        read_digitised(tmp_path / "nope.csv")


# --------------------------------------------------------------------------------------------
# Accuracy report
# --------------------------------------------------------------------------------------------
def test_accuracy_of_an_exact_rebuild_is_zero():
    table = pd.DataFrame({"time": [0, 4, 8], "at_risk": [10, 8, 6]})
    ipd = reconstruct_from_curve(STAIRS, at_risk=table, events=4)
    acc = curve_accuracy(STAIRS, ipd, at_risk=table, events=4).set_index("measure")
    # exact up to floating-point rounding of the KM product
    assert acc.loc[["rmse", "mean_abs_error", "max_abs_error"], "error"].tolist() == \
        pytest.approx([0, 0, 0], abs=1e-12)
    assert acc.loc["at_risk", "rebuilt"].tolist() == [10, 8, 6]
    assert acc.loc["events", "error"] == 0


def test_accuracy_max_error_is_absolute():
    # IPDfromKM reports a signed maximum; a rebuilt KM that sits 0.1 BELOW a click must show
    # max_abs_error 0.1, not 0. Rebuilt: one event at t=1 of 10 (KM 0.9) vs clicks at 1.0.
    clicks = pd.DataFrame({"time": [0, 2], "survival": [1.0, 1.0]})
    ipd = pd.DataFrame({"time": [1.0] + [3.0] * 9, "event": [1] + [0] * 9})
    acc = curve_accuracy(clicks, ipd).set_index("measure")
    assert acc.loc["max_abs_error", "error"] == pytest.approx(0.1, abs=1e-12)
    assert acc.loc["survival", "error"].tolist() == pytest.approx([0.0, -0.1], abs=1e-12)
    assert acc.loc["rmse", "error"] == pytest.approx(np.sqrt(0.01 / 2), abs=1e-12)


def test_accuracy_plot_has_three_panels():
    import matplotlib.pyplot as plt

    table = pd.DataFrame({"time": [0, 4, 8], "at_risk": [10, 8, 6]})
    ipd = reconstruct_from_curve(STAIRS, at_risk=table, events=4)
    fig = plot_curve_accuracy(STAIRS, ipd, at_risk=table)
    try:
        assert len(fig.axes) == 3
        texts = [t.get_text() for t in fig.axes[1].texts]
        assert {"10", "8", "6"} <= set(texts)
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------------------------
# The long form of read_digitised (arm column) and time units (issue 12)
# --------------------------------------------------------------------------------------------
TABLE = pd.DataFrame({"time": [0, 4, 8], "at_risk": [10, 8, 6]})
LONG_CURVE = pd.concat([STAIRS.assign(arm="A"), STAIRS.assign(arm="B")], ignore_index=True)
LONG_TABLE = pd.concat([TABLE.assign(arm="A"), TABLE.assign(arm="B", at_risk=[12, 10, 8])],
                       ignore_index=True)


def test_long_curve_and_long_table_rebuild_each_arm_like_the_dict_form():
    # the route the long form must agree with: one dict per arm (tested above)
    by_dict = reconstruct_from_curve(
        {"A": STAIRS, "B": STAIRS},
        at_risk={a: g.drop(columns="arm") for a, g in LONG_TABLE.groupby("arm")})
    long = reconstruct_from_curve(LONG_CURVE, at_risk=LONG_TABLE)
    pd.testing.assert_frame_equal(long, by_dict)
    assert long.groupby("arm").size().to_dict() == {"A": 10, "B": 12}  # never one merged arm


def test_read_digitised_output_goes_straight_in(tmp_path):
    path = tmp_path / "all.csv"
    path.write_text("Control,,Drug,\nX,Y,X,Y\n0,1,0,1\n2,0.8,1.5,0.9\n4,0.7,,\n")
    ipd = reconstruct_from_curve(read_digitised(path), n={"Control": 10, "Drug": 12})
    assert ipd.groupby("arm", sort=False).size().to_dict() == {"Control": 10, "Drug": 12}


@pytest.mark.parametrize(("curve", "kwargs", "message"), [
    # the two silent failures of the issue: merged arms, and "time 0 twice"
    (LONG_CURVE, {"n": 10}, r"n is one value for 2 arms \['A', 'B'\]; give it per arm"),
    (LONG_CURVE, {"at_risk": TABLE}, r"at_risk is one value for 2 arms .* or a long table with "
                                     r"an arm column"),
    (STAIRS, {"at_risk": LONG_TABLE}, r"at_risk has 2 arms \['A', 'B'\] but the curve has no "
                                      r"arm column"),
    (LONG_CURVE, {"at_risk": LONG_TABLE.replace({"arm": {"B": "b"}})},
     r"at_risk names the arms \['A', 'b'\] but the curve has \['A', 'B'\].*Is 'b' the curve's "
     r"'B'\?"),
    ({"A": STAIRS, "B": STAIRS}, {"at_risk": TABLE, "events": 4},
     r"at_risk is one value for 2 arms"),
    ({"A": STAIRS, "B": STAIRS}, {"n": {"A": 10, "B": 10}, "censor_times": [3.0]},
     r"censor_times is one value for 2 arms"),
])
def test_ambiguous_arms_are_refused_never_merged(curve, kwargs, message):
    with pytest.raises(InputError, match=message):
        reconstruct_from_curve(curve, **kwargs)


def test_one_named_arm_takes_a_plain_table():
    ipd = reconstruct_from_curve(STAIRS.assign(arm="A"), at_risk=TABLE, events=4)
    assert ipd["arm"].unique().tolist() == ["A"] and len(ipd) == 10


@pytest.mark.parametrize(("unit", "months_per_unit"), [
    ("days", 1 / 30.4375), ("weeks", 7 / 30.4375), ("years", 12.0), ("months", 1.0)])
def test_time_unit_converts_curve_table_and_ticks_once(unit, months_per_unit):
    # the same figure drawn on another axis: times divided by the unit's length in months
    in_months = reconstruct_from_curve(STAIRS, at_risk=TABLE, events=4,
                                       censor_times=[3.1, 3.7, 6.5, 7.0])
    scale = 1 / months_per_unit
    other = reconstruct_from_curve(STAIRS.assign(time=STAIRS.time * scale),
                                   at_risk=TABLE.assign(time=TABLE.time * scale),
                                   events=4,
                                   censor_times=[t * scale for t in (3.1, 3.7, 6.5, 7.0)],
                                   time_unit=unit)
    # 1e-12: one multiplication and one division in floating point
    np.testing.assert_allclose(other["time"], in_months["time"], rtol=1e-12)
    assert other["event"].tolist() == in_months["event"].tolist()
    with pytest.raises(InputError, match=r"time_unit must be one of .*got 'fortnights'"):
        reconstruct_from_curve(STAIRS, n=10, time_unit="fortnights")


def test_one_curve_and_a_dict_give_the_same_columns():
    one = reconstruct_from_curve(STAIRS, at_risk=TABLE, events=4)
    several = reconstruct_from_curve({"A": STAIRS, "B": STAIRS}, at_risk={"A": TABLE, "B": TABLE},
                                     events={"A": 4, "B": 4})
    named = reconstruct_from_curve({"A": STAIRS}, at_risk=TABLE, events=4)
    assert list(one.columns) == list(several.columns) == list(named.columns) == [
        "arm", "time", "event"]
    assert set(one["arm"]) == {"curve"} and set(named["arm"]) == {"A"}
    pd.testing.assert_frame_equal(one.drop(columns="arm"), named.drop(columns="arm"))
    # a long at-risk table naming the single curve's arm gives its name
    long_table = TABLE.assign(arm="A")
    assert set(reconstruct_from_curve(STAIRS, at_risk=long_table)["arm"]) == {"A"}


def test_total_events_is_a_deprecated_alias_of_events():
    new = reconstruct_from_curve(STAIRS, at_risk=TABLE, events=4)
    with pytest.warns(DeprecationWarning, match=r"total_events is deprecated; pass events="):
        old = reconstruct_from_curve(STAIRS, at_risk=TABLE, total_events=4)
    pd.testing.assert_frame_equal(old, new)
    with pytest.raises(InputError, match="total_events is the old name of events"):
        reconstruct_from_curve(STAIRS, at_risk=TABLE, events=4, total_events=4)
    with pytest.warns(DeprecationWarning, match="total_events is deprecated"):
        acc = curve_accuracy(STAIRS, new, at_risk=TABLE, total_events=4)
    pd.testing.assert_frame_equal(acc, curve_accuracy(STAIRS, new, at_risk=TABLE, events=4))


# --------------------------------------------------------------------------------------------
# The batched event placement
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(40))
def test_follow_many_gives_follows_results_bit_for_bit(seed):
    # the reference is follow() itself, one set of censorings at a time: the batch must reach
    # the same fixed point in the same round, so the same floats, for counts that fit in the
    # interval, overflow it, exhaust the risk set, with and without censor ticks, open or closed
    from lmssurv.reconstruct.from_curve.placement import Target, follow, follow_many, spread

    rng = np.random.default_rng([7, seed])
    k = int(rng.integers(3, 60))
    t = np.sort(rng.uniform(0, 50, k))
    if seed % 3 == 0:
        t = np.round(t)  # vertical steps: several clicks at one time
    target = Target.from_clicks(t, np.sort(rng.uniform(0.05, 1, k))[::-1])
    r0 = int(rng.integers(1, 300))
    a = float(rng.uniform(0, 20))
    b = a + float(rng.uniform(0.5, 30))
    s0 = float(target.at(np.array([a]))[0])
    ticks = np.sort(rng.uniform(0, 50, 40)) if seed % 2 else np.empty(0)
    closed = seed % 4 == 1
    removed = int(rng.integers(0, r0 + 1))
    counts = rng.integers(0, removed + 1, 12)
    cens = [spread(int(c), a, b, ticks, tilt=float(np.exp(rng.choice([0, -1.5, 3]))),
                   closed=closed) for c in counts]
    limits = [removed - int(c) for c in counts]
    batch = follow_many(target, a, b, r0, s0, cens, closed, limits)
    assert len(batch) == len(cens)
    for ce, limit, (times, after) in zip(cens, limits, batch, strict=True):
        want_t, want_a = follow(target, a, b, r0, s0, ce, closed, limit)
        assert times.tobytes() == want_t.tobytes()
        assert after.tobytes() == want_a.tobytes()
