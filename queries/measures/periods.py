"""Financial years and reporting periods (April to March, labelled ``2020-21``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from queries.core.errors import QueryError

_FY = re.compile(r"^(\d{4})-(\d{2})$")
FY_MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)


def parse_fy(label: str) -> int:
    """``'2020-21'`` -> 2020; raise :class:`QueryError` on anything else."""
    if not isinstance(label, str):  # a cleared or forged chooser sends none
        raise QueryError("No financial year was chosen; choose one from the list")
    m = _FY.match(label.strip())
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise QueryError(
            f"'{label}' is not a financial year; write it as YYYY-YY, for example 2020-21"
        )
    return int(m.group(1))


def fy_label(start_year: int) -> str:
    """2020 -> ``'2020-21'``."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def fy_of(day: dt.date) -> int:
    """The start year of the financial year ``day`` falls in."""
    return day.year if day.month >= 4 else day.year - 1


def fy_bounds(start_year: int) -> tuple[dt.date, dt.date]:
    """First and last day of the financial year starting in April ``start_year``."""
    return dt.date(start_year, 4, 1), dt.date(start_year + 1, 3, 31)


def fy_months(start_year: int) -> list[str]:
    """The twelve ``YYYY-MM`` months of a financial year, April first."""
    return [f"{start_year + (m < 4)}-{m:02d}" for m in FY_MONTHS]


EARLIEST = dt.date(1990, 1, 1)  # no children's-services record here is older
LATEST = dt.date(2100, 12, 31)


def parse_date(text: str, what: str = "date") -> dt.date:
    """A ``YYYY-MM-DD`` date from 1990 to 2100, or a :class:`QueryError` naming ``what``."""
    shown = str(text)[:40]
    try:
        value = dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError, TypeError) as exc:
        raise QueryError(f"{what} '{shown}' is not a date; write it as YYYY-MM-DD") from exc
    if not EARLIEST <= value <= LATEST:
        raise QueryError(
            f"{what} {value.isoformat()} is outside the dates this dashboard covers "
            f"({EARLIEST.year} to {LATEST.year})"
        )
    return value


def same_period_last_year(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The same dates a year earlier (29 February becomes 28 February)."""

    def back(d: dt.date) -> dt.date:
        return (
            d.replace(year=d.year - 1, day=28)
            if (d.month, d.day) == (2, 29)
            else d.replace(year=d.year - 1)
        )

    return back(date_from), back(date_to)


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """A month's first and last day: '2026-11' -> (1 Nov 2026, 30 Nov 2026)."""
    first = dt.date.fromisoformat(f"{month}-01")
    return first, _month_end(first.year, first.month)


PRESETS = {
    "last_month": "Last month",
    "last_quarter": "Last quarter",
    "year_to_date": "Year to date",
    "last_fy": "Last financial year",
}


def preset_range(preset: str, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The dates a period preset means, relative to the data's as-of date.

    Last month and last quarter are the last complete ones before ``as_of`` (quarters of
    the financial year: Apr-Jun, Jul-Sep, Oct-Dec, Jan-Mar); year to date runs from
    1 April to ``as_of``; last financial year is the last complete April-March.
    """
    first_of_month = as_of.replace(day=1)
    if preset == "last_month":
        end = first_of_month - dt.timedelta(days=1)
        if as_of == _month_end(as_of.year, as_of.month):
            end = as_of
        return end.replace(day=1), end
    if preset == "last_quarter":
        # The quarter that ends on or before as_of.
        end_month_candidates = [3, 6, 9, 12]
        y, m = as_of.year, as_of.month
        if as_of != _month_end(y, m):
            m -= 1
            if m == 0:
                y, m = y - 1, 12
        while m not in end_month_candidates:
            m -= 1
            if m == 0:
                y, m = y - 1, 12
        end = _month_end(y, m)
        start_m = m - 2
        return dt.date(y, start_m, 1), end
    if preset == "year_to_date":
        return fy_bounds(fy_of(as_of))[0], as_of
    if preset == "last_fy":
        fy = fy_of(as_of)
        if as_of == fy_bounds(fy)[1]:
            return fy_bounds(fy)
        return fy_bounds(fy - 1)
    raise QueryError(f"unknown period '{preset}'; choose one of: {', '.join(PRESETS)}")


def window_params(windows: Mapping[str, tuple[dt.date, dt.date]]) -> dict[str, object]:
    """Named windows (first and last day, inclusive) as the parameters of
    ``kpi_windows.sql`` and ``count_windows.sql``; a window that ends before it starts is
    refused."""
    for date_from, date_to in windows.values():
        if date_to < date_from:
            raise QueryError(f"the period ends ({date_to}) before it starts ({date_from})")
    if not windows:
        raise QueryError("no period was given")
    return {
        "keys": list(windows),
        "froms": [f for f, _ in windows.values()],
        "tos": [t for _, t in windows.values()],
        "span_from": min(f for f, _ in windows.values()),
        "span_to": max(t for _, t in windows.values()),
    }
