"""Reference classes: a reference string ``FAMILY[:ARG...]`` and a subject turned into dated occurrences.

Each family builds a :class:`~detente.backtest.harness.ClassData` (the backtest's own container: dated
occurrences per subject, the subjects of the fitting pool, the source's coverage), reusing the backtest's
question classes and the date-checked :mod:`detente.history` loaders. Every occurrence dated on or after
the as-of date is dropped here, and the rows read from each source are counted with their first and last
dates so a calibration can prove it read nothing later.

| family | occurrence | pool of subjects | source |
| --- | --- | --- | --- |
| ``icews:CAMEO`` | an ICEWS event whose CAMEO code starts with CAMEO | directed dyads among the 15 busiest countries (``A~B``: undirected) | ICEWS 2005–2015 |
| ``plover:TYPE`` | an ICEWS event of the PLOVER type | as above | ICEWS 2005–2015 |
| ``mid-onset:LEVEL`` | a MID onset reaching hostility ≥ LEVEL (5 = war) | politically relevant dyads | COW MID 5.0 |
| ``missile-test[:TYPE[:success]]`` | a North Korean missile test (of a type; successful) | ``PRK`` | CNS/NTI |
| ``nuclear-test`` | a nuclear test since 1993 | the nine nuclear-armed states | authored table (CTBTO, SIPRI, ACA) |
| ``leader-visit`` | a US president/secretary of state visit, or a leader's visit to the US | ``USA->X``, ``X->USA`` | Office of the Historian |
| ``unsc-resolution`` / ``unsc-meeting`` | a Security Council resolution / meeting on X | states | UN library meetings table |
| ``new-alliance`` | a new defence or consultation obligation | politically relevant dyads | ATOP 5.1 |
| ``conflict-onset`` / ``conflict-termination`` | a new conflict episode / the end of one | states / episodes | UCDP/PRIO ACD |
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from itertools import permutations
from pathlib import Path
from typing import Any

import pandas as pd

from detente.backtest.classes import (
    TOP_COUNTRIES,
    ConflictOnset,
    ConflictTermination,
    Inputs,
    LeaderVisit,
    MidOnset,
    NewAlliance,
    UnscResolution,
)
from detente.backtest.harness import ClassData
from detente.errors import InputError

FAMILIES = (
    "icews", "plover", "mid-onset", "missile-test", "nuclear-test", "leader-visit", "unsc-resolution",
    "unsc-meeting", "new-alliance", "conflict-onset", "conflict-termination",
)
"""Every reference family."""

NUCLEAR_ARMED = ("CHN", "FRA", "GBR", "IND", "ISR", "PAK", "PRK", "RUS", "USA")
"""nuclear-test: the pool is every nuclear-armed state (those that did not test count with zero tests)."""
NUCLEAR_FROM = "1993-01-01"
"""nuclear-test: the authored table starts after the US, UK and Russian moratoria."""

_FIX = "write FAMILY[:ARG], e.g. missile-test:ICBM, icews:046, mid-onset:4; families: " + ", ".join(FAMILIES)


@dataclass(frozen=True)
class Reference:
    """A reference class and the subject it is applied to.

    Attributes:
        ref: ``FAMILY[:ARG...]`` (``missile-test:ICBM``).
        subject: A directed dyad ``SRC-TGT`` (or ``SRC->TGT``), an undirected ``A~B``, a country ``PRK``.
        state: The dyad whose crisis state the hazard depends on (``PRK-USA``); default: the subject's dyad.
    """

    ref: str
    subject: str
    state: str | None = None

    @property
    def family(self) -> str:
        """The family (text before the first colon)."""
        return self.ref.split(":", 1)[0].strip()

    @property
    def args(self) -> tuple[str, ...]:
        """The arguments after the family."""
        return tuple(a.strip() for a in self.ref.split(":")[1:])

    @property
    def key(self) -> str:
        """``ref|subject``: the key of its fit in a calibration."""
        return f"{self.ref}|{self.subject}"

    def state_dyad(self) -> str | None:
        """The undirected dyad key of the state this reference depends on."""
        from detente.anchor.state import dyad_key, parse_dyad

        pair = parse_dyad(self.state or self.subject)
        return dyad_key(*pair) if pair else None


@dataclass(frozen=True)
class RefData:
    """A reference's occurrences before the as-of date, with what they were read from.

    Attributes:
        data: Occurrences (kind ``event``) of every subject of the pool, dated before the as-of date.
        subject: The subject's label in ``data.subjects``.
        description: One line saying what counts.
        sources: Per source, ``rows`` read, ``first`` and ``last`` date of those rows.
    """

    data: ClassData
    subject: str
    description: str
    sources: dict[str, dict[str, Any]]


def _src(name: str, dates: pd.Series) -> dict[str, dict[str, Any]]:
    d = pd.to_datetime(dates).dropna()
    if d.empty:
        return {name: {"rows": 0, "first": None, "last": None}}
    return {name: {"rows": len(d), "first": str(d.min().date()), "last": str(d.max().date())}}


def _cut(cd: ClassData, as_of: pd.Timestamp) -> ClassData:
    occ = cd.occurrences
    occ = occ[occ["date"] < as_of].reset_index(drop=True)
    end = min(cd.end, as_of - pd.Timedelta(days=1))
    return ClassData(cd.name, occ, cd.subjects, cd.start, end, cd.step, cd.horizons, cd.eligibility, cd.context)


def _with_subject(cd: ClassData, subject: str) -> ClassData:
    if subject in cd.subjects:
        return cd
    return ClassData(cd.name, cd.occurrences, (*cd.subjects, subject), cd.start, cd.end, cd.step, cd.horizons, cd.eligibility, cd.context)


def _dyad_subject(subject: str) -> tuple[str, str, bool]:
    """(source, target, directed) of a dyad subject."""
    undirected = "~" in subject
    for sep in ("->", "~", "-"):
        if sep in subject:
            a, _, b = subject.partition(sep)
            a, b = a.strip().upper(), b.strip().upper()
            if len(a) == 3 and len(b) == 3:
                return a, b, not undirected
    raise InputError(f"reference subject: {subject!r} is not a dyad (fix: write SRC-TGT, SRC->TGT or A~B with ISO3 codes)")


def _event_family(ref: Reference, as_of: pd.Timestamp, inputs: Inputs) -> RefData:
    from detente.ontology import EventType

    ev = inputs.events
    ev = ev[(ev["date"] < as_of) & (ev["source"] != ev["target"])]
    if not ref.args or not ref.args[0]:
        raise InputError(f"reference: {ref.ref!r}: the family needs an argument (fix: {_FIX})")
    arg = ref.args[0].upper() if ref.family == "plover" else ref.args[0]
    if ref.family == "plover":
        if arg not in EventType.__members__:
            raise InputError(f"reference: {ref.ref!r}: unknown PLOVER type (fix: use one of {', '.join(EventType.__members__)})")
        hit = ev["plover"] == arg
        what = f"an ICEWS event of PLOVER type {arg}"
    else:
        if not arg.isdigit():
            raise InputError(f"reference: {ref.ref!r}: {arg!r} is not a CAMEO code (fix: digits, e.g. icews:046)")
        hit = ev["cameo_code"].astype(str).str.startswith(arg)
        what = f"an ICEWS event with a CAMEO code starting {arg}"
    a, b, directed = _dyad_subject(ref.subject)
    counts = pd.concat([ev["source"], ev["target"]]).value_counts()
    top = sorted(set(counts.index[:TOP_COUNTRIES]) | {a, b})
    sub = ev[hit & ev["source"].isin(top) & ev["target"].isin(top)]
    if directed:
        subjects = [f"{x}->{y}" for x, y in permutations(top, 2)]
        label = sub["source"] + "->" + sub["target"]
        subject = f"{a}->{b}"
    else:
        subjects = sorted({"~".join(sorted(p)) for p in permutations(top, 2)})
        label = pd.Series(["~".join(sorted(p)) for p in zip(sub["source"], sub["target"], strict=True)], index=sub.index, dtype=object)
        subject = "~".join(sorted((a, b)))
    occ = pd.DataFrame({"date": sub["date"].to_numpy(), "subject": label.to_numpy(), "kind": "event"})
    cd = ClassData(ref.ref, occ, tuple(subjects), ev["date"].min(), min(ev["date"].max(), as_of - pd.Timedelta(days=1)), 1)
    side = "either direction" if not directed else "source to target"
    return RefData(cd, subject, f"{what} between {subject} ({side})", _src("icews0515-events", ev["date"]))


def _missile(ref: Reference, as_of: pd.Timestamp, inputs: Inputs) -> RefData:
    from detente.history import load_missile_tests

    t = load_missile_tests(as_of, inputs.data)
    src = _src("cns-missile-tests", t["date"])
    kind = ref.args[0].upper() if ref.args and ref.args[0] else None
    hit = t
    if kind:
        hit = hit[hit["missile_type"].str.upper() == kind]
    if len(ref.args) > 1 and ref.args[1].lower() == "success":
        hit = hit[hit["outcome"].str.lower() == "success"]
    occ = pd.DataFrame({"date": hit["date"].to_numpy(), "subject": "PRK", "kind": "event"})
    cd = ClassData(ref.ref, occ, ("PRK",), pd.Timestamp("1984-04-09"), as_of - pd.Timedelta(days=1), 1)
    what = f"a North Korean {kind or 'missile'} test" + (" (successful)" if len(ref.args) > 1 else "")
    return RefData(cd, "PRK", what, src)


def nuclear_tests(before: pd.Timestamp | None = None) -> pd.DataFrame:
    """The authored table of nuclear tests since 1990 (``date, country, source``), cut before ``before``."""
    path = resources.files("detente.data").joinpath("tables/nuclear_tests.csv")
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    t = pd.DataFrame(rows)
    t["date"] = pd.to_datetime(t["date"])
    return t if before is None else t[t["date"] < before].reset_index(drop=True)


def _nuclear(ref: Reference, as_of: pd.Timestamp, inputs: Inputs) -> RefData:
    t = nuclear_tests(as_of)
    subject = ref.subject.strip().upper()
    subjects = sorted(set(t["country"]) | set(NUCLEAR_ARMED) | {subject})
    occ = pd.DataFrame({"date": t["date"].to_numpy(), "subject": t["country"].to_numpy(), "kind": "event"})
    cd = ClassData(ref.ref, occ, tuple(subjects), pd.Timestamp(NUCLEAR_FROM), as_of - pd.Timedelta(days=1), 1)
    return RefData(cd, subject, f"a nuclear test by {subject}", _src("nuclear-tests-table", t["date"]))


def _backtest_class(ref: Reference, as_of: pd.Timestamp, inputs: Inputs) -> RefData:
    fam, args = ref.family, ref.args
    subject = ref.subject.strip()
    if fam == "mid-onset":
        level = int(args[0]) if args and args[0].isdigit() else 4
        gen: Any = MidOnset(level)
        a, b, _ = _dyad_subject(subject)
        subject = "-".join(sorted((a, b)))
        src_name, what = "cow-mid", f"a MID onset reaching hostility ≥ {level} between {subject}"
    elif fam == "leader-visit":
        gen = LeaderVisit()
        a, b, _ = _dyad_subject(subject)
        subject = f"{a}->{b}"
        src_name, what = "historian-visits", f"a visit {subject} (US president or secretary of state, or the leader to the US)"
    elif fam in ("unsc-resolution", "unsc-meeting"):
        gen = UnscResolution()
        src_name = "unsc-meetings"
        what = f"a Security Council {'resolution' if fam == 'unsc-resolution' else 'meeting'} on {subject}"
    elif fam == "new-alliance":
        gen = NewAlliance()
        a, b, _ = _dyad_subject(subject)
        subject = "-".join(sorted((a, b)))
        src_name, what = "atop", f"a new defence or consultation obligation between {subject}"
    elif fam == "conflict-onset":
        gen = ConflictOnset()
        src_name, what = "ucdp-acd", f"{subject} becomes a primary party to a new interstate or internationalised conflict"
    elif fam == "conflict-termination":
        return _termination(ref, as_of, inputs)
    else:  # pragma: no cover - dispatch guards
        raise InputError(f"reference: {ref.ref!r}: unknown family (fix: {_FIX})")
    cd = gen.build(inputs, as_of)
    if fam == "unsc-resolution" and args and args[0]:
        what += f" (the meetings table has no topic coding: '{args[0]}' is not filtered)"
    if fam == "new-alliance" and args and args[0]:
        what += f" ('{args[0]}': ATOP defence and consultation obligations counted together)"
    if fam == "unsc-meeting":
        occ = cd.occurrences
        occ = occ[occ["kind"] == "meeting"].assign(kind="event")
        cd = ClassData(ref.ref, occ, cd.subjects, cd.start, cd.end, 6)
    occ = cd.occurrences
    src = _src(src_name, occ.loc[occ["date"] < as_of, "date"])
    cd = _with_subject(_cut(cd, as_of), subject)
    return RefData(cd, subject, what, src)


def _termination(ref: Reference, as_of: pd.Timestamp, inputs: Inputs) -> RefData:
    """``conflict-termination[:SIZE[:gp]]``: the end of an episode, among comparable episodes.

    Comparable by size (``war``: ≥ 1,000 battle deaths in a year, ``minor``: never) and great-power
    involvement (``gp``: a permanent Security Council member is a primary or secondary party); a dyad
    subject ``A~B`` is the latest episode with A and B on opposite sides.
    """
    from detente.backtest.classes import P5

    cd = ConflictTermination().build(inputs, as_of)
    u = inputs.ucdp
    u = u[(u["date"] < as_of) & u["episode_start"].notna()]
    u = u.assign(subject="c" + u["conflict_id"].astype(str) + "@" + u["episode_start"].dt.strftime("%Y-%m-%d"))
    size = ref.args[0].lower() if ref.args and ref.args[0] else ""
    gp = len(ref.args) > 1 and ref.args[1].lower() == "gp"
    per = u.groupby("subject").agg(
        war=("intensity", lambda v: bool((v.fillna(0) >= 2).any())),
        parties=("side_a", lambda v: set().union(*v)),
    )
    sides = u.groupby("subject").apply(
        lambda g: set().union(*g["side_a"], *g["side_b"], *g["side_a2"], *g["side_b2"]), include_groups=False
    )
    keep = pd.Series(True, index=per.index)
    if size == "war":
        keep &= per["war"]
    elif size == "minor":
        keep &= ~per["war"]
    if gp:
        keep &= sides.reindex(per.index).map(lambda s: bool(set(P5) & s))
    pool = sorted(set(per.index[keep]) & set(cd.subjects))
    subject = ref.subject.strip()
    pair = subject.replace("~", "-").split("-")
    if len(pair) == 2 and all(len(c) == 3 for c in pair):
        a, b = (c.upper() for c in pair)
        match = u[u.apply(lambda r: (a in r["side_a"] and b in r["side_b"]) or (b in r["side_a"] and a in r["side_b"]), axis=1)]
        if len(match):
            subject = str(match.sort_values("episode_start")["subject"].iloc[-1])
    occ = cd.occurrences
    occ = occ[occ["subject"].isin(set(pool) | {subject}) & (occ["date"] < as_of)].reset_index(drop=True)
    sub = ClassData(ref.ref, occ, tuple(dict.fromkeys([*pool, subject])), cd.start, min(cd.end, as_of - pd.Timedelta(days=1)), 3, eligibility="open")
    what = f"the conflict episode {subject} ({ref.subject}) ends; comparable episodes: {len(pool)}"
    what += f" ({'wars' if size == 'war' else 'minor conflicts' if size == 'minor' else 'any size'}{', great power involved' if gp else ''})"
    return RefData(sub, subject, what, _src("ucdp-acd", u["date"]))


def reference_data(ref: Reference, as_of: pd.Timestamp | str, data: str | Path | None = None, inputs: Inputs | None = None) -> RefData:
    """The occurrences of a reference class dated before ``as_of``, for its pool of subjects.

    Raises:
        InputError: an unknown family, a malformed argument or subject.
    """
    as_of = pd.Timestamp(as_of)
    inputs = inputs or Inputs(data=data)
    fam = ref.family
    if fam in ("icews", "plover"):
        return _event_family(ref, as_of, inputs)
    if fam == "missile-test":
        return _missile(ref, as_of, inputs)
    if fam == "nuclear-test":
        return _nuclear(ref, as_of, inputs)
    if fam in FAMILIES:
        return _backtest_class(ref, as_of, inputs)
    raise InputError(f"reference: {ref.ref!r}: unknown family '{fam}' (fix: {_FIX})")


__all__ = ["FAMILIES", "RefData", "Reference", "nuclear_tests", "reference_data"]
