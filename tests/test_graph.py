"""Relation networks and structural balance (oracles: Cartwright & Harary 1956; Europe 1907)."""

from __future__ import annotations

import itertools

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.scenario import load_scenario
from detente.scenario.graph import is_balanced, relation_graph


def brute_force_balanced(g: nx.Graph) -> bool:
    """Balanced iff every cycle has a positive sign product (checked over all simple cycles)."""
    for cycle in nx.cycle_basis(g) + [list(c) for c in nx.simple_cycles(g.to_directed()) if len(c) > 2]:
        sign = 1
        for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True):
            sign *= g[a][b]["sign"]
        if sign < 0:
            return False
    return True


def test_europe_1907_is_balanced_into_two_camps() -> None:
    entente, alliance = ["GBR", "FRA", "RUS"], ["DEU", "AUH", "ITA"]
    g = nx.Graph()
    for camp in (entente, alliance):
        for a, b in itertools.combinations(camp, 2):
            g.add_edge(a, b, sign=1)
    for a in entente:
        for b in alliance:
            g.add_edge(a, b, sign=-1)
    assert is_balanced(g)
    g["GBR"]["DEU"]["sign"] = 1  # one friendly tie across the camps breaks balance
    assert not is_balanced(g)


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.sampled_from([-1, 1])), max_size=12))
@settings(max_examples=150, deadline=None)
def test_two_colouring_agrees_with_cycle_brute_force(edges: list[tuple[int, int, int]]) -> None:
    g = nx.Graph()
    for a, b, s in edges:
        if a != b:
            g.add_edge(a, b, sign=s)
    assert is_balanced(g) == brute_force_balanced(g)


def test_korea_graph_has_sanction_and_alliance_ties() -> None:
    g = relation_graph(load_scenario("korea-2018", check_quotes=False))
    kinds = {d["kind"] for _, _, d in g.edges(data=True)}
    assert kinds == {"alliance", "partnership", "rivalry", "sanctions", "channel"}
    us_rok = {d["kind"] for d in g.get_edge_data("USA", "KOR").values()}
    assert "alliance" in us_rok and "sanctions" in us_rok  # secondary sanctions press the junior ally
    # the suspended six-party talks add no tie
    assert all(d["relation"] != "six-party-talks" for _, _, d in g.edges(data=True))
