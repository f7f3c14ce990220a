"""Both shipped scenarios run on their shipped calibrations (no data directory needed)."""

from __future__ import annotations

import numpy as np
import pytest

from detente.engines.anchored import simulate
from detente.engines.anchored.backbone import shipped_calibration_path
from detente.scenario.io import load_scenario


@pytest.mark.parametrize("name", ["korea-2018", "eurasia-2023"])
def test_shipped_scenario_runs_on_its_shipped_calibration(name: str) -> None:
    if not shipped_calibration_path(name).is_file():
        pytest.skip(f"no shipped calibration for {name}")
    scen = load_scenario(name, check_quotes=False)
    runs = 2048
    res = simulate(scen, runs=runs, seed=5, mechanisms_off=tuple(m.id for m in scen.mechanisms))
    d = res.to_dict()
    assert d["calibration"]["as_of"] == str(scen.scenario.as_of)
    for o in scen.outcomes:
        s = res.summary(o.id, res.horizon)
        # the share and the mean conditional probability estimate the same thing
        assert abs(s["p"] - s["p_cond"]) <= 4 * np.sqrt(max(s["p_cond"] * (1 - s["p_cond"]), 1e-4) / runs) + 1e-3, (o.id, s)
        for ref in d["references"][o.id]:
            assert ref["window"][0] and ref["window"][1] < str(scen.scenario.as_of)
            assert ref["n_subject_months"] > 0
