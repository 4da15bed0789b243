"""Standard normal quantiles and tails, without importing :mod:`scipy.stats`.

``scipy.stats`` takes seconds to import; its normal distribution is ``scipy.special.ndtr`` and
``ndtri`` underneath (``norm.ppf(q) = ndtri(q)``, ``norm.sf(x) = ndtr(-x)``,
``norm.isf(q) = -ndtri(q)``), so calling those directly gives the same numbers at a fraction
of the import cost. Scalars in, floats out.
"""

from __future__ import annotations

__all__ = ["isf", "ppf", "sf", "z_two_sided"]


def ppf(q: float) -> float:
    """Quantile ``Phi^-1(q)`` of the standard normal.

    Examples
    --------
    >>> round(ppf(0.975), 6)
    1.959964
    """
    from scipy.special import ndtri

    return float(ndtri(q))


def sf(x: float) -> float:
    """Upper tail ``1 - Phi(x)``, accurate far into the tail.

    Examples
    --------
    >>> f"{sf(8.0):.3e}"
    '6.221e-16'
    """
    from scipy.special import ndtr

    return float(ndtr(-x))


def isf(q: float) -> float:
    """Inverse of :func:`sf`: the ``x`` with ``1 - Phi(x) = q``.

    Examples
    --------
    >>> round(isf(0.025), 6)
    1.959964
    """
    from scipy.special import ndtri

    return float(-ndtri(q))


def z_two_sided(level: float) -> float:
    """Critical value of a two-sided interval at ``level`` (1.96 for 0.95).

    Examples
    --------
    >>> round(z_two_sided(0.95), 4)
    1.96
    """
    return ppf(0.5 + level / 2)
