"""``sqa state copy``: move the state kept in the SQLite files into a shared database.

Run once, when a service moves from one app server to several: every account, session,
audit record, sign-in failure, held table, snapshot and commentary goes across in one
transaction, so the target ends up holding all of them or none. The source files are only
read. The target must hold no state yet (a second copy would duplicate the audit trail).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from queries.core.errors import ConfigError
from queries.state import database
from queries.state.database import Location

# Each SQLite file and the tables it holds, in an order that keeps every reference whole.
ACCOUNT_TABLES = ("users", "sessions", "sign_in_failures", "held_tables", "audit")
SNAPSHOT_TABLES = ("snapshots", "commentary")
BATCH = 5000


def _read(path: Path, table: str, wanted: list[str]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The rows of ``table`` in the SQLite file ``path``, read-only; the columns it has of
    ``wanted`` (a file from before the audit was structured lacks four)."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ConfigError(f"cannot read the state file {path}: {exc}") from exc
    try:
        have = {r[1] for r in con.execute(f"pragma table_info({table})")}
        columns = [c for c in wanted if c in have]
        if not columns:
            return [], []
        names = ", ".join(columns)
        rows = con.execute(f"select {names} from {table}").fetchall()  # noqa: S608 fixed
    except sqlite3.Error as exc:
        raise ConfigError(f"cannot read {table} from {path}: {exc}") from exc
    finally:
        con.close()
    return columns, rows


def copy_state(accounts_file: Path, snapshots_file: Path, to: Location) -> dict[str, int]:
    """Copy both SQLite files' state into ``to`` (migrated first): rows per table."""
    sources = [(accounts_file, ACCOUNT_TABLES), (snapshots_file, SNAPSHOT_TABLES)]
    for path, _ in sources:
        if not path.is_file():
            raise ConfigError(
                f"there is no state file {path}; set SQA_ACCOUNTS_DB and SQA_SNAPSHOTS_DB "
                "to the files the app has been using"
            )
    if isinstance(to, Path) or database.url_of(to) == database.url_of(accounts_file):
        raise ConfigError("give --to the URL of the new, shared database")
    database.migrate(to)
    meta = sa.MetaData()
    copied: dict[str, int] = {}
    with database.begin(to) as con:
        for path, names in sources:
            for name in names:
                table = sa.Table(name, meta, autoload_with=con)
                held = con.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                if held:
                    raise ConfigError(
                        f"{database.shown(to)} already holds {held:,} rows of {name}; copy only "
                        "into a database with no state yet (nothing was copied)"
                    )
                columns, rows = _read(path, name, [c.name for c in table.columns])
                for start in range(0, len(rows), BATCH):
                    batch = rows[start : start + BATCH]
                    con.execute(table.insert(), [dict(zip(columns, r, strict=True)) for r in batch])
                copied[name] = len(rows)
        if con.dialect.name == "postgresql" and copied.get("audit"):
            # The copied ids were given, not drawn: the next record follows the last.
            con.execute(
                sa.text("select setval(pg_get_serial_sequence('audit', 'id'), max(id)) from audit")
            )
        for name, count in copied.items():
            table = sa.Table(name, meta, autoload_with=con)
            now = con.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            if now != count:
                raise ConfigError(f"{name}: {count:,} rows read but {now:,} written; rolled back")
    return copied
