"""Field paths for experiments: the dotted syntax users type, translated to the engine's override keys.

Users write ``actors.USA.doctrine``, ``mechanisms.K11.rate``, ``relations.us-prk-rivalry.tension``,
``issues.prk-nuclear-status.positions.USA.salience`` or ``engine.rationality``; the escalation engine takes
``overrides`` keyed ``actors[USA].doctrine``, ``mechanisms[K11].params.rate`` and so on. A segment after an
entry id that is not a field of that entry names one of its ``params`` (so ``actors.USA.resolve`` is
``actors[USA].params.resolve``). Paths already written in the bracket syntax are checked and kept.

Each path is resolved against the scenario once, before any run, so a typo fails at once with the path, the
entry ids that exist and a fix, not after an hour on a cluster.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from detente.errors import InputError
from detente.mechanisms import TYPES
from detente.scenario.model import Scenario, Value

_HEADS = ("actors", "issues", "relations", "mechanisms", "events")
_BRACKET = re.compile(r"^(\w+)\[([^\]]+)\]$")


@dataclass(frozen=True)
class FieldPath:
    """A numeric scenario (or engine) field an experiment varies.

    Attributes:
        user: The path as the user wrote it (used for labels and tables).
        key: The engine's ``overrides`` key.
        current: The value in the scenario (or the engine default), if known.
    """

    user: str
    key: str
    current: float | None = None


def _engine_defaults() -> dict[str, float]:
    try:
        from detente.engines.escalation.params import engine_params
    except ImportError:  # the engine is optional for the generic machinery
        return {}
    return {k: float(p.default) for k, p in engine_params().items()}


def _lever_defaults(mech: str) -> dict[str, float] | None:
    try:
        from detente.engines.escalation.params import mechanism_levers
    except ImportError:
        return None
    lever = mechanism_levers().get(mech)
    if lever is None:
        return None
    return {k: float(p.default) for k, p in lever.params.items()}


def _entry_key(item: Any) -> str | None:
    for attr in ("id", "actor", "name"):
        v = getattr(item, attr, None)
        if isinstance(v, str):
            return v
    return None


def _number_of(value: Any) -> float | None:
    if isinstance(value, Value):
        return float(value.value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _fail(path: str, message: str, fix: str) -> InputError:
    return InputError(f"--vary/--params {path!r}: {message} (fix: {fix})")


def resolve_path(scenario: Scenario, path: str) -> FieldPath:
    """Resolve one user field path (see :func:`_resolve`); errors name the scenario.

    Raises:
        InputError: An unknown head, entry id or field, or a field that is not a number.
    """
    try:
        return _resolve(scenario, path)
    except InputError as exc:
        raise InputError(f"{scenario.id}: {exc}") from None


def _resolve(scenario: Scenario, path: str) -> FieldPath:
    """Resolve one user field path to the engine's override key and the scenario's current value.

    Args:
        scenario: The scenario the path refers to.
        path: ``actors.USA.doctrine``, ``mechanisms.K11.rate``, ``engine.rationality`` or the bracket
            form ``actors[USA].doctrine``.

    Returns:
        The resolved :class:`FieldPath`.

    Raises:
        InputError: An unknown head, entry id or field, or a field that is not a number.
    """
    path = path.strip()
    if path.startswith("engine."):
        name = path.removeprefix("engine.")
        defaults = _engine_defaults()
        if defaults and name not in defaults:
            raise _fail(path, f"no engine parameter {name!r}", f"use one of {', '.join('engine.' + k for k in sorted(defaults))}")
        return FieldPath(path, path, defaults.get(name))
    segments = _split(path)
    head = segments[0]
    if head not in _HEADS:
        raise _fail(
            path,
            f"{head!r} is not a part of the scenario that holds numbers",
            "start with one of actors, issues, relations, mechanisms, events or engine, e.g. actors.USA.doctrine",
        )
    entries: tuple[Any, ...] = getattr(scenario, head)
    rest = segments[1:]
    if not rest:
        raise _fail(path, "names no entry", f"write e.g. {head}.<id>.<field>")
    # Ids may contain dots: take the longest run of segments that is an entry id.
    ids = {_entry_key(e): e for e in entries}
    entry, key, used = None, "", 0
    for k in range(len(rest), 0, -1):
        cand = ".".join(rest[:k])
        if cand in ids:
            entry, key, used = ids[cand], cand, k
            break
    fields = rest[used:] if entry is not None else rest[1:]
    if entry is None:
        key = rest[0]
        if head == "mechanisms" and key in TYPES:
            return _mechanism_param(path, key, fields, None)
        known = ", ".join(str(i) for i in ids) or "none"
        raise _fail(path, f"the scenario has no {head} entry {key!r}", f"use one of: {known}")
    if not fields:
        raise _fail(path, "names an entry but no field", f"write e.g. {head}.{key}.<field>")
    if head == "mechanisms":
        return _mechanism_param(path, key, fields, entry)
    return _walk(path, f"{head}[{key}]", entry, fields)


def _split(path: str) -> list[str]:
    """Split a dotted or bracketed path into segments (``a[b].c`` → ``a, b, c``)."""
    out: list[str] = []
    for part in path.split("."):
        m = _BRACKET.match(part)
        if m:
            out.extend([m[1], m[2]])
        elif part:
            out.append(part)
    if not out:
        raise _fail(path, "is empty", "give a path such as actors.USA.doctrine")
    return out


def _mechanism_param(path: str, mech: str, fields: list[str], entry: Any) -> FieldPath:
    if fields and fields[0] == "params":
        fields = fields[1:]
    if len(fields) != 1:
        raise _fail(path, "a mechanism path names one parameter", f"write mechanisms.{mech}.<param>, e.g. mechanisms.K11.rate")
    name = fields[0]
    current = None
    if entry is not None and name in entry.params:
        current = float(entry.params[name].value)
    defaults = _lever_defaults(entry.type if entry is not None else mech)
    if current is None and defaults is not None:
        if name not in defaults:
            known = ", ".join(sorted(defaults)) or "none"
            raise _fail(path, f"mechanism {mech} has no parameter {name!r}", f"use one of: {known}")
        current = defaults[name]
    return FieldPath(path, f"mechanisms[{mech}].params.{name}", current)


def _walk(path: str, prefix: str, node: Any, fields: list[str]) -> FieldPath:
    key = prefix
    i = 0
    while i < len(fields):
        seg = fields[i]
        if isinstance(node, BaseModel) and not isinstance(node, Value) and seg in type(node).model_fields:
            value = getattr(node, seg)
            if isinstance(value, tuple) and value and isinstance(value[0], BaseModel):
                if i + 1 >= len(fields):
                    raise _fail(path, f"{seg!r} is a list", f"name an entry: {seg}.<id>.<field>")
                sub = fields[i + 1]
                match = [v for v in value if _entry_key(v) == sub]
                if not match:
                    known = ", ".join(str(_entry_key(v)) for v in value)
                    raise _fail(path, f"no {seg} entry {sub!r}", f"use one of: {known}")
                node, key, i = match[0], f"{key}.{seg}[{sub}]", i + 2
                continue
            if value is None and i == len(fields) - 1 and _holds_value(type(node), seg):
                # An optional number the scenario leaves empty (e.g. a rivalry's tension).
                return FieldPath(path, f"{key}.{seg}", None)
            node, key, i = value, f"{key}.{seg}", i + 1
            continue
        if isinstance(node, dict) and seg in node:
            node, key, i = node[seg], f"{key}.{seg}", i + 1
            continue
        if isinstance(node, dict) and key.endswith(".params") and i == len(fields) - 1:
            # A parameter the scenario leaves at the engine's default: the engine adds it.
            return FieldPath(path, f"{key}.{seg}", None)
        params = getattr(node, "params", None)
        if isinstance(params, dict) and seg in params and i == len(fields) - 1:
            node, key, i = params[seg], f"{key}.params.{seg}", i + 1
            continue
        raise _fail(path, f"no field {seg!r} at {key}", "check the path against `detente show`")
    current = _number_of(node)
    if current is None or not math.isfinite(current):
        raise _fail(path, f"{key} is not a number ({type(node).__name__})", "vary a numeric field")
    return FieldPath(path, key, current)


def _holds_value(model: type[BaseModel], name: str) -> bool:
    annotation = model.model_fields[name].annotation
    return "Value" in str(annotation) or annotation in (float, int, float | None, int | None)


def parse_range(spec: str, *, need_count: bool) -> tuple[str, tuple[float, ...] | tuple[float, float, int] | None]:
    """Split ``PATH=lo:hi[:n]`` (or ``PATH=a,b,c``) into the path and its values.

    Args:
        spec: The ``--vary``/``--params`` argument.
        need_count: Whether ``lo:hi`` needs a third field ``n`` (grid sweeps do).

    Returns:
        The path and either ``(lo, hi)``, ``(lo, hi, n)``, an explicit tuple of values, or ``None``
        when no ``=`` was given.

    Raises:
        InputError: A malformed range.
    """
    if "=" not in spec:
        return spec.strip(), None
    path, _, rng = spec.partition("=")
    path, rng = path.strip(), rng.strip()
    try:
        if ":" in rng:
            parts = rng.split(":")
            if len(parts) == 3:
                lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
                if n < 1:
                    raise ValueError
                return path, (lo, hi, n)
            if len(parts) == 2 and not need_count:
                lo, hi = float(parts[0]), float(parts[1])
                if not lo < hi:
                    raise ValueError
                return path, (lo, hi)
            raise ValueError
        vals = tuple(float(v) for v in rng.split(",") if v.strip())
        if not vals:
            raise ValueError
        return path, vals
    except ValueError:
        form = "lo:hi:n (e.g. 0:1:11) or a,b,c" if need_count else "lo:hi (e.g. 0:1) with lo < hi"
        raise InputError(f"{spec!r}: {rng!r} is not a range (fix: write {path}={form})") from None
