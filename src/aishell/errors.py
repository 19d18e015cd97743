"""Every error the library raises on purpose, and the exit code the CLI maps it to.

The exit codes are part of the command-line interface and documented in docs/cli.md.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_USER_ERROR = 1
EXIT_DIFFERENCES = 2
EXIT_UNSAFE = 3
EXIT_CONNECT = 4
EXIT_INTERNAL = 70
EXIT_BUSY = 75  # EX_TEMPFAIL: another run holds the database; try again later
EXIT_PERMISSION = 77  # EX_NOPERM: connected, but the role lacks a privilege the command needs


class AishellError(Exception):
    """Base class: a message meant for the user, one line, and the exit code to leave with."""

    exit_code = EXIT_USER_ERROR

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class UserError(AishellError):
    """Bad input: a missing file, malformed SQL or JSON, an unknown name or flag value."""


class SourceError(UserError):
    """A SOURCE argument could not be turned into a schema."""


class ConnectError(AishellError):
    """A database server could not be reached or refused the connection."""

    exit_code = EXIT_CONNECT


class UnsafeError(AishellError):
    """A plan contains destructive or risky steps the user did not allow by name."""

    exit_code = EXIT_UNSAFE

    def __init__(self, message: str, *, statements: list[str] | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.statements = statements or []


class DifferencesFound(AishellError):
    """Not a failure: two schemas differ (exit 2, as diff(1) does)."""

    exit_code = EXIT_DIFFERENCES


class SandboxError(AishellError):
    """The embedded PostgreSQL server could not be started or used."""

    exit_code = EXIT_CONNECT


class PermissionDenied(AishellError):
    """Connected, but the role may not read or change what the command needs (exit 77)."""

    exit_code = EXIT_PERMISSION


class BusyError(AishellError):
    """Another aishell run is changing the same database (its advisory lock was not free in time)."""

    exit_code = EXIT_BUSY


class InternalError(AishellError):
    """aishell produced something wrong (a plan that does not do what it says): a bug, exit 70."""

    exit_code = EXIT_INTERNAL
