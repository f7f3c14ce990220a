"""The mechanism library: scenarios instantiate generic types under their own ids; only those act."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from detente.engines.escalation import mechanism_levers, simulate
from detente.errors import DetenteError, InputError, ScenarioError
from detente.mechanisms import SEED_INSTANCES, TYPES
from detente.scenario import load_scenario
from detente.scenario.checks import check_references
from detente.scenario.io import parse_scenario, resolve_scenario

DATA = Path(__file__).parent / "data"
TINY = (DATA / "tiny.toml").read_text("utf-8")
DOCS = Path(__file__).resolve().parents[1] / "docs"


def tiny(mechanisms: str) -> str:
    """The tiny scenario with its [[mechanisms]] replaced by ``mechanisms``."""
    body = re.sub(r'\[\[mechanisms\]\]\nid = "K11"\nname = "Accidental escalation"\nparams = \{ rate = 0.01 \}\n', "", TINY)
    assert body != TINY
    return body + "\n" + mechanisms


def load(text: str):  # type: ignore[no-untyped-def]
    s = parse_scenario(text, DATA / "tiny.toml")
    check_references(s, "tiny.toml")
    return s


USER = """
[[mechanisms]]
id = "P01"
type = "accidental-escalation"
params = { rate = 0.2 }

[[mechanisms]]
id = "alpha-beta-grudge"
type = "mutual-grievance"
actors = ["A", "B"]
"""


def test_user_defined_ids_validate_run_and_are_the_only_ones_listed() -> None:
    s = load(tiny(USER))
    assert [(m.id, m.type) for m in s.mechanisms] == [("P01", "accidental-escalation"), ("alpha-beta-grudge", "mutual-grievance")]
    assert s.mechanism("P01").name == TYPES["accidental-escalation"].title  # type: ignore[union-attr]
    r = simulate(s, runs=512, seed=1, horizon=12)
    assert set(r.mechanisms) == {"P01", "alpha-beta-grudge"}
    assert r.mechanisms["P01"]["enabled"] and r.mechanisms["P01"]["type"] == "accidental-escalation"
    assert r.mechanisms["P01"]["params"]["rate"] == pytest.approx(0.2)
    assert (r.arrays["accident_first"] >= 1).any()


def test_undeclared_types_do_not_act() -> None:
    bare = load(tiny(""))
    r = simulate(bare, runs=512, seed=1, horizon=12)
    assert r.mechanisms == {}
    assert (r.arrays["accident_first"] < 0).all()  # no accidental-escalation instance, no accident
    with_it = simulate(load(tiny(USER)), runs=512, seed=1, horizon=12)
    # The grievance instance raises A's hostility towards B: more tension at the end.
    assert with_it.tension_of("A", "B")[:, -1].mean() > r.tension_of("A", "B")[:, -1].mean()


def test_switching_off_by_instance_id_or_by_type_is_the_same() -> None:
    s = load(tiny(USER))
    by_id = simulate(s, runs=256, seed=2, horizon=8, mechanisms_off=["P01"])
    by_type = simulate(s, runs=256, seed=2, horizon=8, mechanisms_off=["accidental-escalation"])
    assert not by_id.mechanisms["P01"]["enabled"] and by_id.mechanisms["alpha-beta-grudge"]["enabled"]
    for key, arr in by_id.arrays.items():
        assert np.array_equal(arr, by_type.arrays[key]), key
    assert (by_id.arrays["accident_first"] < 0).all()


def test_a_seed_scenario_gives_the_same_numbers_under_other_instance_ids() -> None:
    """The numbers come from the types: renaming every instance (and its references) changes nothing."""
    path = resolve_scenario("korea-2018")
    text = path.read_text("utf-8")
    renamed = re.sub(r'\b(id|mechanism) = "K(\d\d)"', r'\1 = "korea-mech-\2"', text)
    assert renamed.count("korea-mech-") >= 24
    original = load_scenario("korea-2018", check_quotes=False)
    other = parse_scenario(renamed, path)
    assert {m.id for m in other.mechanisms} == {f"korea-mech-{m.id[1:]}" for m in original.mechanisms}
    a = simulate(original, runs=256, seed=4, horizon=12, strategy="russia-five-countermeasures")
    b = simulate(other, runs=256, seed=4, horizon=12, strategy="russia-five-countermeasures")
    for key, arr in a.arrays.items():
        assert np.array_equal(arr, b.arrays[key]), key
    assert {v["type"] for v in a.mechanisms.values()} == {v["type"] for v in b.mechanisms.values()}


def test_files_without_type_still_read_for_seed_ids() -> None:
    s = load(tiny('[[mechanisms]]\nid = "K11"\n'))
    assert s.mechanisms[0].type == "accidental-escalation"
    assert s.mechanisms[0].name == SEED_INSTANCES["K11"][1]


@pytest.mark.parametrize(
    ("block", "path", "words"),
    [
        ('[[mechanisms]]\nid = "P01"\n', "mechanisms[0]", "names no `type`"),
        ('[[mechanisms]]\nid = "P01"\ntype = "telepathy"\n', "mechanisms[0]", "unknown mechanism type 'telepathy'"),
        ('[[mechanisms]]\nid = "P01"\ntype = "red-line"\n\n[[mechanisms]]\nid = "P02"\ntype = "red-line"\n', "mechanisms[1].type", "second enabled instance"),
        ('[[mechanisms]]\nid = "P01"\ntype = "hair-trigger"\nactors = ["A", "Q"]\n', "mechanisms[0].actors[1]", "unknown actor 'Q'"),
    ],
)
def test_bad_mechanisms_give_one_line_with_a_fix(block: str, path: str, words: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load(tiny(block))
    msg = str(info.value)
    assert f": {path}: " in msg and words in msg and "(fix: " in msg and "\n" not in msg
    assert "shared" not in msg


def test_two_instances_of_one_type_are_fine_when_one_is_disabled() -> None:
    s = load(tiny('[[mechanisms]]\nid = "P01"\ntype = "red-line"\n\n[[mechanisms]]\nid = "P02"\ntype = "red-line"\nenabled = false\n'))
    r = simulate(s, runs=256, seed=1, horizon=3)
    assert r.mechanisms["P01"]["enabled"] and not r.mechanisms["P02"]["enabled"]


def test_switching_off_an_undeclared_mechanism_names_the_declared_ones() -> None:
    s = load(tiny(USER))
    with pytest.raises(InputError, match=r"declares no mechanism K11 \(fix: use one of its mechanism ids: P01, alpha-beta-grudge\)"):
        simulate(s, runs=8, seed=1, horizon=2, mechanisms_off=["K11"])


def test_an_override_of_a_type_name_adds_an_instance() -> None:
    s = load(tiny(""))
    r = simulate(s, runs=256, seed=1, horizon=6, overrides={"mechanisms[accidental-escalation].params.rate": 0.5})
    assert r.mechanisms["accidental-escalation"]["enabled"]
    assert (r.arrays["accident_first"] >= 1).any()


def test_a_strategy_component_must_name_a_declared_instance() -> None:
    bad = tiny(USER) + '\n[[strategies]]\nid = "s2"\nname = "S"\nactor = "G"\n[[strategies.components]]\nid = "c"\nname = "C"\nmechanism = "K19"\nactions = [{ kind = "event", actor = "G", event = "CONSULT", targets = ["A"], weight = 1.0 }]\n'
    with pytest.raises(DetenteError, match=r"components\[0\]\.mechanism: no mechanism 'K19'.*fix: use one of the \[\[mechanisms\]\] ids: P01, alpha-beta-grudge"):
        load(bad)


def test_every_type_is_documented_with_its_parameters() -> None:
    model = (DOCS / "model.md").read_text("utf-8")
    catalogue = (DOCS / "mechanisms.md").read_text("utf-8")
    for kind, lever in mechanism_levers().items():
        assert f"| `{kind}` |" in model, kind
        assert f"`{kind}`" in catalogue, kind
        for name, p in lever.params.items():
            assert not p.source.startswith("article"), (kind, name)  # the articles give no numbers


@pytest.mark.parametrize("sid", ["korea-2018", "eurasia-2023"])
def test_the_catalogue_lists_every_seed_instance_with_its_type_and_quote(sid: str) -> None:
    catalogue = (DOCS / "mechanisms.md").read_text("utf-8")
    s = load_scenario(sid, check_quotes=False)
    for m in s.mechanisms:
        row = next((line for line in catalogue.splitlines() if line.startswith(f"| {m.id} |")), None)
        assert row is not None, m.id
        assert f"`{m.type}`" in row, m.id
        if m.quote:
            assert m.quote[:60].replace("|", "\\|") in row, m.id
        else:
            assert "assumption" in row, m.id
