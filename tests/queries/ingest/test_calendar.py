"""The working-day calendar: bank holidays of England and Wales, and closure days."""

import datetime as dt

import duckdb
import pytest

from queries.ingest.calendar import add_working_days, build_calendar

D = dt.date


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    build_calendar(c, D(2024, 12, 31), closures=(D(2021, 12, 24),))
    return c


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Thu 2 Apr 2020 + 20: Good Friday 10 Apr and Easter Monday 13 Apr are skipped;
        # Mon 4 May 2020 is a working day (the early May holiday moved to Fri 8 May).
        (D(2020, 4, 2), 20, D(2020, 5, 4)),
        # Fri 24 Apr 2020 + 20: skips Fri 8 May (VE day) and Mon 25 May (spring holiday).
        (D(2020, 4, 24), 20, D(2020, 5, 26)),
        # Fri 11 Dec 2020 + 20: skips 25 Dec, Mon 28 Dec (Boxing Day substitute), 1 Jan.
        (D(2020, 12, 11), 20, D(2021, 1, 13)),
        # Fri 9 Sep 2022 + 15: skips Mon 19 Sep 2022 (the Queen's state funeral).
        (D(2022, 9, 9), 15, D(2022, 10, 3)),
        # Mon 24 Apr 2023 + 15: skips Mon 1 May and Mon 8 May 2023 (the coronation).
        (D(2023, 4, 24), 15, D(2023, 5, 17)),
        # "Strictly after": from a Saturday, the first working day is the Monday.
        (D(2020, 4, 4), 1, D(2020, 4, 6)),
        # From a bank holiday (Good Friday 2020) the count starts on the Tuesday.
        (D(2020, 4, 10), 1, D(2020, 4, 14)),
    ],
)
def test_nth_working_day_strictly_after(
    con: duckdb.DuckDBPyConnection, start: dt.date, n: int, expected: dt.date
) -> None:
    assert add_working_days(con, start, n) == expected


def test_christmas_2021_with_a_configured_closure(con: duckdb.DuckDBPyConnection) -> None:
    # Fri 17 Dec 2021 + 5: 20, 21, 22, 23 are working; 24 Dec is a configured closure;
    # 27 and 28 Dec are the substitute Christmas and Boxing days; so the 5th is Wed 29 Dec.
    assert add_working_days(con, D(2021, 12, 17), 5) == D(2021, 12, 29)


def test_closure_is_named(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute(
        "select holiday_name, is_working_day from calendar where d = date '2021-12-24'"
    ).fetchall() == [("Authority closure", False)]
