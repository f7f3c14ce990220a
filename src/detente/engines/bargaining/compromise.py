"""The compromise model: the capability × salience weighted mean of the positions."""

from __future__ import annotations

import numpy as np

from detente.engines.bargaining.base import register
from detente.engines.bargaining.table import IssueTable

__all__ = ["compromise"]


@register(
    "compromise",
    "capability × salience weighted mean of positions (Achen 2006)",
    references=("Achen (2006), in Thomson et al. (eds.), The European Union Decides, ch. 4",),
)
def compromise(issue: IssueTable) -> float:
    """Forecast the weighted mean ``Σ c_i s_i x_i / Σ c_i s_i``.

    Achen derives it as the Nash bargaining solution when actors have quadratic losses and
    bargaining power ``c_i s_i``; it is the best published simple predictor on the DEU data.

    Args:
        issue: The issue.

    Returns:
        The forecast on the issue's scale.

    References:
        - Achen, C. H. (2006). Evaluating political decision-making models. In Thomson, Stokman,
          Achen & König (eds.), The European Union Decides. Cambridge UP.
    """
    w = issue.weight
    return float(np.dot(w, issue.position) / w.sum())
