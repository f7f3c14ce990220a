"""The Python API as a notebook uses it: Python values in, DataFrames and HTML out, errors without flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import detente
from detente.errors import InputError


@pytest.fixture(scope="module")
def korea() -> detente.Scenario:
    return detente.load_scenario("korea-2018")


def test_a_notebook_session_end_to_end(korea: detente.Scenario) -> None:
    # Cell 0: the scenario shows what one can ask about.
    shown = korea._repr_html_()
    assert "Korean Peninsula" in shown and "<code>us-maximum-pressure</code>" in shown
    assert all(f"<code>{o.id}</code>" in shown for o in korea.outcomes)
    # Cell 1: simulate on the quantal-response engine, look at the odds.
    sim = detente.simulate(korea, runs=512, seed=3, engine="qre")
    assert sim.engine == "qre"
    frame = sim.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["outcome", "kind", "horizon", "p", "lo", "hi"]
    assert {o.id for o in korea.outcomes} <= set(frame.outcome)
    assert set(frame[frame.kind == "engine"].outcome) == {"engine:war", "engine:accidental-war", "engine:settlement"}
    assert ((frame.lo <= frame.p) & (frame.p <= frame.hi)).all()
    # The frame is the run's own numbers: the share of runs with a nuclear test by step 12.
    k = sim.outcomes.index("prk-nuclear-test")
    first = sim.arrays["outcome_first"][:, k]
    row = frame[(frame.outcome == "prk-nuclear-test") & (frame.horizon == 12)].iloc[0]
    assert row.p == pytest.approx(((first >= 1) & (first <= 12)).mean(), abs=1e-6)
    html = sim._repr_html_()
    assert "<table" in html and "korea-2018: 512 runs, seed 3" in html and "prk-nuclear-test" in html

    # Cell 2: compare a strategy with the baseline; effects in percentage points.
    cmp = detente.compare(korea, ["us-maximum-pressure"], runs=512, seed=3, components="none", engine="qre")
    cf = cmp.to_frame()
    arm = cf[(cf.arm == "us-maximum-pressure") & (cf.outcome == "prk-nuclear-test") & (cf.horizon == 12)].iloc[0]
    base = cf[(cf.arm == cmp.baseline) & (cf.outcome == "prk-nuclear-test") & (cf.horizon == 12)].iloc[0]
    assert arm.effect_pp == pytest.approx(100 * (arm.p - base.p), abs=1e-6)
    assert arm.effect_pp_lo <= arm.effect_pp <= arm.effect_pp_hi
    assert "percentage points" in cmp._repr_html_()

    # Cell 3: sweep one field over three values, given as Python numbers.
    sw = detente.sweep(korea, {"actors.USA.doctrine": [0.0, 0.5, 1.0]}, runs=256, seed=3, outcomes=["war"])
    sf = sw.to_frame()
    assert sorted(set(sf["actors.USA.doctrine"])) == [0.0, 0.5, 1.0]
    assert set(sf.outcome) == {"war"}
    assert "grid sweep of actors.USA.doctrine" in sw._repr_html_()


def test_the_api_runs_the_engine_the_command_line_chooses(korea: detente.Scenario) -> None:
    # Both shipped scenarios have a reference class for every outcome and a shipped calibration, so the
    # default is the anchored engine, as for `detente simulate`; its numbers are the engine's own for the seed.
    from detente.cli._engine import EngineName, choose_engine
    from detente.engines.anchored import simulate as anchored_simulate

    assert choose_engine(EngineName.AUTO, korea, None, "korea-2018")[0] == "anchored"
    sim = detente.simulate(korea, runs=512, seed=3)
    assert sim.engine == "anchored"
    direct = anchored_simulate(korea, runs=512, seed=3)
    np.testing.assert_array_equal(sim.arrays["outcome_first"], direct.arrays["outcome_first"])
    frame = sim.to_frame()
    assert {"outcome", "horizon", "p", "lo", "hi", "pred_lo", "pred_hi"} <= set(frame.columns)
    assert ((frame.lo <= frame.p) & (frame.p <= frame.hi)).all()
    assert "anchored engine" in sim._repr_html_()
    # A strategy moves the anchored comparison the way the engine's own runner does.
    cmp = detente.compare(korea, ["us-maximum-pressure"], runs=512, seed=3, components="none")
    cf = cmp.to_frame()
    arm = cf[(cf.arm == "us-maximum-pressure") & (cf.outcome == "prk-nuclear-test") & (cf.horizon == 12)].iloc[0]
    alone = anchored_simulate(korea, runs=512, seed=3, strategy="us-maximum-pressure").summary("prk-nuclear-test", 12)
    assert arm.p == pytest.approx(alone["p"], abs=1e-6)
    assert detente.simulate(korea, runs=64, seed=3, engine="qre").engine == "qre"


def test_same_seed_same_numbers_through_the_api() -> None:
    a = detente.simulate("korea-2018", runs=256, seed=11).to_frame()
    b = detente.simulate("korea-2018", runs=256, seed=11).to_frame()
    pd.testing.assert_frame_equal(a, b)
    c = detente.simulate("korea-2018", runs=256, seed=12).to_frame()
    assert not np.allclose(a.p.to_numpy(), c.p.to_numpy())


def test_overrides_are_python_values_and_move_the_result() -> None:
    low = detente.simulate("korea-2018", runs=512, seed=5, overrides={"actors.USA.doctrine": 0.0}, engine="qre").arrays
    high = detente.simulate("korea-2018", runs=512, seed=5, overrides={"actors.USA.doctrine": 1.0}, engine="qre").arrays
    assert not np.array_equal(low["pair_first"], high["pair_first"])


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: detente.simulate("korea-2018", runs=0), "runs=0"),
        (lambda: detente.simulate("korea-2018", seed=-1), "seed=-1"),
        (lambda: detente.simulate("korea-2018", runs=8, strategy="nope"), "strategy='nope'"),
        (lambda: detente.compare("korea-2018", ["nope"], runs=8), "strategies='nope'"),
        (lambda: detente.compare("korea-2018", ["us-maximum-pressure"], runs=8, outcomes=["nope"]), "outcomes='nope'"),
        (lambda: detente.sweep("korea-2018", {"actors.XXX.doctrine": [0, 1]}, runs=8), "actors.XXX.doctrine"),
        (lambda: detente.sweep("korea-2018", {"actors.USA.doctrine": [0, 1]}, design="lhs", runs=8), "points=N"),
        (lambda: detente.simulate("korea-2018", runs=8, overrides={"actors.XXX.doctrine": 1.0}), "actors.XXX"),
        (lambda: detente.simulate("korea-2018", runs=8, engine="fast"), "engine='fast'"),
        (lambda: detente.compare("korea-2018", ["us-maximum-pressure"], runs=8, engine="fast"), "engine='fast'"),
    ],
)
def test_errors_name_arguments_not_command_line_flags(call, needle: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as exc:
        call()
    message = str(exc.value)
    assert needle in message
    assert "--" not in message, message
    assert "fix:" in message


def test_public_names_are_documented_and_importable() -> None:
    for name in detente.__all__:
        obj = getattr(detente, name)
        if callable(obj) and not isinstance(obj, type):
            assert obj.__doc__ and obj.__doc__.strip(), name
