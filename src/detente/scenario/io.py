"""Reading scenarios from TOML, finding shipped ones, and writing them back.

Every failure becomes a :class:`~detente.errors.ScenarioError` whose message names the file, the
field path (``relations[4].members[1]``), the value and the fix.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ValidationError

from detente.errors import ScenarioError, UnknownScenarioError
from detente.scenario.model import Scenario, Value

_SHIPPED = ("data", "scenarios")


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario together with the file it came from and that file's text and hash."""

    scenario: Scenario
    path: Path
    text: str

    @property
    def sha256(self) -> str:
        """SHA-256 of the file's text: the identity of the scenario as run."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def shipped_scenarios() -> dict[str, Path]:
    """The scenarios that ship with detente, by id, with the path of each file."""
    root = resources.files("detente").joinpath(*_SHIPPED)
    out: dict[str, Path] = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            out[entry.name.removesuffix(".toml")] = Path(str(entry))
    return out


def resolve_scenario(name: str | Path) -> Path:
    """The file for ``name``: an existing path, or the id of a shipped scenario."""
    path = Path(name)
    if path.is_dir():
        raise ScenarioError(
            path, "", "is a directory, not a scenario file", "give the path of a .toml scenario file"
        )
    if path.exists():
        return path
    shipped = shipped_scenarios()
    if str(name) in shipped:
        return shipped[str(name)]
    raise UnknownScenarioError(
        f"{name}: no such file and no shipped scenario of that name "
        f"(fix: give a .toml path, or one of: {', '.join(shipped)}; `detente scenarios` lists them)"
    )


def read_text_file(path: Path, what: str = "scenario") -> str:
    """Read a UTF-8 text file, refusing binary files with a clear message."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(path, "", f"cannot be read: {exc.strerror}", f"check the {what} path") from None
    if b"\x00" in data[:8192]:
        raise ScenarioError(path, "", "is a binary file, not a TOML text file", f"give a .toml {what} file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            path, "", f"is not UTF-8 text (byte {exc.start})", f"save the {what} as UTF-8 text"
        ) from None


def parse_scenario(text: str, file: str | Path = "<scenario>") -> Scenario:
    """Parse and validate TOML text into a :class:`Scenario` (without cross-reference checks)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(file, "", f"TOML syntax error: {exc}", "correct the TOML at that line") from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise _translate(exc, file, data) from None


def load_scenario(name: str | Path, *, check_quotes: bool = True) -> Scenario:
    """Load, validate and cross-check a scenario by path or shipped id.

    Args:
        name: A path to a ``.toml`` file, or the id of a shipped scenario (``korea-2018``).
        check_quotes: Also check that every quote occurs in its source text.

    Returns:
        The validated, frozen scenario.

    Raises:
        ScenarioError: The file is missing, not TOML, or fails a check; the message says where and why.
    """
    return load_scenario_file(name, check_quotes=check_quotes).scenario


def load_scenario_file(name: str | Path, *, check_quotes: bool = True) -> LoadedScenario:
    """Like :func:`load_scenario`, but also return the path and text (for the run store)."""
    from detente.scenario.checks import check_engine_inputs, check_references
    from detente.scenario.checks import check_quotes as _check_quotes

    path = resolve_scenario(name)
    text = read_text_file(path)
    scenario = parse_scenario(text, path)
    check_references(scenario, path)
    check_engine_inputs(scenario, path)
    if check_quotes:
        _check_quotes(scenario, path)
    return LoadedScenario(scenario=scenario, path=path, text=text)


# ---------------------------------------------------------------------------------------------
# Error translation


def format_loc(loc: Iterable[int | str], data: Any = None) -> str:
    """Turn a pydantic location into a field path: ``("relations", 4, "members", 1)`` → ``relations[4].members[1]``.

    Discriminator tags that pydantic inserts after a list index (``relations[4].alliance``) are dropped.
    """
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            continue
        if isinstance(node, Mapping) and part not in node and node.get("kind") == part:
            continue  # a discriminator tag, not a field
        if part in {"function-after[check(), Value]", "function-before[_wrap_bare(), Value]"}:
            continue
        out += f".{part}" if out else str(part)
        node = node.get(part) if isinstance(node, Mapping) else None
    return out


def translate_all(exc: ValidationError, file: str | Path, data: Any) -> list[ScenarioError]:
    """Every error of a failed validation, as :class:`ScenarioError` lines (duplicates dropped)."""
    out: list[ScenarioError] = []
    errors = exc.errors(include_url=False)
    # A misspelt field shows up both as an unknown field and as a missing one: report the typo only.
    typo_parents = {tuple(e["loc"][:-1]) for e in errors if e["type"] == "extra_forbidden"}
    for err in errors:
        if err["type"] == "missing" and tuple(err["loc"][:-1]) in typo_parents:
            continue
        one = _translate(exc, file, data, err)
        if all(str(one) != str(e) for e in out):
            out.append(one)
    return out


def validation_errors(name: str | Path, *, check_quotes: bool = True) -> list[ScenarioError]:
    """Every problem of a scenario file at once (``detente validate``); empty when it validates.

    A file that cannot be read or parsed as TOML gives that one problem; one that fails the field
    rules gives all of them; one that passes them gives every reference, engine and quote problem.
    """
    from detente.scenario.checks import check_engine_inputs, check_references, collecting
    from detente.scenario.checks import check_quotes as _check_quotes

    path = resolve_scenario(name)
    text = read_text_file(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [ScenarioError(path, "", f"TOML syntax error: {exc}", "correct the TOML at that line")]
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        return translate_all(exc, path, data)
    with collecting() as found:
        check_references(scenario, path)
        check_engine_inputs(scenario, path)
        if check_quotes:
            _check_quotes(scenario, path)
    return found


def _translate(
    exc: ValidationError, file: str | Path, data: Any, one: Any = None
) -> ScenarioError:
    errors = exc.errors(include_url=False)
    # A misspelt field shows up both as an unknown field and as a missing one: report the typo.
    err = one if one is not None else next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = [p for p in err["loc"] if not (isinstance(p, str) and ("[" in p and "]" in p and "(" in p))]
    path = format_loc(loc, data)
    kind = err["type"]
    value = err.get("input")
    msg = str(err["msg"]).removeprefix("Value error, ")
    if kind == "missing":
        return ScenarioError(file, path, "missing required field", f"add `{loc[-1]}`")
    if kind == "extra_forbidden":
        return ScenarioError(
            file, path, "unknown field", "remove it or check its spelling (docs/scenario-format.md)"
        )
    shown = _short(value)
    if kind == "union_tag_invalid":
        tags = err.get("ctx", {}).get("expected_tags", "")
        return ScenarioError(
            file, f"{path}.kind", f"unknown kind {err['ctx']['tag']!r}", f"use one of: {tags}"
        )
    if kind == "value_error" and msg.startswith("expected a number"):
        return ScenarioError(file, path, msg, "write a number, e.g. 0.5")
    if kind == "value_error" and " (fix: " in msg:
        what, fix = msg.rsplit(" (fix: ", 1)
        return ScenarioError(file, path, what, fix.removesuffix(")"))
    if kind in {"value_error", "assertion_error"}:
        return ScenarioError(file, path, msg, "change the value to satisfy that rule")
    return ScenarioError(file, path, f"{shown}: {msg}", "see docs/scenario-format.md for this field")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------------------------------------
# Writing


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """A plain dict of the scenario as it would be written to TOML (no ``None``, bare numbers)."""
    return _plain(scenario)


def dumps_scenario(scenario: Scenario) -> str:
    """The scenario as TOML text that :func:`parse_scenario` reads back to an equal scenario."""
    return tomli_w.dumps(scenario_to_dict(scenario))


def _plain(obj: Any) -> Any:
    if isinstance(obj, Value):
        if not obj.has_provenance:
            return obj.value
        return {k: _plain(v) for k, v in obj if v is not None}
    if isinstance(obj, BaseModel):
        fields = type(obj).model_fields
        return {(fields[k].alias or k) if k in fields else k: _plain(v) for k, v in obj if v is not None}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, dt.datetime | dt.date | str | int | float | bool):
        return obj
    raise TypeError(f"cannot write {type(obj).__name__} to TOML")
