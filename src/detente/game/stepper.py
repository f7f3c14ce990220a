"""Step the escalation engine with some actors' choices supplied from outside (human seats).

The engine (:mod:`detente.engines.escalation.model`) runs every replicate through the whole horizon in
one loop. A game needs two things from it: the path of *one* replicate in which the human seats' actions
are imposed at the steps they played, and, from the state that path has reached at step ``t``, many
engine-only continuations (the odds "from here"). Both come from :class:`GameRun`, a subclass of the
engine's chunk runner that changes three of its hooks and nothing else:

- ``_draw``: during the first ``prefix`` steps every lane receives the random numbers of lane 0 of the
  game's own stream (``SeedSequence(seed, spawn_key=(0,))``, the stream of replicate 0 of
  ``simulate(seed=seed)``), so every lane follows the game's path exactly; from step ``prefix`` on, lane
  ``r`` draws from replicate ``r``'s own stream of ``simulate(seed=seed)``, so the lanes diverge;
- ``_choose``: after the engine's logit choice, the pairs a human played at that step get the human's
  action (vetoes, ceasefires and accidents then act on it as on any chosen action);
- ``_after_step``: records lane 0's actions, and counts steps.

Everything else (the state update, the records) is the engine's own code, so with no human action the
game's path is replicate 0 of ``simulate(scenario, seed=seed)``, bit for bit (``tests/test_play.py``),
and at step 0 the continuation odds are those ``simulate`` prints for the same seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.engines.escalation.model import BLOCK, EscalationModel, _Run
from detente.errors import InputError

Forced = Mapping[int, tuple[np.ndarray, np.ndarray]]
"""Step → (pair indices, action indices) imposed at that step."""


class GameRun(_Run):
    """The engine's chunk runner with a shared prefix and imposed actions (see the module docstring).

    Args:
        model: The compiled model.
        seed: The game's seed.
        lanes: Number of continuation lanes (rounded up to whole blocks of 256).
        prefix: Steps during which every lane follows the game's own random numbers.
        forced: Actions imposed at given steps (applied in every lane).
    """

    def __init__(self, model: EscalationModel, seed: int, lanes: int, prefix: int, forced: Forced) -> None:
        n_blocks = max(1, -(-lanes // BLOCK))
        rngs = [
            np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(b,))))
            for b in range(n_blocks)
        ]
        super().__init__(model, rngs, min(lanes, n_blocks * BLOCK))
        self._game_rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0,))))
        self._prefix = prefix
        self._forced = forced
        self._t = 0
        self.actions: list[np.ndarray] = []

    def _draw(self, kind: str, shape: tuple[int, ...]) -> np.ndarray:
        if self._t >= self._prefix:
            return super()._draw(kind, shape)
        # The game's own block is drawn whole (as the engine does), so its stream advances as in
        # simulate(); lane 0's numbers are then given to every lane.
        rows = np.empty((BLOCK, *shape), np.float32)
        if kind == "u":
            self._game_rng.random(dtype=np.float32, out=rows)
        else:
            self._game_rng.standard_normal(dtype=np.float32, out=rows)
        return np.broadcast_to(rows[0], (self.R, *shape)).copy()

    def _choose(self, st: Any, t: int, *args: Any, **kwargs: Any) -> np.ndarray:
        act = super()._choose(st, t, *args, **kwargs)
        imposed = self._forced.get(t)
        if imposed is not None and len(imposed[0]):
            act[:, imposed[0]] = imposed[1][None, :]
        return act

    def _after_step(self, st: Any, act: np.ndarray, atype: np.ndarray, Cf: np.ndarray) -> None:
        super()._after_step(st, act, atype, Cf)
        self.actions.append(act[0].copy())
        self._t += 1


@dataclass(frozen=True)
class Advance:
    """What one call of :func:`advance` returns.

    Attributes:
        step: The step the game has reached (the prefix length).
        path_actions: Lane 0's action index per pair for each of the first ``step`` steps, ``(step, P)``.
        arrays: The engine's records for every lane (``tension`` is ``(lanes, H + 1, P)``, …); lanes are
            identical up to ``step`` and engine-only continuations after it.
        lanes: Number of real lanes.
    """

    step: int
    path_actions: np.ndarray
    arrays: dict[str, np.ndarray]
    lanes: int


def advance(model: EscalationModel, seed: int, step: int, forced: Forced, lanes: int = 1) -> Advance:
    """Run the game's path to ``step`` (with the imposed actions) and ``lanes`` continuations from there.

    Args:
        model: The compiled model (its horizon is the game's).
        seed: The game's seed.
        step: Steps already played, ``0 … horizon``.
        forced: Actions imposed at steps below ``step``.
        lanes: Engine-only continuations to run from ``step`` (at least 1).

    Returns:
        The path and the continuations.

    Raises:
        InputError: A step outside ``0 … horizon``.
    """
    if not 0 <= step <= model.horizon:
        raise InputError(f"step {step} is outside 0…{model.horizon}")
    lanes = max(1, int(lanes))
    run = GameRun(model, int(seed), lanes, step, {t: f for t, f in forced.items() if t < step})
    out = run.run()
    keep = min(lanes, run.R)
    arrays = {k: (v if k == "actor_positions_sum" else v[:keep]) for k, v in out.items()}
    path = np.stack(run.actions[:step]) if step else np.zeros((0, len(model.compiled.pairs)), np.int64)
    return Advance(step, path, arrays, keep)


def impose(model: EscalationModel, moves: Sequence[Mapping[tuple[str, str], str]]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Translate per-step ``{(actor, target): action name}`` into the engine's pair and action indices.

    Raises:
        InputError: An unknown actor or pair, or an action unknown or unavailable for its pair.
    """
    comp = model.compiled
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for t, step_moves in enumerate(moves):
        ps: list[int] = []
        acts: list[int] = []
        for (a, b), name in step_moves.items():
            p = action_pair(model, a, b)
            if name not in comp.action_names:
                raise InputError(f"step {t + 1}: {a}->{b}: unknown action {name!r} (fix: one of {', '.join(available_actions(model, a, b))})")
            k = comp.action_names.index(name)
            if not np.isfinite(comp.intercept[p, k]):
                raise InputError(
                    f"step {t + 1}: {a}->{b}: {name} is not open to {a} in this scenario "
                    f"(fix: one of {', '.join(available_actions(model, a, b))})"
                )
            ps.append(p)
            acts.append(k)
        if ps:
            out[t] = (np.array(ps, np.int64), np.array(acts, np.int64))
    return out


def action_pair(model: EscalationModel, actor: str, target: str) -> int:
    """The engine's pair index of ``actor → target``.

    Raises:
        InputError: Unknown actor ids, or a pair the engine does not model.
    """
    comp = model.compiled
    ix = {a: i for i, a in enumerate(comp.actors)}
    for who in (actor, target):
        if who not in ix:
            raise InputError(f"unknown actor {who!r} (fix: use one of {', '.join(comp.actors)})")
    p = int(comp.pair_index[ix[actor], ix[target]])
    if p < 0:
        raise InputError(f"{actor} does not act towards {target} in this scenario (fix: choose another target)")
    return p


def available_actions(model: EscalationModel, actor: str, target: str) -> list[str]:
    """The actions the engine lets ``actor`` take towards ``target`` (``NONE`` first)."""
    comp = model.compiled
    p = action_pair(model, actor, target)
    return [n for k, n in enumerate(comp.action_names) if np.isfinite(comp.intercept[p, k])]
