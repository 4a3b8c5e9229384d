"""A fresh install starts on the demo data; a deployment without data says what to do."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest

from dashboard.shell import ensure_database
from queries.core.errors import ConfigError
from queries.core.settings import load_settings
from queries.ingest import demo


def test_first_start_builds_the_demo_database(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(
        environ={"SQA_DB": str(tmp_path / "sqa.duckdb"), "SQA_DEMO_EXTRACT": str(tmp_path / "demo")}
    )
    with caplog.at_level(logging.INFO, logger="sqa"):
        ensure_database(settings)
    said = [r.getMessage() for r in caplog.records if r.name.startswith("sqa")]
    # Each step is said as it goes, with its counts: generating, loading, the measures.
    steps = ("building the demo authority", "generating the demo extract", "generated ",
             "reading ", "checked cla_reviews.csv: ", "built the measures: ",
             "the demo database is ready")  # fmt: skip
    for step in steps:
        assert any(step in line for line in said), (step, said)
    firsts = [next(i for i, line in enumerate(said) if step in line) for step in steps]
    assert firsts == sorted(firsts)  # in the order they happen
    con = duckdb.connect(str(settings.db_path), read_only=True)
    as_of = con.execute("select extract_as_of from load_info").fetchall()[0][0]
    # Data to the end of last month, extracted at 02:00 the next night.
    assert as_of == demo.extract_time(demo.last_month_end())
    staff = con.execute("select role, count(*) from staff group by 1").fetchall()
    assert dict(staff)["IRO"] == 14
    assert dict(staff)["CP_CHAIR"] + dict(staff)["IRO_CP_CHAIR"] == 6
    in_care = con.execute("select count(*) from cla_periods where end_date is null").fetchall()
    assert 650 <= in_care[0][0] <= 1000  # about 800 children in care at a time


def test_no_database_and_no_demo_says_what_to_do(tmp_path: Path) -> None:
    settings = load_settings(environ={"SQA_DB": str(tmp_path / "sqa.duckdb"), "SQA_AUTO_DEMO": "0"})
    with pytest.raises(ConfigError, match="run `sqa load EXTRACT_DIR` first"):
        ensure_database(settings)
