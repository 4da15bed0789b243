"""The Kaplan-Meier estimate in numpy alone (no lifelines, no scipy), cheap to import.

:func:`km_levels` gives it row by row (the summary engine's landmark polishing and self-check);
:func:`km_step` at distinct event times (the curve engine, its accuracy measures, the plots).

The summary engine evaluates it thousands of times per rebuild (landmark polishing) and in its
self-check, which ``import lmssurv`` loads eagerly for ``ReconstructionWarning``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["km_levels", "km_step"]


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


def km_step(time, event) -> tuple[np.ndarray, np.ndarray]:
    """The Kaplan-Meier estimate as distinct event times and the survival just after each.

    The product-limit estimator (Kaplan & Meier, JASA 1958;53:457-481): ``S(t) = prod over
    event times u <= t of (1 - d_u / n_u)``, with ``d_u`` events at ``u`` and ``n_u`` patients
    with time >= u. ``time`` in months; ``event`` 1 (event) or 0 (censored). No events: two
    empty arrays (S stays 1).

    Examples
    --------
    >>> times, surv = km_step([1.0, 2, 2, 3], [1, 1, 0, 1])
    >>> times.tolist(), surv.round(4).tolist()
    ([1.0, 2.0, 3.0], [0.75, 0.5, 0.0])
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event)
    t_ev = np.unique(time[event == 1])
    if t_ev.size == 0:
        return t_ev, t_ev.copy()
    srt = np.sort(time)
    risk = srt.size - np.searchsorted(srt, t_ev, side="left")
    deaths = np.bincount(np.searchsorted(t_ev, time[event == 1]), minlength=t_ev.size)
    return t_ev, np.cumprod(1.0 - deaths / risk)
