"""Follow-up (censoring) models built from what papers report about follow-up.

A trial's censoring is mostly administrative: patients enter over the accrual period and are
censored at the data cut-off, so each patient's *potential* follow-up (entry to cut-off) is spread
over an interval as wide as the accrual period. The reverse Kaplan-Meier median follow-up that
papers report estimates the median of that potential follow-up (Schemper & Smith 1996).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FollowUpModel", "follow_up_model"]


@dataclass(frozen=True)
class FollowUpModel:
    """Potential follow-up as a piecewise-uniform distribution with knots ``knots``.

    ``knots`` are increasing times (months) and ``cdf`` the distribution function at them
    (starting at 0, ending at 1); between knots the distribution is uniform.
    ``how`` says which reported numbers built it.
    """

    knots: tuple[float, ...]
    cdf: tuple[float, ...]
    how: str
    lower_range: tuple[float, float] | None = None

    @property
    def flexible(self) -> bool:
        """Whether the reported facts leave the start of follow-up free (no accrual given)."""
        return self.lower_range is not None

    def with_lower(self, lower: float) -> FollowUpModel:
        """The same model with the shortest potential follow-up moved to ``lower``."""
        knots = (lower, *self.knots[1:])
        how = f"{self.how}; shortest follow-up {lower:.3g} (from the event count)"
        return FollowUpModel(knots, self.cdf, how, self.lower_range)

    def survival(self, t: np.ndarray) -> np.ndarray:
        """P(potential follow-up > t): the censoring survival function G(t)."""
        return 1.0 - np.interp(t, self.knots, self.cdf, left=0.0, right=1.0)

    @property
    def longest(self) -> float:
        """The longest potential follow-up (months)."""
        return self.knots[-1]

    def scaled(self, factor: float) -> FollowUpModel:
        """The same shape with every time multiplied by ``factor``."""
        return FollowUpModel(tuple(k * factor for k in self.knots), self.cdf,
                             f"{self.how}; times rescaled x{factor:.3g}", None)


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
    if m is not None and a is not None:
        lo, hi = m - a / 2, m + a / 2
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
            f"median follow-up {m:g}, longest {mx:g}", (0.0, m * (1 - 1e-6)),
        )
    if m is not None:
        return FollowUpModel(
            (m / 2, m, 1.5 * m), (0.0, 0.5, 1.0),
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
        (t, 1.5 * t), (0.0, 1.0),
        f"no follow-up reported: assumed to end at {1.5 * t:g} months (1.5 x the last "
        "reported time), its start set by the event count",
        (0.0, 1.5 * t * (1 - 1e-6)),
    )
