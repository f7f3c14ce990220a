"""``detente app``: the what-if workbench and human seats in the browser (Dash, on this machine).

(The module is not called ``app`` because ``detente.cli.app`` is the Typer application.)
"""

from __future__ import annotations

import secrets
import signal
import socket
from pathlib import Path
from typing import Annotated

import typer

from detente.cli._app import app, console
from detente.cli.store_cmds import StoreOpt
from detente.errors import InputError

LOCAL = ("127.0.0.1", "localhost", "::1")


def app_url(host: str, port: int, token: str | None) -> str:
    """The address that opens the app (with its token when one is needed)."""
    shown = "127.0.0.1" if host in LOCAL else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


@app.command(name="app")
def run_app(
    scenario: Annotated[str | None, typer.Argument(help="Scenario shown first: a shipped id or a .toml in --scenarios.")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on; anything but localhost requires a token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8050,
    token: Annotated[str | None, typer.Option(help="Token the pages require (default: none on localhost, a random one otherwise).")] = None,
    scenarios: Annotated[list[Path] | None, typer.Option("--scenarios", metavar="DIR", help="Folder of local .toml scenarios (repeatable; default: the current folder).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes for reruns (default: 2 where there are 2 cores).")] = None,
    store: StoreOpt = None,
) -> None:
    """Open the what-if workbench and human seats in the browser (listens on 127.0.0.1 by default).

    Change levers (mechanisms, strategy, any value) and rerun against the unchanged baseline with paired intervals; open, compare and download reports of stored runs; start a game with a link per seat.

    Example: detente app korea-2018 --port 8050
    """
    try:
        from detente.app.server import create_app, serve
    except ImportError as exc:
        raise InputError(f"detente app needs the app extra ({exc.name} is missing) (fix: pip install -e '.[app]')") from None
    if not 1 <= port <= 65535:
        raise InputError(f"--port {port}: not a port number (fix: e.g. --port 8050)")
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, port))
    except OSError as exc:
        raise InputError(f"--host {host} --port {port}: cannot listen there ({exc.strerror}) (fix: another --port, e.g. {port + 1})") from None
    if host not in LOCAL and not token:
        token = secrets.token_urlsafe(16)
    folders = tuple(scenarios or [Path.cwd()])
    for f in folders:
        if not f.is_dir():
            raise InputError(f"--scenarios {f}: not a folder (fix: give a folder that holds .toml scenarios)")
    dash_app = create_app(scenario, folders=folders, store=store, token=token, workers=workers)
    wb = dash_app.detente_workbench

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # `kill` stops the app as Ctrl-C does, workers included
    try:
        wb.warm_up()
        console.print(f"detente app: open {app_url(host, port, token)}  (Ctrl-C stops it)", highlight=False, soft_wrap=True)
        serve(dash_app, host, port)
    finally:
        wb.close()
