"""Accounts, passwords, lockout and the append-only audit trail (a real SQLite file)."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from queries import cli
from queries.access.scope import SYSTEM, Scope
from queries.core.errors import AccessDenied, AuthError, ConfigError
from queries.state import accounts
from queries.state.database import Location
from tests.queries.state.conftest import raw, use

PW = "a long enough password"
T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def test_password_is_hashed_and_checked(state: Location) -> None:
    accounts.add(state, "jo", "iro", PW, staff_id="I1")
    with raw(state).connect() as con:
        stored = con.execute(sa.text("select password_hash from users")).scalar_one()
    assert stored.startswith("$argon2id$") and PW not in stored
    scope = accounts.authenticate(state, "jo", PW, 5, 15, T0)
    assert scope == Scope("jo", "iro", "I1", None)
    with pytest.raises(AuthError, match="Wrong user name or password"):
        accounts.authenticate(state, "jo", "not it at all", 5, 15, T0)
    with pytest.raises(AuthError, match="Wrong user name or password"):
        accounts.authenticate(state, "nobody", PW, 5, 15, T0)


def _fail(state: Location, name: str, at: dt.datetime, address: str, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(AuthError, match="Wrong user name or password"):
            accounts.authenticate(state, name, "wrong password", 3, 10, at, address)


def test_three_failures_from_one_address_throttle_that_address_only(state: Location) -> None:
    accounts.add(state, "jo", "service_manager", PW)
    _fail(state, "jo", T0, "10.0.0.66", 3)
    # 09:09: from 10.0.0.66 even the right password is refused, in the same words ...
    with pytest.raises(AuthError, match="Wrong user name or password"):
        accounts.authenticate(state, "jo", PW, 3, 10, T0 + dt.timedelta(minutes=9), "10.0.0.66")
    # ... while jo, at their own desk (10.0.0.5), signs in at the same minute.
    at_desk = accounts.authenticate(
        state, "jo", PW, 3, 10, T0 + dt.timedelta(minutes=9), "10.0.0.5"
    )
    assert at_desk.user == "jo"
    # 09:11: the three failures of 09:00 are older than 10 minutes, so 10.0.0.66 may try again.
    later = T0 + dt.timedelta(minutes=11)
    assert accounts.authenticate(state, "jo", PW, 3, 10, later, "10.0.0.66").user == "jo"


def test_spraying_many_names_from_one_address_throttles_it(state: Location) -> None:
    accounts.add(state, "jo", "service_manager", PW)
    # 3 attempts x 4 = 12 failures from one address, each for a different name.
    for i in range(12):
        _fail(state, f"guess{i}", T0, "10.0.0.66")
    assert accounts.throttled(state, "jo", "10.0.0.66", 3, 10, T0)
    with pytest.raises(AuthError):
        accounts.authenticate(state, "jo", PW, 3, 10, T0, "10.0.0.66")
    assert not accounts.throttled(state, "jo", "10.0.0.5", 3, 10, T0)
    # 11 would not have been enough.
    assert not accounts.throttled(state, "jo", "10.0.0.67", 3, 10, T0)


def test_a_success_clears_that_addresses_failures(state: Location) -> None:
    accounts.add(state, "jo", "service_manager", PW)
    _fail(state, "jo", T0, "10.0.0.5", 2)
    accounts.authenticate(state, "jo", PW, 3, 10, T0, "10.0.0.5")
    _fail(state, "jo", T0, "10.0.0.5", 2)  # two more: 2, not 4, so not throttled
    assert not accounts.throttled(state, "jo", "10.0.0.5", 3, 10, T0)
    _fail(state, "jo", T0, "10.0.0.5")
    assert accounts.throttled(state, "jo", "10.0.0.5", 3, 10, T0)
    accounts.unlock(state, "jo")  # an admin's unlock forgets them too
    assert not accounts.throttled(state, "jo", "10.0.0.5", 3, 10, T0)


def test_an_admins_lock_refuses_everywhere_until_unlocked(state: Location) -> None:
    accounts.add(state, "jo", "service_manager", PW)
    accounts.lock(state, "jo")
    with pytest.raises(AuthError, match="Wrong user name or password"):
        accounts.authenticate(state, "jo", PW, 3, 10, T0, "10.0.0.5")
    accounts.unlock(state, "jo")
    assert accounts.authenticate(state, "jo", PW, 3, 10, T0, "10.0.0.5").user == "jo"


def test_sessions_end_at_sign_out_idle_and_lifetime(state: Location) -> None:
    accounts.add(state, "jo", "service_manager", PW)
    token = accounts.start_session(state, "jo")
    start = dt.datetime.now(dt.UTC)
    assert accounts.check_session(state, token, 8, 12, start).username == "jo"  # type: ignore[union-attr]
    assert accounts.end_session(state, token) == "jo"
    assert accounts.check_session(state, token, 8, 12, start) is None
    assert accounts.end_session(state, token) is None  # already ended
    # Idle: 8 hours 1 minute without use ends it, and it stays ended.
    idle = accounts.start_session(state, "jo")
    assert (
        accounts.check_session(state, idle, 8, 12, start + dt.timedelta(hours=8, minutes=1)) is None
    )
    assert accounts.check_session(state, idle, 8, 12, start) is None
    # Lifetime: used every 7 hours, it still ends once 12 hours have passed since sign-in.
    busy = accounts.start_session(state, "jo")
    assert accounts.check_session(state, busy, 8, 12, start + dt.timedelta(hours=7))
    assert (
        accounts.check_session(state, busy, 8, 12, start + dt.timedelta(hours=12, minutes=1))
        is None
    )
    # The token is never stored: only its SHA-256.
    with raw(state).connect() as con:
        keys = [r[0] for r in con.execute(sa.text("select id from sessions"))]
    assert token not in keys and len(keys) == 3 and all(len(k) == 64 for k in keys)


@pytest.mark.parametrize(
    "change",
    ["set_password", "set_role", "remove", "lock"],
)
def test_account_changes_end_every_session(state: Location, change: str) -> None:
    accounts.add(state, "jo", "service_manager", PW)
    tokens = [accounts.start_session(state, "jo") for _ in range(2)]
    other = accounts.start_session(state, "someone-else")
    {
        "set_password": lambda: accounts.set_password(state, "jo", "another long passphrase"),
        "set_role": lambda: accounts.set_role(state, "jo", "admin"),
        "remove": lambda: accounts.remove(state, "jo"),
        "lock": lambda: accounts.lock(state, "jo"),
    }[change]()
    assert [accounts.check_session(state, t, 8, 12) for t in tokens] == [None, None]
    with raw(state).connect() as con:
        live = con.execute(sa.text("select username from sessions where ended_at is null"))
        assert [tuple(r) for r in live] == [("someone-else",)] and other


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("aaaaaaaaaaaa", "too easy to guess"),
        ("password1234", "common and breached"),
        ("qwertyuiop123", "common and breached"),
        ("jo-the-manager-2026", "user name"),
        ("short", "at least 12"),
    ],
)
def test_weak_passwords_are_refused(state: Location, password: str, why: str) -> None:
    with pytest.raises(ConfigError, match=why):
        accounts.add(state, "jo-the-manager", "admin", password)
    accounts.add(state, "jo-the-manager", "admin", "four unrelated words here")
    with pytest.raises(ConfigError, match=why):
        accounts.set_password(state, "jo-the-manager", password)


def test_audit_records_are_structured_bounded_and_escaped(state: Location) -> None:
    forged = "x · as service_manager\n2026-12-01 manager export everything"
    accounts.record(state, Scope("jo", "team_manager", team="North"), "view", forged, 3,
                    "10.0.0.5", {"team": "North", "page": 2})  # fmt: skip
    accounts.record(state, Scope("jo", "team_manager", team="North"), "view", "y" * 200_000, 0)
    log = accounts.search(state, SYSTEM)
    long, first = log.iloc[0], log.iloc[1]
    assert "\n" not in first["detail"] and "\\x0a2026-12-01" in first["detail"]
    assert first["detail"] == (
        "x · as service_manager\\x0a2026-12-01 manager export everything · page=2 · "
        "team=North · as team_manager North"
    )
    assert first["role"] == "team_manager" and first["rows"] == 3
    assert len(long["detail"]) < 300 and long["detail"].startswith("y" * 150)
    with pytest.raises(ValueError, match="unknown audit action"):
        accounts.record(state, SYSTEM, "delete everything", "x", 0)
    with pytest.raises(ValueError, match="unknown audit filter keys"):
        accounts.record(state, SYSTEM, "view", "x", 0, filters={"sql": "drop table"})


def test_the_accounts_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "accounts.sqlite"
    accounts.add(path, "jo", "service_manager", PW)
    assert path.stat().st_mode & 0o777 == 0o600


def test_sso_accounts_have_no_password_to_guess(state: Location) -> None:
    accounts.add(state, "sam@council.gov.uk", "team_manager", None, team="North")
    with pytest.raises(AuthError, match="Wrong user name or password"):
        accounts.authenticate(state, "sam@council.gov.uk", "", 5, 15, T0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("bad name!", "iro", PW, "I1", None), "not a usable user name"),
        (("jo", "boss", PW, None, None), "unknown role 'boss'"),
        (("jo", "iro", PW, None, None), "needs --staff-id"),
        (("jo", "team_manager", PW, None, None), "needs --team"),
        (("jo", "admin", "short", None, None), "at least 12 characters"),
    ],
)
def test_bad_accounts_are_refused(state: Location, args: tuple, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match=message):
        accounts.add(state, *args)
    assert accounts.list_accounts(state) == []


def test_audit_is_append_only_and_searchable(state: Location) -> None:
    who = Scope("jo", "service_manager")
    accounts.record(state, who, "view", "review_records 2020-04-01 team=North", 12, "10.0.0.5")
    accounts.record(state, Scope("al", "iro", "I1"), "export", "=HYPERLINK(evil).csv", 3)
    # Refused by the database itself (triggers), whoever connects: not only by this code.
    refused = ["update audit set rows = 0", "delete from audit"]
    if not isinstance(state, Path):
        refused.append("truncate audit")
    for statement in refused:
        with raw(state).begin() as con, pytest.raises(sa.exc.DBAPIError, match="append-only"):
            con.execute(sa.text(statement))
    found = accounts.search(state, SYSTEM, username="jo")
    assert found[["username", "action", "rows"]].values.tolist() == [["jo", "view", 12]]
    assert len(accounts.search(state, SYSTEM, text="North")) == 1
    assert len(accounts.search(state, SYSTEM, text="%")) == 0  # a wildcard is only a character
    assert len(accounts.search(state, SYSTEM, since=dt.date.today())) == 2
    assert len(accounts.search(state, SYSTEM, until=dt.date.today() - dt.timedelta(1))) == 0
    with pytest.raises(AccessDenied, match="admins only"):
        accounts.search(state, who)
    csv_text = accounts.audit_csv(accounts.search(state, SYSTEM))
    assert "'=HYPERLINK(evil).csv" in csv_text  # neutralised for spreadsheets


def run_cli(monkeypatch: pytest.MonkeyPatch, state: Location, *argv: str, stdin: str = "") -> str:
    use(monkeypatch, state)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    code = cli.main(list(argv))
    assert code == 0
    return out.getvalue()


def test_sqa_users_commands(monkeypatch: pytest.MonkeyPatch, state: Location) -> None:
    run_cli(monkeypatch, state, "users", "add", "jo", "--role", "iro", "--staff-id", "I1",
            "--password-stdin", stdin=PW + "\n")  # fmt: skip
    run_cli(monkeypatch, state, "users", "add", "sam", "--role", "admin", "--sso")
    listed = run_cli(monkeypatch, state, "users", "list")
    assert '"username": "jo"' in listed and '"sign_in": "proxy only"' in listed
    assert "argon2" not in listed  # no hashes printed
    run_cli(monkeypatch, state, "users", "set-role", "jo", "team_manager", "--team", "North")
    assert accounts.get(state, "jo").scope() == Scope("jo", "team_manager", None, "North")  # type: ignore[union-attr]
    run_cli(monkeypatch, state, "users", "remove", "sam")
    assert [a.username for a in accounts.list_accounts(state)] == ["jo"]


def test_sqa_users_errors_exit_2_with_a_sentence(tmp_path: Path) -> None:
    env = {"SQA_ACCOUNTS_DB": str(tmp_path / "a.sqlite"), "PATH": "/usr/bin:/bin"}
    r = subprocess.run(
        [sys.executable, "-m", "queries.cli", "users", "remove", "ghost"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert r.returncode == 2
    assert r.stderr.strip() == "sqa: there is no account 'ghost'; see `sqa users list`"


def test_demo_accounts_refuse_a_real_accounts_file(
    monkeypatch: pytest.MonkeyPatch, state: Location
) -> None:
    made = run_cli(monkeypatch, state, "users", "demo")
    assert '"username": "iro-s0001"' in made
    accounts.add(state, "real.person", "service_manager", PW)
    use(monkeypatch, state)
    assert cli.main(["users", "demo"]) == 2


def test_sqa_audit_exports_csv_oldest_first(
    monkeypatch: pytest.MonkeyPatch, state: Location
) -> None:
    accounts.record(state, Scope("jo", "service_manager"), "view", "first", 1)
    accounts.record(state, Scope("jo", "service_manager"), "export", "second", 2)
    text = run_cli(monkeypatch, state, "audit", "--since", dt.date.today().isoformat())
    lines = text.splitlines()
    assert lines[0] == "at,username,role,action,detail,rows,address"
    assert [line.split(",")[4] for line in lines[1:]] == [
        "first · as service_manager",
        "second · as service_manager",
    ]
