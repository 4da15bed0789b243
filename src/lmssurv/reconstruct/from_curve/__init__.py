"""Pseudo-patients from a digitised Kaplan-Meier figure and its numbers-at-risk table.

The method follows Guyot et al. (2012): within each interval of the at-risk table, find the number
of censorings that, together with the events needed to follow the digitised curve, reproduces the
published number at risk at the next table time; in the last interval use the total number of
events. Three things that make the original algorithm (and IPDfromKM, which follows it) drift
from the true curve are done differently here:

1. **Clicks are cleaned along the curve, not along the time axis.** Reading noise in time makes
   the two clicks on a vertical drop swap order about half of the time. Sorting by time and forcing
   monotone survival then averages the two levels and pushes half of the drop to the next click.
   The clicks are instead ordered along the curve (time and lost survival added on the scales of
   their reading noise) and isotonic regression (pool-adjacent-violators) is applied to *both*
   coordinates in that order.
2. **No rounding at each click.** Events are placed one by one where the piecewise-linear curve
   through the clicks crosses the midpoint of the next Kaplan-Meier step, ``S(1 - 1/2r)``. This is
   the placement that minimises the area between the rebuilt step function and the digitised
   curve, it never drifts (each event is placed relative to the rebuilt KM, not to the previous
   click) and, when several steps were merged into one diagonal stretch of clicks, it spreads their
   events along it instead of stacking them on the lower click.
3. **Exact totals by construction.** The per-interval search is an integer bisection on the
   censored count (the sum of censorings and events is monotone in it); the last interval tilts
   its censoring pattern towards the start or the end until the remaining events match
   ``events``; any residue is settled by converting the fewest, latest events or censorings
   (which keeps every published number at risk). All of it is recorded in ``df.attrs``.
4. **Drops clicked across a table time are placed by the table.** A KM step within reading
   noise of a column of the at-risk table may have happened on either side of it. Guyot's
   algorithm counts it where it was clicked, and the censored counts of both intervals absorb
   the error (one too many on one side, one too few on the other). Where one KM step is large
   enough to show whether its risk set was above or at the published number (small risk sets),
   both readings are solved and the one whose KM follows the clicks better is kept.

Censor-tick marks, when given, replace the uniform spread of censorings within an interval.
Times are in months (any unit works as long as curve, table and ticks agree).

The package by job: :mod:`.clicks` (checked click arrays, cleaning), :mod:`.at_risk` (the
numbers-at-risk table), :mod:`.placement` (events and censorings interval by interval),
:mod:`.assemble` (one arm or several, the pseudo-patient frame and its record) and
:mod:`.digitiser` (WebPlotDigitizer exports).

References
----------
Guyot P, Ades AE, Ouwens MJ, Welton NJ. Enhanced secondary analysis of survival data:
reconstructing the data from published Kaplan-Meier survival curves. BMC Med Res Methodol
2012;12:9. doi:10.1186/1471-2288-12-9.

Liu N, Zhou Y, Lee JJ. IPDfromKM: reconstruct individual patient data from published
Kaplan-Meier survival curves. BMC Med Res Methodol 2021;21:111.
"""

from lmssurv.reconstruct.from_curve.assemble import reconstruct_from_curve
from lmssurv.reconstruct.from_curve.at_risk import at_risk_arrays
from lmssurv.reconstruct.from_curve.clicks import clean_clicks
from lmssurv.reconstruct.from_curve.digitiser import read_digitised

__all__ = ["at_risk_arrays", "clean_clicks", "read_digitised", "reconstruct_from_curve"]
