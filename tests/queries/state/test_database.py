"""The state database itself: migrations (Alembic), adopting a file made before them,
``sqa migrate``, ``sqa state copy`` into a real PostgreSQL, and the messages when the
configured database is wrong or out of reach."""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from queries import cli
from queries.access.scope import SYSTEM, Scope
from queries.core.errors import AuthError, ConfigError
from queries.core.settings import load_settings
from queries.state import accounts, database, snapshots
from queries.state.copy import copy_state
from tests.queries.state.conftest import raw, use
from tests.servers import Postgres

PW = "a long enough password"
T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)

# The accounts file as the first release wrote it (before migrations, before the audit
# had its structured columns): a service upgrading from it must keep every record.
FIRST_RELEASE = """
create table users (username text primary key, role text not null, staff_id text,
    team text, password_hash text, failed integer not null default 0, locked_until text,
    created_at text not null, updated_at text not null);
create table audit (id integer primary key autoincrement, at text not null,
    username text not null, action text not null, detail text not null,
    rows integer not null, address text);
create index audit_at on audit (at);
create trigger audit_no_update before update on audit
begin select raise(abort, 'the audit log is append-only'); end;
insert into users values ('old.hand', 'service_manager', null, null, null, 0, null,
    '2025-01-01T00:00:00+00:00', '2025-01-01T00:00:00+00:00');
insert into audit (at, username, action, detail, rows, address) values
    ('2025-01-02T09:00:00+00:00', 'old.hand', 'view', 'review_records 2024-25', 40, '10.0.0.5'),
    ('2025-01-03T09:00:00+00:00', 'old.hand', 'export', 'cla_reviews.csv', 40, '10.0.0.5');
"""


def sqa(monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    return cli.main(list(argv)), out.getvalue()


def test_a_file_from_before_migrations_is_adopted_with_every_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "accounts.sqlite"
    with sqlite3.connect(old) as con:
        con.executescript(FIRST_RELEASE)
    use(monkeypatch, old)
    code, out = sqa(monkeypatch, "migrate")
    assert code == 0
    assert json.loads(out) == [{"database": f"sqlite:///{old}", "from": None, "to": "0001"}]
    # The two old records are there, the new columns empty, and new records structured.
    accounts.record(old, Scope("jo", "team_manager", team="North"), "view", "now", 2)
    log = accounts.search(old, SYSTEM)
    assert log["detail"].tolist() == [
        "now · as team_manager North",
        "cla_reviews.csv",
        "review_records 2024-25",
    ]
    with sqlite3.connect(old) as con:
        rows = con.execute("select id, role, scope from audit order by id").fetchall()
        assert rows == [(1, None, None), (2, None, None), (3, "team_manager", "North")]
        # The delete trigger the first release lacked is there now.
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute("delete from audit")
    assert accounts.get(old, "old.hand") is not None
    # A second run has nothing to do.
    assert json.loads(sqa(monkeypatch, "migrate")[1])[0]["from"] == "0001"


def test_migrate_on_a_new_postgresql_database(
    postgres_server: Postgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_server.url(postgres_server.new_database("mig"))
    use(monkeypatch, url)
    code, out = sqa(monkeypatch, "migrate")
    assert code == 0
    shown = json.loads(out)
    # One database for both accounts and snapshots; its password is never printed.
    assert len(shown) == 1 and shown[0]["from"] is None and shown[0]["to"] == "0001"
    assert ":***@" in shown[0]["database"] and "pg-test-password" not in out
    with raw(url).connect() as con:
        tables = set(sa.inspect(con).get_table_names())
    assert tables >= {"users", "sessions", "audit", "held_tables", "sign_in_failures",
                      "snapshots", "commentary", "alembic_version"}  # fmt: skip
    database.dispose()


def test_with_migrate_off_an_old_schema_is_refused_with_what_to_run(
    postgres_server: Postgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_server.url(postgres_server.new_database("off"))
    use(monkeypatch, url)
    monkeypatch.setenv("SQA_STATE_MIGRATE", "0")
    with pytest.raises(ConfigError, match=r"at schema revision none.*run `sqa migrate`"):
        accounts.list_accounts(url)
    assert sqa(monkeypatch, "migrate")[0] == 0
    assert accounts.list_accounts(url) == []
    database.dispose()


def test_two_servers_starting_together_migrate_one_at_a_time(
    postgres_server: Postgres, tmp_path: Path
) -> None:
    for where in (postgres_server.url(postgres_server.new_database("race")),
                  f"sqlite:///{tmp_path / 'race.sqlite'}"):  # fmt: skip
        env = {"SQA_STATE_URL": where, "PATH": "/usr/bin:/bin"}
        runs = [
            subprocess.Popen([sys.executable, "-m", "queries.cli", "users", "list"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(4)
        ]  # fmt: skip
        results = [(r.wait(timeout=120), r.stderr.read()) for r in runs]
        assert results == [(0, "")] * 4, where
        with raw(where).connect() as con:
            assert con.execute(sa.text("select version_num from alembic_version")).all() == [
                ("0001",)
            ]


def _fill(accounts_file: Path, snapshots_file: Path) -> str:
    """A service's state as one server has kept it: the live session's token."""
    accounts.add(accounts_file, "jo", "service_manager", PW)
    accounts.add(accounts_file, "al", "iro", PW, staff_id="I1")
    with pytest.raises(AuthError):
        accounts.authenticate(accounts_file, "jo", "not it at all", 5, 15, T0, "10.0.0.66")
    token = accounts.start_session(accounts_file, "jo", "10.0.0.5")
    for i in range(3):
        accounts.record(accounts_file, Scope("jo", "service_manager"), "view", f"page {i}", i)
    accounts.hold_table(accounts_file, "jo", "t", "A table", ["a"], [[1]])
    boss = Scope("jo", "service_manager")
    snapshots.save_commentary(snapshots_file, boss, "2020-21 Q4", "cla_reviews_on_time", "Up.")
    return token


def test_state_copy_moves_everything_into_postgresql(
    postgres_server: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, s = tmp_path / "accounts.sqlite", tmp_path / "snapshots.sqlite"
    token = _fill(a, s)
    before = accounts.search(a, SYSTEM)
    url = postgres_server.url(postgres_server.new_database("copy"))
    monkeypatch.setenv("SQA_ACCOUNTS_DB", str(a))
    monkeypatch.setenv("SQA_SNAPSHOTS_DB", str(s))
    code, out = sqa(monkeypatch, "state", "copy", "--to", url)
    assert code == 0
    report = json.loads(out)
    assert report["rows"] == {"users": 2, "sessions": 1, "sign_in_failures": 1,
                              "held_tables": 1, "audit": 3, "snapshots": 0,
                              "commentary": 1}  # fmt: skip
    assert "pg-test-password" not in out
    # On the shared database: the same people, password, live session, trail, commentary.
    assert [x.username for x in accounts.list_accounts(url)] == ["al", "jo"]
    assert accounts.authenticate(url, "jo", PW, 5, 15, T0, "10.0.0.5").user == "jo"
    live = accounts.check_session(url, token, 8, 12)
    assert live is not None and live.username == "jo"
    after = accounts.search(url, SYSTEM)
    assert after.values.tolist() == before.values.tolist()
    assert snapshots.commentary(url, "2020-21 Q4")["cla_reviews_on_time"]["body"] == "Up."
    # The next record follows the copied ones: ids are not reused.
    accounts.record(url, SYSTEM, "view", "after the move", 0)
    with raw(url).connect() as con:
        ids = [r[0] for r in con.execute(sa.text("select id from audit order by id"))]
    assert ids == [1, 2, 3, 4]
    # A second copy would duplicate the trail: refused, nothing written.
    with pytest.raises(ConfigError, match="already holds 2 rows of users"):
        copy_state(a, s, url)
    assert len(accounts.search(url, SYSTEM)) == 4
    database.dispose()


def test_state_copy_refuses_what_it_cannot_do(postgres_server: Postgres, tmp_path: Path) -> None:
    a, s = tmp_path / "accounts.sqlite", tmp_path / "snapshots.sqlite"
    _fill(a, s)
    with pytest.raises(ConfigError, match="there is no state file .*nope.sqlite"):
        copy_state(tmp_path / "nope.sqlite", s, "postgresql+psycopg://sqa@127.0.0.1:1/x")
    with pytest.raises(ConfigError, match="give --to the URL of the new, shared database"):
        copy_state(a, s, f"sqlite:///{a}")
    # Nothing listens on port 1: said plainly, without the password.
    with pytest.raises(ConfigError, match=r"cannot reach the state database postgresql\+psycopg"
                                         r"://sqa:\*\*\*@127\.0\.0\.1:1/x") as err:  # fmt: skip
        copy_state(a, s, "postgresql+psycopg://sqa:s3cret@127.0.0.1:1/x")
    assert "s3cret" not in str(err.value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not a url", "is not a database URL"),
        ("mysql://u@h/db", "names mysql; the state database is PostgreSQL"),
    ],
)
def test_a_wrong_state_url_is_refused_with_a_sentence(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({"SQA_STATE_URL": value})


def test_the_shared_database_holds_both_accounts_and_snapshots() -> None:
    url = "postgresql+psycopg://sqa@db.example/sqa"
    settings = load_settings({"SQA_STATE_URL": url})
    assert settings.accounts_state == settings.snapshots_state == url
    plain = load_settings({})
    assert plain.accounts_state == plain.accounts_db and plain.snapshots_state == plain.snapshots_db
