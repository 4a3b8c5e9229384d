"""The statutory KPIs as typed Python functions over the SQL in ``queries/sql``.

Each function takes a DuckDB connection (a read-only cursor from :mod:`queries.core.db` in
the app; an in-memory database in the tests) and bound filter values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import duckdb

from queries.access.scope import EVERYONE, Filters, Scope, figure_filters
from queries.core import sqlfiles
from queries.core.errors import QueryError
from queries.measures.periods import fy_label, fy_months

__all__ = ["EVERYONE", "Filters", "Ratio", "MonthRatio", "kpi_range", "monthly_series"]

KPI_LABELS: dict[str, str] = {
    "cla_reviews_on_time": "CLA reviews on time",
    "icpc_within_15_working_days": "ICPCs within 15 working days",
    "rcpc_on_time": "Review CP conferences on time",
    "cla_participation": "Children participating in their review",
    "cla_attendance": "Children attending their review",
    "minutes_within_20_working_days": "Review minutes within 20 working days",
}
MEASURE_LABELS: dict[str, str] = {
    **KPI_LABELS,
    "reviews_with_contact_since_last": "Reviews with an IRO contact since the last review",
    "feedback_yes": "Feedback answered yes",
}


@dataclass(frozen=True)
class Ratio:
    """A numerator, a denominator, and their rate (None when the denominator is 0)."""

    numerator: int
    denominator: int

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def as_dict(self) -> dict[str, Any]:
        return {"numerator": self.numerator, "denominator": self.denominator, "rate": self.rate}


@dataclass(frozen=True)
class MonthRatio:
    """One month of a series."""

    month: str
    numerator: int
    denominator: int

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rate": self.rate}


def check_measure(measure: str) -> str:
    """``measure`` if it is a known KPI, else a :class:`QueryError` listing them."""
    if measure not in sqlfiles.MEASURES:
        raise QueryError(
            f"unknown measure '{measure}'; choose one of: "
            f"{', '.join(sqlfiles.MEASURES + sqlfiles.COUNTS)}"
        )
    return measure


def kpi_range(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters = EVERYONE,
    *,
    scope: Scope,
) -> dict[str, Ratio]:
    """Every KPI over the events held from ``date_from`` to ``date_to`` inclusive."""
    filters = figure_filters(con, scope, filters)
    if date_to < date_from:
        raise QueryError(f"the period ends ({date_to}) before it starts ({date_from})")
    rows = con.execute(
        sqlfiles.read("aggregates", "kpi_range"),
        {"date_from": date_from, "date_to": date_to, **filters.params()},
    ).fetchall()
    found = {m: Ratio(int(n), int(d)) for m, n, d in rows}
    return {k: found.get(k, Ratio(0, 0)) for k in sqlfiles.MEASURES}


def monthly_series(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    fy_from: int,
    fy_to: int | None = None,
    filters: Filters = EVERYONE,
    *,
    scope: Scope,
) -> dict[str, list[MonthRatio]]:
    """One KPI month by month, April to March, for each financial year in the run.

    Keys are financial-year labels (``'2020-21'``); every year has its 12 months, those
    with no events at denominator 0.
    """
    check_measure(measure)
    filters = figure_filters(con, scope, filters)
    last = fy_from if fy_to is None else fy_to
    rows = con.execute(
        sqlfiles.read("aggregates", "kpi_monthly"),
        {"measure": measure, "fy_from": fy_from, "fy_to": last, **filters.params()},
    ).fetchall()
    found = {month: (int(n), int(d)) for _fy, month, n, d in rows}
    out: dict[str, list[MonthRatio]] = {}
    for fy in range(fy_from, last + 1):
        out[fy_label(fy)] = [MonthRatio(m, *found.get(m, (0, 0))) for m in fy_months(fy)]
    return out


def pooled(months: list[MonthRatio]) -> Ratio:
    """The year's pooled ratio: summed numerators over summed denominators."""
    return Ratio(sum(m.numerator for m in months), sum(m.denominator for m in months))
