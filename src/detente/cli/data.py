"""``detente data status|download|build``: the data directory of public data sets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from detente.cli._app import app, console

data_app = typer.Typer(
    help="The data directory: what is there, what each command needs, how to get and build it. "
    "Example: detente data status",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")

DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="The data directory (default: $DETENTE_DATA, else the user's data folder).",
        show_default=False,
    ),
]


def use_data(data: Path | None) -> None:
    """Make ``--data`` the data directory for the rest of the running command (and what it calls).

    :func:`detente.cli.main` restores the previous one when the command ends.
    """
    from detente.datadir import activate

    if data is not None:
        activate(data)


@data_app.command("status")
def status_cmd(data: DataOpt = None) -> None:
    """Say which data sets are present, which files have no download address, and what each command needs.

    Example: detente data status
    """
    from detente.datadir import data_dir
    from detente.datasets import NEEDS, files_of, gazetteer_state, status

    root = data_dir(data)
    console.print(
        f"Data directory: {root}" + ("" if root.is_dir() else " (does not exist yet)"),
        soft_wrap=True,
        highlight=False,
    )
    t = Table(title="Data sets")
    t.add_column("set")
    t.add_column("files", justify="right")
    t.add_column("downloadable", justify="right")
    t.add_column("state")
    for s in status(data):
        if s.present == s.total:
            state = "present"
        elif s.present == 0 and s.differs == 0:
            state = "missing"
        else:
            state = f"partial: {len(s.missing)} missing"
        if s.differs:
            state += f", {s.differs} differ from the pinned version"
        t.add_row(s.name, f"{s.present}/{s.total}", f"{s.downloadable}/{s.total}", state)
    t.add_row("gazetteer", "", "", f"{gazetteer_state(data)} (`detente data build`)")
    console.print(t)
    _articles_table(data)
    c = Table(title="What each command needs")
    c.add_column("command")
    c.add_column("needs")
    for command, needs in NEEDS.items():
        c.add_row(command, ", ".join(needs) or "nothing: shipped scenarios and fitted parameters")
    console.print(c)
    no_url = [f for f in files_of(None) if f.url is None]
    console.print(
        f"{len(no_url)} files have no stable official download address (they are extracts cut at a "
        "scenario's date, or tables restructured for detente); get them from their homes "
        "(`detente data files` lists each) or from a mirror of the data directory "
        "(`detente data download --mirror URL`).",
        style="dim",
    )


def _articles_table(data: Path | None) -> None:
    """The articles the shipped scenarios cite (not shipped): present or missing, and where."""
    from detente.scenario.sources import (
        ENV_VAR,
        ArticleState,
        default_article_dir,
        shipped_articles,
    )

    t = Table(title="Articles the shipped scenarios quote")
    t.add_column("scenario")
    t.add_column("article")
    t.add_column("state", overflow="fold")
    for sid, found in shipped_articles(data):
        if found.state is ArticleState.FOUND:
            state = f"present: {found.path}"
        elif found.state is ArticleState.MISMATCH:
            state = f"differs from the pinned text: {found.path}"
        else:
            state = "missing"
        t.add_row(sid, found.file_name, state)
    console.print(t)
    console.print(
        f"Save a missing article's text in {default_article_dir(data)} (any file name: it is found by its "
        f"SHA-256) or set {ENV_VAR} to folders holding it; without it, validate skips its quotes.",
        style="dim",
    )


@data_app.command("files")
def files_cmd(
    dataset: Annotated[str | None, typer.Argument(help="history, events or bargaining (default: all).", show_default=False)] = None,
    data: DataOpt = None,
) -> None:
    """List every file of the data sets: its state, its home, and its download address if it has one.

    Example: detente data files events
    """
    from detente.datadir import data_dir
    from detente.datasets import file_state, files_of

    root = data_dir(data)
    t = Table(title=f"Files in {root}")
    t.add_column("file", overflow="fold")
    t.add_column("state")
    t.add_column("home / address", overflow="fold")
    for f in files_of(dataset):
        t.add_row(f.path, file_state(root, f), f.url or f"no stable URL: {f.home}")
    console.print(t)


@data_app.command("download")
def download_cmd(
    dataset: Annotated[str | None, typer.Argument(help="history, events or bargaining (default: all).", show_default=False)] = None,
    data: DataOpt = None,
    mirror: Annotated[
        str | None,
        typer.Option("--mirror", help="Base URL serving the data directory's layout (MIRROR/events/...).", show_default=False),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the summary, no progress bar.")] = False,
) -> None:
    """Fetch the public data sets into the data directory, each file checked against its pinned SHA-256.

    Files with no stable official address are listed with their homes; a mirror serves them all.

    Example: detente data download events --data ./detente-data
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from detente.cli._app import err_console
    from detente.datadir import data_dir
    from detente.datasets import DataFile, download, files_of

    bar = Progress(
        TextColumn("checking and fetching"), BarColumn(), MofNCompleteColumn(),
        console=err_console, disable=quiet or not err_console.is_terminal, transient=True,
    )  # fmt: skip

    def said(entry: DataFile, what: str) -> None:
        bar.advance(task)
        if not quiet and what not in ("present", "failed"):
            shown = "fetched" if what == "fetched" else f"no stable URL, get it from {entry.home}"
            bar.console.print(f"{entry.path}: {shown}", markup=False, highlight=False)

    with bar:
        task = bar.add_task("files", total=len(files_of(dataset)))
        report = download(dataset, data, mirror=mirror, on_file=said)
    console.print(
        f"{data_dir(data)}: {len(report['fetched'])} fetched, {len(report['present'])} already present, "
        f"{len(report['no_url'])} without a download address",
        soft_wrap=True,
    )
    if report["fetched"]:
        console.print("Next: `detente data build` derives the event coder's tables.")


@data_app.command("build")
def build_cmd(data: DataOpt = None) -> None:
    """Derive the event coder's gazetteer and verb tables from the raw dictionaries in events/.

    Writes them to cache/gazetteer/ inside the data directory (under a second).

    Example: detente data build
    """
    from detente.datadir import data_dir
    from detente.datasets import GAZETTEER, build

    counts = build(data)
    console.print(f"Built {data_dir(data) / GAZETTEER}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
