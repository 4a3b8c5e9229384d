"""The project's exception tree, drawn once.

Every error a person can cause carries a sentence they can act on; callers show
``str(exc)`` and never a traceback.
"""


class SqaError(Exception):
    """Base of every error the project raises on purpose."""


class ExtractError(SqaError):
    """The extract cannot be loaded: a missing file, an unusable column, a bad folder."""


class ConfigError(SqaError):
    """An ``SQA_*`` setting or a command-line value is wrong."""


class QueryError(SqaError):
    """A measure could not be computed (no database, an unknown measure, a bad filter)."""


class LoadBusyError(SqaError):
    """Another load holds the lock on this database."""


class LoadHeldBack(ExtractError):
    """The extract is usable but shrank too much against the last good load."""


class AccessDenied(SqaError):
    """The signed-in person's role does not cover what was asked for."""


class AuthError(SqaError):
    """Sign-in failed: unknown account, wrong password, locked, or an untrusted proxy.

    ``reason`` says which, for the audit trail only: the person sees one sentence."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason
