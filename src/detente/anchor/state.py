"""The crisis state: a monthly hostility index per dyad and its fitted AR(1) transitions, with draws.

The index of an undirected dyad in a month is ``log1p(conflictual) - log1p(cooperative)`` of its ICEWS
events (CAMEO roots 10–20 against 01–09, both directions; actors resolved to countries as the backtest
does), standardised on the fitting window. Its
transitions are a panel AR(1) with a common shock among dyads that share an actor::

    z[d, t+1] = a_d + rho z[d, t] + sigma (sqrt(w) eta[theatre, t] + sqrt(1 - w) eps[d, t])

``rho`` by the within (fixed-effects) estimator (statsmodels OLS), ``sigma`` its residual scale, ``a_d =
(1 - rho) mu_d`` with the dyad's long-run mean ``mu_d`` pooled toward the mean of comparable dyads by
normal–normal empirical Bayes (Efron & Morris 1975), ``w`` the mean residual correlation of dyads that
share an actor. Draws: ``rho`` normal at its standard error, ``sigma^2`` scaled inverse chi-square,
``mu_d`` its posterior normal, ``w`` normal on Fisher's z.

References:
    - Boschee et al. (2015). ICEWS Coded Event Data. doi:10.7910/DVN/28075.
    - Goldstein (1992). A conflict-cooperation scale for WEIS events data. JCR 36(2).
    - Nickell (1981). Biases in dynamic models with fixed effects. Econometrica 49(6).
    - Efron & Morris (1975). Data analysis using Stein's estimator. JASA 70(350).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detente.anchor.panel import month_of, month_start
from detente.datadir import DataMissingError, require

MONTHLY = "history/icews0515/monthly_country_dyad_cameo_root_counts.csv.gz"
EVENTS = "history/icews0515/events_2005-01-01_2015-12-31.csv.gz"
ICEWS18 = "history/icews18_korea_dyad_daily_2018-01-01_2018-02-25.csv"
GDELT = "history/gdelt2_dyad_composite_monthly_2018-01_2023-08.csv.gz"
POOL = 60
"""Besides the dyads asked for, the 60 most active dyads before the cut fit rho, sigma and w."""
ICEWS_ALIASES = {"ROK": "KOR"}
ACTIVE_SHARE = 0.5
"""GDELT starts are mapped onto the dyad's own ICEWS index if it has events in half its months, else the pool's."""


def dyad_key(a: str, b: str) -> str:
    """Undirected dyad key: the two codes sorted, joined by ``-`` (``PRK-USA``)."""
    return "-".join(sorted((a, b)))


def parse_dyad(text: str) -> tuple[str, str] | None:
    """The two countries of ``A-B``, ``A->B`` or ``A~B`` (None otherwise)."""
    for sep in ("->", "~", "-"):
        if sep in text:
            a, _, b = text.partition(sep)
            a, b = a.strip().upper(), b.strip().upper()
            if len(a) == 3 and len(b) == 3 and a.isalpha() and b.isalpha() and a != b:
                return a, b
    return None


@lru_cache(maxsize=2)
def _monthly(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = pd.read_csv(path, dtype={"cameo_root": str}, keep_default_na=False)
    raw = raw[raw["source_iso3"] != raw["target_iso3"]]
    src = raw["source_iso3"].replace(ICEWS_ALIASES)
    tgt = raw["target_iso3"].replace(ICEWS_ALIASES)
    a = np.where(src < tgt, src, tgt)
    b = np.where(src < tgt, tgt, src)
    root = raw["cameo_root"].astype(int)
    frame = pd.DataFrame(
        {
            "month": [int(m[:4]) * 12 + int(m[5:7]) - 1 for m in raw["month"]],
            "dyad": pd.Series(a, index=raw.index) + "-" + pd.Series(b, index=raw.index),
            "conflict": np.where(root >= 10, raw["n_events"], 0),
            "coop": np.where(root < 10, raw["n_events"], 0),
        }
    )
    g = frame.groupby(["dyad", "month"])[["conflict", "coop"]].sum()
    conflict = g["conflict"].unstack("dyad", fill_value=0)
    coop = g["coop"].unstack("dyad", fill_value=0)
    months = np.arange(conflict.index.min(), conflict.index.max() + 1)
    return conflict.reindex(months, fill_value=0), coop.reindex(months, fill_value=0)


@lru_cache(maxsize=2)
def _from_events(data: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    from detente.history import load_icews

    ev = load_icews(None, data)
    ev = ev[ev["source"].notna() & ev["target"].notna() & (ev["source"] != ev["target"]) & ev["date"].notna()]
    src, tgt = ev["source"].to_numpy(dtype=str), ev["target"].to_numpy(dtype=str)
    a = np.where(src < tgt, src, tgt)
    b = np.where(src < tgt, tgt, src)
    root = pd.to_numeric(ev["cameo_code"].astype(str).str[:2], errors="coerce").fillna(0).to_numpy()
    frame = pd.DataFrame(
        {
            "month": ev["date"].dt.year.to_numpy() * 12 + ev["date"].dt.month.to_numpy() - 1,
            "dyad": np.char.add(np.char.add(a, "-"), b),
            "conflict": (root >= 10).astype(int),
            "coop": ((root >= 1) & (root < 10)).astype(int),
        }
    )
    g = frame.groupby(["dyad", "month"])[["conflict", "coop"]].sum()
    conflict = g["conflict"].unstack("dyad", fill_value=0)
    coop = g["coop"].unstack("dyad", fill_value=0)
    months = np.arange(conflict.index.min(), conflict.index.max() + 1)
    return conflict.reindex(months, fill_value=0), coop.reindex(months, fill_value=0)


def hostility_table(data: str | Path | None = None, before: pd.Timestamp | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw monthly hostility index per undirected dyad (rows: month numbers; columns: dyads) and event totals.

    Counts come from the ICEWS 2005–2015 events with actors resolved to countries (74 % of events,
    :func:`detente.history.load_icews`); without that file, from the monthly country-dyad root counts
    (the 48.8 % the file's own codes resolve). Only months that ended before ``before`` are kept (a
    month's counts are known at its end).
    """
    try:
        require(EVENTS, data)
        conflict, coop = _from_events(None if data is None else str(data))
    except DataMissingError:
        conflict, coop = _monthly(require(MONTHLY, data).resolve())
    raw = np.log1p(conflict) - np.log1p(coop)
    total = conflict + coop
    if before is not None:
        keep = raw.index < month_of(before)
        raw, total = raw[keep], total[keep]
    return raw, total


@dataclass(frozen=True)
class StateDraws:
    """Per-run transition parameters of one dyad's state (arrays of length n)."""

    a: np.ndarray
    rho: np.ndarray
    sigma: np.ndarray
    w: np.ndarray


@dataclass
class StateFit:
    """A dyad's fitted state model and its starting value at the as-of date.

    Attributes:
        dyad: ``A-B`` (sorted).
        z0: Starting value (standardised index at the month before the as-of date, or its estimate).
        z0_method: How ``z0`` was obtained; an estimate from another source is labelled an assumption.
        rho, rho_se: AR(1) coefficient (within estimator) and its standard error.
        sigma, df: Residual scale and its degrees of freedom.
        mu, mu_sd: The dyad's long-run mean (pooled) and its posterior sd.
        w, w_se: Common-shock share and its standard error on Fisher's z scale.
        centre, scale: Standardisation of the raw index (mean and sd on the fitting window).
        window: First and last month of the fit (``YYYY-MM``).
        n_months: Months of the dyad's own series in the window.
    """

    dyad: str
    z0: float
    z0_method: str
    rho: float
    rho_se: float
    sigma: float
    df: int
    mu: float
    mu_sd: float
    w: float
    w_se: float
    centre: float
    scale: float
    window: tuple[str, str]
    n_months: int
    extra: dict[str, Any] = field(default_factory=dict)

    def draw(self, rng: np.random.Generator, n: int) -> StateDraws:
        """Transition parameters for n runs."""
        rho = np.clip(rng.normal(self.rho, self.rho_se, n), -0.99, 0.99)
        mu = rng.normal(self.mu, self.mu_sd, n)
        sigma = self.sigma * np.sqrt(self.df / rng.chisquare(max(self.df, 1), n))
        w = np.clip(np.tanh(rng.normal(np.arctanh(np.clip(self.w, 0.0, 0.99)), self.w_se, n)), 0.0, 0.99)
        return StateDraws(a=(1.0 - rho) * mu, rho=rho, sigma=sigma, w=w)

    def step(self, z: np.ndarray, sd: StateDraws, eta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The state one month later: ``a + rho z + sigma (sqrt(w) eta + sqrt(1 - w) eps)``."""
        eps = rng.standard_normal(len(z))
        return sd.a + sd.rho * z + sd.sigma * (np.sqrt(sd.w) * eta + np.sqrt(1.0 - sd.w) * eps)

    def standardise(self, raw: np.ndarray | float) -> np.ndarray:
        """A raw index value on this fit's standardised scale."""
        return (np.asarray(raw, dtype=float) - self.centre) / self.scale

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        d = asdict(self)
        d["window"] = list(self.window)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StateFit:
        """Inverse of :meth:`to_dict`."""
        d = dict(d)
        d["window"] = tuple(d["window"])
        return cls(**d)


@dataclass(frozen=True)
class StatePanel:
    """Standardised index of many dyads (rows: months from ``m0``) with the fitted transition model."""

    z: pd.DataFrame
    centre: float
    scale: float
    rho: float
    rho_se: float
    sigma: float
    df: int
    w: float
    w_se: float
    mu: pd.Series
    mu_sd: pd.Series


def fit_panel(raw: pd.DataFrame, total: pd.DataFrame, dyads: list[str], pool: int = POOL) -> StatePanel:
    """Fit the AR(1) state model on the dyads asked for plus the most active ones.

    Dyads absent from the table get the pooled mean and a state of 0 change (quiet dyads).
    """
    import statsmodels.api as sm

    active = total.sum().sort_values(ascending=False)
    chosen = list(dict.fromkeys([*active.index[:pool], *(d for d in dyads if d in raw.columns)]))
    sub = raw[chosen]
    centre = float(sub.to_numpy().mean())
    scale = float(sub.to_numpy().std()) or 1.0
    z = (sub - centre) / scale
    m = z.mean()
    dm = z - m
    x = dm.iloc[:-1].to_numpy().ravel()
    y = dm.iloc[1:].to_numpy().ravel()
    ols = sm.OLS(y, x).fit()
    rho = float(ols.params[0])
    rho_se = float(ols.bse[0])
    resid = dm.iloc[1:].to_numpy() - rho * dm.iloc[:-1].to_numpy()
    t_len, n_d = resid.shape
    df = max(int(resid.size - n_d - 1), 1)
    sigma = float(np.sqrt((resid**2).sum() / df))
    # Common shock: mean residual correlation of dyads that share an actor (among the active pool and
    # the dyads asked for, at most 2 * pool of them: the rest add pairs, not information).
    n_w = min(n_d, 2 * pool)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(resid[:, :n_w].T) if n_w > 1 else np.ones((1, 1))
    parts = [set(c.split("-")) for c in chosen[:n_w]]
    pairs = [corr[i, j] for i in range(n_w) for j in range(i + 1, n_w) if parts[i] & parts[j] and np.isfinite(corr[i, j])]
    w = float(np.clip(np.mean(pairs), 0.0, 0.95)) if pairs else 0.0
    w_se = float(np.std(np.arctanh(np.clip(pairs, -0.99, 0.99))) / np.sqrt(len(pairs))) if len(pairs) > 1 else 0.5
    w_se = max(w_se, 1.0 / np.sqrt(max(t_len - 3, 1)))
    # Long-run means pooled toward the pool's mean (normal-normal empirical Bayes).
    var_mean = (sigma**2 / max(1 - rho**2, 1e-3)) * (1 + rho) / max(1 - rho, 1e-3) / max(t_len, 1)
    grand = float(m.mean())
    tau2 = max(float(m.var()) - var_mean, 1e-4)
    post_var = 1.0 / (1.0 / var_mean + 1.0 / tau2)
    mu = (m / var_mean + grand / tau2) * post_var
    allz = (raw - centre) / scale
    for d in dyads:
        if d in raw.columns and d not in mu.index:
            md = float(allz[d].mean())
            mu[d] = (md / var_mean + grand / tau2) * post_var
    mu_sd = pd.Series(np.sqrt(post_var), index=mu.index)
    return StatePanel(
        z=allz[[c for c in dict.fromkeys([*chosen, *(d for d in dyads if d in raw.columns)])]],
        centre=centre, scale=scale, rho=rho, rho_se=rho_se, sigma=sigma, df=df, w=w, w_se=w_se,
        mu=mu, mu_sd=mu_sd,
    )


def _icews18_raw(dyad: str, as_of: pd.Timestamp, data: str | Path | None) -> tuple[float, dict[str, Any]] | None:
    """Raw index of the month before the as-of month from the ICEWS 2018 daily dyad file, if it covers it."""
    try:
        path = require(ICEWS18, data)
    except Exception:  # noqa: BLE001 - the file is optional
        return None
    t = pd.read_csv(path)
    t["date"] = pd.to_datetime(t["date"])
    t = t[t["date"] < as_of]
    prev = month_start(month_of(as_of) - 1)
    t = t[(t["date"] >= prev) & (t["date"] < prev + pd.offsets.MonthBegin(1))]
    if t.empty:
        return None
    a, b = dyad.split("-")
    src = t["subj_ctry"].replace(ICEWS_ALIASES)
    tgt = t["obj_ctry"].replace(ICEWS_ALIASES)
    rows = t[((src == a) & (tgt == b)) | ((src == b) & (tgt == a))]
    if rows.empty:
        return None
    conf = float(rows["n_verbal_conflict"].sum() + rows["n_material_conflict"].sum())
    coop = float(rows["n_verbal_coop"].sum() + rows["n_material_coop"].sum())
    src_info = {"rows": len(t), "first": str(t["date"].min().date()), "last": str(t["date"].max().date())}
    return float(np.log1p(conf) - np.log1p(coop)), src_info


def _gdelt_quantile(dyad: str, as_of: pd.Timestamp, data: str | Path | None) -> tuple[float, str, dict[str, Any]] | None:
    """Quantile of the dyad's latest GDELT month (hostility = −score per day) within its own GDELT months."""
    try:
        path = require(GDELT, data)
    except Exception:  # noqa: BLE001 - the file is optional
        return None
    g = pd.read_csv(path)
    g = g[g["days_in_file_month"] > 0]
    ends = pd.to_datetime(g["month"] + "-01") + pd.offsets.MonthEnd(0)
    g = g[ends < as_of]
    if g.empty:
        return None
    a, b = dyad.split("-")
    rows = g[((g["iso3_a"] == a) & (g["iso3_b"] == b)) | ((g["iso3_a"] == b) & (g["iso3_b"] == a))].sort_values("month")
    if len(rows) < 6:
        return None
    host = -(rows["composite_score_sum"] / rows["days_in_file_month"]).to_numpy()
    last = host[-1]
    q = float((np.sum(host < last) + 0.5 * np.sum(host == last)) / len(host))
    src = {"rows": len(g), "first": str(g["month"].min()), "last": str(g["month"].max())}
    return q, str(rows["month"].iloc[-1]), src


def fit_states(dyads: list[str], as_of: pd.Timestamp, data: str | Path | None = None) -> tuple[dict[str, StateFit], dict[str, dict[str, Any]]]:
    """Fit the state model of each dyad with data before ``as_of`` and estimate its starting value.

    Returns:
        The fits by dyad key and the sources read (rows, first, last).
    """
    as_of = pd.Timestamp(as_of)
    raw, total = hostility_table(data, as_of)
    keys = [dyad_key(*p) for p in (parse_dyad(d) for d in dyads) if p is not None]
    panel = fit_panel(raw, total, keys)
    sources: dict[str, dict[str, Any]] = {
        "icews0515-dyad-months": {"rows": int(total.to_numpy().sum()), "first": _ym(int(raw.index.min())), "last": _ym(int(raw.index.max()))}
    }
    out: dict[str, StateFit] = {}
    prev = month_of(as_of) - 1
    for d in keys:
        series = panel.z[d] if d in panel.z.columns else pd.Series(0.0, index=raw.index)
        mu = float(panel.mu.get(d, panel.mu.mean()))
        mu_sd = float(panel.mu_sd.get(d, np.sqrt(panel.mu.var() + panel.mu_sd.mean() ** 2)))
        extra: dict[str, Any] = {}
        if prev in series.index:
            z0 = float(series.loc[prev])
            method = f"ICEWS index of {_ym(prev)}, the month before the as-of date"
        elif (r18 := _icews18_raw(d, as_of, data)) is not None:
            z0 = float((r18[0] - panel.centre) / panel.scale)
            sources["icews18-korea-daily"] = r18[1]
            method = f"assumption: ICEWS 2018 daily counts of {_ym(prev)}, same formula"
            extra = {"detail": "full ICEWS 2018 dyad counts put on the 2005–2015 scale by the same formula; "
                     "the 2005–2015 file is the benchmark's resolved subset, so volumes differ"}
        elif (gq := _gdelt_quantile(d, as_of, data)) is not None:
            q, month, src = gq
            active = float((total[d] > 0).mean()) if d in total.columns else 0.0
            sources["gdelt2-monthly"] = src
            extra = {"gdelt_month": month, "gdelt_quantile": round(q, 4), "icews_active_share": round(active, 3)}
            if active >= ACTIVE_SHARE:
                z0 = float(np.quantile(series.to_numpy(), q))
                onto, short = "the dyad's ICEWS 2005–2015 index", "dyad's own"
            else:
                # A dyad silent in most ICEWS months has no spread of its own to map onto: use the pool's.
                z0 = float(np.quantile(panel.z.iloc[:, :POOL].to_numpy().ravel(), q))
                onto = f"the pooled ICEWS 2005–2015 index of the {POOL} most active dyads (the dyad has events in {active:.0%} of its months)"
                short = "pooled"
            method = f"assumption: GDELT {month} at quantile {q:.2f}, mapped onto the {short} ICEWS index"
            extra["detail"] = f"GDELT 2.0 dyad score of {month} mapped by its quantile among the dyad's GDELT months since 2018 onto {onto}"
        else:
            z0 = mu
            method = "assumption: no index near the as-of date: the pooled long-run mean"
        out[d] = StateFit(
            dyad=d, z0=z0, z0_method=method, rho=panel.rho, rho_se=panel.rho_se, sigma=panel.sigma, df=panel.df,
            mu=mu, mu_sd=mu_sd, w=panel.w, w_se=panel.w_se, centre=panel.centre, scale=panel.scale,
            window=(_ym(int(raw.index.min())), _ym(int(raw.index.max()))), n_months=int(len(series)), extra=extra,
        )
    return out, sources


def _ym(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


__all__ = ["StateDraws", "StateFit", "StatePanel", "dyad_key", "fit_panel", "fit_states", "hostility_table", "parse_dyad"]
