"""The shared Typer application and consoles that every command module registers on."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    name="detente",
    help="Make an international crisis executable: scenarios, forecasts, simulations, reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

console = Console()
err_console = Console(stderr=True)


def _print_version(value: bool) -> None:
    if value:
        from detente import __version__

        console.print(f"detente {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """Make an international crisis executable: scenarios, forecasts, simulations, reports.

    Example: detente validate korea-2018
    """


def _no_flag_placeholder() -> None:
    """Show no ``<bool>`` type placeholder beside on/off flags in help (typer 0.29 prints one)."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: typer.Context) -> str | None:
        if self.is_flag:
            return None
        return shown(self, ctx)

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign,assignment]


_no_flag_placeholder()
