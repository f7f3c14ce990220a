"""One exception root for everything a user can get wrong.

The CLI turns any :class:`DetenteError` into a single ``Error: …`` line and exit status 2, so
every message here names the file, the field, the value and the fix.
"""

from __future__ import annotations

from pathlib import Path


class DetenteError(Exception):
    """Root of every error that is the user's input rather than a bug in detente."""

    exit_code = 2


class ScenarioError(DetenteError):
    """A scenario file that cannot be read or does not validate.

    Args:
        file: The scenario file (or shipped scenario id) the problem is in.
        path: The field path inside the file, e.g. ``relations[4].members[1]``; empty for the
            whole file.
        message: What is wrong, including the offending value.
        fix: What the user should do about it.
    """

    def __init__(self, file: str | Path | None, path: str, message: str, fix: str = "") -> None:
        self.file = str(file) if file is not None else "<scenario>"
        self.path = path
        self.message = message
        self.fix = fix
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}: " if self.path else f"{self.file}: "
        fix = f" (fix: {self.fix})" if self.fix else ""
        return f"{where}{self.message}{fix}"


class UnknownActorError(ScenarioError):
    """A reference to an actor id that the scenario does not define."""


class DuplicateIdError(ScenarioError):
    """Two items of one kind share an id."""


class QuoteNotFoundError(ScenarioError):
    """A quote that does not occur in the source text it cites."""


class InputError(DetenteError):
    """A bad input file other than a scenario: a table, an article, a JSONL file."""


class UnknownScenarioError(DetenteError):
    """A scenario name that is neither a shipped scenario nor an existing file."""
