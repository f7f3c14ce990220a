"""Interval estimates for Monte Carlo probabilities and for paired differences between arms.

A strategy arm and its baseline are run with common random numbers: replicate ``i`` of every arm uses
the same random stream, so the two arms' outcome indicators form *paired* binary data. Their difference is
estimated by the mean of the per-replicate differences, and its interval by Newcombe's hybrid score
method for paired proportions, which stays inside [-1, 1] and behaves well for rare outcomes (a war with
probability 0.2 % is still a row in the table), where the Wald interval collapses to zero width.

References:
    - Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
      JASA 22:209-212.
    - Newcombe, R. G. (1998). Improved confidence intervals for the difference between binomial
      proportions based on paired data. Statistics in Medicine 17:2635-2650 (method 10).
    - Glasserman, P. (2003). *Monte Carlo Methods in Financial Engineering*, section 4.2 (common
      random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054
"""The two-sided 95 % standard normal quantile."""


@dataclass(frozen=True)
class Interval:
    """A point estimate with a lower and an upper bound."""

    p: float
    lo: float
    hi: float

    def excludes_zero(self) -> bool:
        """Whether zero lies outside the interval (a difference we call significant)."""
        return self.lo > 0.0 or self.hi < 0.0

    def to_dict(self) -> dict[str, float]:
        """JSON-able ``{"p", "lo", "hi"}``."""
        return {"p": self.p, "lo": self.lo, "hi": self.hi}


def wilson(successes: int, n: int, z: float = Z95) -> Interval:
    """The Wilson score interval of a binomial proportion.

    Args:
        successes: Number of replicates in which the outcome happened.
        n: Number of replicates.
        z: Normal quantile (1.96 for 95 %).

    Returns:
        The proportion ``successes / n`` and its interval; ``(0, 0, 1)`` when ``n`` is 0.
    """
    if n <= 0:
        return Interval(0.0, 0.0, 1.0)
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    # Clamp the round-off at the ends: at p = 0 the lower bound is 0 exactly.
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return Interval(p, lo, hi)


@dataclass(frozen=True)
class PairedCounts:
    """The 2x2 table of paired binary outcomes: arm and baseline per replicate.

    ``both`` = outcome in both, ``arm_only``, ``base_only``, ``neither``.
    """

    both: int
    arm_only: int
    base_only: int
    neither: int

    @property
    def n(self) -> int:
        """Number of pairs."""
        return self.both + self.arm_only + self.base_only + self.neither

    @classmethod
    def from_indicators(cls, arm: np.ndarray, base: np.ndarray) -> PairedCounts:
        """Count the table from two boolean arrays of equal length (one entry per replicate)."""
        arm = np.asarray(arm, dtype=bool)
        base = np.asarray(base, dtype=bool)
        if arm.shape != base.shape:
            raise ValueError(f"paired arrays differ in shape: {arm.shape} vs {base.shape}")
        both = int(np.count_nonzero(arm & base))
        arm_only = int(np.count_nonzero(arm & ~base))
        base_only = int(np.count_nonzero(~arm & base))
        return cls(both, arm_only, base_only, arm.size - both - arm_only - base_only)


def paired_difference(t: PairedCounts, z: float = Z95) -> Interval:
    """Newcombe's hybrid score interval (method 10) for ``P(arm) - P(base)`` from paired data.

    The point estimate is ``(arm_only - base_only) / n``: exactly zero when the two arms agree on every
    replicate, as a strategy compared with itself under common random numbers does. The interval
    combines the two Wilson intervals with the correlation of the pairs (phi, with Newcombe's
    continuity correction of the numerator).

    Args:
        t: The paired 2x2 table.
        z: Normal quantile (1.96 for 95 %).

    Returns:
        The difference and its interval, clamped to [-1, 1].
    """
    n = t.n
    if n == 0:
        return Interval(0.0, -1.0, 1.0)
    a, b, c, d = t.both, t.arm_only, t.base_only, t.neither
    delta = (b - c) / n
    w1 = wilson(a + b, n, z)
    w2 = wilson(a + c, n, z)
    p1, p2 = w1.p, w2.p
    phi = 0.0
    denom = (a + b) * (c + d) * (a + c) * (b + d)
    if denom > 0:
        num = a * d - b * c
        corrected = num - n / 2 if num > n / 2 else (num if num < 0 else 0.0)
        phi = corrected / math.sqrt(denom)
    lo_sq = (p1 - w1.lo) ** 2 - 2 * phi * (p1 - w1.lo) * (w2.hi - p2) + (w2.hi - p2) ** 2
    hi_sq = (p2 - w2.lo) ** 2 - 2 * phi * (p2 - w2.lo) * (w1.hi - p1) + (w1.hi - p1) ** 2
    lo = delta - math.sqrt(max(lo_sq, 0.0))
    hi = delta + math.sqrt(max(hi_sq, 0.0))
    return Interval(delta, max(-1.0, lo), min(1.0, hi))


def ols_slopes(x: np.ndarray, y: np.ndarray, z: float = Z95) -> list[Interval]:
    """Least-squares slopes of ``y`` on each column of ``x`` (with an intercept) and their intervals.

    Used to say whether a sweep shows a trend in a parameter: an interval that contains zero means no
    detectable linear trend. Standard errors are the classical ones from the residual variance.

    Args:
        x: Design points, shape ``(n, k)``.
        y: Responses, shape ``(n,)``.
        z: Normal quantile.

    Returns:
        One interval per column of ``x``; all ``nan`` when there are too few distinct points.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n, k = x.shape
    design = np.column_stack([np.ones(n), x])
    nan = [Interval(math.nan, math.nan, math.nan)] * k
    if n <= k + 1 or np.linalg.matrix_rank(design) < k + 1:
        return nan
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ beta
    sigma2 = float(resid @ resid) / (n - k - 1)
    cov = sigma2 * np.linalg.inv(design.T @ design)
    out = []
    for j in range(1, k + 1):
        se = math.sqrt(max(cov[j, j], 0.0))
        out.append(Interval(float(beta[j]), float(beta[j] - z * se), float(beta[j] + z * se)))
    return out
