"""Country codes: COW and Gleditsch–Ward numbers, ISO 3166 alpha-3 codes and country names.

The crosswalk is read from the data directory's ``events/countryinfo_140728_capitals_synonyms.tsv``
(CountryInfo, MIT: ISO3, COW numeric code, the country's name, capitals and nationality synonyms) and
``events/ngec_countries.csv`` (NGEC, MIT: ISO3, the short English name and nationality words).
Gleditsch–Ward numbers equal COW's except for the few states listed in :data:`GW_OVERRIDES`.

References:
    - Schrodt, P. CountryInfo.txt (2014), philip-schrodt/CountryInfo.
    - Gleditsch & Ward (1999). A revised list of independent states since 1816. International Interactions 25.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from detente.datadir import require

COUNTRYINFO = "events/countryinfo_140728_capitals_synonyms.tsv"
NGEC = "events/ngec_countries.csv"

GW_OVERRIDES = {260: "DEU", 340: "SRB", 347: "XKX", 678: "YEM", 680: "YEM", 816: "VNM", 817: "VNM"}
"""Gleditsch–Ward numbers that differ from COW's (Germany, Serbia, Kosovo, the Yemens, the Vietnams)."""

COW_OVERRIDES = {2: "USA", 260: "DEU", 255: "DEU", 345: "SRB", 678: "YEM", 679: "YEM", 680: "YEM", 816: "VNM", 817: "VNM", 365: "RUS"}
"""COW numbers CountryInfo leaves blank (the USA) or that fold predecessor states into today's ISO3 code."""

EXTRA_NAMES = {
    "UNITED STATES": "USA",
    "SOVIET UNION": "RUS",
    "USSR": "RUS",
    "KOREA, SOUTH": "KOR",
    "KOREA, NORTH": "PRK",
    "REPUBLIC OF KOREA": "KOR",
    "SOUTH KOREA": "KOR",
    "NORTH KOREA": "PRK",
    "BURMA": "MMR",
    "CZECHOSLOVAKIA": "CZE",
    "YUGOSLAVIA": "SRB",
    "WEST GERMANY": "DEU",
    "FEDERAL REPUBLIC OF GERMANY": "DEU",
    "EAST GERMANY": "DDR",
    "GERMAN DEMOCRATIC REPUBLIC": "DDR",
    "VATICAN CITY": "VAT",
    "HOLY SEE": "VAT",
    "IVORY COAST": "CIV",
    "COTE D'IVOIRE": "CIV",
    "CONGO, DEMOCRATIC REPUBLIC OF THE": "COD",
    "DEMOCRATIC REPUBLIC OF THE CONGO": "COD",
    "CONGO, REPUBLIC OF THE": "COG",
    "REPUBLIC OF THE CONGO": "COG",
    "OCCUPIED PALESTINIAN TERRITORY": "PSE",
    "PALESTINIAN TERRITORY, OCCUPIED": "PSE",
    "PALESTINIAN AUTHORITY": "PSE",
    "PALESTINIAN TERRITORIES": "PSE",
    "MACEDONIA": "MKD",
    "NORTH MACEDONIA": "MKD",
    "EAST TIMOR": "TLS",
    "TIMOR-LESTE": "TLS",
    "ESWATINI": "SWZ",
    "SWAZILAND": "SWZ",
    "CABO VERDE": "CPV",
    "CZECHIA": "CZE",
    "TURKIYE": "TUR",
    "ROK": "KOR",
    "GERMANY, FEDERAL REPUBLIC OF": "DEU",
    "CHINA, PEOPLE'S REPUBLIC OF": "CHN",
    "CHINA, REPUBLIC OF": "TWN",
    "KOREA": "KOR",
    "DEMOCRATIC REPUBLIC OF THE CONGO (ZAIRE)": "COD",
    "ZAIRE": "COD",
    "BOSNIA HERZEGOVINA": "BIH",
    "U.S.S.R.": "RUS",
    "MACEDONIA, FORMER YUGOSLAV REPUBLIC OF": "MKD",
    "DAHOMEY (BENIN)": "BEN",
    "THE GAMBIA": "GMB",
    "UPPER VOLTA": "BFA",
    "SOMALI REPUBLIC": "SOM",
    "TANGANYIKA": "TZA",
    "DEMOCRATIC PEOPLE'S REPUBLIC OF KOREA": "PRK",
}
"""Names used by the history tables (Office of the Historian, SIPRI, ICEWS) that CountryInfo spells otherwise."""


def normalise(name: str) -> str:
    """Upper-case ASCII with single spaces: ``"Côte d’Ivoire "`` → ``"COTE D'IVOIRE"``."""
    text = str(name).replace("’", "'").replace("‘", "'")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.replace("_", " ").replace("-", " ")
    return re.sub(r"\s+", " ", text).strip().upper()


@dataclass(frozen=True, eq=False)
class Crosswalk:
    """Country codes and names, built once from CountryInfo.

    Attributes:
        by_cow: COW number → ISO3.
        by_name: normalised country name, nationality adjective, synonym or capital → ISO3 (unique ones only).
        names: ISO3 → the country's name as CountryInfo writes it.
    """

    by_cow: dict[int, str]
    by_name: dict[str, str]
    names: dict[str, str] = field(default_factory=dict)

    def cow(self, code: object) -> str | None:
        """ISO3 of a COW state number (None if unknown)."""
        try:
            num = int(float(str(code)))
        except ValueError:
            return None
        return COW_OVERRIDES.get(num) or self.by_cow.get(num)

    def gw(self, code: object) -> str | None:
        """ISO3 of a Gleditsch–Ward state number (None if unknown)."""
        try:
            num = int(float(str(code)))
        except ValueError:
            return None
        return GW_OVERRIDES.get(num) or self.cow(num)

    def name(self, text: object) -> str | None:
        """ISO3 of a country name or synonym (None if not a known country name)."""
        if text is None or (isinstance(text, float) and pd.isna(text)):
            return None
        key = normalise(str(text))
        return EXTRA_NAMES.get(key) or self.by_name.get(key)


@lru_cache(maxsize=8)
def _crosswalk(path: Path, ngec_path: Path) -> Crosswalk:
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    # "UNO" (the United Nations) and "---" rows are not states.
    table = table[table["iso3"].str.fullmatch(r"[A-Z]{3}") & (table["iso3"] != "UNO")]
    ngec = pd.read_csv(ngec_path, dtype=str, keep_default_na=False)
    by_cow: dict[int, str] = {}
    names: dict[str, str] = {}
    seen: dict[str, set[str]] = {}
    for row in table.itertuples(index=False):
        iso = row.iso3
        names[iso] = row.name.title()
        if row.cow_numeric.isdigit() and int(row.cow_numeric) > 0:
            by_cow.setdefault(int(row.cow_numeric), iso)
        words = [row.name, *row.capitals.split("|"), *row.nationality_and_synonyms.split("|")]
        for word in words:
            key = normalise(word)
            if len(key) >= 4:
                seen.setdefault(key, set()).add(iso)
    for iso, nat in zip(ngec["CCA3"], ngec["Nationality"], strict=True):
        for word in nat.split(","):
            key = normalise(word)
            if len(key) >= 4:
                seen.setdefault(key, set()).add(iso)
    by_name = {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}
    # A country's own name wins over a synonym another country shares.
    by_name.update({normalise(row.name): row.iso3 for row in table.itertuples(index=False)})
    by_name.update({normalise(n): iso for n, iso in zip(ngec["Name"], ngec["CCA3"], strict=True)})
    for n, iso in zip(ngec["Name"], ngec["CCA3"], strict=True):
        names.setdefault(iso, n)
    return Crosswalk(by_cow=by_cow, by_name=by_name, names=names)


def crosswalk(data: str | Path | None = None) -> Crosswalk:
    """The country crosswalk of the data directory (cached per file)."""
    return _crosswalk(require(COUNTRYINFO, data).resolve(), require(NGEC, data).resolve())
