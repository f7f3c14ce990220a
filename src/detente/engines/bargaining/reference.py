"""A plain-loop reference implementation of the expected-utility model, for tests and benchmarks.

It follows the equations of :mod:`detente.engines.bargaining.expected_utility` one actor pair at a
time, with no arrays, so the vectorised version can be checked against it and timed against it.
It supports the default options only (``q`` and ``t`` included).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["reference_medians"]

EPS = 1e-9  # as in the vectorised model: expected utilities this close count as equal


def _wmedian(x: Sequence[float], w: Sequence[float]) -> float:
    pairs = sorted(zip(x, w, strict=True))
    total = sum(w)
    cum = 0.0
    for k, (xk, wk) in enumerate(pairs):
        cum += wk
        if abs(cum - total / 2) <= 1e-12 * max(total, 1.0):
            for xn, wn in pairs[k + 1:]:
                if wn > 0:
                    return (xk + xn) / 2 if xn != xk else xk
            return xk
        if cum > total / 2:
            return xk
    return pairs[-1][0]


def _eu(
    x: list[float], mu: float, prob: list[list[float]], s: Sequence[float], scale: float,
    q: float, t: float, i: int, j: int, r: float,
) -> float:
    """Expected utility of i challenging j, with risk exponent r (that of whoever is judging)."""
    dij = abs(x[i] - x[j]) / scale
    dmu = abs(x[i] - mu) / scale
    us = 2 - 4 * max(0.5 - 0.5 * dij, 0.0) ** r
    uf = 2 - 4 * (0.5 + 0.5 * dij) ** r
    ub = 2 - 4 * max(0.5 - 0.25 * (dmu + dij), 0.0) ** r
    uw = 2 - 4 * (0.5 + 0.25 * (dmu + dij)) ** r
    usq = 2 - 4 * 0.5**r
    p = prob[i][j]
    return (s[j] * (p * us + (1 - p) * uf) + (1 - s[j]) * us
            - q * usq - (1 - q) * (t * ub + (1 - t) * uw))


def reference_medians(
    x0: Sequence[float],
    c: Sequence[float],
    s: Sequence[float],
    rounds: int = 10,
    q: float = 1.0,
    t: float = 1.0,
) -> tuple[list[float], list[list[float]]]:
    """Run the expected-utility model with loops; return the medians and positions by round.

    Args:
        x0: Initial positions.
        c: Capabilities.
        s: Saliences in [0, 1].
        rounds: Rounds.
        q: Probability that the status quo holds.
        t: Probability that a drift of the status quo helps the challenger.

    Returns:
        ``(medians, positions)``, each with ``rounds + 1`` entries.
    """
    n = len(x0)
    x = [float(v) for v in x0]
    w = [c[i] * s[i] for i in range(n)]
    scale = max(x) - min(x)
    history = [list(x)]
    medians = [_wmedian(x, w)]
    for _ in range(rounds):
        if scale <= 0:
            history.append(list(x))
            medians.append(medians[-1])
            continue
        mu = _wmedian(x, w)
        # probability of prevailing, normalised by the votes cast on all pairs
        total = 0.0
        for k in range(n):
            for a in range(n):
                for b in range(n):
                    total += w[k] * abs(abs(x[k] - x[b]) - abs(x[k] - x[a]))
        prob = [[0.0] * n for _ in range(n)]
        for i in range(n):
            for j in range(n):
                if x[i] == x[j] or total <= 0:
                    continue
                num = 0.0
                for k in range(n):
                    v = w[k] * (abs(x[k] - x[j]) - abs(x[k] - x[i]))
                    if v > 0:
                        num += v
                prob[i][j] = num / total

        args = (x, mu, prob, s, scale, q, t)
        security = [sum(_eu(*args, j, i, 1.0) for j in range(n) if j != i) for i in range(n)]
        hi, lo = max(security), min(security)
        if hi - lo <= 1e-12 * max(1.0, abs(hi)):
            risk = [1.0] * n
        else:
            risk = []
            for i in range(n):
                big = (2 * security[i] - hi - lo) / (hi - lo)
                risk.append((1 - big / 3) / (1 + big / 3))
        new_x = list(x)
        for j in range(n):  # j receives; it judges every other actor i with its own exponent
            conflict: tuple[float, int, float] | None = None
            compromise: tuple[float, int, float] | None = None
            capitulation: tuple[float, int, float] | None = None
            for i in range(n):
                if i == j or x[i] == x[j]:
                    continue
                ea = _eu(*args, i, j, risk[j])  # i challenging j
                eb = _eu(*args, j, i, risk[j])  # j challenging i
                if ea > EPS and eb > EPS and ea > eb + EPS:
                    cand = (round(abs(x[i] - x[j]) / scale, 9), i, x[i])
                    if conflict is None or cand[0] < conflict[0]:
                        conflict = cand
                elif ea > EPS and eb <= EPS and ea + eb > EPS:
                    pos = x[j] + (x[i] - x[j]) * abs(eb) / ea
                    cand = (round(-ea, 9), i, pos)
                    if compromise is None or cand[0] < compromise[0]:
                        compromise = cand
                elif ea > EPS and eb <= EPS:
                    cand = (round(abs(x[i] - x[j]) / scale, 9), i, x[i])
                    if capitulation is None or cand[0] < capitulation[0]:
                        capitulation = cand
            chosen = conflict or compromise or capitulation
            if chosen is not None:
                new_x[j] = chosen[2]
        x = new_x
        history.append(list(x))
        medians.append(_wmedian(x, w))
    return medians, history
