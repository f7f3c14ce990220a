"""A game: human seats play some actors of a scenario, the escalation engine plays the others.

A game is its inputs (scenario, seats, seed, horizon, levers) and the list of moves the seats made, step
by step; everything else is recomputed from them by :func:`detente.game.stepper.advance`, so a game is
replayable from the run store and two sessions with the same moves see the same world.

Each step a seat chooses, towards each other actor, an action (``NONE``, a PLOVER type or a named event
of the scenario) or ``auto`` (the engine chooses for it, as for the actors nobody plays), and may apply
components of its own strategies for that step (their pushes and policy changes hold for the one step).
A target a seat names no action for gets ``NONE``, unless the seat said ``auto`` or applied a component;
then the engine chooses for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente.engines.escalation.model import EscalationModel
from detente.errors import InputError
from detente.experiments.stats import wilson
from detente.game.stepper import Advance, action_pair, advance, available_actions, impose
from detente.scenario.io import LoadedScenario
from detente.scenario.model import StrategyComponent

AUTO = "auto"
"""A seat's action meaning "let the engine choose this pair's action"."""
MAX_LANES = 20_000


@dataclass(frozen=True)
class SeatMove:
    """What one seat does in one step.

    Attributes:
        actions: Target actor → action name (``NONE``, a PLOVER type, a named event) or ``auto``.
        components: Strategy components applied for this step, as ``STRATEGY/COMPONENT``.
    """

    actions: Mapping[str, str] = field(default_factory=dict)
    components: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (as stored in a run's parameters)."""
        return {"actions": dict(self.actions), "components": list(self.components)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SeatMove:
        """Inverse of :meth:`to_dict`."""
        return cls(dict(data.get("actions", {})), tuple(data.get("components", ())))


@dataclass(frozen=True)
class OutcomeOdds:
    """A tracked outcome seen from the current step: already happened, or its odds by the horizon."""

    id: str
    name: str
    p: float
    lo: float
    hi: float
    happened_at: int | None


@dataclass(frozen=True)
class Situation:
    """What a seat sees before choosing: tension, last step's events, standing and the odds from here."""

    seat: str
    step: int
    horizon: int
    tension_from: dict[str, float]
    tension_to: dict[str, float]
    events: list[tuple[str, str, str]]
    standing: dict[str, float]
    outcomes: list[OutcomeOdds]
    lanes: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "seat": self.seat, "step": self.step, "horizon": self.horizon,
            "tension_from": self.tension_from, "tension_to": self.tension_to,
            "events": [list(e) for e in self.events], "standing": self.standing,
            "outcomes": [o.__dict__ for o in self.outcomes], "lanes": self.lanes,
        }


@dataclass
class Game:
    """A game in progress (or finished): inputs plus the moves made so far.

    Args:
        loaded: The scenario as loaded (its text is stored with the run).
        seats: The actors humans play.
        seed: Seed of the game (its path with no human action is replicate 0 of ``simulate``).
        horizon: Steps; default the scenario's.
        lanes: Engine-only continuations behind each step's odds.
        mechanisms_off: Mechanisms switched off.
        overrides: Scenario values changed (engine override keys).
        moves: Moves already made (one dict seat → move per step).

    Raises:
        InputError: An unknown or repeated seat, or bad horizon, seed or lanes.
    """

    loaded: LoadedScenario
    seats: tuple[str, ...]
    seed: int = 0
    horizon: int | None = None
    lanes: int = 1000
    mechanisms_off: tuple[str, ...] = ()
    overrides: Mapping[str, float | str | bool] = field(default_factory=dict)
    moves: list[dict[str, SeatMove]] = field(default_factory=list)
    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        scen = self.loaded.scenario
        ids = scen.actor_ids()
        if not self.seats:
            raise InputError(f"{scen.id}: no seat given (fix: --as one of {', '.join(ids)})")
        for s in self.seats:
            if s not in ids:
                raise InputError(f"{scen.id}: --as {s!r}: unknown actor (fix: use one of {', '.join(ids)})")
        if len(set(self.seats)) != len(self.seats):
            raise InputError(f"--as lists a seat twice: {', '.join(self.seats)} (fix: name each actor once)")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise InputError(f"seed: {self.seed!r} is not a non-negative whole number (fix: e.g. --seed 7)")
        if not 1 <= int(self.lanes) <= MAX_LANES:
            raise InputError(f"runs: {self.lanes} is outside 1…{MAX_LANES} (fix: e.g. --runs 1000)")
        self.seats = tuple(self.seats)
        base = self._model(())
        self.horizon = base.horizon

    # -- the engine ---------------------------------------------------------------------------

    @property
    def scenario_id(self) -> str:
        """The scenario's id."""
        return self.loaded.scenario.id

    @property
    def step(self) -> int:
        """Steps played so far."""
        return len(self.moves)

    @property
    def finished(self) -> bool:
        """Whether every step has been played."""
        return self.step >= int(self.horizon or 0)

    def _components_by_step(self) -> tuple[tuple[int, str], ...]:
        return tuple((t, c) for t, mv in enumerate(self.moves) for m in mv.values() for c in m.components)

    def _model(self, chosen: tuple[tuple[int, str], ...]) -> EscalationModel:
        key = ("model", chosen)
        if key not in self._cache:
            comps = [self._component_at(cid, t) for t, cid in chosen]
            self._cache[key] = EscalationModel(
                self.loaded.scenario, horizon=self.horizon, strategy=comps or None,
                overrides=dict(self.overrides) or None, mechanisms_off=self.mechanisms_off,
            )
        model: EscalationModel = self._cache[key]
        return model

    @property
    def model(self) -> EscalationModel:
        """The compiled model with the components the seats applied so far."""
        return self._model(self._components_by_step())

    def _component_at(self, cid: str, t: int) -> StrategyComponent:
        comp = self.component(cid)
        acts = tuple(a.model_copy(update={"start": t, "end": t + 1}) for a in comp.actions)
        return comp.model_copy(update={"id": f"{comp.id}.step{t + 1}", "actions": acts})

    def component(self, cid: str) -> StrategyComponent:
        """The strategy component ``STRATEGY/COMPONENT``.

        Raises:
            InputError: No such strategy or component.
        """
        scen = self.loaded.scenario
        sid, _, c = cid.partition("/")
        for s in scen.strategies:
            if s.id == sid:
                for comp in s.components:
                    if comp.id == c:
                        return comp
        known = [f"{s.id}/{c.id}" for s in scen.strategies for c in s.components]
        raise InputError(f"{scen.id}: no strategy component {cid!r} (fix: one of {', '.join(known) or 'none defined'})")

    def components_for(self, seat: str) -> list[tuple[str, str]]:
        """``(STRATEGY/COMPONENT, name)`` of the strategies of ``seat``."""
        return [
            (f"{s.id}/{c.id}", c.name) for s in self.loaded.scenario.strategies if s.actor == seat for c in s.components
        ]

    def targets(self, seat: str) -> list[str]:
        """The actors ``seat`` acts towards."""
        out = []
        for a in self.model.compiled.actors:
            if a != seat:
                try:
                    action_pair(self.model, seat, a)
                except InputError:
                    continue
                out.append(a)
        return out

    def actions(self, seat: str, target: str) -> list[str]:
        """The actions open to ``seat`` towards ``target``."""
        return available_actions(self.model, seat, target)

    def _imposed(self) -> list[dict[tuple[str, str], str]]:
        return [
            {(seat, tgt): act for seat, m in mv.items() for tgt, act in m.actions.items() if act != AUTO}
            for mv in self.moves
        ]

    def _advance(self, step: int, lanes: int) -> Advance:
        key = ("adv", step, lanes, len(self.moves), tuple(repr(sorted(m.items())) for m in self.moves[:step]))
        if key not in self._cache:
            # Keep only the current step's runs: a long game would otherwise hold every step's arrays.
            for old in [k for k in self._cache if k[0] == "adv" and k[1] != step]:
                del self._cache[old]
            model = self.model
            self._cache[key] = advance(model, self.seed, step, impose(model, self._imposed()[:step]), lanes)
        out: Advance = self._cache[key]
        return out

    # -- what a seat sees ------------------------------------------------------------------------

    def situation(self, seat: str) -> Situation:
        """The seat's view at the current step, with the odds from ``lanes`` engine-only continuations.

        Raises:
            InputError: ``seat`` is not a seat of this game.
        """
        self._check_seat(seat)
        t = self.step
        adv = self._advance(t, self.lanes)
        comp = self.model.compiled
        ix = {a: i for i, a in enumerate(comp.actors)}
        T = adv.arrays["tension"][0, t].astype(float)
        t_from: dict[str, float] = {}
        t_to: dict[str, float] = {}
        for a in comp.actors:
            if a == seat:
                continue
            p = int(comp.pair_index[ix[seat], ix[a]])
            q = int(comp.pair_index[ix[a], ix[seat]])
            if p >= 0:
                t_from[a] = round(float(T[p]), 3)
            if q >= 0:
                t_to[a] = round(float(T[q]), 3)
        events = self.events_at(t - 1, adv) if t else []
        i = ix[seat]
        standing = {
            "standing": round(float(adv.arrays["reputation"][0, t, i]), 3),
            "military": round(float(adv.arrays["military"][0, t, i]), 3),
            "economic": round(float(adv.arrays["economic"][0, t, i]), 3),
        }
        return Situation(seat, t, int(self.horizon or 0), t_from, t_to, events, standing, self._odds(adv), adv.lanes)

    def events_at(self, t: int, adv: Advance | None = None) -> list[tuple[str, str, str]]:
        """The events (actor, target, action) of the game's path at step ``t`` (0-based), NONE left out."""
        adv = adv or self._advance(self.step, 1)
        comp = self.model.compiled
        out = []
        for p, a in enumerate(adv.path_actions[t]):
            if a != 0:
                i, j = comp.pairs[p]
                out.append((comp.actors[i], comp.actors[j], comp.action_names[int(a)]))
        return out

    def _odds(self, adv: Advance) -> list[OutcomeOdds]:
        comp = self.model.compiled
        names = {o.id: o.name for o in self.loaded.scenario.outcomes}
        first = adv.arrays["outcome_first"].astype(int)
        out = []
        for k, oid in enumerate(comp.outcomes):
            f0 = int(first[0, k])
            happened = f0 if 1 <= f0 <= adv.step else None
            n = int(np.count_nonzero(first[:, k] >= 1))
            iv = wilson(n, adv.lanes)
            out.append(OutcomeOdds(oid, names.get(oid, oid), iv.p, iv.lo, iv.hi, happened))
        return out

    def _check_seat(self, seat: str) -> None:
        if seat not in self.seats:
            raise InputError(f"{seat!r} is not a seat of this game (fix: one of {', '.join(self.seats)})")

    # -- moves -------------------------------------------------------------------------------------

    def parse_move(self, seat: str, text: str) -> SeatMove:
        """Read a typed move: ``PRK=CONSULT USA=threaten``, ``auto``, a component id, or nothing.

        Raises:
            InputError: An unknown target, action or component (nothing is changed).
        """
        actions: dict[str, str] = {}
        comps: list[str] = []
        for tok in text.replace(",", " ").split():
            if "=" in tok:
                tgt, act = tok.split("=", 1)
                actions[tgt.strip().upper()] = act.strip()
            elif tok.lower() == AUTO:
                actions.update({t: AUTO for t in self.targets(seat) if t not in actions})
            else:
                comps.append(tok)
        return self.check_move(seat, SeatMove(actions, tuple(comps)))

    def check_move(self, seat: str, move: SeatMove) -> SeatMove:
        """Validate a move and complete it (unnamed targets: NONE, or auto with a component).

        Action names are matched without regard to case.

        Raises:
            InputError: Unknown seat, target, action or component; nothing is changed.
        """
        self._check_seat(seat)
        targets = self.targets(seat)
        own = {c for c, _ in self.components_for(seat)}
        for c in move.components:
            self.component(c)
            if c not in own:
                raise InputError(f"{c}: not a strategy of {seat} (fix: one of {', '.join(sorted(own)) or 'none: ' + seat + ' has no strategy'})")
        out: dict[str, str] = {}
        for tgt, act in move.actions.items():
            if tgt not in targets:
                raise InputError(f"{seat}: unknown target {tgt!r} (fix: one of {', '.join(targets)})")
            if act.lower() == AUTO:
                out[tgt] = AUTO
                continue
            opts = self.actions(seat, tgt)
            match = next((o for o in opts if o.lower() == act.lower()), None)
            if match is None:
                raise InputError(f"{seat}->{tgt}: {act!r} is not an action open to {seat} (fix: one of {', '.join(opts)})")
            out[tgt] = match
        default = AUTO if move.components else "NONE"
        for tgt in targets:
            out.setdefault(tgt, default)
        return SeatMove(out, tuple(dict.fromkeys(move.components)))

    def play(self, moves: Mapping[str, SeatMove]) -> None:
        """Play one step with every seat's move (each validated; on any error nothing changes).

        Raises:
            InputError: The game is over, a seat's move is missing or invalid, or a move names a non-seat.
        """
        if self.finished:
            raise InputError(f"the game is over after {self.horizon} steps (fix: start a new game)")
        for s in moves:
            self._check_seat(s)
        missing = [s for s in self.seats if s not in moves]
        if missing:
            raise InputError(f"step {self.step + 1}: no move from {', '.join(missing)}")
        checked = {s: self.check_move(s, moves[s]) for s in self.seats}
        self.moves.append(checked)

    # -- the end ---------------------------------------------------------------------------------

    def engine_runs(self) -> Advance:
        """Engine-only runs from the same start (``lanes`` replicates, the game's seed, no human)."""
        key = ("engine", self.lanes)
        if key not in self._cache:
            self._cache[key] = advance(self._model(()), self.seed, 0, {}, self.lanes)
        out: Advance = self._cache[key]
        return out

    def verdict(self) -> dict[str, Any]:
        """Set the game's path against the engine-only runs from the same start.

        For the mean tension over all pairs, and for each seat's mean tension with the others (both
        ways), at the last step played: the game's value and the share of engine runs that reached at
        least it. For each tracked outcome: whether it happened in the game, and its probability
        (Wilson 95 %) among the engine runs by the same step.
        """
        t = self.step
        path = self._advance(t, 1)
        eng = self.engine_runs()
        comp = self.model.compiled
        ix = {a: i for i, a in enumerate(comp.actors)}
        T_game = path.arrays["tension"][0, t].astype(float)
        T_eng = eng.arrays["tension"][:, t].astype(float)
        rows = []

        def row(label: str, cols: np.ndarray) -> None:
            g = float(T_game[cols].mean())
            e = T_eng[:, cols].mean(1)
            share = float(np.mean(e >= g - 1e-9))
            rows.append({"measure": label, "game": round(g, 3), "engine_median": round(float(np.median(e)), 3),
                         "share_at_least": round(share, 4)})

        row("mean tension, all pairs", np.arange(len(comp.pairs)))
        for s in self.seats:
            i = ix[s]
            cols = np.flatnonzero((comp.pairs[:, 0] == i) | (comp.pairs[:, 1] == i))
            row(f"mean tension with {s}", cols)
        names = {o.id: o.name for o in self.loaded.scenario.outcomes}
        fg = path.arrays["outcome_first"][0].astype(int)
        fe = eng.arrays["outcome_first"].astype(int)
        outcomes = []
        for k, oid in enumerate(comp.outcomes):
            n = int(np.count_nonzero((fe[:, k] >= 1) & (fe[:, k] <= t)))
            iv = wilson(n, eng.lanes)
            happened = int(fg[k]) if 1 <= fg[k] <= t else None
            outcomes.append({"id": oid, "name": names.get(oid, oid), "game_step": happened,
                             "engine_p": iv.p, "engine_lo": iv.lo, "engine_hi": iv.hi})
        return {"step": t, "engine_runs": eng.lanes, "tension": rows, "outcomes": outcomes}

    # -- storing and replaying --------------------------------------------------------------------

    def params(self) -> dict[str, Any]:
        """The game's inputs and moves, as stored in the run's parameters."""
        return {
            "seats": list(self.seats), "horizon": self.horizon, "runs": self.lanes,
            "mechanisms_off": sorted(self.mechanisms_off), "overrides": dict(self.overrides),
            "moves": [{s: m.to_dict() for s, m in mv.items()} for mv in self.moves],
        }

    def result(self) -> dict[str, Any]:
        """The game's path and verdict, as stored in the run's result."""
        t = self.step
        path = self._advance(t, 1)
        comp = self.model.compiled
        tension = path.arrays["tension"][0, : t + 1].astype(float)
        pairs = [f"{comp.actors[i]}->{comp.actors[j]}" for i, j in comp.pairs]
        seat_pairs = [k for k, p in enumerate(pairs) if any(p.startswith(s + "->") or p.endswith("->" + s) for s in self.seats)]
        return {
            "kind": "play",
            "scenario": self.scenario_id,
            "seed": self.seed,
            "seats": list(self.seats),
            "steps_played": t,
            "horizon": self.horizon,
            "finished": self.finished,
            "path": [[list(e) for e in self.events_at(k, path)] for k in range(t)],
            "seat_tension": {pairs[k]: [round(float(x), 4) for x in tension[:, k]] for k in seat_pairs},
            "verdict": self.verdict(),
        }

    @classmethod
    def from_params(cls, loaded: LoadedScenario, params: Mapping[str, Any], seed: int) -> Game:
        """A game rebuilt from stored parameters (moves not yet replayed: see :meth:`replay`)."""
        return cls(
            loaded, tuple(params["seats"]), seed=int(seed), horizon=params.get("horizon"),
            lanes=int(params.get("runs", 1000)), mechanisms_off=tuple(params.get("mechanisms_off", ())),
            overrides=dict(params.get("overrides", {})),
        )

    def replay(self, moves: Iterable[Mapping[str, Any]]) -> None:
        """Play the stored moves one step after another."""
        for mv in moves:
            self.play({s: SeatMove.from_dict(m) for s, m in mv.items()})


def sentence(row: Mapping[str, Any]) -> str:
    """One line for a tension row of :meth:`Game.verdict`."""
    pct = 100 * float(row["share_at_least"])
    share = f"{pct:.0f} %" if pct >= 1 or pct == 0 else f"{pct:.1f} %"
    return (f"{row['measure']}: your path ended at {row['game']:.2f}, a level reached by {share} of engine runs "
            f"(their median {row['engine_median']:.2f})")


def fmt_p(p: float) -> str:
    """A probability as a short percentage."""
    return "—" if math.isnan(p) else f"{100 * p:.1f} %"


def tension_word(x: float) -> str:
    """A rough reading of a tension value (about 2 was US–North Korea hostility in early 2018)."""
    return "none" if x < 0.05 else "low" if x < 0.5 else "moderate" if x < 1.2 else "high" if x < 2.5 else "very high"


def as_moves(data: Sequence[Mapping[str, Any]]) -> list[dict[str, SeatMove]]:
    """Stored moves → SeatMove dicts."""
    return [{s: SeatMove.from_dict(m) for s, m in mv.items()} for mv in data]
