"""One block of runs of the anchored engine, vectorised across runs.

Per run (drawn once, before the first month): every class's backbone parameters, every state's
transition parameters, every lever's strength, and persistent stances (a veto posture). Then month by
month: each class's hazard from the state of the month before, its own recent history and the active
levers; events update that history; the states step with one common shock per theatre. Alongside the
sampled path, a "no event yet" shadow history gives each run's conditional probability of each outcome
(``1 - prod(1 - h)``, Rao-Blackwellised over the event draws) for the predictive interval.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .compile import Compiled

BLOCK = 512
"""Runs per random-number block: block ``b`` draws from ``SeedSequence(seed, spawn_key=(b, kind, crc32(name)))``."""


def _stream(seed: int, block: int, kind: int, name: str) -> np.random.Generator:
    """An independent stream per block and per named thing (class, state, theatre, lever, stance).

    Naming the stream by its thing, not its position, keeps common random numbers between runs that
    switch a mechanism off or add a strategy: everything else draws exactly the same numbers.
    """
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(block), kind, zlib.crc32(name.encode()))))


@dataclass
class BlockDraws:
    """What one block draws before its first month, shared by the numpy and the compiled paths.

    The streams are left positioned for the monthly draws: ``g_key[k]`` the class's uniforms,
    ``g_state[j]`` the state's own shocks, ``g_theatre[t]`` the theatre's common shock.
    """

    g_key: list[np.random.Generator]
    g_state: list[np.random.Generator]
    g_theatre: list[np.random.Generator]
    draws: list[Any]
    sdraws: list[Any]
    rho: list[np.ndarray]
    strength: list[tuple[np.ndarray, np.ndarray]]
    blocked: np.ndarray


def block_draws(comp: Compiled, seed: int, block: int) -> BlockDraws:
    """Open the block's streams and draw every per-run parameter (classes, states, levers, stances)."""
    n, n_keys = BLOCK, len(comp.keys)
    g_key = [_stream(seed, block, 1, ks.key) for ks in comp.keys]
    g_state = [_stream(seed, block, 2, s) for s in comp.states]
    draws = [fit.draw(g, n) for fit, g in zip(comp.class_fits, g_key, strict=True)]
    sdraws = [st.draw(g, n) for st, g in zip(comp.state_fits, g_state, strict=True)]
    rho = [np.asarray(getattr(sd, "rho", 0.0), dtype=float) for sd in sdraws]
    strength = []
    for lv in comp.levers:
        g = _stream(seed, block, 4, lv.id)
        # The quote fixes the sign, the prior or the data the size: a trend drawn against the quote's sign
        # counts as no effect.
        m = np.maximum(g.normal(lv.trend[0], lv.trend[1], n), 0.0) if lv.trend else np.abs(g.normal(0.0, lv.scale, n))
        mz = np.abs(g.normal(0.0, lv.state_scale, n))
        strength.append((m, mz))
    blocked = np.zeros((n_keys, n), dtype=bool)
    for o in comp.outcomes:
        if o.veto is not None:
            vetoed = _stream(seed, block, 5, o.id).random(n) < o.veto
            for k in o.keys:
                blocked[k] |= vetoed
    n_theatres = (max(comp.theatres) + 1) if comp.theatres else 0
    g_theatre = [_stream(seed, block, 3, comp.states[comp.theatres.index(t)]) for t in range(n_theatres)]
    return BlockDraws(g_key, g_state, g_theatre, draws, sdraws, rho, strength, blocked)


def run_block(
    comp: Compiled, seed: int, block: int, horizons: Sequence[int], kernel: str = "auto", flat: Any = None
) -> dict[str, np.ndarray]:
    """Simulate one block of :data:`BLOCK` runs on the compiled kernel or the numpy reference path.

    Args:
        comp: The compiled scenario.
        seed: The run's seed.
        block: The block number (its streams are named by it).
        horizons: The reported horizons (months).
        kernel: ``compiled``, ``numpy`` or ``auto`` (:func:`.kernel.choose_kernel`); both paths give the
            same numbers.
        flat: The scenario flattened for the kernel (:func:`.kernel.flatten`), made once per compile;
            built here when not given.

    Returns:
        ``outcome_first`` (B, outcomes) first month each outcome happened (-1: never), ``key_first``
        (B, keys) first month of any event of each class, ``cond`` (B, outcomes, horizons) each run's
        conditional probability of the outcome by each horizon, ``z`` (B, months+1, states) the states.
    """
    from . import kernel as compiled

    if compiled.choose_kernel(kernel, comp) == "compiled":
        return compiled.run_block_compiled(comp, seed, block, horizons, flat)
    return run_block_numpy(comp, seed, block, horizons)


def run_block_numpy(comp: Compiled, seed: int, block: int, horizons: Sequence[int]) -> dict[str, np.ndarray]:
    """The reference path of :func:`run_block`: numpy across the block's runs, Python loops over months."""
    n, horizon = BLOCK, comp.horizon
    n_keys, n_states = len(comp.keys), len(comp.states)
    bd = block_draws(comp, seed, block)
    g_key, g_state, g_theatre = bd.g_key, bd.g_state, bd.g_theatre
    draws, sdraws, rho, strength, blocked = bd.draws, bd.sdraws, bd.rho, bd.strength, bd.blocked
    any_blocked = [bool(blocked[k].any()) for k in range(n_keys)]
    has_acc = [any(k == i for lv in comp.levers for i, _ in lv.accident) for k in range(n_keys)]
    z = np.stack([np.full(n, float(st.z0)) for st in comp.state_fits]) if n_states else np.zeros((0, n))
    dyn = [fit.start() for fit in comp.class_fits]
    shadow = [fit.start() for fit in comp.class_fits]
    surv_d = np.ones((n_keys, n))
    surv_a = np.ones((n_keys, n))
    first_d = np.full((n_keys, n), -1, dtype=np.int16)
    first_a = np.full((n_keys, n), -1, dtype=np.int16)
    hs = list(horizons)
    cond = np.zeros((len(comp.outcomes), len(hs), n), dtype=np.float32)
    zpath = np.zeros((horizon + 1, n_states, n), dtype=np.float32)
    zpath[0] = z
    nothing = np.zeros(n, dtype=bool)
    for t in range(1, horizon + 1):
        lever_h = np.zeros((n_keys, n))
        lever_a = np.zeros((n_keys, n))
        shift = np.zeros((n_states, n))
        for lv, (m, mz) in zip(comp.levers, strength, strict=True):
            if not lv.active(t):
                continue
            mult = m * (t / 12.0) if lv.ramp else m
            for i, s in lv.hazard:
                lever_h[i] += s * mult
            for i, s in lv.accident:
                lever_a[i] += s * mult
            for j, s in lv.states:
                shift[j] += s * mz * (1.0 - rho[j])  # moves the long-run mean by s * mz
        for k, (fit, ks) in enumerate(zip(comp.class_fits, comp.keys, strict=True)):
            zk = z[ks.state]
            h_d = np.asarray(fit.hazard(draws[k], zk, dyn[k], lever_h[k]), dtype=float)
            h_a = np.asarray(fit.hazard(draws[k], zk, dyn[k], lever_h[k] + lever_a[k]), dtype=float) if has_acc[k] else h_d
            g_d = np.asarray(fit.hazard(draws[k], zk, shadow[k], lever_h[k]), dtype=float)
            g_a = np.asarray(fit.hazard(draws[k], zk, shadow[k], lever_h[k] + lever_a[k]), dtype=float) if has_acc[k] else g_d
            if any_blocked[k]:
                h_d, h_a, g_d, g_a = (np.where(blocked[k], 0.0, x) for x in (h_d, h_a, g_d, g_a))
            u = g_key[k].random(n)
            occ_d = u < h_d
            occ_a = u < np.maximum(h_a, h_d)
            first_d[k, occ_d & (first_d[k] < 0)] = t
            first_a[k, occ_a & (first_a[k] < 0)] = t
            dyn[k].update(occ_a)
            surv_d[k] *= 1.0 - g_d
            surv_a[k] *= 1.0 - np.maximum(g_a, g_d)
            shadow[k].update(nothing)
        if t in hs:
            col = hs.index(t)
            for o_i, o in enumerate(comp.outcomes):
                surv = np.ones(n)
                for k, acc in zip(o.keys, o.accidents, strict=True):
                    surv = surv * (surv_a[k] if acc else surv_d[k])
                cond[o_i, col] = 1.0 - surv
        if n_states:
            eta = [g.standard_normal(n) for g in g_theatre]
            for j, st in enumerate(comp.state_fits):
                z[j] = st.step(z[j], sdraws[j], eta[comp.theatres[j]], g_state[j]) + shift[j]
            zpath[t] = z
    first = np.full((len(comp.outcomes), n), -1, dtype=np.int16)
    for o_i, o in enumerate(comp.outcomes):
        for k, acc in zip(o.keys, o.accidents, strict=True):
            f = first_a[k] if acc else first_d[k]
            hit = (f >= 1) & ((first[o_i] < 0) | (f < first[o_i]))
            first[o_i, hit] = f[hit]
    return {
        "outcome_first": first.T.copy(),
        "key_first": first_a.T.copy(),
        "cond": np.transpose(cond, (2, 0, 1)).copy(),
        "z": np.transpose(zpath, (2, 0, 1)).copy(),
    }
