"""Accounts, sessions and the audit trail, in the state database (:mod:`.database`): a
SQLite file by default (``SQA_ACCOUNTS_DB``), PostgreSQL when ``SQA_STATE_URL`` names one.

Not DuckDB: every gunicorn worker writes audit records and failed sign-ins at the same
time, which SQLite's write-ahead log and PostgreSQL handle and a DuckDB file does not. The
nightly DuckDB loads never touch it, so a rollback or a reload loses no account.

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
- The audit table is append-only (triggers refuse UPDATE and DELETE, and TRUNCATE in
  PostgreSQL) and structured: who,
  their role and scope, a fixed action, what (bounded, escaped), the filters as JSON
  with known keys, the row count and the client's address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from queries.access.scope import ROLES, Scope, require_admin
from queries.core import tables
from queries.core.errors import AuthError, ConfigError
from queries.state import database
from queries.state.database import Location

MIN_PASSWORD = 12
NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
_hasher = PasswordHasher()
# Verified against when the account does not exist, so an unknown name costs the same time.
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


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


def _q(con: sa.Connection, sql: str, **params: Any) -> sa.CursorResult[*tuple[Any, ...]]:
    """Run one statement, every value bound by name."""
    return con.execute(sa.text(sql), params)


_SELECT = "select username, role, staff_id, team, password_hash, failed, locked_until from users"


def get(state: Location, username: str) -> Account | None:
    with database.begin(state) as con:
        found = _q(con, _SELECT + " where username = :u", u=username).fetchone()
    return _account(found) if found else None


def accounts_table(state: Location, scope: Scope) -> pd.DataFrame:
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
            for a in list_accounts(state)
        ],
        columns=["User", "Role", "Staff id", "Team", "Signs in by", "Locked until"],
    )


def list_accounts(state: Location) -> list[Account]:
    with database.begin(state) as con:
        rows = _q(con, _SELECT + " order by username").fetchall()
    return [_account(tuple(r)) for r in rows]


def add(
    state: Location,
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
    try:
        with database.begin(state) as con:
            _q(
                con,
                "insert into users (username, role, staff_id, team, password_hash, "
                "created_at, updated_at) values (:u, :role, :staff, :team, :pw, :now, :now)",
                u=username, role=role, staff=staff_id, team=team, pw=pw_hash, now=now,
            )  # fmt: skip
    except sa.exc.IntegrityError as exc:
        raise ConfigError(
            f"there is already an account '{username}'; use `sqa users set-role` "
            "or `sqa users set-password`"
        ) from exc
    account = get(state, username)
    assert account is not None
    return account


def _update(state: Location, username: str, sql: str, **params: Any) -> None:
    with database.begin(state) as con:
        if _q(con, sql, u=username, **params).rowcount == 0:
            raise ConfigError(f"there is no account '{username}'; see `sqa users list`")


def remove(state: Location, username: str) -> None:
    with database.begin(state) as con:
        if _q(con, "delete from users where username = :u", u=username).rowcount == 0:
            raise ConfigError(f"there is no account '{username}'; see `sqa users list`")
    end_user_sessions(state, username, "account removed")


def set_role(
    state: Location, username: str, role: str, staff_id: str | None = None, team: str | None = None
) -> None:
    _check_role(role, staff_id, team)
    _update(
        state,
        username,
        "update users set role = :role, staff_id = :staff, team = :team, updated_at = :now "
        "where username = :u",
        role=role, staff=staff_id, team=team, now=_now().isoformat(),
    )  # fmt: skip
    end_user_sessions(state, username, "role changed")


def set_password(state: Location, username: str, password: str) -> None:
    """A new password (and unlock); every session of the account ends."""
    _check_password(password, username)
    _update(
        state,
        username,
        "update users set password_hash = :pw, failed = 0, locked_until = null, "
        "updated_at = :now where username = :u",
        pw=_hasher.hash(password), now=_now().isoformat(),
    )  # fmt: skip
    end_user_sessions(state, username, "password changed")


def lock(state: Location, username: str, until: dt.datetime | None = None) -> None:
    """An admin's lock (a suspected compromise): no sign-in until unlocked, or ``until``;
    every session of the account ends at once."""
    stop = until or dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
    _update(
        state,
        username,
        "update users set locked_until = :stop, updated_at = :now where username = :u",
        stop=stop.isoformat(), now=_now().isoformat(),
    )  # fmt: skip
    end_user_sessions(state, username, "account locked")


def unlock(state: Location, username: str) -> None:
    """Lift an admin's lock and forget the name's recent failed sign-ins."""
    _update(
        state,
        username,
        "update users set failed = 0, locked_until = null, updated_at = :now where username = :u",
        now=_now().isoformat(),
    )
    with database.begin(state) as con:
        _q(con, "delete from sign_in_failures where username = :u", u=username)


WRONG = (
    "Wrong user name or password, or too many failed sign-ins from this computer. "
    "Check both and try again; after repeated failures, wait {minutes} minutes."
)
# Failures from one address, whatever the names tried, before that address is slowed
# down too: this many times the per-name limit (password spraying across many names).
SPRAY_FACTOR = 4


def _throttled(
    con: sa.Connection,
    username: str,
    address: str,
    attempts: int,
    minutes: int,
    now: dt.datetime,
) -> bool:
    """Whether ``address`` has failed ``attempts`` times for this name, or ``attempts`` x
    SPRAY_FACTOR times for any names, in the last ``minutes``."""
    since = now - dt.timedelta(minutes=minutes)
    row = _q(
        con,
        "select count(*) filter (where username = :u), count(*) from sign_in_failures "
        "where at >= :since and address = :a",
        u=(username or "")[:64], since=since.isoformat(), a=address,
    ).one()  # fmt: skip
    return int(row[0]) >= attempts or int(row[1]) >= attempts * SPRAY_FACTOR


def authenticate(
    state: Location,
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
    failure: AuthError | None = None
    with database.begin(state) as con:
        throttled = _throttled(con, shown, address, attempts, minutes, now)
        row = (
            _q(
                con, "select password_hash, locked_until from users where username = :u", u=name
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
            _q(
                con,
                "insert into sign_in_failures (at, username, address) values (:at, :u, :a)",
                at=now.isoformat(), u=shown, a=address,
            )  # fmt: skip
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
            # Raised once the block has committed: the failure must be kept.
            failure = AuthError(WRONG.format(minutes=minutes), reason)
        else:
            assert stored is not None
            # The owner is in: their earlier slips from this address no longer count.
            _q(
                con,
                "delete from sign_in_failures where username = :u and address = :a",
                u=name, a=address,
            )  # fmt: skip
            if _hasher.check_needs_rehash(stored):
                _q(
                    con,
                    "update users set password_hash = :pw where username = :u",
                    pw=_hasher.hash(password), u=name,
                )  # fmt: skip
    if failure is not None:
        raise failure
    account = get(state, name)
    assert account is not None
    return account.scope()


def throttled(
    state: Location, username: str, address: str, attempts: int, minutes: int, now: dt.datetime
) -> bool:
    """Whether the next sign-in for ``username`` from ``address`` is refused unchecked."""
    with database.begin(state) as con:
        return _throttled(con, username, address, attempts, minutes, now)


# --- tables held for download -------------------------------------------------------------

HOLD_HOURS = 24


def hold_table(
    state: Location, username: str, table_id: str, caption: str, columns: list[str], rows: list[Any]
) -> str:
    """Keep a table the server drew for ``username``; the token the page's download button
    sends back. The file is built from this, never from data the browser returns."""
    token = secrets.token_urlsafe(18)
    now = _now()
    body = json.dumps({"columns": columns, "rows": rows}, default=str)
    with database.begin(state) as con:
        _q(
            con,
            "delete from held_tables where created_at < :before",
            before=(now - dt.timedelta(hours=HOLD_HOURS)).isoformat(),
        )
        _q(
            con,
            "insert into held_tables (token, username, created_at, table_id, caption, body) "
            "values (:t, :u, :at, :table, :caption, :body)",
            t=token, u=username, at=now.isoformat(), table=table_id, caption=caption, body=body,
        )  # fmt: skip
    return token


def held_table(state: Location, username: str, token: str) -> dict[str, Any] | None:
    """The table ``username`` was shown under ``token``; None for anyone else's or when it
    has gone (after a day)."""
    with database.begin(state) as con:
        row = _q(
            con,
            "select table_id, caption, body from held_tables where token = :t and username = :u",
            t=str(token)[:64], u=username,
        ).fetchone()  # fmt: skip
    if row is None:
        return None
    body = json.loads(row[2])
    return {"table": row[0], "caption": row[1], "columns": body["columns"], "rows": body["rows"]}


# --- sessions ----------------------------------------------------------------------------


def _session_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(state: Location, username: str, address: str = "") -> str:
    """A new session for ``username``: the token for the cookie (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    now = _now().isoformat()
    with database.begin(state) as con:
        _q(
            con,
            "insert into sessions (id, username, created_at, seen_at, address) "
            "values (:k, :u, :now, :now, :a)",
            k=_session_key(token), u=username, now=now, a=address,
        )  # fmt: skip
    return token


def check_session(
    state: Location,
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
    with database.begin(state) as con:
        row = _q(
            con,
            "select username, created_at, seen_at, ended_at from sessions where id = :k",
            k=key,
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
            _q(
                con,
                "update sessions set ended_at = :at, ended_why = :why where id = :k",
                at=now.isoformat(), why=why, k=key,
            )  # fmt: skip
            return None
        if now - seen > dt.timedelta(seconds=30):  # a write at most twice a minute
            _q(con, "update sessions set seen_at = :at where id = :k", at=now.isoformat(), k=key)
    account = get(state, row[0])
    if account is None or (
        account.locked_until and dt.datetime.fromisoformat(account.locked_until) > now
    ):
        return None
    return account


def end_session(state: Location, token: str, why: str = "signed out") -> str | None:
    """End one session (sign-out); the user name it belonged to, if it was live."""
    key = _session_key(token or "")
    with database.begin(state) as con:
        row = _q(
            con, "select username from sessions where id = :k and ended_at is null", k=key
        ).fetchone()
        _q(
            con,
            "update sessions set ended_at = :at, ended_why = :why "
            "where id = :k and ended_at is null",
            at=_now().isoformat(), why=why, k=key,
        )  # fmt: skip
    return str(row[0]) if row else None


def end_user_sessions(state: Location, username: str, why: str) -> int:
    """End every live session of ``username``; how many were ended."""
    with database.begin(state) as con:
        cur = _q(
            con,
            "update sessions set ended_at = :at, ended_why = :why "
            "where username = :u and ended_at is null",
            at=_now().isoformat(), why=why, u=username,
        )  # fmt: skip
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
    state: Location,
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
    with database.begin(state) as con:
        _q(
            con,
            "insert into audit (at, username, role, scope, action, what, filters, detail, "
            "rows, address) values (:at, :u, :role, :scope, :action, :what, :filters, "
            ":detail, :rows, :address)",
            at=_now().isoformat(timespec="seconds"),
            u=username,
            role=role,
            scope=clean_text(of, 64) if of else None,
            action=action,
            what=about,
            filters=json.dumps(clean, ensure_ascii=False, sort_keys=True),
            detail=detail,
            rows=int(rows),
            address=clean_text(address, 64) if address else None,
        )


def recent(state: Location, username: str, action: str, what_prefix: str, minutes: int) -> int:
    """Audit records of ``username``'s ``action`` whose what starts ``what_prefix``, in the
    last ``minutes`` (a per-person rate limit that every app server shares)."""
    since = (_now() - dt.timedelta(minutes=minutes)).isoformat(timespec="seconds")
    like = what_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with database.begin(state) as con:
        row = _q(
            con,
            "select count(*) from audit where username = :u and action = :action "
            "and at >= :since and what like :like escape '\\'",
            u=username, action=action, since=since, like=like,
        ).one()  # fmt: skip
    return int(row[0])


AUDIT_COLUMNS = ("at", "username", "role", "action", "detail", "rows", "address")


def search(
    state: Location,
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
    clauses: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    if since:
        clauses.append("at >= :since")
        params["since"] = since.isoformat()
    if until:
        clauses.append("at < :until")
        params["until"] = (until + dt.timedelta(days=1)).isoformat()
    if username:
        clauses.append("username = :u")
        params["u"] = username
    if text:
        # lower() on both sides: SQLite's like ignores case and PostgreSQL's does not.
        clauses.append(
            "(lower(detail) like lower(:like) escape '\\' "
            "or lower(action) like lower(:like) escape '\\')"
        )
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["like"] = "%" + escaped + "%"
    where = ("where " + " and ".join(clauses)) if clauses else ""
    with database.begin(state) as con:
        rows = con.execute(
            sa.text(
                f"select {', '.join(AUDIT_COLUMNS)} from audit {where} "  # noqa: S608 fixed
                "order by id desc limit :limit"
            ),
            params,
        ).fetchall()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(AUDIT_COLUMNS))


def audit_csv(frame: pd.DataFrame) -> str:
    """The audit records as CSV, formula-safe (a filter value is free text)."""
    return tables.frame_csv(frame)
