"""Turn a scenario (plus overrides and switched-off mechanisms) into the arrays the engine steps on.

Everything here runs once per run (or once per strategy phase), never per replicate: the result is a
:class:`Compiled` bundle of small numpy arrays indexed by actor, ordered pair, action and issue.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from pydantic import ValidationError

from detente.errors import InputError, ScenarioError
from detente.mechanisms import TYPES as MECHANISM_TYPES
from detente.ontology import EventType, event_score, plover
from detente.scenario.model import (
    ActorKind,
    Alliance,
    Channel,
    ChannelState,
    NamedEvent,
    NuclearStatus,
    Partnership,
    Rivalry,
    SanctionRegime,
    Sanctions,
    Scenario,
)

from .params import (
    calibrated,
    calibration,
    engine_params,
    mechanism_levers,
    per_step,
    test_trend_for,
    war_classes_for,
    war_weibull_for,
)

TYPES: tuple[EventType, ...] = tuple(EventType)
"""The 16 PLOVER event types; action ``k + 1`` is ``TYPES[k]``, action 0 is "no event"."""
NONE = 0
MILITARY = (EventType.MOBILIZE, EventType.COERCE, EventType.ASSAULT)
CONFLICT_TYPES = tuple(t for t in TYPES if plover()[t].score < 0)
_OBLIGATION = {"defence": 1.0, "offence": 1.0, "consultation": 0.3, "neutrality": 0.1, "non-aggression": 0.1}


def type_action(t: EventType | str) -> int:
    """The action index of a PLOVER type."""
    return TYPES.index(EventType(t)) + 1


def actions_of(
    names: Sequence[str],
    atype: Sequence[int] | np.ndarray,
    amode: Sequence[str | None],
    event: str,
    mode: str | None = None,
    *,
    modeless_too: bool = False,
) -> list[int]:
    """The action indices an event reference stands for.

    A named event stands for itself. A PLOVER type stands for the type's own action and every named event
    that specialises it. With a ``mode``, only actions in that mode count; the type's own action carries no
    mode, so it counts only with ``modeless_too``: a tracked outcome in a mode asks for that mode, while a
    strategy's push in a mode still raises the generic action of its type.
    """
    if event not in EventType.__members__:
        return [names.index(event)] if event in names else []
    ti = TYPES.index(EventType(event))
    modes = (mode, None) if modeless_too else (mode,)
    return [a for a in range(len(names)) if atype[a] == ti and (mode is None or amode[a] in modes)]


@dataclass
class Compiled:
    """The scenario as arrays. ``P`` ordered pairs (i, j), ``A`` actions, ``K`` issues, ``N`` actors."""

    scenario_id: str
    actors: tuple[str, ...]
    pairs: np.ndarray  # (P, 2) int
    pair_index: np.ndarray  # (N, N) int, -1 for no pair
    reverse: np.ndarray  # (P,) index of (j, i)
    action_names: tuple[str, ...]
    action_type: np.ndarray  # (A,) type index 0..15, -1 for none
    action_mode: tuple[str | None, ...]
    conflict: np.ndarray  # (A,) |score|/10 of conflictual actions
    coop: np.ndarray  # (A,) score/10 of cooperative actions
    military: np.ndarray  # (A,) bool
    intercept: np.ndarray  # (P, A) logit intercepts, -inf if unavailable
    named_veto: list[tuple[int, np.ndarray]]  # (action, veto actor indices)
    named_channel: list[tuple[int, int]]  # (action, channel index) requires an active channel
    test_actions: np.ndarray  # actions that are tests (nuclear precondition)
    params: dict[str, float]
    mech: dict[str, dict[str, float]]  # active mechanism types → params (per step)
    roles: dict[str, tuple[int, ...]]  # active mechanism type → actor indices
    instances: dict[str, str]  # active mechanism type → the scenario's instance id
    dt: float  # months per step (the scenario's time_step); params are per step, intercepts per month
    doctrine: np.ndarray  # (N,)
    resolve: np.ndarray  # (N,)
    audience: np.ndarray  # (N,) weight of reputation
    mil0: np.ndarray  # (N,)
    econ0: np.ndarray  # (N,)
    nuclear: np.ndarray  # (N,) 1 if the actor has nuclear weapons
    nuclear_status: tuple[str, ...]
    tension0: np.ndarray  # (N, N)
    reaction: np.ndarray  # (N, N)
    grievance: np.ndarray  # (N, N)
    decay: np.ndarray  # (N, N)
    affinity: np.ndarray  # (N, N)
    obligation: np.ndarray  # (N, N) i obliged to j
    senior_of: np.ndarray  # (N, N) senior i extends deterrence to junior j
    juniors: list[tuple[int, int]]  # (senior, junior)
    rivals: np.ndarray  # (N, N) bool
    at_war: np.ndarray  # (N, N) bool: at war on the as-of date
    issues: tuple[str, ...]
    issue_lo: np.ndarray
    issue_hi: np.ndarray
    pos0: np.ndarray  # (K, N) on [0, 1]
    sal: np.ndarray  # (K, N)
    sq0: np.ndarray  # (K,)
    channels: tuple[str, ...]
    chan_members: np.ndarray  # (C, N) bool
    chan_state0: np.ndarray  # (C,) 1 active, 0 otherwise
    chan_proposed: np.ndarray  # (C,) bool
    sanctions: list[tuple[str, int, np.ndarray, np.ndarray, float]]  # regime, target, enforcers, pressured, intensity
    outcomes: tuple[str, ...]
    outcome_match: np.ndarray  # (O, P, A) bool
    outcome_min: np.ndarray  # (O,)
    nuclear_issue: int  # -1 if none
    strategy_bias: list[tuple[int, int, int, int | None, float]] = field(default_factory=list)
    # (pair, action, start, end, weight)
    provocations: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # actions that provoke a sanctions resolution: nuclear tests, ICBM and satellite launches
    triggered: list[tuple[int, float]] = field(default_factory=list)
    ceasefire: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # (P,) the action a ceasefire emits on each pair: the scenario's RETREAT/ceasefire named event, else RETREAT
    war_assault_boost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # (P,) log-odds added to ASSAULT for a dyad at war on the as-of date (removed after a ceasefire)
    war_age: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    # (N, N) months a war of the as-of date had lasted then (UCDP episode start; 0 if unknown)
    war_h: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # (P,) first-month ceasefire probability of each pair's war, from its reference class (or the override)
    war_k: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # (P,) Weibull shape of each pair's war duration
    war_class: tuple[str, ...] = ()
    # (P,) reference class of each pair's war (docs/model.md, "War termination")
    accident: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # (P,) the action an accidental clash emits on each pair: the scenario's clash event (see accident_actions)
    # (action, veto cap): conflictual veto-bound named events (sanctions resolutions) answer provocations;
    # the cap is the organisation's `veto_after_provocation` param, else the engine's (see docs)


# ---------------------------------------------------------------------------------------------
# Overrides


_PATH = re.compile(r"^(?P<head>[a-z_]+)(?:\[(?P<key>[^\]]+)\])?(?:\.(?P<rest>.+))?$")


def split_overrides(
    scenario: Scenario, overrides: Mapping[str, float | str | bool] | None
) -> tuple[Scenario, dict[str, float]]:
    """Apply scenario-path overrides; return the new scenario and the ``engine.*`` overrides.

    Paths: ``engine.NAME``, ``actors[ID].FIELD[.…]``, ``relations[ID].FIELD``, ``issues[ID].…``,
    ``mechanisms[ID].params.NAME`` (creates the entry if the scenario lacks it),
    ``mechanisms[ID].enabled``.

    Raises:
        InputError: An unknown path, id or engine parameter, or a value of the wrong kind.
    """
    engine: dict[str, float] = {}
    if not overrides:
        return scenario, engine
    known = engine_params()
    data = _listify(scenario.model_dump(mode="python", exclude_none=False))
    for path, value in overrides.items():
        if path.startswith("engine."):
            name = path.removeprefix("engine.")
            if name not in known:
                raise InputError(
                    f"overrides: {path!r}: unknown engine parameter (fix: use one of "
                    f"{', '.join('engine.' + k for k in sorted(known))})"
                )
            engine[name] = _number(path, value)
            continue
        _set_path(data, scenario, path, value)
    try:
        new = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _override_error(scenario, overrides, exc) from None
    return new, engine


def _override_error(
    scenario: Scenario, overrides: Mapping[str, float | str | bool], exc: ValidationError
) -> InputError:
    """Name the override whose value the scenario refuses, with the value and the allowed range."""
    from detente.scenario.io import _translate

    base = _listify(scenario.model_dump(mode="python", exclude_none=False))
    for path, value in overrides.items():
        if path.startswith("engine."):
            continue
        data = copy.deepcopy(base)
        _set_path(data, scenario, path, value)
        try:
            Scenario.model_validate(data)
        except ValidationError as one:
            err = _translate(one, "overrides", data)
            return InputError(f"--set {path}={value}: {err.message} (fix: give a value in the allowed range)")
    err = _translate(exc, "overrides", base)
    return InputError(f"overrides: {err.path}: {err.message} (fix: check the override values)")


def _listify(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _listify(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_listify(v) for v in obj]
    return obj


def _number(path: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) and value != math.inf:
        raise InputError(f"overrides: {path!r}: {value!r} is not a number (fix: give a number)")
    return float(value)


def _set_path(data: dict[str, Any], scenario: Scenario, path: str, value: Any) -> None:
    m = _PATH.match(path)
    if not m or m["head"] not in {"actors", "relations", "issues", "mechanisms", "events", "scenario"}:
        raise InputError(
            f"overrides: {path!r}: not a scenario field path (fix: use e.g. actors[USA].doctrine, "
            "mechanisms[K11].params.rate (an id of the scenario's [[mechanisms]]), relations[ID].intensity "
            "or engine.rationality)"
        )
    head, key, rest = m["head"], m["key"], m["rest"]
    if head == "scenario":
        node: Any = data["scenario"]
        rest = path.removeprefix("scenario.")
    else:
        items = data[head]
        idx = _find(items, key, head, path)
        if idx is None and head == "mechanisms" and key in MECHANISM_TYPES:
            # A type name the scenario does not instantiate: add an instance of it under that id.
            title = MECHANISM_TYPES[key].title
            items.append({"id": key, "type": key, "name": title, "enabled": True, "params": {}})
            idx = len(items) - 1
        if idx is None:
            ids = [str(it.get("id") or it.get("name")) for it in items]
            raise InputError(
                f"overrides: {path!r}: no {head} entry {key!r} (fix: use one of {', '.join(ids)})"
            )
        node = items[idx]
    if not rest:
        raise InputError(f"overrides: {path!r}: name a field after the entry (fix: e.g. {head}[{key}].params.x)")
    parts = rest.split(".")
    for part in parts[:-1]:
        pm = re.match(r"^(\w+)\[([^\]]+)\]$", part)
        if pm:
            lst = node.get(pm[1])
            idx2 = _find(lst or [], pm[2], pm[1], path, key_field="actor")
            if idx2 is None:
                raise InputError(f"overrides: {path!r}: no {pm[1]} entry {pm[2]!r}")
            node = lst[idx2]
            continue
        if part == "params" and node.get("params") is None:
            node["params"] = {}
        if not isinstance(node, dict) or part not in node:
            raise InputError(f"overrides: {path!r}: no field {part!r} (fix: check the path)")
        node = node[part]
    last = parts[-1]
    if not isinstance(node, dict):
        raise InputError(f"overrides: {path!r}: cannot set {last!r} here")
    current = node.get(last)
    if isinstance(current, dict) and "value" in current:
        current["value"] = _number(path, value)
    elif last in node or parts[-2:-1] == ["params"]:
        node[last] = value
    else:
        raise InputError(f"overrides: {path!r}: no field {last!r} (fix: check the path)")


def _find(items: list[Any], key: str | None, head: str, path: str, key_field: str = "id") -> int | None:
    if key is None:
        raise InputError(f"overrides: {path!r}: give an id in brackets, e.g. {head}[ID]")
    for i, it in enumerate(items):
        if isinstance(it, dict) and key in (it.get(key_field), it.get("id"), it.get("name")):
            return i
    if key.isdigit() and int(key) < len(items):
        return int(key)
    return None


# ---------------------------------------------------------------------------------------------
# Compilation


PARAM_ALIASES: dict[str, dict[str, tuple[str, Callable[[float], float]]]] = {
    "autonomy": {"alignment_fluidity": ("autonomy", lambda v: v)},
    "theatre-linkage": {"theatre_linkage": ("linkage", lambda v: 0.1 * v)},
    "relief-spillover": {"resolution_coupling": ("decoupling", lambda v: 1.0 - v)},
}
"""Scenario parameter names the engine reads as its own, by type: alias → (lever parameter, conversion)."""


ACTOR_PARAMS: dict[str, str] = {
    "resolve": "probability that the actor's threats are backed by action (0–1; default 0.5)",
    "audience": "weight of the actor's standing with audiences (0–1; default 0.5)",
    "veto_after_provocation": "an organisation's probability of a veto on a resolution answering a provocation",
    "members_military_share": "a bloc's members' combined military share (read by engines that treat a bloc "
    "as one actor; this engine models the members themselves and does not use it)",
    "members_economic_share": "a bloc's members' combined economic share (as members_military_share)",
}
"""Actor ``params`` names the escalation engine accepts."""

RIVALRY_PARAMS: tuple[str, ...] = tuple(
    f"{name}{suffix}" for name in ("reaction", "grievance", "decay") for suffix in ("", "_12", "_21")
) + ("at_war",)
"""Rivalry ``params`` names: Richardson coefficients (both directions or one) and ``at_war``."""
RELATION_PARAMS: tuple[str, ...] = ("rear_security",) + tuple(f"logodds_{t.value}" for t in EventType)
"""``params`` names any relation may carry: ``rear_security`` (read by the ``rear-security`` type), and ``logodds_<TYPE>`` (a PLOVER type),
log-odds added to that type's intercept (and its named specialisations') in both directions of every
pair of the relation's members. ``detente new`` fits them so that a dyad's standard outcomes match their
reference-class base rates with every mechanism off."""


def check_param_names(scenario: Scenario) -> None:
    """Refuse a ``params`` name the engine does not read (a typo would otherwise change nothing).

    Raises:
        ScenarioError: ``<scenario>: mechanisms[3].params.rat: unknown parameter 'rat' for K11
            (accidental-escalation) (fix: use one of: channel_damping, rate)``; likewise for ``actors[i].params`` and
            ``relations[i].params``.
    """
    levers = mechanism_levers()
    for k, entry in enumerate(scenario.mechanisms):
        lever = levers.get(entry.type)
        known = sorted({*(lever.params if lever else {}), *PARAM_ALIASES.get(entry.type, {})})
        for name in entry.params:
            if name not in known:
                raise ScenarioError(
                    scenario.id, f"mechanisms[{k}].params.{name}",
                    f"unknown parameter {name!r} for {entry.id} ({entry.type})",
                    f"use one of: {', '.join(known)}" if known else f"{entry.type} takes no parameters; remove it",
                )
    for k, actor in enumerate(scenario.actors):
        for name in actor.params:
            if name not in ACTOR_PARAMS:
                raise ScenarioError(
                    scenario.id, f"actors[{k}].params.{name}", f"unknown parameter {name!r} for actor {actor.id}",
                    f"use one of: {', '.join(sorted(ACTOR_PARAMS))}",
                )
    for k, rel in enumerate(scenario.relations):
        allowed = (*RIVALRY_PARAMS, *RELATION_PARAMS) if isinstance(rel, Rivalry) else RELATION_PARAMS
        for name in rel.params:
            if name not in allowed:
                label = rel.id or rel.kind
                raise ScenarioError(
                    scenario.id, f"relations[{k}].params.{name}", f"unknown parameter {name!r} for relation {label}",
                    f"use one of: {', '.join(sorted(allowed))}",
                )


MAX_PARAM = 1e6
"""Upper bound of a parameter that has no natural one: far beyond any calibrated scale, and small enough
that sums over actors and steps stay finite in double precision."""
def active_instances(scenario: Scenario, mechanisms_off: Iterable[str] = ()) -> dict[str, str]:
    """Type → id of the scenario's instance that runs it (declared, enabled, not switched off).

    ``mechanisms_off`` names instance ids of the scenario (``K11``) or types (``accidental-escalation``;
    a type the scenario does not declare is accepted and is off anyway).

    Raises:
        InputError: An id in ``mechanisms_off`` the scenario does not declare, or two enabled instances
            of one type.
    """
    off = set(mechanisms_off)
    ids = [m.id for m in scenario.mechanisms]
    unknown = off - set(ids) - set(MECHANISM_TYPES)  # a type the scenario does not declare is off anyway
    if unknown:
        raise InputError(
            f"mechanisms_off: {scenario.id} declares no mechanism {', '.join(sorted(unknown))} "
            f"(fix: use one of its mechanism ids: {', '.join(ids) or 'none declared'})"
        )
    active: dict[str, str] = {}
    for entry in scenario.mechanisms:
        if not entry.enabled or entry.id in off or entry.type in off:
            continue
        if entry.type in active:
            raise InputError(
                f"{scenario.id}: mechanisms[{entry.id}]: a second enabled instance of {entry.type!r} "
                f"(after {active[entry.type]}) (fix: the engine runs one instance of each type; merge them "
                "or disable one)"
            )
        active[entry.type] = entry.id
    return active


def resolve_params(
    scenario: Scenario, engine: Mapping[str, float], mechanisms_off: Iterable[str]
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Engine params and the params of every active mechanism type (defaults, then scenario, then runs).

    The mechanisms are keyed by type; only the types of instances the scenario declares are active.
    """
    defaults = engine_params()
    params = {k: p.default for k, p in defaults.items()}
    for k, v in engine.items():
        p = defaults[k]
        hi = min(p.hi, MAX_PARAM)
        if not (p.lo <= v <= hi) and not (k == "rationality" and v == math.inf):
            raise InputError(
                f"--set engine.{k}={v:g}: outside [{p.lo:g}, {hi:g}] (fix: give a value in that range; "
                f"{k} is the {p.doc})"
            )
        params[k] = v
    levers = mechanism_levers()
    mech: dict[str, dict[str, float]] = {}
    for kind, mid in active_instances(scenario, mechanisms_off).items():
        entry = scenario.mechanism(mid)
        assert entry is not None
        lever = levers[kind]
        values = {k: p.default for k, p in lever.params.items()}
        if kind == "rear-security":
            # The scenario may hold rear security as a relation param (`rear_security`, 0–1): a third of
            # it is the share of war cost removed at a calm rear (unit conversion, an assumption).
            for rel in scenario.relations:
                if "rear_security" in rel.params:
                    values["rear"] = rel.params["rear_security"].value / 3.0
        for alias, (name, convert) in PARAM_ALIASES.get(kind, {}).items():
            if alias in entry.params and name not in entry.params:
                values[name] = convert(entry.params[alias].value)
        for name, val in entry.params.items():
            if name in lever.params:
                p = lever.params[name]
                if not p.lo <= val.value <= min(p.hi, MAX_PARAM):
                    raise InputError(
                        f"mechanisms[{mid}].params.{name}: {val.value:g} is outside "
                        f"[{p.lo:g}, {min(p.hi, MAX_PARAM):g}] (fix: {p.doc})"
                    )
                values[name] = val.value
        mech[kind] = values
    return params, mech


def compile_scenario(
    scenario: Scenario,
    engine: Mapping[str, float] | None = None,
    mechanisms_off: Iterable[str] = (),
) -> Compiled:
    """Compile a scenario into engine arrays.

    Args:
        scenario: The scenario (overrides already applied).
        engine: ``engine.*`` parameter overrides.
        mechanisms_off: Mechanism ids to switch off.

    Returns:
        The compiled arrays.
    """
    check_param_names(scenario)
    mechanisms_off = tuple(mechanisms_off)
    active = active_instances(scenario, mechanisms_off)
    params, mech = resolve_params(scenario, engine or {}, mechanisms_off)
    # The war-duration law fitted on the episodes known before the scenario's as-of date.
    first_month, shape = war_weibull_for(scenario.scenario.as_of.year - 1)
    if "war_termination" not in (engine or {}):
        params["war_termination"] = first_month
    if "war_termination_shape" not in (engine or {}):
        params["war_termination_shape"] = shape
    # E08's test-rate trend: the fit before the scenario's as-of date unless the instance sets it.
    if "military-buildup" in mech and "test_trend" not in _overridden(scenario, active["military-buildup"]):
        mech["military-buildup"]["test_trend"] = test_trend_for(scenario.scenario.as_of.isoformat())
    # Rates are per month; a step of `months` months converts them (docs/model.md, "Time steps"). Richardson
    # decay, reaction and grievance are converted on their matrices below; the choice probabilities
    # (intercepts, strategy pushes, the resolution hazard) and war termination in the engine's step.
    months = scenario.scenario.time_step.months
    defaults = engine_params()
    params = {k: per_step(v, defaults[k].per, months) if k in defaults else v for k, v in params.items()}
    levers = mechanism_levers()
    mech = {
        kind: {k: per_step(v, levers[kind].params[k].per, months) for k, v in values.items()}
        for kind, values in mech.items()
    }
    actors = scenario.actor_ids()
    n = len(actors)
    ix = {a: i for i, a in enumerate(actors)}
    kinds = [a.kind for a in scenario.actors]
    acting = np.array([k is not ActorKind.AUDIENCE for k in kinds])
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j and acting[i] and acting[j]]
    if not pairs:
        raise InputError(f"{scenario.id}: the engine needs at least two actors that are not audiences")
    pair_arr = np.array(pairs, dtype=np.int64)
    pair_index = -np.ones((n, n), dtype=np.int64)
    for p, (i, j) in enumerate(pairs):
        pair_index[i, j] = p
    reverse = np.array([pair_index[j, i] for i, j in pairs])

    # Actions: none, the 16 PLOVER types, then the scenario's named events.
    names = ["NONE", *[t.value for t in TYPES]]
    atype = [-1, *range(len(TYPES))]
    amode: list[str | None] = [None] * (len(TYPES) + 1)
    scores = [0.0, *[event_score(t) for t in TYPES]]
    for ev in scenario.events:
        names.append(ev.id)
        atype.append(TYPES.index(ev.event))
        amode.append(ev.mode)
        scores.append(_named_score(ev))
    sc = np.array(scores)
    conflict = np.clip(-sc, 0, None) / 10.0
    coop = np.clip(sc, 0, None) / 10.0
    action_type = np.array(atype)
    military = np.array([t >= 0 and TYPES[t] in MILITARY for t in atype])
    a_count = len(names)

    cal = calibration().get("values", {})
    logshare = cal.get("type_logodds", {}).get("value", {}) if isinstance(cal.get("type_logodds"), dict) else {}
    base = np.zeros(a_count)
    for k, t in enumerate(TYPES):
        base[k + 1] = float(logshare.get(t.value, -4.0))
    rival_force = float(cal.get("force_hazard_rival", {}).get("value", 0.014))
    no_event = float(cal.get("no_event_share", {}).get("value", 0.4))
    base[type_action(EventType.ASSAULT)] = math.log(rival_force / no_event)

    rivals = np.zeros((n, n), dtype=bool)
    for rel in scenario.relations:
        if isinstance(rel, Rivalry):
            a, b = (ix[m] for m in rel.members)
            rivals[a, b] = rivals[b, a] = True

    intercept = np.tile(base, (len(pairs), 1))
    at_war = np.zeros((n, n), dtype=bool)
    wars_table = cal.get("wars", {}).get("value", {}) if isinstance(cal.get("wars"), dict) else {}
    ongoing = set(wars_table.get(str(scenario.scenario.as_of.year - 1), []))
    starts_entry = cal.get("war_starts", {})
    starts = starts_entry.get("value", {}).get(str(scenario.scenario.as_of.year - 1), {}) if isinstance(starts_entry, dict) else {}
    war_age = np.zeros((n, n))
    for rel in scenario.relations:
        if not isinstance(rel, Rivalry):
            continue
        a, b = (ix[m] for m in rel.members)
        codes = "-".join(sorted(scenario.actors[k].iso3 or scenario.actors[k].id for k in (a, b)))
        flag = rel.params.get("at_war")
        # At war on the as-of date: the rivalry says so, or UCDP lists the dyad at war last year.
        if (flag.value > 0) if flag is not None else codes in ongoing:
            at_war[a, b] = at_war[b, a] = True
            # Months the war has lasted on the as-of date (UCDP episode start; 0 if unknown).
            if codes in starts and starts[codes]:
                began = dt.date.fromisoformat(starts[codes])
                war_age[a, b] = war_age[b, a] = max((scenario.scenario.as_of - began).days, 0) / (365.25 / 12)
    # A dyad that is no rivalry uses force ten times less often at the same state (assumption).
    for p, (i, j) in enumerate(pairs):
        if not rivals[i, j]:
            intercept[p, type_action(EventType.ASSAULT)] -= math.log(10.0)
    nuclear = np.array(
        [a.capabilities.nuclear_status in (NuclearStatus.UNOFFICIAL, NuclearStatus.RECOGNISED) for a in scenario.actors],
        dtype=float,
    )
    named_veto: list[tuple[int, np.ndarray]] = []
    named_channel: list[tuple[int, int]] = []
    tests: list[int] = []
    provocations: list[int] = []
    triggered: list[tuple[int, float]] = []
    channels = [r for r in scenario.relations if isinstance(r, Channel)]
    chan_ix = {(c.id or c.name): k for k, c in enumerate(channels)} | {c.name: k for k, c in enumerate(channels)}
    for e, ev in enumerate(scenario.events):
        a = len(TYPES) + 1 + e
        avail = _available(ev, scenario)
        targets_of: dict[int, int] = {}
        for i, _j in pairs:
            targets_of[i] = targets_of.get(i, 0) + 1
        # A named event shares its type's propensity with the type's other specialisations.
        share = math.log(1 + sum(1 for e2 in scenario.events if e2.event is ev.event))
        for p, (i, _j) in enumerate(pairs):
            if not avail[i]:
                intercept[p, a] = -np.inf
                continue
            intercept[p, a] = base[atype[a] + 1] - share
        test_rate = _test_rate(ev)
        if test_rate is not None:
            tests.append(a)
            if _is_provocation(ev):
                provocations.append(a)
            if "provocation-cycle" in mech and _is_nuclear(ev):
                if "test_rate" in _overridden(scenario, active["provocation-cycle"]):
                    test_rate = mech["provocation-cycle"]["test_rate"]
            for p, (i, _j) in enumerate(pairs):
                if not avail[i]:
                    continue
                status = scenario.actors[i].capabilities.nuclear_status
                # Only an unrecognised (or threshold) nuclear programme tests at the fitted rate; the
                # recognised powers have not tested since 1998 (assumption: 1 in 1000 months).
                rate = test_rate if status in (NuclearStatus.UNOFFICIAL, NuclearStatus.THRESHOLD) else 0.001
                k = targets_of[i]
                per = 1 - (1 - min(rate, 0.999)) ** (1 / k)
                intercept[p, a] = math.log(per / no_event)
        if ev.preconditions.no_veto_in is not None:
            org = scenario.actor(ev.preconditions.no_veto_in)
            named_veto.append((a, np.array([ix[v] for v in org.veto], dtype=np.int64)))
            if sc[a] < 0:
                cap = org.params.get("veto_after_provocation")
                triggered.append((a, cap.value if cap is not None else params["veto_after_provocation"]))
        if ev.preconditions.requires_channel is not None:
            if ev.preconditions.requires_channel not in chan_ix:
                raise InputError(
                    f"events[{ev.id}].preconditions.requires_channel: no channel "
                    f"{ev.preconditions.requires_channel!r} (fix: name a channel relation)"
                )
            named_channel.append((a, chan_ix[ev.preconditions.requires_channel]))
    for t in {ev.event for ev in scenario.events}:
        share = math.log(1 + sum(1 for e2 in scenario.events if e2.event is t))
        intercept[:, type_action(t)] -= share
    # Organisations act only verbally and by sanctions (assumption): no military or material action,
    # neither the PLOVER types nor their named specialisations (an organisation launches no ICBM).
    material = {TYPES.index(t) for t in (EventType.MOBILIZE, EventType.COERCE, EventType.ASSAULT, EventType.AID, EventType.COOPERATE)}
    org_banned = [a for a in range(a_count) if atype[a] in material]
    for p, (i, _j) in enumerate(pairs):
        if kinds[i] is ActorKind.ORGANISATION:
            intercept[p, org_banned] = -np.inf

    # Dyad propensities (relation params `logodds_<TYPE>`): shift a type's intercept on the members' pairs.
    for rel in scenario.relations:
        shifts = {k.removeprefix("logodds_"): v.value for k, v in rel.params.items() if k.startswith("logodds_")}
        if not shifts:
            continue
        mem = [ix[m] for m in rel.members]
        for tname, shift in shifts.items():
            acts = actions_of(names, atype, amode, tname)
            for a in mem:
                for b in mem:
                    if a != b and pair_index[a, b] >= 0:
                        intercept[pair_index[a, b], acts] += shift
    # A dyad at war on the as-of date fights in 90% of months at its initial state (assumption); its
    # war cost is sunk (the engine sets w = 0 for it).
    a_assault = type_action(EventType.ASSAULT)
    war_boost = np.zeros(len(pairs))
    for p, (i, j) in enumerate(pairs):
        if at_war[i, j]:
            others = np.delete(intercept[p], a_assault)
            others = others[np.isfinite(others)]
            peace = intercept[p, a_assault]
            intercept[p, a_assault] = math.log(9.0) + float(np.log(np.exp(others).sum()))
            war_boost[p] = intercept[p, a_assault] - peace
    # A ceasefire is the scenario's RETREAT/ceasefire named event where the actor may emit it, else RETREAT.
    cf_named = next(
        (len(TYPES) + 1 + e for e, ev in enumerate(scenario.events) if ev.event is EventType.RETREAT and ev.mode == "ceasefire"),
        None,
    )
    a_retreat = type_action(EventType.RETREAT)
    ceasefire = np.array(
        [cf_named if cf_named is not None and np.isfinite(intercept[p, cf_named]) else a_retreat for p in range(len(pairs))],
        dtype=np.int64,
    )
    accident = accident_actions(scenario, names, atype, amode, intercept)
    war_h, war_k, war_cls = war_duration_classes(scenario, pairs, at_war, ongoing, engine or {}, params)
    doctrine = np.array([a.doctrine.value for a in scenario.actors])
    resolve = np.array([a.params["resolve"].value if "resolve" in a.params else 0.5 for a in scenario.actors])
    audience = np.array([a.params["audience"].value if "audience" in a.params else 0.5 for a in scenario.actors])
    mil0 = np.array([max(a.capabilities.military.value, 1e-4) for a in scenario.actors])
    econ0 = np.array([max(a.capabilities.economic.value, 1e-4) for a in scenario.actors])

    tension0 = np.zeros((n, n))
    icews = cal.get("tension0", {}).get("value", {}) if isinstance(cal.get("tension0"), dict) else {}
    iso = [a.iso3 or a.id for a in scenario.actors]
    for i in range(n):
        for j in range(n):
            key = f"{iso[i]}->{iso[j]}"
            if key in icews:
                tension0[i, j] = float(icews[key])
    reaction = np.full((n, n), params["base_reaction"])
    grievance = np.zeros((n, n))
    decay = np.full((n, n), params["decay"])
    affinity = np.zeros((n, n))
    obligation = np.zeros((n, n))
    senior_of = np.zeros((n, n))
    juniors: list[tuple[int, int]] = []
    sanctions: list[tuple[str, int, np.ndarray, np.ndarray, float]] = []
    for rel in scenario.relations:
        s = rel.strength.value
        if isinstance(rel, Rivalry):
            a, b = (ix[m] for m in rel.members)
            # Richardson coefficients: `reaction`, `grievance`, `decay` for both directions, or
            # `reaction_12` (member 1 towards member 2) and `reaction_21` etc. for one direction.
            for name, target, default in (
                ("reaction", reaction, params["reaction"]),
                ("grievance", grievance, None),
                ("decay", decay, None),
            ):
                both = rel.params.get(name)
                if both is not None:
                    target[a, b] = target[b, a] = both.value
                elif default is not None:
                    target[a, b] = target[b, a] = default
                if (v := rel.params.get(f"{name}_12")) is not None:
                    target[a, b] = v.value
                if (v := rel.params.get(f"{name}_21")) is not None:
                    target[b, a] = v.value
            if rel.tension is not None:
                tension0[a, b] = tension0[b, a] = rel.tension.value
        elif isinstance(rel, Alliance):
            sen = ix[rel.senior]
            w = _OBLIGATION[rel.obligation] * s
            for jn in rel.junior:
                j = ix[jn]
                affinity[sen, j] = affinity[j, sen] = max(affinity[sen, j], s)
                obligation[sen, j] = max(obligation[sen, j], w)
                obligation[j, sen] = max(obligation[j, sen], w)
                juniors.append((sen, j))
                if rel.extended_deterrence:
                    senior_of[sen, j] = s
        elif isinstance(rel, Partnership):
            mem = [ix[m] for m in rel.members]
            for a in mem:
                for b in mem:
                    if a != b:
                        affinity[a, b] = max(affinity[a, b], 0.7 * s)
                        obligation[a, b] = max(obligation[a, b], 0.3 * s)
        elif isinstance(rel, Sanctions):
            sanctions.append(
                (
                    rel.regime.value,
                    ix[rel.target],
                    np.array([ix[e] for e in rel.enforcers], dtype=np.int64),
                    np.array([ix[e] for e in rel.pressured], dtype=np.int64),
                    rel.intensity.value * s,
                )
            )
    if months != 1.0:
        decay, reaction, grievance = richardson_per_step(decay, reaction, grievance, months)
    issues = tuple(i.id for i in scenario.issues)
    k_n = len(issues)
    lo = np.array([i.low for i in scenario.issues])
    hi = np.array([i.high for i in scenario.issues])
    pos0 = np.zeros((k_n, n))
    sal = np.zeros((k_n, n))
    sq0 = np.zeros(k_n)
    for k, issue in enumerate(scenario.issues):
        rng = issue.high - issue.low
        sq0[k] = (issue.status_quo.value - issue.low) / rng
        pos0[k, :] = sq0[k]
        for pos in issue.positions:
            pos0[k, ix[pos.actor]] = (pos.position.value - issue.low) / rng
            sal[k, ix[pos.actor]] = pos.salience.value
    chan_members = np.zeros((len(channels), n), dtype=bool)
    for c, ch in enumerate(channels):
        for m in ch.members:
            chan_members[c, ix[m]] = True
    chan_state0 = np.array([ch.state is ChannelState.ACTIVE for ch in channels], dtype=float)
    # Talks that are proposed or suspended (not defunct) can be (re)opened (talks-activation).
    chan_proposed = np.array(
        [ch.state in (ChannelState.PROPOSED, ChannelState.SUSPENDED) for ch in channels], dtype=bool
    )

    roles: dict[str, tuple[int, ...]] = {}
    for entry in scenario.mechanisms:
        if mech.get(entry.type) is not None and active.get(entry.type) == entry.id:
            roles[entry.type] = tuple(ix[a] for a in entry.actors)
    nuclear_issue = _nuclear_issue(scenario)

    outcomes = tuple(o.id for o in scenario.outcomes)
    match = np.zeros((len(outcomes), len(pairs), a_count), dtype=bool)
    omin = np.array([o.min_count for o in scenario.outcomes], dtype=np.int64)
    for o, out in enumerate(scenario.outcomes):
        src = {ix[a] for a in out.sources} or set(range(n))
        tgt = {ix[a] for a in out.targets} or set(range(n))
        acts = actions_of(names, atype, amode, out.event, out.mode)
        for p, (i, j) in enumerate(pairs):
            if i in src and j in tgt:
                match[o, p, acts] = True

    compiled = Compiled(
        scenario_id=scenario.id,
        actors=actors,
        pairs=pair_arr,
        pair_index=pair_index,
        reverse=reverse,
        action_names=tuple(names),
        action_type=action_type,
        action_mode=tuple(amode),
        conflict=conflict,
        coop=coop,
        military=military,
        intercept=intercept,
        named_veto=named_veto,
        named_channel=named_channel,
        test_actions=np.array(tests, dtype=np.int64),
        params=params,
        mech=mech,
        roles=roles,
        instances=active,
        dt=months,
        doctrine=doctrine,
        resolve=resolve,
        audience=audience,
        mil0=mil0,
        econ0=econ0,
        nuclear=nuclear,
        nuclear_status=tuple(a.capabilities.nuclear_status.value for a in scenario.actors),
        tension0=tension0,
        reaction=reaction,
        grievance=grievance,
        decay=decay,
        affinity=affinity,
        obligation=obligation,
        senior_of=senior_of,
        juniors=juniors,
        rivals=rivals,
        at_war=at_war,
        issues=issues,
        issue_lo=lo,
        issue_hi=hi,
        pos0=pos0,
        sal=sal,
        sq0=sq0,
        channels=tuple(c.id or c.name for c in channels),
        chan_members=chan_members,
        chan_state0=chan_state0,
        chan_proposed=chan_proposed,
        sanctions=sanctions,
        outcomes=outcomes,
        outcome_match=match,
        outcome_min=omin,
        nuclear_issue=nuclear_issue,
        provocations=np.array(provocations, dtype=np.int64),
        triggered=triggered,
        ceasefire=ceasefire,
        war_assault_boost=war_boost,
        war_age=war_age,
        accident=accident,
        war_h=war_h,
        war_k=war_k,
        war_class=war_cls,
    )
    # NOTE: float32 throughout the step kernel; mixing in float64 arrays would double memory traffic.
    for f in fields(compiled):
        value = getattr(compiled, f.name)
        if isinstance(value, np.ndarray) and value.dtype == np.float64 and f.name != "intercept":
            setattr(compiled, f.name, value.astype(np.float32))
    return compiled


def war_duration_classes(
    scenario: Scenario,
    pairs: Sequence[tuple[int, int]],
    at_war: np.ndarray,
    ongoing: set[str],
    engine: Mapping[str, float],
    params: Mapping[str, float],
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Each pair's war-duration law from the reference class of comparable wars: ``(h, k, class)`` per pair.

    The class is great-power involvement (either member a COW major power, :data:`MAJOR_ISO3`) × size: a
    war of the as-of date that UCDP lists at war size the year before is ``war``-size; any other war (one
    begun in the run, or set by the scenario's ``at_war``) has an unknown size and takes the class fitted
    over both sizes (``gp-any``, ``other-any``). ``engine.war_termination`` / ``war_termination_shape``
    overrides apply to every pair; without a class table the pooled fit (``war_weibull_for``) does.
    """
    from detente.calibrate import MAJOR_ISO3, war_class

    classes = war_classes_for(scenario.scenario.as_of.year - 1)
    iso = [a.iso3 or a.id for a in scenario.actors]
    h = np.zeros(len(pairs))
    k = np.zeros(len(pairs))
    names: list[str] = []
    for p, (i, j) in enumerate(pairs):
        gp = iso[i] in MAJOR_ISO3 or iso[j] in MAJOR_ISO3
        big = True if at_war[i, j] and "-".join(sorted((iso[i], iso[j]))) in ongoing else None
        name = war_class(gp, big)
        names.append(name)
        h[p], k[p] = classes.get(name, (params["war_termination"], params["war_termination_shape"]))
    if "war_termination" in engine:
        h[:] = params["war_termination"]
    if "war_termination_shape" in engine:
        k[:] = params["war_termination_shape"]
    return h, k, tuple(names)


ACCIDENT_MODE = "firearms"
"""PLOVER mode of an accidental clash: an exchange of small-arms fire, not a planned strike or all-out war."""


def accident_actions(
    scenario: Scenario, names: Sequence[str], atype: Sequence[int], amode: Sequence[str | None], intercept: np.ndarray
) -> np.ndarray:
    """The action an accidental clash (``accidental-escalation``) emits on each pair: ``(P,)`` indices.

    An accident is the scenario's clash event, so that a tracked outcome defined by that event (an armed
    clash, a kinetic incident) counts accidental clashes as well as chosen ones: the named ASSAULT event
    the ``accidental-escalation`` instance lists in its ``represented_by`` (``events[armed-clash]``), else
    the scenario's named ASSAULT event in mode ``firearms``, else the PLOVER type ASSAULT. On a pair whose
    actor may not emit that event the accident is a plain ASSAULT. Its type is ASSAULT either way, so the
    engine's war state and outcomes defined by the type ASSAULT see it as before.
    """
    a_assault = type_action(EventType.ASSAULT)
    ti = TYPES.index(EventType.ASSAULT)
    named = [a for a in range(len(names)) if atype[a] == ti and a != a_assault]
    chosen: int | None = None
    for entry in scenario.mechanisms:
        if entry.type != "accidental-escalation":
            continue
        for ref in entry.represented_by:
            m = re.match(r"^events\[([^\]]+)\]$", ref)
            if m and m[1] in names and names.index(m[1]) in named:
                chosen = names.index(m[1])
                break
        if chosen is not None:
            break
    if chosen is None:
        chosen = next((a for a in named if amode[a] == ACCIDENT_MODE), None)
    if chosen is None:
        return np.full(intercept.shape[0], a_assault, dtype=np.int64)
    return np.where(np.isfinite(intercept[:, chosen]), chosen, a_assault).astype(np.int64)


def richardson_per_step(
    decay: np.ndarray, reaction: np.ndarray, grievance: np.ndarray, months: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Richardson coefficients of a step of ``months`` months from the monthly ones, exactly.

    Each dyad's monthly map ``x' = M x + g`` with ``M = [[1 − m_ij, a_ij], [a_ji, 1 − m_ji]]`` becomes
    ``x' = M^Δ x + (I − M)^{-1}(I − M^Δ) g`` (the same path sampled every Δ months, with no events between);
    a dyad whose matrix has no real fractional power (a negative eigenvalue) falls back to
    ``m' = 1 − (1 − m)^Δ``, ``a' = a·Δ``, ``g' = g·Δ``.
    """
    from scipy.linalg import fractional_matrix_power

    d = np.minimum(decay, 1.0)
    out_decay = 1.0 - (1.0 - d) ** months
    out_reaction = reaction * months
    out_grievance = grievance * months
    n = decay.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            m = np.array([[1.0 - d[i, j], reaction[i, j]], [reaction[j, i], 1.0 - d[j, i]]])
            if np.linalg.eigvals(m).real.min() <= 0:
                continue
            md = np.real_if_close(fractional_matrix_power(m, months), tol=1e6)
            if np.iscomplexobj(md) or (md < -1e-12).any():
                continue
            g = np.array([grievance[i, j], grievance[j, i]])
            eye = np.eye(2)
            try:
                gd = np.linalg.solve(eye - m, (eye - md) @ g)
            except np.linalg.LinAlgError:
                gd = g * months
            out_decay[i, j], out_reaction[i, j] = 1.0 - md[0, 0], md[0, 1]
            out_reaction[j, i], out_decay[j, i] = md[1, 0], 1.0 - md[1, 1]
            out_grievance[i, j], out_grievance[j, i] = gd
    return out_decay, out_reaction, out_grievance


def _named_score(ev: NamedEvent) -> float:
    """A named event's conflict–cooperation score.

    Its ``intensity``, else the PLOVER score of its type and mode. The CAMEO code is descriptive: a
    scenario that wants a Goldstein value writes it as ``intensity`` (the shipped ones do, citing it),
    so the engine's numbers never depend on which data sets are installed.
    """
    if ev.intensity is not None:
        return float(ev.intensity)
    return event_score(ev.event, ev.mode)


def _is_nuclear(ev: NamedEvent) -> bool:
    return bool(ev.preconditions.nuclear_status) or "nuclear" in ev.id.lower()


def _is_provocation(ev: NamedEvent) -> bool:
    """A test that has drawn a UN sanctions resolution: a nuclear test, an ICBM or a satellite launch."""
    name = ev.id.lower()
    return _is_nuclear(ev) or "icbm" in name or "satellite" in name


def _test_rate(ev: NamedEvent) -> float | None:
    """The fitted monthly rate of a weapons-test event, or None if the event is not a test.

    A named event is a test if its preconditions ask for a nuclear status, or if it is a MOBILIZE in mode
    ``weapons`` whose id names a test or launch; ICBM and SLBM tests use their own fitted rates.
    """
    name = ev.id.lower()
    if _is_nuclear(ev) and ev.event is EventType.MOBILIZE:
        return calibrated("prk_nuclear_month_rate", 0.13)
    if ev.event is EventType.MOBILIZE and "satellite" in name:
        # Before the `weapons` mode: a satellite launch uses the launch rate, not the all-missile rate.
        return calibrated("prk_slv_month_rate", 0.1)
    if ev.event is EventType.MOBILIZE and ev.mode == "weapons":
        if "icbm" in name:
            return calibrated("prk_icbm_month_rate", 0.09)
        if "slbm" in name:
            return calibrated("prk_slbm_month_rate", 0.13)
        return calibrated("prk_test_month_rate", 0.65)
    if ev.event is EventType.MOBILIZE and any(w in name for w in ("test", "launch")):
        return calibrated("prk_test_month_rate", 0.65)
    return None


def _overridden(scenario: Scenario, mid: str) -> set[str]:
    entry = scenario.mechanism(mid)
    return set(entry.params) if entry is not None else set()


def _available(ev: NamedEvent, scenario: Scenario) -> np.ndarray:
    pre = ev.preconditions
    out = np.ones(len(scenario.actors), dtype=bool)
    for i, a in enumerate(scenario.actors):
        if pre.nuclear_status and a.capabilities.nuclear_status not in pre.nuclear_status:
            out[i] = False
        if pre.actor_kind and a.kind not in pre.actor_kind:
            out[i] = False
        if a.kind is ActorKind.AUDIENCE:
            out[i] = False
    return out


def _nuclear_issue(scenario: Scenario) -> int:
    """The issue de facto recognition acts on.

    One named by the ``represented_by`` of the scenario's ``de-facto-recognition`` instance, else one
    whose id or name mentions nuclear weapons, else the first issue; -1 if the scenario has no issues.
    """
    if not scenario.issues:
        return -1
    ids = [i.id for i in scenario.issues]
    for entry in scenario.mechanisms:
        if entry.type != "de-facto-recognition":
            continue
        for ref in entry.represented_by:
            m = re.match(r"^issues\[([^\]]+)\]", ref)
            if m and m[1] in ids:
                return ids.index(m[1])
    for k, issue in enumerate(scenario.issues):
        if "nuclear" in (issue.id + issue.name).lower():
            return k
    return 0


def regime_mechanism(regime: str) -> str:
    """The mechanism type whose lever a sanctions regime uses (multilateral, else secondary sanctions)."""
    return "multilateral-sanctions" if regime == SanctionRegime.MULTILATERAL.value else "secondary-sanctions"
