"""The statutory KPIs as typed Python functions over the SQL in ``queries/sql``.

Each function takes a DuckDB connection (a read-only cursor from :mod:`queries.core.db` in
the app; an in-memory database in the tests) and bound filter values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from queries.access.scope import EVERYONE, Filters, Scope, figure_filters
from queries.core import sqlfiles
from queries.core.errors import QueryError
from queries.ingest.calendar import add_working_days
from queries.measures.periods import fy_label, fy_months, window_params

__all__ = [
    "EVERYONE",
    "Filters",
    "Ratio",
    "MonthRatio",
    "kpi_range",
    "kpi_windows",
    "monthly_series",
    "monthly_series_of",
]

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


NOT_RECORDED = "Not recorded in this source"


def _rate(numerator: int, denominator: int, not_recorded: str | None) -> float | None:
    if not_recorded:
        return None
    return numerator / denominator if denominator else None


def _ratio_dict(numerator: int, denominator: int, not_recorded: str | None) -> dict[str, Any]:
    """The JSON of a ratio: null numbers (and the reason) when the source cannot give it."""
    out: dict[str, Any] = {
        "numerator": None if not_recorded else numerator,
        "denominator": None if not_recorded else denominator,
        "rate": _rate(numerator, denominator, not_recorded),
    }
    if not_recorded:
        out["not_recorded"] = not_recorded
    return out


@dataclass(frozen=True)
class Ratio:
    """A numerator, a denominator, and their rate (None when the denominator is 0).

    ``not_recorded`` is the reason when the source cannot hold what the measure needs
    (SSDA903 has no minutes date): the rate is then None, never 0%."""

    numerator: int
    denominator: int
    not_recorded: str | None = None

    @property
    def rate(self) -> float | None:
        return _rate(self.numerator, self.denominator, self.not_recorded)

    def as_dict(self) -> dict[str, Any]:
        return _ratio_dict(self.numerator, self.denominator, self.not_recorded)


@dataclass(frozen=True)
class MonthRatio:
    """One month of a series."""

    month: str
    numerator: int
    denominator: int
    not_recorded: str | None = None
    provisional: bool = False  # the month's figure can still change (see first_provisional)

    @property
    def rate(self) -> float | None:
        return _rate(self.numerator, self.denominator, self.not_recorded)

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            **_ratio_dict(self.numerator, self.denominator, self.not_recorded),
            "provisional": self.provisional,
        }


# Working days after an event before its outcome is settled: a review's minutes are due
# on the 20th working day after it, so a month's minutes figure can change until then.
SETTLES_AFTER: dict[str, int] = {"minutes_within_20_working_days": 20}


def first_provisional(con: duckdb.DuckDBPyConnection, measure: str) -> str:
    """The first month (``'YYYY-MM'``) whose figure for ``measure`` can still change.

    A month is final once it has ended before the extract date and every event in it is
    settled (:data:`SETTLES_AFTER`); that month and every later one are provisional.
    """
    row = con.execute("select d from extract_date").fetchone()
    if row is None:
        raise QueryError("the database has no extract date; run `sqa load` again")
    as_of: dt.date = row[0]
    lag = SETTLES_AFTER.get(measure, 0)
    month = as_of.replace(day=1)  # the month the extract was taken in has not ended
    while lag:
        last_day = month - dt.timedelta(days=1)  # the end of the month before
        try:
            settled = add_working_days(con, last_day, lag) < as_of
        except ValueError:  # before the calendar: long settled
            settled = True
        if settled:
            break
        month = last_day.replace(day=1)
    return f"{month:%Y-%m}"


# What each measure and count needs from the source: a table, or a table's column. Where
# the source has no such field (extract_manifest.json's not_in_source and
# columns_not_in_source, or an optional file the extract does not have), the figure is
# "not recorded in this source", never 0.
NEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    "cla_reviews_on_time": (("cla_reviews", ""), ("cla_periods", "")),
    "icpc_within_15_working_days": (("cp_conferences", ""), ("s47_enquiries", "")),
    "rcpc_on_time": (("cp_conferences", ""), ("cp_plans", "")),
    "cla_participation": (("cla_reviews", ""), ("cla_reviews", "participation_code")),
    "cla_attendance": (("cla_reviews", ""), ("cla_reviews", "participation_code")),
    "minutes_within_20_working_days": (
        ("cla_reviews", ""),
        ("cla_reviews", "minutes_completed_date"),
    ),
    "reviews_with_contact_since_last": (("cla_reviews", ""), ("direct_contacts", "")),
    "feedback_yes": (("feedback", ""),),
    "drps_formal_raised": (("drps", ""),),
    "drps_informal_raised": (("drps", ""),),
    "practice_acknowledgements_raised": (("practice_acknowledgements", ""),),
    "direct_contacts": (("direct_contacts", ""),),
    "audits_midway": (("audits", ""),),
    "audits_targeted": (("audits", ""),),
    "case_closures": (("iro_allocations", ""),),
}
WORDS = {
    "cla_reviews": "CLA reviews",
    "cla_periods": "periods of care",
    "cp_conferences": "child protection conferences",
    "s47_enquiries": "section 47 enquiries",
    "cp_plans": "child protection plans",
    "direct_contacts": "IRO contacts",
    "feedback": "feedback responses",
    "drps": "dispute resolutions",
    "practice_acknowledgements": "practice acknowledgements",
    "audits": "audits",
    "iro_allocations": "IRO allocations",
    "participation_code": "participation codes",
    "minutes_completed_date": "minutes-completed date",
}


def not_recorded(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each measure or count the loaded source cannot give, with the reason in words."""
    try:
        gaps = {
            (str(t), str(c))
            for t, c in con.execute(sqlfiles.read("aggregates", "source_gaps")).fetchall()
        }
    except duckdb.CatalogException:
        return {}  # a database loaded before sources said what they lack
    out = {}
    for measure, needs in NEEDS.items():
        lacking = [c or t for t, c in needs if (t, "") in gaps or (c and (t, c) in gaps)]
        if lacking:
            out[measure] = f"{NOT_RECORDED} (it has no {WORDS.get(lacking[0], lacking[0])})"
    return out


def left_out(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters = EVERYONE,
    *,
    scope: Scope,
) -> dict[str, dict[str, int]]:
    """Events in the range each measure cannot judge, by reason (today: CLA reviews whose
    due date is unknown because their history is not in the data)."""
    filters = figure_filters(con, scope, filters)
    try:
        rows = con.execute(
            sqlfiles.read("aggregates", "left_out"),
            {"date_from": date_from, "date_to": date_to, **filters.params()},
        ).fetchall()
    except duckdb.BinderException:
        return {}  # a database loaded before reviews carried due_unknown
    out: dict[str, dict[str, int]] = {}
    for measure, reason, n in rows:
        out.setdefault(str(measure), {})[str(reason)] = int(n)
    return out


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
    return kpi_windows(con, {"": (date_from, date_to)}, filters, scope=scope)[""]


def kpi_windows(
    con: duckdb.DuckDBPyConnection,
    windows: Mapping[str, tuple[dt.date, dt.date]],
    filters: Filters = EVERYONE,
    *,
    scope: Scope,
) -> dict[str, dict[str, Ratio]]:
    """:func:`kpi_range` for each named window (first and last day), in one query."""
    filters = figure_filters(con, scope, filters)
    spans = window_params(windows)
    rows = con.execute(sqlfiles.read("aggregates", "kpi_windows"), {**spans, **filters.params()})
    found = {(w, m): Ratio(int(n), int(d)) for w, m, n, d in rows.fetchall()}
    gaps = not_recorded(con)
    return {
        w: {
            k: Ratio(0, 0, gaps[k]) if k in gaps else found.get((w, k), Ratio(0, 0))
            for k in sqlfiles.MEASURES
        }
        for w in windows
    }


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
    with no events at denominator 0, and those whose figure can still change marked
    ``provisional`` (:func:`first_provisional`).
    """
    return monthly_series_of(con, (measure,), fy_from, fy_to, filters, scope=scope)[measure]


def monthly_series_of(
    con: duckdb.DuckDBPyConnection,
    measures: Sequence[str],
    fy_from: int,
    fy_to: int | None = None,
    filters: Filters = EVERYONE,
    *,
    scope: Scope,
) -> dict[str, dict[str, list[MonthRatio]]]:
    """:func:`monthly_series` for each of ``measures``, in one query."""
    for measure in measures:
        check_measure(measure)
    filters = figure_filters(con, scope, filters)
    last = fy_from if fy_to is None else fy_to
    rows = con.execute(
        sqlfiles.read("aggregates", "kpi_monthly"),
        {"measures": list(measures), "fy_from": fy_from, "fy_to": last, **filters.params()},
    ).fetchall()
    found = {(m, month): (int(n), int(d)) for m, _fy, month, n, d in rows}
    gaps = not_recorded(con)
    out: dict[str, dict[str, list[MonthRatio]]] = {}
    for measure in measures:
        gap = gaps.get(measure)
        settled = first_provisional(con, measure)
        out[measure] = {
            fy_label(fy): [
                MonthRatio(m, 0, 0, gap, m >= settled)
                if gap
                else MonthRatio(m, *found.get((measure, m), (0, 0)), provisional=m >= settled)
                for m in fy_months(fy)
            ]
            for fy in range(fy_from, last + 1)
        }
    return out


def pooled(months: list[MonthRatio], provisional: bool = True) -> Ratio:
    """The year's pooled ratio: summed numerators over summed denominators (of the final
    months only, when ``provisional`` is False)."""
    months = months if provisional else [m for m in months if not m.provisional]
    gap = next((m.not_recorded for m in months if m.not_recorded), None)
    return Ratio(sum(m.numerator for m in months), sum(m.denominator for m in months), gap)
