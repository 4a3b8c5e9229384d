"""Read-only connections to the serving database.

``SQA_DB`` is a symlink to one file per load (see :mod:`queries.ingest.loader`); a load swaps the
link atomically. :func:`reader` resolves the link on every call and keeps one read-only
connection per process for the file it points to, so a new load is picked up on the next
call, and a query that started on the old file finishes on it: nobody sees half of one
load and half of another. (Each load having its own path also matters because DuckDB
shares one instance per path inside a process.)
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

from queries.core.errors import QueryError


@dataclass(frozen=True)
class Snapshot:
    """An open read-only connection and the identity of the file it reads."""

    con: duckdb.DuckDBPyConnection
    identity: tuple[int, int, int]
    load_id: str


_lock = threading.Lock()
_open: dict[str, Snapshot] = {}


def _resolve(path: Path) -> tuple[Path, tuple[int, int, int]]:
    """The file ``path`` points to now, and its identity, from one resolution."""
    try:
        target = path.resolve(strict=True)
        st = os.stat(target)
    except FileNotFoundError as exc:
        raise QueryError(
            f"no database at {path}: run `sqa load EXTRACT_DIR` (or start the app, which "
            "builds the demo database)"
        ) from exc
    return target, (st.st_dev, st.st_ino, st.st_mtime_ns)


def reader(path: Path) -> Snapshot:
    """The current snapshot of ``path``; reopened when a load has replaced the file."""
    key = str(path)
    target, ident = _resolve(path)
    with _lock:
        snap = _open.get(key)
        if snap is not None and snap.identity == ident:
            return snap
        try:
            con = duckdb.connect(str(target), read_only=True)
            rows = con.execute("select load_id from load_info").fetchall()
        except duckdb.Error as exc:
            raise QueryError(
                f"{path} is not a database built by `sqa load` ({str(exc).splitlines()[0]})"
            ) from exc
        new = Snapshot(con, ident, str(rows[0][0]) if rows else "")
        _open[key] = new
        # The old connection is left to the garbage collector: a query still running on
        # it in another thread finishes on the old file.
        return new


def cursor(path: Path) -> tuple[duckdb.DuckDBPyConnection, str]:
    """A cursor on the current snapshot (safe to use from one thread) and its load id."""
    snap = reader(path)
    return snap.con.cursor(), snap.load_id
