"""The option grammar every command shares, and the checks on files a command writes.

``--set PATH=VALUE``, ``-n/--runs``, ``-s/--seed``, ``-o/--out FILE``, ``--json FILE`` (``-`` for standard
output) and ``--quiet`` mean one thing everywhere.

New commands take these ``Annotated`` aliases instead of declaring their own, so one name means one
thing everywhere.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from detente.errors import DetenteError, InputError

DEFAULT_RUNS = 2000
"""Replicates of every Monte Carlo command unless ``--runs`` says otherwise (±2.2 points at p = 0.5)."""
MAX_RUNS = 10_000_000

RunsOpt = Annotated[
    int,
    typer.Option("--runs", "-n", min=1, max=MAX_RUNS, help="Monte Carlo replicates (per arm or point)."),
]
SeedOpt = Annotated[int, typer.Option("--seed", "-s", min=0, help="Root seed; equal seeds give equal numbers.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
JsonFileOpt = Annotated[
    str | None,
    typer.Option("--json", metavar="FILE", help="Write the full result as JSON to FILE (`-`: standard output)."),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="PATH=VALUE",
        help="Override a scenario or engine value (repeatable): actors.USA.doctrine=0.3, "
        "actors[USA].doctrine=0.3, mechanisms.K11.rate=0.05, engine.rationality=2.",
    ),
]
WorkersOpt = Annotated[int | None, typer.Option("--workers", min=1, max=512, help="Parallel workers (default: automatic).")]


def parse_value(raw: str) -> float | str | bool:
    """A ``--set`` value: a number, ``true``/``false``, or text."""
    text = raw.strip()
    low = text.lower()
    if low in {"true", "false"}:
        return low == "true"
    try:
        value = float(text)
    except ValueError:
        return text
    if not math.isfinite(value) and low not in {"inf", "+inf", "infinity"}:
        raise InputError(f"--set: value {raw!r} is not a number (fix: give a finite number)")
    return value


def split_set(items: Sequence[str] | None) -> list[tuple[str, float | str | bool]]:
    """Split ``PATH=VALUE`` items, refusing one without ``=``."""
    out = []
    for item in items or []:
        path, sep, raw = item.partition("=")
        if not sep or not path.strip() or not raw.strip():
            raise InputError(f"--set {item!r}: expected PATH=VALUE (fix: e.g. --set actors.USA.doctrine=0.3)")
        out.append((path.strip(), parse_value(raw)))
    return out


def parse_set(items: Sequence[str] | None, scenario: Any) -> dict[str, float | str | bool]:
    """``--set`` items as the engine's override keys; both ``actors.USA.doctrine`` and ``actors[USA].doctrine``.

    Raises:
        InputError: An item without ``=``, or a path the scenario does not have.
    """
    from detente.experiments.overrides import resolve_path

    out: dict[str, float | str | bool] = {}
    for path, value in split_set(items):
        if isinstance(value, float):
            try:
                key = resolve_path(scenario, path).key
            except DetenteError as exc:
                text = str(exc).removeprefix(f"{scenario.id}: ").replace("--vary/--params", "--set", 1)
                raise InputError(f"{scenario.id}: {text}") from None
        else:
            key = bracket_path(scenario, path)
        out[key] = value
    return out


def bracket_path(scenario: Any, path: str) -> str:
    """``actors.USA.x`` → ``actors[USA].x`` (an id may contain dots: the longest matching id wins)."""
    if "[" in path:
        return path
    segs = path.split(".")
    head = segs[0]
    if head not in {"actors", "issues", "relations", "mechanisms", "events"} or len(segs) < 3:
        return path
    ids = {str(getattr(e, "id", None) or getattr(e, "name", "")) for e in getattr(scenario, head)}
    if head == "mechanisms":
        from detente.mechanisms import TYPES

        ids |= set(TYPES)  # a type name adds an instance of it
    for k in range(len(segs) - 1, 1, -1):
        cand = ".".join(segs[1:k])
        if cand in ids:
            return f"{head}[{cand}]." + ".".join(segs[k:])
    return f"{head}[{segs[1]}]." + ".".join(segs[2:])


_EXAMPLE_NAMES = {"--keep-paths": "paths.npz", "--plot": "plot", "--csv": "out.csv", "--draft": "draft.toml"}
"""The file name a folder-for-a-file fix suggests, per option (``out.json`` for the others)."""


def check_output(path: Path | str, option: str, example: str | None = None) -> Path:
    """Refuse, before any work, an output file that cannot be written: one line with the fix.

    ``example`` is the file name the fix suggests for a folder given for a file (default: by the option,
    e.g. ``paths.npz`` for ``--keep-paths``; ``out.json`` otherwise).

    Catches a folder given for a file, a missing folder, a name longer than the file system allows and
    a folder without write permission; a full device is reported when the write fails.
    """
    p = Path(path)
    if p.is_dir():
        name = example or _EXAMPLE_NAMES.get(option, "out.json")
        raise InputError(f"{option} {p}: is a folder (fix: give a file path such as {p / name})")
    for part in p.parts:
        if len(os.fsencode(part)) > 255:
            raise InputError(
                f"{option} {str(p)[:60]}…: a file name is {len(os.fsencode(part))} bytes long "
                "(fix: use a name of at most 255 bytes)"
            )
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        raise InputError(f"{option} {p}: folder {parent} does not exist (fix: create it first: mkdir -p {parent})")
    if not parent.is_dir():
        raise InputError(f"{option} {p}: {parent} is not a folder (fix: check the path)")
    if not os.access(parent, os.W_OK):
        raise InputError(f"{option} {p}: folder {parent} is not writable (fix: choose a folder you may write to)")
    return p


def write_text(path: Path, text: str, option: str) -> None:
    """Write ``text`` to ``path``; an OS refusal (full device, /proc) becomes one line with a fix."""
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise InputError(f"{option} {path}: cannot write ({reason}) (fix: write to another file or device)") from None


def write_json(target: str | None, data: Mapping[str, Any] | list[Any], *, echo: Any = None) -> None:
    """Write ``--json FILE`` (``-``: standard output, nothing else on it)."""
    if target is None:
        return
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=True) + "\n"
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    p = check_output(target, "--json")
    write_text(p, text, "--json")
    if echo is not None:
        echo(f"wrote {p}")
