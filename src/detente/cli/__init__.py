"""The ``detente`` command line: a thin layer over the library.

Each command lives in a module of this package and registers itself on :data:`app`. :func:`main` turns
any :class:`~detente.errors.DetenteError` into one ``Error: …`` line on stderr and exit status 2.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from detente.cli._app import app, err_console
from detente.errors import DetenteError

# Command modules register themselves on `app` when imported.
from detente.cli import scenario_cmds  # noqa: E402,F401  isort: skip
from detente.cli import simulate  # noqa: E402,F401  isort: skip
from detente.cli import experiments  # noqa: E402,F401  isort: skip
from detente.cli import store_cmds  # noqa: E402,F401  isort: skip
from detente.cli import ingest  # noqa: E402,F401  isort: skip
from detente.cli import forecast  # noqa: E402,F401  isort: skip

__all__ = ["app", "main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; bad input ends in one clear line and exit status 2, never a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = app(args=args, prog_name="detente", standalone_mode=False)
    except DetenteError as exc:
        err_console.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise SystemExit(exc.exit_code) from None
    except click.exceptions.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(2) from None
    except (click.exceptions.Abort, KeyboardInterrupt):
        err_console.print("Aborted.", markup=False)
        raise SystemExit(130) from None
    if isinstance(result, int) and result:
        raise SystemExit(result)


if __name__ == "__main__":  # pragma: no cover
    main()
