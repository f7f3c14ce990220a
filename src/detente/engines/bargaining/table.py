"""Bargaining tables: one row per actor and issue, read, checked and split into issues.

Three layouts are read:

- **long** (detente's own): columns ``issue, actor, position, salience, capability`` and optional
  ``status_quo, outcome``; any numeric position scale per issue.
- **KTAB** (Efird, Lester & Wise 2016): a first line naming the scenario, then a header
  ``Actor, Description, Influence, Policy Position, Policy Salience``; one issue named by the first cell.
- **actor table** (Bueno de Mesquita 1994, Table 1): ``Actor, Capability, Position, Salience`` with
  no issue column; the whole file is one issue named after the file.

Salience is read as a share in [0, 1]; a table whose saliences exceed 1 is taken to be on 0…100 and
divided by 100. Capability is any non-negative power index: only its ratios matter.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from detente.errors import InputError

__all__ = ["IssueTable", "issues_from_frame", "read_table"]

REQUIRED = ("issue", "actor", "position", "salience", "capability")
OPTIONAL = ("status_quo", "outcome")
LIMIT = 1e12
"""Largest magnitude a table value may have: beyond it sums of weights overflow double precision."""
_ALIASES = {"name": "actor", "influence": "capability", "policy position": "position",
            "policy salience": "salience", "statusquo": "status_quo", "sq": "status_quo"}


@dataclass(frozen=True, eq=False)
class IssueTable:
    """One contested issue: the actors' positions, saliences and capabilities, as arrays.

    Attributes:
        issue: The issue id.
        actors: Actor ids, one per row.
        position: Ideal points on the issue's own scale.
        salience: Saliences as shares in [0, 1].
        capability: Non-negative power indices (only ratios matter).
        status_quo: The status quo on the same scale, if known.
        outcome: The actual outcome on the same scale, if known.
        low: Lower end of the scale (defaults to the lowest position or status quo).
        high: Upper end of the scale (defaults to the highest position or status quo).
    """

    issue: str
    actors: tuple[str, ...]
    position: np.ndarray
    salience: np.ndarray
    capability: np.ndarray
    status_quo: float | None = None
    outcome: float | None = None
    low: float = field(default=math.nan)
    high: float = field(default=math.nan)

    def __post_init__(self) -> None:
        pts = [float(v) for v in self.position]
        if self.status_quo is not None:
            pts.append(self.status_quo)
        if math.isnan(self.low):
            object.__setattr__(self, "low", min(pts))
        if math.isnan(self.high):
            object.__setattr__(self, "high", max(pts))

    @property
    def n(self) -> int:
        """Number of actors."""
        return len(self.actors)

    @property
    def weight(self) -> np.ndarray:
        """Capability × salience, the weight every model in this package starts from."""
        return np.asarray(self.capability * self.salience, dtype=float)

    def rescaled(self, shift: float, scale: float) -> IssueTable:
        """The same issue on the scale ``shift + scale * x`` (``scale > 0``); used by tests."""
        def f(v: float | None) -> float | None:
            return None if v is None else shift + scale * v

        return IssueTable(
            self.issue, self.actors, shift + scale * self.position, self.salience, self.capability,
            f(self.status_quo), f(self.outcome), shift + scale * self.low, shift + scale * self.high,
        )


def _norm(name: str) -> str:
    key = str(name).strip().lower().replace("_", " ")
    key = " ".join(key.split())
    key = _ALIASES.get(key, key)
    return key.replace(" ", "_")


def _number(raw: object, file: str, row: int, column: str, who: str) -> float | None:
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    text = str(raw).strip()
    if text == "" or text.lower() in {"nan", "na"}:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"{file}: row {row}{who}: {column} {text!r} is not a number "
            f"(fix: write a number in column '{column}')"
        ) from None
    if not math.isfinite(value):
        raise InputError(
            f"{file}: row {row}{who}: {column} {text!r} is not finite (fix: write a finite number)"
        )
    if abs(value) > LIMIT:
        raise InputError(
            f"{file}: row {row}{who}: {column} {text!r} is beyond ±{LIMIT:g} "
            f"(fix: rescale the column; only ratios of capabilities matter and any position scale works)"
        )
    return value


def _check_shape(text: str, file: str | Path, skip: int = 0) -> None:
    """Refuse a duplicated column name or a row with more fields than the header."""
    try:
        rows = csv.reader(io.StringIO(text))
        header: list[str] | None = None
        for k, fields in enumerate(rows, 1):
            if k <= skip or not any(f.strip() for f in fields):
                continue
            if header is None:
                header = [_norm(f) for f in fields]
                seen: dict[str, int] = {}
                for i, name in enumerate(header):
                    if name and name in seen:
                        raise InputError(
                            f"{file}: line {k}: column {fields[i].strip()!r} appears twice (columns "
                            f"{seen[name] + 1} and {i + 1}) (fix: keep one column of each name)"
                        )
                    seen[name] = i
                continue
            if len(fields) > len(header):
                raise InputError(
                    f"{file}: line {k}: {len(fields)} fields, but the header has {len(header)} "
                    "(fix: remove the extra fields, or quote a value that contains a comma)"
                )
    except csv.Error as exc:
        raise InputError(f"{file}: not a readable CSV table ({exc}) (fix: save it as comma-separated text)") from None


def _read_csv(text: str, file: Path) -> pd.DataFrame:
    """Read the table with pandas; a malformed one (an unclosed quote, say) is one line with the fix."""
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise InputError(
            f"{file}: not a readable CSV table ({reason}) (fix: check the quotes and commas of that row)"
        ) from None


def _text(raw: object) -> str:
    """A cell as text; an empty cell (NaN) is ``""``."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return ""
    return str(raw).strip()


def _sniff(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) >= 2:
        second = [_norm(c) for c in next(csv.reader([lines[1]]))]
        if "capability" in second and "position" in second and "description" in second:
            return "ktab"
    return "plain"


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a bargaining table in any of the three layouts into the long layout.

    Args:
        path: A CSV file: detente's long layout, KTAB's layout or a one-issue actor table.

    Returns:
        A data frame with columns ``issue, actor, position, salience, capability`` and, where the file
        has them, ``status_quo`` and ``outcome`` (raw values; :func:`issues_from_frame` checks them).

    Raises:
        InputError: The file cannot be read or lacks a required column.
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: is a folder, not a table (fix: give the path of a CSV file)")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot read the table ({exc.strerror or exc}) (fix: check the path)") from None
    if b"\x00" in data[:8192]:
        raise InputError(f"{p}: is a binary file, not a CSV table (fix: give a comma-separated text file)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{p}: is not UTF-8 text (byte {exc.start}: {data[exc.start:exc.start + 1]!r}) "
            "(fix: save the table as UTF-8, e.g. iconv -f latin1 -t utf-8)"
        ) from None
    if not text.strip():
        raise InputError(f"{p}: the table is empty (fix: give a header and one row per actor)")
    if _sniff(text) == "ktab":
        first, _, rest = text.partition("\n")
        # KTAB's first cell reads "<scenario name>; scen <k>"; the name is the issue.
        issue = next(csv.reader([first]))[0].split(";")[0].strip() or p.stem
        _check_shape(rest, p)
        df = _read_csv(rest, p)
        df = df.rename(columns=_norm)
        df = df.loc[:, [c for c in df.columns if c and not c.startswith("unnamed")]]
        df.insert(0, "issue", issue.replace(" ", "-").lower())
    else:
        _check_shape(text, p)
        df = _read_csv(text, p)
        df = df.rename(columns=_norm)
        if "issue" not in df.columns and {"actor", "position"} <= set(df.columns):
            df.insert(0, "issue", p.stem)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        found = ", ".join(str(c) for c in df.columns)
        raise InputError(
            f"{p}: missing column '{missing[0]}' (found: {found}) "
            f"(fix: give columns {', '.join(REQUIRED)}; optional {', '.join(OPTIONAL)})"
        )
    return df


def _constant(values: Iterable[float | None], file: str, issue: str, column: str) -> float | None:
    seen = {v for v in values if v is not None}
    if len(seen) > 1:
        shown = ", ".join(f"{v:g}" for v in sorted(seen))
        raise InputError(
            f"{file}: issue {issue!r}: column '{column}' takes several values ({shown}) "
            f"(fix: give one {column} per issue)"
        )
    return seen.pop() if seen else None


def issues_from_frame(df: pd.DataFrame, file: str = "<table>") -> list[IssueTable]:
    """Check a long-layout table and split it into issues, in order of first appearance.

    Args:
        df: A data frame in the long layout (see :func:`read_table`).
        file: The file name to put in error messages.

    Returns:
        One :class:`IssueTable` per issue.

    Raises:
        InputError: A missing column, a non-numeric or negative value, a salience above 100, an
            issue with fewer than two actors or with no weight.
    """
    cols = {_norm(c): c for c in df.columns}
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise InputError(
            f"{file}: missing column '{missing[0]}' (found: {', '.join(map(str, df.columns))}) "
            f"(fix: give columns {', '.join(REQUIRED)})"
        )
    rows: dict[str, list[dict[str, object]]] = {}
    records: Sequence[Mapping[str, object]] = df.to_dict("records")
    sal_max = 0.0
    for k, rec in enumerate(records):
        row = k + 2  # header is line 1
        issue = _text(rec[cols["issue"]])
        actor = _text(rec[cols["actor"]])
        if not issue:
            raise InputError(f"{file}: row {row}: the issue is empty (fix: name the issue)")
        if not actor:
            raise InputError(f"{file}: row {row} (issue {issue}): the actor is empty (fix: name the actor)")
        earlier = next((r for r in rows.get(issue, []) if r["actor"] == actor), None)
        if earlier is not None:
            raise InputError(
                f"{file}: row {row}: actor {actor!r} appears twice in issue {issue!r} (also row "
                f"{earlier['row']}) (fix: give each actor one row per issue)"
            )
        who = f" (issue {issue}, actor {actor})"
        vals: dict[str, object] = {"actor": actor, "row": row}
        for c in REQUIRED[2:]:
            v = _number(rec[cols[c]], file, row, c, who)
            if v is None:
                raise InputError(f"{file}: row {row}{who}: {c} is empty (fix: write a number)")
            if v < 0:
                raise InputError(
                    f"{file}: row {row}{who}: {c} {v:g} is below 0 "
                    f"(fix: {c} must be 0 or more)"
                )
            vals[c] = v
        for c in OPTIONAL:
            vals[c] = _number(rec[cols[c]], file, row, c, who) if c in cols else None
        sal_max = max(sal_max, float(vals["salience"]))  # type: ignore[arg-type]
        if float(vals["salience"]) > 100:  # type: ignore[arg-type]
            raise InputError(
                f"{file}: row {row}{who}: salience {vals['salience']:g} is above 100 "
                "(fix: saliences are shares in [0, 1] or percentages in [0, 100])"
            )
        rows.setdefault(issue, []).append(vals)
    if not rows:
        raise InputError(f"{file}: the table has no rows (fix: one row per actor and issue)")
    sal_div = 100.0 if sal_max > 1.0 else 1.0
    out: list[IssueTable] = []
    for issue, rs in rows.items():
        if len(rs) < 2:
            raise InputError(
                f"{file}: issue {issue!r} has only {len(rs)} actor "
                "(fix: a bargaining issue needs at least 2 actors; add actors or drop the issue)"
            )
        actors = tuple(str(r["actor"]) for r in rs)
        pos = np.array([float(r["position"]) for r in rs])  # type: ignore[arg-type]
        sal = np.array([float(r["salience"]) for r in rs]) / sal_div  # type: ignore[arg-type]
        cap = np.array([float(r["capability"]) for r in rs])  # type: ignore[arg-type]
        if not np.any(cap * sal > 0):
            raise InputError(
                f"{file}: issue {issue!r}: every actor has capability × salience 0 "
                "(fix: give at least one actor a positive capability and salience)"
            )
        sq = _constant((r["status_quo"] for r in rs), file, issue, "status_quo")  # type: ignore[misc]
        oc = _constant((r["outcome"] for r in rs), file, issue, "outcome")  # type: ignore[misc]
        out.append(IssueTable(issue, actors, pos, sal, cap, sq, oc))
    return out
