"""Short text and HTML displays of trials, endpoints and reports (for Jupyter and the REPL).

One formatter for "estimate (lower-upper)" so that a missing limit prints ``NE`` (not
estimable) everywhere, never ``nan``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

__all__ = ["format_estimate", "html_block"]


def _missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def format_estimate(estimate: float | None, lower: float | None = None,
                    upper: float | None = None, *, digits: int = 1,
                    percent: bool = False) -> str:
    """``"26.9 (17.4-NE)"``: an estimate and its CI, ``NE`` for a missing (NaN/None) value.

    Parameters
    ----------
    estimate, lower, upper : float or None
        The estimate and its confidence limits; NaN or None prints ``NE`` (not estimable, e.g.
        an upper limit the follow-up never reached).
    digits : int
        Decimals shown.
    percent : bool
        Show proportions as whole percentages (``0.49`` -> ``49%``).

    Examples
    --------
    >>> format_estimate(26.9, 17.4, float("nan"))
    '26.9 (17.4-NE)'
    >>> format_estimate(0.49, 0.37, 0.6, digits=0, percent=True)
    '49% (37-60)'
    >>> format_estimate(None), format_estimate(float("nan"), float("nan"), float("nan"))
    ('NE', 'NE')
    """
    scale, unit = (100.0, "%") if percent else (1.0, "")

    def f(x):
        return "NE" if _missing(x) else f"{float(x) * scale:.{digits}f}"

    text = f(estimate) + ("" if _missing(estimate) else unit)
    if _missing(lower) and _missing(upper) and (_missing(estimate) or (
            lower is None and upper is None)):
        return text  # "NE" alone, or an estimate given without a CI
    return f"{text} ({f(lower)}-{f(upper)})"


def html_block(title: str, rows: Sequence[dict], lines: Sequence[str] = ()) -> str:
    """A bold title, optional lines of text and a table of ``rows`` (dicts with equal keys)."""
    import pandas as pd

    parts = [f"<p><b>{html.escape(title)}</b></p>"]
    parts += [f"<p>{html.escape(line)}</p>" for line in lines]
    if rows:
        parts.append(pd.DataFrame(list(rows)).to_html(index=False, na_rep="NE", escape=True))
    return "<div>" + "".join(parts) + "</div>"
