"""Where the app's own records live: one SQLAlchemy engine per state database.

A location is either a SQLite file (a :class:`~pathlib.Path`, the embedded default) or a
database URL (``SQA_STATE_URL``, e.g. ``postgresql+psycopg://sqa@db/sqa``), so several app
servers share one set of accounts, sessions, audit records, snapshots and commentary. Both
go through the same code: SQLAlchemy connections, the same SQL, the same Alembic
migrations (``queries/state/migrations``).

- The schema is brought up to date the first time a process opens a location (unless
  ``SQA_STATE_MIGRATE=0``, when an out-of-date schema is refused with a sentence that
  says to run ``sqa migrate``). Two processes starting together migrate one at a time: a
  PostgreSQL advisory lock, or a lock file beside the SQLite file.
- Each ``begin()`` block is one transaction: it commits when the block ends and rolls back
  when it raises, so nothing is half-written.
- A SQLite file is created mode 600 and runs in write-ahead-log mode with a 10 s busy wait
  (every gunicorn worker writes audit records at once).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from queries.core.errors import ConfigError
from queries.core.files import private_file
from queries.core.settings import load_settings, state_database_url

Location = Path | str  # a SQLite file, or a database URL
MIGRATIONS = Path(__file__).parent / "migrations"
# Alembic's advisory-lock key: any fixed 64-bit number, the same in every process.
_LOCK_KEY = 0x5_0A_D45B0A4D

_engines: dict[str, sa.Engine] = {}
_current: set[str] = set()  # locations this process has seen at the newest revision
_guard = threading.Lock()
_pid = os.getpid()


def url_of(location: Location) -> sa.URL:
    """The SQLAlchemy URL of ``location``; a clear error for a malformed one."""
    if isinstance(location, Path):
        return sa.URL.create("sqlite", database=str(location))
    return state_database_url(location)


def shown(location: Location) -> str:
    """``location`` as messages and logs show it: never with its password."""
    return url_of(location).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_con: Any, _record: Any) -> None:
    cur = dbapi_con.cursor()
    cur.execute("pragma busy_timeout=10000")
    cur.execute("pragma journal_mode=wal")
    cur.close()


def engine(location: Location) -> sa.Engine:
    """The process's one engine (and connection pool) for ``location``."""
    url = url_of(location)
    key = url.render_as_string(hide_password=False)
    global _pid
    with _guard:
        if os.getpid() != _pid:
            # A forked worker (gunicorn --preload): the parent's pooled connections are not
            # this process's to use; leave them to the parent and open new ones.
            for inherited in _engines.values():
                inherited.dispose(close=False)
            _engines.clear()
            _pid = os.getpid()
        found = _engines.get(key)
        if found is not None:
            return found
        if url.get_backend_name() == "sqlite":
            if url.database:
                path = Path(url.database)
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    private_file(path)
                except OSError as exc:
                    raise ConfigError(f"cannot open the state file {path}: {exc}") from exc
            made = sa.create_engine(url, connect_args={"timeout": 10})
            sa.event.listen(made, "connect", _sqlite_pragmas)
        else:
            made = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
        _engines[key] = made
        return made


def _config(connection: sa.Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest schema revision this code knows."""
    found = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert found is not None
    return found


def revision(location: Location) -> str | None:
    """The schema revision ``location`` is at (None: never migrated)."""
    with _opened(location) as con:
        return MigrationContext.configure(con).get_current_revision()


@contextlib.contextmanager
def _opened(location: Location) -> Iterator[sa.Connection]:
    try:
        with engine(location).connect() as con:
            yield con
    except sa.exc.OperationalError as exc:
        raise ConfigError(f"cannot reach the state database {shown(location)}: {exc.orig}") from exc


@contextlib.contextmanager
def _one_at_a_time(location: Location, con: sa.Connection) -> Iterator[None]:
    url = url_of(location)
    if url.get_backend_name() == "postgresql":
        con.execute(sa.text("select pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
        con.commit()
        try:
            yield
        finally:
            con.execute(sa.text("select pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
            con.commit()
    elif url.database:
        lock = Path(url.database + ".migrate-lock")
        private_file(lock)
        with lock.open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
    else:
        yield  # an in-memory SQLite database has one process


def migrate(location: Location) -> tuple[str | None, str]:
    """Bring ``location``'s schema to the newest revision: (revision before, after)."""
    with _opened(location) as con, _one_at_a_time(location, con):
        before = MigrationContext.configure(con).get_current_revision()
        if before != head():
            command.upgrade(_config(con), "head")
            con.commit()
        after = MigrationContext.configure(con).get_current_revision()
    assert after is not None
    _current.add(shown(location))
    return before, after


def _ensure(location: Location) -> None:
    key = shown(location)
    if key in _current:
        return
    if load_settings().state_migrate:
        migrate(location)
        return
    at = revision(location)
    if at != head():
        raise ConfigError(
            f"the state database {key} is at schema revision {at or 'none'}, this version "
            f"needs {head()}; run `sqa migrate` (SQA_STATE_MIGRATE=0 leaves it to you)"
        )
    _current.add(key)


@contextlib.contextmanager
def begin(location: Location) -> Iterator[sa.Connection]:
    """One transaction on ``location``'s state database, its schema up to date."""
    _ensure(location)
    try:
        with engine(location).begin() as con:
            yield con
    except sa.exc.OperationalError as exc:
        raise ConfigError(f"cannot use the state database {shown(location)}: {exc.orig}") from exc


def dispose() -> None:
    """Close every pooled connection (after a fork, and in tests)."""
    with _guard:
        for made in _engines.values():
            made.dispose()
        _engines.clear()
        _current.clear()
