"""The backbone: a discrete-time logistic hazard per class with empirical-Bayes subject multipliers.

For class ``c`` and subject ``s`` in month ``t``::

    logit h[c, s, t] = x[s, t]' beta_c + log m[c, s] + L[c, t]

``x`` = constant, the crisis state of the month before (with a flag where unknown), log(1 + months since
the subject's last event month), event months among the last 3 and 12 (:mod:`detente.anchor.panel`).
``beta_c`` is fitted by maximum likelihood (statsmodels GLM, binomial family, logit link) on the
subject-months before the cut and drawn from MultivariateNormal(beta_hat, Sigma_hat). ``m[c, s]`` is the
subject's gamma–Poisson multiplier on observed vs expected events (Clayton & Kaldor 1987): posterior
Gamma(O_s + k, E_s + k), ``k`` by marginal likelihood (negative binomial); a subject never seen draws
from Gamma(k, k). ``L`` is the sum of the levers a scenario turns on.

References:
    - Allison (1982). Discrete-time methods for the analysis of event histories. Sociological Methodology 13.
    - Beck, Katz & Tucker (1998). Taking time seriously. AJPS 42(4).
    - Clayton & Kaldor (1987). Empirical Bayes estimates of age-standardized relative risks. Biometrics 43.
    - Heckman & Singer (1984). A method for minimizing the impact of distributional assumptions in
      econometric models for duration data. Econometrica 52(2).
    - Peduzzi et al. (1996). A simulation study of the number of events per variable in logistic
      regression analysis. J Clin Epidemiol 49(12).
    - Seabold & Perktold (2010). statsmodels. Proc. 9th Python in Science Conference.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit, gammaln, logsumexp, roots_genlaguerre

from detente.anchor.panel import FEATURES, LAGS, MS_CAP, Panel, clock, design

MIN_EVENTS = 5
"""Below this many event months a class keeps only its constant (a Jeffreys rate)."""
EVENTS_PER_FEATURE = 10
"""At most one feature besides the constant per 10 event months (Peduzzi et al. 1996)."""
PRIORITY = (("z", "z_missing"), ("log_months_since",), ("recent_12",), ("recent_3",))
"""Order in which features enter when events are few: the state first, then time since, then counts."""
K_BOUNDS = (1e-2, 1e4)
K_FIT = (0.05, 150.0)
"""Range of k in the marginal-likelihood fit (k = 150: subjects differ by 8 % (sd) at most; beyond, the quadrature overflows)."""
QUAD_NODES = 10
MAX_ROWS = 30_000
MIN_QUIET_ROWS = 8_000
"""However many subjects had events, at least this many subject-months of quiet subjects are kept."""
"""Above this many subject-months, quiet subjects are sampled (and weighted) in the marginal-likelihood fit."""
"""Generalised Gauss–Laguerre nodes integrating over the gamma multiplier."""
"""Search range of the gamma shape k; k at the upper end means subjects do not differ beyond chance."""


@dataclass(frozen=True)
class ClassDraws:
    """Per-run backbone parameters: ``beta`` (n × p, columns as the fit's ``names``) and ``log_m`` (n,)."""

    beta: np.ndarray
    log_m: np.ndarray


@dataclass
class Dynamic:
    """A subject's recent history per run: months since its last event month and the last 12 months.

    Attributes:
        months_since: (n,) months since the last event month (capped at :data:`MS_CAP`).
        recent: (n, 12) event months, oldest first.
    """

    months_since: np.ndarray
    recent: np.ndarray

    def update(self, occurred: np.ndarray) -> None:
        """Advance one month: ``occurred`` (n,) says in which runs the event happened this month."""
        occ = np.asarray(occurred, dtype=bool)
        n = max(len(self.months_since), occ.size)
        ms = np.broadcast_to(self.months_since, (n,))
        rec = np.broadcast_to(self.recent, (n, self.recent.shape[1]))
        occ = np.broadcast_to(occ, (n,))
        self.months_since = np.where(occ, 1, np.minimum(ms + 1, MS_CAP))
        self.recent = np.concatenate([rec[:, 1:], occ[:, None]], axis=1)

    def copy(self, n: int | None = None) -> Dynamic:
        """An independent copy, broadcast to n runs if given."""
        if n is None:
            return Dynamic(self.months_since.copy(), self.recent.copy())
        return Dynamic(
            np.broadcast_to(self.months_since, (n,)).copy(), np.broadcast_to(self.recent, (n, self.recent.shape[1])).copy()
        )


def features_now(names: tuple[str, ...], z: np.ndarray | float, dyn: Dynamic) -> np.ndarray:
    """Feature matrix (n × p) of the current month from the state and the dynamic history."""
    ms = np.asarray(dyn.months_since, dtype=float)
    n = max(ms.size, np.size(z))
    cols = []
    for name in names:
        if name == "const":
            cols.append(np.ones(n))
        elif name == "z":
            cols.append(np.broadcast_to(np.asarray(z, dtype=float), (n,)))
        elif name == "z_missing":
            cols.append(np.broadcast_to(np.isnan(np.asarray(z, dtype=float)).astype(float), (n,)))
        elif name == "log_months_since":
            cols.append(np.broadcast_to(np.log1p(np.minimum(ms, MS_CAP)), (n,)))
        elif name == "recent_3":
            cols.append(np.broadcast_to(dyn.recent[:, -LAGS[0]:].sum(axis=1), (n,)).astype(float))
        elif name == "recent_12":
            cols.append(np.broadcast_to(dyn.recent[:, -LAGS[1]:].sum(axis=1), (n,)).astype(float))
        else:  # pragma: no cover - names come from FEATURES
            raise KeyError(name)
    x = np.column_stack(cols)
    if "z" in names:
        x[:, names.index("z")] = np.nan_to_num(x[:, names.index("z")])
    return x


def nb_shape(observed: np.ndarray, expected: np.ndarray) -> float:
    """Gamma shape k of subject multipliers by marginal (negative-binomial) likelihood."""
    o = np.asarray(observed, dtype=float)
    e = np.maximum(np.asarray(expected, dtype=float), 1e-12)

    def nll(logk: float) -> float:
        k = np.exp(logk)
        ll = gammaln(o + k) - gammaln(k) + k * np.log(k / (k + e)) + o * np.log(e / (k + e))
        return -float(ll.sum())

    res = minimize_scalar(nll, bounds=(np.log(K_BOUNDS[0]), np.log(K_BOUNDS[1])), method="bounded")
    return float(np.exp(res.x))


def mvn_root(cov: np.ndarray) -> np.ndarray:
    """A square root R of a covariance (R R' = cov) that tolerates a singular one (eigendecomposition)."""
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    return np.asarray(vecs * np.sqrt(np.clip(vals, 0.0, None)))


def mvn_draws(rng: np.random.Generator, mean: np.ndarray, cov: np.ndarray, n: int, root: np.ndarray | None = None) -> np.ndarray:
    """N draws of MultivariateNormal(mean, cov) that tolerate a singular covariance (``root``: its :func:`mvn_root`)."""
    root = mvn_root(cov) if root is None else root
    return mean[None, :] + rng.standard_normal((n, len(mean))) @ root.T


@dataclass
class Backbone:
    """A fitted class backbone: hazard coefficients with their covariance and the subject multipliers.

    Attributes:
        names: Feature names of the columns of ``beta``.
        beta: Maximum-likelihood coefficients.
        cov: Their covariance.
        k: Gamma shape of the subject multipliers.
        subjects: Subjects of the fitting panel.
        observed, expected: Event months and expected event months per subject (from the fit without multipliers).
        n_events, n_rows: Event months and at-risk subject-months in the fit.
        method: ``glm`` or ``constant`` (too few events: the Jeffreys rate).
        pool_size: Subjects in the fitting pool (a saved calibration keeps only its subject's counts).
    """

    names: tuple[str, ...]
    beta: np.ndarray
    cov: np.ndarray
    k: float
    subjects: tuple[str, ...]
    observed: np.ndarray
    expected: np.ndarray
    n_events: int
    n_rows: int
    method: str = "glm"
    pool_size: int = 0
    _index: dict[str, int] = field(default_factory=dict, repr=False)
    _root: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index = {s: i for i, s in enumerate(self.subjects)}
        self.pool_size = max(self.pool_size, len(self.subjects))

    @property
    def base_rate(self) -> float:
        """Pooled monthly event rate in the fitting window."""
        return self.n_events / self.n_rows if self.n_rows else 0.0

    def index(self, subject: str) -> int | None:
        """Row of a subject in the fitting panel (None: never seen)."""
        return self._index.get(subject)

    def draw_beta(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """N coefficient draws."""
        if self._root is None:  # the same root every block: decomposed once
            self._root = mvn_root(self.cov)
        return mvn_draws(rng, self.beta, self.cov, n, self._root)

    def draw_log_m(self, rng: np.random.Generator, rows: np.ndarray, n: int) -> np.ndarray:
        """Log multipliers (len(rows) × n): posterior Gamma(O + k, E + k); row −1 = never seen, Gamma(k, k)."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 1:
            # One subject (every simulated class): scalar parameters, the same draws as the array path below.
            r = int(rows.flat[0])
            o1, e1 = (float(self.observed[r]), float(self.expected[r])) if r >= 0 else (0.0, 0.0)
            g1 = rng.gamma(o1 + self.k, 1.0 / (e1 + self.k), size=(1, n))
            return np.log(np.maximum(g1, 1e-300))
        seen = rows >= 0
        o = np.where(seen, self.observed[np.clip(rows, 0, None)], 0.0)
        e = np.where(seen, self.expected[np.clip(rows, 0, None)], 0.0)
        shape = (o + self.k)[:, None]
        rate = (e + self.k)[:, None]
        g = rng.gamma(np.broadcast_to(shape, (len(rows), n)), 1.0 / np.broadcast_to(rate, (len(rows), n)))
        return np.log(np.maximum(g, 1e-300))

    def linear(self, beta: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Row-wise x' beta for per-run coefficients (beta n × p, x n × p)."""
        return np.einsum("ij,ij->i", x, beta)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (numbers only, never data rows)."""
        return {
            "names": list(self.names), "beta": self.beta.tolist(), "cov": self.cov.tolist(), "k": self.k,
            "subjects": list(self.subjects), "observed": self.observed.tolist(), "expected": self.expected.tolist(),
            "n_events": self.n_events, "n_rows": self.n_rows, "method": self.method, "pool_size": self.pool_size,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Backbone:
        """Inverse of :meth:`to_dict`."""
        return cls(
            names=tuple(d["names"]), beta=np.asarray(d["beta"], dtype=float), cov=np.asarray(d["cov"], dtype=float),
            k=float(d["k"]), subjects=tuple(d["subjects"]), observed=np.asarray(d["observed"], dtype=float),
            expected=np.asarray(d["expected"], dtype=float), n_events=int(d["n_events"]), n_rows=int(d["n_rows"]),
            method=str(d["method"]), pool_size=int(d.get("pool_size", 0)),
        )


def _glm(x: np.ndarray, y: np.ndarray, offset: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    import statsmodels.api as sm

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sm.GLM(y.astype(float), x, family=sm.families.Binomial(), offset=offset).fit(maxiter=100)
        beta = np.asarray(res.params, dtype=float)
        cov = np.asarray(res.cov_params(), dtype=float)
    except (ValueError, np.linalg.LinAlgError):
        return None
    if not (np.all(np.isfinite(beta)) and np.all(np.isfinite(cov))) or np.abs(beta).max() > 15:
        return None
    return beta, cov


def _nodes(k: float) -> tuple[np.ndarray, np.ndarray]:
    """Log multipliers and log weights of generalised Gauss–Laguerre quadrature for m ~ Gamma(k, k)."""
    x, w = roots_genlaguerre(QUAD_NODES, k - 1.0)
    w = np.maximum(w, 1e-300)
    return np.log(x / k), np.log(w / w.sum())


def _marginal(
    theta: np.ndarray, x: np.ndarray, y: np.ndarray, rows: np.ndarray, n_s: int, ws: np.ndarray, grad: bool = True
) -> tuple[float, np.ndarray]:
    """Negative marginal log likelihood of the logistic hazard with gamma multipliers, and its gradient.

    ``theta`` = (beta, log k); ``ws`` weights subjects (inverse sampling probabilities). The gradient in
    beta is exact; in log k a forward difference.
    """
    beta, logk = theta[:-1], float(theta[-1])
    lm, lw = _nodes(float(np.exp(logk)))
    e = (x @ beta)[:, None] + lm[None, :]
    ll = np.empty((n_s, QUAD_NODES))
    term = y[:, None] * e - np.logaddexp(0.0, e)
    for q in range(QUAD_NODES):
        ll[:, q] = np.bincount(rows, weights=term[:, q], minlength=n_s)
    a = ll + lw[None, :]
    lse = logsumexp(a, axis=1)
    f = -float((ws * lse).sum())
    if not grad:
        return f, np.zeros(0)
    post = np.exp(a - lse[:, None])
    r = ((y[:, None] - expit(e)) * post[rows]).sum(axis=1) * ws[rows]
    g_beta = -(x.T @ r)
    h = 1e-5
    g_k = (_marginal(np.r_[beta, logk + h], x, y, rows, n_s, ws, False)[0] - f) / h
    return f, np.r_[g_beta, g_k]


def _fit_frailty(
    x: np.ndarray, y: np.ndarray, rows: np.ndarray, n_s: int, warm: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Maximum marginal likelihood of (beta, k): the hazard with Gamma(k, k) subject multipliers integrated out.

    Returns beta, its covariance (from the numerical Hessian of the marginal likelihood, so it includes the
    uncertainty of k) and k; None if the fit fails. ``warm`` = (beta, log k) of an earlier fit of the same
    columns (on less data) to start from.
    """
    observed = np.bincount(rows, weights=y.astype(float), minlength=n_s)
    seen = np.bincount(rows, minlength=n_s) > 0
    if warm is not None and len(warm) == x.shape[1] + 1:
        theta0 = np.asarray(warm, dtype=float).copy()
        beta0 = theta0[:-1]
    else:
        start = _glm(x, y)
        if start is None:
            return None
        beta0 = start[0]
        expected = np.bincount(rows, weights=expit(x @ beta0), minlength=n_s)
        k0 = float(np.clip(nb_shape(observed[seen], expected[seen]), *K_FIT))
        theta0 = np.r_[beta0, np.log(k0)]
    theta0[-1] = np.clip(theta0[-1], np.log(K_FIT[0]), np.log(K_FIT[1]))
    bounds = [(None, None)] * len(beta0) + [(np.log(K_FIT[0]), np.log(K_FIT[1]))]
    # Large panels: every subject with an event, and a seeded sample of the quiet ones weighted by the
    # inverse of their sampling rate (a weighted likelihood, consistent for the same parameters).
    ws = np.ones(n_s)
    n_rows = np.bincount(rows, minlength=n_s)
    if len(y) > MAX_ROWS:
        quiet = seen & (observed == 0)
        budget = max(MAX_ROWS - int(n_rows[~quiet].sum()), MIN_QUIET_ROWS)
        rate = min(1.0, budget / max(int(n_rows[quiet].sum()), 1))
        rng = np.random.default_rng(len(y))
        drop = quiet & (rng.random(n_s) >= rate)
        ws[quiet & ~drop] = 1.0 / max(rate, 1e-9)
        keep_rows = ~drop[rows]
        if 0 < rate < 1:
            x, y = x[keep_rows], y[keep_rows]
            old = np.flatnonzero(~drop)
            remap = np.full(n_s, -1)
            remap[old] = np.arange(len(old))
            rows, ws, n_s = remap[rows[keep_rows]], ws[old], len(old)
    res = minimize(_marginal, theta0, args=(x, y, rows, n_s, ws), jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"ftol": 1e-9, "gtol": 1e-4})
    theta = res.x
    if not np.all(np.isfinite(theta)):
        return None
    p = len(theta)
    g0 = _marginal(theta, x, y, rows, n_s, ws)[1]
    hess = np.empty((p, p))
    for j in range(p):
        step = np.zeros(p)
        step[j] = 1e-4
        hess[j] = (_marginal(theta + step, x, y, rows, n_s, ws)[1] - g0) / 1e-4
    hess = (hess + hess.T) / 2
    try:
        cov_all = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return None
    cov = cov_all[:-1, :-1]
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) <= 0):
        return None
    return theta[:-1], cov, float(np.exp(theta[-1]))


def fit_backbone(panel: Panel, lo: int, hi: int, warm: Backbone | None = None) -> Backbone:
    """Fit the hazard on the panel's at-risk months ``lo … hi - 1`` (month numbers) and the multipliers.

    Columns that do not vary in the window (no state known, no event in the last 3 months ever) are
    left out, and features enter in the order of :data:`PRIORITY` while there are
    :data:`EVENTS_PER_FEATURE` event months for each; with fewer than :data:`MIN_EVENTS` event months only the constant is kept, at the Jeffreys
    rate (k + ½)/(n + 1) with its delta-method variance.
    """
    x_all, y, rows = design(panel, lo, hi)
    n_s = len(panel.subjects)
    n_ev = int(y.sum())
    n = len(y)
    varies = [j for j in range(1, len(FEATURES)) if n and x_all[:, j].std() > 1e-9]
    keep = [0]
    budget = n_ev // EVENTS_PER_FEATURE
    for group in PRIORITY:
        cols = [FEATURES.index(f) for f in group if FEATURES.index(f) in varies]
        if cols and len(cols) <= budget:
            keep += cols
            budget -= len(cols)
    beta: np.ndarray | None = None
    cov: np.ndarray | None = None
    method = "glm"
    observed = np.bincount(rows, weights=y.astype(float), minlength=n_s)
    k_fit: float | None = None
    seen = np.bincount(rows, minlength=n_s) > 0
    if MIN_EVENTS <= n_ev < n:
        for cols in (keep, [c for c in keep if FEATURES[c] not in ("recent_3",)], [0]):
            names_here = tuple(FEATURES[c] for c in cols)
            w0 = np.r_[warm.beta, np.log(warm.k)] if warm is not None and warm.names == names_here and warm.method == "glm" else None
            got = _fit_frailty(x_all[:, cols], y, rows, n_s, w0) if seen.sum() > 1 else None
            if got is not None:
                keep, (beta, cov, k_fit) = cols, got
                break
            plain = _glm(x_all[:, cols], y)
            if plain is not None:
                keep, (beta, cov) = cols, plain
                break
    if beta is None or cov is None:
        keep = [0]
        p = (n_ev + 0.5) / (n + 1.0)
        beta = np.array([np.log(p / (1 - p))])
        cov = np.array([[1.0 / (n_ev + 0.5) + 1.0 / (n - n_ev + 0.5)]])
        method = "constant"
    names = tuple(FEATURES[c] for c in keep)
    h = expit(x_all[:, keep] @ beta) if n else np.zeros(0)
    expected = np.bincount(rows, weights=h, minlength=n_s)
    if k_fit is not None:
        k = k_fit
    elif seen.sum() > 1 and n_ev > 0:
        k = nb_shape(observed[seen], expected[seen])
    else:
        k = K_BOUNDS[1]
    return Backbone(names, beta, cov, k, panel.subjects, observed, expected, n_ev, n, method)


def start_dynamic(panel: Panel, row: int | None) -> Dynamic:
    """A subject's dynamic history at the panel's cut (month ``m1``); a subject not in the panel has none."""
    recent = np.zeros((1, LAGS[-1]), dtype=bool)
    if row is None:
        return Dynamic(np.array([MS_CAP]), recent)
    y = panel.y[row]
    tail = y[-LAGS[-1]:]
    recent[0, -len(tail):] = tail
    hit = np.flatnonzero(clock(panel.y[row: row + 1], None if panel.reset is None else panel.reset[row: row + 1])[0])
    ms = panel.months - int(hit[-1]) if hit.size else MS_CAP
    return Dynamic(np.array([min(ms, MS_CAP)]), recent)


def start_dynamics(panel: Panel) -> Dynamic:
    """The dynamic histories of every subject of the panel at its cut (one row per subject)."""
    lag = LAGS[-1]
    s, t = panel.y.shape
    recent = np.zeros((s, lag), dtype=bool)
    tail = panel.y[:, -lag:]
    recent[:, lag - tail.shape[1]:] = tail
    idx = np.arange(t)
    last = np.where(clock(panel.y, panel.reset), idx[None, :], -1).max(axis=1) if t else np.full(s, -1)
    ms = np.where(last >= 0, t - last, MS_CAP)
    return Dynamic(np.minimum(ms, MS_CAP), recent)


__all__ = ["MIN_EVENTS", "Backbone", "ClassDraws", "Dynamic", "features_now", "fit_backbone", "mvn_draws", "mvn_root", "nb_shape", "start_dynamic", "start_dynamics"]
