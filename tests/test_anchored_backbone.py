"""The anchored engine on a real :class:`detente.anchor.Calibration` built directly (no data needed).

Known coefficients, no parameter uncertainty and subject multipliers pinned near 1, so the engine's
probabilities have closed forms; the calibration goes through its JSON file and the CLI as a user's would.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit

from detente.anchor import Calibration, ClassFit, StateFit
from detente.anchor.backbone import Backbone
from detente.engines.anchored import simulate
from detente.engines.anchored.references import scenario_references
from detente.scenario.io import load_scenario
from tests.cli_run import run

KOREA = load_scenario("korea-2018", check_quotes=False)
ALL_OFF = tuple(m.id for m in KOREA.mechanisms)
B0, BZ, Z0 = -3.2, 0.6, 1.2


def _class(ref: str, subject: str, state: str, bz: float) -> ClassFit:
    bb = Backbone(
        names=("const", "z"), beta=np.array([B0, bz]), cov=np.zeros((2, 2)), k=1e6, subjects=(subject,),
        observed=np.array([10.0]), expected=np.array([10.0]), n_events=10, n_rows=240,
    )
    return ClassFit(
        ref=ref, subject=subject, description="a known class", sources={"made": {"rows": 240, "first": "1998-01-01", "last": "2017-12-31"}},
        window=("1998-01", "2017-12"), n_events=10, n_subject_months=240, base_rate=10 / 240, subject_rate=10 / 240,
        state=state, backbone=bb, row=0, months_since=6, recent=[False] * 12,
    )


def _state(dyad: str) -> StateFit:
    return StateFit(dyad=dyad, z0=Z0, z0_method="known", rho=0.5, rho_se=0.0, sigma=0.5, df=10_000, mu=0.0, mu_sd=0.0,
                    w=0.3, w_se=0.0, centre=0.0, scale=1.0, window=("2005-01", "2015-12"), n_months=132)


def _calibration(bz: float = BZ, last: str = "2017-12-31") -> Calibration:
    classes, states = {}, {}
    for refs in scenario_references(KOREA).values():
        for r in refs:
            sign = -1 if r.ref.startswith(("leader-visit", "icews:04", "icews:05", "icews:08")) else 1
            classes[r.key] = _class(r.ref, r.subject, r.state, sign * bz)
            states[r.state] = _state(r.state)
    return Calibration(as_of=KOREA.scenario.as_of, classes=classes, states=states,
                       sources={"made": {"rows": 1, "first": "1998-01-01", "last": last}})


def test_first_month_matches_the_fitted_hazard_at_the_starting_state() -> None:
    runs = 20_000
    res = simulate(KOREA, calibration=_calibration(), runs=runs, seed=1, horizon=3, mechanisms_off=ALL_OFF)
    expected = float(expit(B0 + BZ * Z0))
    got = float((res.outcome_first_step("prk-nuclear-test") == 1).mean())
    assert abs(got - expected) < 4 * np.sqrt(expected * (1 - expected) / runs)
    summit = float((res.outcome_first_step("inter-korean-summit") == 1).mean())
    assert abs(summit - float(expit(B0 - BZ * Z0))) < 4 * np.sqrt(0.02 / runs)


def test_without_a_state_effect_the_horizon_probability_is_geometric() -> None:
    runs = 8000
    res = simulate(KOREA, calibration=_calibration(bz=0.0), runs=runs, seed=2, mechanisms_off=ALL_OFF)
    p = float(expit(B0))
    for h in (6, 24):
        expected = 1 - (1 - p) ** h
        s = res.summary("prk-icbm-launch", h)
        assert abs(s["p"] - expected) < 4 * np.sqrt(expected * (1 - expected) / runs)
        assert abs(s["p_cond"] - expected) < 0.005  # given known parameters, only the multiplier's tiny spread


def test_the_cli_runs_a_calibration_file_and_refuses_one_that_read_the_as_of_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "anchor-korea-2018.json"
    _calibration().save(good)
    out = tmp_path / "run.json"
    code, _, err = run(["simulate", "korea-2018", "--calibration", str(good), "-n", "512", "-q", "--no-store",
                        "--json", str(out)], capsys)
    assert code == 0, err
    d = json.loads(out.read_text())
    assert d["engine"] == "anchored" and d["calibration"]["as_of"] == "2018-02-26"
    assert d["references"]["prk-nuclear-test"][0]["window"] == ["1998-01", "2017-12"]
    late = tmp_path / "late.json"
    _calibration(last=dt.date(2018, 2, 26).isoformat()).save(late)
    code, _, err = run(["simulate", "korea-2018", "--calibration", str(late), "-n", "64", "-q", "--no-store"], capsys)
    assert code == 2
    (line,) = [ln for ln in err.splitlines() if ln.strip()]
    assert line.startswith(f"Error: {late}: sources.made: a row dated 2018-02-26 is on or after the as-of date 2018-02-26")
    assert "(fix: refit it" in line
