"""Accounts and the audit trail, in one SQLite file (``SQA_ACCOUNTS_DB``).

SQLite, not DuckDB: every gunicorn worker writes audit records and failed sign-ins at
the same time, which SQLite's write-ahead log handles and a DuckDB file does not. The
nightly DuckDB loads never touch this file, so a rollback or a reload loses no account.

- Passwords are hashed with argon2id (argon2-cffi); an account for single sign-on has no
  password at all and can only come in through the trusted proxy.
- After ``attempts`` failed sign-ins in a row an account is locked for ``minutes``.
- The audit table is append-only: triggers refuse UPDATE and DELETE.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from queries.access.scope import ROLES, Scope, require_admin
from queries.core import tables
from queries.core.errors import AuthError, ConfigError

MIN_PASSWORD = 12
NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
_hasher = PasswordHasher()
# Verified against when the account does not exist, so an unknown name costs the same time.
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))

SCHEMA = """
create table if not exists users (
    username text primary key,
    role text not null,
    staff_id text,
    team text,
    password_hash text,
    failed integer not null default 0,
    locked_until text,
    created_at text not null,
    updated_at text not null
);
create table if not exists audit (
    id integer primary key autoincrement,
    at text not null,
    username text not null,
    action text not null,
    detail text not null,
    rows integer not null,
    address text
);
create index if not exists audit_at on audit (at);
create trigger if not exists audit_no_update before update on audit
begin select raise(abort, 'the audit log is append-only'); end;
create trigger if not exists audit_no_delete before delete on audit
begin select raise(abort, 'the audit log is append-only'); end;
"""


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    staff_id: str | None
    team: str | None
    sso_only: bool
    failed: int
    locked_until: str | None

    def scope(self) -> Scope:
        return Scope(self.username, self.role, self.staff_id, self.team)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_READY: set[Path] = set()  # files whose schema this process has already made sure of


@contextlib.contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the accounts file, created with its schema on first use.

    Every request reads the account, and every child-level view writes an audit record,
    so the schema is checked once per process and file, not per connection.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, timeout=10, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise ConfigError(f"cannot open the accounts file {path}: {exc}") from exc
    try:
        con.execute("pragma busy_timeout=10000")
        if path not in _READY:
            con.execute("pragma journal_mode=wal")
            con.executescript(SCHEMA)
            _READY.add(path)
        yield con
    finally:
        con.close()


def _check_name(username: str) -> str:
    if not NAME.match(username):
        raise ConfigError(
            f"'{username}' is not a usable user name: use 1 to 64 letters, digits, "
            "dots, dashes, underscores or @"
        )
    return username


def _check_role(role: str, staff_id: str | None, team: str | None) -> None:
    if role not in ROLES:
        raise ConfigError(f"unknown role '{role}'; use one of: {', '.join(ROLES)}")
    if role == "iro" and not staff_id:
        raise ConfigError("an iro account needs --staff-id (their id in the staff file)")
    if role == "team_manager" and not team:
        raise ConfigError("a team_manager account needs --team (their team's name)")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"a password needs at least {MIN_PASSWORD} characters")


def _account(row: tuple[Any, ...]) -> Account:
    name, role, staff_id, team, pw, failed, locked = row
    return Account(name, role, staff_id, team, pw is None, int(failed), locked)


_SELECT = "select username, role, staff_id, team, password_hash, failed, locked_until from users"


def get(path: Path, username: str) -> Account | None:
    with connect(path) as con:
        row = con.execute(_SELECT + " where username = ?", (username,))
        found = row.fetchone()
    return _account(found) if found else None


def accounts_table(path: Path, scope: Scope) -> pd.DataFrame:
    """Every account for the admin page: no password hashes."""
    require_admin(scope)
    return pd.DataFrame(
        [
            (
                a.username,
                ROLES[a.role],
                a.staff_id,
                a.team,
                "proxy" if a.sso_only else "password",
                a.locked_until,
            )
            for a in list_accounts(path)
        ],
        columns=["User", "Role", "Staff id", "Team", "Signs in by", "Locked until"],
    )


def list_accounts(path: Path) -> list[Account]:
    with connect(path) as con:
        rows = con.execute(_SELECT + " order by username").fetchall()
    return [_account(r) for r in rows]


def add(
    path: Path,
    username: str,
    role: str,
    password: str | None,
    staff_id: str | None = None,
    team: str | None = None,
) -> Account:
    """A new account; ``password=None`` makes it sign-on-through-the-proxy only."""
    _check_name(username)
    _check_role(role, staff_id, team)
    pw_hash = None
    if password is not None:
        _check_password(password)
        pw_hash = _hasher.hash(password)
    now = _now().isoformat()
    with connect(path) as con:
        try:
            con.execute(
                "insert into users (username, role, staff_id, team, password_hash, "
                "created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?)",
                (username, role, staff_id, team, pw_hash, now, now),
            )
        except sqlite3.IntegrityError as exc:
            raise ConfigError(
                f"there is already an account '{username}'; use `sqa users set-role` "
                "or `sqa users set-password`"
            ) from exc
    account = get(path, username)
    assert account is not None
    return account


def _update(path: Path, username: str, sql: str, params: tuple[Any, ...]) -> None:
    with connect(path) as con:
        cur = con.execute(sql, params + (username,))
        if cur.rowcount == 0:
            raise ConfigError(f"there is no account '{username}'; see `sqa users list`")


def remove(path: Path, username: str) -> None:
    with connect(path) as con:
        if con.execute("delete from users where username = ?", (username,)).rowcount == 0:
            raise ConfigError(f"there is no account '{username}'; see `sqa users list`")


def set_role(
    path: Path, username: str, role: str, staff_id: str | None = None, team: str | None = None
) -> None:
    _check_role(role, staff_id, team)
    _update(
        path,
        username,
        "update users set role = ?, staff_id = ?, team = ?, updated_at = ? where username = ?",
        (role, staff_id, team, _now().isoformat()),
    )


def set_password(path: Path, username: str, password: str) -> None:
    _check_password(password)
    _update(
        path,
        username,
        "update users set password_hash = ?, failed = 0, locked_until = null, updated_at = ? "
        "where username = ?",
        (_hasher.hash(password), _now().isoformat()),
    )


def unlock(path: Path, username: str) -> None:
    _update(
        path,
        username,
        "update users set failed = 0, locked_until = null, updated_at = ? where username = ?",
        (_now().isoformat(),),
    )


WRONG = "Wrong user name or password."


def authenticate(
    path: Path,
    username: str,
    password: str,
    attempts: int,
    minutes: int,
    now: dt.datetime | None = None,
) -> Scope:
    """The account's scope if ``password`` is right; :class:`AuthError` otherwise.

    The message does not say whether the name exists. The ``attempts``-th failure in a
    row locks the account for ``minutes``; a locked account is refused even with the
    right password, and says until when.
    """
    now = now or _now()
    account = get(path, username) if NAME.match(username or "") else None
    if account is None or account.sso_only:
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher.verify(_DUMMY, password)
        raise AuthError(WRONG)
    if account.locked_until and dt.datetime.fromisoformat(account.locked_until) > now:
        until = dt.datetime.fromisoformat(account.locked_until)
        raise AuthError(
            f"This account is locked after {attempts} failed sign-ins until "
            f"{until:%H:%M} UTC. Try again then, or ask an admin to unlock it."
        )
    with connect(path) as con:
        stored = con.execute(
            "select password_hash from users where username = ?", (username,)
        ).fetchone()
        try:
            _hasher.verify(stored[0], password)
        except (VerificationError, InvalidHashError) as exc:
            failed = account.failed + 1
            locked = (
                (now + dt.timedelta(minutes=minutes)).isoformat() if failed >= attempts else None
            )
            con.execute(
                "update users set failed = ?, locked_until = ? where username = ?",
                (0 if locked else failed, locked, username),
            )
            if locked:
                raise AuthError(
                    f"Wrong password. The account is now locked for {minutes} minutes after "
                    f"{attempts} failed sign-ins."
                ) from exc
            raise AuthError(WRONG) from exc
        if _hasher.check_needs_rehash(stored[0]):
            con.execute(
                "update users set password_hash = ? where username = ?",
                (_hasher.hash(password), username),
            )
        con.execute(
            "update users set failed = 0, locked_until = null where username = ?", (username,)
        )
    return account.scope()


# --- the audit trail -------------------------------------------------------------------


def record(
    path: Path, scope: Scope, action: str, detail: str, rows: int, address: str | None = None
) -> None:
    """Append one audit record: who, when, what (action and filter), how many rows."""
    with connect(path) as con:
        con.execute(
            "insert into audit (at, username, action, detail, rows, address) "
            "values (?, ?, ?, ?, ?, ?)",
            (_now().isoformat(timespec="seconds"), scope.user, action, detail, rows, address),
        )


AUDIT_COLUMNS = ("at", "username", "action", "detail", "rows", "address")


def search(
    path: Path,
    scope: Scope,
    since: dt.date | None = None,
    until: dt.date | None = None,
    username: str | None = None,
    text: str | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """Audit records, newest first, filtered by day range, user and text in the detail
    (admins only)."""
    require_admin(scope)
    clauses, params = [], []
    if since:
        clauses.append("at >= ?")
        params.append(since.isoformat())
    if until:
        clauses.append("at < ?")
        params.append((until + dt.timedelta(days=1)).isoformat())
    if username:
        clauses.append("username = ?")
        params.append(username)
    if text:
        clauses.append("(detail like ? escape '\\' or action like ? escape '\\')")
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params += [like, like]
    where = ("where " + " and ".join(clauses)) if clauses else ""
    with connect(path) as con:
        rows = con.execute(
            f"select {', '.join(AUDIT_COLUMNS)} from audit {where} "  # noqa: S608 fixed names
            "order by id desc limit ?",
            (*params, limit),
        ).fetchall()
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))


def audit_csv(frame: pd.DataFrame) -> str:
    """The audit records as CSV, formula-safe (a filter value is free text)."""
    return tables.frame_csv(frame)
