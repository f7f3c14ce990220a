"""The ``detente`` command line: a thin layer over the library.

Each command lives in a module of this package and registers itself on :data:`app`. :func:`main` turns
any :class:`~detente.errors.DetenteError` into one ``Error: …`` line on stderr and exit status 2, and a
usage error (unknown command or option, a value of the wrong type, a missing argument) into typer's
usage message ending in one ``Error: …`` line, also with exit status 2.
"""

from __future__ import annotations

import errno
import sys
import warnings
from collections.abc import Sequence

import typer
from typer import _click

from detente.cli._app import app, console, err_console
from detente.errors import DetenteError

# Command modules register themselves on `app` when imported.
from detente.cli import scenario_cmds  # noqa: E402,F401  isort: skip
from detente.cli import simulate  # noqa: E402,F401  isort: skip
from detente.cli import experiments  # noqa: E402,F401  isort: skip
from detente.cli import store_cmds  # noqa: E402,F401  isort: skip
from detente.cli import ingest  # noqa: E402,F401  isort: skip
from detente.cli import forecast  # noqa: E402,F401  isort: skip
from detente.cli import new  # noqa: E402,F401  isort: skip
from detente.cli import data  # noqa: E402,F401  isort: skip
from detente.cli import play  # noqa: E402,F401  isort: skip
from detente.cli import webapp  # noqa: E402,F401  isort: skip
from detente.cli import backtest  # noqa: E402,F401  isort: skip

__all__ = ["app", "main"]


def _error(message: str) -> None:
    err_console.print(f"Error: {message}", markup=False, highlight=False, emoji=False, soft_wrap=True)


def _os_error_message(exc: OSError) -> str:
    """One line for a file the operating system refused: the file, the reason, and a fix."""
    name = str(exc.filename) if exc.filename is not None else "(file)"
    if len(name) > 80:
        name = name[:60] + "…" + name[-15:]
    reason = exc.strerror or exc.__class__.__name__
    fixes = {
        errno.ENAMETOOLONG: "use a shorter file name (at most 255 bytes)",
        errno.ENOSPC: "free space on that device, or write somewhere else",
        errno.EISDIR: "give a file path, not a folder",
        errno.ENOENT: "check the path; create the folder first if it is missing",
        errno.EACCES: "choose a path you may read or write",
        errno.EROFS: "choose a path on a writable file system",
        errno.ENOTDIR: "a part of the path is a file, not a folder: check the path",
    }
    fix = fixes.get(exc.errno or 0, "check the path")
    return f"{name}: {reason} (fix: {fix})"


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; bad input ends in one clear line and exit status 2, never a traceback.

    numpy's RuntimeWarnings (overflow, invalid value) are held back while a command runs: when the
    command fails they would only clutter the ``Error:`` line; when it succeeds they are shown after
    its output, once each.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        code = _run(args)
    if code == 0:
        for text in dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)):
            err_console.print(f"warning: {text}", markup=False, highlight=False, soft_wrap=True)
    if code:
        raise SystemExit(code)


def _json_to_stdout(args: list[str]) -> bool:
    """Whether the command writes its JSON to standard output (``--json -``): then tables stay off it."""
    return any(a == "--json" and b == "-" for a, b in zip(args, args[1:], strict=False)) or "--json=-" in args


def _run(args: list[str]) -> int:
    quiet = console.quiet
    console.quiet = quiet or _json_to_stdout(args)
    try:
        return _invoke(args)
    finally:
        console.quiet = quiet


def _invoke(args: list[str]) -> int:
    from detente.datadir import use_data_dir

    try:
        with use_data_dir(None):  # a command's --data holds until it returns
            result = app(args=args, prog_name="detente", standalone_mode=False)
    except DetenteError as exc:
        _error(str(exc))
        return exc.exit_code
    except _click.exceptions.NoArgsIsHelpError as exc:
        if exc.format_message().strip():  # plain help is in the message; rich help is already printed
            exc.show()
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code)
    except _click.exceptions.ClickException as exc:
        exc.show()
        return 2
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("Aborted.", markup=False)
        return 130
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            return 1
        _error(_os_error_message(exc))
        return 2
    if isinstance(result, int) and result == 130:
        # typer turns a Ctrl-C inside a command into exit code 130 and returns it unprinted.
        err_console.print("Aborted.", markup=False)
        return 130
    if isinstance(result, int) and result:
        return result
    return 0


if __name__ == "__main__":  # pragma: no cover
    main()
