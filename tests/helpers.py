"""Test helpers: write a small extract as CSV files and load it with the real loader."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from queries.ingest.contract import TABLES_BY_NAME
from queries.ingest.loader import LoadReport, load_extract

AS_OF = dt.datetime(2026, 10, 31, 22, 0, tzinfo=dt.UTC)

# The smallest extract the contract accepts: every required file with one good row.
BASE: dict[str, list[dict[str, str]]] = {
    "staff": [
        {"staff_id": "I1", "staff_name": "Iro One", "role": "IRO", "team": "North"},
        {"staff_id": "I2", "staff_name": "Iro Two", "role": "IRO", "team": "South"},
        {"staff_id": "H1", "staff_name": "Chair One", "role": "CP_CHAIR", "team": "CP"},
    ],
    "children": [{"child_id": f"C{i}", "date_of_birth": "2010-01-01"} for i in range(1, 10)],
    "cla_periods": [{"period_id": "P0", "child_id": "C9", "start_date": "2015-01-05"}],
    "cla_reviews": [
        {
            "review_id": "R0",
            "child_id": "C9",
            "review_date": "2015-01-20",
            "iro_id": "I1",
            "participation_code": "PN1",
        }
    ],
    "s47_enquiries": [{"enquiry_id": "E0", "child_id": "C9", "s47_start_date": "2015-01-05"}],
    "cp_plans": [{"plan_id": "L0", "child_id": "C9", "start_date": "2015-01-20"}],
    "cp_conferences": [
        {
            "conference_id": "K0",
            "child_id": "C9",
            "conference_date": "2015-01-20",
            "conference_type": "ICPC",
            "chair_id": "H1",
            "enquiry_id": "E0",
            "plan_id": "L0",
        }
    ],
}


def write_extract(
    folder: Path,
    tables: Mapping[str, Sequence[Mapping[str, str]]] | None = None,
    replace: bool = False,
) -> Path:
    """Write ``BASE`` plus ``tables`` (rows appended, or replacing with ``replace``)."""
    folder.mkdir(parents=True, exist_ok=True)
    merged: dict[str, list[Mapping[str, str]]] = {k: list(v) for k, v in BASE.items()}
    for name, rows in (tables or {}).items():
        merged[name] = list(rows) if replace else merged.get(name, []) + list(rows)
    for name, rows in merged.items():
        cols = [c.name for c in TABLES_BY_NAME[name].columns]
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, cols)
            w.writeheader()
            for row in rows:
                w.writerow(dict(row))
    return folder


def load(folder: Path, db: Path, closures: tuple[dt.date, ...] = ()) -> LoadReport:
    return load_extract(folder, db, closures=closures, as_of=AS_OF)


def build(
    tmp: Path,
    tables: Mapping[str, Sequence[Mapping[str, str]]] | None = None,
    closures: tuple[dt.date, ...] = (),
) -> duckdb.DuckDBPyConnection:
    """Load ``BASE`` + ``tables`` into a fresh database file; a read-only connection."""
    folder = write_extract(tmp / "extract", tables)
    db = tmp / "sqa.duckdb"
    load(folder, db, closures)
    return duckdb.connect(str(db), read_only=True)


def review(rid: str, child: str, date: str, code: str = "PN1", iro: str = "I1") -> dict[str, str]:
    return {
        "review_id": rid,
        "child_id": child,
        "review_date": date,
        "iro_id": iro,
        "participation_code": code,
    }


def period(pid: str, child: str, start: str, end: str = "") -> dict[str, str]:
    return {"period_id": pid, "child_id": child, "start_date": start, "end_date": end}


def rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, object] | None = None
) -> list[tuple[object, ...]]:
    return con.execute(sql, dict(params or {})).fetchall()
