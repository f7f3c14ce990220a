"""The common interface of the bargaining models: a registry of models with their traits as data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente.errors import InputError

__all__ = ["MODELS", "ModelSpec", "get_model", "register", "weighted_median"]


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: its name, its forecast function and its traits.

    Attributes:
        name: The name used on the command line (``--model NAME``).
        func: ``func(issue, **options) -> float``.
        summary: One line for listings.
        traits: Properties as data, read by the CLI listing, the docs and the contract tests:
            ``dynamic`` (runs rounds), ``uses_status_quo``, ``stochastic``, ``fitted``
            (parameters chosen by cross-validation) and ``references``.
    """

    name: str
    func: Callable[..., Any]
    summary: str
    traits: dict[str, Any] = field(default_factory=dict)


MODELS: dict[str, ModelSpec] = {}
"""Every registered model by name, in registration order (the order of ``--model all``)."""


def register(name: str, summary: str, **traits: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a forecast function under ``name`` with its traits."""

    def deco(func: Callable[..., Any]) -> Callable[..., Any]:
        base = {"dynamic": False, "uses_status_quo": False, "stochastic": False, "fitted": False}
        MODELS[name] = ModelSpec(name, func, summary, {**base, **traits})
        return func

    return deco


def get_model(name: str) -> ModelSpec:
    """The model registered as ``name``.

    Raises:
        InputError: No model has that name.
    """
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(MODELS)
        raise InputError(f"--model: unknown model {name!r} (fix: use one of {known}, or all)") from None


def weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """The weighted median of ``x``: the Condorcet winner for single-peaked, symmetric preferences.

    With weights ``w`` (capability × salience) and utilities falling with distance, a point beats
    every other in pairwise votes exactly when no more than half the weight lies strictly on either
    side of it. When the weight splits exactly in half between two neighbouring positions every point
    between them is a (weak) Condorcet winner and the midpoint is returned, so the answer does not
    depend on which end of the scale is called "low".

    Args:
        x: Positions.
        w: Non-negative weights, not all zero.

    Returns:
        The weighted median.

    References:
        - Black, D. (1948). On the rationale of group decision-making. J. Political Economy 56(1).
    """
    order = np.argsort(x, kind="stable")
    xs = np.asarray(x, dtype=float)[order]
    ws = np.asarray(w, dtype=float)[order]
    total = ws.sum()
    cum = np.cumsum(ws)
    half = total / 2.0
    tol = 1e-12 * max(total, 1.0)
    k = int(np.searchsorted(cum, half - tol))
    if abs(cum[k] - half) <= tol:
        # Exactly half the weight at or below xs[k]: tie with the next distinct position.
        nxt = k + 1
        while nxt < len(xs) and ws[nxt] <= 0:
            nxt += 1
        if nxt < len(xs) and xs[nxt] != xs[k]:
            return float((xs[k] + xs[nxt]) / 2.0)
    return float(xs[k])
