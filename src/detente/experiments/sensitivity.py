"""Global sensitivity: Sobol indices and the Morris elementary-effects screen, via SALib.

The model is any function from a batch of parameter points ``(m, k)`` to outputs ``(m,)``. For a scenario
that function is :class:`OutcomeModel`: the probability of one outcome by a horizon, estimated from
``runs`` replicates of the escalation engine at each point. All points share the root seed (common
random numbers), so the Monte Carlo noise is nearly the same function at every point and does not
masquerade as sensitivity; what remains inflates the total-order indices of every parameter slightly, so
read small indices (below a few hundredths) as "no effect detected".

Sobol needs ``N (k + 2)`` model evaluations (Saltelli's scheme, first and total order); Morris needs
``r (k + 1)`` and is the cheap screen for many parameters.

References:
    - Sobol', I. M. (2001). Global sensitivity indices for nonlinear mathematical models and their Monte
      Carlo estimates. Mathematics and Computers in Simulation 55:271-280.
    - Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output. Computer Physics
      Communications 181:259-270.
    - Morris, M. D. (1991). Factorial sampling plans for preliminary computational experiments.
      Technometrics 33:161-174; Campolongo, Cariboni & Saltelli (2007) for mu*.
    - Ishigami, T. & Homma, T. (1990). An importance quantification technique in uncertainty analysis
      for computer models. ISUMA '90 (the test function).
    - Herman, J. & Usher, W. (2017). SALib: an open-source Python library for sensitivity analysis.
      JOSS 2(9):97.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from detente.errors import InputError
from detente.experiments.backends import Backend, LocalBackend
from detente.experiments.overrides import FieldPath, parse_range, resolve_path
from detente.experiments.runner import EscalationRunner, Job, Runner
from detente.experiments.sweep import MAX_POINTS
from detente.scenario.model import Scenario

Method = Literal["sobol", "morris"]
Model = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Problem:
    """Parameters and their bounds, in SALib's terms."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]

    def salib(self) -> dict[str, Any]:
        """The SALib ``problem`` dict."""
        return {"num_vars": len(self.names), "names": list(self.names), "bounds": [list(b) for b in self.bounds]}


@dataclass(frozen=True)
class Index:
    """Sensitivity of the output to one parameter.

    Sobol: ``first`` (S1) and ``total`` (ST) with 95 % bootstrap half-widths. Morris: ``mu_star`` (mean
    absolute elementary effect), ``mu``, ``sigma`` and ``mu_star_conf``.
    """

    name: str
    values: dict[str, float]

    def __getitem__(self, key: str) -> float:
        return self.values[key]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able."""
        return {"name": self.name, **self.values}


@dataclass(frozen=True)
class SensitivityResult:
    """Indices of each parameter, ranked (most influential first)."""

    method: str
    output: str
    problem: Problem
    indices: tuple[Index, ...]
    evaluations: int
    seed: int
    y_mean: float
    y_var: float
    settings: dict[str, Any] = field(default_factory=dict)
    y: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False, compare=False)

    @property
    def rank_key(self) -> str:
        """The index used for ranking: ST for Sobol, mu* for Morris."""
        return "ST" if self.method == "sobol" else "mu_star"

    def ranking(self) -> list[str]:
        """Parameter names, most influential first."""
        return [i.name for i in self.indices]

    def index(self, name: str) -> Index:
        """The indices of one parameter."""
        for i in self.indices:
            if i.name == name:
                return i
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: method, output, settings and the ranked indices."""
        return {
            "kind": "sensitivity",
            "method": self.method,
            "output": self.output,
            "params": [{"name": n, "bounds": list(b)} for n, b in zip(self.problem.names, self.problem.bounds, strict=True)],
            "evaluations": self.evaluations,
            "seed": self.seed,
            "output_mean": self.y_mean,
            "output_variance": self.y_var,
            **self.settings,
            "ranking": self.ranking(),
            "indices": [i.to_dict() for i in self.indices],
        }


def _batches(x: np.ndarray, n_batches: int) -> list[np.ndarray]:
    n_batches = max(1, min(n_batches, len(x)))
    return [b for b in np.array_split(x, n_batches) if len(b)]


def evaluate(model: Model, x: np.ndarray, backend: Backend, batches: int | None = None) -> np.ndarray:
    """Evaluate ``model`` on the rows of ``x``, split into batches mapped over ``backend``."""
    n = batches if batches is not None else getattr(backend, "batches", None) or (1 if backend.name == "local" else 32)
    parts = backend.map(model, _batches(x, n))
    return np.concatenate([np.asarray(p, dtype=float).reshape(-1) for p in parts])


def _bounded(evaluations: int, what: str) -> None:
    """Refuse a design of more than ``MAX_POINTS`` evaluations before any memory is spent on it."""
    if evaluations > MAX_POINTS:
        raise InputError(f"{what}: {evaluations:,} points, more than {MAX_POINTS:,} (fix: use fewer samples, e.g. --samples 256)")


def _finite(y: np.ndarray, output: str) -> None:
    if not np.all(np.isfinite(y)):
        raise InputError(f"sensitivity: the model output {output!r} is not finite at some points (fix: narrow the parameter bounds)")


def sobol_indices(
    model: Model,
    problem: Problem,
    *,
    n: int = 1024,
    seed: int = 0,
    backend: Backend | None = None,
    output: str = "y",
    batches: int | None = None,
) -> SensitivityResult:
    """First- and total-order Sobol indices of ``model`` over ``problem`` (Saltelli sampling, SALib).

    Args:
        model: Maps points ``(m, k)`` to outputs ``(m,)``; must be picklable for Dask.
        problem: Parameter names and bounds.
        n: Base sample size ``N`` (a power of two); ``N (k + 2)`` evaluations.
        seed: Seeds the scrambled Sobol' sequence and the bootstrap.
        backend: Where batches of points are evaluated.
        output: Name of the output, for tables.
        batches: Batches to split the points into (default: 1 locally, 32 on Dask).

    Returns:
        Indices ranked by total order.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    if n < 2 or n & (n - 1):
        raise InputError(f"--samples {n}: Sobol sampling needs a power of two (fix: use e.g. 256, 512 or 1024)")
    _bounded(n * (len(problem.names) + 2), f"--samples {n}")
    backend = backend or LocalBackend()
    x = sobol_sample.sample(problem.salib(), n, calc_second_order=False, seed=seed)
    y = evaluate(model, x, backend, batches)
    _finite(y, output)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a constant output divides 0 by 0: indices are nan
        res = sobol_analyze.analyze(problem.salib(), y, calc_second_order=False, seed=seed)
    idx = _ranked(problem, res, ("S1", "S1_conf", "ST", "ST_conf"), by="ST")
    return SensitivityResult(
        "sobol", output, problem, tuple(idx), len(x), seed, float(np.mean(y)), float(np.var(y)),
        {"base_samples": n, "backend": backend.name},
        y,
    )


def morris_indices(
    model: Model,
    problem: Problem,
    *,
    trajectories: int = 20,
    levels: int = 4,
    seed: int = 0,
    backend: Backend | None = None,
    output: str = "y",
    batches: int | None = None,
) -> SensitivityResult:
    """The Morris elementary-effects screen (mu*, mu, sigma) of ``model`` over ``problem``.

    Args:
        model: Maps points ``(m, k)`` to outputs ``(m,)``.
        problem: Parameter names and bounds.
        trajectories: Number of one-at-a-time trajectories ``r``; ``r (k + 1)`` evaluations.
        levels: Grid levels ``p`` of the Morris design (even).
        seed: Seeds the design and the bootstrap.
        backend: Where batches of points are evaluated.
        output: Name of the output.
        batches: Batches to split the points into.

    Returns:
        Indices ranked by mu*.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    if trajectories < 2:
        raise InputError(f"--samples {trajectories}: Morris needs at least 2 trajectories (fix: use e.g. 20)")
    _bounded(trajectories * (len(problem.names) + 1), f"--samples {trajectories}")
    backend = backend or LocalBackend()
    x = morris_sample.sample(problem.salib(), trajectories, num_levels=levels, seed=seed)
    y = evaluate(model, x, backend, batches)
    _finite(y, output)
    res = morris_analyze.analyze(problem.salib(), x, y, num_levels=levels, seed=seed)
    idx = _ranked(problem, res, ("mu_star", "mu_star_conf", "mu", "sigma"), by="mu_star")
    return SensitivityResult(
        "morris", output, problem, tuple(idx), len(x), seed, float(np.mean(y)), float(np.var(y)),
        {"trajectories": trajectories, "levels": levels, "backend": backend.name},
        y,
    )


def _ranked(problem: Problem, res: Any, keys: Sequence[str], by: str) -> list[Index]:
    """One :class:`Index` per parameter with the SALib result's ``keys``, largest ``by`` first."""
    idx = [
        Index(name, {k: _f(res[k][i]) for k in keys}) for i, name in enumerate(problem.names)
    ]
    idx.sort(key=lambda i: -_rank(i.values[by]))
    return idx


def _f(v: Any) -> float:
    return float(v)


def _rank(v: float) -> float:
    return -math.inf if math.isnan(v) else v


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami test function on ``[-pi, pi]^3``: ``sin x1 + a sin^2 x2 + b x3^4 sin x1``.

    Its Sobol indices are known in closed form (for a = 7, b = 0.1: S1 = 0.314, 0.442, 0; ST = 0.558,
    0.442, 0.244), which makes it the standard check of a Sobol implementation.
    """
    x = np.atleast_2d(x)
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> dict[str, tuple[float, float, float]]:
    """The analytic first- and total-order Sobol indices of :func:`ishigami`."""
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return {
        "S1": (v1 / var, v2 / var, 0.0),
        "ST": ((v1 + v13) / var, v2 / var, v13 / var),
    }


@dataclass(frozen=True)
class OutcomeModel:
    """The probability of one outcome by a horizon as a function of scenario fields (for SALib).

    Calling it on points ``(m, k)`` runs ``runs`` replicates at every point with the same ``seed`` and
    returns the ``m`` probabilities. Picklable, so Dask can evaluate batches of points on workers.
    """

    runner: Runner
    keys: tuple[str, ...]
    outcome: str
    horizon: int | None
    runs: int
    seed: int
    strategy: str | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Probabilities of the outcome at every row of ``x``."""
        out = np.empty(len(x))
        for i, row in enumerate(np.atleast_2d(x)):
            job = Job(
                overrides=tuple(zip(self.keys, (float(v) for v in row), strict=True)),
                strategy=self.strategy,
                seed=self.seed,
                runs=self.runs,
                horizon=self.horizon,
            )
            ind = self.runner(job)
            h = self.horizon or ind.horizon
            out[i] = float(np.count_nonzero(ind.by(self.outcome, h))) / ind.runs
        return out


def parse_params(scenario: Scenario, specs: Sequence[str]) -> tuple[list[FieldPath], Problem]:
    """Parse ``PATH=lo:hi`` parameter specs (commas or repeats) into paths and a SALib problem.

    A path without bounds ranges over its scenario value ±25 % (clipped to [0, 1] for values in [0, 1]).

    Raises:
        InputError: A malformed spec, an unknown path, a path with no known value and no bounds, or
            fewer than two parameters.
    """
    flat = [p for s in specs for p in _split_specs(s)]
    paths: list[FieldPath] = []
    bounds: list[tuple[float, float]] = []
    for spec in flat:
        path, rng = parse_range(spec, need_count=False)
        fp = resolve_path(scenario, path)
        if rng is None:
            if fp.current is None:
                raise InputError(f"--params {path!r}: the scenario gives no value to range around (fix: write {path}=lo:hi)")
            lo, hi = _default_bounds(fp.current)
        elif len(rng) == 2:
            lo, hi = float(rng[0]), float(rng[1])
        else:
            raise InputError(f"--params {spec!r}: give bounds as lo:hi (fix: write {path}=lo:hi, e.g. {path}=0:1)")
        paths.append(fp)
        bounds.append((lo, hi))
    if len(paths) < 2:
        raise InputError("sensitivity: give at least two --params (fix: e.g. --params actors.USA.doctrine=0:1,mechanisms.K11.rate=0:0.1)")
    if len({p.key for p in paths}) != len(paths):
        raise InputError("--params names one field twice (fix: list each field once)")
    return paths, Problem(tuple(p.user for p in paths), tuple(bounds))


def _split_specs(spec: str) -> list[str]:
    # "a=0:1,b=2:3" is two specs, but "a=0.1,0.2" (explicit values) is not allowed for bounds anyway:
    # split on commas that start a new PATH (a comma followed by text containing '=' or a letter).
    parts: list[str] = []
    for chunk in spec.split(","):
        chunk = chunk.strip()
        if not chunk:
            continue
        if parts and not (chunk[0].isalpha()):
            parts[-1] += "," + chunk
        else:
            parts.append(chunk)
    return parts


def _default_bounds(v: float) -> tuple[float, float]:
    if v == 0:
        return (0.0, 0.1)
    lo, hi = sorted((0.75 * v, 1.25 * v))
    if 0.0 <= v <= 1.0:
        hi = min(hi, 1.0)
    return (lo, hi)


def sensitivity(
    scenario: Scenario,
    outcome: str,
    params: Sequence[str],
    *,
    method: Method = "sobol",
    samples: int | None = None,
    runs: int = 1000,
    horizon: int | None = None,
    seed: int = 0,
    strategy: str | None = None,
    runner: Runner | None = None,
    backend: Backend | None = None,
) -> SensitivityResult:
    """Sobol or Morris indices of P(``outcome`` by ``horizon``) to scenario fields.

    Args:
        scenario: The scenario.
        outcome: A tracked outcome id.
        params: ``PATH=lo:hi`` specs (or ``PATH`` for ±25 % around the scenario's value).
        method: ``sobol`` (first and total order) or ``morris`` (elementary effects).
        samples: Sobol base sample ``N`` (power of two, default 256) or Morris trajectories (default 20).
        runs: Replicates per point.
        horizon: The horizon of the outcome; defaults to the scenario's.
        seed: Root seed (common to every point; also seeds the designs).
        strategy: A strategy applied at every point.
        runner: What runs a job; defaults to the escalation engine.
        backend: Where points are evaluated.

    Returns:
        The ranked :class:`SensitivityResult`.

    Raises:
        InputError: Unknown outcome, strategy or paths, bad bounds or sample sizes.
    """
    known = [o.id for o in scenario.outcomes]
    if outcome not in known:
        raise InputError(f"{scenario.id}: --outcome {outcome!r}: not a tracked outcome (fix: use one of {', '.join(known)})")
    if strategy is not None and strategy not in [s.id for s in scenario.strategies]:
        raise InputError(
            f"{scenario.id}: --strategy {strategy!r}: no such strategy "
            f"(fix: use one of {', '.join(s.id for s in scenario.strategies)})"
        )
    if runs < 1:
        raise InputError(f"--runs {runs}: must be at least 1 (fix: give a positive number of runs)")
    paths, problem = parse_params(scenario, params)
    h = horizon or scenario.scenario.horizon
    model = OutcomeModel(
        runner or EscalationRunner(scenario, (outcome,)),
        tuple(p.key for p in paths),
        outcome,
        h,
        runs,
        seed,
        strategy,
    )
    label = f"P({outcome} by step {h})"
    if method == "sobol":
        res = sobol_indices(model, problem, n=samples or 256, seed=seed, backend=backend, output=label)
    elif method == "morris":
        res = morris_indices(model, problem, trajectories=samples or 20, seed=seed, backend=backend, output=label)
    else:
        raise InputError(f"--method {method!r}: unknown method (fix: use sobol or morris)")
    # Binomial variance of one point's estimate, averaged over the points: the share of the output
    # variance that is Monte Carlo noise is at most noise / variance (less with common random numbers).
    noise = float(np.mean(res.y * (1 - res.y)) / runs) if res.y.size else None
    settings = {
        **res.settings, "scenario": scenario.id, "outcome": outcome, "horizon": h, "runs": runs,
        "strategy": strategy, "noise_variance": noise,
        "noise_share": noise / res.y_var if noise is not None and res.y_var > 0 else None,
    }
    return SensitivityResult(
        res.method, res.output, res.problem, res.indices, res.evaluations, res.seed, res.y_mean, res.y_var,
        settings, res.y,
    )
