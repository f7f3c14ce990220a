"""The Nash bargaining solution over the actors' utilities."""

from __future__ import annotations

from typing import Literal

import numpy as np

from detente.engines.bargaining.base import register
from detente.engines.bargaining.table import IssueTable

__all__ = ["nash", "nash_breakdown"]

Disagreement = Literal["auto", "status_quo", "worst"]


@register(
    "nash",
    "asymmetric Nash bargaining solution, power c·s, linear losses (Nash 1950)",
    uses_status_quo=True,
    references=("Nash (1950)", "Thomson et al. (2006), The European Union Decides, ch. 6"),
)
def nash(issue: IssueTable, disagreement: Disagreement = "auto") -> float:
    """Forecast the point that maximises the power-weighted Nash product.

    Each actor's utility falls linearly with distance from its ideal point, ``u_i(x) = -|x - x_i|``;
    its bargaining power is ``c_i s_i``. The forecast maximises ``Σ_i c_i s_i log(u_i(x) - u_i(d))``
    over the points that every actor who can gain prefers to the disagreement point ``d``. Actors
    whose ideal point is ``d`` cannot gain and are left out of the product (Nash's axioms need a set
    where every player gains). If no point makes every remaining actor better off, the disagreement
    point stands. The objective is concave, so bisection on its (decreasing) slope finds the optimum
    exactly.

    Args:
        issue: The issue.
        disagreement: ``"status_quo"`` (the reversion point of the legislative game), ``"worst"``
            (each actor's worst end of the scale: a breakdown hurts everyone), or ``"auto"``: the
            status quo when the table gives one, else the worst end.

    Returns:
        The forecast on the issue's scale.

    References:
        - Nash, J. (1950). The bargaining problem. Econometrica 18(2), 155-162.
        - Thomson, R., Stokman, F., Achen, C. & König, T. (eds.) (2006). The European Union
          Decides. Cambridge UP (the Nash bargaining model, ch. 6).
    """
    x = issue.position
    w = issue.weight
    use_sq = disagreement == "status_quo" or (disagreement == "auto" and issue.status_quo is not None)
    if use_sq and issue.status_quo is not None:
        d = float(issue.status_quo)
        reach = np.abs(d - x)
    else:
        d = float("nan")
        reach = np.maximum(np.abs(x - issue.low), np.abs(issue.high - x))
    keep = (w > 0) & (reach > 0)
    if not np.any(keep):
        return float(x[np.argmax(w)]) if np.isnan(d) else d
    x, w, reach = x[keep], w[keep], reach[keep]
    lo = float(np.max(x - reach))
    hi = float(np.min(x + reach))
    if not lo < hi:
        return d
    span = hi - lo
    a, b = lo + span * 1e-12, hi - span * 1e-12

    def slope(t: float) -> float:
        return float(np.sum(w * -np.sign(t - x) / (reach - np.abs(t - x))))

    for _ in range(200):
        mid = 0.5 * (a + b)
        if slope(mid) > 0:
            a = mid
        else:
            b = mid
        if b - a <= 1e-12 * span:
            break
    return 0.5 * (a + b)


@register(
    "nash-breakdown",
    "Nash bargaining with each actor's security level (worst end of the scale) as disagreement",
    references=("Nash (1950)", "detente docs/model.md, section bargaining"),
)
def nash_breakdown(issue: IssueTable) -> float:
    """Forecast the Nash bargaining solution with each actor's worst outcome as disagreement point.

    Under qualified-majority rules no single actor can hold out for the status quo: what an actor can
    guarantee itself if it refuses to bargain is only the worst outcome the others could impose, the
    end of the scale farthest from its ideal point (its security level, or maximin value). Taking that
    as the disagreement point, rather than the status quo, removes the veto that the status-quo
    version hands every actor whose ideal point is the status quo, and needs no recorded status quo.
    The power weights and utilities are those of :func:`nash`.

    Args:
        issue: The issue.

    Returns:
        The forecast on the issue's scale.

    References:
        - Nash, J. (1950). The bargaining problem. Econometrica 18(2), 155-162.
    """
    return nash(issue, disagreement="worst")
