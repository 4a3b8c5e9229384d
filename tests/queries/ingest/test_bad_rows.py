"""Row-level bad input: each row is set aside with its reason, and nothing else is lost.

Every case appends one bad row to an otherwise good extract (tests/helpers.py BASE), loads
it, and checks the reject (file, line, column, reason, message) and that every good row of
that file is still there.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.helpers import BASE, load, period, review, rows, write_extract


def conf(cid: str, kind: str = "ICPC", **extra: str) -> dict[str, str]:
    return {
        "conference_id": cid,
        "child_id": "C1",
        "conference_date": "2020-06-01",
        "conference_type": kind,
        "chair_id": "H1",
        **extra,
    }


# (case, table, bad row, column, reason code, words in the message)
CASES = [
    (
        "us_order_date",
        "cla_reviews",
        review("B1", "C1", "12/25/2020"),
        "review_date",
        "bad_date",
        "'12/25/2020' is not a date: use YYYY-MM-DD or DD/MM/YYYY (never US order)",
    ),
    (
        "31_february_uk",
        "cla_reviews",
        review("B1", "C1", "31/02/2020"),
        "review_date",
        "bad_date",
        "'31/02/2020' is not a date",
    ),
    (
        "30_february_iso",
        "cla_reviews",
        review("B1", "C1", "2020-02-30"),
        "review_date",
        "bad_date",
        "'2020-02-30' is not a date",
    ),
    (
        "29_february_not_leap",
        "cla_reviews",
        review("B1", "C1", "29/02/2021"),
        "review_date",
        "bad_date",
        "'29/02/2021' is not a date",
    ),
    (
        "month_13",
        "cla_reviews",
        review("B1", "C1", "2020-13-01"),
        "review_date",
        "bad_date",
        "'2020-13-01' is not a date",
    ),
    (
        "words_for_a_date",
        "cla_reviews",
        review("B1", "C1", "last Tuesday"),
        "review_date",
        "bad_date",
        "'last Tuesday' is not a date",
    ),
    (
        "before_1990",
        "cla_reviews",
        review("B1", "C1", "1985-06-01"),
        "review_date",
        "date_out_of_range",
        "review_date 1985-06-01 is before 1990-01-01",
    ),
    (
        "in_the_future",
        "cla_reviews",
        review("B1", "C1", "2027-01-01"),
        "review_date",
        "date_in_future",
        "review_date 2027-01-01 is after the extract date 2026-10-31",
    ),
    (
        "end_before_start",
        "cla_periods",
        period("PX", "C1", "2020-06-01", "2020-05-01"),
        "end_date",
        "end_before_start",
        "end_date 2020-05-01 is before start_date 2020-06-01",
    ),
    (
        "unknown_review_format",
        "cla_reviews",
        {**review("B1", "C1", "2020-06-01"), "review_format": "ZOOM"},
        "review_format",
        "unknown_code",
        "unknown review_format 'ZOOM' (allowed: IN_PERSON, VIRTUAL, HYBRID)",
    ),
    (
        "unknown_conference_type",
        "cp_conferences",
        conf("K9", "CORE_GROUP"),
        "conference_type",
        "unknown_code",
        "unknown conference_type 'CORE_GROUP'",
    ),
    (
        "unknown_role",
        "staff",
        {"staff_id": "Z1", "staff_name": "Zed", "role": "SOCIAL_WORKER", "team": "N"},
        "role",
        "unknown_code",
        "unknown role 'SOCIAL_WORKER'",
    ),
    (
        "blank_required_id",
        "cla_reviews",
        review("B1", "C1", "2020-06-01", iro=""),
        "iro_id",
        "blank_required",
        "iro_id is required but blank",
    ),
    (
        "blank_child",
        "cla_reviews",
        review("B1", "", "2020-06-01"),
        "child_id",
        "blank_required",
        "child_id is required but blank",
    ),
    (
        "whitespace_only_required",
        "cla_reviews",
        review("B1", "   ", "2020-06-01"),
        "child_id",
        "blank_required",
        "child_id is required but blank",
    ),
    (
        "duplicate_key",
        "cla_reviews",
        review("R0", "C1", "2020-06-02"),
        "review_id",
        "duplicate_key",
        "duplicate key review_id: the first row, at line 2, is kept",
    ),
    (
        "orphan_child",
        "cla_reviews",
        review("B1", "NOBODY", "2020-06-01"),
        "child_id",
        "orphan_id",
        "child_id 'NOBODY' is not in children.csv",
    ),
    (
        "orphan_iro",
        "cla_reviews",
        review("B1", "C1", "2020-06-01", iro="X9"),
        "iro_id",
        "orphan_id",
        "iro_id 'X9' is not in staff.csv",
    ),
    (
        "orphan_enquiry",
        "cp_conferences",
        conf("K9", enquiry_id="E404"),
        "enquiry_id",
        "orphan_id",
        "enquiry_id 'E404' is not in s47_enquiries.csv",
    ),
    (
        "orphan_plan",
        "cp_conferences",
        conf("K9", "RCPC", plan_id="L404"),
        "plan_id",
        "orphan_id",
        "plan_id 'L404' is not in cp_plans.csv",
    ),
    (
        "duplicate_composite_key",
        "feedback",
        {
            "response_id": "F1",
            "respondent_group": "PARENT",
            "response_date": "2020-06-01",
            "question_code": "P1",
            "answer": "NO",
        },
        "response_id",
        "duplicate_key",
        "duplicate key response_id, question_code",
    ),
    (
        "value_of_megabytes",
        "cla_periods",
        {**period("PX", "C1", "2020-01-01"), "placement_type": "x" * 2_000_000},
        "placement_type",
        "value_too_long",
        "longer than the 10000 allowed",
    ),
]

EXTRA_BASE = {  # rows a case's file needs beside BASE for its reject to be the only one
    "feedback": [
        {
            "response_id": "F1",
            "respondent_group": "PARENT",
            "response_date": "2020-06-01",
            "question_code": "P1",
            "answer": "YES",
        }
    ],
}


@pytest.mark.parametrize(
    ("case", "table", "bad", "column", "reason", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_a_bad_row_is_set_aside_and_nothing_else_is_lost(
    tmp_path: Path,
    case: str,
    table: str,
    bad: dict[str, str],
    column: str,
    reason: str,
    message: str,
) -> None:
    good = list(BASE.get(table, [])) + EXTRA_BASE.get(table, [])
    folder = write_extract(tmp_path / "x", {table: [*EXTRA_BASE.get(table, []), bad]})
    report = load(folder, tmp_path / "sqa.duckdb")
    con = duckdb.connect(str(tmp_path / "sqa.duckdb"), read_only=True)
    got = rows(con, "select file, line, column_name, reason_code, message from rejects")
    bad_line = len(good) + 2  # header is line 1
    assert [g[:4] for g in got] == [(f"{table}.csv", bad_line, column, reason)]
    assert message in str(got[0][4])
    assert report.rejects == {reason: 1}
    assert rows(con, f"select count(*) from {table}") == [(len(good),)]  # noqa: S608


def _raw_rows(tmp_path: Path, table: str, lines: list[str]) -> duckdb.DuckDBPyConnection:
    folder = write_extract(tmp_path / "x")
    with (folder / f"{table}.csv").open("a", encoding="utf-8", newline="") as fh:
        fh.write("".join(lines))
    load(folder, tmp_path / "sqa.duckdb")
    return duckdb.connect(str(tmp_path / "sqa.duckdb"), read_only=True)


def test_too_many_fields(tmp_path: Path) -> None:
    con = _raw_rows(tmp_path, "children", ["C50,2010-01-01,F,WBRI,NONE,extra\n"])
    got = rows(con, "select line, reason_code, value, message from rejects")
    assert got == [
        (
            11,
            "wrong_field_count",
            "C50,2010-01-01,F,WBRI,NONE,extra",
            "expected 5 fields as in the header, found 6 (a truncated line or an unquoted comma)",
        )
    ]
    assert rows(con, "select count(*) from children") == [(9,)]


def test_truncated_last_line(tmp_path: Path) -> None:
    con = _raw_rows(tmp_path, "children", ["C50,2010-"])
    assert rows(con, "select line, reason_code from rejects") == [(11, "wrong_field_count")]
    assert rows(con, "select count(*) from children") == [(9,)]


def test_mixed_line_endings_load_with_true_line_numbers(tmp_path: Path) -> None:
    con = _raw_rows(
        tmp_path,
        "children",
        ["C50,2010-01-01,,,\r\n", "C51,2010-01-01,,,\r", "C52,1899-01-01,,,\n"],
    )
    # Lines 11 and 12 load; line 13 (a date before 1990) is set aside with its true line.
    assert rows(con, "select line, reason_code from rejects") == [(13, "date_out_of_range")]
    assert rows(con, "select count(*) from children") == [(11,)]


def test_quoted_line_breaks_keep_line_numbers(tmp_path: Path) -> None:
    con = _raw_rows(
        tmp_path, "children", ['C50,2010-01-01,,"two\nlines",\n', "C51,not a date,,,\n"]
    )
    assert rows(con, "select line, reason_code from rejects") == [(13, "bad_date")]
    assert rows(con, "select ethnicity from children where child_id = 'C50'") == [("two\nlines",)]


def test_stray_quote_in_an_unquoted_value(tmp_path: Path) -> None:
    con = _raw_rows(tmp_path, "children", ['C50,2010-01-01,,say "hi",\n'])
    # The row loads: a quote inside an unquoted value is kept as text.
    assert rows(con, "select count(*) from rejects") == [(0,)]
    assert rows(con, "select ethnicity from children where child_id = 'C50'") == [('say "hi"',)]


def test_time_parts_and_messy_codes_are_accepted(tmp_path: Path) -> None:
    folder = write_extract(
        tmp_path / "x",
        {
            "cla_reviews": [
                {**review("B1", "C1", "2020-06-01 10:30:00", " pn6 "), "review_format": "virtual"}
            ]
        },
    )
    report = load(folder, tmp_path / "sqa.duckdb")
    con = duckdb.connect(str(tmp_path / "sqa.duckdb"), read_only=True)
    assert report.rejects == {}
    assert rows(
        con,
        "select review_date::varchar, participation_code, review_format "
        "from cla_reviews where review_id = 'B1'",
    ) == [("2020-06-01", "PN6", "VIRTUAL")]
