"""How well the escalation engine, with its fitted defaults, matches the history it was fitted on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from detente.calibrate import COUNTRIES, fit
from detente.ontology import Quad, quad_of


def fit_check(history: Path, runs: int = 2000, seed: int = 0) -> list[dict[str, Any]]:
    """Compare first-month simulated rates of korea-2018 with the fitted historical rates.

    Returns:
        Rows ``{"quantity", "history", "model", "note"}``.
    """
    from detente.engines.escalation import simulate
    from detente.engines.escalation.compile import TYPES
    from detente.scenario.io import load_scenario

    fitted = fit(history)["values"]
    scen = load_scenario("korea-2018", check_quotes=False)
    res = simulate(scen, runs=runs, horizon=1, seed=seed)
    rows: list[dict[str, Any]] = []
    iso = {a.id: (a.iso3 or a.id) for a in scen.actors}
    pairs = [p for p, (a, b) in enumerate(res.pairs) if iso[a] in COUNTRIES and iso[b] in COUNTRIES]
    first = res.arrays["pair_first"][:, pairs, :] == 1  # (runs, pairs, 16)
    p_none_model = float(1.0 - first.any(-1).mean())
    rows.append({"quantity": "dyad-months with no event", "history": fitted["no_event_share"]["value"], "model": p_none_model, "note": "ICEWS, 30 directed dyads"})
    logodds = fitted["type_logodds"]["value"]
    p_none = fitted["no_event_share"]["value"]
    hist_share = {t: float(np.exp(logodds[t.value]) * p_none) for t in TYPES}
    for quad in Quad:
        members = [k for k, t in enumerate(TYPES) if quad_of(t) is quad]
        hist = sum(hist_share[TYPES[k]] for k in members)
        model = float(first[:, :, members].any(-1).mean())
        rows.append({"quantity": f"dyad-months with {quad.value.replace('_', ' ')}", "history": hist, "model": model, "note": "ICEWS type shares"})
    for oid, key in (("prk-nuclear-test", "prk_nuclear_month_rate"), ("prk-icbm-launch", "prk_icbm_month_rate"), ("prk-slbm-test", "prk_slbm_month_rate")):
        if oid in res.outcomes:
            model = float((res.outcome_first_step(oid) == 1).mean())
            rows.append({"quantity": f"monthly rate of {oid}", "history": fitted[key]["value"], "model": model, "note": "tests, 2016 – Feb 2018"})
    comp_rivals = [p for p, (a, b) in enumerate(res.pairs) if (a, b) in _rival_pairs(scen)]
    if comp_rivals:
        k = [t.value for t in TYPES].index("ASSAULT")
        model = float((res.arrays["pair_first"][:, comp_rivals, k] == 1).mean())
        rows.append({"quantity": "monthly use of force in a rival dyad", "history": fitted["force_hazard_rival"]["value"], "model": model, "note": "COW MID × rivalries; the model adds the crisis state"})
    return rows


def _rival_pairs(scen: Any) -> set[tuple[str, str]]:
    from detente.scenario.model import Rivalry

    out: set[tuple[str, str]] = set()
    for rel in scen.relations:
        if isinstance(rel, Rivalry):
            a, b = rel.members
            out |= {(a, b), (b, a)}
    return out
