"""Follow-up (censoring) models built from what papers report about follow-up.

A trial's censoring is mostly administrative: patients enter over the accrual period and are
censored at the data cut-off, so each patient's *potential* follow-up (entry to cut-off) is spread
over an interval as wide as the accrual period. The reverse Kaplan-Meier median follow-up that
papers report estimates the median of that potential follow-up (Schemper & Smith 1996).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

__all__ = ["FollowUpModel", "follow_up_model"]

# Without any reported follow-up, potential follow-up is uniform on [q L, L]: patients entered
# over an accrual period three times as long as the shortest follow-up.
_UNREPORTED_START = 0.25
_REACH = 1.05


@dataclass(frozen=True)
class FollowUpModel:
    """Censoring: administrative potential follow-up, and loss to follow-up.

    Administrative potential follow-up (entry to data cut-off) is piecewise uniform: ``knots``
    are increasing times (months) and ``cdf`` the distribution function at them (from 0 to 1).
    Loss to follow-up is an exponential hazard ``loss`` (per month) on top, so the censoring
    survival function is ``G(t) = P(potential follow-up > t) exp(-loss t)``. ``how`` says which
    reported numbers built it.
    """

    knots: tuple[float, ...]
    cdf: tuple[float, ...]
    how: str
    lower_range: tuple[float, float] | None = None
    # nothing about follow-up was reported: the whole model may be stretched, but the longest
    # follow-up never below this time (the last reported survival point)
    unreported_from: float | None = None
    loss: float = 0.0
    # the reported median follow-up is the median of the censoring itself (a reverse KM of
    # this endpoint's data), so losses move potential follow-up past it (see with_loss)
    keep_median: bool = False

    @property
    def flexible(self) -> bool:
        """Whether the reported facts leave the start of follow-up free (no accrual given)."""
        return self.lower_range is not None

    def with_lower(self, lower: float) -> FollowUpModel:
        """The same model with the shortest potential follow-up moved to ``lower``."""
        knots = (lower, *self.knots[1:])
        how = f"{self.how}; shortest follow-up {lower:.3g} (from the event count)"
        return self._with(knots=knots, how=how)

    def with_loss(self, loss: float) -> FollowUpModel:
        """The same model with loss to follow-up at hazard ``loss`` per month.

        With ``keep_median``, the censoring survival ``G`` keeps its median at the median
        knot ``m``: the potential follow-up's distribution at ``m`` becomes
        ``1 - exp(loss m) / 2``, so that ``G(m) = 1/2`` (at 0 when ``loss m >= log 2``: no
        potential follow-up before ``m`` is then left to remove, and ``G``'s median falls
        short of ``m``).
        """
        loss = float(loss)
        if self.keep_median and len(self.knots) == 3:
            at_median = max(0.0, 1.0 - 0.5 * math.exp(loss * self.knots[1]))
            return self._with(loss=loss, cdf=(0.0, at_median, 1.0))
        return self._with(loss=loss)

    def _with(self, **changes) -> FollowUpModel:
        """``dataclasses.replace(self, **changes)`` without its per-call field checks: the
        tail calibration's root finders make a model per step (~10 per draw and arm)."""
        out = object.__new__(type(self))
        out.__dict__.update(self.__dict__)
        out.__dict__.update(changes)
        return out

    def survival(self, t: np.ndarray) -> np.ndarray:
        """P(censoring time > t): the censoring survival function G(t)."""
        g = 1.0 - np.interp(t, self.knots, self.cdf, left=0.0, right=1.0)
        return g * np.exp(-self.loss * np.asarray(t, dtype=float)) if self.loss else g

    @property
    def longest(self) -> float:
        """The longest potential follow-up (months)."""
        return self.knots[-1]

    def scaled(self, factor: float) -> FollowUpModel:
        """The same shape with every time multiplied by ``factor``."""
        return replace(self, knots=tuple(k * factor for k in self.knots),
                       how=f"{self.how}; times rescaled x{factor:.3g}", lower_range=None,
                       unreported_from=None, keep_median=False)

    def with_longest(self, longest: float) -> FollowUpModel:
        """An unreported follow-up stretched (or shrunk) so that it ends at ``longest``."""
        factor = longest / self.knots[-1]
        return replace(self, knots=tuple(k * factor for k in self.knots),
                       how=(f"{self.how.split(':')[0]}: assumed uniform over "
                            f"[{self.knots[0] * factor:.3g}, {longest:.3g}] months "
                            "(longest set by the event count)"))


def follow_up_model(
    median_follow_up: float | None,
    max_follow_up: float | None,
    accrual: float | None,
    *,
    last_reported_time: float,
) -> FollowUpModel:
    """Build the potential follow-up distribution from reported follow-up facts.

    Parameters
    ----------
    median_follow_up : float or None
        Reverse Kaplan-Meier median follow-up (months).
    max_follow_up : float or None
        Longest follow-up (months).
    accrual : float or None
        Length of the accrual period (months).
    last_reported_time : float
        The latest time at which the paper reports survival (a landmark or CI limit); used only
        when nothing about follow-up is reported.

    Returns
    -------
    FollowUpModel
        Uniform over ``[m - a/2, m + a/2]`` with accrual ``a`` and median ``m`` (uniform entry,
        common cut-off); with a maximum instead of the accrual, two uniform pieces with half the
        mass each on either side of the median; with the median alone, uniform over
        ``[m/2, 3m/2]`` (accrual as long as the median follow-up, typical of phase 3 trials).
    """
    m, mx, a = median_follow_up, max_follow_up, accrual
    # Someone was followed at least to the last reported survival point: without a reported
    # longest follow-up, the model reaches a little past it (a median of 14 months with a
    # median follow-up of 5 is an immature trial, not an impossible one).
    reach = _REACH * last_reported_time
    if m is not None and a is not None:
        lo, hi = m - a / 2, max(m + a / 2, reach if mx is None else 0.0)
        if mx is not None and hi > mx:
            hi = mx
            lo = max(0.0, 2 * m - mx)
        if lo < 0:
            lo = 0.0
        return FollowUpModel(
            (lo, m, max(hi, m * (1 + 1e-9))), (0.0, 0.5, 1.0),
            f"uniform entry over {a:g} months, median follow-up {m:g}",
        )
    if m is not None and mx is not None:
        lo = max(0.0, 2 * m - mx)
        return FollowUpModel(
            (lo, m, max(mx, m * (1 + 1e-9))), (0.0, 0.5, 1.0),
            f"median follow-up {m:g}, longest {mx:g}",
            # the shortest follow-up may move later (fewer early censorings), never earlier
            (lo, m * (1 - 1e-6)) if lo < m * (1 - 1e-6) else None,
        )
    if m is not None:
        return FollowUpModel(
            (m / 2, m, max(1.5 * m, reach)), (0.0, 0.5, 1.0),
            f"median follow-up {m:g}; accrual assumed as long as the median follow-up",
            (0.0, m * (1 - 1e-6)),
        )
    if mx is not None:
        if a is not None:
            return FollowUpModel((max(0.0, mx - a), mx), (0.0, 1.0),
                                 f"longest follow-up {mx:g}, accrual {a:g}")
        return FollowUpModel(
            (mx / 2, mx), (0.0, 1.0), f"longest follow-up {mx:g}; uniform potential follow-up",
            (0.0, mx * (1 - 1e-6)),
        )
    t = last_reported_time
    return FollowUpModel(
        (_UNREPORTED_START * 1.5 * t, 1.5 * t), (0.0, 1.0),
        "no follow-up reported: potential follow-up uniform from a quarter of its longest "
        "value, which the event count sets",
        None, unreported_from=t,
    )
