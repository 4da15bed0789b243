"""Small statistics that belong to no engine: the exact binomial CI of a proportion."""

from __future__ import annotations

from lmssurv._validation import InputError

__all__ = ["exact_binomial_ci"]


def exact_binomial_ci(count: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) confidence interval of a proportion ``count / n``.

    Parameters
    ----------
    count, n : int
        Responders (or events) and patients, ``0 <= count <= n``, ``n >= 1``.
    level : float
        Confidence level.

    Returns
    -------
    (float, float)
        Lower and upper limits; 0 and 1 at the edges.

    References
    ----------
    Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case of
    the binomial. Biometrika 1934;26:404-413.

    Examples
    --------
    >>> lo, hi = exact_binomial_ci(27, 74)
    >>> round(lo, 3), round(hi, 3)
    (0.256, 0.485)
    """
    from lmssurv._validation import MAX_PATIENTS, check_fraction, check_whole

    n = check_whole("n", n, minimum=1, maximum=MAX_PATIENTS,
                    hint="n is the number of patients.")
    count = check_whole("count", count, minimum=0)
    if count > n:
        raise InputError(f"count ({count}) cannot exceed n ({n}).")
    level = check_fraction("level", level)
    # Beta quantiles via the inverse regularised incomplete beta (what scipy.stats.beta.ppf
    # calls), imported on use: scipy.stats takes seconds to import and every trial file with a
    # response rate needs this.
    from scipy.special import betaincinv

    alpha = 1.0 - level
    lower = 0.0 if count == 0 else float(betaincinv(count, n - count + 1, alpha / 2))
    upper = 1.0 if count == n else float(betaincinv(count + 1, n - count, 1 - alpha / 2))
    return lower, upper
