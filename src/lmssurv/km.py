"""The Kaplan-Meier step function in numpy alone (no lifelines, no scipy), cheap to import.

The summary engine evaluates it thousands of times per rebuild (landmark polishing) and in its
self-check, which ``import lmssurv`` loads eagerly for ``ReconstructionWarning``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["km_levels"]


def km_levels(time, event) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The Kaplan-Meier step function of one arm, row by row.

    Returns ``(t, e, r, km)``: times sorted with events before censorings at equal times, the
    event indicator (float), the number at risk just before each row, and the KM level after
    it. The summary engine's landmark polishing and its self-check both read the KM
    from here.

    Examples
    --------
    >>> t, e, r, km = km_levels([3, 1, 2], [1, 1, 0])  # events at 1 and 3, censored at 2
    >>> t.tolist(), r.tolist(), km.round(4).tolist()
    ([1.0, 2.0, 3.0], [3, 2, 1], [0.6667, 0.6667, 0.0])
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event)
    order = np.lexsort((1 - event, time))
    t, e = time[order], event[order].astype(float)
    r = t.size - np.arange(t.size)
    return t, e, r, np.cumprod(1.0 - e / r)

