"""The Dask backend on a two-worker LocalCluster gives exactly the numbers of the local backend."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("distributed")

from detente.experiments import (  # noqa: E402
    BernoulliRunner,
    DaskBackend,
    LocalBackend,
    Problem,
    compare,
    ishigami,
    sobol_indices,
    sweep,
)
from detente.scenario import load_scenario  # noqa: E402

FIVE = "russia-five-countermeasures"
MAX = "us-maximum-pressure"


@pytest.fixture(scope="module")
def dask_backend():
    # DaskBackend() starts LocalCluster(n_workers=2, threads_per_worker=1, processes=True).
    with DaskBackend(n_workers=2) as backend:
        yield backend


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2018", check_quotes=False)


def _same(a: dict, b: dict) -> None:
    a, b = dict(a), dict(b)
    assert a.pop("backend", None) == "local" and b.pop("backend", None) == "dask"
    assert a == b


def test_dask_backend_uses_two_workers_without_the_malloc_trim_setting(dask_backend):
    import os

    assert dask_backend.n_workers == 2
    env = dask_backend.client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    assert list(env.values()) == [None, None]


def test_engine_comparison_on_dask_equals_the_local_one(korea, dask_backend):
    kw = dict(runs=256, seed=21, components="none", outcomes=("war", "armed-clash", "prk-nuclear-test"))
    local = compare(korea, [FIVE, MAX], backend=LocalBackend(), **kw)
    remote = compare(korea, [FIVE, MAX], backend=dask_backend, **kw)
    _same(local.to_dict(), remote.to_dict())


def test_engine_sweep_with_independent_seeds_on_dask_equals_the_local_one(korea, dask_backend):
    kw = dict(design="lhs", points=4, runs=128, seed=5, seeding="independent", outcomes=("war",))
    local = sweep(korea, ["actors.USA.doctrine=0:1", "mechanisms.K11.rate=0:0.1"], backend=LocalBackend(), **kw)
    remote = sweep(korea, ["actors.USA.doctrine=0:1", "mechanisms.K11.rate=0:0.1"], backend=dask_backend, **kw)
    _same(local.to_dict(), remote.to_dict())


def test_analytic_sweep_and_sobol_on_dask_equal_the_local_ones(korea, dask_backend):
    runner = BernoulliRunner({"war": 0.3}, slopes={("war", "actors[USA].doctrine"): 0.4})
    kw = dict(runs=500, seed=2, seeding="independent", runner=runner)
    _same(
        sweep(korea, ["actors.USA.doctrine=0:1:5"], backend=LocalBackend(), **kw).to_dict(),
        sweep(korea, ["actors.USA.doctrine=0:1:5"], backend=dask_backend, **kw).to_dict(),
    )
    problem = Problem(("x1", "x2", "x3"), ((-math.pi, math.pi),) * 3)
    local = sobol_indices(ishigami, problem, n=256, seed=3, backend=LocalBackend())
    remote = sobol_indices(ishigami, problem, n=256, seed=3, backend=dask_backend)
    assert local.indices == remote.indices
