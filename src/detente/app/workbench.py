"""The what-if workbench behind ``detente app``: scenarios, levers, reruns with common random numbers.

Nothing here knows about the web page: every request the page makes goes through :class:`Workbench`,
which checks it completely before anything runs or changes (a scenario outside the scenario folders, an
unknown mechanism, actor or field, a value outside its scale all raise :class:`InputError` with the fix).

A rerun compares the *variant* (the levers as set) with the *baseline* (the scenario as written) on the
same seed, replicate by replicate (common random numbers), through :func:`detente.experiments.compare`'s
``summarise``: Wilson intervals for each arm, Newcombe's paired interval for the difference. The
baseline of a (scenario, runs, seed) is computed once and kept, so a lever change reruns one arm only.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from detente.errors import DetenteError, InputError
from detente.experiments.compare import Arm, Comparison, summarise
from detente.experiments.runner import Indicators
from detente.scenario.io import LoadedScenario, load_scenario_file, shipped_scenarios
from detente.scenario.model import Value

MAX_RUNS = 100_000
CHUNK_BLOCKS = 2
"""Blocks of 256 replicates per task: small enough for a smooth progress bar and a prompt Stop."""
_UNIT_FIELDS = {"doctrine", "strength", "intensity", "military", "economic", "diplomatic", "resolve",
                "salience", "confidence", "audience", "rate", "probability"}


@dataclass(frozen=True)
class Lever:
    """A numeric value a user can change: its path, scale, default and where the default comes from."""

    path: str
    label: str
    default: float
    lo: float
    hi: float
    source: str
    quote: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return self.__dict__.copy()


@dataclass(frozen=True)
class Settings:
    """A validated variant: mechanisms switched off, a strategy, changed values, runs and seed."""

    off: tuple[str, ...] = ()
    strategy: str | None = None
    changes: tuple[tuple[str, float], ...] = ()
    runs: int = 5000
    seed: int = 0


class Cancelled(Exception):
    """Raised inside a run's progress callback when the user pressed Stop."""


@dataclass
class Job:
    """A rerun in progress (in a thread): progress, stop flag, result or error."""

    id: str
    total: int
    done: int = 0
    state: str = "running"  # running, done, stopped, failed
    error: str = ""
    comparison: Comparison | None = None
    what: str = "variant"
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def fraction(self) -> float:
        """Share of the work done, 0…1."""
        return min(1.0, self.done / self.total) if self.total else 0.0


class Workbench:
    """Scenarios from the shipped set and the given folders; levers; reruns; the run store.

    Args:
        folders: Folders whose ``.toml`` files (directly inside) may be opened as local scenarios.
        store: The run store path (``None``: the default store).
    """

    def __init__(
        self, folders: Sequence[str | Path] = (), store: str | Path | None = None, workers: int | None = None
    ) -> None:
        self.workers = max(1, min(2, os.cpu_count() or 1)) if workers is None else max(1, int(workers))
        self._executor: ProcessPoolExecutor | None = None
        self.folders = tuple(Path(f).resolve() for f in folders)
        self.store_path = store
        self._loaded: dict[str, LoadedScenario] = {}
        self._baselines: dict[tuple[str, int, int], Indicators] = {}
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    # -- scenarios -------------------------------------------------------------------------------

    def scenarios(self) -> list[str]:
        """Names the user may open: shipped ids, then ``folder-relative`` local files."""
        names = list(shipped_scenarios())
        for f in self.folders:
            if f.is_dir():
                names += [str(p) for p in sorted(f.glob("*.toml"))]
        return names

    def load(self, name: str) -> LoadedScenario:
        """Open a shipped scenario by id, or a ``.toml`` file directly inside one of the folders.

        Raises:
            InputError: A name that is neither (a path outside the folders included); nothing is read.
        """
        if not isinstance(name, str) or not name:
            raise InputError("scenario: none chosen (fix: pick a scenario from the list)")
        if name not in self._loaded:
            shipped = shipped_scenarios()
            if name in shipped:
                self._loaded[name] = load_scenario_file(name, check_quotes=False)
            else:
                path = Path(name).resolve()
                inside = any(path.parent == f for f in self.folders)
                if not inside or path.suffix != ".toml" or not path.is_file():
                    where = ", ".join(str(f) for f in self.folders) or "(no local folder)"
                    raise InputError(
                        f"scenario {name!r}: not a shipped scenario nor a .toml file in the scenario folders "
                        f"(fix: pick one of the list; local files must lie directly in {where})"
                    )
                self._loaded[name] = load_scenario_file(path, check_quotes=False)
        return self._loaded[name]

    # -- levers ----------------------------------------------------------------------------------

    def levers(self, loaded: LoadedScenario) -> list[Lever]:
        """Every numeric value of the scenario's actors, relations and mechanisms, and the engine's."""
        from detente.engines.escalation.params import engine_params, mechanism_levers

        scen = loaded.scenario
        out: list[Lever] = []

        def walk(node: Any, path: str) -> None:
            if isinstance(node, Value):
                name = path.rsplit(".", 1)[-1]
                v = float(node.value)
                lo, hi = _scale(name, v)
                out.append(Lever(path, path, v, lo, hi, node.source or "", node.quote or node.note or ""))
                return
            if isinstance(node, BaseModel):
                for k in type(node).model_fields:
                    walk(getattr(node, k), f"{path}.{k}")
            elif isinstance(node, dict):
                for k, v in node.items():
                    walk(v, f"{path}.{k}")
            elif isinstance(node, list | tuple):
                for i, v in enumerate(node):
                    key = getattr(v, "id", None) or getattr(v, "actor", None) or i
                    walk(v, f"{path}[{key}]")

        for head in ("actors", "relations"):
            for item in getattr(scen, head):
                key = getattr(item, "id", None)
                walk(item, f"{head}[{key}]")
        levers = mechanism_levers()
        for m in scen.mechanisms:
            lever = levers.get(m.type)
            if lever is None:
                continue
            for pname, prm in lever.params.items():
                v = m.params.get(pname)
                value = float(v.value) if v is not None else float(prm.default)
                hi = prm.hi if math.isfinite(prm.hi) else max(1.0, 3 * abs(value))
                quote = (v.quote or v.note or "") if v is not None else prm.doc
                source = (v.source or "") if v is not None else prm.source
                out.append(Lever(f"mechanisms[{m.id}].params.{pname}", f"{m.id} {m.name}: {pname}", value,
                                 prm.lo, hi, source or "", quote or ""))
        for name, prm in engine_params().items():
            hi = prm.hi if math.isfinite(prm.hi) else max(1.0, 3 * abs(float(prm.default)))
            out.append(Lever(f"engine.{name}", f"engine: {name}", float(prm.default), prm.lo, hi, prm.source, prm.doc))
        return out

    def check(self, loaded: LoadedScenario, settings: Mapping[str, Any]) -> Settings:
        """Validate a variant request completely (nothing runs, nothing changes).

        Raises:
            InputError: Unknown mechanism or strategy, unknown field, a value outside its scale or not a
                number, runs or seed out of range.
        """
        scen = loaded.scenario
        mech_ids = [m.id for m in scen.mechanisms]
        off = tuple(settings.get("off") or ())
        for m in off:
            if m not in mech_ids:
                raise InputError(f"mechanism {m!r}: not a mechanism of {scen.id} (fix: one of {', '.join(mech_ids)})")
        strategy = settings.get("strategy") or None
        if strategy is not None and strategy not in [s.id for s in scen.strategies]:
            raise InputError(f"strategy {strategy!r}: not a strategy of {scen.id} (fix: one of {', '.join(s.id for s in scen.strategies) or 'none'})")
        by_path = {lv.path: lv for lv in self.levers(loaded)}
        changes: list[tuple[str, float]] = []
        for path, raw in dict(settings.get("changes") or {}).items():
            lv = by_path.get(path)
            if lv is None:
                raise InputError(f"{path!r}: not a value of {scen.id} the workbench can change (fix: pick one from the list)")
            value = _number(raw, path)
            if not lv.lo <= value <= lv.hi:
                raise InputError(f"{path}: {value:g} is outside its scale {lv.lo:g}…{lv.hi:g} (fix: a value in that range; default {lv.default:g})")
            changes.append((path, value))
        runs = _whole(settings.get("runs", 5000), "runs", 1, MAX_RUNS)
        seed = _whole(settings.get("seed", 0), "seed", 0, 2**63 - 1)
        out = Settings(off, strategy, tuple(changes), runs, seed)
        # The engine itself refuses what it cannot apply; ask it now, before any thread starts.
        from detente.engines.escalation import EscalationModel

        EscalationModel(scen, horizon=1, strategy=strategy, overrides=dict(changes) or None, mechanisms_off=off)
        return out

    # -- reruns ----------------------------------------------------------------------------------

    def _pool(self) -> ProcessPoolExecutor | None:
        """A pool of worker processes kept for the app's life (None with one worker)."""
        if self.workers <= 1:
            return None
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=mp.get_context("spawn"), initializer=_watch_parent, initargs=(os.getpid(),)
            )
        return self._executor

    def close(self) -> None:
        """Stop the worker processes (runs in progress are abandoned)."""
        ex, self._executor = self._executor, None
        if ex is None:
            return
        procs = list(getattr(ex, "_processes", {}).values())
        ex.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            if proc.is_alive():
                proc.terminate()

    def warm_up(self) -> None:
        """Start the worker processes now, so the first rerun does not pay for their start-up."""
        pool = self._pool()
        if pool is not None:
            list(pool.map(_ready, range(self.workers)))

    def _indicators(
        self, loaded: LoadedScenario, s: Settings, job: Job | None, variant: bool, offset: int = 0
    ) -> Indicators:
        """Per-replicate first steps of every outcome: the engine's blocks, spread over the pool.

        Replicate ``r`` draws from block ``r // 256``'s stream whatever the chunking (as in
        :func:`detente.engines.escalation.simulate`), so the numbers equal ``simulate``'s for the seed.
        """
        from detente.engines.escalation import BLOCK, EscalationModel

        model = EscalationModel(
            loaded.scenario,
            strategy=s.strategy if variant else None,
            overrides=(dict(s.changes) or None) if variant else None,
            mechanisms_off=s.off if variant else (),
        )
        n_blocks = -(-s.runs // BLOCK)
        chunks = [(model, s.seed, b, min(CHUNK_BLOCKS, n_blocks - b), s.runs) for b in range(0, n_blocks, CHUNK_BLOCKS)]
        pool = self._pool()
        parts: list[np.ndarray] = []
        done = 0

        def tick(part: np.ndarray) -> None:
            nonlocal done
            parts.append(part)
            done += len(part)
            if job is not None:
                job.done = offset + done

        if pool is None:
            for c in chunks:
                if job is not None and job.stop.is_set():
                    raise Cancelled
                tick(_outcome_first(c))
        else:
            futures = [pool.submit(_outcome_first, c) for c in chunks]
            try:
                for f in futures:
                    while True:
                        if job is not None and job.stop.is_set():
                            raise Cancelled
                        try:
                            tick(f.result(timeout=0.05))
                            break
                        except FuturesTimeout:
                            continue
            finally:
                for f in futures:
                    f.cancel()
        first = np.concatenate(parts, axis=0).T.astype(np.int32)
        return Indicators(tuple(model.compiled.outcomes), first, int(model.horizon))

    def rerun(self, loaded: LoadedScenario, s: Settings, job: Job | None = None) -> Comparison:
        """Run the variant (and the baseline, unless kept) and compare them with paired intervals."""
        key = (loaded.sha256, s.runs, s.seed)
        base = self._baselines.get(key)
        offset = 0
        if base is None:
            base = self._indicators(loaded, s, job, variant=False)
            self._baselines[key] = base
            offset = s.runs
        var = self._indicators(loaded, s, job, variant=True, offset=offset)
        arms = [Arm("baseline", "baseline", None, None, None), Arm("variant", "strategy", s.strategy, None, "baseline")]
        return summarise(loaded.scenario.id, arms, [base, var], seed=s.seed, overrides=s.changes)

    def start(self, loaded: LoadedScenario, s: Settings) -> Job:
        """Start a rerun in a thread and return its job (poll ``job.state``; ``job.stop.set()`` stops it)."""
        with self._lock:
            running = [j for j in self.jobs.values() if j.state == "running"]
            if running:
                raise InputError("a run is already computing (fix: wait for it or press Stop)")
            have_base = (loaded.sha256, s.runs, s.seed) in self._baselines
            job = Job(uuid.uuid4().hex[:12], s.runs * (1 if have_base else 2),
                      what="variant; baseline kept" if have_base else "baseline and variant")
            self.jobs[job.id] = job

        def work() -> None:
            try:
                job.comparison = self.rerun(loaded, s, job)
                job.done = job.total
                job.state = "done"
            except Cancelled:
                job.state = "stopped"
            except DetenteError as exc:
                job.error, job.state = str(exc), "failed"
            except Exception as exc:  # noqa: BLE001 - shown on the page, never a dead thread
                job.error, job.state = f"{type(exc).__name__}: {exc}", "failed"

        threading.Thread(target=work, daemon=True).start()
        return job

    def job(self, job_id: str) -> Job:
        """The job ``job_id``.

        Raises:
            InputError: No such job.
        """
        if not isinstance(job_id, str) or job_id not in self.jobs:
            raise InputError(f"run {job_id!r}: no such computation (fix: press Run again)")
        return self.jobs[job_id]


def table_rows(cmp: Comparison, horizon: int | None = None) -> list[dict[str, Any]]:
    """One row per outcome: baseline and variant with Wilson intervals, and the paired difference."""
    h = horizon or cmp.horizon
    out = []
    for o in cmp.outcomes:
        b = cmp.row(o, h, "baseline")
        v = cmp.row(o, h, "variant")
        e = v.effect
        out.append({
            "outcome": o,
            "baseline": f"{100 * b.probability.p:.1f} [{100 * b.probability.lo:.1f}, {100 * b.probability.hi:.1f}]",
            "variant": f"{100 * v.probability.p:.1f} [{100 * v.probability.lo:.1f}, {100 * v.probability.hi:.1f}]",
            "difference": (f"{100 * e.p:+.1f} [{100 * e.lo:+.1f}, {100 * e.hi:+.1f}]" + ("*" if v.significant else ""))
            if e is not None else "",
            "p_variant": v.probability.p,
            "p_baseline": b.probability.p,
        })
    return out


def _scale(name: str, v: float) -> tuple[float, float]:
    if name in _UNIT_FIELDS and 0.0 <= v <= 1.0:
        return 0.0, 1.0
    if v < 0:
        return min(-1.0, 3 * v), max(1.0, -3 * v)
    return 0.0, max(1.0, 3 * v)


def _number(raw: Any, what: str) -> float:
    if isinstance(raw, bool):
        raise InputError(f"{what}: {raw!r} is not a number (fix: type a number)")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InputError(f"{what}: {raw!r} is not a number (fix: type a number)") from None
    if not math.isfinite(value):
        raise InputError(f"{what}: {raw!r} is not a finite number (fix: type a number)")
    return value


def _whole(raw: Any, what: str, lo: int, hi: int) -> int:
    value = _number(raw, what)
    if value != int(value) or not lo <= value <= hi:
        raise InputError(f"{what}: {raw!r} is not a whole number in {lo}…{hi} (fix: e.g. {what} 5000)")
    return int(value)


def _outcome_first(args: tuple[Any, int, int, int, int]) -> np.ndarray:
    """Run one chunk of replicates in a worker; only the outcomes' first steps travel back."""
    model, seed, first_block, n_blocks, runs = args
    out: np.ndarray = model.run_blocks(seed, first_block, n_blocks, runs)["outcome_first"]
    return out


def _ready(_: int) -> bool:
    import detente.engines.escalation  # noqa: F401  (imported once per worker, before the first run)

    return True


def _watch_parent(parent: int) -> None:
    """In a worker: exit as soon as the app that started it is gone (even if it was killed)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
