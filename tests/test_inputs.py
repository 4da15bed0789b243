"""Bad input from a user typing numbers from a paper: always a clear InputError (issue 5).

Every error must be a ``ValueError`` subclass (:class:`lmssurv.InputError`) whose message names
the field, shows the value and suggests the fix; each test matches that text. Inputs that are odd
but legitimate (numpy scalars, events = 0 or n, n = 1, a CI bound not reached) must work.
Trial files and the CLI are covered in test_trials.py and test_cli.py; random inputs in
test_properties.py.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lmssurv
from lmssurv import (
    ArmSummary,
    HazardRatio,
    InputError,
    ReconstructionWarning,
    reconstruct_arm,
    reconstruct_ensemble,
    reconstruct_trial,
)
from lmssurv.reconstruct.from_curve import clean_clicks, read_digitised, reconstruct_from_curve
from lmssurv.trials import load_trial

ARM = dict(n=76, events=60, median=24.0, median_ci=(19.0, 31.0), landmarks={24: 0.49},
           median_follow_up=55.0, max_follow_up=72.0)  # LMS-04 doxorubicin OS (NEJM 2024)


def arm(**changes) -> ArmSummary:
    return ArmSummary(**{**ARM, **changes})


def raises(pattern: str):
    """pytest.raises for InputError with a message matched literally (no regex escaping)."""
    return pytest.raises(InputError, match=re.escape(pattern))


def test_input_error_is_a_value_error():
    assert issubclass(InputError, ValueError)


# -- ArmSummary: n and events --------------------------------------------------------------------
@pytest.mark.parametrize("bad", [0, -3])
def test_n_must_be_at_least_one(bad):
    with raises(f"n must be >= 1, got {bad}. Pass the number of patients in the arm."):
        arm(n=bad, events=None)


@pytest.mark.parametrize("bad", [7.5, "76", True, math.nan, math.inf, None, (76,), 76 + 0j])
def test_n_must_be_a_whole_number(bad):
    with raises(f"n must be a whole number, got {bad!r}. Pass the number of patients"):
        arm(n=bad)


def test_n_beyond_any_trial_is_a_typo():
    # 1e300 used to pass validation and die in numpy ("Maximum allowed size exceeded")
    with raises("n must be <= 1,000,000, got 1e+300."):
        arm(n=1e300)
    with raises("n must be <= 1,000,000, got 10000000000000000000000000000000."):
        arm(n=10**31)  # exact ints: not "not a whole number"


@pytest.mark.parametrize("bad, message", [
    (-1, "events must be >= 0, got -1. Pass the number of events, or None."),
    (60.5, "events must be a whole number, got 60.5."),
    ("60", "events must be a whole number, got '60'."),
    (math.nan, "events must be a whole number, got nan."),
    (77, "events (77) cannot exceed n (76); check that both refer to the same arm and endpoint."),
])
def test_events_outside_zero_to_n(bad, message):
    with raises(message):
        arm(events=bad)


def test_numpy_scalars_and_whole_floats_are_accepted():
    a = arm(n=np.int64(76), events=np.int32(60), median=np.float64(24.0), landmarks={
        np.float64(24.0): np.float32(0.49)}, median_ci=(np.float64(19), 31))
    assert (a.n, a.events, a.median) == (76, 60, 24.0)
    assert type(a.n) is int and type(a.median) is float
    assert dict(a.landmarks) == {24.0: pytest.approx(0.49)}
    assert arm(n=76.0).n == 76


# -- ArmSummary: times and rates -----------------------------------------------------------------
@pytest.mark.parametrize("field", ["median", "median_follow_up", "max_follow_up", "accrual"])
@pytest.mark.parametrize("bad", [-1.0, math.nan, "24"])
def test_negative_or_nan_times(field, bad):
    reason = "must be > 0" if bad == -1.0 else "must be a finite number"
    with raises(f"{field} {reason}, got {bad!r}."):
        arm(**{field: bad}, median_ci=None, landmarks={})


def test_median_zero_suggests_none():
    with raises("median must be > 0, got 0.0. Use None for a median that was not reached."):
        arm(median=0, median_ci=None)


@pytest.mark.parametrize("bad, message", [
    ({-6: 0.9}, "landmarks time must be > 0, got -6.0. Landmark times are months after entry."),
    ({math.nan: 0.9}, "landmarks time must be a finite number, got nan."),
    ({"24": 0.49}, "landmarks time must be a finite number, got '24'."),
    ({0: 1.0}, "landmarks has a rate at time 0 (0: 1.0); survival at 0 months is 1 by "
               "definition. Leave it out."),
    ({24: -0.1}, "landmarks[24] must be a proportion in [0, 1], got -0.1."),
    ({24: math.nan}, "landmarks[24] must be a proportion in [0, 1], got nan."),
    ({24: None}, "landmarks[24] must be a proportion in [0, 1], got None."),
    ({24: 49}, "landmarks[24] must be a proportion in [0, 1], got 49.0. It looks like a "
               "percentage: pass 0.49 instead."),
    ({24: 101}, "landmarks[24] must be a proportion in [0, 1], got 101.0."),
])
def test_bad_landmarks(bad, message):
    with raises(message):
        arm(landmarks=bad)


def test_landmarks_as_a_list_asks_for_a_mapping():
    with raises("landmarks must be a mapping {time in months: survival proportion}, "
                "got [(24, 0.49)]."):
        arm(landmarks=[(24, 0.49)])


def test_landmarks_rising_with_time():
    with raises("landmarks rise with time: S(12) = 0.6 but S(24) = 0.7. A survival curve "
                "cannot go up"):
        arm(median=None, median_ci=None, landmarks={24: 0.7, 12: 0.6})


@pytest.mark.parametrize("landmarks, message", [
    # the example: median 30 but S(24) = 0.40
    ({24: 0.40}, "median 30 contradicts landmarks[24] = 0.4: survival is already below 0.5 at "
                 "24 months, so the median must be at most 24."),
    ({36: 0.60}, "median 30 contradicts landmarks[36] = 0.6: survival is still above 0.5 at "
                 "36 months, so the median must be later than 36."),
])
def test_median_contradicting_a_landmark(landmarks, message):
    with raises(message):
        arm(median=30, median_ci=None, landmarks=landmarks)


def test_a_landmark_within_rounding_of_the_median_is_accepted():
    # 0.49 at 24 months with a median of 25: a 2-year rate printed as 49% may be 49.4%, and a
    # median printed as 25 may be 24.6, so 1 point of slack (summary._ROUNDING_SLACK) is allowed
    assert arm(median=25, median_ci=None, landmarks={24: 0.49}).median == 25


@pytest.mark.parametrize("ci, message", [
    ((25.0, 31.0), "median_ci (25.0, 31.0) does not contain the median 24; check for a typo or "
                   "swapped arms."),
    ((19.0, 23.0), "median_ci (19.0, 23.0) does not contain the median 24"),
    ((31.0, 19.0), "median_ci lower bound 31 is above its upper bound 19; were they swapped?"),
    (20.0, "median_ci must be a pair (lower, upper), got 20.0."),
    ("19-31", "median_ci must be a pair (lower, upper), got '19-31'."),
    ((19.0, 24.0, 31.0), "median_ci must be a pair (lower, upper), got (19.0, 24.0, 31.0)."),
    ((-1.0, 31.0), "median_ci lower must be >= 0, got -1.0."),
    ((19.0, math.nan), "median_ci upper must be a finite number, got nan."),
])
def test_bad_median_ci(ci, message):
    with raises(message):
        arm(median_ci=ci)


def test_median_ci_with_a_bound_not_reached_is_accepted():
    assert arm(median_ci=(19.0, None)).median_ci == (19.0, None)
    assert arm(median_ci=(None, None)).median_ci == (None, None)
    assert arm(median=None, median_ci=(None, None), landmarks={}).median is None


def test_median_ci_without_a_median():
    with raises("median_ci=(19.0, 31.0) has an upper limit but median is None; pass the median "
                "too, or (lower, None) for a median not reached."):
        arm(median=None, landmarks={})
    # "NR (95% CI 19-NR)", as papers print a median not reached, is accepted
    assert arm(median=None, median_ci=(19.0, None), landmarks={}).median_not_reached


def test_landmark_ci_errors():
    with raises("landmark_cis[24] = (0.5, 0.6) does not contain the rate 0.49; check for a "
                "typo (percent vs proportion?)."):
        arm(landmark_cis={24: (0.5, 0.6)})
    with raises("landmark_cis[24] lower must be a proportion in [0, 1], got 40.0. It looks like "
                "a percentage: pass 0.4 instead."):
        arm(landmark_cis={24: (40, 58)})
    with raises("landmark_cis has a CI at 12 months but landmarks has no rate there; landmark "
                "times are [24.0]."):
        arm(landmark_cis={12: (0.4, 0.6)})
    with raises("landmark_cis[24] must be a pair (lower, upper), got 0.4."):
        arm(landmark_cis={24: 0.4})


def test_follow_up_contradictions():
    with raises("median_follow_up (80) exceeds max_follow_up (72); check that both are in months."):
        arm(median_follow_up=80)
    with raises("landmarks[84] lies beyond max_follow_up (72); no patient was followed "
                "that long."):
        arm(landmarks={24: 0.49, 84: 0.2})
    with raises("median (80) lies beyond max_follow_up (72); a Kaplan-Meier median cannot be "
                "later than the longest follow-up."):
        arm(median=80, median_ci=None, landmarks={}, median_follow_up=None)
    with raises("median_ci upper bound (75) lies beyond max_follow_up (72); use None for a bound "
                "that was not reached"):
        arm(median_ci=(19, 75))


def test_events_zero_cannot_go_with_a_falling_curve():
    with raises("events = 0 but median = 24: without events the Kaplan-Meier curve never falls"):
        arm(events=0)
    with raises("events = 0 but landmarks[12] = 0.9: without events survival stays at 1."):
        arm(events=0, median=None, median_ci=None, landmarks={12: 0.9})
    # ... but no events with survival 1 is a fine (if dull) report
    assert arm(events=0, median=None, median_ci=None, landmarks={12: 1.0}).events == 0


def test_edge_counts_are_valid():
    assert arm(events=76).events == 76  # everyone had the event
    one = ArmSummary(n=1, events=1, median=5.0)
    assert (one.n, one.events) == (1, 1)


def test_label_must_be_text():
    with raises("label must be a string, got 3."):
        arm(label=3)


def test_summary_is_frozen():
    a = arm()
    with pytest.raises(AttributeError):
        a.n = 10  # type: ignore[misc]
    with pytest.raises(TypeError):
        a.landmarks[36] = 0.3  # type: ignore[index]


# -- HazardRatio ---------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, message", [
    (0, "hr estimate must be > 0, got 0.0. A hazard ratio is a positive number."),
    (-0.65, "hr estimate must be > 0, got -0.65."),
    (math.nan, "hr estimate must be a finite number, got nan."),
    ("0.65", "hr estimate must be a finite number, got '0.65'."),
    (None, "hr estimate must be a finite number, got None."),
])
def test_hr_not_positive(bad, message):
    with raises(message):
        HazardRatio(bad)


def test_hr_outside_its_ci_suggests_the_other_direction():
    with raises("hr estimate 1.54 lies outside its own CI (0.44, 0.95); check for a typo, or for "
                "an HR quoted in the other direction (1/HR)."):
        HazardRatio(1.54, 0.44, 0.95)


def test_hr_ci_errors():
    with raises("hr lower limit 0.95 is above the upper limit 0.44; were they swapped?"):
        HazardRatio(0.65, 0.95, 0.44)
    with raises("hr CI needs both limits, got lower=0.44, upper=None."):
        HazardRatio(0.65, 0.44)
    with raises("hr lower must be > 0, got 0.0. CI limits of a hazard ratio are positive."):
        HazardRatio(0.65, 0, 0.95)
    with raises("hr lower must be a finite number, got (0.44, 0.95)."):
        HazardRatio(0.65, (0.44, 0.95))
    # a zero-width CI means se = 0: it used to divide by zero inside the engine
    with raises("hr CI (0.65, 0.65) has zero width, which would need infinitely many events"):
        HazardRatio(0.65, 0.65, 0.65)


@pytest.mark.parametrize("bad, message", [
    (0, "hr p_value must be > 0, got 0; a p printed as a bound ('p < 0.0001') is not an "
        "exact p: leave p_value=None (lmssurv.check compares a bound from a trial file)."),
    (1.5, "hr p_value must be a proportion in [0, 1], got 1.5."),
    (-0.01, "hr p_value must be a proportion in [0, 1], got -0.01."),
    ("<0.001", "hr p_value must be a proportion in [0, 1], got '<0.001'."),
])
def test_hr_p_value(bad, message):
    with raises(message):
        HazardRatio(0.65, 0.44, 0.95, p_value=bad)
    assert HazardRatio(1.0, 0.5, 2.0, p_value=1).p_value == 1.0


def test_hr_level():
    with raises("hr level must be a proportion in [0, 1], got 95.0. It looks like a percentage: "
                "pass 0.95 instead."):
        HazardRatio(0.65, 0.44, 0.95, level=95)
    with raises("hr level must be in [0.5, 1), got 1; e.g. 0.95."):
        HazardRatio(0.65, 0.44, 0.95, level=1)


# -- reconstruct_arm / reconstruct_trial ---------------------------------------------------------
def test_reconstruct_arm_wants_an_arm_summary():
    with raises("summary must be an ArmSummary, got dict."):
        reconstruct_arm(ARM)


@pytest.mark.parametrize("seed", [-1, 1.5, "0", None, True, np.random.default_rng(0)])
def test_bad_seeds(seed):
    with raises(f"seed must be a non-negative whole number, got {seed!r}; e.g. seed=0."):
        reconstruct_arm(arm(), seed=seed)


def test_numpy_and_large_seeds_work():
    a = reconstruct_arm(arm(), seed=np.int64(3))
    assert a.equals(reconstruct_arm(arm(), seed=3))
    assert len(reconstruct_arm(arm(), seed=2**100)) == 76


def test_reconstruct_trial_argument_types():
    c, e = arm(label="Doxorubicin"), arm(label="Doxorubicin + trabectedin")
    with raises("control must be an ArmSummary, got dict."):
        reconstruct_trial(ARM, e)
    with raises("experimental must be an ArmSummary, got NoneType."):
        reconstruct_trial(c, None)
    with raises("hr must be a HazardRatio or None, got tuple (0.65, 0.44, 0.95); wrap it: "
                "hr=HazardRatio(*(0.65, 0.44, 0.95)) (estimate, lower, upper)."):
        reconstruct_trial(c, e, hr=(0.65, 0.44, 0.95))
    with raises("hr must be a HazardRatio or None, got float 0.65; wrap it: "
                "hr=HazardRatio(0.65) (lower=, upper= for its CI)."):
        reconstruct_trial(c, e, hr=0.65)
    with raises("hr must be a HazardRatio or None, got str '0.65'."):
        reconstruct_ensemble(c, e, hr="0.65", draws=2)


def test_reconstruct_trial_same_labels():
    with raises("both arms are labelled 'Doxorubicin'; give them different labels."):
        reconstruct_trial(arm(label="Doxorubicin"), arm(label="Doxorubicin"))
    # the default names collide with a label too
    with raises("both arms are labelled 'experimental'"):
        reconstruct_trial(arm(label="experimental"), arm())


def test_an_arm_with_no_survival_point():
    bare = ArmSummary(n=76, events=60, median_follow_up=55.0)
    with pytest.raises(InputError, match=r"no arm reports a median or a landmark rate"):
        reconstruct_arm(bare)
    with pytest.raises(InputError, match=r"no arm reports a median or a landmark rate"):
        reconstruct_trial(bare, ArmSummary(n=74, events=47, median_follow_up=55.0))
    # one empty arm and no HR to place it against the other
    with pytest.raises(InputError, match=r"reports no median or landmark rate and no hazard "
                                         r"ratio places it against the other arm"):
        reconstruct_trial(arm(), bare)


@pytest.mark.parametrize("summary", [
    ArmSummary(n=1, events=1, median=5.0),
    ArmSummary(n=2, events=1, median=5.0),
    ArmSummary(n=40, events=40, median=5.0),
    ArmSummary(n=40, events=30, median=1e-3),
    ArmSummary(n=40, events=30, median=5.0, median_ci=(None, None)),
    ArmSummary(n=40, events=30, median=5.0, median_ci=(5.0, 5.0)),
    ArmSummary(n=40, events=30, landmarks={6: 0.8, 12: 0.8, 18: 0.8}),
], ids=["n1", "n2", "all-events", "tiny-median", "ci-none", "ci-at-median", "flat"])
def test_edge_summaries_rebuild_with_exact_counts(summary):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReconstructionWarning)
        ipd = reconstruct_arm(summary, seed=0)
    assert list(ipd.columns) == ["time", "event"]
    assert len(ipd) == summary.n and int(ipd["event"].sum()) == summary.events
    assert np.isfinite(ipd["time"]).all() and (ipd["time"] > 0).all()
    warned = [str(w.message) for w in caught]
    if summary.landmarks == {6: 0.8, 12: 0.8, 18: 0.8}:
        # "flat": every rate above 0.5 says the median was not reached, but after 30 events
        # in 40 patients a KM is at most 1 - 30/40 = 0.25: the contradiction is warned
        assert any("median: published not reached" in w for w in warned), warned
    elif summary.median_ci == (5.0, 5.0):
        # a CI of zero width: no 95% band of 40 patients crosses 0.5 at the median itself
        assert {w.split(":")[0] for w in warned} == {"arm median CI lower",
                                                     "arm median CI upper"}, warned
    else:
        assert warned == []


# -- the curve engine (reconstruct_from_curve, clean_clicks, read_digitised) ---------------------
CLICKS = pd.DataFrame({"time": [0, 2, 2, 5, 5, 8], "survival": [1, 1, .8, .8, .6, .6]})
TABLE = pd.DataFrame({"time": [0, 4], "at_risk": [10, 8]})


def test_curve_missing_columns():
    with raises("curve is missing column(s) ['survival']; it has ['time', 'surv']. Rename the "
                "columns to time, survival"):
        reconstruct_from_curve(CLICKS.rename(columns={"survival": "surv"}), at_risk=TABLE)
    with raises("at_risk is missing column(s) ['at_risk']; it has ['time', 'n']. Name them time "
                "(months) and at_risk"):
        reconstruct_from_curve(CLICKS, at_risk=TABLE.rename(columns={"at_risk": "n"}))


def test_curve_not_a_table():
    with raises("curve must be a DataFrame with columns time, survival; got list. Use "
                "read_digitised(path)"):
        reconstruct_from_curve([[0, 1], [2, 0.8]], at_risk=TABLE)
    with raises("at_risk must be a DataFrame with columns time, at_risk; got list."):
        reconstruct_from_curve(CLICKS, at_risk=[10, 8])
    with raises("curve has no clicks; digitise at least the curve's corners."):
        reconstruct_from_curve(CLICKS.iloc[:0], at_risk=TABLE)


@pytest.mark.parametrize("value", [np.nan, None, "x", np.inf])
def test_curve_nans_and_text(value):
    bad = CLICKS.astype(object)
    bad.loc[1, "survival"] = value
    with raises("curve.survival must hold finite numbers; row(s) [1] hold"):
        reconstruct_from_curve(bad, at_risk=TABLE)


def test_curve_negative_times():
    with raises("curve.time has a value of -2.0, well before 0. Check the digitiser's axis "
                "calibration (time must start at 0 months)."):
        reconstruct_from_curve(CLICKS.assign(time=[0, -2, 2, 5, 5, 8]), at_risk=TABLE)
    with raises("at_risk.time must be >= 0 months, got -1.0."):
        reconstruct_from_curve(CLICKS, at_risk=TABLE.assign(time=[-1, 4]))


def test_survival_above_one_suggests_percent():
    percent = CLICKS.assign(survival=CLICKS["survival"] * 100)
    with raises("curve.survival must be a proportion in [0, 1] under scale='proportion', but its "
                "largest value is 100.0. The clicks look like percentages: pass "
                "scale='percent'."):
        reconstruct_from_curve(percent, at_risk=TABLE)
    with raises("The clicks look like percentages: pass scale='percent'."):
        clean_clicks(percent)
    # and with the scale given it is the same reconstruction
    assert reconstruct_from_curve(percent, at_risk=TABLE, scale="percent").equals(
        reconstruct_from_curve(CLICKS, at_risk=TABLE))
    with raises("scale must be 'proportion' or 'percent', got 'pct'."):
        reconstruct_from_curve(CLICKS, at_risk=TABLE, scale="pct")


def test_at_risk_counts_that_rise_or_disagree_with_n():
    with raises("at_risk.at_risk rises from 8 at time 0 to 10 at time 4; numbers at risk can "
                "only fall."):
        reconstruct_from_curve(CLICKS, at_risk=TABLE.assign(at_risk=[8, 10]))
    with raises("n=12 disagrees with at_risk at time 0 (10); pass one or make them agree."):
        reconstruct_from_curve(CLICKS, at_risk=TABLE, n=12)
    with raises("n=7 is smaller than 10 at risk at time 2; check n."):
        reconstruct_from_curve(CLICKS, at_risk=TABLE.assign(time=[2, 4]), n=7)
    with raises("at_risk.at_risk at time 4 must be a whole number, got np.float64(7.5)."):
        reconstruct_from_curve(CLICKS, at_risk=TABLE.assign(at_risk=[10, 7.5]))
    with raises("at_risk.time has the time 0 twice; each table column once, please."):
        reconstruct_from_curve(CLICKS, at_risk=TABLE.assign(time=[0, 0], at_risk=[10, 10]))
    with raises("at_risk starts at time 2, not 0; add the row (0, n) or pass n=."):
        reconstruct_from_curve(CLICKS, at_risk=TABLE.assign(time=[2, 4]))


def test_total_events_above_n():
    with raises("events=11 is more than the 10 patients; check it."):
        reconstruct_from_curve(CLICKS, at_risk=TABLE, events=11)
    with raises("events must be >= 0, got -1."):
        reconstruct_from_curve(CLICKS, at_risk=TABLE, events=-1)
    with raises("events must be a whole number, got '4'."):
        reconstruct_from_curve(CLICKS, at_risk=TABLE, events="4")


def test_curve_without_table_or_n():
    with raises("Pass the numbers-at-risk table (at_risk=) or at least the number of patients "
                "(n=)"):
        reconstruct_from_curve(CLICKS)
    with raises("n must be >= 1, got 0."):
        reconstruct_from_curve(CLICKS, n=0)


def test_bad_censor_ticks():
    with raises("censor_times must be finite months >= 0; got [-1.0]"):
        reconstruct_from_curve(CLICKS, at_risk=TABLE, censor_times=[-1])


def test_several_arms_name_the_arm():
    with raises("at_risk names the arms ['a'] but the curve has ['a', 'b']; every curve arm "
                "needs an entry, under the same name."):
        reconstruct_from_curve({"a": CLICKS, "b": CLICKS}, at_risk={"a": TABLE})


def test_read_digitised_errors(tmp_path):
    with raises("cannot read the digitised curve"):
        read_digitised(tmp_path / "absent.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("\n")
    with raises("is empty; export the dataset from WebPlotDigitizer"):
        read_digitised(empty)
    bad = tmp_path / "bad.csv"
    bad.write_text("0,1\n2,oops\n")
    with raises("row 2 columns 1-2 hold '2', 'oops'; expected two numbers."):
        read_digitised(bad)
    odd = tmp_path / "odd.csv"
    odd.write_text("0,1,2\n")
    with raises("has 3 column(s); a WebPlotDigitizer export has x,y pairs."):
        read_digitised(odd)


# -- trial files are data: nothing in them is executed -------------------------------------------
SRC = Path(lmssurv.__file__).resolve().parent
LMS04_TOML = (SRC.parents[1] / "data" / "lms04.toml").read_text(encoding="utf-8")


def _payload(sentinel: Path) -> str:
    return f"__import__('os').system('touch {sentinel}')"


def test_python_in_a_trial_file_stays_text(tmp_path):
    sentinel = tmp_path / "executed"
    payload = _payload(sentinel)
    text = LMS04_TOML.replace('acronym = "LMS-04"', f'acronym = "{payload}"', 1)
    text = text.replace('label = "Doxorubicin"', 'label = "$(touch x); {{7*7}} ${HOME}"', 1)
    assert text != LMS04_TOML
    path = tmp_path / "payload.toml"
    path.write_text(text, encoding="utf-8")
    trial = load_trial(path)
    assert trial.acronym == payload  # kept verbatim, never evaluated
    assert trial.endpoints["os"].control.label == "$(touch x); {{7*7}} ${HOME}"
    assert not sentinel.exists()


@pytest.mark.parametrize("where", ["number", "key", "source"])
def test_python_where_a_number_or_key_belongs_is_rejected(tmp_path, where):
    sentinel = tmp_path / "executed"
    payload = _payload(sentinel)
    old, new = {
        "number": ("events = { value = 60,", f'events = {{ value = "{payload}",'),
        "key": ("events = { value = 60,", f'"{payload}" = {{ value = 60,'),
        "source": ('events = { value = 60, source = "PM-NEJM"',
                   f'events = {{ value = 60, source = "{payload}"'),
    }[where]
    assert LMS04_TOML.count(old) == 1
    path = tmp_path / "payload.toml"
    path.write_text(LMS04_TOML.replace(old, new), encoding="utf-8")
    message = {"number": f"events.value: must be a finite number >= 0, got \"{payload}\"",
               "key": f"unknown key \"{payload}\"",
               "source": f"events.source: source \"{payload}\" is not defined"}[where]
    with pytest.raises(InputError, match=re.escape("payload.toml: endpoints.os.control")
                       + ".*" + re.escape(message)):
        load_trial(path)
    assert not sentinel.exists()


def test_no_code_loading_anywhere_in_the_package():
    # Files are parsed with tomllib and csv only; nothing reads code or pickles from data.
    forbidden = [r"(?<![.\w])eval\(", r"(?<![.\w])exec\(", r"(?<![.\w])compile\(",
                 r"\bpickle\b", r"\byaml\b", r"\bmarshal\b", r"\bshelve\b", r"__import__",
                 r"\brunpy\b", r"literal_eval", r"shell\s*=\s*True", r"os\.system",
                 r"allow_pickle\s*=\s*True", r"read_pickle", r"\bdill\b", r"\bjoblib\b"]
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 10 and (SRC / "trials" / "io.py") in files
    for path in files:
        source = path.read_text(encoding="utf-8")
        for pattern in forbidden:
            assert re.search(pattern, source) is None, f"{path.name}: {pattern}"
        # dynamic imports only from the fixed lazy-import table of lmssurv/__init__.py
        if "import_module" in source:
            assert path.name == "__init__.py" and "_LAZY[name]" in source, path.name
    assert "tomllib.loads" in (SRC / "trials" / "io.py").read_text(encoding="utf-8")
    # the guard bites
    assert re.search(forbidden[0], "x = eval('1')") and re.search(forbidden[3], "import pickle")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"scale": ["percent"]}, "scale must be 'proportion' or 'percent', got ['percent']."),
    ({"censor_times": ["a"]},
     "censor_times must be numbers (months of the censor ticks), got ['a']."),
])
def test_curve_engine_argument_types(kwargs, message):
    clicks = pd.DataFrame({"time": [0, 1, 2, 3], "survival": [1, 0.9, 0.8, 0.7]})
    with raises(message):
        reconstruct_from_curve(clicks, n=20, **kwargs)


def test_curve_engine_malformed_frames():
    with raises("curve columns have different lengths {'time': 3, 'survival': 2}"):
        reconstruct_from_curve({"time": [0, 1, 2], "survival": [1, 0.9]}, n=20)
    with raises("curve is an empty dict"):
        reconstruct_from_curve({}, n=20)
    dup = pd.DataFrame([[0, 1, 1], [1, 0.9, 0.9]], columns=["time", "survival", "survival"])
    with raises("curve has 2 columns named 'survival'; keep one."):
        reconstruct_from_curve(dup, n=20)
    dates = pd.DataFrame({"time": pd.to_datetime(["2020-01-01", "2020-02-01"]),
                          "survival": [1, 0.9]})
    with raises("curve.time must hold numbers, got datetime64[ns] values; convert dates"):
        reconstruct_from_curve(dates, n=20)


def test_trial_ids_are_case_insensitive():
    assert load_trial("LMS04").id == "lms04"


def test_reconstruct_trial_median_follow_up():
    c, e = arm(label="Doxorubicin"), arm(label="Doxorubicin + trabectedin")
    for bad, shown in ((-5, "-5.0"), (0, "0.0"), (float("nan"), "nan"), ("56", "'56'"),
                       (True, "True")):
        with raises("median_follow_up must be "):
            reconstruct_trial(c, e, median_follow_up=bad)
        with pytest.raises(InputError, match=re.escape(shown)):
            reconstruct_trial(c, e, median_follow_up=bad)
    with raises("It is the trial's median follow-up (both arms pooled), in the arms' time unit; "
                "e.g. median_follow_up=56.0"):
        reconstruct_trial(c, e, median_follow_up=-5)
    # past both arms' longest follow-up (72 months), in the unit it was given in
    with raises("median_follow_up (80) exceeds both arms' max_follow_up (72); check that they "
                "are in the same unit."):
        reconstruct_trial(c, e, median_follow_up=80)
    with raises("median_follow_up (80) exceeds both arms' max_follow_up (72); check"):
        reconstruct_trial(c, e, median_follow_up=80, time_unit="weeks")


def test_reconstruct_ensemble_median_follow_up():
    c, e = arm(label="Doxorubicin"), arm(label="Doxorubicin + trabectedin")
    # the same rule as reconstruct_trial's (one function validates both)
    with raises("median_follow_up must be "):
        lmssurv.reconstruct_ensemble(c, e, draws=2, median_follow_up=-5)
    with raises("median_follow_up (80) exceeds both arms' max_follow_up (72)"):
        lmssurv.reconstruct_ensemble(c, e, draws=2, median_follow_up=80)
    with raises("median_follow_up is the trial's, for two arms; for one arm give "
                "ArmSummary(median_follow_up=...) instead."):
        lmssurv.reconstruct_ensemble(c, draws=2, median_follow_up=56.0)
