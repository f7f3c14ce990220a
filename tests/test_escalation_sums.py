"""The engine's segment sums equal numpy's reduceat bit for bit (so the faster sums change no result)."""

from __future__ import annotations

import numpy as np
import pytest

from detente.engines.escalation.model import _Agg, _pairwise, _Sparse


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("L", [1, 2, 7, 8, 9, 13, 16, 17, 24, 31, 64, 129])
def test_pairwise_row_sums_equal_reduceat_bit_for_bit(L: int, dtype: type) -> None:
    rng = np.random.default_rng(L)
    S = 6
    # Magnitudes over six orders so that the order of the additions shows in the last bits.
    x = (rng.standard_normal((50, 3, S * L)) * 10 ** rng.uniform(-3, 3, (50, 3, S * L))).astype(dtype)
    ref = np.add.reduceat(x, np.arange(0, S * L, L), axis=-1)
    v = x.reshape(50, 3, S, L)
    got = _pairwise(lambda k: v[..., k], L)
    np.testing.assert_array_equal(got.view(np.uint8), ref.view(np.uint8))
    if L > 2:  # a plain left-to-right sum differs somewhere: the test can tell the orders apart
        plain = v[..., 0].copy()
        for k in range(1, L):
            plain += v[..., k]
        assert L < 10 or not np.array_equal(plain, ref)


def test_actor_sums_and_sparse_sums_equal_their_reduceat_definitions() -> None:
    rng = np.random.default_rng(7)
    n = 14
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
    src = np.array([p[0] for p in pairs])
    dst = np.array([p[1] for p in pairs])
    x = (rng.standard_normal((40, 2, len(pairs))) * 10 ** rng.uniform(-3, 3, (40, 2, len(pairs)))).astype(np.float32)
    for index in (src, dst):
        agg = _Agg(index, n)
        assert agg.seg_len == n - 1  # the row-add path, not reduceat
        order = np.argsort(index, kind="stable")
        starts = np.flatnonzero(np.r_[True, index[order][1:] != index[order][:-1]])
        ref = np.zeros((40, 2, n), np.float32)
        ref[..., index[order][starts]] = np.add.reduceat(x[..., order], starts, axis=-1)
        np.testing.assert_array_equal(agg(x).view(np.uint32), ref.view(np.uint32))
    # Sparse sums: output pair p sums w·x[:, q] over entries of unequal counts (1 to 12 terms).
    entries = [(p, int(q), float(w)) for p in range(30) for q, w in zip(
        rng.choice(len(pairs), 1 + p % 12, replace=False), rng.uniform(0.1, 2.0, 1 + p % 12), strict=True)]
    sp = _Sparse(entries, len(pairs))
    assert sp.groups is not None
    y = x[:, 0]
    e = sorted(entries)
    ps = np.array([a[0] for a in e])
    qs = np.array([a[1] for a in e])
    ws = np.array([a[2] for a in e], np.float32)
    st = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]])
    ref2 = np.zeros((40, len(pairs)), np.float32)
    ref2[:, ps[st]] = np.add.reduceat(y[:, qs] * ws, st, axis=1)
    np.testing.assert_array_equal(sp(y).view(np.uint32), ref2.view(np.uint32))
