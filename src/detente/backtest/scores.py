"""Proper scores, calibration and discrimination, with bootstrap intervals clustered by origin.

Definitions (N questions, forecast p_i, outcome o_i ∈ {0, 1}):

- Brier score BS = (1/N) Σ (p_i − o_i)² (``sklearn.metrics.brier_score_loss``).
- Murphy (1973) decomposition over K forecast bins (the distinct forecast values when there are at most
  20, else 10 equal-width bins): BS = REL − RES + UNC with REL = (1/N) Σ_k n_k (p̄_k − ō_k)²,
  RES = (1/N) Σ_k n_k (ō_k − ō)², UNC = ō(1 − ō). Exact when every bin holds one forecast value;
  otherwise the within-bin variance of the forecasts is left over (reported as ``murphy_residual``).
- Log score: mean negative log-likelihood with p clipped to [0.001, 0.999] (``sklearn.metrics.log_loss``).
- Expected calibration error: ECE = Σ_k (n_k/N) |ō_k − p̄_k| over 10 equal-width bins.
- Sharpness: the standard deviation of the forecasts (Gneiting, Balabdaoui & Raftery 2007).
- AUC: area under the ROC curve (``sklearn.metrics.roc_auc_score``), NaN if only one outcome occurs.
- Brier skill score against climatology: BSS = 1 − BS / BS_climatology.

Intervals: a cluster bootstrap over origins (questions sharing an origin share their history, so they are
resampled together), percentile 95 % intervals, seeded. Paired differences (forecaster − climatology)
are bootstrapped on the same resamples.

References:
    - Brier (1950). Monthly Weather Review 78(1). Murphy (1973). J. Applied Meteorology 12(4).
    - Gneiting & Raftery (2007). Strictly proper scoring rules. JASA 102(477).
    - Naeini, Cooper & Hauskrecht (2015). Obtaining well calibrated probabilities using Bayesian binning. AAAI.
    - Field & Welsh (2007). Bootstrapping clustered data. JRSS B 69(3).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

CLIP = (0.001, 0.999)
"""Probabilities are clipped to this range for the log score."""
ECE_BINS = 10


def _bins(p: np.ndarray) -> np.ndarray:
    values = np.unique(p)
    if len(values) <= 20:
        return np.searchsorted(values, p)
    return np.minimum((p * ECE_BINS).astype(int), ECE_BINS - 1)


def murphy(p: np.ndarray, o: np.ndarray) -> dict[str, float]:
    """Reliability, resolution and uncertainty of the Brier score (Murphy 1973)."""
    p = np.asarray(p, dtype=float)
    o = np.asarray(o, dtype=float)
    n = len(p)
    b = _bins(p)
    counts = np.bincount(b)
    nz = counts > 0
    pbar = np.bincount(b, weights=p)[nz] / counts[nz]
    obar = np.bincount(b, weights=o)[nz] / counts[nz]
    base = o.mean()
    rel = float(np.sum(counts[nz] * (pbar - obar) ** 2) / n)
    res = float(np.sum(counts[nz] * (obar - base) ** 2) / n)
    unc = float(base * (1 - base))
    bs = float(np.mean((p - o) ** 2))
    return {"reliability": rel, "resolution": res, "uncertainty": unc, "murphy_residual": bs - (rel - res + unc)}


def ece(p: np.ndarray, o: np.ndarray, bins: int = ECE_BINS) -> float:
    """Expected calibration error over equal-width bins."""
    p = np.asarray(p, dtype=float)
    o = np.asarray(o, dtype=float)
    b = np.minimum((p * bins).astype(int), bins - 1)
    counts = np.bincount(b, minlength=bins)
    nz = counts > 0
    pbar = np.bincount(b, weights=p, minlength=bins)[nz] / counts[nz]
    obar = np.bincount(b, weights=o, minlength=bins)[nz] / counts[nz]
    return float(np.sum(counts[nz] / len(p) * np.abs(obar - pbar)))


def log_score(p: np.ndarray, o: np.ndarray) -> float:
    """Mean negative log-likelihood with p clipped to [0.001, 0.999]."""
    # sklearn is imported on use: loading a scenario reaches this module (anchor.panel -> backtest)
    from sklearn.metrics import log_loss

    pc = np.clip(np.asarray(p, dtype=float), *CLIP)
    return float(log_loss(np.asarray(o, dtype=int), pc, labels=[0, 1]))


def auc(p: np.ndarray, o: np.ndarray) -> float:
    """ROC AUC (NaN when only one outcome occurs)."""
    o = np.asarray(o, dtype=int)
    if len(o) == 0 or o.min() == o.max():  # (`initial=0` made all-ones reach sklearn, which warned)
        return float("nan")
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(o, p))


def scores(p: np.ndarray, o: np.ndarray) -> dict[str, float]:
    """Every score of one set of forecasts."""
    from sklearn.metrics import brier_score_loss

    p = np.asarray(p, dtype=float)
    o = np.asarray(o, dtype=bool)
    out: dict[str, float] = {
        "n": int(len(p)),
        "base_rate": float(o.mean()) if len(o) else float("nan"),
        "brier": float(brier_score_loss(o, p, pos_label=True)) if len(p) else float("nan"),
        "log": log_score(p, o) if len(p) else float("nan"),
        "ece": ece(p, o) if len(p) else float("nan"),
        "sharpness": float(np.std(p)) if len(p) else float("nan"),
        "auc": auc(p, o) if len(p) else float("nan"),
    }
    if len(p):
        out.update(murphy(p, o))
    return out


def _per_origin(origin: np.ndarray, loss: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes, uniq = pd.factorize(origin)
    return np.bincount(codes, weights=loss), np.bincount(codes).astype(float)


def bootstrap(
    origin: np.ndarray, losses: dict[str, np.ndarray], *, reference: str = "climatology", n_boot: int = 1000, seed: int = 0
) -> dict[str, dict[str, list[float]]]:
    """95 % cluster-bootstrap intervals of mean losses and of their paired differences to ``reference``.

    Args:
        origin: Each question's origin (the cluster).
        losses: ``{"brier:NAME": per-question loss, "log:NAME": …}``.
        reference: The forecaster differences are taken against.
        n_boot: Resamples.
        seed: Seed of the resampling.

    Returns:
        ``{key: {"ci": [lo, hi]}}`` and, for each key of another forecaster, ``"diff"``: the difference's
        point value and ``"diff_ci"``.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 10]))
    codes, uniq = pd.factorize(origin)
    k = len(uniq)
    draws = rng.integers(0, k, size=(n_boot, k))
    weights = np.zeros((n_boot, k))
    for i in range(n_boot):
        weights[i] = np.bincount(draws[i], minlength=k)
    count = np.bincount(codes, minlength=k).astype(float)
    denom = weights @ count
    sums = {key: np.bincount(codes, weights=v, minlength=k) for key, v in losses.items()}
    means = {key: (weights @ s) / denom for key, s in sums.items()}
    out: dict[str, dict[str, Any]] = {}
    for key, m in means.items():
        entry: dict[str, Any] = {"ci": [float(np.percentile(m, 2.5)), float(np.percentile(m, 97.5))]}
        metric, _, name = key.partition(":")
        ref = f"{metric}:{reference}"
        if name != reference and ref in means:
            d = m - means[ref]
            entry["diff"] = float(sums[key].sum() / count.sum() - sums[ref].sum() / count.sum())
            entry["diff_ci"] = [float(np.percentile(d, 2.5)), float(np.percentile(d, 97.5))]
        out[key] = entry
    return out


def losses_of(p: np.ndarray, o: np.ndarray) -> dict[str, np.ndarray]:
    """Per-question Brier and log losses (their means are the scores)."""
    p = np.asarray(p, dtype=float)
    o = np.asarray(o, dtype=float)
    pc = np.clip(p, *CLIP)
    return {"brier": (p - o) ** 2, "log": -(o * np.log(pc) + (1 - o) * np.log(1 - pc))}
