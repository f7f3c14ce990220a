"""Question generators: one documented class per kind of question, each with a stable name.

Every class turns source tables into :class:`~detente.backtest.harness.ClassData` (dated occurrences per
subject). Subjects are chosen by a stated rule that uses only data dated before the first origin, and
always include quiet subjects (that never had the event), not only busy ones.

References:
    - Boschee et al. (2015). ICEWS Coded Event Data. doi:10.7910/DVN/28075.
    - Palmer et al. (2021). The MID5 dataset, 2011–2014. CMPS 39(4).
    - Gleditsch et al. (2002); Davies, Pettersson & Öberg (2025). UCDP/PRIO Armed Conflict Dataset.
    - CNS North Korea Missile Test Database (NTI).
    - Office of the Historian, US Department of State: travels of the president and secretary of state;
      visits by foreign leaders.
    - Leeds et al. (2002). ATOP. Lemke & Reed (2001). Politically relevant dyads.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from itertools import permutations
from pathlib import Path
from typing import ClassVar

import pandas as pd

from detente.backtest.harness import ClassData
from detente.errors import InputError
from detente.ontology import EventType, Quad, quad_of

P5 = ("USA", "RUS", "CHN", "GBR", "FRA")
TOP_COUNTRIES = 15
"""dyad-event: the 15 countries most often source or target before the first origin."""
REGION_MID_YEARS = 20
"""Politically relevant dyads: same-region dyads with a MID in the 20 years before the first origin."""


def _occ(date: pd.Series, subject: pd.Series, kind: str) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.to_datetime(date).to_numpy(), "subject": subject.to_numpy(), "kind": kind})


def _region(iso_ccode: int) -> str:
    """COW region of a state number (Americas, Europe, Africa, Middle East, Asia/Oceania)."""
    c = int(iso_ccode)
    return "AM" if c < 200 else "EU" if c < 400 else "AF" if c < 600 else "ME" if c < 700 else "AS"


@dataclass
class Inputs:
    """Source tables, read lazily from the data directory (and the user's event tables)."""

    data: str | Path | None = None
    event_files: tuple[str | Path, ...] = ()
    use_default_events: bool = True
    _events: pd.DataFrame | None = field(default=None, repr=False)

    @cached_property
    def events(self) -> pd.DataFrame:
        """The pooled event table: ICEWS 2005–2015 (unless switched off) plus every ``--events`` file."""
        from detente.backtest.events import default_events, pool_events, read_events

        if self._events is not None:
            return self._events
        tables = [read_events(f, self.data) for f in self.event_files]
        if self.use_default_events:
            tables.insert(0, default_events(self.data))
        if not tables:
            raise InputError("no event table (fix: give --events FILE, or use the data directory's ICEWS)")
        return pool_events(tables)

    @cached_property
    def mids(self) -> pd.DataFrame:
        """COW MID dyadic dispute-years (:func:`detente.history.load_mids`)."""
        from detente.history import load_mids

        return load_mids(None, self.data)

    @cached_property
    def ucdp(self) -> pd.DataFrame:
        """UCDP/PRIO conflict-years."""
        from detente.history import load_ucdp

        return load_ucdp(None, self.data)

    @cached_property
    def nmc(self) -> pd.DataFrame:
        """COW NMC country-years (the list of states per year)."""
        from detente.history import load_nmc

        return load_nmc(None, self.data)

    def states(self, year: int) -> list[str]:
        """ISO3 codes of the states with an NMC record in ``year`` (clamped to the table's years)."""
        nmc = self.nmc
        y = min(max(year, int(nmc["year"].min())), int(nmc["year"].max()))
        return sorted(set(nmc.loc[(nmc["year"] == y) & nmc["iso3"].notna(), "iso3"]))

    def relevant_dyads(self, first_origin: pd.Timestamp) -> list[str]:
        """Politically relevant undirected dyads known before ``first_origin`` (Lemke & Reed 2001, proxied).

        Every dyad of a permanent Security Council member with a state of the year before, plus the
        same-region dyads with a MID in the 20 years before (COW contiguity is not in the data directory;
        a recent MID between same-region states stands in for it).
        """
        year = first_origin.year - 1
        states = self.states(year)
        out = {"-".join(sorted((a, b))) for a in P5 for b in states if a != b}
        mids = self.mids
        recent = mids[(mids["date"] < first_origin) & (mids["year"] > year - REGION_MID_YEARS)]
        for c1, c2, a, b in zip(recent["ccode1"], recent["ccode2"], recent["iso3_1"], recent["iso3_2"], strict=True):
            if isinstance(a, str) and isinstance(b, str) and a != b and _region(c1) == _region(c2):
                out.add("-".join(sorted((a, b))))
        return sorted(out)


class QuestionClass(ABC):
    """A kind of question with a stable name; :meth:`build` turns source tables into :class:`ClassData`."""

    name: ClassVar[str]
    title: ClassVar[str]
    source: ClassVar[str]
    step: ClassVar[int] = 3
    horizons: ClassVar[tuple[int, ...]] = (3, 6, 12, 24)
    default_first: ClassVar[str] = "2000-01-01"
    context: ClassVar[tuple[str, ...]] = ()
    """Context kinds the class's occurrences carry besides ``event`` (and ``start``)."""

    @abstractmethod
    def build(self, inputs: Inputs, first_origin: pd.Timestamp) -> ClassData:
        """The class's occurrences and subjects (chosen with data before ``first_origin``)."""

    def default_origins(self, inputs: Inputs) -> tuple[pd.Timestamp, int]:
        """First default origin and the step in months."""
        return pd.Timestamp(self.default_first), self.step

    def _data(self, occ: pd.DataFrame, subjects: list[str], start: str | pd.Timestamp, end: str | pd.Timestamp, **kw: object) -> ClassData:
        occ = occ[occ["subject"].isin(set(subjects))].sort_values("date", kind="stable").reset_index(drop=True)
        kw.setdefault("context", self.context)
        return ClassData(
            name=self.name,
            occurrences=occ,
            subjects=tuple(subjects),
            start=pd.Timestamp(start),
            end=pd.Timestamp(end),
            step=int(kw.pop("step", self.step)),  # type: ignore[call-overload]
            horizons=self.horizons,
            **kw,  # type: ignore[arg-type]
        )


class DyadEvent(QuestionClass):
    """``dyad-event:<TYPE>``: does source → target produce at least one event of a PLOVER type?

    Occurrences are the event table's rows whose CAMEO code maps to the PLOVER type (CAMEO → PLOVER,
    PLOVER 2.0 manual). Subjects: every ordered pair among the 15 countries most often source or
    target in the events dated before the first origin (210 directed dyads, quiet ones included).
    Context kinds: all events of the dyad (``any``), the type in the reverse direction (``rev``), all
    reverse events (``rev-any``) and the dyad's conflictual events (``conflict``). Origins quarterly.
    """

    name = "dyad-event"
    title = "directed dyad produces a PLOVER event type"
    source = "event tables (default ICEWS 2005–2015, actors resolved)"
    step = 3
    context = ("any", "conflict", "rev", "rev-any")

    def __init__(self, event_type: str = "ASSAULT") -> None:
        if event_type not in EventType.__members__:
            raise InputError(
                f"--classes: dyad-event:{event_type}: unknown PLOVER type (fix: use one of {', '.join(EventType.__members__)})"
            )
        self.event_type = event_type
        self.name = f"dyad-event:{event_type}"  # type: ignore[misc]

    def default_origins(self, inputs: Inputs) -> tuple[pd.Timestamp, int]:
        """Two years after the event table starts, quarterly."""
        start = inputs.events["date"].min()
        first = pd.Timestamp(year=start.year + 2, month=1, day=1)
        return first, self.step

    def build(self, inputs: Inputs, first_origin: pd.Timestamp) -> ClassData:
        """Occurrences of the type per directed dyad, plus context kinds."""
        ev = inputs.events
        ev = ev[ev["source"] != ev["target"]]
        before = ev[ev["date"] < first_origin]
        if before.empty:
            raise InputError(
                f"--origins: no event is dated before the first origin {first_origin.date()} "
                "(fix: start the origins after the event table's first date)"
            )
        counts = pd.concat([before["source"], before["target"]]).value_counts()
        top = sorted(counts.index[:TOP_COUNTRIES])
        subjects = [f"{a}->{b}" for a, b in permutations(top, 2)]
        ev = ev[ev["source"].isin(top) & ev["target"].isin(top)]
        dyad = ev["source"] + "->" + ev["target"]
        rev = ev["target"] + "->" + ev["source"]
        conflict_types = {t.value for t in EventType if quad_of(t) in (Quad.VERBAL_CONFLICT, Quad.MATERIAL_CONFLICT)}
        is_type = ev["plover"] == self.event_type
        occ = pd.concat(
            [
                _occ(ev.loc[is_type, "date"], dyad[is_type], "event"),
                _occ(ev["date"], dyad, "any"),
                _occ(ev.loc[is_type, "date"], rev[is_type], "rev"),
                _occ(ev["date"], rev, "rev-any"),
                _occ(ev.loc[ev["plover"].isin(conflict_types), "date"], dyad[ev["plover"].isin(conflict_types)], "conflict"),
            ],
            ignore_index=True,
        )
        return self._data(occ, subjects, inputs.events["date"].min(), inputs.events["date"].max())


class MidOnset(QuestionClass):
    """``mid-onset-4`` / ``mid-onset-3``: does a MID begin in the dyad and reach hostility ≥ 4 / ≥ 3?

    A militarized interstate dispute reaching the use of force (4) or the display of force (3).

    COW MID 5.0 dyadic dispute-years; an onset is dated the last day of its start month (the dyad-year's
    hostility is the year's highest). Subjects: politically relevant undirected dyads
    (:meth:`Inputs.relevant_dyads`). Context: onsets at any hostility (``any-mid``). Origins yearly (1 January) from 2000.
    """

    source = "COW MID 5.0 dyadic dispute-years"
    step = 12
    context = ("any-mid",)
    default_first = "2000-01-01"

    def __init__(self, level: int) -> None:
        self.level = level
        self.name = f"mid-onset-{level}"  # type: ignore[misc]
        self.title = f"MID onset reaching hostility ≥ {level} in a politically relevant dyad"  # type: ignore[misc]

    def build(self, inputs: Inputs, first_origin: pd.Timestamp) -> ClassData:
        """MID onsets per undirected ISO3 dyad."""
        m = inputs.mids
        m = m[m["onset"] & m["iso3_1"].notna() & m["iso3_2"].notna() & (m["iso3_1"] != m["iso3_2"])]
        dyad = pd.Series([("-".join(sorted((a, b)))) for a, b in zip(m["iso3_1"], m["iso3_2"], strict=True)], index=m.index, dtype=object)
        # A dispute is one onset per dyad even when the dataset lists both directions.
        frame = pd.DataFrame({"date": m["date"], "subject": dyad, "disp": m["dispnum"], "hostlev": m["hostlev"]})
        frame = frame.sort_values("hostlev").drop_duplicates(["disp", "subject"], keep="last")
        hi = frame[frame["hostlev"] >= self.level]
        occ = pd.concat([_occ(hi["date"], hi["subject"], "event"), _occ(frame["date"], frame["subject"], "any-mid")], ignore_index=True)
        return self._data(occ, inputs.relevant_dyads(first_origin), "1816-01-01", "2014-12-31")


_UCDP_TYPES = ("interstate", "II")
"""UCDP types asked about: interstate (2) and internationalised intrastate (4, written ``II``)."""


class ConflictOnset(QuestionClass):
    """``conflict-onset``: does the country enter a new interstate or internationalised conflict episode?

    The country becomes a primary party to an armed-conflict episode (UCDP/PRIO, ≥ 25 battle deaths a year).

    An episode is dated by its start (``start_date2``). Subjects: every state with a COW NMC record in
    the year before the first origin. Context: new intrastate episodes with the country's government as
    side A (``intrastate``). Origins every 6 months. UCDP codes an episode once it has crossed 25 deaths,
    i.e. in hindsight; the onset date is when fighting began.
    """

    name = "conflict-onset"
    title = "new interstate or internationalised conflict episode"
    source = "UCDP/PRIO Armed Conflict Dataset 25.1"
    step = 6
    context = ("intrastate",)
    default_first = "1995-01-01"

    def build(self, inputs: Inputs, first_origin: pd.Timestamp) -> ClassData:
        """Episode starts per primary party."""
        u = inputs.ucdp
        ep = u.drop_duplicates(["conflict_id", "episode_start"])
        rows = []
        for t, a, b, day in zip(ep["type"], ep["side_a"], ep["side_b"], ep["episode_start"], strict=True):
            kind = "event" if t in _UCDP_TYPES else "intrastate" if t == "intrastate" else None
            if kind is None or pd.isna(day):
                continue
            parties = set(a) | (set(b) if kind == "event" else set())
            rows += [(day, c, kind) for c in parties]
        occ = pd.DataFrame(rows, columns=["date", "subject", "kind"])
        return self._data(occ, inputs.states(first_origin.year - 1), "1946-01-01", "2022-12-31")


class ConflictTermination(QuestionClass):
    """``conflict-termination``: does an active interstate or internationalised conflict episode end?

    Subjects are episodes (``c<conflict_id>@<start>``); one is asked about at an origin once it has started
    and has not ended before it. It ends on UCDP's ``ep_end_date`` (the last recorded fighting before a
    year below 25 deaths, known in hindsight); an episode that stops being coded as interstate or
    internationalised without an end date leaves the class on 31 December of its last year. Origins quarterly.
    """

    name = "conflict-termination"
    title = "an active conflict episode ends"
    source = "UCDP/PRIO Armed Conflict Dataset 25.1"
    step = 3
    default_first = "1995-01-01"

    def build(self, inputs: Inputs, first_origin: pd.Timestamp) -> ClassData:
        """Episode starts (``start``) and ends (``event``)."""
        u = inputs.ucdp
        u = u[u["type"].isin(_UCDP_TYPES) & u["episode_start"].notna()]
        subj = "c" + u["conflict_id"].astype(str) + "@" + u["episode_start"].dt.strftime("%Y-%m-%d")
        frame = pd.DataFrame({"subject": subj, "start": u["episode_start"], "end": u["ep_end_date"].where(u["ep_end"]), "year": u["year"]})
        starts = frame.drop_duplicates("subject")
        per = frame.groupby("subject").agg(end=("end", "min"), last=("year", "max"))
        # An episode that stops being coded in the class without an end date (its foreign parties left,
        # so it is no longer internationalised) leaves the class on 31 December of its last year.
        last_year = int(u["year"].max())
        left = per["end"].isna() & (per["last"] < last_year)
        per.loc[left, "end"] = pd.to_datetime(per.loc[left, "last"].astype(str) + "-12-31")
        ends = per[per["end"].notna()].reset_index().rename(columns={"subject": "subject"})
        occ = pd.concat([_occ(starts["start"], starts["subject"], "start"), _occ(ends["end"], ends["subject"], "event")], ignore_index=True)
        return self._data(occ, sorted(starts["subject"]), "1946-01-01", "2022-12-31", eligibility="open")


class MissileTest(QuestionClass):
    """``missile-test`` / ``icbm-test``: does North Korea flight-test a missile (an ICBM) within H months?

    CNS/NTI database, each test dated by its UTC day; subject ``PRK``; context: all tests (``any-test``).
    Origins monthly from 1993.
    """

    source = "CNS North Korea Missile Test Database"
    step = 1
    context = ("any-test",)
    default_first = "1993-01-01"

    def __init__(self, icbm: bool) -> None:
        self.icbm = icbm
        self.name = "icbm-test" if icbm else "missile-test"  # type: ignore[misc]
        self.title = "North Korea tests an ICBM" if icbm else "North Korea tests a missile"  # type: ignore[misc]

    def build(self, inputs: Inputs, first_origin: pd.Timestamp) -> ClassData:
        """Tests as occurrences of subject PRK."""
        from detente.history import load_missile_tests

        t = load_missile_tests(None, inputs.data)
        t = t[t["date"].notna()]
        hit = t[t["missile_type"] == "ICBM"] if self.icbm else t
        prk = pd.Series("PRK", index=t.index)
        occ = pd.concat([_occ(hit["date"], prk[hit.index], "event"), _occ(t["date"], prk, "any-test")], ignore_index=True)
        return self._data(occ, ["PRK"], "1984-04-09", "2023-08-31")


class LeaderVisit(QuestionClass):
    """``leader-visit``: a US president or secretary of state visits X, or a leader of X visits the US.

    Subjects ``USA->X`` (the trip abroad) and ``X->USA`` (the foreign leader's visit).

    Office of the Historian tables, each trip dated by its first day. Subjects: both directions for every
    state with a COW NMC record in the year before the first origin. Context: visits the other way
    (``rev``). Origins every 6 months from 2005.
    """

    name = "leader-visit"
    title = "US president/secretary of state visits X, or X's leader visits the US"
    source = "Office of the Historian: presidential and secretary-of-state travels; foreign leaders' visits"
    step = 6
    context = ("rev",)
    default_first = "2005-01-01"

    def build(self, inputs: Inputs, first_origin: pd.Timestamp) -> ClassData:
        """Trips both ways as occurrences of directed subjects."""
        from detente.history import load_leader_visits, load_us_travels

        out_t = load_us_travels(None, inputs.data).dropna(subset=["iso3", "date"])
        in_t = load_leader_visits(None, inputs.data).dropna(subset=["iso3", "date"])
        out_t = out_t[out_t["iso3"] != "USA"]
        in_t = in_t[in_t["iso3"] != "USA"]
        occ = pd.concat(
            [
                _occ(out_t["date"], "USA->" + out_t["iso3"], "event"),
                _occ(in_t["date"], in_t["iso3"] + "->USA", "event"),
                _occ(out_t["date"], out_t["iso3"] + "->USA", "rev"),
                _occ(in_t["date"], "USA->" + in_t["iso3"], "rev"),
            ],
            ignore_index=True,
        )
        states = [s for s in inputs.states(first_origin.year - 1) if s != "USA"]
        subjects = [f"USA->{s}" for s in states] + [f"{s}->USA" for s in states]
        return self._data(occ, subjects, "1946-01-01", "2023-08-31")


class UnscResolution(QuestionClass):
    """``unsc-resolution``: does the Security Council adopt a resolution on country X?

    Meetings table (UN library, ~5 % of resolutions missing): a resolution is on X when its meeting's
    agenda item names X (country names, synonyms, adjectives). Subjects: every state with a COW NMC
    record in the year before the first origin. Context: meetings on X (``meeting``). Origins every 6 months.
    """

    name = "unsc-resolution"
    title = "the Security Council adopts a resolution on X"
    source = "UN Security Council meetings 1946–2017 (Dag Hammarskjöld Library)"
    step = 6
    context = ("meeting",)
    default_first = "1995-01-01"

    def build(self, inputs: Inputs, first_origin: pd.Timestamp) -> ClassData:
        """Adopted resolutions and meetings per named country."""
        from detente.history import load_unsc_meetings

        m = load_unsc_meetings(None, inputs.data).dropna(subset=["date"])
        m = m.explode("countries").dropna(subset=["countries"])
        res = m[m["adopted"]]
        occ = pd.concat([_occ(res["date"], res["countries"], "event"), _occ(m["date"], m["countries"], "meeting")], ignore_index=True)
        return self._data(occ, inputs.states(first_origin.year - 1), "1946-01-01", "2017-12-31")


class NewAlliance(QuestionClass):
    """``new-alliance``: does a politically relevant dyad take on a new defence or consultation obligation?

    ATOP 5.1 directed dyad-years: a dyad-year with a defence or consultation obligation (either
    direction) after a year without one. ATOP is yearly, so the new obligation is dated 31 December of
    its year, origins are 1 January each year and horizons 12 and 24 months. Subjects: politically
    relevant dyads. Context: the dyad has any ATOP obligation that year (``any-obligation``).
    """

    name = "new-alliance"
    title = "new defence or consultation obligation in a dyad"
    source = "ATOP 5.1 directed dyad-years"
    step = 12
    context = ("any-obligation",)
    horizons = (12, 24)
    default_first = "1995-01-01"

    def build(self, inputs: Inputs, first_origin: pd.Timestamp) -> ClassData:
        """New obligations per undirected dyad, dated 31 December."""
        from detente.history import load_atop

        a = load_atop(None, inputs.data)
        a = a[a["iso3_1"].notna() & a["iso3_2"].notna() & (a["iso3_1"] != a["iso3_2"])]
        dyad = pd.Series(["-".join(sorted(p)) for p in zip(a["iso3_1"], a["iso3_2"], strict=True)], index=a.index, dtype=object)
        frame = pd.DataFrame(
            {
                "subject": dyad,
                "year": a["year"],
                "date": a["date"],
                "oblig": (a["atop_defense"] == 1) | (a["atop_consul"] == 1),
                "any": a[["atop_defense", "atop_offense", "atop_neutral", "atop_nonagg", "atop_consul"]].sum(axis=1) > 0,
            }
        )
        per = frame.groupby(["subject", "year"]).agg(date=("date", "first"), oblig=("oblig", "any"), any=("any", "any")).reset_index()
        per = per.sort_values(["subject", "year"])
        prev_year = per.groupby("subject")["year"].shift(1)
        prev_ob = per.groupby("subject")["oblig"].shift(1).fillna(False).astype(bool)
        had = prev_ob & (prev_year == per["year"] - 1)
        new = per[per["oblig"] & ~had]
        occ = pd.concat([_occ(new["date"], new["subject"], "event"), _occ(per.loc[per["any"], "date"], per.loc[per["any"], "subject"], "any-obligation")], ignore_index=True)
        return self._data(occ, inputs.relevant_dyads(first_origin), "1816-01-01", "2018-12-31")


DEFAULT_CLASSES = (
    "dyad-event:ASSAULT",
    "dyad-event:THREATEN",
    "dyad-event:CONSULT",
    "mid-onset-4",
    "mid-onset-3",
    "conflict-onset",
    "conflict-termination",
    "missile-test",
    "icbm-test",
    "leader-visit",
    "unsc-resolution",
    "new-alliance",
)
"""The classes of the default run."""

FIXED = {
    "mid-onset-4": lambda: MidOnset(4),
    "mid-onset-3": lambda: MidOnset(3),
    "conflict-onset": ConflictOnset,
    "conflict-termination": ConflictTermination,
    "missile-test": lambda: MissileTest(False),
    "icbm-test": lambda: MissileTest(True),
    "leader-visit": LeaderVisit,
    "unsc-resolution": UnscResolution,
    "new-alliance": NewAlliance,
}


def class_names() -> list[str]:
    """Every stable class name (``dyad-event:<TYPE>`` for each of the 16 PLOVER types)."""
    return [*(f"dyad-event:{t}" for t in EventType.__members__), *FIXED]


def get_class(name: str) -> QuestionClass:
    """The question class of a stable name.

    Raises:
        InputError: an unknown name (the message lists the known ones).
    """
    key = name.strip()
    if key.startswith("dyad-event:"):
        return DyadEvent(key.split(":", 1)[1].strip().upper())
    if key in FIXED:
        return FIXED[key]()
    raise InputError(
        f"--classes: unknown question class '{key}' (fix: use dyad-event:<PLOVER type> or one of {', '.join(FIXED)})"
    )
