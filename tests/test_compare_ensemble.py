"""rmst_difference_ensemble: RMST differences pooled over an ensemble by Rubin's rules.

Reference values come from independent routes: without censoring the RMST is
``mean(min(T, tau))`` with variance ``sum((x - mean)**2) / n**2`` (the closed form
lmssurv.rmst documents and tests/test_compare.py checks against R), and Rubin's rules
(Rubin 1987, section 3.1) are applied by hand below with numpy and scipy.stats.t.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lmssurv._validation import InputError
from lmssurv.compare import EnsembleRMSTDifference, rmst_difference, rmst_difference_ensemble

TAU = 10.0


def uncensored_ensemble(draws: int = 5, n: int = 30, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(draws):
        for arm, scale in (("control", 6.0), ("experimental", 9.0)):
            rows.append(pd.DataFrame({"draw": d, "arm": arm,
                                      "time": rng.exponential(scale * (1 + 0.2 * d), n),
                                      "event": 1}))
    return pd.concat(rows, ignore_index=True)


def test_rubins_rules_by_hand_on_uncensored_draws():
    ens = uncensored_ensemble()
    q, u = [], []
    for _, g in ens.groupby("draw"):
        x = {a: np.minimum(g.loc[g["arm"] == a, "time"].to_numpy(), TAU)
             for a in ("control", "experimental")}
        q.append(x["experimental"].mean() - x["control"].mean())
        u.append(sum(((v - v.mean()) ** 2).sum() / v.size**2 for v in x.values()))
    m = len(q)
    qbar, ubar, b = np.mean(q), np.mean(u), np.var(q, ddof=1)
    total = ubar + (1 + 1 / m) * b
    df = (m - 1) * (1 + ubar / ((1 + 1 / m) * b)) ** 2
    half = stats.t.ppf(0.975, df) * math.sqrt(total)

    r = rmst_difference_ensemble(ens, TAU)
    assert isinstance(r, EnsembleRMSTDifference)
    assert (r.arm, r.reference, r.draws) == ("experimental", "control", m)
    # 1e-10: the same sums in another order (floating point), no approximation on either side
    assert r.estimate == pytest.approx(qbar, abs=1e-10)
    assert r.se == pytest.approx(math.sqrt(total), abs=1e-10)
    assert r.se_sampling == pytest.approx(math.sqrt(ubar), abs=1e-10)
    assert r.se_reconstruction == pytest.approx(math.sqrt(b), abs=1e-10)
    assert r.df == pytest.approx(df, rel=1e-9)
    assert r.ci == pytest.approx((qbar - half, qbar + half), abs=1e-9)
    p = 2 * stats.t.sf(abs(qbar) / math.sqrt(total), df)
    assert r.p_value == pytest.approx(p, rel=1e-9)
    assert r.reconstruction_share == pytest.approx((1 + 1 / m) * b / total, abs=1e-12)
    # the other direction: the same interval mirrored
    back = rmst_difference_ensemble(ens, TAU, arm="control", reference="experimental")
    assert back.estimate == pytest.approx(-qbar, abs=1e-10)
    assert back.ci == pytest.approx((-qbar - half, -qbar + half), abs=1e-9)


def test_identical_draws_reduce_to_the_sampling_only_interval():
    rng = np.random.default_rng(7)
    one = pd.DataFrame({"arm": np.repeat(["A", "B"], 40),
                        "time": np.r_[rng.exponential(8, 40), rng.exponential(12, 40)],
                        "event": rng.integers(0, 2, 80)})
    one["time"] = np.minimum(one["time"], 30.0)  # administrative censoring at 30 months
    one.loc[one["time"] == 30.0, "event"] = 0
    ens = pd.concat([one.assign(draw=d) for d in range(6)], ignore_index=True)
    single = rmst_difference(one.loc[one.arm == "B", "time"], one.loc[one.arm == "B", "event"],
                             one.loc[one.arm == "A", "time"], one.loc[one.arm == "A", "event"],
                             12.0, level=0.9)
    pooled = rmst_difference_ensemble(ens, 12.0, level=0.9)
    assert pooled.se_reconstruction == 0.0 and math.isinf(pooled.df)
    assert pooled.reconstruction_share == 0.0
    # same numbers as one pseudo-trial's Wald interval (floating point only)
    assert pooled.estimate == pytest.approx(single.estimate, abs=1e-12)
    assert pooled.se == pytest.approx(single.se, abs=1e-12)
    assert pooled.ci == pytest.approx(single.ci, abs=1e-12)
    assert pooled.ci_sampling == pytest.approx(single.ci, abs=1e-12)
    assert pooled.p_value == pytest.approx(single.p_value, rel=1e-9)


def test_reconstruction_spread_widens_the_interval():
    ens = uncensored_ensemble(draws=8)
    r = rmst_difference_ensemble(ens, TAU)
    assert r.se > r.se_sampling > 0 and r.se_reconstruction > 0
    # the sampling-only interval of the same centre is strictly inside the pooled one
    z = stats.norm.ppf(0.975)
    assert r.ci_sampling == pytest.approx((r.estimate - z * r.se_sampling,
                                           r.estimate + z * r.se_sampling), abs=1e-12)
    assert r.ci[0] < r.ci_sampling[0] < r.ci_sampling[1] < r.ci[1]
    row = r.to_frame()
    assert list(row.columns) == ["arm", "reference", "tau", "rmst difference", "se",
                                 "se sampling", "se reconstruction", "lower 95%", "upper 95%",
                                 "sampling-only lower 95%", "sampling-only upper 95%", "p",
                                 "draws", "df"]
    assert row["se"].iloc[0] == pytest.approx(math.hypot(
        row["se sampling"].iloc[0], math.sqrt(1 + 1 / 8) * row["se reconstruction"].iloc[0]))


def test_bad_input_messages():
    ens = uncensored_ensemble(draws=3)
    with pytest.raises(InputError, match=r"needs exactly two arms"):
        rmst_difference_ensemble(ens[ens.arm == "control"], TAU)
    with pytest.raises(InputError, match=r"arm 'placebo' is not in ens; its arms are"):
        rmst_difference_ensemble(ens, TAU, arm="placebo")
    with pytest.raises(InputError, match=r"arm and reference are both 'control'"):
        rmst_difference_ensemble(ens, TAU, arm="control", reference="control")
    with pytest.raises(InputError, match=r"ens has 1 draw\(s\); Rubin's rules need at least 2"):
        rmst_difference_ensemble(ens[ens.draw == 0], TAU)
    with pytest.raises(InputError, match=r"missing column\(s\) \['draw'\]"):
        rmst_difference_ensemble(ens.drop(columns="draw"), TAU)
    # one draw censored early: refused (dropping it would bias towards long follow-up)
    short = ens.copy()
    first = short.index[(short.draw == 1) & (short.arm == "control")]
    short.loc[first, "time"] = np.minimum(short.loc[first, "time"], 4.0)
    short.loc[first[short.loc[first, "time"] == 4.0], "event"] = 0
    with pytest.raises(InputError, match=r"tau = 10 months is beyond the follow-up of 1 of 3 "
                                         r"draws \(e.g. draw 1\); the shortest draw follows its "
                                         r"patients to 4 months"):
        rmst_difference_ensemble(short, TAU)
    with pytest.raises(InputError, match=r"ens has no rows; pass an ensemble with at least two"):
        rmst_difference_ensemble(ens.iloc[:0], TAU)


def test_ensemble_difference_is_an_rmst_difference_with_its_columns_in_order():
    from lmssurv.compare import RMSTDifference

    rng = np.random.default_rng(11)
    ens = pd.DataFrame({"draw": np.repeat([0, 1, 2], 60),
                        "arm": np.tile(np.repeat(["control", "experimental"], 30), 3),
                        "time": rng.exponential(12.0, 180), "event": rng.random(180) < 0.7})
    r = rmst_difference_ensemble(ens, 6.0)
    assert isinstance(r, RMSTDifference)
    assert list(r.to_frame().columns) == [
        "arm", "reference", "tau", "rmst difference", "se", "se sampling", "se reconstruction",
        "lower 95%", "upper 95%", "sampling-only lower 95%", "sampling-only upper 95%", "p",
        "draws", "df"]
    assert r.to_frame()["rmst difference"].iloc[0] == r.estimate
