"""The ``detente`` program and ``python -m detente``.

The CLI is imported here rather than by the installed script, so that a Ctrl-C that arrives while it
loads (numpy, scipy, Numba: a second or more on a busy machine) also ends in ``Aborted.`` and exit
status 130, as one during a command does, rather than in a traceback.
"""

from __future__ import annotations

import sys


def run() -> None:
    """Load the CLI and run it (:func:`detente.cli.main`)."""
    try:
        from detente.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("Aborted.\n")
        raise SystemExit(130) from None
    main()


if __name__ == "__main__":
    run()
