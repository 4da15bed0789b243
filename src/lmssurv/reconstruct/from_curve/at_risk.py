"""The numbers-at-risk table under a Kaplan-Meier figure, checked and anchored at time 0."""

from __future__ import annotations

import numpy as np

from lmssurv._validation import MAX_PATIENTS, InputError, check_whole, require_frame
from lmssurv.reconstruct.from_curve.clicks import frame_from_mapping, numeric_column

__all__ = ["at_risk_arrays"]


def at_risk_arrays(at_risk: object, n: int | None, name: str = "at_risk"
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Validated (table times, numbers at risk) starting at time 0."""
    if at_risk is None:
        if n is None:
            raise InputError(
                "Pass the numbers-at-risk table (at_risk=) or at least the number of patients "
                "(n=): the curve alone does not say how many patients it shows."
            )
        return np.array([0.0]), np.array([n])
    at_risk = frame_from_mapping(at_risk, name, ("time", "at_risk"))
    require_frame(
        at_risk, name, ["time", "at_risk"],
        missing_hint="Name them time (months) and at_risk (the numbers under the figure).",
        empty="rows; pass None when the figure has no table.")
    times = numeric_column(at_risk, "time", name)
    counts = numeric_column(at_risk, "at_risk", name)
    for t, c in zip(times, counts, strict=True):
        # capped like ArmSummary.n: a bigger table is a typo and would exhaust memory
        check_whole(f"{name}.at_risk at time {t:g}", c, maximum=MAX_PATIENTS,
                    hint="Numbers at risk are counts of patients.")
    if times.min() < 0:
        raise InputError(f"{name}.time must be >= 0 months, got {float(times.min())!r}.")
    order = np.argsort(times, kind="stable")
    times, counts = times[order], counts[order].astype(int)
    dup = np.flatnonzero(np.diff(times) == 0)
    if dup.size:
        raise InputError(
            f"{name}.time has the time {times[dup[0]]:g} twice; each table column once, please."
        )
    rise = np.flatnonzero(np.diff(counts) > 0)
    if rise.size:
        i = int(rise[0])
        raise InputError(
            f"{name}.at_risk rises from {counts[i]} at time {times[i]:g} to {counts[i + 1]} at "
            f"time {times[i + 1]:g}; numbers at risk can only fall. Check the table's columns."
        )
    if times[0] > 0:
        if n is None:
            raise InputError(
                f"{name} starts at time {times[0]:g}, not 0; add the row (0, n) or pass n=."
            )
        if n < counts[0]:
            raise InputError(
                f"n={n} is smaller than {counts[0]} at risk at time {times[0]:g}; check n."
            )
        times = np.concatenate([[0.0], times])
        counts = np.concatenate([[n], counts])
    elif n is not None and counts[0] != n:
        raise InputError(
            f"n={n} disagrees with {name} at time 0 ({counts[0]}); pass one or make them agree."
        )
    zero = np.flatnonzero(counts == 0)
    if zero.size:  # everything after the first zero is empty
        times, counts = times[: zero[0] + 1], counts[: zero[0] + 1]
    if counts[0] == 0:
        raise InputError(f"{name} has 0 patients at time 0; nothing to rebuild.")
    return times, counts
