"""The working-day calendar for England and Wales, as a table.

``calendar`` has one row per day with ``is_working_day`` and ``wd_index``, the number of
working days from the start of the table up to and including that day. "The N-th working
day strictly after D" is then the working day whose ``wd_index`` is D's ``wd_index`` + N:
a join, never a Python loop. Bank holidays come from the ``holidays`` package
(``GB``, subdivision ``ENG``: substitute days and one-off days included); an authority adds
its own closure days through ``SQA_CLOSURE_DATES``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb
import holidays
import pyarrow as pa

CALENDAR_START = dt.date(1990, 1, 1)


def bank_holidays(years: Iterable[int]) -> dict[dt.date, str]:
    """England and Wales bank holidays for ``years``, with their names."""
    found = holidays.country_holidays("GB", subdiv="ENG", years=list(years))
    return {day: str(name) for day, name in found.items()}


def build_calendar(
    con: duckdb.DuckDBPyConnection,
    end: dt.date,
    closures: Iterable[dt.date] = (),
    start: dt.date = CALENDAR_START,
) -> None:
    """Create table ``calendar`` from ``start`` to ``end`` inclusive in ``con``."""
    hols = bank_holidays(range(start.year, end.year + 1))
    closed = set(closures)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    names = [hols.get(d) or ("Authority closure" if d in closed else None) for d in days]
    working = [d.weekday() < 5 and n is None for d, n in zip(days, names, strict=True)]
    frame = pa.table({"d": days, "holiday_name": names, "is_working_day": working})
    con.register("calendar_src", frame)
    con.execute(
        """
        create or replace table calendar as
        select d, holiday_name, is_working_day,
               sum(is_working_day::int) over (order by d) as wd_index
        from calendar_src order by d
        """
    )
    con.unregister("calendar_src")


def add_working_days(con: duckdb.DuckDBPyConnection, day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day strictly after ``day``, read from ``calendar``."""
    rows = con.execute(
        """
        select c2.d from calendar c1
        join calendar c2 on c2.wd_index = c1.wd_index + $n and c2.is_working_day
        where c1.d = $day
        """,
        {"day": day, "n": n},
    ).fetchall()
    if not rows:
        raise ValueError(f"{day} + {n} working days is outside the calendar")
    result: dt.date = rows[0][0]
    return result
