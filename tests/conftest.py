"""Fixtures every test folder may use: the real servers of :mod:`tests.servers`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import Postgres, start_postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    """One real PostgreSQL server for the whole test session."""
    yield from start_postgres()
