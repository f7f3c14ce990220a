"""Human seats in a crisis: a game in which people play some actors and the escalation engine the rest.

- :class:`Game`: the inputs and the moves; each seat's :class:`Situation` (tension, last step's events,
  standing, the odds of each tracked outcome from here by engine-only continuations) and, at the end,
  the path set against the engine-only runs from the same start;
- :mod:`detente.game.stepper`: the hook that steps the engine with some choices supplied from outside.
"""

from detente.game.session import AUTO, Game, OutcomeOdds, SeatMove, Situation
from detente.game.stepper import advance

__all__ = ["AUTO", "Game", "OutcomeOdds", "SeatMove", "Situation", "advance"]
