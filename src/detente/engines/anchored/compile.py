"""Compile a scenario for the anchored engine: outcomes to reference classes, states, levers; refusals.

Compiling refuses (one :class:`~detente.errors.ScenarioError`, ``Error:`` line and exit 2 in the CLI) a
scenario whose outcome events lack a reference, and a calibration that is not for the scenario's as-of
date, read a row dated on or after it, or lacks a class or state the scenario needs (or, for an active
build-up, the test-rate trend). Compiling reads no data: every fitted number comes from the calibration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.engines.escalation.model import strategy_components
from detente.errors import DetenteError, InputError, ScenarioError
from detente.mechanisms import TYPES as MECHANISM_TYPES
from detente.ontology import EventType
from detente.scenario.model import Scenario, Strategy, StrategyComponent

from .levers import (
    HAZARD_SCALE,
    LEVER_TYPES,
    STATE_SCALE,
    STRATEGY_SCALE,
    STRATEGY_STATE_SCALE,
    event_polarity,
    is_kinetic,
    is_test,
    polarity,
)
from .references import ResolvedReference, scenario_references


@dataclass(frozen=True)
class KeySpec:
    """One simulated event process: a reference class applied to a subject."""

    key: str
    ref: str
    subject: str
    state: int
    actors: frozenset[str]
    outcomes: tuple[str, ...]


@dataclass(frozen=True)
class OutcomeSpec:
    """A tracked outcome: the first hit of any of its keys (accidental extra events only if ``accidents``)."""

    id: str
    keys: tuple[int, ...]
    accidents: tuple[bool, ...]
    references: tuple[ResolvedReference, ...]
    veto: float | None = None
    veto_source: str | None = None


@dataclass(frozen=True)
class LeverSpec:
    """One lever: signed hazard multipliers on keys and shifts of states, with its prior and timing.

    ``hazard`` and ``accident`` hold ``(key, sign × weight)``; ``accident`` entries add events that count
    only in outcomes whose definition includes accidents. ``states`` holds ``(state, sign × weight)``.
    The run's strength is ``|N(0, scale)|`` (or, with ``trend``, ``N(mean, se)`` per year, ramped).
    """

    id: str
    kind: str
    type: str
    hazard: tuple[tuple[int, float], ...]
    accident: tuple[tuple[int, float], ...]
    states: tuple[tuple[int, float], ...]
    scale: float
    state_scale: float
    start: int = 0
    end: int | None = None
    ramp: bool = False
    trend: tuple[float, float] | None = None
    source: str = ""

    def active(self, step: int) -> bool:
        """Whether the lever acts at ``step`` (1-based; strategy steps count from 0)."""
        return self.start <= step - 1 and (self.end is None or step - 1 < self.end)


@dataclass
class Compiled:
    """Everything one run block needs (pickled to worker processes)."""

    scenario: str
    as_of: Any
    horizon: int
    keys: tuple[KeySpec, ...]
    states: tuple[str, ...]
    theatres: tuple[int, ...]
    outcomes: tuple[OutcomeSpec, ...]
    levers: tuple[LeverSpec, ...]
    class_fits: tuple[Any, ...] = field(repr=False)
    state_fits: tuple[Any, ...] = field(repr=False)
    strategy: str | None = None
    unrepresented: tuple[str, ...] = ()
    calibration_path: str = ""


def _members(scenario: Scenario, actor: str) -> set[str]:
    try:
        a = scenario.actor(actor)
    except KeyError:
        return {actor}
    return {actor, *a.members}


def _actors_of(subject: str, state: str) -> frozenset[str]:
    parts = set(state.split("-"))
    for sep in ("~", "-"):
        if sep in subject:
            parts |= set(subject.split(sep))
            break
    else:
        parts.add(subject)
    return frozenset(parts)


def _calibration_error(path: str, exc: Exception) -> ScenarioError:
    """The calibration's own refusal, naming the calibration file (and the field, when it says none)."""
    msg = str(exc).removeprefix("Error: ").removeprefix("calibration: ")
    if "(fix:" in msg:
        return ScenarioError(path, "", msg)
    return ScenarioError(
        path, "as_of", msg, "refit it with `detente calibrate SCENARIO` (it reads only rows dated before the as-of date)"
    )


def compile_scenario(
    scenario: Scenario,
    calibration: Any,
    *,
    file: str | Path = "<scenario>",
    calibration_path: str | Path = "<calibration>",
    horizon: int | None = None,
    strategy: str | Strategy | Sequence[StrategyComponent] | None = None,
    mechanisms_off: Iterable[str] = (),
) -> Compiled:
    """Compile ``scenario`` against ``calibration`` for the anchored engine.

    Args:
        scenario: The scenario.
        calibration: A fitted calibration (:class:`~.backbone.CalibrationLike`).
        file: The scenario file, for messages.
        calibration_path: The calibration file, for messages.
        horizon: Months to run (default the scenario's).
        strategy: A strategy id, a strategy, or some of its components.
        mechanisms_off: Mechanism instance ids or types to switch off.

    Raises:
        ScenarioError: An outcome without a reference; a calibration for another date, that read a later
            row, or that lacks a class or state, or the test-rate trend an active build-up needs.
        InputError: An unknown strategy or mechanism id.
    """
    cal_path = str(calibration_path)
    refs = scenario_references(scenario, file)
    try:
        calibration.check(scenario.scenario.as_of)
    except DetenteError as exc:
        raise _calibration_error(cal_path, exc) from None
    keys: dict[str, dict[str, Any]] = {}
    states: list[str] = []
    outcomes: list[OutcomeSpec] = []
    for o in scenario.outcomes:
        idx, acc = [], []
        for r in refs[o.id]:
            if r.key not in calibration.classes:
                raise ScenarioError(
                    cal_path, f"classes[{r.key}]", f"no fit for the reference of {r.where} (outcome {o.id!r})",
                    f"refit with `detente calibrate {scenario.id}` after changing references",
                )
            if r.state not in calibration.states:
                raise ScenarioError(
                    cal_path, f"states[{r.state}]", f"no crisis-state fit for {r.where}.state",
                    f"refit with `detente calibrate {scenario.id}`",
                )
            if r.state not in states:
                states.append(r.state)
            entry = keys.setdefault(r.key, {"ref": r, "outcomes": []})
            entry["outcomes"].append(o.id)
            idx.append(list(keys).index(r.key))
            acc.append(r.accidents)
        veto, veto_src = _veto(scenario, o.event)
        outcomes.append(OutcomeSpec(o.id, tuple(idx), tuple(acc), refs[o.id], veto, veto_src))
    key_specs = tuple(
        KeySpec(k, v["ref"].ref, v["ref"].subject, states.index(v["ref"].state),
                _actors_of(v["ref"].subject, v["ref"].state), tuple(v["outcomes"]))
        for k, v in keys.items()
    )
    accident_keys = {i for o in outcomes for i, a in zip(o.keys, o.accidents, strict=True) if a}
    levers: list[LeverSpec] = []
    unrepresented: list[str] = []
    for m in _active_mechanisms(scenario, mechanisms_off):
        lt = LEVER_TYPES[m.type]
        if lt.acts and not m.actors and not any(_named(m)) and lt.only not in ("tests", "accidents") and m.type != "doctrine":
            unrepresented.append(
                f"mechanisms[{m.id}] ({m.type}): names no actors, so nothing says whom it touches (a generic "
                "dynamic: the fitted backbone stands for it)"
            )
            continue
        lever = _mechanism_lever(scenario, m, key_specs, states, accident_keys, calibration, cal_path)
        if lever is None:
            why = lt.why if not lt.acts else "touches no tracked outcome's class or state"
            unrepresented.append(f"mechanisms[{m.id}] ({m.type}): {why}")
        else:
            levers.append(lever)
    name, comps = strategy_components(scenario, strategy)
    for c in comps:
        built, skipped = _strategy_levers(scenario, c, key_specs, states)
        levers.extend(built)
        unrepresented.extend(skipped)
    return Compiled(
        scenario=scenario.id,
        as_of=scenario.scenario.as_of,
        horizon=int(horizon or scenario.scenario.horizon),
        keys=key_specs,
        states=tuple(states),
        theatres=_theatres(states),
        outcomes=tuple(outcomes),
        levers=tuple(levers),
        class_fits=tuple(calibration.classes[k] for k in keys),
        state_fits=tuple(calibration.states[s] for s in states),
        strategy=name,
        unrepresented=tuple(unrepresented),
        calibration_path=cal_path,
    )


def _theatres(states: Sequence[str]) -> tuple[int, ...]:
    """Connected components of the dyads (sharing an actor): one common shock per theatre."""
    parent = list(range(len(states)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(states):
        for j in range(i):
            if set(a.split("-")) & set(states[j].split("-")):
                parent[find(i)] = find(j)
    roots = [find(i) for i in range(len(states))]
    order = list(dict.fromkeys(roots))
    return tuple(order.index(r) for r in roots)


def _veto(scenario: Scenario, event_id: str) -> tuple[float | None, str | None]:
    """A persistent veto stance: the organisation's ``veto_after_provocation`` for an event that needs no veto."""
    event = next((e for e in scenario.events if e.id == event_id), None)
    if event is None or event.preconditions.no_veto_in is None:
        return None, None
    try:
        org = scenario.actor(event.preconditions.no_veto_in)
    except KeyError:
        return None, None
    value = org.params.get("veto_after_provocation")
    if value is None:
        return None, None
    return float(value.value), f"actors[{org.id}].params.veto_after_provocation"


def _active_mechanisms(scenario: Scenario, mechanisms_off: Iterable[str]) -> list[Any]:
    off = set(mechanisms_off)
    ids = [m.id for m in scenario.mechanisms]
    unknown = off - set(ids) - set(MECHANISM_TYPES)
    if unknown:
        raise InputError(
            f"mechanisms_off: {scenario.id} declares no mechanism {', '.join(sorted(unknown))} "
            f"(fix: use one of its mechanism ids: {', '.join(ids) or 'none declared'})"
        )
    return [m for m in scenario.mechanisms if m.enabled and m.id not in off and m.type not in off]


def _param(m: Any, name: str, default: float) -> float:
    v = m.params.get(name)
    return float(v.value) if v is not None else default


def _touches(actors: set[str], ks: KeySpec) -> bool:
    if not actors:
        return True
    if len(actors) == 1:
        return actors <= ks.actors
    return len(actors & ks.actors) >= 2


def _named(m: Any) -> tuple[set[str], set[str]]:
    """Outcome and event ids the instance's ``represented_by`` names."""
    outs, evs = set(), set()
    for path in m.represented_by:
        if path.startswith("outcomes[") and path.endswith("]"):
            outs.add(path[9:-1])
        elif path.startswith("events[") and path.endswith("]"):
            evs.add(path[7:-1])
    return outs, evs


def _mechanism_lever(
    scenario: Scenario, m: Any, keys: Sequence[KeySpec], states: Sequence[str], accident_keys: set[int],
    calibration: Any, cal_path: str,
) -> LeverSpec | None:
    lt = LEVER_TYPES[m.type]
    if not lt.acts:
        return None
    actors: set[str] = set()
    for a in m.actors:
        actors |= _members(scenario, a)
    outs, evs = _named(m)
    event_keys = {
        i for i, ks in enumerate(keys)
        for o in scenario.outcomes if o.id in ks.outcomes and (o.id in outs or o.event in evs)
    }
    hazard: list[tuple[int, float]] = []
    accident: list[tuple[int, float]] = []
    for i, ks in enumerate(keys):
        if not (_touches(actors, ks) or i in event_keys):
            continue
        pol = polarity(ks.ref)
        sign = lt.conflict if pol > 0 else lt.cooperative
        if sign == 0:
            continue
        if lt.only == "tests" and not is_test(ks.ref):
            continue
        if lt.only == "kinetic" and not is_kinetic(ks.ref):
            continue
        if lt.only == "accidents":
            if i in accident_keys:
                accident.append((i, float(sign)))
            continue
        hazard.append((i, float(sign)))
    shifts: list[tuple[int, float]] = []
    if lt.state:
        for j, dyad in enumerate(states):
            pair = set(dyad.split("-"))
            if actors and not (pair <= actors if len(actors) > 1 else actors <= pair):
                continue
            weight = float(lt.state)
            if m.type == "doctrine":
                mean = sum(float(scenario.actor(a).doctrine.value) for a in pair if a in scenario.actor_ids()) / 2
                weight = (mean - 0.5) / 0.5
            if weight:
                shifts.append((j, weight))
    if not (hazard or accident or shifts):
        return None
    trend, source = None, "assumption: half-normal prior"
    if lt.ramp and hazard:
        trend, source = _trend(scenario, m, actors, calibration, cal_path)
    return LeverSpec(
        id=m.id, kind="mechanism", type=m.type, hazard=tuple(hazard), accident=tuple(accident), states=tuple(shifts),
        scale=_param(m, "lever_scale", HAZARD_SCALE), state_scale=_param(m, "state_scale", STATE_SCALE),
        ramp=lt.ramp, trend=trend, source=source,
    )


def _trend(scenario: Scenario, m: Any, actors: set[str], calibration: Any, cal_path: str) -> tuple[tuple[float, float] | None, str]:
    """A build-up's yearly trend ``(mean, se)`` from the calibration's fitted test trend, and its source.

    The trend is the one :func:`detente.calibrate.trend.prk_test_trend` fitted when the calibration was
    written (``detente calibrate``); nothing is read here. A build-up of another actor than the trend's,
    or a window with too few tests, keeps the half-normal prior (said in the source).

    Raises:
        ScenarioError: the calibration predates the fitted trend (the fix: refit it).
    """
    fit = getattr(calibration, "test_trend", None)
    if fit is None:
        raise ScenarioError(
            cal_path, "test_trend", f"no fitted test-rate trend for {m.id} ({m.type}): the calibration predates it",
            f"refit it with `detente calibrate {scenario.id}`, or switch the mechanism off with --off {m.id}",
        )
    if actors and fit.actor not in actors:
        return None, f"assumption: half-normal prior (the fitted test trend is {fit.actor}'s, not {'/'.join(sorted(actors))}'s)"
    if fit.mean is None or fit.se is None:
        return None, f"assumption: half-normal prior ({fit.note})"
    src = (f"history: Poisson GLM of {fit.actor}'s test days per month, {fit.window[0]}…{fit.window[1]} "
           f"({fit.n} test days in {fit.n_months} months; b = {fit.mean:.4f}/yr, HAC se {fit.se:.4f})")
    return (float(fit.mean), float(fit.se)), src


def _strategy_levers(
    scenario: Scenario, comp: StrategyComponent, keys: Sequence[KeySpec], states: Sequence[str]
) -> tuple[list[LeverSpec], list[str]]:
    """A strategy component's actions as levers.

    An event action raises the hazard of classes of its polarity in the actor's dyads with its targets and
    shifts their state; setting a doctrine shifts the actor's dyads.
    """
    out: list[LeverSpec] = []
    skipped: list[str] = []
    for k, a in enumerate(comp.actions):
        lid = f"{comp.id}[{k}]"
        if a.kind.value == "event" and a.actor and a.event:
            named = next((e for e in scenario.events if e.id == a.event), None)
            etype = named.event if named is not None else EventType(a.event)
            pol = event_polarity(etype)
            weight = float(a.weight.value) if a.weight is not None else 1.0
            src = _members(scenario, a.actor)
            tgts = [_members(scenario, t) for t in a.targets] or [set()]
            hazard = []
            for i, ks in enumerate(keys):
                if polarity(ks.ref) != pol:
                    continue
                if named is not None and named.reference is not None and named.reference.class_ != ks.ref:
                    continue
                if any(ks.actors & src and (not t or ks.actors & t) for t in tgts):
                    hazard.append((i, weight))
            shifts = [
                (j, pol * weight) for j, dyad in enumerate(states)
                if any(set(dyad.split("-")) & src and set(dyad.split("-")) & t and set(dyad.split("-")) <= (src | t) for t in tgts if t)
            ]
            if hazard or shifts:
                out.append(LeverSpec(lid, "strategy", comp.mechanism or "", tuple(hazard), (), tuple(shifts),
                                     STRATEGY_SCALE, STRATEGY_STATE_SCALE, a.start, a.end,
                                     source="assumption: half-normal prior per unit of weight"))
            else:
                skipped.append(f"strategies: {lid} ({a.actor} {a.event}): touches no tracked outcome's class or state")
        elif a.kind.value == "set" and a.path and a.path.startswith("actors[") and a.path.endswith("].doctrine"):
            actor = a.path[7:-10]
            try:
                old = float(scenario.actor(actor).doctrine.value)
            except KeyError:
                skipped.append(f"strategies: {lid}: unknown actor {actor!r}")
                continue
            delta = (float(a.value) - old) / 0.5  # type: ignore[arg-type]
            shifts = [(j, delta) for j, dyad in enumerate(states) if actor in dyad.split("-")]
            if shifts and delta:
                out.append(LeverSpec(lid, "strategy", "doctrine", (), (), tuple(shifts), STRATEGY_SCALE,
                                     STRATEGY_STATE_SCALE, a.start, a.end,
                                     source="assumption: doctrine change over 0.5 = one unit of weight"))
        else:
            skipped.append(f"strategies: {lid} (set {a.path}): no lever in the anchored engine")
    return out, skipped


def describe_levers(levers: Sequence[LeverSpec], keys: Sequence[KeySpec], states: Sequence[str]) -> list[dict[str, Any]]:
    """A JSON-able list of the compiled levers: what each touches, its sign and its prior."""
    rows = []
    for lv in levers:
        rows.append({
            "id": lv.id, "kind": lv.kind, "type": lv.type,
            "hazard": {keys[i].key: s for i, s in lv.hazard},
            "accidents": {keys[i].key: s for i, s in lv.accident},
            "state": {states[j]: round(s, 4) for j, s in lv.states},
            "prior": (
                {"trend_per_year": {"mean": round(lv.trend[0], 4), "se": round(lv.trend[1], 4)}} if lv.trend
                else {"half_normal_scale": lv.scale, "state_half_normal_scale": lv.state_scale}
            ),
            "steps": [lv.start, lv.end], "ramp": lv.ramp, "source": lv.source,
        })
    return rows


def override_scenario(scenario: Scenario, overrides: Mapping[str, float | str | bool] | None) -> Scenario:
    """Apply ``--set`` scenario paths (``engine.*`` names the escalation engine's parameters: refused)."""
    if not overrides:
        return scenario
    from detente.engines.escalation.compile import split_overrides

    engine_keys = [k for k in overrides if k.startswith("engine.")]
    if engine_keys:
        raise InputError(
            f"overrides: {engine_keys[0]!r} is a parameter of the qre engine (fix: drop it or run --engine qre)"
        )
    new, _ = split_overrides(scenario, overrides)
    return new
