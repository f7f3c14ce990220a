"""Every parameter of the escalation engine and every mechanism lever, with defaults and provenance.

A parameter's ``source`` is one of: ``"data: …"`` (a public data set, fitted by ``detente calibrate``),
or ``"assumption"`` (an explicit modelling assumption; the seed articles claim mechanisms but give no
numbers). Scenario files override mechanism parameters with ``[[mechanisms]] params``; runs override anything with
``overrides={"engine.rationality": 2.0, "mechanisms[K11].params.rate": 0.02}``.

References:
    - Quantal response: McKelvey & Palfrey (1995), Games and Economic Behavior 10:6–38.
    - Reaction dynamics: Richardson (1960), *Arms and Insecurity*.
    - Escalation base rates: Palmer et al. (2021), the COW MID 5.0 data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Param:
    """One parameter: its default, what it does and where the default comes from."""

    default: float
    doc: str
    source: str = "assumption"
    lo: float = 0.0
    hi: float = float("inf")
    per: str = ""
    """How a monthly default becomes a per-step value for a step of Δ months (``per_step``): ``"prob"``
    a probability or share per month (1 − (1 − x)^Δ), ``"rate"`` an amount per month (x·Δ), ``"growth"``
    (1 + x)^Δ − 1, ``"months"`` a duration (x/Δ steps); empty: per event or not a rate."""


def per_step(value: float, per: str, months: float) -> float:
    """``value`` (monthly) for a step of ``months`` months, by the kind ``per`` (see :class:`Param`)."""
    if months == 1.0 or not per:
        return value
    if per == "prob":
        return 1.0 - (1.0 - min(value, 1.0)) ** months
    if per == "rate":
        return value * months
    if per == "growth":
        return (1.0 + value) ** months - 1.0
    if per == "months":
        return value / months
    raise ValueError(f"unknown conversion {per!r}")


@dataclass(frozen=True)
class Lever:
    """How the engine gives a mechanism its effect, and the parameters of that lever.

    ``roles`` names what the mechanism's ``actors`` list stands for in the scenario (in order); levers
    whose roles are empty act on what the scenario's relations say (alliances, sanctions, channels).
    """

    lever: str
    params: dict[str, Param] = field(default_factory=dict)
    roles: tuple[str, ...] = ()


@cache
def calibration() -> dict[str, Any]:
    """The packaged calibration table written by ``detente calibrate`` (values with provenance)."""
    text = (
        resources.files("detente")
        .joinpath("data", "calibration", "escalation.json")
        .read_text("utf-8")
    )
    data: dict[str, Any] = json.loads(text)
    return data


def calibrated(name: str, fallback: float) -> float:
    """A calibrated value from the packaged table, or ``fallback`` if the table lacks it."""
    values = calibration().get("values", {})
    entry = values.get(name)
    return float(entry["value"]) if isinstance(entry, dict) else fallback


def _data(name: str, fallback: float, doc: str, lo: float = 0.0, hi: float = float("inf")) -> Param:
    src = calibration().get("values", {}).get(name, {}).get("source", "data (see detente calibrate)")
    return Param(calibrated(name, fallback), doc, f"data: {src}", lo, hi)


def war_termination_table() -> dict[str, float]:
    """Fitted monthly war-termination hazard by the last year of data (``detente calibrate``)."""
    entry = calibration().get("values", {}).get("war_termination_hazard", {})
    value = entry.get("value", {}) if isinstance(entry, dict) else {}
    return {str(k): float(v) for k, v in value.items()}


def war_termination_for(year: int) -> float:
    """The fitted hazard using data up to ``year`` (the latest fit at or before it; else the earliest)."""
    table = war_termination_table()
    if not table:
        return 0.07
    ok = [y for y in table if int(y) <= year]
    return table[max(ok, key=int)] if ok else table[min(table, key=int)]


def war_weibull_for(year: int) -> tuple[float, float]:
    """(first-month probability, shape k) of the Weibull fit on data up to ``year`` (latest at or before it)."""
    entry = calibration().get("values", {}).get("war_termination_weibull", {})
    table = entry.get("value", {}) if isinstance(entry, dict) else {}
    if not table:
        return war_termination_for(year), 1.0
    ok = [y for y in table if int(y) <= year]
    row = table[max(ok, key=int)] if ok else table[min(table, key=int)]
    return float(row["first_month"]), float(row["shape"])


def war_classes_for(year: int) -> dict[str, tuple[float, float]]:
    """Reference class → (first-month probability, shape k) of the war-duration fit on data up to ``year``.

    Classes (``detente calibrate``, ``war_termination_classes``): ``gp-war``, ``gp-minor``, ``other-war``,
    ``other-minor`` (great-power involvement × size) and ``gp-any``, ``other-any`` (size unknown). Empty if
    the table has no such fit (an older calibration): the engine then uses ``war_weibull_for``.
    """
    entry = calibration().get("values", {}).get("war_termination_classes", {})
    table = entry.get("value", {}) if isinstance(entry, dict) else {}
    if not table:
        return {}
    ok = [y for y in table if int(y) <= year]
    rows = table[max(ok, key=int)] if ok else table[min(table, key=int)]
    return {c: (float(r["first_month"]), float(r["shape"])) for c, r in rows.items()}


def test_trend_for(as_of: str) -> float:
    """The yearly growth of North Korea's log test rate fitted before ``as_of`` (latest fit at or before it)."""
    entry = calibration().get("values", {}).get("prk_test_trend", {})
    table = entry.get("value", {}) if isinstance(entry, dict) else {}
    ok = [d for d in table if d <= as_of]
    return float(table[max(ok)]["trend"]) if ok else 0.0


def engine_params() -> dict[str, Param]:
    """The engine's global parameters (``overrides`` key ``engine.<name>``)."""
    return {
        "rationality": Param(
            1.0,
            "logit precision λ of the quantal-response choice; inf makes choices deterministic (argmax)",
            "assumption (McKelvey & Palfrey 1995 estimate λ per game; 1 = utilities in logit units)",
        ),
        "decay": Param(
            0.25,
            "Richardson fatigue m: share of dyadic tension that fades each month",
            "assumption (half-life of about 2.4 months)",
            hi=1.0,
        ),
        "reaction": Param(
            0.12,
            "Richardson reaction a of a rival dyad: tension of i towards j grows by a·T[j,i] per month",
            "assumption (below the stability bound a < m for symmetric dyads)",
        ),
        "base_reaction": Param(
            0.03, "Richardson reaction of a dyad that is not a declared rivalry", "assumption"
        ),
        "impulse": Param(
            0.6,
            "tension added to j's hostility towards i per unit of conflict score (|score|/10) of an event i→j",
            "assumption",
        ),
        "relief": Param(
            0.35,
            "tension removed from j's hostility towards i per unit of cooperation score of an event i→j",
            "assumption",
        ),
        "perception_noise": Param(
            0.3,
            "σ of the lognormal error with which an actor perceives another's hostility each month",
            "assumption",
        ),
        "resolve_noise": Param(
            0.4,
            "σ of the lognormal error with which an actor misjudges another's resolve (drawn per run; bluff-credibility)",
            "assumption",
        ),
        "issue_weight": Param(
            1.0, "weight of issue disagreement (salience-weighted distance) in the hostility drive"
        ),
        "war_cost": Param(
            3.0,
            "cost of military escalation (MOBILIZE, COERCE, ASSAULT): multiplies severity² × the target's relative power × its resolve",
            "assumption",
        ),
        "nuclear_deterrence": Param(
            2.0,
            "extra war cost when the target has nuclear weapons (×(1 + this))",
            "assumption (the articles stress both sides' nuclear potential but give no number)",
        ),
        "audience_cost": Param(
            0.6,
            "reputation cost (logit units) of a conflict action of severity 1 before audiences",
            "assumption",
        ),
        "alliance_obligation": Param(
            0.8,
            "hostility an actor takes on towards whoever is hostile to its ally (per unit of that tension)",
            "data: ATOP 5.1 obligation types (defence=1, consultation=0.3)",
        ),
        "affinity": Param(1.0, "cooperation drive between allies and partners (× relation strength)"),
        "channel_damping": Param(
            0.15,
            "extra monthly decay of tension between members of an active institutional channel",
            "assumption", per="prob"),
        "sanction_cost": Param(
            0.3,
            "utility cost to the sanctioner of a SANCTION action (lost trade; sanctions cost their enforcers)",
            "assumption",
        ),
        "coerce_rate": Param(
            0.08, "share of the distance a target's issue position moves towards a coercer per unit of force"
        ),
        "persuade_rate": Param(
            0.05, "share of the distance a partner's position moves towards a persuader per consultation"
        ),
        "concede_rate": Param(0.1, "share of the distance an actor moves towards the actor it concedes to"),
        "status_quo_rate": Param(
            0.03, "share of the distance the status quo moves towards the power-weighted mean position", per="prob"),
        "reputation_rate": Param(
            0.05, "standing lost with the audience per unit of conflict score of an action"
        ),
        "tension_saturation": Param(
            4.0, "tension at which the hostility drive is half its linear value (T/(1+T/s))", lo=1e-6
        ),
        "provocation_window": Param(
            3.0,
            "months after a nuclear test, ICBM or satellite launch during which a sanctions resolution "
            "against the tester counts as a response to it",
            "data: UNSC record 2006–2017 (longest lag from a North Korean nuclear test to its resolution: "
            "82 days, test of 9 Sep 2016 to resolution 2321 of 30 Nov 2016)",
            lo=1.0,
            hi=600.0, per="months"),
        "resolution_hazard": Param(
            0.5,
            "monthly probability that an organisation with a veto-bound sanctions resolution tables it "
            "against a target that provoked within the window (until one is adopted)",
            "data: UNSC record 2006–2017 (each of the 6 North Korean nuclear tests was followed by a "
            "sanctions resolution within 3 months: 1718, 1874, 2094, 2270, 2321, 2375; Laplace estimate "
            "7/8 in 3 months = 0.5 a month)",
            hi=1.0,
        ),
        "veto_after_provocation": Param(
            0.077,
            "probability that a sanctions resolution answering a recent provocation is vetoed",
            "data: UNSC record 2006–2017 (0 vetoes in the 11 votes on North Korea sanctions, 1695 to 2397, "
            "all unanimous with China and Russia voting yes; Laplace estimate 1/13)",
            hi=1.0,
        ),
        "war_termination": Param(
            war_weibull_for(2022)[0],
            "probability that a war ends by a ceasefire in its first month; in month a+1 of a war the "
            "probability is 1 − (1 − this)^((a+1)^k − a^k) with k = war_termination_shape (k = 1: this every "
            "month); unless overridden (then for every dyad), each dyad uses the fit of its reference class of "
            "comparable wars (great-power involvement × size) on the data before the scenario's as-of date "
            "(korea-2018: to 2017, eurasia-2023: to 2022); this default is the pooled fit to 2022",
            "data: " + str(calibration().get("values", {}).get("war_termination_weibull", {}).get("source", ""))
            + "; Weibull MLE with right-censoring (first-month probability)",
            hi=1.0,
        ),
        "war_termination_shape": Param(
            war_weibull_for(2022)[1],
            "Weibull shape k of war duration: below 1 a war's monthly ceasefire probability falls as it "
            "lasts; 1 makes it constant (geometric durations); fitted per scenario like war_termination",
            "data: UCDP/PRIO 25.1 interstate conflict episodes; Weibull MLE with right-censoring (profile "
            "likelihood in k)",
            lo=0.05,
            hi=5.0,
        ),
        "veto_unprovoked": Param(
            0.9,
            "probability that a veto member friendly to the target (affinity or obligation > 0) vetoes a "
            "sanctions resolution against it with no provocation in the window",
            "assumption (no UNSC sanctions resolution on North Korea in 2006–2017 came without a test or "
            "launch in the months before)",
            hi=1.0,
        ),
    }


ARTICLE_NO_NUMBER = "assumption (an order of magnitude; the article that claims the mechanism gives no number)"
"""The source of a lever default whose mechanism a seed article claims without giving a number."""


def mechanism_levers() -> dict[str, Lever]:
    """Every mechanism type of :mod:`detente.mechanisms`: its lever in this engine and its default params.

    Defaults are per month; the engine converts them to the scenario's time step (``docs/model.md``).
    """
    art = ARTICLE_NO_NUMBER
    return {
        "rapprochement": Lever(
            "cooperative actions between the two parties gain `warmth` utility, and their cooperation "
            "relieves tension `relief_boost`× more",
            {
                "warmth": Param(1.0, "utility bonus of cooperation between the parties", art),
                "relief_boost": Param(1.0, "extra relief multiplier of their cooperative events"),
            },
            ("party", "party"),
        ),
        "de-facto-recognition": Lever(
            "each agreement with the nuclear actor moves the status quo of the nuclear issue "
            "`recognition` of the way towards its position (de facto recognition)",
            {"recognition": Param(0.05, "share of the distance moved per agreement", art, hi=1.0)},
            ("nuclear actor (the listed actor with an unrecognised programme)",),
        ),
        "guarantor-monopoly": Lever(
            "the nuclear actor's concessions to anyone but the guarantor lose `penalty` utility",
            {"penalty": Param(2.0, "utility lost by conceding to a non-guarantor", art)},
            ("nuclear actor (unrecognised programme)", "guarantor (first recognised nuclear power listed)"),
        ),
        "alliance-discipline": Lever(
            "a senior ally gains utility for REQUEST/THREATEN towards a junior ally in proportion to the "
            "junior's cooperation with the senior's rivals, and the junior's cooperation with them costs "
            "`pressure`",
            {"pressure": Param(0.8, "utility cost of the junior's cooperation with its senior's rivals", art)},
        ),
        "multilateral-sanctions": Lever(
            "multilateral sanctions cut the target's economic capacity by `bite`×intensity a month, cost "
            "each enforcer `enforcer_cost`×intensity, and raise the target's hostility towards the enforcers",
            {"bite": Param(0.03, "monthly share of economic capacity lost at intensity 1", hi=1.0, per="prob"), "grievance": Param(0.15, "monthly hostility of the target towards each enforcer at intensity 1", per="rate"), "enforcer_cost": Param(0.002, "monthly share of each enforcer's economy lost at intensity 1", hi=1.0, per="prob")},
        ),
        "secondary-sanctions": Lever(
            "unilateral/secondary sanctions cut the target's economy by `bite`×intensity and the enforcers' by "
            "`enforcer_cost`×intensity a month, cost pressured third parties `compliance_cost`×intensity of "
            "their economy, and raise their hostility towards the enforcer by `resentment`×intensity",
            {"compliance_cost": Param(0.01, "monthly economic cost to a pressured third party", hi=1.0, per="prob"), "resentment": Param(0.2, "monthly hostility of a pressured third party towards the enforcer", art, per="rate"), "bite": Param(0.02, "monthly share of the target's economy lost at intensity 1", hi=1.0, per="prob"), "enforcer_cost": Param(0.002, "monthly share of each enforcer's economy lost at intensity 1", hi=1.0, per="prob")},
        ),
        "coercion-limit": Lever(
            "coercion and sanctions move the target's issue positions at most `limit` (share of the scale) "
            "from where they started; off, coercion can move them all the way",
            {"limit": Param(0.15, "largest movement of a sanctioned target's position", art, hi=1.0)},
        ),
        "evasion-accusations": Lever(
            "enforcers gain `propensity` utility to ACCUSE pressured third parties; each accusation costs the "
            "accused `discredit` standing with the audience",
            {"propensity": Param(1.0, "utility bonus of accusing a pressured third party"), "discredit": Param(0.05, "standing lost per accusation", art)},
        ),
        "coercive-signalling": Lever(
            "senior allies and their juniors gain `pressure` utility for MOBILIZE towards a sanctions target "
            "from month `start`",
            {"pressure": Param(1.0, "utility bonus of demonstrative military moves", art), "start": Param(1.0, "first month of the pressure (a step index after conversion)", per="months")},
        ),
        "bluff-credibility": Lever(
            "a threat raises its target's hostility at full weight whatever the threatener's true resolve "
            "(a bluff must be taken seriously); off, threats count only × the threatener's resolve",
            {"credibility": Param(1.0, "weight of a threat on its target's hostility", art, hi=1.0)},
        ),
        "accidental-escalation": Lever(
            "each month, each unit of concurrent military activity (MOBILIZE, COERCE, ASSAULT) in a dyad "
            "causes an accidental clash (ASSAULT) with probability `rate`, damped by `channel_damping` when "
            "a channel joins the two",
            {"rate": Param(0.02, "accident probability per unit of military activity per month", art, hi=1.0), "channel_damping": Param(0.5, "share of accidents prevented by an active crisis channel", hi=1.0)},
        ),
        "provocation-cycle": Lever(
            "a nuclear actor's utility of a test event rises by `provocation` per unit of its strongest "
            "(saturated) hostility beyond the initial level, which pressure it receives raises; the rate at "
            "the initial state is fitted to the test history",
            {"provocation": Param(0.8, "utility of testing per unit of perceived hostility", art), "test_rate": _data("prk_nuclear_month_rate", 0.13, "monthly probability of a nuclear test at calm (missile tests use their own fitted rates)", hi=1.0)},
        ),
        "engineered-pretext": Lever(
            "each month the engineering actor fabricates an incident against its target with probability "
            "`rate`×tension; an incident raises its hostility by `impulse` and lowers its audience cost of "
            "force",
            {"rate": Param(0.02, "monthly chance of a pretext per unit of tension", art, hi=1.0, per="rate"), "impulse": Param(0.5, "hostility added by an incident")},
            ("engineer", "target"),
        ),
        "reputation-trap": Lever(
            "the trapped actor loses standing `support_cost`×cooperation when it supports the client and "
            "`abandon_cost`×conflict when it acts against it",
            {"support_cost": Param(0.05, "standing lost per unit of support", art), "abandon_cost": Param(0.08, "standing lost per unit of conflict with the client", art)},
            ("trapped", "client"),
        ),
        "coordination": Lever(
            "coordinated actors gain `coordination` utility for CONSULT with each other and for repeating "
            "towards a third party what the partner did to it last month; they veto together",
            {"coordination": Param(1.0, "utility bonus of consultation and of the partner's last action", art)},
            ("partner", "partner"),
        ),
        "back-channel": Lever(
            "the contacting actor gains `contact` utility to CONSULT the client; each consultation adds "
            "`restraint` to the monthly decay of the client's hostility",
            {"contact": Param(1.0, "utility bonus of contacts"), "restraint": Param(0.1, "extra monthly decay of the client's hostility per consultation", art, hi=1.0)},
            ("contact", "client"),
        ),
        "counter-pressure": Lever(
            "the warning actor gains `warning` utility to REQUEST/ACCUSE the pressuring power; each warning "
            "raises that power's perceived cost of force against the protégés by `deterrence`",
            {"warning": Param(0.8, "utility bonus of warnings"), "deterrence": Param(0.3, "added war cost per warning (decays with tension)", art)},
            ("warner", "pressured power"),
        ),
        "mediation": Lever(
            "the mediator gains `engagement` utility to CONSULT the two parties; each contact adds `warmth` "
            "to their mutual cooperation next step",
            {"engagement": Param(0.8, "utility bonus of contacts"), "warmth": Param(0.5, "cooperation bonus between the parties per contact", art)},
            ("mediator", "party", "party"),
        ),
        "talks-activation": Lever(
            "a proposed channel becomes active with probability `activation` per month while its promoters "
            "consult; while active it damps tension (channel_damping) and moves positions `roadmap` a month "
            "towards the status quo",
            {"activation": Param(0.03, "monthly probability the proposed talks open when promoted", art, hi=1.0, per="prob"), "roadmap": Param(0.03, "monthly step of positions towards compromise while active", hi=1.0, per="prob")},
            ("promoter", "promoter"),
        ),
        "standing-grievance": Lever(
            "the aggrieved party holds a standing grievance `grievance` (Richardson g, per month) towards the "
            "object of its grievance",
            {"grievance": Param(0.2, "monthly hostility", art, per="rate")},
            ("aggrieved", "object"),
        ),
        "contested-alignment": Lever(
            "aid and cooperation from a bloc to the contested state move its alignment position `pull` "
            "towards that bloc, and the rival bloc's hostility rises by `alarm` per unit moved",
            {"pull": Param(0.05, "share of the distance moved per aid event", hi=1.0), "alarm": Param(1.0, "hostility per unit of alignment lost")},
            ("bloc leader", "…", "contested state (last)"),
        ),
        "red-line": Lever(
            "when the status quo of the holder's most salient issue has moved more than `red_line` of the "
            "way from the holder's position to the crosser's, the holder gains `jump` utility for force",
            {"red_line": Param(0.6, "share of the way from holder to crosser where the red line lies", hi=1.0), "jump": Param(1.5, "utility of force once it is crossed")},
            ("holder", "crosser"),
        ),
        "channel-erosion": Lever(
            "an active channel is suspended with probability `erosion`×mean tension of its members a month",
            {"erosion": Param(0.05, "monthly suspension probability per unit of tension", hi=1.0, per="rate")},
        ),
        "autonomy": Lever(
            "autonomous actors weigh alliance obligations ×(1−`autonomy`) and issue distance ×(1+`autonomy`)",
            {"autonomy": Param(0.5, "case-by-case weight", hi=1.0)},
            ("autonomous", "…"),
        ),
        "extended-deterrence": Lever(
            "extended deterrence adds the senior's power (and nuclear status) to the war cost of attacking a "
            "junior ally, × `umbrella`",
            {"umbrella": Param(1.0, "weight of the senior's protection")},
        ),
        "alignment-support": Lever(
            "partners gain `alignment` utility for SUPPORT/COOPERATE/AID with each other; aid restores the "
            "recipient's economy by `aid_value`",
            {"alignment": Param(0.8, "utility bonus of support among partners"), "aid_value": Param(0.01, "economic capacity restored per aid event")},
        ),
        "military-buildup": Lever(
            "the building actor's military capability grows by `growth` a month, and the log-odds of its "
            "weapons tests rise by `test_trend` a year (the test-rate trend fitted before the as-of date)",
            {
                "growth": Param(0.01, "monthly growth of military capability", per="growth"),
                "test_trend": Param(
                    test_trend_for("2023-09-01"),
                    "yearly rise of the log-odds of the builder's weapons tests (a ramp from 0 at the start); "
                    "unless set, each scenario uses the fit before its as-of date (this default: eurasia-2023)",
                    "data: " + str(calibration().get("values", {}).get("prk_test_trend", {}).get("source", ""))
                    + "; Poisson GLM of test days per month on time",
                    lo=-5.0,
                    hi=5.0,
                ),
            },
            ("builder",),
        ),
        "mutual-grievance": Lever(
            "a standing grievance `grievance` (per month) in both directions of the dyad",
            {"grievance": Param(0.1, "monthly hostility", per="rate")},
            ("party", "party"),
        ),
        "hair-trigger": Lever(
            "the dyad reacts `reactivity` more strongly (Richardson a, per month)",
            {"reactivity": Param(0.08, "added monthly reaction coefficient", per="rate")},
            ("party", "party"),
        ),
        "theatre-linkage": Lever(
            "an actor's hostility towards a rival rises by `linkage`× the hostility of its partners and allies "
            "towards that rival each month (one theatre feeds the other)",
            {"linkage": Param(0.05, "share of partners' tension taken on per month", per="rate")},
        ),
        "rear-security": Lever(
            "while its rear is calm (low tension with the rear partner) the actor's war cost falls by `rear`",
            {"rear": Param(0.3, "share of war cost removed at zero rear tension", hi=1.0)},
            ("actor", "rear partner"),
        ),
        "relief-spillover": Lever(
            "cooperation in one dyad relieves tension in the others by `spillover`×(1−`decoupling`) per unit "
            "of mean cooperation elsewhere; off (or undeclared), crises do not relieve each other",
            {"decoupling": Param(1.0, "share of the spillover that does not happen", hi=1.0), "spillover": Param(0.5, "relief of every dyad per unit of mean cooperation in the other dyads")},
        ),
        "power-transition": Lever(
            "the challenger's capability grows by `growth` and the hegemon's shrinks by `decline` a month; "
            "their hostility gains `parity`×(closeness to parity)",
            {"growth": Param(0.005, "monthly growth", per="growth"), "decline": Param(0.002, "monthly decline", per="prob"), "parity": Param(0.5, "hostility drive at parity")},
            ("hegemon", "challenger"),
        ),
        "doctrine": Lever(
            "doctrine d adds `weight`×(2d−1) to the hostility drive and `weight`×(1−2d) to the cooperation "
            "drive (force vs. trust)",
            {"weight": Param(1.0, "weight of doctrine in choices")},
        ),
    }


def lever_summary() -> dict[str, str]:
    """Mechanism type → the one-line lever description (for reports)."""
    return {k: v.lever for k, v in mechanism_levers().items()}
