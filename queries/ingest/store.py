"""The versioned store of loads: one DuckDB file per good load, a link, a log, a lock.

``SQA_DB`` is a symlink into ``<SQA_DB>.loads/``, where each good load is its own file,
named so that names sort in load order. Swapping the link is atomic (``os.replace``), so
readers see one load or the other, never a mixture. The newest few loads are kept for
:func:`rollback`. Every load attempt, good or not, appends one JSON line to the load log,
and a lock file keeps two loads from running at once.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from queries.core.errors import LoadBusyError, QueryError


def store_dir(db_path: Path) -> Path:
    """The folder holding one DuckDB file per good load; ``db_path`` links to one of them."""
    return db_path.with_name(db_path.name + ".loads")


def log_path_for(db_path: Path) -> Path:
    """The append-only JSON-lines load log that sits beside ``db_path``."""
    return db_path.with_name(db_path.name + ".load-log.jsonl")


def point_at(db_path: Path, target: Path) -> None:
    """Atomically make ``db_path`` a symlink to ``target`` (a file in the store)."""
    link = db_path.with_name(f".{db_path.name}.link-{os.getpid()}")
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(os.path.relpath(target, db_path.parent), link)
    os.replace(link, db_path)


def good_loads(db_path: Path) -> list[Path]:
    """The kept databases, oldest first."""
    return sorted(p for p in store_dir(db_path).glob("*.duckdb") if not p.name.startswith("."))


def prune(db_path: Path, keep: int) -> None:
    """Delete all but the newest ``keep`` loads (never the one serving)."""
    current = db_path.resolve()
    for old in good_loads(db_path)[:-keep]:
        if old.resolve() != current:
            old.unlink()


@contextmanager
def load_lock(db_path: Path) -> Iterator[None]:
    """Hold the load lock for ``db_path``, or raise :class:`LoadBusyError` at once.

    The lock is an ``flock`` on ``<db_path>.lock``: the kernel releases it when the holder
    exits, even by SIGKILL, so a killed load never blocks the next one.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db_path.with_name(db_path.name + ".lock")
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LoadBusyError(
                f"another load into {db_path} is running ({holder}); wait for it to "
                "finish and try again"
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def append_log(db_path: Path, entry: dict[str, Any]) -> None:
    """Append one entry to the load log with a single write (O_APPEND: never interleaved)."""
    line = json.dumps(entry, sort_keys=True) + "\n"
    fd = os.open(log_path_for(db_path), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def read_log(db_path: Path, last: int = 50) -> list[dict[str, Any]]:
    """The newest ``last`` log entries, oldest first; unreadable lines are skipped."""
    path = log_path_for(db_path)
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[-last:]:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def rollback(db_path: Path) -> Path:
    """Serve the kept load before the current one again; returns its file."""
    with load_lock(db_path):
        kept = good_loads(db_path)
        if not db_path.exists():
            raise QueryError(f"no database at {db_path}: nothing to roll back")
        current = db_path.resolve()
        older = [p for p in kept if p.resolve() != current and p.name < current.name]
        if not older:
            raise QueryError(
                f"there is no earlier load kept in {store_dir(db_path)} to roll back to"
            )
        target = older[-1]
        point_at(db_path, target)
        append_log(
            db_path,
            {
                "status": "rollback",
                "db_path": str(db_path),
                "started_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
                "from_file": current.name,
                "to_file": target.name,
            },
        )
        return target


@dataclass(frozen=True)
class Status:
    """What is serving, how old it is, and how the last attempt went."""

    db_path: str
    load_id: str
    extract_as_of: str
    loaded_at: str
    age_hours: float
    stale_after_hours: float
    stale: bool
    last_attempt: dict[str, Any] | None
    kept_loads: list[str]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def status(db_path: Path, stale_after_hours: float, now: dt.datetime | None = None) -> Status:
    """The serving load's identity and age; raises :class:`QueryError` when there is none."""
    if not db_path.exists():
        raise QueryError(f"no database at {db_path}: no load has succeeded yet")
    con = duckdb.connect(str(db_path.resolve()), read_only=True)
    try:
        load_id, as_of, loaded_at = con.execute(
            "select load_id, extract_as_of, loaded_at from load_info"
        ).fetchall()[0]
    finally:
        con.close()
    now = now or dt.datetime.now(dt.UTC)
    log = read_log(db_path, 1)
    age = (now - loaded_at).total_seconds() / 3600
    return Status(
        db_path=str(db_path),
        load_id=str(load_id),
        extract_as_of=as_of.isoformat(),
        loaded_at=loaded_at.isoformat(),
        age_hours=round(age, 2),
        stale_after_hours=stale_after_hours,
        stale=age > stale_after_hours,
        last_attempt=log[-1] if log else None,
        kept_loads=[p.name for p in good_loads(db_path)],
    )
