"""Printing an anchored run: each outcome's probability with both intervals, beside its reference class."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from detente.cli._app import console


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def print_anchored(d: dict[str, Any], at: int | None = None) -> None:
    """Print an anchored summary (``AnchoredResult.to_dict()``) at horizon ``at`` (default the run's)."""
    h = str(at or d["horizon"])
    strat = f", strategy {d['strategy']}" if d.get("strategy") else ""
    console.print(
        f"[bold]{d['scenario']}[/bold] (anchored engine): {d['runs']} runs × {d['horizon']} months, "
        f"seed {d['seed']}{strat}",
        highlight=False,
    )
    t = Table(title=f"P(outcome by month {h}) in %: engine, intervals, and the reference class's base rate")
    t.add_column("outcome", overflow="fold", ratio=1)
    t.add_column("P %", justify="right", no_wrap=True)
    t.add_column("predictive", justify="right", no_wrap=True)
    t.add_column("MC error", justify="right", no_wrap=True)
    t.add_column("base %", justify="right", no_wrap=True)
    for o, by in d["outcomes"].items():
        c = by[h]
        t.add_row(o, _pct(c["p"]), f"{_pct(c['pred_lo'])}–{_pct(c['pred_hi'])}", f"{_pct(c['lo'])}–{_pct(c['hi'])}",
                  "—" if d["base_rates"][o][h] is None else _pct(d["base_rates"][o][h]))
    console.print(t)
    console.print(
        "predictive: 95% of runs' probabilities given their drawn parameters, lever strengths and crisis-state "
        "paths (what we do not know); MC error: Wilson 95% interval of the share (what more runs would "
        f"change); base: the reference classes' subject rates held constant for {h} months.",
        style="dim", highlight=False,
    )
    r = Table(title="Reference classes (data before the as-of date)")
    r.add_column("outcome: class | subject", overflow="fold", ratio=1)
    r.add_column("window", no_wrap=True)
    r.add_column("events", justify="right", no_wrap=True)
    r.add_column("rate/mo", justify="right", no_wrap=True)
    for o, refs in d["references"].items():
        r.add_row(f"[bold]{o}[/bold]", "", "", "")
        for k, ref in enumerate(refs):
            w = ref["window"]
            window = f"{(w[0] or '?')[:7]}…{(w[1] or '?')[:7]}"
            rate = "—" if ref["subject_rate"] is None else f"{ref['subject_rate']:.4f}"
            r.add_row(f"  {ref['class']} | {ref['subject']}", window, str(ref["n_events"]), rate,
                      end_section=k == len(refs) - 1)
    console.print(r)
    acting = [lv["id"] for lv in d["levers"]]
    console.print(f"levers acting: {', '.join(acting) or 'none'}", style="dim", highlight=False)
    for line in d.get("unrepresented", []):
        console.print(f"  no lever: {line}", style="dim", highlight=False)


def print_references(scenario: Any) -> None:
    """``detente show``: each outcome's reference classes, with the shipped calibration's base rates."""
    from detente.engines.anchored import backbone
    from detente.engines.anchored.references import scenario_references
    from detente.errors import DetenteError

    try:
        refs = scenario_references(scenario)
    except DetenteError as exc:
        console.print(f"Reference classes: incomplete ({exc})", style="dim", highlight=False)
        return
    cal = None
    path = backbone.shipped_calibration_path(scenario.id)
    if path.is_file():
        try:
            cal = backbone.load(path)
        except DetenteError:
            cal = None
    t = Table(title="Reference classes of the tracked outcomes (anchored engine)")
    t.add_column("outcome: class | subject", overflow="fold", ratio=1)
    t.add_column("state", no_wrap=True)
    t.add_column("window", no_wrap=True)
    t.add_column("events", justify="right", no_wrap=True)
    t.add_column("rate/mo", justify="right", no_wrap=True)
    for o, rs in refs.items():
        t.add_row(f"[bold]{o}[/bold]", "", "", "", "")
        for k, r in enumerate(rs):
            fit = cal.classes.get(r.key) if cal is not None else None
            window = f"{fit.window[0]}…{fit.window[1]}" if fit is not None else ""
            events = str(fit.n_events) if fit is not None else ""
            rate = getattr(fit, "subject_rate", None) if fit is not None else None
            acc = " (+accidents)" if r.accidents else ""
            t.add_row(f"  {r.ref} | {r.subject}{acc}", r.state, window, events, "" if rate is None else f"{rate:.4f}",
                      end_section=k == len(rs) - 1)
    console.print(t)
    if cal is None:
        console.print(
            f"No fitted calibration ships for {scenario.id}: windows, counts and rates appear once one is fitted "
            f"(`detente calibrate {scenario.id}`).",
            style="dim", highlight=False,
        )
