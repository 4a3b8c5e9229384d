"""Accounts, passwords, lockout and the append-only audit trail (a real SQLite file)."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from queries import cli
from queries.access.scope import SYSTEM, Scope
from queries.core.errors import AccessDenied, AuthError, ConfigError
from queries.state import accounts

PW = "a long enough password"
T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "accounts.sqlite"


def test_password_is_hashed_and_checked(path: Path) -> None:
    accounts.add(path, "jo", "iro", PW, staff_id="I1")
    stored = sqlite3.connect(path).execute("select password_hash from users").fetchone()[0]
    assert stored.startswith("$argon2id$") and PW not in stored
    scope = accounts.authenticate(path, "jo", PW, 5, 15, T0)
    assert scope == Scope("jo", "iro", "I1", None)
    with pytest.raises(AuthError, match="Wrong user name or password"):
        accounts.authenticate(path, "jo", "not it at all", 5, 15, T0)
    with pytest.raises(AuthError, match="Wrong user name or password"):
        accounts.authenticate(path, "nobody", PW, 5, 15, T0)


def test_three_failures_lock_for_the_set_minutes(path: Path) -> None:
    accounts.add(path, "jo", "service_manager", PW)
    for _ in range(2):
        with pytest.raises(AuthError, match="Wrong user name"):
            accounts.authenticate(path, "jo", "wrong password", 3, 10, T0)
    with pytest.raises(AuthError, match="now locked for 10 minutes after 3 failed"):
        accounts.authenticate(path, "jo", "wrong password", 3, 10, T0)
    # Locked at 09:00 for 10 minutes: the right password is refused at 09:09 ...
    with pytest.raises(AuthError, match="until 09:10 UTC"):
        accounts.authenticate(path, "jo", PW, 3, 10, T0 + dt.timedelta(minutes=9))
    # ... and accepted at 09:11.
    assert accounts.authenticate(path, "jo", PW, 3, 10, T0 + dt.timedelta(minutes=11)).user == "jo"


def test_a_success_resets_the_failure_count(path: Path) -> None:
    accounts.add(path, "jo", "service_manager", PW)
    for _ in range(2):
        with pytest.raises(AuthError):
            accounts.authenticate(path, "jo", "wrong password", 3, 10, T0)
    accounts.authenticate(path, "jo", PW, 3, 10, T0)
    with pytest.raises(AuthError, match="Wrong user name"):  # a fresh count: not locked
        accounts.authenticate(path, "jo", "wrong password", 3, 10, T0)
    assert accounts.get(path, "jo").failed == 1  # type: ignore[union-attr]


def test_sso_accounts_have_no_password_to_guess(path: Path) -> None:
    accounts.add(path, "sam@council.gov.uk", "team_manager", None, team="North")
    with pytest.raises(AuthError, match="Wrong user name or password"):
        accounts.authenticate(path, "sam@council.gov.uk", "", 5, 15, T0)


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
def test_bad_accounts_are_refused(path: Path, args: tuple, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match=message):
        accounts.add(path, *args)
    assert accounts.list_accounts(path) == []


def test_audit_is_append_only_and_searchable(path: Path) -> None:
    who = Scope("jo", "service_manager")
    accounts.record(path, who, "view", "review_records 2020-04-01 team=North", 12, "10.0.0.5")
    accounts.record(path, Scope("al", "iro", "I1"), "export", "=HYPERLINK(evil).csv", 3)
    con = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("update audit set rows = 0")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("delete from audit")
    found = accounts.search(path, SYSTEM, username="jo")
    assert found[["username", "action", "rows"]].values.tolist() == [["jo", "view", 12]]
    assert len(accounts.search(path, SYSTEM, text="North")) == 1
    assert len(accounts.search(path, SYSTEM, text="%")) == 0  # a wildcard is only a character
    assert len(accounts.search(path, SYSTEM, since=dt.date.today())) == 2
    assert len(accounts.search(path, SYSTEM, until=dt.date.today() - dt.timedelta(1))) == 0
    with pytest.raises(AccessDenied, match="admins only"):
        accounts.search(path, who)
    csv_text = accounts.audit_csv(accounts.search(path, SYSTEM))
    assert "'=HYPERLINK(evil).csv" in csv_text  # neutralised for spreadsheets


def run_cli(monkeypatch: pytest.MonkeyPatch, path: Path, *argv: str, stdin: str = "") -> str:
    monkeypatch.setenv("SQA_ACCOUNTS_DB", str(path))
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    code = cli.main(list(argv))
    assert code == 0
    return out.getvalue()


def test_sqa_users_commands(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    run_cli(monkeypatch, path, "users", "add", "jo", "--role", "iro", "--staff-id", "I1",
            "--password-stdin", stdin=PW + "\n")  # fmt: skip
    run_cli(monkeypatch, path, "users", "add", "sam", "--role", "admin", "--sso")
    listed = run_cli(monkeypatch, path, "users", "list")
    assert '"username": "jo"' in listed and '"sign_in": "proxy only"' in listed
    assert "argon2" not in listed  # no hashes printed
    run_cli(monkeypatch, path, "users", "set-role", "jo", "team_manager", "--team", "North")
    assert accounts.get(path, "jo").scope() == Scope("jo", "team_manager", None, "North")  # type: ignore[union-attr]
    run_cli(monkeypatch, path, "users", "remove", "sam")
    assert [a.username for a in accounts.list_accounts(path)] == ["jo"]


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
    monkeypatch: pytest.MonkeyPatch, path: Path
) -> None:
    made = run_cli(monkeypatch, path, "users", "demo")
    assert '"username": "iro-s0001"' in made
    accounts.add(path, "real.person", "service_manager", PW)
    monkeypatch.setenv("SQA_ACCOUNTS_DB", str(path))
    assert cli.main(["users", "demo"]) == 2


def test_sqa_audit_exports_csv_oldest_first(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    accounts.record(path, Scope("jo", "service_manager"), "view", "first", 1)
    accounts.record(path, Scope("jo", "service_manager"), "export", "second", 2)
    text = run_cli(monkeypatch, path, "audit", "--since", dt.date.today().isoformat())
    lines = text.splitlines()
    assert lines[0] == "at,username,action,detail,rows,address"
    assert [line.split(",")[3] for line in lines[1:]] == ["first", "second"]
