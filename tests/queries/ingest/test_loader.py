"""Loading an extract: every class of bad input gets a clear message, nothing is lost."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from queries.core import db
from queries.core.errors import ExtractError, LoadBusyError
from queries.ingest.loader import load_extract
from queries.ingest.store import good_loads, load_lock, log_path_for, store_dir
from queries.measures.records import data_years
from tests.helpers import AS_OF, build, load, period, review, rows, write_extract


@pytest.fixture
def serving(tmp_path: Path) -> tuple[Path, str]:
    """A database already serving a good load, and that load's id."""
    folder = write_extract(tmp_path / "good")
    db_path = tmp_path / "sqa.duckdb"
    report = load(folder, db_path)
    return db_path, report.load_id


def _still_serving(db_path: Path, load_id: str) -> None:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        assert rows(con, "select load_id from load_info") == [(load_id,)]
        assert rows(con, "select count(*) from cla_reviews") == [(1,)]
    finally:
        con.close()
    leftovers = [p.name for p in store_dir(db_path).iterdir() if ".building-" in p.name]
    assert leftovers == []


def _edit(name: str, text: str | bytes) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")

    return apply


def _rename_column(name: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / name
        lines = path.read_text().splitlines(keepends=True)
        lines[0] = lines[0].replace(old, new)
        path.write_text("".join(lines))

    return apply


REVIEWS_HEAD = (
    "review_id,child_id,review_date,iro_id,participation_code,review_format,"
    "minutes_completed_date\n"
)

FATAL = [
    (
        "missing_file",
        lambda f: (f / "cla_reviews.csv").unlink(),
        "required file cla_reviews.csv is missing",
    ),
    ("empty_file", _edit("staff.csv", ""), "staff.csv: the file is empty (no header row)"),
    (
        "header_only",
        _edit("cla_reviews.csv", REVIEWS_HEAD),
        "cla_reviews.csv: has a header but no usable rows",
    ),
    (
        "missing_column",
        _rename_column("cla_reviews.csv", "review_date,", "reviewdate,"),
        "cla_reviews.csv: required column 'review_date' is missing (found 'reviewdate': "
        "rename it to 'review_date')",
    ),
    (
        "duplicated_column",
        _rename_column("cla_reviews.csv", "review_format", "review_date"),
        "cla_reviews.csv: column 'review_date' appears more than once",
    ),
    (
        "semicolons",
        _edit("children.csv", "child_id;date_of_birth\nC1;2010-01-01\n"),
        "children.csv: the header is separated by semicolons",
    ),
    (
        "tabs",
        _edit("children.csv", "child_id\tdate_of_birth\nC1\t2010-01-01\n"),
        "children.csv: the header is separated by tabs",
    ),
    (
        "binary",
        _edit("staff.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        "staff.csv: contains binary data (NUL bytes)",
    ),
    (
        "bad_encoding",
        _edit("staff.csv", b"staff_id,staff_name,role,team\nI1,\x81\x8d,IRO,N\n"),
        "staff.csv: line 2: byte 0x81 is neither UTF-8 nor Windows-1252",
    ),
    (
        "open_quote",
        _edit("children.csv", 'child_id,date_of_birth\nC1,"2010-01-01\n'),
        "children.csv: line 2: the CSV cannot be parsed",
    ),
    (
        "utf16",
        _edit("staff.csv", "staff_id,staff_name,role,team\n".encode("utf-16")),
        "staff.csv: is UTF-16 (Excel's 'Unicode text'); re-export it as CSV UTF-8",
    ),
    (
        "pipes",
        _edit("children.csv", "child_id|date_of_birth\nC1|2010-01-01\n"),
        "children.csv: the header is separated by pipes",
    ),
    (
        "several_files_missing",
        lambda f: [(f / n).unlink() for n in ("staff.csv", "cp_plans.csv")],
        "required file staff.csv is missing from",
    ),
    (
        "no_usable_codes",
        _edit(
            "cp_conferences.csv",
            "conference_id,child_id,conference_date,conference_type,chair_id\n"
            "K1,C9,2015-01-20,CORE,H1\nK2,C9,2015-02-20,STRAT,H1\n",
        ),
        "cp_conferences.csv: column 'conference_type' has no usable codes in any of its 2 rows",
    ),
    (
        "required_column_renamed",
        _rename_column("staff.csv", "staff_name", "name"),
        "staff.csv: required column 'staff_name' is missing (found 'name': rename it to",
    ),
    (
        "empty_optional_file",
        _edit("drps.csv", ""),
        "drps.csv: the file is empty (no header row)",
    ),
    (
        "all_us_dates",
        _edit(
            "cla_reviews.csv",
            REVIEWS_HEAD + "R0,C9,12/25/2015,I1,PN1,,\nR1,C9,01/31/2016,I1,PN1,,\n",
        ),
        "cla_reviews.csv: column 'review_date' has no usable dates in any of its 2 rows (first: '",
    ),
]


@pytest.mark.parametrize(("case", "breaker", "message"), FATAL, ids=[c[0] for c in FATAL])
def test_unusable_extract_fails_and_keeps_previous_data(
    tmp_path: Path,
    serving: tuple[Path, str],
    case: str,
    breaker: Callable[[Path], None],
    message: str,
) -> None:
    db_path, load_id = serving
    folder = write_extract(tmp_path / "bad")
    breaker(folder)
    with pytest.raises(ExtractError) as err:
        load(folder, db_path)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    _still_serving(db_path, load_id)
    last = json.loads(log_path_for(db_path).read_text().splitlines()[-1])
    assert last["status"] == "failed" and message in last["error"]


def test_missing_folder(tmp_path: Path, serving: tuple[Path, str]) -> None:
    db_path, load_id = serving
    with pytest.raises(ExtractError, match="does not exist or is not a folder"):
        load(tmp_path / "nowhere", db_path)
    _still_serving(db_path, load_id)


def test_unreadable_file(tmp_path: Path, serving: tuple[Path, str]) -> None:
    db_path, load_id = serving
    folder = write_extract(tmp_path / "bad")
    (folder / "staff.csv").unlink()
    (folder / "staff.csv").mkdir()  # a folder where a file should be cannot be read
    with pytest.raises(ExtractError, match=r"staff\.csv: cannot be read"):
        load(folder, db_path)
    _still_serving(db_path, load_id)


def test_second_load_is_refused_while_one_runs(tmp_path: Path, serving: tuple[Path, str]) -> None:
    db_path, load_id = serving
    folder = write_extract(tmp_path / "next")
    with load_lock(db_path):
        with pytest.raises(LoadBusyError, match="another load into .* is running"):
            load(folder, db_path)
    _still_serving(db_path, load_id)
    assert load(folder, db_path).status == "ok"  # and once the lock is free, it loads


def _rejects(tmp_path: Path, tables: dict[str, list[dict[str, str]]]) -> list[tuple[object, ...]]:
    con = build(tmp_path, tables)
    return rows(
        con,
        "select file, line, column_name, value, reason_code from rejects "
        "order by file, line, column_name",
    )


def test_row_rules_set_rows_aside_with_file_line_column_and_reason(tmp_path: Path) -> None:
    # BASE's cla_reviews.csv holds R0 at line 2; these rows follow at lines 3 onwards.
    got = _rejects(
        tmp_path,
        {
            "cla_reviews": [
                review("R1", "C1", "12/25/2020"),  # 3: US order -> not a date
                review("R2", "C1", "1985-06-01"),  # 4: before 1990
                review("R3", "C1", "2027-01-01"),  # 5: after the extract date (31 Oct 2026)
                review("R4", "NOBODY", "2020-06-01"),  # 6: child not in children.csv
                review("R5", "C1", "2020-06-01", iro="X9"),  # 7: IRO not in staff.csv
                review("R0", "C1", "2020-06-02"),  # 8: duplicate key of line 2
                review("R6", "C1", ""),  # 9: required date blank
                {**review("R7", "C1", "2020-06-01"), "review_format": "ZOOM"},  # 10: unknown code
                {
                    **review("R8", "C1", "2020-06-01"),
                    "minutes_completed_date": "2020-05-01",
                },  # 11: minutes before the review
            ]
        },
    )
    assert got == [
        ("cla_reviews.csv", 3, "review_date", "12/25/2020", "bad_date"),
        ("cla_reviews.csv", 4, "review_date", "1985-06-01", "date_out_of_range"),
        ("cla_reviews.csv", 5, "review_date", "2027-01-01", "date_in_future"),
        ("cla_reviews.csv", 6, "child_id", "NOBODY", "orphan_id"),
        ("cla_reviews.csv", 7, "iro_id", "X9", "orphan_id"),
        ("cla_reviews.csv", 8, "review_id", "R0", "duplicate_key"),
        ("cla_reviews.csv", 9, "review_date", None, "blank_required"),
        ("cla_reviews.csv", 10, "review_format", "ZOOM", "unknown_code"),
        ("cla_reviews.csv", 11, "minutes_completed_date", "2020-05-01", "end_before_start"),
    ]


def test_orphans_cascade_from_a_rejected_parent(tmp_path: Path) -> None:
    got = _rejects(
        tmp_path,
        {
            "children": [{"child_id": "C77", "date_of_birth": "not a date"}],
            "cla_reviews": [review("R1", "C77", "2020-06-01")],
        },
    )
    assert [(g[0], g[4]) for g in got] == [
        ("children.csv", "bad_date"),
        ("cla_reviews.csv", "orphan_id"),
    ]


def test_formats_the_contract_allows(tmp_path: Path) -> None:
    folder = write_extract(tmp_path / "x")
    # Windows-1252 with a UK date, a time part, lower-case codes, an extra column, CRLF.
    (folder / "staff.csv").write_bytes(
        "staff_id,staff_name,role,team,payroll_no\r\n"
        "I1,Zoë Brontë,iro,North,123\r\nI2,Two,IRO,South,\r\nH1,Chair,cp_chair,CP,\r\n"
        "007,Agent,manager,CP,\r\n".encode("cp1252")
    )
    # UTF-8 with a BOM; a quoted value spanning two lines; a blank line.
    (folder / "children.csv").write_bytes(
        "\ufeffchild_id,date_of_birth,ethnicity\n"
        'C1,01/02/2010,"WBRI\nsecond line"\n\nC9,2010-01-01T00:00:00,\n'
        "C2,2011-02-03 10:30,\n".encode()
    )
    db_path = tmp_path / "sqa.duckdb"
    report = load(folder, db_path)
    con = duckdb.connect(str(db_path), read_only=True)
    assert rows(con, "select staff_id, staff_name, role from staff order by staff_id") == [
        ("007", "Agent", "MANAGER"),
        ("H1", "Chair", "CP_CHAIR"),
        ("I1", "Zoë Brontë", "IRO"),
        ("I2", "Two", "IRO"),
    ]
    # The quoted newline keeps C9 on line 5 of the file (lines 2-3 are C1, 4 is blank).
    assert rows(con, "select child_id, date_of_birth, source_line from children order by 1") == [
        ("C1", dt.date(2010, 2, 1), 2),
        ("C2", dt.date(2011, 2, 3), 6),
        ("C9", dt.date(2010, 1, 1), 5),
    ]
    assert report.rejects == {}


def test_a_short_row_is_set_aside(tmp_path: Path) -> None:
    folder = write_extract(tmp_path / "x")
    with (folder / "children.csv").open("a") as fh:
        fh.write("C50,2012-")  # the export was cut off mid-line
    load(folder, tmp_path / "sqa.duckdb")
    con = duckdb.connect(str(tmp_path / "sqa.duckdb"), read_only=True)
    assert rows(con, "select line, reason_code from rejects") == [(11, "wrong_field_count")]


def test_a_field_of_megabytes_is_set_aside(tmp_path: Path) -> None:
    got = _rejects(
        tmp_path,
        {
            "cla_periods": [
                {
                    "period_id": "P1",
                    "child_id": "C1",
                    "start_date": "2020-01-01",
                    "placement_type": "x" * 3_000_000,
                }
            ]
        },
    )
    assert got == [("cla_periods.csv", 3, "placement_type", "x" * 200 + "…", "value_too_long")]


def test_reload_replaces_and_a_reader_sees_the_new_load(tmp_path: Path) -> None:
    folder = write_extract(tmp_path / "a")
    db_path = tmp_path / "sqa.duckdb"
    first = load(folder, db_path)
    con1, id1 = db.cursor(db_path)
    second = load(folder, db_path)
    con2, id2 = db.cursor(db_path)
    assert (id1, id2) == (first.load_id, second.load_id)
    assert id1 != id2
    # The reader opened before the swap still answers, from the file it opened.
    assert con1.execute("select load_id from load_info").fetchall() == [(first.load_id,)]
    log = [json.loads(line) for line in log_path_for(db_path).read_text().splitlines()]
    assert [entry["status"] for entry in log] == ["ok", "ok"]
    assert log[-1]["rows"]["cla_reviews"] == 1


def test_load_report_counts_rejects_per_reason(tmp_path: Path) -> None:
    folder = write_extract(
        tmp_path / "a",
        {
            "cla_reviews": [
                review("R1", "C1", "31/02/2020"),
                review("R2", "C1", "2020-13-01"),
                review("R3", "ZZ", "2020-05-01"),
            ]
        },
    )
    report = load(folder, tmp_path / "sqa.duckdb")
    assert report.rejects == {"bad_date": 2, "orphan_id": 1}
    assert report.rows["cla_reviews"] == 1
    assert report.files_absent == [
        "iro_allocations.csv",
        "direct_contacts.csv",
        "drps.csv",
        "practice_acknowledgements.csv",
        "audits.csv",
        "feedback.csv",
    ]


def test_demo_extract_is_deterministic_and_loads_clean(tmp_path: Path) -> None:
    from queries.ingest.demo import write_demo_extract

    end = dt.date(2021, 3, 31)
    a = write_demo_extract(tmp_path / "a", end=end, scale=0.25)
    b = write_demo_extract(tmp_path / "b", end=end, scale=0.25)
    assert a == b
    for name in a:
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == (
            tmp_path / "b" / f"{name}.csv"
        ).read_bytes()
    report = load(tmp_path / "a", tmp_path / "sqa.duckdb")
    assert report.rejects == {}
    assert all(report.rows[name] > 0 for name in a)
    with (tmp_path / "a" / "staff.csv").open() as fh:
        roles = [r["role"] for r in csv.DictReader(fh)]
    assert roles.count("IRO") >= 2 and "CP_CHAIR" in roles


def test_keeps_the_newest_loads_and_points_at_the_last(tmp_path: Path) -> None:
    folder = write_extract(tmp_path / "a")
    db_path = tmp_path / "sqa.duckdb"
    ids = [load_extract(folder, db_path, as_of=AS_OF, keep=2).load_id for _ in range(3)]
    kept = good_loads(db_path)
    assert [p.name.split("-")[1].removesuffix(".duckdb") for p in kept] == ids[1:]
    assert db_path.resolve() == kept[-1].resolve()


def test_an_optional_file_with_only_a_header_loads(tmp_path: Path) -> None:
    folder = write_extract(tmp_path / "x")
    (folder / "drps.csv").write_text("drp_id,child_id,raised_by,raised_date,level\n")
    report = load(folder, tmp_path / "sqa.duckdb")
    assert report.status == "ok" and report.rows["drps"] == 0
    assert "drps.csv" not in report.files_absent


def test_header_names_in_any_case_and_spacing(tmp_path: Path) -> None:
    folder = write_extract(tmp_path / "x")
    text = (folder / "staff.csv").read_text().splitlines()
    text[0] = " Staff_ID , STAFF_NAME,Role ,team, Start_Date,END_DATE"
    (folder / "staff.csv").write_text("\n".join(text) + "\n")
    assert load(folder, tmp_path / "sqa.duckdb").rows["staff"] == 3


def test_measure_events_are_stored_and_the_years_are_counted_at_load(tmp_path: Path) -> None:
    con = build(
        tmp_path,
        {
            "cla_periods": [period("P1", "C1", "2020-04-02")],
            # 4 May 2020 is in 2020-21, 6 Apr 2021 in 2021-22; BASE's R0 (20 Jan 2015) and
            # ICPC K0 (20 Jan 2015) are in 2014-15.
            "cla_reviews": [review("R1", "C1", "2020-05-04"), review("R2", "C1", "2021-04-06")],
        },
    )
    try:
        # Both stacks are stored tables (a view of eight branches costs every query its
        # planning), in measure order and by date within each measure.
        assert rows(
            con,
            "select table_name from duckdb_tables() where table_name in "
            "('measure_events', 'count_events') order by 1",
        ) == [("count_events",), ("measure_events",)]
        assert rows(con, "select count(*) from duckdb_views() where not internal") == [(0,)]
        # Each review is in timeliness, participation (PN1), attendance (PN1) and minutes
        # (none recorded, every deadline long past by 31 Oct 2026); no contacts file rows,
        # so no contact measure; K0 is the one ICPC; no RCPC, no feedback.
        per_year = [
            (m, fy, 1) for m in ("cla_attendance", "cla_participation") for fy in (2014, 2020, 2021)
        ]
        assert rows(con, "select measure, fy_start, events from measure_years") == [
            *per_year,
            *[("cla_reviews_on_time", fy, 1) for fy in (2014, 2020, 2021)],
            ("icpc_within_15_working_days", 2014, 1),
            *[("minutes_within_20_working_days", fy, 1) for fy in (2014, 2020, 2021)],
        ]
        assert data_years(con) == [2021, 2020, 2014]
        assert data_years(con, ("icpc_within_15_working_days",)) == [2014]
    finally:
        con.close()
    # A database loaded before the years were counted at load still gives them.
    old = duckdb.connect(str((tmp_path / "sqa.duckdb").resolve()))
    try:
        old.execute("drop table measure_years")
        assert data_years(old) == [2021, 2020, 2014]
    finally:
        old.close()
