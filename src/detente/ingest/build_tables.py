"""Derive the event coder's gazetteer and verb tables from the public dictionaries in ``events/``.

``detente data build`` runs this on the data directory's ``events/`` folder and writes the tables to its
``cache/gazetteer/`` (with a README carrying the dictionaries' licence); the coder reads only those::

    detente data build            # or: python -m detente.ingest.build_tables EVENTS_DIR OUT_DIR

It keeps only what the coder uses: country names, adjectives and capitals (CountryInfo, NGEC), office
holders in government since 2010 (Phoenix country dictionary), sector nouns (Phoenix agents) and the
PETRARCH-2 verb synsets with their simplest patterns. Leaders and groupings since 2014, which those
dictionaries lack, are added from :data:`EXTRA_LEADERS` and :data:`ORGANISATIONS`.

References:
    - Schrodt, P. A. CountryInfo.txt (MIT), philip-schrodt/CountryInfo.
    - Open Event Data Alliance, PETRARCH-2 dictionaries (MIT), openeventdata/petrarch2.
    - Halterman, A. NGEC country table (MIT), ahalterman/NGEC.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

# Leaders and office holders since 2014 that the 2014 Phoenix dictionary lacks (public record).
# name | aliases | actor | role | start | end (empty = in office on the table's date, 2026)
EXTRA_LEADERS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("Kim Jong-un", "Kim Jong Un|Kim Jong-Un|Kim Jong Eun", "PRK", "leader", "2011-12-17", ""),
    ("Kim Yo-jong", "Kim Yo Jong", "PRK", "official", "2014-01-01", ""),
    ("Ri Yong-ho", "Ri Yong Ho", "PRK", "foreign minister", "2016-05-01", "2020-01-18"),
    ("Choe Son-hui", "Choe Son Hui", "PRK", "foreign minister", "2022-06-10", ""),
    ("Park Geun-hye", "Park Geun Hye", "KOR", "president", "2013-02-25", "2017-03-10"),
    ("Moon Jae-in", "Moon Jae In|Moon", "KOR", "president", "2017-05-10", "2022-05-09"),
    ("Yoon Suk-yeol", "Yoon Suk Yeol|Yoon Suk-yol|Yoon", "KOR", "president", "2022-05-10", "2025-04-04"),
    ("Lee Jae-myung", "Lee Jae Myung", "KOR", "president", "2025-06-04", ""),
    ("Kang Kyung-wha", "Kang Kyung Wha", "KOR", "foreign minister", "2017-06-18", "2021-02-08"),
    ("Barack Obama", "Obama", "USA", "president", "2009-01-20", "2017-01-20"),
    ("Donald Trump", "Trump|Donald J. Trump", "USA", "president", "2017-01-20", "2021-01-20"),
    ("Donald Trump", "Trump|Donald J. Trump", "USA", "president", "2025-01-20", ""),
    ("Joe Biden", "Biden|Joseph Biden|Joseph R. Biden", "USA", "president", "2021-01-20", "2025-01-20"),
    ("Rex Tillerson", "Tillerson", "USA", "secretary of state", "2017-02-01", "2018-03-31"),
    ("Mike Pompeo", "Pompeo", "USA", "secretary of state", "2018-04-26", "2021-01-20"),
    ("Antony Blinken", "Blinken", "USA", "secretary of state", "2021-01-26", "2025-01-20"),
    ("Marco Rubio", "Rubio", "USA", "secretary of state", "2025-01-21", ""),
    ("James Mattis", "Mattis", "USA", "defense secretary", "2017-01-20", "2019-01-01"),
    ("John Bolton", "Bolton", "USA", "national security adviser", "2018-04-09", "2019-09-10"),
    ("Nikki Haley", "Haley", "USA", "UN ambassador", "2017-01-27", "2018-12-31"),
    ("Vladimir Putin", "Putin", "RUS", "president", "2012-05-07", ""),
    ("Dmitry Medvedev", "Medvedev", "RUS", "prime minister", "2012-05-08", "2020-01-16"),
    ("Sergei Lavrov", "Sergey Lavrov|Lavrov", "RUS", "foreign minister", "2004-03-09", ""),
    ("Mikhail Mishustin", "Mishustin", "RUS", "prime minister", "2020-01-16", ""),
    ("Sergei Shoigu", "Sergey Shoigu|Shoigu", "RUS", "defence minister", "2012-11-06", "2024-05-12"),
    ("Xi Jinping", "Xi", "CHN", "president", "2013-03-14", ""),
    ("Li Keqiang", "", "CHN", "premier", "2013-03-15", "2023-03-11"),
    ("Li Qiang", "", "CHN", "premier", "2023-03-11", ""),
    ("Wang Yi", "", "CHN", "foreign minister", "2013-03-16", ""),
    ("Shinzo Abe", "Abe", "JPN", "prime minister", "2012-12-26", "2020-09-16"),
    ("Yoshihide Suga", "Suga", "JPN", "prime minister", "2020-09-16", "2021-10-04"),
    ("Fumio Kishida", "Kishida", "JPN", "prime minister", "2021-10-04", "2024-10-01"),
    ("Shigeru Ishiba", "Ishiba", "JPN", "prime minister", "2024-10-01", "2025-10-21"),
    ("Sanae Takaichi", "Takaichi", "JPN", "prime minister", "2025-10-21", ""),
    ("Petro Poroshenko", "Poroshenko", "UKR", "president", "2014-06-07", "2019-05-20"),
    ("Volodymyr Zelensky", "Volodymyr Zelenskyy|Zelensky|Zelenskyy", "UKR", "president", "2019-05-20", ""),
    ("Angela Merkel", "Merkel", "DEU", "chancellor", "2005-11-22", "2021-12-08"),
    ("Olaf Scholz", "Scholz", "DEU", "chancellor", "2021-12-08", "2025-05-06"),
    ("Friedrich Merz", "Merz", "DEU", "chancellor", "2025-05-06", ""),
    ("Emmanuel Macron", "Macron", "FRA", "president", "2017-05-14", ""),
    ("Theresa May", "", "GBR", "prime minister", "2016-07-13", "2019-07-24"),
    ("Boris Johnson", "", "GBR", "prime minister", "2019-07-24", "2022-09-06"),
    ("Rishi Sunak", "Sunak", "GBR", "prime minister", "2022-10-25", "2024-07-05"),
    ("Keir Starmer", "Starmer", "GBR", "prime minister", "2024-07-05", ""),
    ("Recep Tayyip Erdogan", "Erdogan|Erdoğan|Recep Tayyip Erdoğan", "TUR", "president", "2014-08-28", ""),
    ("Narendra Modi", "Modi", "IND", "prime minister", "2014-05-26", ""),
    ("Hassan Rouhani", "Rouhani", "IRN", "president", "2013-08-03", "2021-08-03"),
    ("Ebrahim Raisi", "Raisi", "IRN", "president", "2021-08-03", "2024-05-19"),
    ("Ali Khamenei", "Khamenei", "IRN", "supreme leader", "1989-06-04", ""),
    ("Bashar al-Assad", "Assad|Bashar Assad", "SYR", "president", "2000-07-17", "2024-12-08"),
    ("Benjamin Netanyahu", "Netanyahu", "ISR", "prime minister", "2009-03-31", "2021-06-13"),
    ("Benjamin Netanyahu", "Netanyahu", "ISR", "prime minister", "2022-12-29", ""),
    ("Tsai Ing-wen", "Tsai Ing Wen", "TWN", "president", "2016-05-20", "2024-05-20"),
    ("Lai Ching-te", "Lai Ching Te", "TWN", "president", "2024-05-20", ""),
    ("Anthony Albanese", "Albanese", "AUS", "prime minister", "2022-05-23", ""),
    ("Scott Morrison", "", "AUS", "prime minister", "2018-08-24", "2022-05-23"),
    ("Jens Stoltenberg", "Stoltenberg", "NATO", "secretary general", "2014-10-01", "2024-10-01"),
    ("Mark Rutte", "Rutte", "NATO", "secretary general", "2024-10-01", ""),
    ("Antonio Guterres", "António Guterres|Guterres", "UN", "secretary general", "2017-01-01", ""),
    ("Ban Ki-moon", "Ban Ki Moon", "UN", "secretary general", "2007-01-01", "2016-12-31"),
)

# Organisations and groupings, with member states; names follow the Phoenix international dictionary
# where it has them (NATO, UN Security Council), and public founding documents for the newer ones.
# id | name | aliases | kind | members | veto
ORGANISATIONS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("UN", "United Nations", "UN|U.N.|the United Nations", "organisation", "", ""),
    (
        "UNSC",
        "UN Security Council",
        "UN Security Council|U.N. Security Council|United Nations Security Council|Security Council|UNSC",
        "organisation",
        "USA|RUS|CHN|GBR|FRA",
        "USA|RUS|CHN|GBR|FRA",
    ),
    (
        "NATO",
        "North Atlantic Treaty Organization",
        "NATO|North Atlantic Treaty Organization|North Atlantic Treaty Organisation|North Atlantic Alliance|Euro-Atlantic alliance",
        "bloc",
        "USA|GBR|FRA|DEU|ITA|CAN|TUR|POL|NLD|BEL|ESP|NOR|DNK|PRT|GRC|CZE|HUN|ROU|BGR|SVK|SVN|EST|LVA|LTU|HRV|ALB|MNE|MKD|LUX|ISL|FIN|SWE",
        "",
    ),
    ("AUKUS", "AUKUS", "AUKUS", "bloc", "AUS|GBR|USA", ""),
    ("AP4", "Asia-Pacific Four", "AP4|Asia-Pacific Four|four Asia-Pacific partners|Asia-Pacific partners", "bloc", "AUS|JPN|KOR|NZL", ""),
    ("QUAD", "Quadrilateral Security Dialogue", "Quadrilateral Security Dialogue|the Quad", "bloc", "AUS|IND|JPN|USA", ""),
    ("EU", "European Union", "European Union|EU|E.U.", "bloc", "", ""),
    ("ASEAN", "Association of Southeast Asian Nations", "ASEAN|Association of Southeast Asian Nations", "organisation", "", ""),
    ("SCO", "Shanghai Cooperation Organisation", "SCO|Shanghai Cooperation Organisation|Shanghai Cooperation Organization", "organisation", "CHN|RUS|IND|PAK|KAZ|KGZ|TJK|UZB|IRN|BLR", ""),
    ("BRICS", "BRICS", "BRICS", "bloc", "BRA|RUS|IND|CHN|ZAF", ""),
    ("CSTO", "Collective Security Treaty Organization", "CSTO|Collective Security Treaty Organization", "bloc", "RUS|ARM|BLR|KAZ|KGZ|TJK", ""),
    ("G7", "Group of Seven", "G7|G-7|Group of Seven", "bloc", "USA|JPN|DEU|GBR|FRA|ITA|CAN", ""),
    ("G20", "Group of Twenty", "G20|G-20", "bloc", "", ""),
    ("IAEA", "International Atomic Energy Agency", "IAEA|International Atomic Energy Agency", "organisation", "", ""),
    ("OSCE", "Organization for Security and Co-operation in Europe", "OSCE", "organisation", "", ""),
    ("AU", "African Union", "African Union", "organisation", "", ""),
    ("ARAB-LEAGUE", "Arab League", "Arab League|League of Arab States", "organisation", "", ""),
    ("ISIL", "Islamic State", "Islamic State|ISIS|ISIL|Daesh|IS group", "organisation", "", ""),
    ("TALIBAN", "Taliban", "Taliban", "organisation", "", ""),
    ("HAMAS", "Hamas", "Hamas", "organisation", "", ""),
    ("HEZBOLLAH", "Hezbollah", "Hezbollah|Hizbollah", "organisation", "", ""),
)

# Phrases that contain a country word but name a place, not an actor (longest match wins).
PLACES: tuple[str, ...] = (
    "Korean Peninsula",
    "Korean peninsula",
    "Sea of Japan",
    "East China Sea",
    "South China Sea",
    "Taiwan Strait",
    "Gulf of Tonkin",
    "Sea of Okhotsk",
    "Persian Gulf",
    "Gulf of Mexico",
    "Indian Ocean",
    "Arabian Sea",
    "Yellow Sea",
    "Black Sea",
    "Red Sea",
    "English Channel",
    "Russian Studies",
    "Korean War",
    "Chinese New Year",
    "New Mexico",
    "New Jersey",
    "Washington Post",
    "Washington State",
    "Saudi Aramco",
)

# Nationality words that are also names of countries other than their own, or common English words.
_DROP_ALIASES = {
    "AMERICA",
    "AMERICAS",
    "GUINEA",
    "CONGO",
    "KOREA",
    "KOREAN",
    "KOREANS",
    "JERSEY",
    "GEORGIA",
    "GEORGIAN",
    "JORDAN",
    "CHAD",
    "NIGER",
    "DOMINICA",
    "SAMOA",
    "IRELAND",
    "VIRGIN ISLANDS",
    "MOONLAND",
    "SCOT",
    "SIAN",
    "ENGLISH",
}


_ACRONYMS = {"US", "USA", "UK", "ROK", "DPRK", "DPR", "DR", "UN", "EU", "UAE", "PRC", "ROC", "USSR"}


# CountryInfo rows without a name (South Sudan joined after the table's names were filled in).
_MISSING_NAMES = {"SSD": "SOUTH SUDAN"}


def _title(text: str) -> str:
    """Title-case a dictionary entry (``NORTH KOREA`` → ``North Korea``), keeping acronyms upper."""
    words = []
    for w in text.split():
        if w.upper() in _ACRONYMS or (len(w) <= 6 and "." in w):
            words.append(w.upper())
        elif w.lower() in {"of", "the", "and", "de", "du", "da"}:
            words.append(w.lower())
        else:
            words.append("-".join(p[:1].upper() + p[1:].lower() for p in w.split("-")))
    return " ".join(words)


def build_countries(events: Path) -> list[dict[str, str]]:
    """Countries with names, adjectives and capitals, from CountryInfo and the NGEC table."""
    rows: dict[str, dict[str, object]] = {}
    with (events / "countryinfo_140728_capitals_synonyms.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            iso3 = row["iso3"]
            if not re.fullmatch(r"[A-Z]{3}", iso3):
                continue
            name = row["name"] or _MISSING_NAMES.get(iso3, "")
            entry = rows.setdefault(iso3, {"name": _title(name), "aliases": set(), "capitals": set()})
            aliases = entry["aliases"]
            capitals = entry["capitals"]
            assert isinstance(aliases, set) and isinstance(capitals, set)
            aliases.add(name.upper())
            for syn in row["nationality_and_synonyms"].split("|"):
                aliases.add(syn.strip().upper())
            for cap in row["capitals"].split("|"):
                if cap.strip():
                    capitals.add(cap.strip().upper())
    with (events / "ngec_countries.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            iso3 = row["CCA3"]
            if iso3 not in rows:
                continue
            entry = rows[iso3]
            entry["name"] = row["Name"]
            aliases = entry["aliases"]
            assert isinstance(aliases, set)
            aliases.add(row["Name"].upper())
            # Only the leading nationality words: the NGEC lists also fold in dependencies.
            for word in row["Nationality"].split(",")[:4]:
                aliases.add(word.strip().upper())
    # An alias claimed by two countries is ambiguous: drop it from both.
    owners: dict[str, set[str]] = defaultdict(set)
    for iso3, entry in rows.items():
        for alias in entry["aliases"]:  # type: ignore[attr-defined]
            owners[alias].add(iso3)
    out = []
    for iso3 in sorted(rows):
        entry = rows[iso3]
        aliases = {
            a
            for a in entry["aliases"]  # type: ignore[attr-defined]
            if a and len(owners[a]) == 1 and a not in _DROP_ALIASES and len(a) >= 2 and "(" not in a
        }
        # Plurals of nationality words ("Russians", "Iraqis"), not of names ("Sudan", "Japan").
        plural = {a + "S" for a in aliases if " " not in a and a.endswith(("IAN", "EAN", "CAN", "I"))}
        aliases |= plural
        out.append(
            {
                "iso3": iso3,
                "name": str(entry["name"]),
                "aliases": "|".join(sorted(_title(a) for a in aliases)),
                "capitals": "|".join(sorted(_title(c) for c in entry["capitals"])),  # type: ignore[attr-defined]
            }
        )
    return out


_DATE = re.compile(r"^(\d{6}|\d{8})$")


def _date(text: str) -> str:
    if not _DATE.match(text):
        return ""
    if len(text) == 6:
        yy = int(text[:2])
        text = (f"20{text[:2]}" if yy < 30 else f"19{text[:2]}") + text[2:]
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}"


def build_leaders(events: Path, countries: set[str], since: str = "2010-01-01") -> list[dict[str, str]]:
    """Government office holders in office on or after ``since`` (Phoenix), plus :data:`EXTRA_LEADERS`."""
    out: list[dict[str, str]] = []
    name: str | None = None
    aliases: list[str] = []
    text = (events / "phoenix" / "Phoenix.Countries.actors.txt").read_text("utf-8", errors="replace")
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if line.startswith("+"):
            aliases.append(line[1:].strip().strip("_").replace("_", " "))
            continue
        head = line if not line[0].isspace() else ""
        if head:
            name_part = head.split("[", 1)[0].strip()
            if name_part:
                name = name_part.strip("_").replace("_", " ")
                aliases = []
        for code, rng in re.findall(r"\[([A-Z]{3,})\s*([<>]?[\d\-]*)\]", line):
            if name is None or code[:3] not in countries or not code[3:].startswith("GOV"):
                continue
            if code[3:] != "GOV":
                continue
            start = end = ""
            if rng.startswith(">"):
                start = _date(rng[1:])
            elif rng.startswith("<"):
                end = _date(rng[1:])
            elif "-" in rng:
                a, b = rng.split("-", 1)
                start, end = _date(a), _date(b)
            else:
                continue  # no dates: an office with no tenure we can check
            if end and end < since:
                continue
            if not end and start and start < "2003-01-01":
                continue  # open-ended since long ago: usually stale
            alias_text = "|".join(sorted({_title(a) for a in aliases if a and a != name}))
            out.append(
                {
                    "name": _title(name),
                    "aliases": alias_text,
                    "actor": code[:3],
                    "role": "military" if code.endswith("MIL") else "government",
                    "start": start,
                    "end": end,
                    "source": "phoenix",
                }
            )
    def norm(text: str) -> str:
        return re.sub(r"[\s\-]+", " ", text).strip().lower()

    extra_names = {norm(n) for e in EXTRA_LEADERS for n in (e[0], *e[1].split("|")) if n}
    out = [r for r in out if norm(r["name"]) not in extra_names]
    for name_, aliases_, actor, role, start, end in EXTRA_LEADERS:
        out.append(
            {
                "name": name_,
                "aliases": aliases_,
                "actor": actor,
                "role": role,
                "start": start,
                "end": end,
                "source": "detente",
            }
        )
    out.sort(key=lambda r: (r["actor"], r["name"], r["start"]))
    # Drop exact duplicates.
    seen: set[tuple[str, ...]] = set()
    unique = []
    for r in out:
        key = tuple(r.values())
        if key not in seen:
            seen.add(key)
            unique.append(r)
    return unique


def build_agents(events: Path) -> list[dict[str, str]]:
    """Sector nouns (``troops`` → ``MIL``) from the Phoenix agents dictionary, macros expanded."""
    macros: dict[str, list[str]] = {}
    rows: dict[str, str] = {}
    for raw in (events / "phoenix" / "Phoenix.agents.txt").read_text("utf-8", errors="replace").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.match(r"^(!\w+!)\s*=\s*(.+)$", line)
        if m:
            macros[m.group(1)] = [w.strip() for w in m.group(2).split(",") if w.strip()]
            continue
        m = re.match(r"^([^\[]+?)\s*\[~?(\w+)\]", line)
        if not m:
            continue
        phrase, code = m.group(1).strip().strip("_"), m.group(2)
        forms = [phrase]
        for macro, words in macros.items():
            if macro in phrase:
                forms = [f.replace(macro, w) for f in forms for w in words]
        for form in forms:
            if "!" in form or "{" in form:
                continue
            word = form.replace("_", " ").lower().strip()
            if word and word not in rows:
                rows[word] = code[:3]
    return [{"noun": k, "sector": v} for k, v in sorted(rows.items())]


_FUNCTION_WORDS = frozenset(
    "of to for with on in against by from at the a an over into about as up down out off upon "
    "that this its their his her".split()
)
_HEADER = re.compile(r"^---\s+(\S+)\s+\[([^\]]*)\]\s+---")
_CODE = re.compile(r"\[([0-9]{2,4})(?::[0-9]{2,4})?\]")


def build_verbs(events: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Verb forms with their synset's CAMEO code, and simple ``verb … keyword`` patterns.

    ``regular`` is ``1`` for a base form the coder inflects itself, ``0`` for a base form listed with
    its irregular forms (or a phrase), ``-`` for one of those irregular forms.

    From each PETRARCH-2 synset: every listed verb (with its irregular forms) takes its own code or the
    synset's; each pattern ``- * WORD … [code]`` becomes ``synset, keywords, code`` with up to three
    literal keywords after the verb (word classes ``&X`` and actor slots ``$ +`` are left out).
    """
    verbs: list[dict[str, str]] = []
    patterns: list[dict[str, str]] = []
    synset = ""
    synset_code = ""
    text = (events / "phoenix" / "CAMEO.2.0.txt").read_text("utf-8", errors="replace")
    started = False
    for raw in text.splitlines():
        if "VERB PATTERNS" in raw:
            started = True
            continue
        if not started:
            continue
        m = _HEADER.match(raw)
        if m:
            synset = m.group(1)
            synset_code = m.group(2) if m.group(2) != "---" else ""
            continue
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip() or not synset:
            continue
        if line.startswith("-"):
            cm = _CODE.search(line)
            if not cm:
                continue
            body = line[1: cm.start()].strip()
            if "*" not in body:
                continue
            after = body.split("*", 1)[1]
            after = re.sub(r"[(){}]", " ", after)
            words = [
                w.lower()
                for w in after.split()
                if not w.startswith(("&", "$", "+", "%", "^", "="))
                and re.fullmatch(r"[A-Za-z][A-Za-z'\-]*", w)
            ][:3]
            # A pattern whose word classes (&CRIME) were left out keeps only its function words
            # ("accuse … of"): too general to refine a verb by, so it is dropped.
            lost_class = "&" in after
            if words and lost_class and all(w in _FUNCTION_WORDS for w in words):
                continue
            if words:
                patterns.append({"synset": synset, "keywords": " ".join(words), "code": cm.group(1)})
            continue
        if line.startswith("+"):
            # A multi-word phrasal entry (SHOOT_DOWN {…}): keep its forms as phrases.
            cm = _CODE.search(line)
            code = cm.group(1) if cm else synset_code
            body = _CODE.sub("", line[1:])
            base, _, rest = body.partition("{")
            forms = [base.strip()] + [f.strip("+ ") for f in rest.strip(" }").split()]
            for form in forms:
                form = form.strip().strip("_").replace("_", " ").lower()
                if form and "{" not in form and re.fullmatch(r"[a-z' \-]+", form):
                    verbs.append({"form": form, "synset": synset, "code": code, "regular": "0"})
            continue
        cm = _CODE.search(line)
        code = cm.group(1) if cm else synset_code
        body = _CODE.sub("", line)
        base, _, rest = body.partition("{")
        base = base.strip().replace("_", " ").lower()
        if not re.fullmatch(r"[a-z][a-z'\-]*", base):
            continue
        irregular = [f.strip().lower() for f in rest.strip(" }").split() if f.strip()]
        verbs.append({"form": base, "synset": synset, "code": code, "regular": "0" if irregular else "1"})
        for form in irregular:
            if re.fullmatch(r"[a-z][a-z'\-]*", form):
                # "-": an inflected form of the verb above, not a base form.
                verbs.append({"form": form, "synset": synset, "code": code, "regular": "-"})
    return verbs, patterns


TABLES_README = """\
# Gazetteer and verb tables for the event coder

Compact tables derived by `detente data build` from the public dictionaries in the data directory's
`events/` folder; the event coder reads only these.

| file | what | derived from |
| --- | --- | --- |
| `countries.tsv` | 225 states: ISO 3166 alpha-3 code, name, names/adjectives/synonyms (an alias two countries share is dropped), capitals (used as metonyms: "Pyongyang", "Washington") | CountryInfo (`countryinfo_140728_capitals_synonyms.tsv`, P. A. Schrodt, MIT) and the NGEC country table (`ngec_countries.csv`, A. Halterman, MIT) |
| `leaders.tsv` | Heads of government and ministers in office since 2010 with their tenure (Phoenix), plus leaders since 2014 that the 2014 dictionary lacks (Kim Jong-un, Moon Jae-in, Donald Trump, Joe Biden, Xi Jinping's current term, …; `source = detente`, from the public record) | `Phoenix.Countries.actors.txt` (Open Event Data Alliance, PETRARCH-2, MIT) |
| `organisations.tsv` | UN, UN Security Council (with its veto members), NATO, AUKUS, AP4, the Quad, EU, ASEAN, SCO, BRICS, CSTO, G7, G20, IAEA, OSCE and a few armed groups, with member states | names as in `Phoenix.International.actors.txt` (MIT) where it has them; members from the organisations' founding documents |
| `places.tsv` | Place names that contain a country word but are no actor ("Korean Peninsula", "Sea of Japan", "Taiwan Strait") | written for detente |
| `agents.tsv` | Sector nouns ("troops", "police", "government") → sector code, with the dictionary's macros expanded | `Phoenix.agents.txt` (PETRARCH-2, MIT) |
| `verbs.tsv` | ~2,800 verb forms → PETRARCH synset and CAMEO code (regular verbs are inflected by the coder) | `CAMEO.2.0.txt` (PETRARCH-2 verb dictionary, MIT) |
| `verb_patterns.tsv` | ~3,800 "verb … keyword" patterns → CAMEO code (the literal words after the verb in each pattern; word classes and actor slots left out) | same |

CAMEO codes are mapped to PLOVER event types, modes, quad classes and scores through
`detente.ontology` (PLOVER 2.0 authored as code; the CAMEO table from `events/cameo_codes.csv`).

The MIT licence of the PETRARCH-2 dictionaries, CountryInfo and NGEC:

> Copyright (c) 2014 Open Event Data Alliance; (c) Philip A. Schrodt; (c) Andrew Halterman.
> Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
> associated documentation files, to deal in the Software without restriction, including without
> limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
> of the Software, subject to the inclusion of the above copyright notice and this permission notice in
> all copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY
> OF ANY KIND.
"""


def _write(path: Path, rows: list[dict[str, str]], header: str) -> None:
    if not rows:
        raise SystemExit(f"{path.name}: nothing to write")
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(header)
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def build(events: Path, out: Path) -> dict[str, int]:
    """Build every table from ``events`` (the data directory's ``events/``) into ``out``; return row counts."""
    out.mkdir(parents=True, exist_ok=True)
    countries = build_countries(events)
    iso = {r["iso3"] for r in countries}
    leaders = build_leaders(events, iso)
    agents = build_agents(events)
    verbs, patterns = build_verbs(events)
    orgs = [
        dict(zip(("id", "name", "aliases", "kind", "members", "veto"), o, strict=True))
        for o in ORGANISATIONS
    ]
    places = [{"phrase": p} for p in PLACES]
    note = "# Derived by detente.ingest.build_tables; see README.md here for sources and licences.\n"
    (out / "README.md").write_text(TABLES_README, encoding="utf-8")
    _write(out / "countries.tsv", countries, note)
    _write(out / "leaders.tsv", leaders, note)
    _write(out / "organisations.tsv", orgs, note)
    _write(out / "places.tsv", places, note)
    _write(out / "agents.tsv", agents, note)
    _write(out / "verbs.tsv", verbs, note)
    _write(out / "verb_patterns.tsv", patterns, note)
    return {
        "countries": len(countries),
        "leaders": len(leaders),
        "organisations": len(orgs),
        "places": len(places),
        "agents": len(agents),
        "verbs": len(verbs),
        "verb_patterns": len(patterns),
    }


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: ``python -m detente.ingest.build_tables EVENTS_DIR [OUT_DIR]``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        raise SystemExit("usage: python -m detente.ingest.build_tables EVENTS_DIR OUT_DIR")
    events = Path(args[0])
    out = Path(args[1])
    for name, count in build(events, out).items():
        print(f"{name}: {count} rows")


if __name__ == "__main__":  # pragma: no cover
    main()
