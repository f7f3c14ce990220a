"""Fit what data can fit for the escalation engine, using only data up to a scenario's as-of date.

``fit(history_dir)`` reads the public history tables (the data directory's ``history/``) and returns the values the
engine uses as defaults: event-type intercepts and initial dyadic tension from ICEWS (1 January –
25 February 2018), North Korean test rates from the CNS missile-test history, the monthly hazard of the use
of force in a strategic rivalry from COW MID 5.0 and the Thompson–Dreyer rivalries, alliance obligations
from ATOP 5.1 and capability shares from COW NMC and SIPRI. The derived numbers (not the data) ship as
``detente/data/calibration/escalation.json``.

References:
    - Boschee et al. (2015). ICEWS Coded Event Data. doi:10.7910/DVN/28075.
    - Palmer et al. (2021). The MID5 dataset, 2011–2014. CMPS 39(4).
    - Thompson & Dreyer (2012). *Handbook of International Rivalries*. CQ Press.
    - Leeds et al. (2002). Alliance Treaty Obligations and Provisions. International Interactions 28.
    - Singer, Bremer & Stuckey (1972); NMC v7. SIPRI Military Expenditure Database.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from detente.ontology import EventType

AS_OF = dt.date(2018, 2, 26)
"""The korea-2018 as-of date: no data on or after it is used."""

LATEST_AS_OF = dt.date(2023, 9, 1)
"""The eurasia-2023 as-of date: the war table runs to the year before it."""

ICEWS_TO_ISO = {"ROK": "KOR"}
"""ICEWS writes South Korea as ROK; scenarios use ISO 3166 alpha-3 (KOR)."""
COUNTRIES = ("USA", "PRK", "KOR", "CHN", "RUS", "JPN")
TENSION_SCALE = 3.0
"""Initial tension = TENSION_SCALE × the conflictual share of a dyad's Goldstein mass (assumption)."""
NUCLEAR_TESTS = ("2006-10-09", "2009-05-25", "2013-02-12", "2016-01-06", "2016-09-09", "2017-09-03")
"""North Korea's six nuclear tests before the as-of date (CTBTO / USGS public record)."""
COW = {2: "USA", 365: "RUS", 710: "CHN", 731: "PRK", 732: "KOR", 740: "JPN", 200: "GBR", 369: "UKR", 900: "AUS"}
SIPRI = {
    "United States of America": "USA",
    "Russia": "RUS",
    "China": "CHN",
    "Korea, North": "PRK",
    "Korea, South": "KOR",
    "Japan": "JPN",
}


def _need(path: Path) -> Path:
    if not path.exists():
        from detente.datadir import DataMissingError, how_to_get

        raise DataMissingError(f"{path}: history file not found (fix: {how_to_get('history')})")
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    path = _need(path)
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8", newline="") as gz:
            return list(csv.DictReader(gz))
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def fit(history: Path, as_of: dt.date = AS_OF) -> dict[str, Any]:
    """Fit every calibrated value from the history tables; the result is the packaged JSON.

    Args:
        history: The folder with the history tables.
        as_of: Only data strictly before this date is used.

    Returns:
        ``{"as_of": …, "values": {name: {"value": …, "source": …, "method": …}}}``.
    """
    history = Path(history)
    values: dict[str, Any] = {}
    values.update(_fit_icews(history, as_of))
    values.update(_fit_tests(history, as_of))
    values.update(_fit_mid(history, as_of))
    values.update(_fit_atop(history, as_of))
    values.update(_fit_capabilities(history, as_of))
    # Wars are looked up by year: a scenario reads only the year before its own as-of date.
    values.update(_fit_wars(history, max(as_of, LATEST_AS_OF)))
    values.update(_fit_war_termination(history, (as_of.year - 1, max(as_of, LATEST_AS_OF).year - 1)))
    values.update(_fit_test_trend(history, sorted({as_of, max(as_of, LATEST_AS_OF)})))
    return {"as_of": as_of.isoformat(), "generated_by": "detente calibrate", "values": values}


def _fit_icews(history: Path, as_of: dt.date) -> dict[str, Any]:
    rows = _rows(history / "icews18_korea_events_2018-01-01_2018-02-25.csv")
    types_in: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    mass: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    months: set[str] = set()
    for r in rows:
        if dt.date.fromisoformat(r["date"]) >= as_of:
            continue
        a = ICEWS_TO_ISO.get(r["subj_ctry"], r["subj_ctry"])
        b = ICEWS_TO_ISO.get(r["obj_ctry"], r["obj_ctry"])
        if a == b or a not in COUNTRIES or b not in COUNTRIES:
            continue
        month = r["date"][:7]
        months.add(month)
        if r["plover"] in EventType.__members__:
            types_in[(a, b, month)].add(r["plover"])
        g = float(r["goldstein"])
        m = mass[(a, b)]
        m[0] += max(0.0, -g)
        m[1] += abs(g)
        m[2] += 1
    cells = len(COUNTRIES) * (len(COUNTRIES) - 1) * len(months)
    with_type: Counter[str] = Counter()
    for ts in types_in.values():
        with_type.update(ts)
    p_none = max(cells - len(types_in), 0.5) / cells
    total = sum(with_type.values())
    logodds = {}
    for t in EventType:
        share = (with_type.get(t.value, 0) + 0.5) / (total + 8.0) * (1 - p_none)
        logodds[t.value] = round(math.log(share / p_none), 4)
    tension = {
        f"{a}->{b}": round(TENSION_SCALE * m[0] / m[1], 4)
        for (a, b), m in sorted(mass.items())
        if m[2] >= 5 and m[1] > 0
    }
    src = "ICEWS 2018 events among USA, PRK, KOR, CHN, RUS, JPN, 1 Jan – 25 Feb 2018 (Boschee et al.)"
    return {
        "type_logodds": {
            "value": logodds,
            "source": src,
            "method": "log(share of dyad-months with the type / share with no coded event); shares normalised to one action per dyad-month",
        },
        "no_event_share": {"value": round(p_none, 4), "source": src, "method": "dyad-months without a PLOVER-coded event"},
        "tension0": {
            "value": tension,
            "source": src,
            "method": f"{TENSION_SCALE} × conflictual share of the dyad's Goldstein mass (dyads with ≥ 5 events)",
        },
    }


def _date(text: str) -> dt.date | None:
    """A date from ``YYYY-MM-DD`` (or ``YYYY-MM``, read as the first of the month); None if unreadable."""
    try:
        return dt.date.fromisoformat(text if len(text) == 10 else text + "-01")
    except ValueError:
        return None


def _fit_tests(history: Path, as_of: dt.date) -> dict[str, Any]:
    rows = _rows(history / "nk_missile_tests_to_2018-02-25.csv")
    start = dt.date(2016, 1, 1)
    n_months = (as_of.year - start.year) * 12 + as_of.month - start.month + 1
    any_m: set[str] = set()
    by_type: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        d = _date(r["date"])
        if d is None or not start <= d < as_of:
            continue
        any_m.add(r["date"][:7])
        by_type[r["missile_type"]].add(r["date"][:7])
    nuc = {s[:7] for s in NUCLEAR_TESTS if start <= dt.date.fromisoformat(s) < as_of}
    src = "CNS North Korea Missile Test Database (nagix/nk-missile-tests), Jan 2016 – Feb 2018"

    def rate(months: set[str]) -> float:
        return round((len(months) + 0.5) / (n_months + 1.0), 4)

    return {
        "prk_test_month_rate": {"value": rate(any_m), "source": src, "method": "share of months with ≥ 1 missile test (Jeffreys-smoothed)"},
        "prk_icbm_month_rate": {"value": rate(by_type.get("ICBM", set())), "source": src, "method": "share of months with an ICBM test"},
        "prk_slbm_month_rate": {"value": rate(by_type.get("SLBM", set())), "source": src, "method": "share of months with an SLBM test"},
        "prk_slv_month_rate": {"value": rate(by_type.get("SLV", set())), "source": src, "method": "share of months with a satellite launch (SLV)"},
        "prk_nuclear_month_rate": {"value": rate(nuc), "source": "CTBTO/USGS record of DPRK nuclear tests, Jan 2016 – Feb 2018", "method": "share of months with a nuclear test"},
    }


def _fit_mid(history: Path, as_of: dt.date) -> dict[str, Any]:
    mids = _rows(history / "cow_mid_v5_0_dyadic_dispute_years_1816_2014.csv")
    rivals = _rows(history / "thompson_dreyer_strategic_rivalries_1494_2010.csv")
    lo_year = 1946
    hi_year = min(2010, as_of.year - 1)
    spans: dict[frozenset[int], list[tuple[int, int]]] = defaultdict(list)
    dyad_years = 0
    for r in rivals:
        a, b = int(r["ccode1"]), int(r["ccode2"])
        s, e = max(int(r["styear"]), lo_year), min(int(r["endyear"]), hi_year)
        if e >= s:
            spans[frozenset((a, b))].append((s, e))
            dyad_years += e - s + 1
    force_onsets = 0
    n_disp = n_force = n_war = 0
    seen: set[tuple[str, frozenset[int]]] = set()
    for r in mids:
        year = int(r["year"])
        if year >= as_of.year:
            continue
        hl = int(r["hostlev"])
        n_disp += 1
        n_force += hl >= 4
        n_war += hl == 5
        key = frozenset((int(r["ccode1"]), int(r["ccode2"])))
        if lo_year <= year <= hi_year and hl >= 4 and r["cowmidonset"] == "1" and key in spans:
            tag = (r["dispnum"], key)
            if tag not in seen and any(s <= year <= e for s, e in spans[key]):
                seen.add(tag)
                force_onsets += 1
    hazard = force_onsets / max(dyad_years, 1) / 12.0
    src = "COW MID 5.0 dyadic dispute-years and Thompson–Dreyer strategic rivalries, 1946–2010"
    return {
        "force_hazard_rival": {
            "value": round(hazard, 5),
            "source": src,
            "method": "onsets of disputes reaching the use of force (hostility ≥ 4) per rival dyad-month",
        },
        "escalation_force_share": {
            "value": round(n_force / n_disp, 4),
            "source": "COW MID 5.0 dyadic dispute-years, 1816–2014",
            "method": "share of dispute dyad-years reaching the use of force (hostility ≥ 4)",
        },
        "escalation_war_share": {
            "value": round(n_war / n_disp, 4),
            "source": "COW MID 5.0 dyadic dispute-years, 1816–2014",
            "method": "share of dispute dyad-years reaching war (hostility 5)",
        },
    }


def _fit_atop(history: Path, as_of: dt.date) -> dict[str, Any]:
    rows = _rows(history / "atop_v5_1_directed_dyadyear_with_obligation_1815_2018.csv.gz")
    year = min(as_of.year, 2018)
    out: dict[str, str] = {}
    order = ("atop_defense", "atop_offense", "atop_consul", "atop_neutral", "atop_nonagg")
    names = {"atop_defense": "defence", "atop_offense": "offence", "atop_consul": "consultation", "atop_neutral": "neutrality", "atop_nonagg": "non-aggression"}
    for r in rows:
        if int(r["year"]) != year:
            continue
        a, b = COW.get(int(r["ccode1"])), COW.get(int(r["ccode2"]))
        if a is None or b is None:
            continue
        for col in order:
            if r[col] == "1":
                out[f"{a}->{b}"] = names[col]
                break
    return {
        "alliances": {
            "value": dict(sorted(out.items())),
            "source": f"ATOP 5.1 directed dyad-years, {year}",
            "method": "strongest obligation per directed dyad (defence > offence > consultation > neutrality > non-aggression)",
        }
    }


def _fit_wars(history: Path, as_of: dt.date) -> dict[str, Any]:
    rows = _rows(history / "ucdp_acd_v25_1_conflict_years_1946_2022.csv")
    wars: dict[str, list[str]] = defaultdict(list)
    starts: dict[str, dict[str, str]] = defaultdict(dict)
    for r in rows:
        year = int(float(r["year"]))
        if year >= as_of.year or year < 2000 or r["type_of_conflict"] != "interstate":
            continue
        if float(r["intensity_level"] or 0) < 2 or (r["ep_end"] and float(r["ep_end"]) == 1):
            continue
        a, b = COW.get(int(float(r["gwno_a"]))), COW.get(int(float(r["gwno_b"] or 0)))
        if a and b:
            wars[str(year)].append("-".join(sorted((a, b))))
            starts[str(year)]["-".join(sorted((a, b)))] = r["start_date2"]
    return {
        "wars": {
            "value": {y: sorted(set(v)) for y, v in sorted(wars.items())},
            "source": "UCDP/PRIO Armed Conflict Dataset 25.1, interstate conflict-years 2000 onwards",
            "method": "dyads in an interstate war (≥ 1,000 battle deaths) still active at the end of the year",
        },
        "war_starts": {
            "value": {y: dict(sorted(v.items())) for y, v in sorted(starts.items())},
            "source": "UCDP/PRIO Armed Conflict Dataset 25.1, interstate conflict-years 2000 onwards",
            "method": "start of the active episode (start_date2) of each dyad in the wars table (its age sets its ceasefire hazard)",
        },
    }


def _fit_test_trend(history: Path, as_ofs: list[dt.date]) -> dict[str, Any]:
    """E08's test-rate trend per as-of date: :func:`detente.calibrate.trend.prk_test_trend`, the fit both engines use."""
    from detente.calibrate.trend import METHOD, SOURCE_TEXT, TREND_YEARS, prk_test_trend

    value: dict[str, dict[str, Any]] = {}
    notes = []
    for a in as_ofs:
        f = prk_test_trend(a, Path(history).parent).to_dict()
        value[a.isoformat()] = {"trend": f["mean"], "se": f["se"], "window": f["window"], "months": f["n_months"], "test_days": f["n"]}
        notes.append(f"before {a.isoformat()}: {f['n']} test days in {f['n_months']} months, b = {f['mean']} (se {f['se']})")
    return {
        "prk_test_trend": {
            "value": value,
            "source": f"{SOURCE_TEXT}, the {TREND_YEARS} years before each as-of date",
            "method": METHOD + "; " + "; ".join(notes),
        }
    }


MONTH_DAYS = 365.25 / 12
"""Days in a month (durations in months)."""


def war_episodes(history: Path, last_year: int) -> list[tuple[float, bool]]:
    """UCDP/PRIO interstate conflict episodes seen up to ``last_year``: (duration in months, ended).

    An episode is a conflict's run of active years from ``start_date2`` (the episode's start) to
    ``ep_end_date``; one still active in ``last_year`` is right-censored at 31 December of that year.
    """
    rows = _rows(history / "ucdp_acd_v25_1_conflict_years_1946_2022.csv")
    eps: dict[tuple[str, str], str | None] = {}
    for r in rows:
        if r["type_of_conflict"] not in ("interstate", "2") or int(float(r["year"])) > last_year:
            continue
        key = (r["conflict_id"], r["start_date2"])
        ended = r["ep_end"] and float(r["ep_end"]) == 1 and r["ep_end_date"]
        eps[key] = r["ep_end_date"] if ended else eps.get(key)
    out = []
    for (_cid, start), end in sorted(eps.items()):
        s = dt.date.fromisoformat(start)
        e = dt.date.fromisoformat(end) if end else dt.date(last_year, 12, 31)
        out.append((max((e - s).days, 1) / MONTH_DAYS, end is not None))
    return out


MAJOR_POWERS = {2: (1946, 9999), 200: (1946, 9999), 220: (1946, 9999), 365: (1946, 9999), 710: (1950, 9999), 255: (1991, 9999), 740: (1991, 9999)}
"""COW major powers after 1945 (Correlates of War, State System Membership 2016): the United States,
the United Kingdom, France, the Soviet Union/Russia, China from 1950, Germany and Japan from 1991."""
MAJOR_ISO3 = frozenset({"USA", "GBR", "FRA", "RUS", "CHN", "DEU", "JPN"})
"""The same powers by ISO 3166 alpha-3 (a scenario's actors), as of the scenarios' dates."""


def _codes(*cells: str) -> set[int]:
    out: set[int] = set()
    for cell in cells:
        for x in cell.split(","):
            if x.strip():
                out.add(int(float(x)))
    return out


def war_class(great_power: bool, war_size: bool | None) -> str:
    """A war's reference class by great-power involvement and size (None: unknown, pooled over sizes).

    One of ``gp-war``, ``gp-minor``, ``other-war``, ``other-minor``, ``gp-any``, ``other-any``.
    """
    size = "any" if war_size is None else ("war" if war_size else "minor")
    return f"{'gp' if great_power else 'other'}-{size}"


def war_episode_classes(history: Path, last_year: int) -> list[tuple[float, bool, bool, bool]]:
    """UCDP/PRIO interstate episodes seen up to ``last_year`` with their class.

    Rows: (duration in months, ended, great power involved, war-size). A great power is *involved* when a
    COW major power of that year is a primary or secondary party (``gwno_a``, ``gwno_b``, ``gwno_a_2nd``,
    ``gwno_b_2nd``) in any year of the episode; an episode is *war-size* when it reached UCDP intensity 2
    (≥ 1,000 battle deaths in a year) in a year up to ``last_year``. Durations and censoring are those of
    :func:`war_episodes`.
    """
    rows = _rows(history / "ucdp_acd_v25_1_conflict_years_1946_2022.csv")
    gp: dict[tuple[str, str], bool] = defaultdict(bool)
    big: dict[tuple[str, str], bool] = defaultdict(bool)
    for r in rows:
        year = int(float(r["year"]))
        if r["type_of_conflict"] not in ("interstate", "2") or year > last_year:
            continue
        key = (r["conflict_id"], r["start_date2"])
        parties = _codes(r["gwno_a"], r["gwno_b"], r["gwno_a_2nd"], r["gwno_b_2nd"])
        gp[key] |= any(c in MAJOR_POWERS and MAJOR_POWERS[c][0] <= year <= MAJOR_POWERS[c][1] for c in parties)
        big[key] |= float(r["intensity_level"] or 0) >= 2
    keys = sorted(gp)
    eps = war_episodes(history, last_year)
    return [(d, e, gp[k], big[k]) for (d, e), k in zip(eps, keys, strict=True)]


def weibull_strata(strata: dict[str, list[tuple[float, bool]]]) -> tuple[float, dict[str, float]]:
    """Weibull MLE with one shape k shared by the strata and a scale per stratum (censored durations).

    The profile log-likelihood in k is Σ_c [n_c·log k − n_c·log(Σ_i t_i^k / n_c) + (k − 1)·Σ log t_e − n_c]
    over strata with events; each stratum's cumulative hazard is ``λ_c·t^k`` with ``λ_c = n_c / Σ_i t_i^k``.

    Returns:
        (k, {stratum: λ_c}); a stratum without an ended episode gets λ = 0.
    """
    live = {c: e for c, e in strata.items() if any(ended for _, ended in e)}

    def loglik(k: float) -> float:
        total = 0.0
        for eps in live.values():
            n = sum(1 for _, ended in eps if ended)
            total += n * math.log(k) - n * math.log(sum(d**k for d, _ in eps) / n)
            total += (k - 1) * sum(math.log(d) for d, ended in eps if ended) - n
        return total

    k = _golden_max(loglik)
    lam = {c: (sum(1 for _, e in eps if e) / sum(d**k for d, _ in eps) if c in live else 0.0) for c, eps in strata.items()}
    return k, lam


def _golden_max(f: Callable[[float], float], lo: float = 0.05, hi: float = 5.0, steps: int = 80) -> float:
    """The maximiser of a unimodal ``f`` on ``[lo, hi]`` by golden-section search (a Weibull shape's profile likelihood)."""
    g = (math.sqrt(5) - 1) / 2
    for _ in range(steps):
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
        if f(a) > f(b):
            hi = b
        else:
            lo = a
    return (lo + hi) / 2


def weibull_shape(episodes: list[tuple[float, bool]]) -> float:
    """Maximum-likelihood Weibull shape k of censored durations (profile likelihood, golden section)."""
    t = [d for d, _ in episodes]
    ev = [d for d, e in episodes if e]
    n = len(ev)
    slog = sum(math.log(d) for d in ev)

    def loglik(k: float) -> float:
        scale_k = sum(x**k for x in t) / n  # MLE of scale^k given k
        return n * math.log(k) - n * math.log(scale_k) + (k - 1) * slog - n

    return _golden_max(loglik)


def _fit_war_termination(history: Path, years: tuple[int, ...]) -> dict[str, Any]:
    value: dict[str, float] = {}
    weibull: dict[str, dict[str, float]] = {}
    notes = []
    for y in sorted(set(years)):
        eps = war_episodes(history, y)
        ended = sum(e for _, e in eps)
        exposure = sum(d for d, _ in eps)
        rate = ended / exposure
        value[str(y)] = round(1.0 - math.exp(-rate), 4)
        k = weibull_shape(eps)
        lam = ended / sum(d**k for d, _ in eps)  # MLE of scale^-k given k: H(t) = lam·t^k
        weibull[str(y)] = {"first_month": round(1.0 - math.exp(-lam), 4), "shape": round(k, 4)}
        med = sorted(d for d, _ in eps)[len(eps) // 2]
        notes.append(
            f"to {y}: {len(eps)} episodes, {ended} ended, {exposure:.0f} episode-months, median {med:.1f} "
            f"months; Weibull shape k = {k:.2f}"
        )
    classes: dict[str, dict[str, dict[str, float]]] = {}
    class_notes = []
    for y in sorted(set(years)):
        rows = war_episode_classes(history, y)
        by_size: dict[str, list[tuple[float, bool]]] = defaultdict(list)
        by_gp: dict[str, list[tuple[float, bool]]] = defaultdict(list)
        for d, e, g, big in rows:
            by_size[war_class(g, big)].append((d, e))
            by_gp[war_class(g, None)].append((d, e))
        table: dict[str, dict[str, float]] = {}
        for strata in (by_size, by_gp):
            k, lam = weibull_strata(strata)
            for c, eps in sorted(strata.items()):
                table[c] = {
                    "first_month": round(1.0 - math.exp(-lam[c]), 4),
                    "shape": round(k, 4),
                    "episodes": len(eps),
                    "ended": sum(1 for _, e in eps if e),
                    "months": round(sum(d for d, _ in eps), 1),
                }
        classes[str(y)] = dict(sorted(table.items()))
        class_notes.append(
            f"to {y}: " + ", ".join(f"{c} {v['episodes']:.0f} ({v['ended']:.0f} ended)" for c, v in sorted(table.items()))
        )
    return {
        "war_termination_classes": {
            "value": classes,
            "source": "UCDP/PRIO Armed Conflict Dataset 25.1, interstate conflict episodes 1946 to the year before the as-of date; COW major powers",
            "method": "Weibull MLE with right-censoring by reference class of comparable wars, one shape shared by the "
            "classes of a split and a scale per class: split by great-power involvement (a COW major power a primary "
            "or secondary party) × size (war = UCDP intensity 2, ≥ 1,000 battle deaths in a year; minor otherwise), "
            "and by great-power involvement alone (gp-any, other-any: a war begun in a run, whose size is unknown); "
            + "; ".join(class_notes),
        },
        "war_termination_hazard": {
            "value": value,
            "source": "UCDP/PRIO Armed Conflict Dataset 25.1, interstate conflict episodes 1946 to the year before the as-of date",
            "method": "exponential (constant-hazard) MLE with right-censoring: 1 − exp(−ended / episode-months), "
            "by last year of data; " + "; ".join(notes) + " (k < 1: the hazard falls with duration, so a "
            "constant hazard overstates the termination of an old war)",
        },
        "war_termination_weibull": {
            "value": weibull,
            "source": "UCDP/PRIO Armed Conflict Dataset 25.1, interstate conflict episodes 1946 to the year before the as-of date",
            "method": "Weibull MLE with right-censoring (profile likelihood in the shape k): cumulative hazard "
            "H(t) = λ·t^k in months; first_month = 1 − exp(−λ), the probability that a war ends in its first "
            "month; in month a+1 it ends with 1 − (1 − first_month)^((a+1)^k − a^k)",
        },
    }


def _fit_capabilities(history: Path, as_of: dt.date) -> dict[str, Any]:
    nmc = _rows(history / "cow_nmc_v7_0_1816_2022.csv")
    year = as_of.year - 1
    cinc = {COW[int(r["ccode"])]: float(r["cinc"]) for r in nmc if int(r["year"]) == year and int(r["ccode"]) in COW and r["cinc"]}
    sipri = _rows(history / "sipri_milex_subset_12countries_1990_2022.csv")
    milex = {SIPRI[r["country"]]: float(r["milex_current_usd_m"]) for r in sipri if int(r["year"]) == year and r["country"] in SIPRI and r["milex_current_usd_m"]}
    tot = sum(milex.values())
    return {
        "cinc": {"value": {k: round(v, 5) for k, v in sorted(cinc.items())}, "source": f"COW NMC v7.0, {year}", "method": "composite index of national capability (world share)"},
        "milex_share": {
            "value": {k: round(v / tot, 4) for k, v in sorted(milex.items())},
            "source": f"SIPRI Military Expenditure Database, {year} (current USD)",
            "method": "share of the six Korea-2018 countries' combined military spending",
        },
    }
