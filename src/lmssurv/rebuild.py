"""The public entry points of the summary engine, with times in any unit.

``lmssurv.reconstruct_arm`` and ``lmssurv.reconstruct_trial`` are these functions: they convert
the summaries' times from ``time_unit`` to months once (:meth:`ArmSummary.to_months`) and call
the engine (:mod:`lmssurv.reconstruct.from_summary`), which works in months. The result is in
months too, like everything downstream (checks, plots, RMST); ``df.attrs["time_unit"]`` says so
when another unit came in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lmssurv.summary import ArmSummary, HazardRatio
from lmssurv.units import unit_name

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["reconstruct_arm", "reconstruct_trial"]


def _in_months(name: str, arm: object, time_unit: str) -> object:
    if time_unit == "months" or not isinstance(arm, ArmSummary):
        return arm  # the engine names a wrong type itself
    return arm.to_months(time_unit)


def _note(df: pd.DataFrame, time_unit: str) -> pd.DataFrame:
    if time_unit != "months":
        df.attrs["time_unit"] = (f"input times in {time_unit}, converted to months "
                                 "(365.25/12 days); these times are months")
    return df


def reconstruct_arm(summary: ArmSummary, *, seed: int = 0,
                    time_unit: str = "months") -> pd.DataFrame:
    """Rebuild one arm's pseudo-patients from its published summary (the summary engine).

    Parameters
    ----------
    summary : ArmSummary
        What the paper reports for the arm, times in ``time_unit``.
    seed : int
        Seed of the only random step (the jitter of censoring times).
    time_unit : {"months", "days", "weeks", "years"}
        Unit of the summary's times; converted to months once, before the engine runs.

    Returns
    -------
    pandas.DataFrame
        Columns ``time`` (**months**) and ``event`` (1 = event, 0 = censored), exactly
        ``summary.n`` rows; diagnostics in ``df.attrs["lmssurv"]``. See
        :func:`lmssurv.reconstruct.from_summary.reconstruct_arm` for the method.

    Examples
    --------
    >>> from lmssurv import ArmSummary, reconstruct_arm
    >>> weeks = ArmSummary(n=60, events=45, median=26.0, landmarks={52: 0.3})
    >>> ipd = reconstruct_arm(weeks, seed=0, time_unit="weeks")
    >>> len(ipd), int(ipd.event.sum()), ipd.attrs["time_unit"].split(",")[0]
    (60, 45, 'input times in weeks')
    """
    from lmssurv.reconstruct.from_summary import reconstruct_arm as engine

    unit = unit_name(time_unit)  # a bad unit is named before any work
    return _note(engine(_in_months("summary", summary, unit), seed=seed), unit)


def reconstruct_trial(control: ArmSummary, experimental: ArmSummary, *,
                      hr: HazardRatio | None = None, seed: int = 0,
                      time_unit: str = "months") -> pd.DataFrame:
    """Rebuild both arms of a two-arm trial from their published summaries (the summary engine).

    Parameters
    ----------
    control, experimental : ArmSummary
        Published summaries of the two arms, times in ``time_unit``.
    hr : HazardRatio, optional
        Published hazard ratio, experimental vs control (has no time unit).
    seed : int
        Seed of the only random step.
    time_unit : {"months", "days", "weeks", "years"}
        Unit of both summaries' times; converted to months once, before the engine runs.

    Returns
    -------
    pandas.DataFrame
        Columns ``arm``, ``time`` (**months**) and ``event``; diagnostics in
        ``df.attrs["lmssurv"]``. See :func:`lmssurv.reconstruct.from_summary.reconstruct_trial`
        for the method (Parmar et al. 1998 for events from the HR's CI).

    Examples
    --------
    >>> from lmssurv import ArmSummary, HazardRatio, reconstruct_trial
    >>> c = ArmSummary(n=76, events=60, median=2.0, median_ci=(1.6, 2.6), label="Dox")
    >>> e = ArmSummary(n=74, events=47, median=2.75, median_ci=(2.2, 4.0), label="Dox + T")
    >>> ipd = reconstruct_trial(c, e, hr=HazardRatio(0.65, 0.44, 0.95), time_unit="years")
    >>> ipd.groupby("arm", sort=False).event.sum().to_dict()
    {'Dox': 60, 'Dox + T': 47}
    """
    from lmssurv.reconstruct.from_summary import reconstruct_trial as engine

    unit = unit_name(time_unit)
    return _note(engine(_in_months("control", control, unit),
                        _in_months("experimental", experimental, unit), hr=hr, seed=seed), unit)

