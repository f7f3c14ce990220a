"""Yearly covariates of dyads and countries: rivalry, alliance, capabilities, major-power status.

Each comes from a yearly table dated 31 December, so a forecast at origin O reads the year O.year − 1
(the last year over before O), or the table's last year if that is earlier (what was known then).

References:
    - Thompson & Dreyer (2012). *Handbook of International Rivalries*. CQ Press.
    - Leeds et al. (2002). Alliance Treaty Obligations and Provisions. International Interactions 28.
    - Singer, Bremer & Stuckey (1972); COW National Material Capabilities v7.0.
    - Lemke & Reed (2001). The relevance of politically relevant dyads. JCR 45(1).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

MAJOR_POWERS = frozenset({"USA", "RUS", "CHN", "GBR", "FRA", "DEU", "JPN"})
"""COW major powers since 1991 (the state-system membership's major-power list)."""


def parse_subject(subject: str) -> tuple[str | None, str | None]:
    """The two countries of a dyad subject (``USA->CHN``, ``CHN-USA``), or (country, None), or (None, None)."""
    s = str(subject)
    for sep in ("->", "-"):
        if sep in s:
            a, _, b = s.partition(sep)
            if len(a) == 3 and len(b) == 3 and a.isalpha() and b.isalpha():
                return a, b
    if len(s) == 3 and s.isalpha():
        return s, None
    return None, None


@dataclass(frozen=True)
class Covariates:
    """Yearly lookups built once from the history loaders.

    Attributes:
        rivalry: (a, b) sorted → list of (first year, last year known).
        alliance: (a, b, year) sorted → 1 if either side has a defence obligation to the other.
        cinc: (country, year) → CINC share.
        years: last year of each table (``atop``, ``nmc``, ``rivalry``).
    """

    rivalry: dict[tuple[str, str], list[tuple[int, int]]]
    alliance: frozenset[tuple[str, str, int]]
    cinc: dict[tuple[str, int], float]
    years: dict[str, int]
    names: tuple[str, ...] = ("rival", "defence_ally", "log_cap_ratio", "log_cinc_a", "log_cinc_b", "major_a", "major_b", "is_dyad")

    def lookup(self, subjects: np.ndarray, years: np.ndarray) -> np.ndarray:
        """Covariate rows for subjects, each read for its year (clamped to the table's last year)."""
        keys = pd.MultiIndex.from_arrays([pd.Index(subjects, dtype=object), pd.Index(years, dtype="int64")])
        codes, uniques = pd.factorize(keys)
        rows = np.array([self._one(str(s), int(y)) for s, y in uniques]).reshape(len(uniques), len(self.names))
        return rows[codes] if len(codes) else np.zeros((0, len(self.names)))

    def _one(self, subject: str, year: int) -> np.ndarray:
        a, b = parse_subject(subject)
        row = np.zeros(len(self.names))
        if a is None:
            return row
        y_nmc = min(year, self.years["nmc"])
        ca = self.cinc.get((a, y_nmc), 1e-5)
        row[3] = np.log(max(ca, 1e-5))
        row[5] = a in MAJOR_POWERS
        if b is None:
            return row
        pair = (a, b) if a < b else (b, a)
        y_riv = min(year, self.years["rivalry"])
        row[0] = any(s <= y_riv <= e for s, e in self.rivalry.get(pair, []))
        row[1] = (pair[0], pair[1], min(year, self.years["atop"])) in self.alliance
        cb = self.cinc.get((b, y_nmc), 1e-5)
        row[2] = np.log(max(ca, 1e-5) / max(cb, 1e-5))
        row[4] = np.log(max(cb, 1e-5))
        row[6] = b in MAJOR_POWERS
        row[7] = 1.0
        return row


def build_covariates(data: str | Path | None = None) -> Covariates:
    """Covariates from the data directory's ATOP, NMC and rivalry tables."""
    from detente.history import load_atop, load_nmc, load_rivalries

    atop = load_atop(None, data)
    atop = atop[(atop["atop_defense"] == 1) & atop["iso3_1"].notna() & atop["iso3_2"].notna()]
    ally = frozenset(
        (min(a, b), max(a, b), int(y)) for a, b, y in zip(atop["iso3_1"], atop["iso3_2"], atop["year"], strict=True)
    )
    nmc = load_nmc(None, data)
    nmc = nmc[nmc["iso3"].notna() & nmc["cinc"].notna()]
    cinc = {(str(c), int(y)): float(v) for c, y, v in zip(nmc["iso3"], nmc["year"], nmc["cinc"], strict=True)}
    riv = load_rivalries(None, data)
    rivalry: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for a, b, s, e in zip(riv["iso3_1"], riv["iso3_2"], riv["styear"], riv["endyear"], strict=True):
        if isinstance(a, str) and isinstance(b, str):
            rivalry.setdefault((min(a, b), max(a, b)), []).append((int(s), int(e)))
    years = {"atop": int(atop["year"].max()), "nmc": int(nmc["year"].max()), "rivalry": int(riv["endyear"].max())}
    return Covariates(rivalry=rivalry, alliance=ally, cinc=cinc, years=years)


def empty_covariates() -> Covariates:
    """Covariates with no data (every lookup gives zeros but the dyad flag): for tests and tiny tables."""
    return Covariates(rivalry={}, alliance=frozenset(), cinc={}, years={"atop": 0, "nmc": 0, "rivalry": 0})


__all__ = ["MAJOR_POWERS", "Covariates", "build_covariates", "empty_covariates", "parse_subject"]
