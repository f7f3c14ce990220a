"""The Dash application of ``detente app``: the workbench page and the seat pages of games.

Dash (Plotly's framework for data apps) is used because the project's figures are plotly figures already
(the relation network and the outcome charts of the reports appear here unchanged) and because its
callbacks run on the server: every value the page sends is checked there by :class:`Workbench` or
:class:`Rooms` before anything runs, and a refused request only writes its message into the page.

Routes: ``/`` is the workbench; ``/play/GAME/SEAT?token=…`` is a seat of a game. When a token is set
(``--host`` other than localhost), every request needs it (``?token=`` once, then a cookie); a seat token
opens only its seat's page.
"""

from __future__ import annotations

import hmac
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import Response, g, request

from detente.app.rooms import Rooms
from detente.app.workbench import Workbench, table_rows
from detente.errors import DetenteError, InputError
from detente.game.session import AUTO, Game, SeatMove, fmt_p, sentence, tension_word

CSS = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1180px; padding: 0 16px; color: #222; }
h1 { font-size: 1.5em; margin: 12px 0 4px; } h2 { font-size: 1.15em; border-bottom: 1px solid #ccc; margin-top: 22px; }
table { border-collapse: collapse; font-size: 0.88em; } td, th { border-bottom: 1px solid #e4e4e4; padding: 3px 8px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.quote { color: #555; font-style: italic; } .muted { color: #777; font-size: 0.9em; }
.error { color: #a40000; font-weight: 600; min-height: 1.2em; } .ok { color: #176b2c; }
.bar { background: #eee; height: 14px; width: 360px; display: inline-block; vertical-align: middle; }
.bar > div { background: #2a6fb0; height: 14px; }
.row { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; } .col { flex: 1 1 420px; min-width: 320px; }
.levers { flex: 0 0 430px; } .wide { flex: 1 1 640px; } td.id { white-space: nowrap; }
button { margin: 2px 6px 2px 0; padding: 4px 12px; } .sig { font-weight: 600; }
.mechs label { display: inline-block; width: 205px; font-size: 0.8em; vertical-align: top; }
"""


def _tag(x: Any) -> str:
    return str(x) if x is not None else ""


def create_app(
    scenario: str | None = None,
    *,
    folders: tuple[str | Path, ...] = (),
    store: str | Path | None = None,
    token: str | None = None,
    workers: int | None = None,
) -> Dash:
    """Build the Dash app.

    Args:
        scenario: The scenario shown first (a shipped id or a file in ``folders``).
        folders: Folders whose ``.toml`` files may be opened.
        store: The run store (``None``: the default).
        token: If set, every request must carry it (or a seat's token, for that seat's page).
        workers: Worker processes for reruns (default 2 on a machine with 2 cores or more).

    Raises:
        InputError: ``scenario`` cannot be opened.
    """
    wb = Workbench(folders, store, workers)
    rooms = Rooms(store)
    first = scenario or next(iter(wb.scenarios()))
    wb.load(first)
    app = Dash(__name__, title="detente", suppress_callback_exceptions=True, update_title="")
    app.index_string = app.index_string.replace("{%css%}", "{%css%}<style>" + CSS + "</style>")
    server = app.server
    app.detente_workbench = wb  # type: ignore[attr-defined]
    app.detente_rooms = rooms  # type: ignore[attr-defined]

    @server.before_request
    def guard() -> Response | None:
        g.role = "admin"
        if not token:
            return None
        supplied = request.args.get("token") or request.cookies.get("detente_token") or ""
        if supplied and hmac.compare_digest(supplied, token):
            g.supplied = supplied
            return None
        if supplied and rooms.is_seat_token(supplied):
            g.role, g.supplied = "seat", supplied
            if request.path == "/":
                return Response("This link opens a seat of a game only.", 403, mimetype="text/plain")
            return None
        return Response("detente app: this page needs its token (fix: open the link `detente app` printed, "
                        "which ends in ?token=…)", 403, mimetype="text/plain")

    @server.after_request
    def remember(resp: Response) -> Response:
        supplied = getattr(g, "supplied", None)
        if supplied and request.args.get("token"):
            resp.set_cookie("detente_token", supplied, httponly=True, samesite="Strict")
        return resp

    def admin() -> None:
        if getattr(g, "role", "admin") != "admin":
            raise PreventUpdate

    app.layout = html.Div([dcc.Location(id="url"), html.Div(id="page")])

    @app.callback(Output("page", "children"), Input("url", "pathname"), State("url", "search"))
    def route(path: str | None, search: str | None) -> Any:
        parts = [p for p in (path or "/").split("/") if p]
        if len(parts) == 3 and parts[0] == "play":
            q = urllib.parse.parse_qs((search or "").lstrip("?"))
            return play_page(parts[1], parts[2], (q.get("token") or [""])[0])
        admin()
        return workbench_page(wb, first)

    # -- workbench: scenario ------------------------------------------------------------------------

    @app.callback(
        Output("scenario-view", "children"), Output("mech-on", "options"), Output("mech-on", "value"),
        Output("strategy", "options"), Output("lever-path", "options"), Output("play-seats", "options"),
        Output("changes", "data", allow_duplicate=True), Output("msg", "children", allow_duplicate=True),
        Input("scenario", "value"), prevent_initial_call="initial_duplicate",
    )
    def show_scenario(name: str) -> Any:
        admin()
        try:
            loaded = wb.load(name)
        except DetenteError as exc:
            return (no_update,) * 6 + (no_update, f"Error: {exc}")
        scen = loaded.scenario
        mechs = [{"label": f"{m.id} {m.name}", "value": m.id} for m in scen.mechanisms]
        on = [m.id for m in scen.mechanisms if m.enabled]
        strategies = [{"label": "(none: as in the scenario)", "value": ""}] + [
            {"label": f"{s.id} ({s.actor})", "value": s.id} for s in scen.strategies
        ]
        levers = [{"label": f"{lv.label} = {lv.default:g}", "value": lv.path} for lv in wb.levers(loaded)]
        seats = [{"label": a.id, "value": a.id} for a in scen.actors]
        return scenario_view(loaded), mechs, on, strategies, levers, seats, {}, ""

    @app.callback(Output("lever-info", "children"), Output("lever-value", "min"), Output("lever-value", "max"),
                  Output("lever-value", "value"), Input("lever-path", "value"), State("scenario", "value"))
    def lever_info(path: str | None, name: str) -> Any:
        admin()
        if not path:
            return "Pick a value to change: its scale, default and quote appear here.", None, None, None
        try:
            lv = next((x for x in wb.levers(wb.load(name)) if x.path == path), None)
        except DetenteError as exc:
            return f"Error: {exc}", None, None, None
        if lv is None:
            return f"Error: {path!r} is not a value of this scenario", None, None, None
        info = [html.Span(f"scale {lv.lo:g} … {lv.hi:g}; default {lv.default:g}; source {lv.source or 'none given'}"),
                html.Div(f"“{lv.quote}”" if lv.quote else "(no quote)", className="quote")]
        return info, lv.lo, lv.hi, lv.default

    @app.callback(Output("changes", "data"), Output("msg", "children"),
                  Input("lever-add", "n_clicks"), Input("changes-clear", "n_clicks"),
                  State("lever-path", "value"), State("lever-value", "value"), State("changes", "data"),
                  State("scenario", "value"), prevent_initial_call=True)
    def add_change(_a: int, _c: int, path: str | None, value: Any, changes: dict[str, Any] | None, name: str) -> Any:
        admin()
        if not (_a or _c):
            raise PreventUpdate  # the buttons were just created, not clicked
        if ctx.triggered_id == "changes-clear":
            return {}, ""
        new = dict(changes or {})
        new[str(path)] = value
        try:
            wb.check(wb.load(name), {"changes": new})
        except DetenteError as exc:
            return no_update, f"Error: {exc}"
        return new, ""

    @app.callback(Output("changes-view", "children"), Input("changes", "data"))
    def show_changes(changes: dict[str, Any] | None) -> Any:
        if not changes:
            return html.Span("no value changed", className="muted")
        return html.Ul([html.Li(f"{k} = {v}") for k, v in changes.items()])

    # -- workbench: rerun ---------------------------------------------------------------------------

    @app.callback(Output("job", "data"), Output("tick", "disabled"), Output("msg", "children", allow_duplicate=True),
                  Input("run", "n_clicks"), State("scenario", "value"), State("mech-on", "value"),
                  State("strategy", "value"), State("changes", "data"), State("runs", "value"), State("seed", "value"),
                  prevent_initial_call=True)
    def start_run(_n: int, name: str, on: list[str] | None, strategy: str | None, changes: dict[str, Any] | None,
                  runs: Any, seed: Any) -> Any:
        admin()
        if not _n:
            raise PreventUpdate
        try:
            loaded = wb.load(name)
            off = [m.id for m in loaded.scenario.mechanisms if m.id not in set(on or [])]
            s = wb.check(loaded, {"off": off, "strategy": strategy or None, "changes": changes or {},
                                  "runs": runs, "seed": seed})
            job = wb.start(loaded, s)
        except DetenteError as exc:
            return no_update, no_update, f"Error: {exc}"
        return job.id, False, ""

    @app.callback(Output("stop", "n_clicks"), Input("stop", "n_clicks"), State("job", "data"), prevent_initial_call=True)
    def stop_run(n: int, job_id: str | None) -> Any:
        admin()
        if not n:
            raise PreventUpdate
        if job_id:
            try:
                wb.job(job_id).stop.set()
            except DetenteError:
                pass
        return no_update

    @app.callback(Output("progress", "children"), Output("results", "children"), Output("tick", "disabled", allow_duplicate=True),
                  Input("tick", "n_intervals"), State("job", "data"), prevent_initial_call=True)
    def poll(_n: int, job_id: str | None) -> Any:
        admin()
        if not job_id:
            raise PreventUpdate
        try:
            job = wb.job(job_id)
        except DetenteError as exc:
            return f"Error: {exc}", no_update, True
        bar = html.Div([html.Div(html.Div(style={"width": f"{100 * job.fraction:.0f}%"}), className="bar"),
                        html.Span(f" {job.done:,}/{job.total:,} runs ({job.what}) — {job.state}", id="progress-text")])
        if job.state == "running":
            return bar, no_update, False
        if job.state == "failed":
            return html.Span(f"Error: {job.error}", className="error"), no_update, True
        if job.state == "stopped":
            return html.Span(f"stopped after {job.done:,} of {job.total:,} runs; the results shown are the last complete ones",
                             id="progress-text"), no_update, True
        assert job.comparison is not None
        return bar, results_view(job.comparison), True

    # -- workbench: stored runs ---------------------------------------------------------------------

    @app.callback(Output("run-a", "options"), Output("run-b", "options"), Input("runs-refresh", "n_clicks"))
    def list_runs(_n: int | None) -> Any:
        admin()
        try:
            from detente.store import RunStore

            rows = RunStore(store).runs()
        except DetenteError:
            return [], []
        opts = [{"label": f"{r.id} {r.kind} {r.scenario_id}", "value": r.id} for r in rows[:200]]
        return opts, opts

    @app.callback(Output("run-view", "children"), Input("run-a", "value"), prevent_initial_call=True)
    def open_run(rid: str | None) -> Any:
        admin()
        from detente.store import RunStore

        if not rid:
            return ""
        try:
            run = RunStore(store).get(rid, with_steps=False)
        except DetenteError as exc:
            return html.Span(f"Error: {exc}", className="error")
        return run_view(run)

    @app.callback(Output("runs-diff", "children"), Input("runs-compare", "n_clicks"), State("run-a", "value"),
                  State("run-b", "value"), prevent_initial_call=True)
    def diff(_n: int, a: str | None, b: str | None) -> Any:
        admin()
        if not _n:
            raise PreventUpdate
        from detente.store import RunStore, diff_runs

        try:
            if not a or not b:
                raise InputError("pick two runs to compare (fix: choose run A and run B)")
            rs = RunStore(store)
            d = diff_runs(rs.get(a, with_steps=False), rs.get(b, with_steps=False))
        except DetenteError as exc:
            return html.Span(f"Error: {exc}", className="error")
        inputs = [html.Tr([html.Td(k), html.Td(_tag(x)), html.Td(_tag(y))]) for k, x, y in d.inputs[:40]]
        res = [html.Tr([html.Td(k), html.Td(_num(x), className="num"), html.Td(_num(y), className="num")])
               for k, x, y in d.results[:60]]
        return html.Div([
            html.H3("inputs that differ"), html.Table([html.Tr([html.Th("input"), html.Th(a), html.Th(b)]), *inputs])
            if inputs else html.P("same inputs"),
            html.H3(f"results that differ ({len(d.results)}; the largest first)"),
            html.Table([html.Tr([html.Th("value"), html.Th(a), html.Th(b)]), *res]) if res else html.P("same results"),
        ])

    @app.callback(Output("download", "data"), Output("msg", "children", allow_duplicate=True),
                  Input("report-a", "n_clicks"), Input("report-b", "n_clicks"), State("run-a", "value"),
                  State("run-b", "value"), prevent_initial_call=True)
    def report(_a: int, _b: int, a: str | None, b: str | None) -> Any:
        admin()
        if not (_a or _b):
            raise PreventUpdate
        from detente.report import write_report
        from detente.store import RunStore

        rid = a if ctx.triggered_id == "report-a" else b
        try:
            if not rid:
                raise InputError("pick a run first (fix: choose a run in the list)")
            run = RunStore(store).get(rid)
            with tempfile.TemporaryDirectory() as tmp:
                path = write_report(run, Path(tmp) / "report.html")
                text = path.read_text("utf-8")
        except DetenteError as exc:
            return no_update, f"Error: {exc}"
        return {"content": text, "filename": f"report-{run.id}.html", "type": "text/html"}, ""

    # -- workbench: start a game ---------------------------------------------------------------------

    @app.callback(Output("play-links", "children"), Input("play-start", "n_clicks"), State("scenario", "value"),
                  State("play-seats", "value"), State("play-seed", "value"), State("play-horizon", "value"),
                  State("play-runs", "value"), prevent_initial_call=True)
    def start_game(_n: int, name: str, seats: list[str] | None, seed: Any, horizon: Any, runs: Any) -> Any:
        admin()
        if not _n:
            raise PreventUpdate
        try:
            loaded = wb.load(name)
            game = Game(loaded, tuple(seats or ()), seed=_int(seed, "seed", 0, 2**31), lanes=_int(runs, "runs", 1, 20000),
                        horizon=_int(horizon, "horizon", 1, 600) if horizon not in (None, "") else None)
            room = rooms.open(game)
        except DetenteError as exc:
            return html.Span(f"Error: {exc}", className="error")
        return html.Div([html.P(f"Game {room.id}: {game.horizon} steps, seed {game.seed}. One link per seat "
                                "(each with its own token; send each player theirs):"),
                         html.Ul([html.Li(html.A(f"play {s}", href=f"/play/{room.id}/{s}?token={t}", id=f"seat-link-{s}",
                                                 target="_blank"))
                                  for s, t in room.tokens.items()])])

    # -- seat pages ---------------------------------------------------------------------------------

    @app.callback(Output("pl-view", "children"), Output("pl-step", "data"),
                  Input("pl-poll", "n_intervals"), Input("pl-done", "data"), State("pl-key", "data"), State("pl-step", "data"))
    def seat_view(_n: int, _done: Any, key: dict[str, str], shown: int | None) -> Any:
        try:
            room = rooms.seat(key["game"], key["seat"], key["token"])
        except DetenteError as exc:
            return html.P(f"Error: {exc}", className="error"), no_update
        game = room.game
        if shown is not None and shown == game.step and ctx.triggered_id == "pl-poll":
            raise PreventUpdate
        return seat_view_content(room, key["seat"], rooms), game.step

    @app.callback(Output("pl-done", "data"), Output("pl-msg", "children"), Input("pl-submit", "n_clicks"),
                  State({"type": "pl-act", "target": ALL}, "value"), State({"type": "pl-act", "target": ALL}, "id"),
                  State("pl-comps", "value"), State("pl-key", "data"), prevent_initial_call=True)
    def seat_submit(_n: int, values: list[str], ids: list[dict[str, str]], comps: list[str] | None,
                    key: dict[str, str]) -> Any:
        if not _n:
            raise PreventUpdate  # a new form appeared: nothing was submitted
        try:
            room = rooms.seat(key["game"], key["seat"], key["token"])
            actions = {i["target"]: (v or "NONE") for i, v in zip(ids, values, strict=True)}
            played = rooms.submit(room, key["seat"], SeatMove(actions, tuple(comps or ())))
        except DetenteError as exc:
            return no_update, f"Error: {exc}"
        waiting = rooms.summary(room)["waiting"]
        msg = f"step {room.game.step} played" if played else f"move kept; waiting for {', '.join(waiting)}"
        return room.game.step, html.Span(msg, className="ok")

    return app


# -- page builders --------------------------------------------------------------------------------


def _num(x: Any) -> str:
    return "" if x is None else f"{x:.4g}"


def _int(raw: Any, what: str, lo: int, hi: int) -> int:
    try:
        v = float(raw)
    except (TypeError, ValueError):
        raise InputError(f"{what}: {raw!r} is not a number (fix: type a whole number)") from None
    if v != int(v) or not lo <= v <= hi:
        raise InputError(f"{what}: {raw!r} is not a whole number in {lo}…{hi}")
    return int(v)


def workbench_page(wb: Workbench, first: str) -> Any:
    """The workbench: scenario, levers, rerun, results, stored runs, games."""
    opts = [{"label": n if "/" not in n else f"local: {Path(n).name}", "value": n} for n in wb.scenarios()]
    return html.Div([
        html.H1("detente — what-if workbench"),
        html.Div([html.Label("Scenario "), dcc.Dropdown(opts, first, id="scenario", clearable=False,
                                                         style={"width": "420px", "display": "inline-block"})]),
        html.Div(id="msg", className="error", role="alert"),
        dcc.Store(id="changes", data={}), dcc.Store(id="job"), dcc.Interval(id="tick", interval=300, disabled=True),
        html.Div(className="row", children=[
            html.Div(className="col levers", children=[
                html.H2("Levers"),
                html.Div("Mechanisms (untick to switch one off):", className="muted"),
                dcc.Checklist(id="mech-on", options=[], value=[], className="mechs"),
                html.Div([html.Label("Strategy "), dcc.Dropdown(id="strategy", options=[], value="", clearable=False,
                                                                style={"width": "380px"})]),
                html.Div([html.Label("Change a value "), dcc.Dropdown(id="lever-path", options=[], style={"width": "100%"})]),
                html.Div(id="lever-info", className="muted"),
                dcc.Input(id="lever-value", type="number", debounce=False, style={"width": "120px"}),
                html.Button("set value", id="lever-add"), html.Button("reset values", id="changes-clear"),
                html.Div(id="changes-view"),
                html.Div([html.Label("Runs "), dcc.Input(id="runs", type="number", value=5000, min=1, max=100000, style={"width": "90px"}),
                          html.Label(" Seed "), dcc.Input(id="seed", type="number", value=0, min=0, style={"width": "70px"})]),
                html.Button("Run", id="run"), html.Button("Stop", id="stop"),
                html.Div(id="progress"),
            ]),
            html.Div(className="col wide", children=[html.H2("Outcomes: baseline and variant"), html.Div(id="results", children=html.P(
                "Press Run: the scenario as written (baseline) and with your levers (variant) run on the same "
                "seed, replicate by replicate, so their difference has a paired interval.", className="muted"))]),
        ]),
        html.H2("Scenario"), html.Div(id="scenario-view"),
        html.H2("Stored runs"),
        html.Div([html.Button("refresh", id="runs-refresh"),
                  dcc.Dropdown(id="run-a", placeholder="run A", style={"width": "440px", "display": "inline-block"}),
                  dcc.Dropdown(id="run-b", placeholder="run B", style={"width": "440px", "display": "inline-block"})]),
        html.Button("compare A and B", id="runs-compare"), html.Button("report of A", id="report-a"),
        html.Button("report of B", id="report-b"), dcc.Download(id="download"), html.Div(id="run-view"),
        html.Div(id="runs-diff"),
        html.H2("Play: human seats"),
        html.Div("Seats (the engine plays the others):", className="muted"),
        dcc.Checklist(id="play-seats", options=[], value=[], inline=True),
        html.Div([html.Label("Seed "), dcc.Input(id="play-seed", type="number", value=0, style={"width": "70px"}),
                  html.Label(" Steps "), dcc.Input(id="play-horizon", type="number", placeholder="scenario's", style={"width": "90px"}),
                  html.Label(" Continuations "), dcc.Input(id="play-runs", type="number", value=500, style={"width": "80px"})]),
        html.Button("start game", id="play-start"), html.Div(id="play-links"),
    ])


def scenario_view(loaded: Any) -> Any:
    """Actors, relation network and mechanisms, each value with its quote and source."""
    from detente.report.figures import relation_network

    scen = loaded.scenario
    actors = html.Table([html.Tr([html.Th("actor"), html.Th("name"), html.Th("doctrine", className="num"), html.Th("quote (source)")])] + [
        html.Tr([html.Td(a.id), html.Td(a.name), html.Td(f"{a.doctrine.value:g}", className="num"),
                 html.Td([html.Span(f"“{a.doctrine.quote}”" if a.doctrine.quote else "", className="quote"),
                          f" ({a.doctrine.source})" if a.doctrine.source else ""])])
        for a in scen.actors
    ])
    mechs = html.Table([html.Tr([html.Th("id"), html.Th("mechanism"), html.Th("parameters"), html.Th("quote (source)")])] + [
        html.Tr([html.Td(m.id), html.Td(m.name),
                 html.Td("; ".join(f"{k} = {v.value:g}" + (f" “{v.quote}”" if v.quote else "") for k, v in m.params.items())
                         or "engine defaults"),
                 html.Td([html.Span(f"“{m.quote}”" if m.quote else "", className="quote"), f" ({m.source})" if m.source else ""])])
        for m in scen.mechanisms
    ])
    fig = relation_network(scen)
    fig.update_layout(height=420, legend={"orientation": "h", "y": -0.02, "x": 0}, margin={"t": 40})
    return html.Div([
        html.P(f"{scen.scenario.title if hasattr(scen.scenario, 'title') else scen.id} — as of {scen.scenario.as_of}; "
               f"{len(scen.actors)} actors, {len(scen.relations)} relations, {len(scen.mechanisms)} mechanisms",
               className="muted"),
        html.Div(className="row", children=[html.Div(actors, className="col"),
                                            html.Div(dcc.Graph(figure=fig, config={"displayModeBar": False}), className="col")]),
        html.H3("Mechanisms"), mechs,
    ])


def results_view(cmp: Any) -> Any:
    """The comparison table (with ids the browser test reads) and a chart of both arms."""
    rows = table_rows(cmp)
    head = html.Tr([html.Th("outcome"), html.Th("baseline %", className="num"),
                    html.Th("variant %", className="num"), html.Th("Δ points [paired]", className="num")])
    body = [html.Tr([html.Td(r["outcome"], className="id"), html.Td(r["baseline"], className="num"),
                     html.Td(r["variant"], className="num", id=f"p-variant-{r['outcome']}"),
                     html.Td(r["difference"], className="num" + (" sig" if r["difference"].endswith("*") else ""))])
            for r in rows]
    fig = go.Figure([
        go.Bar(name="baseline", y=[r["outcome"] for r in rows], x=[100 * r["p_baseline"] for r in rows], orientation="h",
               marker_color="#9aa7b4"),
        go.Bar(name="variant", y=[r["outcome"] for r in rows], x=[100 * r["p_variant"] for r in rows], orientation="h",
               marker_color="#2a6fb0"),
    ])
    fig.update_layout(barmode="group", height=60 + 34 * len(rows), margin={"l": 10, "r": 10, "t": 30, "b": 30},
                      xaxis_title=f"probability by step {cmp.horizon}, %", yaxis={"autorange": "reversed"},
                      legend={"orientation": "h", "y": 1.0, "yanchor": "bottom"}, template="simple_white")
    return html.Div([
        html.P(f"{cmp.runs:,} runs per arm, seed {cmp.seed}, by step {cmp.horizon}; * the paired interval excludes 0 "
               "(common random numbers; Wilson and Newcombe 95% intervals).", className="muted"),
        html.Table([head, *body], id="results-table"), dcc.Graph(figure=fig, config={"displayModeBar": False}),
    ])


def run_view(run: Any) -> Any:
    """A stored run opened: what ran, and its tracked outcomes (or a game's verdict) as stored."""
    params = ", ".join(f"{k} = {v}" for k, v in run.params.items() if k != "moves" and v not in (None, [], {}))
    rows = []
    outcomes = run.result.get("outcomes")
    if isinstance(outcomes, dict):
        for oid, by_h in outcomes.items():
            if isinstance(by_h, dict) and by_h:
                h = max(by_h, key=lambda x: int(x) if str(x).isdigit() else -1)
                v = by_h[h]
                if isinstance(v, dict) and "p" in v:
                    rows.append(html.Tr([html.Td(oid, className="id"), html.Td(h, className="num"),
                                         html.Td(f"{100 * v['p']:.1f} [{100 * v['lo']:.1f}, {100 * v['hi']:.1f}]", className="num")]))
    verdict = run.result.get("verdict")
    lines = [html.Li(sentence(r)) for r in verdict.get("tension", [])] if isinstance(verdict, dict) else []
    return html.Div([
        html.H3(f"run {run.id}: {run.kind} of {run.scenario_id}, seed {run.seed}, {run.created_at:%Y-%m-%d %H:%M} UTC"),
        html.P(params, className="muted"),
        html.Table([html.Tr([html.Th("outcome"), html.Th("by step", className="num"), html.Th("% [95%]", className="num")]), *rows],
                   id="run-outcomes") if rows else None,
        html.Ul(lines) if lines else None,
    ])


def play_page(game_id: str, seat: str, token: str) -> Any:
    """A seat's page: the situation refreshes itself; the move form submits to the server."""
    return html.Div([
        html.H1(f"detente — playing {seat}"),
        dcc.Store(id="pl-key", data={"game": game_id, "seat": seat, "token": token}),
        dcc.Store(id="pl-step"), dcc.Store(id="pl-done"), dcc.Interval(id="pl-poll", interval=2000),
        html.Div(id="pl-msg", className="error", role="alert"),
        html.Div(id="pl-view"),
    ])


def seat_view_content(room: Any, seat: str, rooms: Rooms) -> Any:
    """Situation, move form (or, at the end, the verdict)."""
    game = room.game
    if game.finished:
        v = game.verdict()
        return html.Div([
            html.H2(f"The game is over after {v['step']} steps"),
            html.P(f"Stored as run {room.run_id}; replay with `detente play --replay {room.run_id}`." if room.run_id else ""),
            html.P(f"Your path against {v['engine_runs']} engine-only runs from the same start (same seed, no human):"),
            html.Ul([html.Li(sentence(r), id=f"verdict-{i}") for i, r in enumerate(v["tension"])]),
            html.Table([html.Tr([html.Th("outcome"), html.Th("your game"), html.Th("engine runs", className="num")])] + [
                html.Tr([html.Td(o["id"]), html.Td(f"step {o['game_step']}" if o["game_step"] else "no"),
                         html.Td(f"{fmt_p(o['engine_p'])} [{100 * o['engine_lo']:.1f}, {100 * o['engine_hi']:.1f}]", className="num")])
                for o in v["outcomes"]]),
        ])
    sit = game.situation(seat)
    tension = html.Table([html.Tr([html.Th("actor"), html.Th(f"{seat} → them", className="num"), html.Th(f"them → {seat}", className="num")])] + [
        html.Tr([html.Td(a), html.Td(f"{sit.tension_from.get(a, 0):.2f} {tension_word(sit.tension_from.get(a, 0))}", className="num"),
                 html.Td(f"{sit.tension_to.get(a, 0):.2f} {tension_word(sit.tension_to.get(a, 0))}", className="num")])
        for a in game.targets(seat)])
    mine = [e for e in sit.events if seat in e[:2]]
    odds = html.Table([html.Tr([html.Th("tracked outcome"), html.Th(f"by step {sit.horizon} [95%]", className="num")])] + [
        html.Tr([html.Td(o.name, title=o.id),
                 html.Td(f"happened (step {o.happened_at})" if o.happened_at else f"{fmt_p(o.p)} [{100 * o.lo:.1f}, {100 * o.hi:.1f}]",
                         className="num", id=f"odds-{o.id}")])
        for o in sit.outcomes])
    form = [html.Tr([html.Td(f"towards {t}"), html.Td(dcc.Dropdown(
        [{"label": "auto (the engine chooses)", "value": AUTO}] + [{"label": a, "value": a} for a in game.actions(seat, t)],
        "NONE", id={"type": "pl-act", "target": t}, clearable=False, style={"width": "300px"}))]) for t in game.targets(seat)]
    comps = game.components_for(seat)
    waiting = rooms.summary(room)["waiting"]
    st = sit.standing
    return html.Div([
        html.P(f"{game.scenario_id}: step {sit.step + 1} of {sit.horizon}; seats {', '.join(game.seats)}"
               + (f"; waiting for {', '.join(waiting)}" if seat not in waiting else ""), id="pl-stepline"),
        html.Div(className="row", children=[
            html.Div(className="col", children=[
                html.H2("Your situation"),
                html.P(f"Standing with the audience {st['standing']:+.2f}; military capacity {st['military']:.2f}, "
                       f"economic {st['economic']:.2f} (1 = as at the start)."),
                tension,
                html.H3("Last step's events with you"),
                html.P("; ".join(f"{a}→{b} {x}" for a, b, x in mine) or ("none" if sit.step else "(the game starts)"),
                       id="pl-mine"),
                html.P(f"and {len(sit.events) - len(mine)} events between others", className="muted") if sit.step else None,
            ]),
            html.Div(className="col", children=[html.H2(f"The engine's odds from here ({sit.lanes} continuations)"), odds]),
        ]),
        html.H2("Your move"),
        html.Table(form),
        html.Div([html.Div("Apply a component of your strategies this step (the engine then chooses your 'auto' pairs "
                           "with its push):", className="muted"),
                  dcc.Checklist(id="pl-comps", options=[{"label": f"{c} — {n}", "value": c} for c, n in comps], value=[])]),
        html.Button("submit move", id="pl-submit"),
    ])


def serve(app: Dash, host: str, port: int) -> None:
    """Run the app's server (threaded, so a rerun in progress never blocks the page)."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app.run(host=host, port=port, debug=False, threaded=True)

