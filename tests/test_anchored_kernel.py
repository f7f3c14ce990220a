"""The anchored engine's compiled kernel against its numpy reference path, an analytic case, and the fallback.

Tolerance: the two paths draw the same random numbers and do the same arithmetic in the same order,
but numpy's ``einsum``, ``exp`` (SIMD) and ``scipy.special.expit`` may round differently from the
compiled scalar loop by a few units in the last place of a float64. First months are then identical
(a uniform would have to fall within 1e-16 of a hazard to differ), and the float32 outputs ``cond``
and ``z`` agree to rtol 1e-6 (float32 resolution ~6e-8, so a few float64 ulp never show beyond it).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np
import pytest
from scipy.special import expit

pytest.importorskip("numba")

from detente.anchor.panel import FEATURES  # noqa: E402
from detente.engines.anchored import compile_scenario, simulate  # noqa: E402
from detente.engines.anchored import kernel as kernel_mod  # noqa: E402
from detente.engines.anchored.backbone import load, shipped_calibration_path  # noqa: E402
from detente.engines.anchored.model import BLOCK, block_draws, run_block, run_block_numpy  # noqa: E402
from detente.engines.escalation.result import report_horizons  # noqa: E402
from detente.errors import InputError  # noqa: E402
from detente.scenario.io import load_scenario  # noqa: E402
from tests.anchored_fixture import calibration_for  # noqa: E402
from tests.cli_run import run  # noqa: E402

RTOL = 1e-6
SCENARIOS = ("korea-2018", "eurasia-2023")


def _shipped(name: str):
    path = shipped_calibration_path(name)
    if not path.is_file():
        pytest.skip(f"no shipped calibration for {name}")
    return load_scenario(name, check_quotes=False), load(path), path


def _compiled(name: str, strategy: str | None = None, all_off: bool = False):
    scen, cal, path = _shipped(name)
    off = tuple(m.id for m in scen.mechanisms) if all_off else ()
    comp = compile_scenario(scen, cal, calibration_path=path, strategy=strategy, mechanisms_off=off)
    return scen, comp, report_horizons(comp.horizon)


def _assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys() == {"outcome_first", "key_first", "cond", "z"}
    for k in a:
        assert a[k].shape == b[k].shape and a[k].dtype == b[k].dtype, k
    np.testing.assert_array_equal(a["outcome_first"], b["outcome_first"])
    np.testing.assert_array_equal(a["key_first"], b["key_first"])
    np.testing.assert_allclose(a["cond"], b["cond"], rtol=RTOL, atol=0)
    np.testing.assert_allclose(a["z"], b["z"], rtol=RTOL, atol=1e-7)


def _assert_close(a: Any, b: Any) -> None:
    """Equal JSON documents, floats within the kernel's tolerance."""
    if isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=RTOL, abs=1e-9)
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys()
        for k in a:
            _assert_close(a[k], b[k])
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _assert_close(x, y)
    else:
        assert a == b


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize("all_off", [False, True], ids=["mechanisms-on", "mechanisms-off"])
def test_compiled_blocks_equal_the_numpy_reference(name: str, all_off: bool) -> None:
    _, comp, hs = _compiled(name, all_off=all_off)
    assert kernel_mod.supports(comp)
    if not all_off:
        assert comp.levers, "every mechanism on should give levers to check"
    flat = kernel_mod.flatten(comp, hs)
    for block in (0, 7):
        ref = run_block_numpy(comp, 11, block, hs)
        got = run_block(comp, 11, block, hs, "compiled", flat)
        _assert_same(ref, got)
        assert (ref["key_first"] >= 1).any(), "a block without events would check nothing"
        assert ref["outcome_first"].shape == (BLOCK, len(comp.outcomes))
        assert ref["z"].shape == (BLOCK, comp.horizon + 1, len(comp.states))


def test_compiled_equals_numpy_with_a_strategy_and_the_veto_and_accident_channels() -> None:
    _, comp, hs = _compiled("korea-2018", strategy="us-maximum-pressure")
    assert any(lv.kind == "strategy" for lv in comp.levers)
    _assert_same(run_block_numpy(comp, 3, 2, hs), run_block(comp, 3, 2, hs, "compiled"))
    # eurasia-2023 has a vetoed outcome and accident levers: both paths must block the same runs
    _, comp, hs = _compiled("eurasia-2023")
    assert any(o.veto is not None for o in comp.outcomes) and any(lv.accident for lv in comp.levers)
    blocked = block_draws(comp, 3, 2).blocked
    assert blocked.any() and not blocked.all()
    got = run_block(comp, 3, 2, hs, "compiled")
    _assert_same(run_block_numpy(comp, 3, 2, hs), got)
    vetoed = next(i for i, o in enumerate(comp.outcomes) if o.veto is not None)
    k = comp.outcomes[vetoed].keys[0]
    assert (got["outcome_first"][blocked[k], vetoed] == -1).all()


@pytest.mark.parametrize(
    ("name", "strategy", "horizon"),
    [("korea-2018", "russia-five-countermeasures", 1), ("eurasia-2023", "peace-through-force", 36), ("eurasia-2023", "return-of-diplomacy", 7)],
)
def test_compiled_equals_numpy_at_other_horizons_and_strategies(name: str, strategy: str, horizon: int) -> None:
    scen, cal, path = _shipped(name)
    comp = compile_scenario(scen, cal, calibration_path=path, strategy=strategy, horizon=horizon)
    hs = report_horizons(comp.horizon)
    _assert_same(run_block_numpy(comp, 8, 3, hs), run_block(comp, 8, 3, hs, "compiled"))


@pytest.mark.parametrize("name", SCENARIOS)
def test_simulate_gives_the_same_result_with_either_kernel(name: str) -> None:
    scen, _, _ = _shipped(name)
    kw = dict(runs=700, seed=4, horizon=12, keep_paths=True)  # a partial last block, a shorter horizon
    a = simulate(scen, kernel="numpy", **kw)
    b = simulate(scen, kernel="compiled", **kw)
    _assert_same(a.arrays, b.arrays)
    for o in a.outcomes:
        sa, sb = a.summary(o, 12), b.summary(o, 12)
        assert sa["p"] == sb["p"]
        assert sa["p_cond"] == pytest.approx(sb["p_cond"], rel=RTOL)


def test_a_constant_hazard_gives_the_closed_form_conditional_probability() -> None:
    # Every mechanism off and a class with only a constant: per run, P(event by h) = 1 - (1 - expit(b + log m))^h.
    _, comp, hs = _compiled("korea-2018", all_off=True)
    assert not comp.levers
    got = run_block(comp, 5, 1, hs, "compiled")
    draws = block_draws(comp, 5, 1).draws
    checked = 0
    for o_i, o in enumerate(comp.outcomes):
        if len(o.keys) != 1 or o.veto is not None or comp.class_fits[o.keys[0]].backbone.names != ("const",):
            continue
        d = draws[o.keys[0]]
        p = expit(d.beta[:, 0] + d.log_m)
        for col, h in enumerate(hs):
            np.testing.assert_allclose(got["cond"][:, o_i, col], 1.0 - (1.0 - p) ** h, rtol=1e-5, atol=1e-7)
        checked += 1
    assert checked, "korea-2018 should have an outcome on a constant-only class"


@pytest.mark.parametrize("pool", ["threads", "processes"])
def test_serial_and_parallel_compiled_runs_agree(pool: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules["detente.engines.anchored.simulate"], "POOL", pool)
    scen, _, _ = _shipped("korea-2018")
    kw = dict(runs=1300, seed=9, strategy="us-maximum-pressure", kernel="compiled")
    a = simulate(scen, workers=1, **kw)
    b = simulate(scen, workers=2, **kw)
    for key in a.arrays:
        np.testing.assert_array_equal(a.arrays[key], b.arrays[key])
    assert a.to_dict() == b.to_dict()


def test_the_kernel_reads_every_backbone_feature() -> None:
    assert set(kernel_mod.FEATURE_CODES) == set(FEATURES)


def test_a_hand_made_calibration_runs_on_numpy_under_auto_and_is_refused_by_compiled() -> None:
    scen = load_scenario("korea-2018", check_quotes=False)
    cal = calibration_for(scen)
    res = simulate(scen, calibration=cal, runs=300, seed=1, kernel="auto")
    ref = simulate(scen, calibration=cal, runs=300, seed=1, kernel="numpy")
    np.testing.assert_array_equal(res.arrays["outcome_first"], ref.arrays["outcome_first"])
    with pytest.raises(InputError, match=r"^kernel: 'compiled' runs only fitted backbone calibrations.*\(fix: --kernel numpy\)$"):
        simulate(scen, calibration=cal, runs=300, seed=1, kernel="compiled")


def test_an_unknown_kernel_is_refused_with_the_choices() -> None:
    scen, _, _ = _shipped("korea-2018")
    with pytest.raises(InputError, match=r"kernel: 'fast' is not one of auto, compiled, numpy"):
        simulate(scen, runs=10, kernel="fast")


def test_without_numba_auto_falls_back_to_numpy_with_one_notice(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    scen, _, _ = _shipped("korea-2018")
    expected = simulate(scen, runs=600, seed=2, kernel="compiled", keep_paths=True)
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` now raises ImportError
    monkeypatch.setattr(kernel_mod, "_noticed", False)
    capsys.readouterr()
    first = simulate(scen, runs=600, seed=2, kernel="auto", keep_paths=True)
    second = simulate(scen, runs=600, seed=2, keep_paths=True)
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("notice: Numba does not import") and "numpy reference path" in lines[0]
    assert lines[0].endswith("(fix: pip install numba==0.68.1)")
    for res in (first, second):
        _assert_same(expected.arrays, res.arrays)
    with pytest.raises(InputError, match=r"^kernel: 'compiled' needs Numba.*\(fix: pip install numba==0\.68\.1, or --kernel numpy\)$"):
        simulate(scen, runs=600, seed=2, kernel="compiled")


def test_cli_kernel_option_gives_the_same_json_and_refuses_compiled_without_numba(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _shipped("korea-2018")
    outs = []
    for k in ("numpy", "compiled"):
        code, out, err = run(["simulate", "korea-2018", "-n", "600", "-s", "3", "--kernel", k, "--no-store", "--quiet",
                              "--json", "-"], capsys)
        assert code == 0, err
        outs.append(json.loads(out[out.index("{"):]))
    _assert_close(outs[0], outs[1])
    monkeypatch.setitem(sys.modules, "numba", None)
    code, out, err = run(["simulate", "korea-2018", "-n", "600", "--kernel", "compiled", "--no-store", "--quiet"], capsys)
    assert code == 2
    assert err.strip().splitlines() == [err.strip()] and err.startswith("Error: kernel: 'compiled' needs Numba")


def test_a_dask_comparison_with_the_compiled_kernel_equals_the_serial_one() -> None:
    pytest.importorskip("distributed")
    from detente.engines.anchored.runner import AnchoredRunner
    from detente.experiments import DaskBackend, LocalBackend, compare

    scen, cal, _ = _shipped("korea-2018")
    kw = dict(runs=600, seed=21, components="none")
    local = compare(scen, ["us-maximum-pressure"], backend=LocalBackend(), runner=AnchoredRunner(scen, cal, kernel="compiled"), **kw)
    with DaskBackend(n_workers=2) as backend:
        remote = compare(scen, ["us-maximum-pressure"], backend=backend, runner=AnchoredRunner(scen, cal, kernel="compiled"), **kw)
    a, b = local.to_dict(), remote.to_dict()
    assert a.pop("backend") == "local" and b.pop("backend") == "dask"
    assert a == b
