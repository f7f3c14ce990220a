"""The catalogue of mechanisms the seed articles describe, with their stable ids.

Ids and one-line names follow the mechanism catalogue of the two seed analyses: K01–K19 for the Korean Peninsula in early 2018,
E01–E15 for the linked European and East Asian crisis of 2023.
"""

from __future__ import annotations

MECHANISMS: dict[str, str] = {
    "K01": "Inter-Korean rapprochement",
    "K02": "Denuclearisation vs. recognised nuclear status",
    "K03": "Who can give security guarantees",
    "K04": "Senior ally coerces junior ally",
    "K05": "Multilateral sanctions",
    "K06": "Unilateral and secondary sanctions",
    "K07": "Blockade and its limits",
    "K08": "Accusations of sanctions violations",
    "K09": "Demonstrative military pressure",
    "K10": "Bluff credibility",
    "K11": "Accidental escalation",
    "K12": "Provocation to test",
    "K13": "Engineered casus belli",
    "K14": "Reputation trap for China",
    "K15": "Russia–China coordination",
    "K16": "Contacts with Pyongyang (incl. Track II)",
    "K17": "Pressure on Washington",
    "K18": "Work with the Korean leadership",
    "K19": "Road map and six-party talks",
    "E01": "Rejected security-guarantee treaties",
    "E02": "NATO expansion vs. post-Soviet integration",
    "E03": "Red lines dismissed",
    "E04": "Partnership institutions erode",
    "E05": "Unipolar to multipolar order",
    "E06": "US–ROK–Japan trilateral and extended deterrence",
    "E07": "Russia–China and Russia–North Korea alignment",
    "E08": "North Korean build-up",
    "E09": "Taiwan Strait tension",
    "E10": "Inter-Korean armed-conflict risk",
    "E11": "Theatre linkage",
    "E12": "Rear security",
    "E13": "Crises don't resolve together",
    "E14": "Power transition",
    "E15": "Peace through trust vs. peace through force",
}
"""Every mechanism id with its short name."""

KOREA_2018 = tuple(k for k in MECHANISMS if k.startswith("K"))
EURASIA_2023 = tuple(k for k in MECHANISMS if k.startswith("E"))
