"""The anchored engine's compiled inner step: one Numba kernel runs a whole block, month loop fused.

:func:`detente.engines.anchored.model.run_block_numpy` is the reference: numpy across the block's runs,
Python loops over months, classes, levers and states. Here the same model runs as one compiled loop per
run: the lever sums (active windows, ramps), every class's hazard (the sampled path, the accidents
channel, the vetoes, and the "no event yet" shadow history of the conditional probability), the
dynamic histories, first-hit times, survival products at the reported horizons and the states' AR(1)
steps. The scenario is flattened into plain arrays once per compile (:func:`flatten`).

Random numbers are the reference path's own: the block's per-run parameters come from the same code
(:func:`~.model.block_draws`), and each stream's monthly draws are drawn up front in the order the
reference consumes them (``g_key[k].random((months, B))`` equals ``months`` successive ``random(B)``
calls of a PCG64 generator; likewise ``standard_normal``). The two paths therefore give the same first
months and the same probabilities up to floating-point rounding (numpy's ``einsum`` and SIMD ``exp``
round differently from the compiled scalar loop: a few ulp).

Numba is imported only when the kernel is first used; without it ``kernel="auto"`` runs the reference
path and says so once on stderr (:func:`choose_kernel`).

References:
    - Lam, Pitrou & Seibert (2015). Numba: a LLVM-based Python JIT compiler. LLVM-HPC '15.
    - O'Neill (2014). PCG: a family of simple fast space-efficient statistically good algorithms for
      random number generation. HMC-CS-2014-0905.
"""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.anchor.calibration import ClassFit
from detente.anchor.panel import LAGS, MS_CAP
from detente.anchor.state import StateFit
from detente.errors import InputError

from .compile import Compiled
from .model import BLOCK, block_draws

CHUNK = 64
"""Runs the kernel steps together, month by month (small enough that their state stays in cache)."""
KERNELS = ("auto", "compiled", "numpy")
"""The values of ``kernel=`` (``--kernel``)."""
NUMBA_PIN = "numba==0.68.1"
"""The Numba release the package pins (the fix a missing-Numba message names)."""
FEATURE_CODES = {"const": 0, "z": 1, "z_missing": 2, "log_months_since": 3, "recent_3": 4, "recent_12": 5}
"""Each backbone feature as an integer code for the kernel (:func:`detente.anchor.backbone.features_now`)."""
_HISTORY = (3, 4, 5)

_noticed = False
_compiled: Callable[..., None] | None = None
_compile_lock = threading.Lock()


def numba_problem() -> str | None:
    """Why Numba cannot be used (``None``: it imports)."""
    try:
        import numba  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - a broken install (llvmlite, numpy range) is as good as none
        return f"{type(exc).__name__}: {exc}"
    return None


def supports(comp: Compiled) -> bool:
    """Whether the kernel can run the compiled scenario: backbone classes and AR(1) states only.

    A calibration object of another kind (a test's hand-made hazard) runs on the numpy path.
    """
    return (
        all(type(f) is ClassFit and set(f.backbone.names) <= set(FEATURE_CODES) for f in comp.class_fits)
        and all(type(s) is StateFit for s in comp.state_fits)
    )


def choose_kernel(kernel: str, comp: Compiled | None = None) -> str:
    """Resolve ``kernel`` to ``compiled`` or ``numpy``.

    ``auto`` is ``compiled`` when Numba imports and the calibration is the backbone's; without Numba it
    is ``numpy`` with a one-line notice on stderr (once per process).

    Raises:
        InputError: an unknown kernel name, or ``compiled`` without Numba or on a calibration it cannot run.
    """
    global _noticed
    if kernel not in KERNELS:
        raise InputError(f"kernel: {kernel!r} is not one of {', '.join(KERNELS)} (fix: --kernel auto)")
    if kernel == "numpy":
        return "numpy"
    problem = numba_problem()
    if kernel == "compiled":
        if problem is not None:
            raise InputError(f"kernel: 'compiled' needs Numba, which does not import ({problem}) (fix: pip install {NUMBA_PIN}, or --kernel numpy)")
        if comp is not None and not supports(comp):
            raise InputError("kernel: 'compiled' runs only fitted backbone calibrations, not this calibration object (fix: --kernel numpy)")
        return "compiled"
    if problem is not None:
        if not _noticed:
            _noticed = True
            print(
                f"notice: Numba does not import ({problem}); the anchored engine runs its numpy reference path, "
                f"the same numbers, roughly 9x the CPU time (fix: pip install {NUMBA_PIN})",
                file=sys.stderr,
            )
        return "numpy"
    return "compiled" if comp is None or supports(comp) else "numpy"


@dataclass(frozen=True)
class Flat:
    """A compiled scenario as plain arrays for the kernel (made once per compile, pickled to workers).

    Lever, outcome and feature lists are ragged: ``*_ptr`` holds each lever's (outcome's) first entry,
    as in a CSR matrix.
    """

    horizon: int
    feat: np.ndarray  # (K, P) feature codes, -1 beyond a class's own
    ms0: np.ndarray  # (K,) months since the last event at the as-of date
    rec0: np.ndarray  # (K,) the last 12 months as bits (bit 0: the latest month)
    history: np.ndarray  # (K,) whether the class's hazard reads its own history
    has_acc: np.ndarray  # (K,) whether an accidents lever touches the class
    shadow_ms: np.ndarray  # (months + 1, K) the "no event yet" history, the same in every run
    shadow_rec: np.ndarray  # (months + 1, K)
    log1p_ms: np.ndarray  # (MS_CAP + 1,) log1p of months since (numpy's own values)
    popcount: np.ndarray  # (2 ** 12,) events among the months a bit pattern marks, as floats
    key_state: np.ndarray  # (K,)
    lev_on: np.ndarray  # (L, months + 1) whether each lever acts in month t
    lev_ramp: np.ndarray  # (L,)
    haz_ptr: np.ndarray
    haz_key: np.ndarray
    haz_s: np.ndarray
    acc_ptr: np.ndarray
    acc_key: np.ndarray
    acc_s: np.ndarray
    st_ptr: np.ndarray
    st_idx: np.ndarray
    st_s: np.ndarray
    out_ptr: np.ndarray
    out_key: np.ndarray
    out_acc: np.ndarray
    z0: np.ndarray  # (S,)
    theatre: np.ndarray  # (S,)
    horizons: tuple[int, ...]
    col_of: np.ndarray  # (months + 1,) the reported horizon's column of month t, -1 if none


def _csr(rows: Sequence[Sequence[tuple[int, float]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    idx: list[int] = []
    val: list[float] = []
    for i, row in enumerate(rows):
        for j, s in row:
            idx.append(int(j))
            val.append(float(s))
        ptr[i + 1] = len(idx)
    return ptr, np.asarray(idx, dtype=np.int64), np.asarray(val, dtype=np.float64)


def _bits(recent: np.ndarray) -> int:
    """The last 12 months (oldest first) as bits, bit 0 the latest month."""
    return sum(1 << i for i, v in enumerate(np.asarray(recent, dtype=bool)[::-1]) if v)


def flatten(comp: Compiled, horizons: Sequence[int]) -> Flat:
    """The compiled scenario as the kernel's arrays.

    Raises:
        InputError: a calibration the kernel cannot run (:func:`supports`).
    """
    if not supports(comp):
        raise InputError("kernel: 'compiled' runs only fitted backbone calibrations, not this calibration object (fix: --kernel numpy)")
    horizon, n_keys = comp.horizon, len(comp.keys)
    names = [f.backbone.names for f in comp.class_fits]
    p = max((len(x) for x in names), default=1)
    feat = np.full((n_keys, p), -1, dtype=np.int64)
    for k, nm in enumerate(names):
        feat[k, : len(nm)] = [FEATURE_CODES[x] for x in nm]
    starts = [f.start() for f in comp.class_fits]
    ms0 = np.array([min(int(d.months_since[0]), MS_CAP) for d in starts], dtype=np.int64)
    rec0 = np.array([_bits(d.recent[0]) for d in starts], dtype=np.int64)
    shadow_ms = np.zeros((horizon + 1, n_keys), dtype=np.int64)
    shadow_rec = np.zeros((horizon + 1, n_keys), dtype=np.int64)
    full = (1 << LAGS[-1]) - 1
    for k, d in enumerate(starts):
        ms, rec = int(d.months_since[0]), int(rec0[k])
        for t in range(1, horizon + 1):  # the hazard of month t reads the history after t - 1 quiet months
            shadow_ms[t, k], shadow_rec[t, k] = min(ms, MS_CAP), rec
            ms, rec = min(ms + 1, MS_CAP), (rec << 1) & full
    lev_on = np.array([[t >= 1 and lv.active(t) for t in range(horizon + 1)] for lv in comp.levers], dtype=np.bool_).reshape(len(comp.levers), horizon + 1)
    haz = _csr([lv.hazard for lv in comp.levers])
    acc = _csr([lv.accident for lv in comp.levers])
    st = _csr([lv.states for lv in comp.levers])
    out = _csr([list(zip(o.keys, o.accidents, strict=True)) for o in comp.outcomes])
    hs = tuple(int(h) for h in horizons)
    col_of = np.full(horizon + 1, -1, dtype=np.int64)
    for c, h in enumerate(hs):
        if 1 <= h <= horizon and col_of[h] < 0:
            col_of[h] = c
    return Flat(
        horizon=horizon, feat=feat, ms0=ms0, rec0=rec0,
        history=np.array([any(FEATURE_CODES[x] in _HISTORY for x in nm) for nm in names], dtype=np.bool_),
        has_acc=np.array([any(k == i for lv in comp.levers for i, _ in lv.accident) for k in range(n_keys)], dtype=np.bool_),
        shadow_ms=shadow_ms, shadow_rec=shadow_rec,
        log1p_ms=np.log1p(np.arange(MS_CAP + 1, dtype=np.float64)),
        popcount=np.array([bin(i).count("1") for i in range(1 << LAGS[-1])], dtype=np.float64),
        key_state=np.array([ks.state for ks in comp.keys], dtype=np.int64),
        lev_on=lev_on, lev_ramp=np.array([lv.ramp for lv in comp.levers], dtype=np.bool_),
        haz_ptr=haz[0], haz_key=haz[1], haz_s=haz[2], acc_ptr=acc[0], acc_key=acc[1], acc_s=acc[2],
        st_ptr=st[0], st_idx=st[1], st_s=st[2], out_ptr=out[0], out_key=out[1], out_acc=out[2].astype(np.bool_),
        z0=np.array([float(s.z0) for s in comp.state_fits], dtype=np.float64),
        theatre=np.array(comp.theatres, dtype=np.int64), horizons=hs, col_of=col_of,
    )


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _eta(feat: np.ndarray, k: int, beta: np.ndarray, r: int, zk: float, ms: int, rec: int, log1p_ms: np.ndarray, popcount: np.ndarray) -> float:
    """``x' beta`` of class k in run r: the features of :func:`detente.anchor.backbone.features_now`.

    Summed column by column in the order of the class's names, as numpy's ``einsum`` does.
    """
    acc = 0.0
    for j in range(feat.shape[1]):
        c = feat[k, j]
        if c < 0:
            break
        if c == 0:
            x = 1.0
        elif c == 1:
            x = 0.0 if math.isnan(zk) else zk
        elif c == 2:
            x = 1.0 if math.isnan(zk) else 0.0
        elif c == 3:
            x = log1p_ms[min(ms, MS_CAP)]
        elif c == 4:
            x = popcount[rec & ((1 << LAGS[0]) - 1)]
        else:
            x = popcount[rec]
        acc += x * beta[k, j, r]
    return acc


def _runs(
    r0: int, r1: int, horizon: int, feat: np.ndarray, ms0: np.ndarray, rec0: np.ndarray, history: np.ndarray,
    has_acc: np.ndarray, shadow_ms: np.ndarray, shadow_rec: np.ndarray, log1p_ms: np.ndarray, popcount: np.ndarray,
    key_state: np.ndarray, lev_on: np.ndarray, lev_ramp: np.ndarray, haz_ptr: np.ndarray, haz_key: np.ndarray,
    haz_s: np.ndarray, acc_ptr: np.ndarray, acc_key: np.ndarray, acc_s: np.ndarray, st_ptr: np.ndarray,
    st_idx: np.ndarray, st_s: np.ndarray, out_ptr: np.ndarray, out_key: np.ndarray, out_acc: np.ndarray,
    z0: np.ndarray, theatre: np.ndarray, col_of: np.ndarray,
    beta: np.ndarray, log_m: np.ndarray, blocked: np.ndarray, m: np.ndarray, mz: np.ndarray,
    sa: np.ndarray, srho: np.ndarray, ssig: np.ndarray, sw: np.ndarray,
    u: np.ndarray, eta: np.ndarray, eps: np.ndarray,
    outcome_first: np.ndarray, key_first: np.ndarray, cond: np.ndarray, zpath: np.ndarray,
) -> None:
    """Runs ``r0 … r1 - 1`` of a block: months outer, runs inner (each array read along its last axis)."""
    n_keys = feat.shape[0]
    n_lev = lev_on.shape[0]
    n_states = z0.shape[0]
    n_out = out_ptr.shape[0] - 1
    full = (1 << LAGS[-1]) - 1
    nr = r1 - r0
    z = np.empty((n_states, nr))
    ms = np.empty((n_keys, nr), dtype=np.int64)
    rec = np.empty((n_keys, nr), dtype=np.int64)
    surv_d = np.ones((n_keys, nr))
    surv_a = np.ones((n_keys, nr))
    first_d = np.full((n_keys, nr), -1, dtype=np.int64)
    first_a = np.full((n_keys, nr), -1, dtype=np.int64)
    lever_h = np.empty((n_keys, nr))
    lever_a = np.empty((n_keys, nr))
    shift = np.empty((n_states, nr))
    mult = np.empty(nr)
    acc = np.empty(nr)
    for j in range(n_states):
        for i in range(nr):
            z[j, i] = z0[j]
            zpath[r0 + i, 0, j] = z0[j]
    for k in range(n_keys):
        for i in range(nr):
            ms[k, i] = ms0[k]
            rec[k, i] = rec0[k]
    for t in range(1, horizon + 1):
        # Levers: the same sums in the same order as the reference path.
        lever_h[:] = 0.0
        lever_a[:] = 0.0
        shift[:] = 0.0
        for li in range(n_lev):
            if not lev_on[li, t]:
                continue
            for i in range(nr):
                mult[i] = m[li, r0 + i] * (t / 12.0) if lev_ramp[li] else m[li, r0 + i]
            for e in range(haz_ptr[li], haz_ptr[li + 1]):
                k = haz_key[e]
                for i in range(nr):
                    lever_h[k, i] += haz_s[e] * mult[i]
            for e in range(acc_ptr[li], acc_ptr[li + 1]):
                k = acc_key[e]
                for i in range(nr):
                    lever_a[k, i] += acc_s[e] * mult[i]
            for e in range(st_ptr[li], st_ptr[li + 1]):
                j = st_idx[e]
                for i in range(nr):
                    shift[j, i] += st_s[e] * mz[li, r0 + i] * (1.0 - srho[j, r0 + i])
        for k in range(n_keys):
            js = key_state[k]
            # x' beta feature by feature (the order of the class's names, as numpy's einsum sums)
            acc[:] = 0.0
            for j in range(feat.shape[1]):
                c = feat[k, j]
                if c < 0:
                    break
                if c == 0:
                    for i in range(nr):
                        acc[i] += 1.0 * beta[k, j, r0 + i]
                elif c == 1:
                    for i in range(nr):
                        zk = z[js, i]
                        acc[i] += (0.0 if math.isnan(zk) else zk) * beta[k, j, r0 + i]
                elif c == 2:
                    for i in range(nr):
                        acc[i] += (1.0 if math.isnan(z[js, i]) else 0.0) * beta[k, j, r0 + i]
                elif c == 3:
                    for i in range(nr):
                        acc[i] += log1p_ms[min(ms[k, i], MS_CAP)] * beta[k, j, r0 + i]
                elif c == 4:
                    for i in range(nr):
                        acc[i] += popcount[rec[k, i] & ((1 << LAGS[0]) - 1)] * beta[k, j, r0 + i]
                else:
                    for i in range(nr):
                        acc[i] += popcount[rec[k, i]] * beta[k, j, r0 + i]
            for i in range(nr):
                r = r0 + i
                if blocked[k, r]:
                    # a vetoed outcome's classes cannot fire: a quiet month
                    ms[k, i] = min(ms[k, i] + 1, MS_CAP)
                    rec[k, i] = (rec[k, i] << 1) & full
                    continue
                base = acc[i] + log_m[k, r]
                h_d = _expit(base + lever_h[k, i])
                h_a = _expit(base + (lever_h[k, i] + lever_a[k, i])) if has_acc[k] else h_d
                if first_a[k, i] < 0 or not history[k]:
                    # no event yet (or a hazard without history): the shadow history is the sampled one
                    g_d = h_d
                    g_a = h_a
                else:
                    sbase = _eta(feat, k, beta, r, z[js, i], shadow_ms[t, k], shadow_rec[t, k], log1p_ms, popcount) + log_m[k, r]
                    g_d = _expit(sbase + lever_h[k, i])
                    g_a = _expit(sbase + (lever_h[k, i] + lever_a[k, i])) if has_acc[k] else g_d
                uk = u[k, t - 1, r]
                occ_a = uk < max(h_a, h_d)
                if uk < h_d and first_d[k, i] < 0:
                    first_d[k, i] = t
                if occ_a and first_a[k, i] < 0:
                    first_a[k, i] = t
                ms[k, i] = 1 if occ_a else min(ms[k, i] + 1, MS_CAP)
                rec[k, i] = ((rec[k, i] << 1) | (1 if occ_a else 0)) & full
                surv_d[k, i] *= 1.0 - g_d
                surv_a[k, i] *= 1.0 - max(g_a, g_d)
        col = col_of[t]
        if col >= 0:
            for o in range(n_out):
                for i in range(nr):
                    s = 1.0
                    for e in range(out_ptr[o], out_ptr[o + 1]):
                        s = s * (surv_a[out_key[e], i] if out_acc[e] else surv_d[out_key[e], i])
                    cond[r0 + i, o, col] = 1.0 - s
        for j in range(n_states):
            th = theatre[j]
            for i in range(nr):
                r = r0 + i
                w = sw[j, r]
                step = sa[j, r] + srho[j, r] * z[j, i] + ssig[j, r] * (math.sqrt(w) * eta[th, t - 1, r] + math.sqrt(1.0 - w) * eps[j, t - 1, r])
                z[j, i] = step + shift[j, i]
                zpath[r, t, j] = z[j, i]
    for i in range(nr):
        for k in range(n_keys):
            key_first[r0 + i, k] = first_a[k, i]
        for o in range(n_out):
            best = -1
            for e in range(out_ptr[o], out_ptr[o + 1]):
                f = first_a[out_key[e], i] if out_acc[e] else first_d[out_key[e], i]
                if f >= 1 and (best < 0 or f < best):
                    best = f
            outcome_first[r0 + i, o] = best


def _block_kernel(chunk: int, *args: Any) -> None:
    """Every run of a block, ``chunk`` runs at a time (the block's runs are independent)."""
    n = args[-4].shape[0]
    for r0 in range(0, n, chunk):
        _runs(r0, min(n, r0 + chunk), *args)


def compiled_kernel() -> Callable[..., None]:
    """The jitted kernel (compiled on first use, cached on disk by Numba)."""
    global _compiled, _expit, _eta, _runs
    if _compiled is not None:
        return _compiled
    with _compile_lock:
        if _compiled is not None:
            return _compiled
        import numba

        try:
            numba.njit(cache=True)(_expit)  # a cache needs a writable folder (beside the module, or Numba's user cache)
            cache = True
        except RuntimeError:  # none: compile in every process instead
            cache = False
        jit = numba.njit(cache=cache, nogil=True)
        # The helpers are rebound to their jitted versions so that the kernel, compiled next, calls those.
        _expit = jit(_expit)
        _eta = jit(_eta)
        _runs = jit(_runs)
        _compiled = jit(_block_kernel)
        return _compiled


def run_block_compiled(comp: Compiled, seed: int, block: int, horizons: Sequence[int], flat: Flat | None = None) -> dict[str, np.ndarray]:
    """One block on the compiled kernel; the same dict (keys, shapes, dtypes) as the numpy path."""
    fl = flat if flat is not None else flatten(comp, horizons)
    n, horizon = BLOCK, comp.horizon
    n_keys, n_states, n_lev = len(comp.keys), len(comp.states), len(comp.levers)
    bd = block_draws(comp, seed, block)
    p = fl.feat.shape[1]
    beta = np.zeros((n_keys, p, n))
    log_m = np.zeros((n_keys, n))
    for k, d in enumerate(bd.draws):
        beta[k, : d.beta.shape[1]] = d.beta.T
        log_m[k] = d.log_m
    sa, srho, ssig, sw = (np.array([getattr(sd, f) for sd in bd.sdraws], dtype=np.float64).reshape(n_states, n) for f in ("a", "rho", "sigma", "w"))
    m = np.array([s[0] for s in bd.strength], dtype=np.float64).reshape(n_lev, n)
    mz = np.array([s[1] for s in bd.strength], dtype=np.float64).reshape(n_lev, n)
    # The monthly draws, in the order the reference path consumes each stream: a PCG64 generator's
    # (months, B) array is its next months x B numbers, row by row, as months calls of B would give.
    u = np.empty((n_keys, horizon, n))
    for k, g in enumerate(bd.g_key):
        g.random(out=u[k])
    eta = np.empty((len(bd.g_theatre), horizon, n))
    for th, g in enumerate(bd.g_theatre):
        g.standard_normal(out=eta[th])
    eps = np.empty((n_states, horizon, n))
    for j, g in enumerate(bd.g_state):
        g.standard_normal(out=eps[j])
    outcome_first = np.empty((n, len(comp.outcomes)), dtype=np.int16)
    key_first = np.empty((n, n_keys), dtype=np.int16)
    cond = np.zeros((n, len(comp.outcomes), len(fl.horizons)), dtype=np.float32)
    zpath = np.zeros((n, horizon + 1, n_states), dtype=np.float32)
    compiled_kernel()(
        CHUNK, horizon, fl.feat, fl.ms0, fl.rec0, fl.history, fl.has_acc, fl.shadow_ms, fl.shadow_rec, fl.log1p_ms, fl.popcount,
        fl.key_state, fl.lev_on, fl.lev_ramp, fl.haz_ptr, fl.haz_key, fl.haz_s, fl.acc_ptr, fl.acc_key, fl.acc_s,
        fl.st_ptr, fl.st_idx, fl.st_s, fl.out_ptr, fl.out_key, fl.out_acc, fl.z0, fl.theatre, fl.col_of,
        beta, log_m, bd.blocked, m, mz, sa, srho, ssig, sw, u, eta, eps,
        outcome_first, key_first, cond, zpath,
    )
    return {"outcome_first": outcome_first, "key_first": key_first, "cond": cond, "z": zpath}


__all__ = ["KERNELS", "NUMBA_PIN", "Flat", "choose_kernel", "compiled_kernel", "flatten", "numba_problem", "run_block_compiled", "supports"]
