"""Every state test runs twice: on a SQLite file (the embedded default) and on a fresh
database of a real PostgreSQL server (``SQA_STATE_URL``), through the same code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from queries.state import database
from queries.state.database import Location
from tests.servers import Postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Location]:
    if request.param == "sqlite":
        yield tmp_path / "state.sqlite"
    else:
        server: Postgres = request.getfixturevalue("postgres_server")
        yield server.url(server.new_database("state"))
    database.dispose()


def raw(state: Location) -> sa.Engine:
    """An engine of the test's own, beside the app's: to look at what was stored."""
    return sa.create_engine(database.url_of(state))


def use(monkeypatch: pytest.MonkeyPatch, state: Location) -> None:
    """Point the settings (and so ``sqa``) at ``state``."""
    if isinstance(state, Path):
        monkeypatch.setenv("SQA_ACCOUNTS_DB", str(state))
        monkeypatch.setenv("SQA_SNAPSHOTS_DB", str(state))
        monkeypatch.delenv("SQA_STATE_URL", raising=False)
    else:
        monkeypatch.setenv("SQA_STATE_URL", state)
