"""Streaming summaries of the anchored engine: histograms, serial = parallel, --keep-paths, the memory check."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.engines.anchored import simulate
from detente.engines.anchored.backbone import shipped_calibration_path
from detente.engines.anchored.model import BLOCK
from detente.engines.anchored.summary import (
    COND_BINS,
    COND_RESOLUTION,
    Z_BINS,
    Z_HI,
    Z_LO,
    Z_RESOLUTION,
    Histogram,
    RunSummary,
)
from detente.errors import InputError
from detente.scenario.io import load_scenario
from tests.anchored_fixture import calibration_for
from tests.cli_run import run

KOREA = load_scenario("korea-2018", check_quotes=False)
SIM = __import__("importlib").import_module("detente.engines.anchored.simulate")
QS = (0.0, 0.005, 0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975, 0.995, 1.0)
EPS = 1e-9  # float rounding of bin edges and of the interpolation


def _values(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(1, 300))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["uniform", "beta", "atoms", "tiny"]))
    if kind == "uniform":
        x = rng.random(n)
    elif kind == "beta":
        x = rng.beta(0.3, 4.0, n)
    elif kind == "atoms":
        x = rng.choice([0.0, 1.0, 0.5, 1 / 3], n)
    else:
        x = rng.random(n) * 1e-5
    return x.astype(np.float32)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_histogram_quantiles_are_within_half_a_bin_of_numpy(data: st.DataObject) -> None:
    x = _values(data.draw)
    q = data.draw(st.sampled_from(QS) | st.floats(0.0, 1.0))
    h = Histogram.of(x[:, None], 0.0, 1.0, COND_BINS)
    exact = float(np.quantile(x.astype(np.float64), q))
    assert abs(float(h.quantile(q)[0]) - exact) <= COND_RESOLUTION + EPS
    assert h.resolution == COND_RESOLUTION == 0.5 / 4096


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_histograms_of_parts_add_up_to_the_histogram_of_the_whole(data: st.DataObject) -> None:
    x = _values(data.draw)
    cut = data.draw(st.integers(1, len(x)))
    whole = Histogram.of(x[:, None], 0.0, 1.0, 64)
    first = Histogram.of(x[:cut, None], 0.0, 1.0, 64)
    if cut < len(x):
        first.add(Histogram.of(x[cut:, None], 0.0, 1.0, 64))
    np.testing.assert_array_equal(first.counts, whole.counts)
    np.testing.assert_array_equal(first.vmin, whole.vmin)
    np.testing.assert_array_equal(first.vmax, whole.vmax)
    np.testing.assert_array_equal(first.at_min, whole.at_min)
    np.testing.assert_array_equal(first.at_max, whole.at_max)


def test_probabilities_of_exactly_zero_or_one_give_exact_quantiles() -> None:
    """A vetoed outcome's runs have probability 0: a 2.5 % quantile among them is 0, not half a bin."""
    x = np.concatenate([np.zeros(50), np.linspace(0.1, 0.9, 900), np.ones(50)]).astype(np.float32)
    parts = [Histogram.of(x[i::3, None], 0.0, 1.0, COND_BINS) for i in range(3)]
    h = parts[0]
    for p in parts[1:]:
        h.add(p)
    assert h.at_min[0] == 50 and h.at_max[0] == 50
    assert h.quantile(0.025)[0] == 0.0 and h.quantile(0.975)[0] == 1.0
    assert abs(h.quantile(0.5)[0] - np.quantile(x.astype(np.float64), 0.5)) <= COND_RESOLUTION


def test_values_outside_the_range_are_counted_and_the_extremes_stay_exact() -> None:
    x = np.array([-40.0, -20.0, -1.0, 0.0, 0.5, 2.0, 16.0, 30.0], dtype=np.float32)[:, None]
    h = Histogram.of(x, Z_LO, Z_HI, Z_BINS)
    assert h.counts[0, 0] == 2 and h.counts[0, -1] == 1 and h.counts.sum() == 8  # 16.0 is in the last bin
    assert h.quantile(0.0)[0] == -40.0 and h.quantile(1.0)[0] == 30.0
    exact = np.quantile(x[:, 0].astype(np.float64), 0.5)
    assert abs(h.quantile(0.5)[0] - exact) <= Z_RESOLUTION
    assert h.exact_within(0.5)[0] and not h.exact_within(0.2)[0]  # rank 1.4 sits between -40 and -20
    with_nan = Histogram.of(np.array([[0.1], [np.nan]]), 0.0, 1.0, 8)
    assert np.isnan(with_nan.quantile(0.5)[0]) and with_nan.nan[0] == 1
    with pytest.raises(ValueError, match="different bins"):
        h.add(Histogram.of(x, 0.0, 1.0, 8))


def test_run_summaries_added_match_the_exact_mean_and_quantiles() -> None:
    rng = np.random.default_rng(3)
    block = {"cond": rng.beta(0.5, 5.0, (BLOCK, 2, 3)).astype(np.float32),
             "z": rng.normal(0.5, 1.2, (BLOCK, 7, 2)).astype(np.float32)}
    s = RunSummary.of(block["cond"][:300], block["z"][:300])
    s.add(RunSummary.of(block["cond"][300:400], block["z"][300:400]))
    assert s.runs == 400 and s.z_hist.counts.dtype == np.int64
    cond = block["cond"][:400].astype(np.float64)
    np.testing.assert_allclose(s.cond_mean(), cond.mean(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(s.z_mean(), block["z"][:400].astype(np.float64).mean(axis=0), rtol=0, atol=1e-12)
    for q in QS:
        assert np.abs(s.cond_quantile(q) - np.quantile(cond, q, axis=0)).max() <= COND_RESOLUTION + EPS
        zq = np.quantile(block["z"][:400].astype(np.float64), q, axis=0)
        assert np.abs(s.z_quantile(q) - zq).max() <= Z_RESOLUTION + EPS


@pytest.mark.parametrize("shipped", [False, True], ids=["hand-made (numpy, processes)", "shipped (kernel auto, threads)"])
def test_serial_and_parallel_runs_give_identical_summaries_over_several_groups(shipped: bool) -> None:
    """Two full groups of blocks and a part of a third, so the parallel path really splits the work."""
    if shipped and not shipped_calibration_path("korea-2018").is_file():
        pytest.skip("no shipped calibration for korea-2018")
    cal = None if shipped else calibration_for(KOREA)
    runs = 2 * SIM.GROUP * BLOCK + 700
    a = simulate(KOREA, calibration=cal, runs=runs, seed=9, horizon=6, workers=1)
    b = simulate(KOREA, calibration=cal, runs=runs, seed=9, horizon=6, workers=2)
    c = simulate(KOREA, calibration=cal, runs=runs, seed=9, horizon=6, workers=3)
    for other in (b, c):
        for key in a.arrays:
            np.testing.assert_array_equal(a.arrays[key], other.arrays[key])
        np.testing.assert_array_equal(a.stats.cond_sum, other.stats.cond_sum)
        np.testing.assert_array_equal(a.stats.z_sum, other.stats.z_sum)
        np.testing.assert_array_equal(a.stats.z_hist.counts, other.stats.z_hist.counts)
        assert a.to_dict() == other.to_dict()
    assert a.stats.runs == runs and a.arrays["outcome_first"].shape[0] == runs


def test_without_paths_the_result_keeps_first_hits_and_summaries_only() -> None:
    cal = calibration_for(KOREA)
    lean = simulate(KOREA, calibration=cal, runs=700, seed=4, horizon=12)
    full = simulate(KOREA, calibration=cal, runs=700, seed=4, horizon=12, keep_paths=True)
    assert set(lean.arrays) == {"outcome_first", "key_first"} and not lean.paths_kept
    assert set(full.arrays) == {"outcome_first", "key_first", "cond", "z"} and full.paths_kept
    assert full.cond.shape == (700, len(full.outcomes), len(full.horizons))
    assert full.z.shape == (700, 13, len(full.states))
    for key in lean.arrays:
        np.testing.assert_array_equal(lean.arrays[key], full.arrays[key])
    with pytest.raises(InputError, match=r"were not kept.*fix: simulate with keep_paths=True"):
        lean.conditional("prk-nuclear-test", 12)
    with pytest.raises(InputError, match=r"horizon 7 is not reported"):
        lean.conditional_mean("prk-nuclear-test", 7)
    # the mean is exact either way; the quantiles within the stated resolution
    o = "prk-nuclear-test"
    assert lean.conditional_mean(o, 12) == pytest.approx(float(full.conditional(o, 12).mean()), abs=1e-12)
    for q in (0.025, 0.5, 0.975):
        assert abs(lean.conditional_quantile(o, 12, q) - np.quantile(full.conditional(o, 12), q)) <= COND_RESOLUTION + EPS
    assert lean.to_dict()["quantiles"]["cond_resolution"] == COND_RESOLUTION
    assert full.to_dict()["quantiles"]["cond_resolution"] == 0.0
    again = pickle.loads(pickle.dumps(lean))
    assert again.to_dict() == lean.to_dict()


@pytest.mark.parametrize("name", ["korea-2018", "eurasia-2023"])
def test_sketch_quantiles_agree_with_exact_quantiles_on_the_shipped_scenarios(name: str) -> None:
    if not shipped_calibration_path(name).is_file():
        pytest.skip(f"no shipped calibration for {name}")
    scen = load_scenario(name, check_quotes=False)
    res = simulate(scen, runs=3000, seed=2, keep_paths=True)
    cond = res.cond.astype(np.float64)
    z = res.z.astype(np.float64)
    np.testing.assert_allclose(res.stats.cond_mean(), cond.mean(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.stats.z_mean(), z.mean(axis=0), rtol=0, atol=1e-9)
    for q in (0.025, 0.05, 0.5, 0.95, 0.975):
        assert np.abs(res.stats.cond_quantile(q) - np.quantile(cond, q, axis=0)).max() <= COND_RESOLUTION + EPS
        inside = res.stats.z_hist.exact_within(q).reshape(res.stats.z_sum.shape)
        assert inside.all()  # the shipped states stay inside the histogram's range
        assert np.abs(res.stats.z_quantile(q) - np.quantile(z, q, axis=0)).max() <= Z_RESOLUTION + EPS
    # what a user reads: the summaries with and without paths differ by the resolution and the rounding
    lean = simulate(scen, runs=3000, seed=2).to_dict()
    assert lean["quantiles"]["state_quantiles_outside_range"] == 0
    full = res.to_dict()
    for o in res.outcomes:
        for h in map(str, res.horizons):
            a, b = lean["outcomes"][o][h], full["outcomes"][o][h]
            assert (a["p"], a["lo"], a["hi"]) == (b["p"], b["lo"], b["hi"])
            assert abs(a["p_cond"] - b["p_cond"]) <= 1e-6
            for k in ("pred_lo", "pred_hi"):
                assert abs(a[k] - b[k]) <= COND_RESOLUTION + 1e-6, (o, h, k)
    for s in res.states:
        for k in ("q05", "q50", "q95"):
            assert np.abs(np.subtract(lean["states"][s][k], full["states"][s][k])).max() <= Z_RESOLUTION + 1e-4


def test_runs_that_would_not_fit_in_memory_are_refused_before_any_block(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = SIM.run_block
    monkeypatch.setattr(SIM, "run_block", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    monkeypatch.setattr(SIM, "memory_limit", lambda: 600 * 2**20)
    cal = calibration_for(KOREA)
    with pytest.raises(InputError) as err:
        simulate(KOREA, calibration=cal, runs=10_000_000, seed=1, keep_paths=True)
    m = re.fullmatch(
        r"runs: 10,000,000 runs of 24 months with their paths \(--keep-paths\) would keep about ([\d.]+) GiB, more "
        r"than the 0\.6 GiB this machine allows \(fix: use at most ([\d,]+) runs, or drop --keep-paths\)",
        str(err.value),
    )
    assert m, str(err.value)
    assert calls == []
    fit = int(m.group(2).replace(",", ""))
    assert 10_000 < fit < 10_000_000
    res = simulate(KOREA, calibration=cal, runs=BLOCK, seed=1, horizon=3, keep_paths=True)
    assert res.runs == BLOCK and calls == [0]


def test_without_paths_only_absurd_run_counts_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without paths a run keeps 2 bytes per outcome and per class: 10 M runs of korea-2018 need well under 1 GiB."""
    shape = {"n_outcomes": 14, "n_horizons": 3, "n_keys": 17, "months": 24, "n_states": 3}
    monkeypatch.setattr(SIM, "memory_limit", lambda: 2**30)
    SIM.check_memory(10_000_000, **shape, keep_paths=False)
    with pytest.raises(InputError, match=r"with their paths .*fix: use at most [\d,]+ runs, or drop --keep-paths"):
        SIM.check_memory(10_000_000, **shape, keep_paths=True)
    monkeypatch.setattr(SIM, "memory_limit", lambda: 200 * 2**20)
    with pytest.raises(InputError, match=r"^runs: 10,000,000 runs of 24 months would keep about 0\.[\d] GiB.*fix: use at most"):
        SIM.check_memory(10_000_000, **shape, keep_paths=False)


def test_keep_paths_writes_the_per_run_arrays_with_their_names(
    toy_calibration: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    target = tmp_path / "paths.data"  # written under the name given, not renamed to .npz
    code, out, err = run(["simulate", "korea-2018", "--engine", "anchored", "--calibration", str(toy_calibration),
                          "-n", "600", "-s", "3", "--horizon", "12", "-q", "--no-store", "--keep-paths", str(target)],
                         capsys)
    assert code == 0, err
    assert f"wrote 600 runs' arrays to {target} (numpy.load)" in out
    with np.load(target) as d:
        same = simulate(KOREA, calibration=calibration_for(KOREA), runs=600, seed=3, horizon=12, keep_paths=True)
        for key in ("outcome_first", "key_first", "cond", "z"):
            np.testing.assert_array_equal(d[key], same.arrays[key])
        assert list(d["outcomes"]) == list(same.outcomes) and list(d["states"]) == list(same.states)
        assert list(d["keys"]) == list(same.keys) and list(d["horizons"]) == [6, 12]
        assert (str(d["engine"]), str(d["scenario"]), int(d["seed"]), int(d["runs"])) == ("anchored", "korea-2018", 3, 600)


def test_keep_paths_with_the_qre_engine_writes_its_arrays(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "qre.npz"
    code, out, err = run(["simulate", "korea-2018", "--engine", "qre", "-n", "40", "--horizon", "3", "-q", "--no-store",
                          "--keep-paths", str(target)], capsys)
    assert code == 0, err
    with np.load(target) as d:
        assert str(d["engine"]) == "qre" and d["tension"].shape[:2] == (40, 4)
        assert len(d["pairs"]) == d["tension"].shape[2] and "outcome_first" in d.files


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("missing/x.npz", r"Error: --keep-paths .*missing/x\.npz: folder .*missing does not exist \(fix: create it first"),
        (".", r"Error: --keep-paths \.: is a folder \(fix: give a file path such as paths\.npz\)"),
    ],
)
def test_keep_paths_to_a_bad_path_is_one_error_line_before_any_run(
    where: str, expected: str, toy_calibration: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(SIM, "run_block", lambda *a, **k: pytest.fail("ran before refusing the path"))
    code, out, err = run(["simulate", "korea-2018", "--engine", "anchored", "--calibration", str(toy_calibration),
                          "-n", "100", "-q", "--no-store", "--keep-paths", where], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and re.match(expected, lines[0]), err


def test_saving_paths_that_were_not_kept_is_refused(tmp_path: Path) -> None:
    res = simulate(KOREA, calibration=calibration_for(KOREA), runs=50, seed=1, horizon=2)
    with pytest.raises(InputError, match="paths were not kept"):
        res.save_paths(tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()
