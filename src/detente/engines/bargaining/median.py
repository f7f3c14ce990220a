"""The weighted median: the Condorcet winner when preferences are single-peaked."""

from __future__ import annotations

from detente.engines.bargaining.base import register, weighted_median
from detente.engines.bargaining.table import IssueTable

__all__ = ["median"]


@register(
    "median",
    "capability × salience weighted median (Condorcet winner, Black 1948)",
    references=("Black (1948)",),
)
def median(issue: IssueTable) -> float:
    """Forecast the capability × salience weighted median of the positions.

    Args:
        issue: The issue.

    Returns:
        The forecast on the issue's scale.

    References:
        - Black, D. (1948). On the rationale of group decision-making. J. Political Economy 56(1).
    """
    return weighted_median(issue.position, issue.weight)
