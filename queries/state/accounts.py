"""Accounts and the audit trail, in one SQLite file (``SQA_ACCOUNTS_DB``).

SQLite, not DuckDB: every gunicorn worker writes audit records and failed sign-ins at
the same time, which SQLite's write-ahead log handles and a DuckDB file does not. The
nightly DuckDB loads never touch this file, so a rollback or a reload loses no account.

- Passwords are hashed with argon2id (argon2-cffi); an account for single sign-on has no
  password at all and can only come in through the trusted proxy. A new password must
  have 12 characters, must not be on the list of common and breached passwords that
  zxcvbn ships (30,000 of them), must not hold the user name, and must score at least 3
  of 4 on zxcvbn's guessability estimate.
- Sign-in failures are throttled by source address and by name at that address together
  (see :func:`authenticate`): a stranger's failures slow the stranger down and never lock
  the owner out from their own machine. Every failure reads the same and costs one
  argon2 check, whatever the name and its state.
- Sessions live here (table ``sessions``), so every app server sees the same ones: the
  cookie holds a random token whose SHA-256 is the row's key. Sign-out, the idle timeout
  and the absolute lifetime end a session; a password change, a role change, an admin
  lock or removing the account end all of that account's sessions at once.
- The audit table is append-only (triggers refuse UPDATE and DELETE) and structured: who,
  their role and scope, a fixed action, what (bounded, escaped), the filters as JSON
  with known keys, the row count and the client's address.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import secrets
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from queries.access.scope import ROLES, Scope, require_admin
from queries.core import tables
from queries.core.errors import AuthError, ConfigError
from queries.core.files import private_file

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
create table if not exists sessions (
    id text primary key,
    username text not null,
    created_at text not null,
    seen_at text not null,
    ended_at text,
    ended_why text,
    address text
);
create index if not exists sessions_user on sessions (username);
create table if not exists held_tables (
    token text primary key,
    username text not null,
    created_at text not null,
    table_id text not null,
    caption text not null,
    body text not null
);
create table if not exists sign_in_failures (
    at text not null,
    username text not null,
    address text not null
);
create index if not exists sign_in_failures_at on sign_in_failures (at);
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
        private_file(path)
        con = sqlite3.connect(path, timeout=10, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise ConfigError(f"cannot open the accounts file {path}: {exc}") from exc
    try:
        con.execute("pragma busy_timeout=10000")
        if path not in _READY:
            con.execute("pragma journal_mode=wal")
            con.executescript(SCHEMA)
            have = {r[1] for r in con.execute("pragma table_info(audit)")}
            for column in ("role", "scope", "what", "filters"):
                if column not in have:  # files made before the audit was structured
                    con.execute(f"alter table audit add column {column} text")
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


COMMON = frozenset(FREQUENCY_LISTS["passwords"])  # common and breached passwords (zxcvbn)
MIN_SCORE = 3  # zxcvbn: 3 "safely unguessable", 4 "very unguessable"


def _check_password(password: str, username: str = "") -> None:
    """Refuse a password that is short, common, holds the user name, or easy to guess."""
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"a password needs at least {MIN_PASSWORD} characters")
    lowered = password.lower()
    if lowered in COMMON or lowered.rstrip("0123456789!?.") in COMMON:
        raise ConfigError(
            "that password is on the list of common and breached passwords; choose another "
            "(three or four unrelated words work well)"
        )
    if username and len(username) >= 3 and username.lower() in lowered:
        raise ConfigError("a password must not contain the user name")
    if zxcvbn(password[:100], user_inputs=[username] if username else [])["score"] < MIN_SCORE:
        raise ConfigError(
            "that password is too easy to guess (repeats, sequences or common words); "
            "choose a longer one, for example three or four unrelated words"
        )


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
        _check_password(password, username)
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
    end_user_sessions(path, username, "account removed")


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
    end_user_sessions(path, username, "role changed")


def set_password(path: Path, username: str, password: str) -> None:
    """A new password (and unlock); every session of the account ends."""
    _check_password(password, username)
    _update(
        path,
        username,
        "update users set password_hash = ?, failed = 0, locked_until = null, updated_at = ? "
        "where username = ?",
        (_hasher.hash(password), _now().isoformat()),
    )
    end_user_sessions(path, username, "password changed")


def lock(path: Path, username: str, until: dt.datetime | None = None) -> None:
    """An admin's lock (a suspected compromise): no sign-in until unlocked, or ``until``;
    every session of the account ends at once."""
    stop = until or dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
    _update(
        path,
        username,
        "update users set locked_until = ?, updated_at = ? where username = ?",
        (stop.isoformat(), _now().isoformat()),
    )
    end_user_sessions(path, username, "account locked")


def unlock(path: Path, username: str) -> None:
    """Lift an admin's lock and forget the name's recent failed sign-ins."""
    _update(
        path,
        username,
        "update users set failed = 0, locked_until = null, updated_at = ? where username = ?",
        (_now().isoformat(),),
    )
    with connect(path) as con:
        con.execute("delete from sign_in_failures where username = ?", (username,))


WRONG = (
    "Wrong user name or password, or too many failed sign-ins from this computer. "
    "Check both and try again; after repeated failures, wait {minutes} minutes."
)
# Failures from one address, whatever the names tried, before that address is slowed
# down too: this many times the per-name limit (password spraying across many names).
SPRAY_FACTOR = 4


def _throttled(
    con: sqlite3.Connection,
    username: str,
    address: str,
    attempts: int,
    minutes: int,
    now: dt.datetime,
) -> bool:
    """Whether ``address`` has failed ``attempts`` times for this name, or ``attempts`` x
    SPRAY_FACTOR times for any names, in the last ``minutes``."""
    since = now - dt.timedelta(minutes=minutes)
    row = con.execute(
        "select count(*) filter (where username = ?), count(*) from sign_in_failures "
        "where at >= ? and address = ?",
        ((username or "")[:64], since.isoformat(), address),
    ).fetchone()
    return int(row[0]) >= attempts or int(row[1]) >= attempts * SPRAY_FACTOR


def authenticate(
    path: Path,
    username: str,
    password: str,
    attempts: int,
    minutes: int,
    now: dt.datetime | None = None,
    address: str = "",
) -> Scope:
    """The account's scope if ``password`` is right; :class:`AuthError` otherwise.

    Every failure raises the same sentence and costs one argon2 check, so neither the
    message nor the time says whether the name exists, is locked or is throttled.

    Throttling, over the last ``minutes``: once ``attempts`` failures for this name have
    come from this ``address``, or ``attempts`` x 4 for any names, sign-ins from that
    address are refused without looking at the password. The same name from any other
    address is unaffected, so nobody can lock the owner out from their own machine. An
    admin's lock (``sqa users lock``) refuses the account from everywhere.
    """
    now = now or _now()
    name = username if NAME.match(username or "") else ""
    shown = (username or "")[:64]
    with connect(path) as con:
        throttled = _throttled(con, shown, address, attempts, minutes, now)
        row = (
            con.execute(
                "select password_hash, locked_until from users where username = ?", (name,)
            ).fetchone()
            if name
            else None
        )
        stored = row[0] if row else None
        locked = bool(row and row[1] and dt.datetime.fromisoformat(row[1]) > now)
        ok = False
        try:
            # Exactly one argon2 check on every path: the dummy hash where there is no
            # usable one, so an unknown, locked or throttled name costs the same time.
            usable = stored is not None and not throttled and not locked
            _hasher.verify(str(stored) if usable else _DUMMY, password)
            ok = usable
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            con.execute(
                "insert into sign_in_failures (at, username, address) values (?, ?, ?)",
                (now.isoformat(), shown, address),
            )
            reason = (
                "throttled"
                if throttled
                else "unknown name"
                if row is None
                else "locked"
                if locked
                else "proxy-only account"
                if stored is None
                else "wrong password"
            )
            raise AuthError(WRONG.format(minutes=minutes), reason)
        assert stored is not None
        # The owner is in: their earlier slips from this address no longer count.
        con.execute(
            "delete from sign_in_failures where username = ? and address = ?", (name, address)
        )
        if _hasher.check_needs_rehash(stored):
            con.execute(
                "update users set password_hash = ? where username = ?",
                (_hasher.hash(password), name),
            )
    account = get(path, name)
    assert account is not None
    return account.scope()


def throttled(
    path: Path, username: str, address: str, attempts: int, minutes: int, now: dt.datetime
) -> bool:
    """Whether the next sign-in for ``username`` from ``address`` is refused unchecked."""
    with connect(path) as con:
        return _throttled(con, username, address, attempts, minutes, now)


# --- tables held for download -------------------------------------------------------------

HOLD_HOURS = 24


def hold_table(
    path: Path, username: str, table_id: str, caption: str, columns: list[str], rows: list[Any]
) -> str:
    """Keep a table the server drew for ``username``; the token the page's download button
    sends back. The file is built from this, never from data the browser returns."""
    token = secrets.token_urlsafe(18)
    now = _now()
    body = json.dumps({"columns": columns, "rows": rows}, default=str)
    with connect(path) as con:
        con.execute(
            "delete from held_tables where created_at < ?",
            ((now - dt.timedelta(hours=HOLD_HOURS)).isoformat(),),
        )
        con.execute(
            "insert into held_tables values (?, ?, ?, ?, ?, ?)",
            (token, username, now.isoformat(), table_id, caption, body),
        )
    return token


def held_table(path: Path, username: str, token: str) -> dict[str, Any] | None:
    """The table ``username`` was shown under ``token``; None for anyone else's or when it
    has gone (after a day)."""
    with connect(path) as con:
        row = con.execute(
            "select table_id, caption, body from held_tables where token = ? and username = ?",
            (str(token)[:64], username),
        ).fetchone()
    if row is None:
        return None
    body = json.loads(row[2])
    return {"table": row[0], "caption": row[1], "columns": body["columns"], "rows": body["rows"]}


# --- sessions ----------------------------------------------------------------------------


def _session_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(path: Path, username: str, address: str = "") -> str:
    """A new session for ``username``: the token for the cookie (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    now = _now().isoformat()
    with connect(path) as con:
        con.execute(
            "insert into sessions (id, username, created_at, seen_at, address) "
            "values (?, ?, ?, ?, ?)",
            (_session_key(token), username, now, now, address),
        )
    return token


def check_session(
    path: Path,
    token: str,
    idle_hours: float,
    max_hours: float,
    now: dt.datetime | None = None,
) -> Account | None:
    """The session's account while it is live; None once it has ended (and it is ended
    here when it ran past the idle timeout or the absolute lifetime)."""
    if not token or len(token) > 200:
        return None
    now = now or _now()
    key = _session_key(token)
    with connect(path) as con:
        row = con.execute(
            "select username, created_at, seen_at, ended_at from sessions where id = ?", (key,)
        ).fetchone()
        if row is None or row[3] is not None:
            return None
        created, seen = dt.datetime.fromisoformat(row[1]), dt.datetime.fromisoformat(row[2])
        why = (
            "idle"
            if now - seen > dt.timedelta(hours=idle_hours)
            else "lifetime"
            if now - created > dt.timedelta(hours=max_hours)
            else None
        )
        if why:
            con.execute(
                "update sessions set ended_at = ?, ended_why = ? where id = ?",
                (now.isoformat(), why, key),
            )
            return None
        if now - seen > dt.timedelta(seconds=30):  # a write at most twice a minute
            con.execute("update sessions set seen_at = ? where id = ?", (now.isoformat(), key))
    account = get(path, row[0])
    if account is None or (
        account.locked_until and dt.datetime.fromisoformat(account.locked_until) > now
    ):
        return None
    return account


def end_session(path: Path, token: str, why: str = "signed out") -> str | None:
    """End one session (sign-out); the user name it belonged to, if it was live."""
    key = _session_key(token or "")
    with connect(path) as con:
        row = con.execute(
            "select username from sessions where id = ? and ended_at is null", (key,)
        ).fetchone()
        con.execute(
            "update sessions set ended_at = ?, ended_why = ? where id = ? and ended_at is null",
            (_now().isoformat(), why, key),
        )
    return str(row[0]) if row else None


def end_user_sessions(path: Path, username: str, why: str) -> int:
    """End every live session of ``username``; how many were ended."""
    with connect(path) as con:
        cur = con.execute(
            "update sessions set ended_at = ?, ended_why = ? "
            "where username = ? and ended_at is null",
            (_now().isoformat(), why, username),
        )
    return int(cur.rowcount)


# --- the audit trail -------------------------------------------------------------------


ACTIONS = {
    "view": "viewed records",
    "export": "downloaded",
    "sign_in": "signed in",
    "sign_in_failed": "failed sign-in",
    "sign_out": "signed out",
    "refused": "refused",
    "account": "changed an account",
    "commentary": "saved commentary",
    "snapshot": "froze a month",
}
# The filter keys an audit record may hold; anything else is refused, not stored.
FILTER_KEYS = frozenset(
    {
        "fy", "compare", "from", "to", "period", "month", "team", "staff", "page", "format",
        "measure", "table", "grain", "kind", "audience", "late_only", "account", "role",
        "change", "path", "replace", "file", "reason", "days", "met",
    }
)  # fmt: skip
MAX_TEXT = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def clean_text(value: object, limit: int = MAX_TEXT) -> str:
    """Free text as the audit stores it: control characters and line breaks escaped (so
    a value cannot forge a second record), at most ``limit`` characters."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record(
    path: Path,
    scope: Scope | None,
    action: str,
    what: str,
    rows: int = 0,
    address: str | None = None,
    filters: Mapping[str, object] | None = None,
    user: str | None = None,
) -> None:
    """Append one audit record: who (and their role and scope), when, a fixed action, what
    (bounded, escaped), the filters as JSON with known keys, how many rows, from where.

    ``scope`` is None for a sign-in that failed; ``user`` is then the name as typed."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    given = dict(filters or {})
    unknown = set(given) - FILTER_KEYS
    if unknown:
        raise ValueError(f"unknown audit filter keys {sorted(unknown)}")
    clean = {k: clean_text(v, 100) for k, v in sorted(given.items()) if v is not None}
    username = clean_text(scope.user if scope else (user or ""), 64)
    role = scope.role if scope else None
    of = (scope.staff_id or scope.team) if scope else None
    about = clean_text(what)
    detail = " · ".join(
        [about, *[f"{k}={v}" for k, v in clean.items()]]
        + ([f"as {role}" + (f" {clean_text(of, 64)}" if of else "")] if role else [])
    )
    with connect(path) as con:
        con.execute(
            "insert into audit (at, username, role, scope, action, what, filters, detail, "
            "rows, address) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                _now().isoformat(timespec="seconds"),
                username,
                role,
                clean_text(of, 64) if of else None,
                action,
                about,
                json.dumps(clean, ensure_ascii=False, sort_keys=True),
                detail,
                int(rows),
                clean_text(address, 64) if address else None,
            ),
        )


def recent(path: Path, username: str, action: str, what_prefix: str, minutes: int) -> int:
    """Audit records of ``username``'s ``action`` whose what starts ``what_prefix``, in the
    last ``minutes`` (a per-person rate limit that every app server shares)."""
    since = (_now() - dt.timedelta(minutes=minutes)).isoformat(timespec="seconds")
    like = what_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with connect(path) as con:
        row = con.execute(
            "select count(*) from audit where username = ? and action = ? and at >= ? "
            "and what like ? escape '\\'",
            (username, action, since, like),
        ).fetchone()
    return int(row[0])


AUDIT_COLUMNS = ("at", "username", "role", "action", "detail", "rows", "address")


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
