"""Experiments on analytic runners: statistics, common random numbers, sweeps, Sobol and Morris."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import InputError
from detente.experiments import (
    BernoulliRunner,
    LocalBackend,
    PairedCounts,
    Problem,
    compare,
    derive_seeds,
    ishigami,
    ishigami_indices,
    make_backend,
    morris_indices,
    paired_difference,
    plan_arms,
    sobol_indices,
    sweep,
    wilson,
)
from detente.experiments.overrides import parse_range, resolve_path
from detente.experiments.stats import ols_slopes
from detente.experiments.sweep import Dimension, design_points, parse_dimensions
from detente.scenario import load_scenario


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2018", check_quotes=False)


FIVE = "russia-five-countermeasures"
MAX = "us-maximum-pressure"


# ---------------------------------------------------------------------------------------------
# Intervals


def test_wilson_matches_the_closed_form_at_the_ends_and_the_middle():
    zero = wilson(0, 10)
    assert zero.p == 0.0 and zero.lo == 0.0
    assert zero.hi == pytest.approx(1.959963984540054**2 / (10 + 1.959963984540054**2))
    half = wilson(5, 10)
    # Wilson (1927) for 5/10: 0.2366 to 0.7634.
    assert (half.lo, half.hi) == pytest.approx((0.2366, 0.7634), abs=1e-4)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=300))
def test_an_arm_compared_with_itself_differs_by_exactly_zero(xs):
    x = np.array(xs)
    d = paired_difference(PairedCounts.from_indicators(x, x))
    assert d.p == 0.0
    assert d.lo <= 0.0 <= d.hi
    assert not d.excludes_zero()


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 60), st.integers(0, 60), st.integers(0, 60), st.integers(0, 60))
def test_paired_interval_contains_its_estimate_and_flips_sign_when_arms_swap(a, b, c, d):
    if a + b + c + d == 0:
        return
    t = PairedCounts(a, b, c, d)
    iv = paired_difference(t)
    assert -1.0 <= iv.lo <= iv.p <= iv.hi <= 1.0
    assert iv.p == pytest.approx((b - c) / (a + b + c + d))
    swapped = paired_difference(PairedCounts(a, c, b, d))
    assert (swapped.lo, swapped.p, swapped.hi) == pytest.approx((-iv.hi, -iv.p, -iv.lo))


def test_paired_interval_covers_the_true_difference_about_95_percent_of_the_time():
    rng = np.random.default_rng(11)
    n, trials, hits = 400, 1500, 0
    # Coupled pairs: a shared uniform gives P(arm) = 0.30, P(base) = 0.25, true difference 0.05.
    for _ in range(trials):
        u = rng.random(n)
        noise = rng.random(n) < 0.1
        arm = (u < 0.30) ^ (noise & (rng.random(n) < 0.5))
        base = u < 0.25
        true = 0.30 * 0.95 + 0.70 * 0.05 - 0.25  # the XOR flips half of 10 % of replicates
        iv = paired_difference(PairedCounts.from_indicators(arm, base))
        hits += iv.lo <= true <= iv.hi
    assert 0.93 <= hits / trials <= 0.975


def test_ols_slope_recovers_a_known_line():
    x = np.linspace(0, 1, 21)[:, None]
    y = 0.2 + 0.5 * x[:, 0] + np.random.default_rng(1).normal(0, 0.01, 21)
    (slope,) = ols_slopes(x, y)
    assert slope.lo < 0.5 < slope.hi


# ---------------------------------------------------------------------------------------------
# Comparisons on an analytic runner


EFFECTS = {(FIVE, "k15-coordination"): 0.0, (FIVE, "k16-contacts-pyongyang"): -0.08,
           (FIVE, "k17-pressure-on-washington"): 0.0, (FIVE, "k18-korean-leadership"): 0.0,
           (FIVE, "k19-road-map"): -0.12, (MAX, "military-demonstrations"): 0.10}


def _runner():
    return BernoulliRunner({"war": 0.4, "armed-clash": 0.6}, strategy_effects=EFFECTS)


def test_common_random_numbers_make_an_identity_comparison_exactly_zero(korea):
    res = compare(korea, [FIVE], baseline=FIVE, runs=5000, seed=3, runner=_runner(), components="none")
    for row in res.select(kind=["strategy"]):
        assert row.effect is not None and row.effect.p == 0.0
        assert not row.significant


def test_comparison_recovers_strategy_and_component_effects(korea):
    res = compare(korea, [FIVE, MAX], runs=20000, seed=1, runner=_runner(), components="both")
    full = res.row("war", 24, FIVE).effect
    assert full.lo <= -0.20 <= full.hi and full.excludes_zero()
    alone = {a.component: res.row("war", 24, a.id) for a in res.arms if a.kind == "alone" and a.strategy == FIVE}
    assert alone["k19-road-map"].effect.lo <= -0.12 <= alone["k19-road-map"].effect.hi
    assert alone["k19-road-map"].significant and alone["k16-contacts-pyongyang"].significant
    # A component with no effect gives identical replicates under common random numbers.
    assert alone["k15-coordination"].effect.p == 0.0
    drop = {a.component: res.row("war", 24, a.id) for a in res.arms if a.kind == "drop" and a.strategy == FIVE}
    assert drop["k19-road-map"].effect.lo <= -0.12 <= drop["k19-road-map"].effect.hi
    assert drop["k17-pressure-on-washington"].effect.p == 0.0


def test_paired_intervals_are_narrower_than_independent_ones(korea):
    res = compare(korea, [MAX], runs=4000, seed=2, runner=_runner(), components="none")
    paired = res.row("war", 24, MAX).effect
    a, b = res.row("war", 24, MAX).probability, res.row("war", 24, "none").probability
    # Newcombe's interval for independent samples (method 10 with phi = 0) is the wider reference.
    independent = math.hypot(a.p - a.lo, b.hi - b.p) + math.hypot(b.p - b.lo, a.hi - a.p)
    assert paired.hi - paired.lo < 0.5 * independent


def test_comparison_to_dict_is_json_and_lists_every_arm(korea):
    import json

    res = compare(korea, [FIVE], runs=200, seed=0, runner=_runner())
    data = json.loads(json.dumps(res.to_dict()))
    assert [a["id"] for a in data["arms"]][:2] == ["none", FIVE]
    assert len(data["arms"]) == 2 + len(korea.strategy(FIVE).components)
    assert {r["horizon"] for r in data["rows"]} == {6, 12, 24}


def test_comparison_survives_a_round_trip_through_its_dict(korea):
    from detente.experiments import Comparison

    res = compare(korea, [FIVE], runs=300, seed=4, runner=_runner(), components="both")
    again = Comparison.from_dict(res.to_dict())
    assert again == res


def test_unknown_strategy_is_refused_with_the_known_ones(korea):
    with pytest.raises(InputError) as err:
        plan_arms(korea, ["nope"])
    assert str(err.value) == (
        "korea-2018: --strategy 'nope': no such strategy in the scenario (fix: use one of "
        "russia-five-countermeasures, us-maximum-pressure, or `none` for the baseline)"
    )


# ---------------------------------------------------------------------------------------------
# Paths and designs


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("actors.USA.doctrine", "actors[USA].doctrine"),
        ("mechanisms.K11.rate", "mechanisms[K11].params.rate"),
        ("actors.USA.resolve", "actors[USA].params.resolve"),
        ("actors.USA.capabilities.military", "actors[USA].capabilities.military"),
        ("issues.prk-nuclear-status.positions.USA.salience", "issues[prk-nuclear-status].positions[USA].salience"),
        ("relations.un-sanctions.intensity", "relations[un-sanctions].intensity"),
        ("actors[USA].doctrine", "actors[USA].doctrine"),
        ("engine.rationality", "engine.rationality"),
    ],
)
def test_dotted_paths_translate_to_engine_override_keys(korea, path, key):
    assert resolve_path(korea, path).key == key


def test_resolved_path_carries_the_scenario_value(korea):
    assert resolve_path(korea, "actors.USA.doctrine").current == pytest.approx(0.85)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("actors.XXX.doctrine", "the scenario has no actors entry 'XXX' (fix: use one of: USA, PRK, KOR, CHN, RUS, JPN, UNSC, UND)"),
        ("actors.USA.name", "actors[USA].name is not a number (str) (fix: vary a numeric field)"),
    ],
)
def test_bad_paths_name_the_scenario_the_path_and_the_fix(korea, path, message):
    with pytest.raises(InputError) as err:
        resolve_path(korea, path)
    assert str(err.value) == f"korea-2018: --vary/--params {path!r}: {message}"


def test_range_specs_parse_and_refuse_garbage():
    assert parse_range("a.b=0:1:11", need_count=True) == ("a.b", (0.0, 1.0, 11))
    assert parse_range("a.b=0.1,0.5", need_count=True) == ("a.b", (0.1, 0.5))
    assert parse_range("a.b=0:2", need_count=False) == ("a.b", (0.0, 2.0))
    with pytest.raises(InputError, match=r"'a.b=0:x:3': '0:x:3' is not a range"):
        parse_range("a.b=0:x:3", need_count=True)


def test_grid_is_the_product_of_the_values(korea):
    dims = parse_dimensions(korea, ["actors.USA.doctrine=0:1:3", "mechanisms.K11.rate=0.01,0.05"], design="grid")
    x = design_points(dims, design="grid", points=None, seed=0)
    assert x.shape == (6, 2)
    assert sorted({tuple(r) for r in x}) == sorted({(a, b) for a in (0.0, 0.5, 1.0) for b in (0.01, 0.05)})


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 50), st.integers(0, 2**31))
def test_latin_hypercube_puts_one_point_in_every_stratum(n, seed):
    from detente.experiments.overrides import FieldPath

    dims = [Dimension(FieldPath("a", "a"), (0.0, 1.0)), Dimension(FieldPath("b", "b"), (-2.0, 2.0))]
    x = design_points(dims, design="lhs", points=n, seed=seed)
    for j, (lo, hi) in enumerate([(0.0, 1.0), (-2.0, 2.0)]):
        bins = np.floor((x[:, j] - lo) / (hi - lo) * n).astype(int)
        assert sorted(bins) == list(range(n))
    assert np.array_equal(x, design_points(dims, design="lhs", points=n, seed=seed))


def test_derived_seeds_are_distinct_and_reproducible():
    a = derive_seeds(7, 100)
    assert len(set(a)) == 100 and a == derive_seeds(7, 100) and a != derive_seeds(8, 100)


# ---------------------------------------------------------------------------------------------
# Sweeps


def test_a_sweep_over_a_parameter_the_outcome_ignores_shows_no_trend(korea):
    runner = BernoulliRunner({"war": 0.3}, slopes={("war", "actors[USA].doctrine"): 0.4})
    common = sweep(korea, ["actors.KOR.doctrine=0:1:11"], runs=3000, seed=5, runner=runner)
    p = common.probability("war")
    assert np.all(p == p[0])  # common random numbers: identical at every point
    assert common.trend("war")["actors.KOR.doctrine"].p == pytest.approx(0.0, abs=1e-12)
    independent = sweep(korea, ["actors.KOR.doctrine=0:1:11"], runs=3000, seed=5, seeding="independent", runner=runner)
    assert len(set(independent.probability("war"))) > 1
    assert not independent.trend("war")["actors.KOR.doctrine"].excludes_zero()


def test_a_sweep_over_a_parameter_that_matters_finds_its_slope(korea):
    runner = BernoulliRunner({"war": 0.3}, slopes={("war", "actors[USA].doctrine"): 0.4})
    res = sweep(korea, ["actors.USA.doctrine=0:1:6", "actors.KOR.doctrine=0:1:2"], runs=4000, seed=1, runner=runner)
    t = res.trend("war")
    assert t["actors.USA.doctrine"].lo <= 0.4 <= t["actors.USA.doctrine"].hi
    assert t["actors.USA.doctrine"].excludes_zero()
    assert res.counts.shape == (12, 1, 3)
    frame = res.to_frame()
    assert set(frame.columns) >= {"actors.USA.doctrine", "outcome", "horizon", "p", "lo", "hi"}


def test_sweep_refuses_a_missing_range(korea):
    with pytest.raises(InputError, match=r"--vary 'actors.USA.doctrine': no range"):
        sweep(korea, ["actors.USA.doctrine"], runner=_runner())


# ---------------------------------------------------------------------------------------------
# Sensitivity


ISHIGAMI = Problem(("x1", "x2", "x3"), ((-math.pi, math.pi),) * 3)


def test_sobol_indices_of_the_ishigami_function_match_their_known_values():
    res = sobol_indices(ishigami, ISHIGAMI, n=4096, seed=1)
    known = ishigami_indices()
    assert known["S1"] == pytest.approx((0.3139, 0.4424, 0.0), abs=1e-3)
    assert known["ST"] == pytest.approx((0.5576, 0.4424, 0.2437), abs=1e-3)
    for k, name in enumerate(ISHIGAMI.names):
        assert res.index(name)["S1"] == pytest.approx(known["S1"][k], abs=0.03)
        assert res.index(name)["ST"] == pytest.approx(known["ST"][k], abs=0.03)
    assert res.ranking() == ["x1", "x2", "x3"]


def test_sobol_on_a_backend_in_batches_gives_the_same_indices():
    one = sobol_indices(ishigami, ISHIGAMI, n=256, seed=4)
    many = sobol_indices(ishigami, ISHIGAMI, n=256, seed=4, backend=LocalBackend(), batches=7)
    assert one.to_dict() == many.to_dict()


def _linear(x):
    return 3.0 * x[:, 0] - 1.0 * x[:, 1] + 0.0 * x[:, 2]


def test_morris_mu_star_of_a_linear_function_is_its_slope_times_the_range():
    p = Problem(("a", "b", "c"), ((0.0, 1.0), (0.0, 2.0), (0.0, 1.0)))
    res = morris_indices(_linear, p, trajectories=10, seed=0)
    assert res.ranking() == ["a", "b", "c"]
    assert res.index("a")["mu_star"] == pytest.approx(3.0)
    assert res.index("b")["mu"] == pytest.approx(-2.0)
    assert res.index("c")["mu_star"] == 0.0
    assert res.index("a")["sigma"] == pytest.approx(0.0, abs=1e-9)


def test_sobol_refuses_a_sample_size_that_is_not_a_power_of_two():
    with pytest.raises(InputError, match="--samples 100: Sobol sampling needs a power of two"):
        sobol_indices(ishigami, ISHIGAMI, n=100)


def test_local_backend_refuses_a_scheduler():
    with pytest.raises(InputError, match="--scheduler 'tcp://x:1' needs --backend dask"):
        make_backend("local", "tcp://x:1")


def test_experiments_namespace_exports_what_it_declares():
    import detente.experiments as ex

    for name in ex.__all__:
        assert hasattr(ex, name), name
    assert {"compare", "sweep", "sensitivity", "DaskBackend", "LocalBackend"} <= set(ex.__all__)
