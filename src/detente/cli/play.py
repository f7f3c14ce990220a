"""``detente play``: take the seat of one or more actors; the escalation engine plays the others."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from detente.cli._app import app, console
from detente.cli._grammar import JsonFileOpt, SetOpt, check_output, parse_set, write_json
from detente.cli.store_cmds import NoStoreOpt, StoreOpt, open_store, record_run
from detente.errors import DetenteError, InputError
from detente.game.session import Game, Situation, fmt_p, sentence, tension_word

HELP_LINE = (
    "Type TARGET=ACTION pairs (e.g. PRK=CONSULT USA=THREATEN), `auto` to let the engine choose the rest, "
    "a strategy component id to apply it this step, `actions TARGET` to list the actions, `q` to stop. "
    "Enter alone: no events this step."
)


def show_situation(game: Game, sit: Situation) -> None:
    """Print a seat's situation: tension both ways, last step's events, standing, odds from here."""
    console.rule(f"step {sit.step + 1} of {sit.horizon} — {sit.seat} to play", style="bold")
    t = Table(title=f"Tension with {sit.seat} (0 = none; about 2 was US–North Korea early in 2018)", title_justify="left")
    t.add_column("actor")
    t.add_column(f"{sit.seat} → them", justify="right")
    t.add_column(f"them → {sit.seat}", justify="right")
    for a in sorted(set(sit.tension_from) | set(sit.tension_to)):
        f, b = sit.tension_from.get(a, 0.0), sit.tension_to.get(a, 0.0)
        t.add_row(a, f"{f:.2f} {tension_word(f)}", f"{b:.2f} {tension_word(b)}")
    console.print(t)
    if sit.step:
        mine = [e for e in sit.events if sit.seat in e[:2]]
        others = len(sit.events) - len(mine)
        console.print(f"Last step's events with {sit.seat}: "
                      + ("; ".join(f"{a}→{b} {x}" for a, b, x in mine) or "none")
                      + (f" (and {others} between others)" if others else ""), highlight=False)
    st = sit.standing
    console.print(f"{sit.seat}'s standing with the audience {st['standing']:+.2f}, military capacity "
                  f"{st['military']:.2f}, economic {st['economic']:.2f} (1 = as at the start)", highlight=False)
    o = Table(title=f"Tracked outcomes from here ({sit.lanes} engine-only continuations, 95% Wilson)", title_justify="left")
    o.add_column("outcome")
    o.add_column(f"by step {sit.horizon}", justify="right", no_wrap=True)
    for x in sit.outcomes:
        cell = f"happened (step {x.happened_at})" if x.happened_at else f"{fmt_p(x.p)} [{100 * x.lo:.1f}, {100 * x.hi:.1f}]"
        o.add_row(x.id, cell)
    console.print(o)


def _ask(game: Game, seat: str) -> str | None:
    """Read one seat's move; errors are printed and the question asked again. ``None``: stop."""
    while True:
        try:
            text = console.input(f"[bold]{seat}[/bold] your actions (h for help): ")
        except EOFError:
            return None
        cmd = text.strip()
        if cmd.lower() in ("q", "quit", "exit"):
            return None
        if cmd.lower() in ("h", "help", "?"):
            console.print(HELP_LINE, highlight=False)
            console.print("targets: " + ", ".join(game.targets(seat)), highlight=False)
            comps = game.components_for(seat)
            if comps:
                console.print("components: " + "; ".join(f"{c} ({n})" for c, n in comps), highlight=False)
            continue
        if cmd.lower().startswith("actions"):
            parts = cmd.split()
            tgt = parts[1].upper() if len(parts) > 1 else ""
            try:
                console.print(f"{seat}→{tgt}: " + ", ".join(game.actions(seat, tgt)), highlight=False)
            except DetenteError as exc:
                console.print(f"Error: {exc}", highlight=False, markup=False)
            continue
        try:
            game.parse_move(seat, cmd)
        except DetenteError as exc:
            console.print(f"Error: {exc}", highlight=False, markup=False)
            continue
        return cmd


def show_verdict(game: Game) -> None:
    """Print how the game's path compares with engine-only runs from the same start."""
    v = game.verdict()
    console.rule(f"after {v['step']} steps: your path against {v['engine_runs']} engine-only runs (same seed, no human)")
    for row in v["tension"]:
        console.print(sentence(row), highlight=False)
    t = Table(title_justify="left")
    t.add_column("outcome")
    t.add_column("your game", justify="right")
    t.add_column(f"engine runs by step {v['step']}", justify="right", no_wrap=True)
    for o in v["outcomes"]:
        t.add_row(o["id"], f"step {o['game_step']}" if o["game_step"] else "no",
                  f"{fmt_p(o['engine_p'])} [{100 * o['engine_lo']:.1f}, {100 * o['engine_hi']:.1f}]")
    console.print(t)


@app.command()
def play(
    scenario: Annotated[str | None, typer.Argument(help="A shipped scenario id (korea-2018) or a .toml path.")] = None,
    seat: Annotated[list[str] | None, typer.Option("--as", metavar="ACTOR", help="Actor to play (repeat for hot-seat: --as RUS --as USA).")] = None,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Seed of the game.")] = 0,
    horizon: Annotated[int | None, typer.Option(help="Steps to play (default: the scenario's horizon).")] = None,
    runs: Annotated[int, typer.Option("--runs", "-n", help="Engine-only continuations behind each step's odds.")] = 1000,
    off: Annotated[list[str] | None, typer.Option("--off", metavar="ID", help="Switch a mechanism off (repeatable): --off K11.")] = None,
    set_: SetOpt = None,
    json_out: JsonFileOpt = None,
    replay: Annotated[str | None, typer.Option(metavar="RUN", help="Replay a stored game (a run id, `latest` or a prefix).")] = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Play a crisis step by step as one or more actors; the engine plays the others.

    Each step shows your seat's tension with every actor, last step's events, your standing and the odds of each tracked outcome from here; you choose your actions towards each other actor. The game is stored as a run; at the end your path is set against engine-only runs from the same start.

    Example: detente play korea-2018 --as RUS --horizon 3 --seed 7
    """
    from detente.scenario.io import load_scenario_file

    started = time.perf_counter()
    if replay is not None:
        _replay(replay, store)
        return
    if scenario is None:
        raise InputError("play: no scenario given (fix: e.g. detente play korea-2018 --as RUS)")
    if not seat:
        raise InputError("play: no seat given (fix: --as ACTOR, e.g. --as RUS; repeat for hot-seat)")
    loaded = load_scenario_file(scenario, check_quotes=False)
    overrides = parse_set(set_, loaded.scenario)
    if json_out not in (None, "-"):
        check_output(json_out, "--json")  # before the game, not after it
    game = Game(loaded, tuple(s.upper() for s in seat), seed=seed, horizon=horizon, lanes=runs,
                mechanisms_off=tuple(off or ()), overrides=overrides)
    console.print(f"{loaded.scenario.id}: you play {', '.join(game.seats)}; {game.horizon} steps, seed {seed}. "
                  f"{HELP_LINE}", highlight=False)
    stopped = False
    while not game.finished and not stopped:
        typed: dict[str, str] = {}
        for s in game.seats:
            if len(game.seats) > 1:
                console.print(f"[reverse] hot-seat: pass the keyboard to {s} [/reverse]")
            show_situation(game, game.situation(s))
            text = _ask(game, s)
            if text is None:
                stopped = True
                break
            typed[s] = text
        if not stopped:
            game.play({s: game.parse_move(s, t) for s, t in typed.items()})
            events = game.events_at(game.step - 1)
            console.print(f"step {game.step}: {len(events)} events; yours: "
                          + ("; ".join(f"{a}→{b} {x}" for a, b, x in events if a in game.seats) or "none"),
                          highlight=False)
    if game.step:
        show_verdict(game)
    if stopped:
        console.print(f"stopped after {game.step} of {game.horizon} steps", highlight=False)
    if game.step:
        write_json(json_out, {"params": game.params(), "result": game.result()})
    if not no_store and game.step:
        record_run("play", loaded, params=game.params(), seed=seed, result=game.result(), started=started,
                   store=store)


def _replay(run_id: str, store: Path | None) -> None:
    run = open_store(store).get(run_id, with_steps=False)
    if run.kind != "play":
        raise InputError(f"run {run.id}: is a {run.kind} run, not a game (fix: give the id of a `detente play` run)")
    game = Game.from_params(run.loaded_scenario(), run.params, int(run.seed or 0))
    console.print(f"replaying {run.id}: {run.scenario_id}, seats {', '.join(game.seats)}, seed {game.seed}", highlight=False)
    for k, mv in enumerate(run.params.get("moves", [])):
        game.replay([mv])
        events = game.events_at(k)
        console.print(f"step {k + 1}: " + "; ".join(f"{a}→{b} {x}" for a, b, x in events if a in game.seats or b in game.seats),
                      highlight=False)
    stored = run.result.get("path", [])
    again = game.result()["path"]
    if stored != again:
        raise InputError(f"run {run.id}: the replayed path differs from the stored one (fix: replay with the detente version that stored it, {run.detente_version})")
    console.print(f"replayed {game.step} steps: the path is identical to the stored run", highlight=False)
    show_verdict(game)
