"""A real app over a real database built from a few hand-made rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dash
import flask
import pytest

from queries.access.scope import Scope
from queries.core.settings import load_settings
from tests.helpers import build, period, review


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dash.Dash]:
    from dashboard.shell import create_app

    tmp = tmp_path_factory.mktemp("app")
    build(
        tmp,
        {
            "staff": [
                {"staff_id": "I3", "staff_name": "Iro Three", "role": "IRO", "team": "North"}
            ],
            "cla_periods": [period("P1", "C1", "2020-04-02"), period("P2", "C2", "2020-04-24")],
            "cla_reviews": [
                # C1: due Mon 4 May 2020, held then (on time), PN1, by I1 (North).
                review("R1", "C1", "2020-05-04", "PN1", "I1"),
                # C2: due Tue 26 May 2020, held 27 May (late), PN7, by I2 (South).
                review("R2", "C2", "2020-05-27", "PN7", "I2"),
                # C1 again: due 4 May + 3 months = 4 Aug 2020, held 3 Aug (on time), PN5, by I3.
                review("R3", "C1", "2020-08-03", "PN5", "I3"),
            ],
        },
    )
    settings = load_settings(
        environ={
            "SQA_DB": str(tmp / "sqa.duckdb"),
            "SQA_AUTO_DEMO": "0",
            "SQA_CACHE_TYPE": "SimpleCache",
            "SQA_ACCOUNTS_DB": str(tmp / "accounts.sqlite"),
            "SQA_SECRET_KEY_FILE": str(tmp / "secret-key"),
            "SQA_TRUSTED_PROXIES": "10.9.9.0/24",
            "SQA_SNAPSHOTS_DB": str(tmp / "snapshots.sqlite"),
            "SQA_CACHE_DIR": str(tmp / "cache"),
            "SQA_TODAY": "2026-10-31",  # the fixture's extract date: the worklist's day
        }
    )
    yield create_app(settings)  # Dash imports every page here, as dashboard.pages.<name>


MANAGER = Scope("test-manager", "service_manager")


@pytest.fixture(autouse=True)
def viewer(request: pytest.FixtureRequest) -> Iterator[Scope | None]:
    """Callbacks called as plain functions run in a request signed in as a service
    manager, unless the test needs no app (then nothing is pushed)."""
    if "app" not in request.fixturenames or request.node.get_closest_marker("http"):
        yield None
        return
    app = request.getfixturevalue("app")
    with app.server.test_request_context("/"):
        flask.g.sqa_scope = MANAGER
        yield MANAGER


@pytest.fixture
def db_path(app: dash.Dash) -> Path:
    from dashboard import data

    return data.settings().db_path
