"""The calibration offset's fit: the intercept shifts that make expected choice shares equal their targets.

The escalation engine's choice for replicate ``r`` and pair ``p`` is a softmax over actions of
``x[r, p, a] − δ[p, a]``. Given the weights ``e[r, p, a] = exp(x[r, p, a])`` over fixed noise draws,
:func:`fit_offset` finds ``δ`` such that the mean share over replicates,
``g[p, a] = mean_r e·exp(−δ) / Σ_b e·exp(−δ)``, meets its target:

- cell by cell, ``g[p, a] = t[p, a]``, for the actions fitted pair by pair (use of force);
- on the mean over the pairs where the action is available, ``ḡ[a] = t̄[a]``, with one ``δ[·, a]`` for all
  those pairs, for the pooled actions (every other fitted action);
- ``δ = 0`` elsewhere (no event, tests, unavailable cells).

The equations are solved in log space, ``F = log g − log t`` (and ``log ḡ − log t̄``), by Newton's method
with a backtracking line search. The Jacobian is exact: ``∂g[p, a]/∂δ[p, b] = −(g[p, a]·1[a = b] −
mean_r s[r, p, a]·s[r, p, b])`` with ``s`` the shares (the covariance of a multinomial draw averaged over
replicates). Iterative proportional fitting (``δ += F``, the engine's earlier solver) converges to the same
root linearly, in up to a few hundred passes over the ``(replicates, pairs, actions)`` array; Newton needs a
handful. References: Deming & Stephan (1940), Ann. Math. Stat. 11:427–444 (proportional fitting); Nocedal
& Wright (2006), *Numerical Optimization*, 2nd ed., §11.1–11.3 (Newton's method for equations with a line
search).
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any

import numpy as np

TOLERANCE = 1e-12
"""Newton stops when every equation's log ratio is below this (the earlier solver stopped at steps < 1e-9)."""
MAX_NEWTON = 60
MAX_IPF = 2000


def fit_offset(
    weights: np.ndarray,
    target: np.ndarray,
    available: np.ndarray,
    per_pair: np.ndarray,
    pooled: np.ndarray,
    *,
    tol: float = TOLERANCE,
) -> np.ndarray:
    """The offset ``δ`` (P, A) that makes the mean choice shares their targets (module docstring).

    Args:
        weights: ``(R, P, A)`` non-negative choice weights at ``δ = 0`` (0 where an action is unavailable);
            each ``(r, p)`` row may be scaled by any positive constant. Overwritten (normalised in place).
        target: ``(P, A)`` target shares (rows sum to 1; 0 where unavailable).
        available: ``(P, A)`` cells where the action exists; a pooled action's mean runs over these.
        per_pair: ``(A,)`` actions fitted cell by cell.
        pooled: ``(A,)`` actions fitted on their mean over the pairs where they are available.
        tol: Stop when every ``|log g − log t|`` is below this.

    Returns:
        ``δ`` in float64, 0 outside the fitted cells.

    Raises:
        ArithmeticError: The fit did not converge (it always has on valid scenarios; see the tests).
    """
    R, P, A = weights.shape
    avail = np.asarray(available, bool)
    cells = avail & per_pair[None, :] & weights.any(0) & (target > 0)
    n = avail.sum(0)
    mean_target = np.where(n > 0, (target * avail).sum(0) / np.maximum(n, 1), 0.0)
    pool_a = np.flatnonzero(pooled & ~per_pair & (n > 0) & (mean_target > 0))
    pv_p, pv_a = np.nonzero(cells)
    n_pair, n_pool = len(pv_p), len(pool_a)
    delta = np.zeros((P, A))
    if n_pair + n_pool == 0:
        return delta
    log_t_pair = np.log(target[pv_p, pv_a])
    log_t_pool = np.log(mean_target[pool_a])
    avail_pool = avail[:, pool_a].astype(np.float64)  # (P, Q)
    e = weights
    scale = e.sum(-1, keepdims=True)
    np.divide(e, np.where(scale > 0, scale, 1.0), out=e)

    def apply(theta: np.ndarray) -> np.ndarray:
        d = np.zeros((P, A))
        d[:, pool_a] = avail_pool * theta[n_pair:][None, :]
        d[pv_p, pv_a] = theta[:n_pair]
        return d

    def evaluate(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(residuals F, mean shares g (P, A), shares s (R, P, A)) at ``θ``."""
        s = e * np.exp(-apply(theta))[None]
        s /= s.sum(-1, keepdims=True)
        g = s.mean(0)
        mean_g = (g[:, pool_a] * avail_pool).sum(0) / n[pool_a]
        with np.errstate(divide="ignore"):
            f = np.concatenate([np.log(g[pv_p, pv_a]) - log_t_pair, np.log(mean_g) - log_t_pool])
        return f, g, s

    theta = np.zeros(n_pair + n_pool)
    f, g, s = evaluate(theta)
    size = float(np.abs(f).max())
    for _ in range(MAX_NEWTON):
        if size < tol:
            return apply(theta)
        try:
            step = _newton_step(f, g, s, pv_p, pv_a, pool_a, avail_pool, n)
        except np.linalg.LinAlgError:
            break
        t = 1.0
        for _ in range(40):  # backtrack until the largest residual falls
            f_new, g_new, s_new = evaluate(theta + t * step)
            new_size = float(np.abs(f_new).max()) if np.isfinite(f_new).all() else math.inf
            if new_size < size:
                break
            t *= 0.5
        else:
            break
        theta = theta + t * step
        f, g, s, size = f_new, g_new, s_new, new_size
    # Fallback: proportional fitting from where Newton stopped (a step along F lowers every residual).
    for _ in range(MAX_IPF):
        if size < tol:
            return apply(theta)
        theta = theta + f
        f, g, s = evaluate(theta)
        size = float(np.abs(f).max())
    if size < 1e-9:
        return apply(theta)
    raise ArithmeticError(f"calibration offset: the fit did not converge (largest log ratio {size:.2e})")


def _newton_step(
    f: np.ndarray,
    g: np.ndarray,
    s: np.ndarray,
    pv_p: np.ndarray,
    pv_a: np.ndarray,
    pool_a: np.ndarray,
    avail_pool: np.ndarray,
    n: np.ndarray,
) -> np.ndarray:
    """The Newton step ``−J⁻¹F`` for the pair cells ``(pv_p, pv_a)`` then the pooled actions ``pool_a``.

    The Jacobian's pair-cell block is block diagonal (one small block per pair: the cells of one pair
    share its shares), so the step is solved through the Schur complement of that block: small batched
    solves and one system the size of the pooled actions, instead of one dense system over every cell.
    """
    R = s.shape[0]
    n_pair, n_pool = len(pv_p), len(pool_a)
    sp = np.ascontiguousarray(s.transpose(1, 2, 0))  # (P, A, R)
    # M[p, a, b] = g[p, a]·1[a = b] − mean_r s_a s_b = −∂g[p, a]/∂δ[p, b]
    M = np.matmul(sp, sp.transpose(0, 2, 1))
    M *= -1.0 / R
    diag = np.arange(g.shape[1])
    M[:, diag, diag] += g
    f_pair, f_pool = f[:n_pair], f[n_pair:]
    g_pair = g[pv_p, pv_a]
    mean_g = (g[:, pool_a] * avail_pool).sum(0) / n[pool_a]
    # ∂F/∂θ blocks: pair cells (block diagonal), pair rows × pooled columns, pooled × pair, pooled × pooled.
    jpq = -M[pv_p[:, None], pv_a[:, None], pool_a[None, :]] * avail_pool[pv_p] / g_pair[:, None]
    jqp = -avail_pool[pv_p].T * M[pv_p[None, :], pool_a[:, None], pv_a[None, :]] / (n[pool_a] * mean_g)[:, None]
    mqq = M[:, pool_a][:, :, pool_a]
    jqq = -np.einsum("pa,pb,pab->ab", avail_pool, avail_pool, mqq) / (n[pool_a] * mean_g)[:, None]
    # Y = Jpp⁻¹ [F_pair | Jpq], pair by pair, pairs grouped by their number of cells.
    rhs = np.concatenate([f_pair[:, None], jpq], axis=1)
    Y = np.empty_like(rhs)
    starts = np.flatnonzero(np.r_[True, pv_p[1:] != pv_p[:-1]]) if n_pair else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[starts, n_pair])
    for k in np.unique(sizes):
        ix = starts[sizes == k][:, None] + np.arange(k)[None, :]  # (G, k) cells of each pair
        blocks = -M[pv_p[ix][:, :, None], pv_a[ix][:, :, None], pv_a[ix][:, None, :]] / g_pair[ix][:, :, None]
        Y[ix] = np.linalg.solve(blocks, rhs[ix])
    if n_pool:
        schur = jqq - jqp @ Y[:, 1:]
        y = np.linalg.solve(schur, -f_pool + jqp @ Y[:, 0])
    else:
        y = np.zeros(0)
    x = -Y[:, 0] - Y[:, 1:] @ y
    return np.concatenate([x, y])


# -- memo -------------------------------------------------------------------------------------------

_CACHE: OrderedDict[str, np.ndarray] = OrderedDict()
CACHE_SIZE = 32
"""Offsets kept per process (one per compiled scenario; a few kilobytes each)."""


def fingerprint(*parts: Any) -> str:
    """A SHA-256 of values built from numbers, strings, arrays, mappings, sequences and dataclasses.

    Arrays count by dtype, shape and bytes; mappings by sorted keys; dataclasses by every field.
    """
    h = hashlib.sha256()

    def feed(x: Any) -> None:
        if isinstance(x, np.ndarray):
            h.update(f"a{x.dtype.str}{x.shape}".encode())
            h.update(np.ascontiguousarray(x).tobytes())
        elif is_dataclass(x) and not isinstance(x, type):
            h.update(f"d{type(x).__qualname__}".encode())
            for f in fields(x):
                h.update(f.name.encode())
                feed(getattr(x, f.name))
        elif isinstance(x, dict):
            h.update(f"m{len(x)}".encode())
            for k in sorted(x, key=repr):
                feed(k)
                feed(x[k])
        elif isinstance(x, list | tuple):
            h.update(f"s{len(x)}".encode())
            for v in x:
                feed(v)
        elif isinstance(x, bool | int | float | str | np.generic) or x is None:
            h.update(f"{type(x).__name__}:{x!r};".encode())
        else:
            raise TypeError(f"fingerprint: cannot hash a {type(x).__name__}")

    for p in parts:
        feed(p)
    return h.hexdigest()


def memoised(key: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
    """``compute()`` once per ``key`` in this process (a copy is returned, so callers may change it)."""
    hit = _CACHE.get(key)
    if hit is None:
        hit = np.array(compute(), dtype=np.float64)
        hit.setflags(write=False)
        _CACHE[key] = hit
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return hit.copy()


def clear_cache() -> None:
    """Forget every memoised offset (tests; a process that changes the engine's code or data)."""
    _CACHE.clear()
