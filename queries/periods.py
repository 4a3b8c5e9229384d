"""Financial years and reporting periods (April to March, labelled ``2020-21``)."""

from __future__ import annotations

import datetime as dt
import re

from queries.errors import QueryError

_FY = re.compile(r"^(\d{4})-(\d{2})$")
FY_MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)


def parse_fy(label: str) -> int:
    """``'2020-21'`` -> 2020; raise :class:`QueryError` on anything else."""
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


def parse_date(text: str, what: str = "date") -> dt.date:
    """A ``YYYY-MM-DD`` date or a :class:`QueryError` naming ``what``."""
    try:
        return dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError) as exc:
        raise QueryError(f"{what} '{text}' is not a date; write it as YYYY-MM-DD") from exc
