"""The rest of the quality-assurance picture: DRPs, acknowledgements, contacts, audits,
feedback, caseloads and the review worklist.

Count measures (DRPs raised, contacts, audits, closures) come from ``count_events``;
breakdowns and lists from the named SQL files in ``queries/sql/qa``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import duckdb
import pandas as pd

from queries.access.scope import (
    EVERYONE,
    Filters,
    Scope,
    anonymise,
    figure_filters,
    record_filters,
    require_comments,
    visible_names,
)
from queries.core import sqlfiles
from queries.core.errors import QueryError
from queries.measures.periods import fy_label, window_params

MAX_ROWS = 5000
GRAINS = ("week", "month", "quarter")
DRP_DIMENSIONS = ("sw_team", "issue_category", "stage")
AUDIT_DIMENSIONS = ("theme", "auditor", "judgement")


def check_count(measure: str) -> str:
    return _choice(measure, sqlfiles.COUNTS, "count")


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise QueryError(f"unknown {what} '{value}'; choose one of: {', '.join(allowed)}")
    return value


def count_range(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters = EVERYONE,
    *,
    scope: Scope,
) -> dict[str, int]:
    """Every count measure over a date range (0 where nothing happened)."""
    return count_windows(con, {"": (date_from, date_to)}, filters, scope=scope)[""]


def count_windows(
    con: duckdb.DuckDBPyConnection,
    windows: Mapping[str, tuple[dt.date, dt.date]],
    filters: Filters = EVERYONE,
    *,
    scope: Scope,
) -> dict[str, dict[str, int]]:
    """:func:`count_range` for each named window (first and last day), in one query."""
    filters = figure_filters(con, scope, filters)
    spans = window_params(windows)
    rows = con.execute(sqlfiles.read("aggregates", "count_windows"), {**spans, **filters.params()})
    found = {(w, m): int(n) for w, m, n in rows.fetchall()}
    return {w: {k: found.get((w, k), 0) for k in sqlfiles.COUNTS} for w in windows}


def buckets(grain: str, fy: int) -> list[str]:
    """The buckets of a financial year for a grain, in order."""
    if grain == "month":
        return [f"{fy + (m < 4)}-{m:02d}" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]
    if grain == "quarter":
        return ["Q1", "Q2", "Q3", "Q4"]
    return [f"W{w:02d}" for w in range(1, 54)]


def count_series(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    fy_from: int,
    fy_to: int,
    grain: str = "month",
    filters: Filters = EVERYONE,
    *,
    scope: Scope,
) -> dict[str, list[tuple[str, int]]]:
    """A count measure by week, month or quarter for each financial year in a run."""
    check_count(measure)
    filters = figure_filters(con, scope, filters)
    _choice(grain, GRAINS, "grain")
    rows = con.execute(
        sqlfiles.read("aggregates", "count_series"),
        {
            "measure": measure,
            "grain": grain,
            "fy_from": fy_from,
            "fy_to": fy_to,
            **filters.params(),
        },
    ).fetchall()
    found = {(int(fy), str(b)): int(n) for fy, b, n in rows}
    return {
        fy_label(fy): [(b, found.get((fy, b), 0)) for b in buckets(grain, fy)]
        for fy in range(fy_from, fy_to + 1)
    }


def count_by_staff(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    date_from: dt.date,
    date_to: dt.date,
    team: str | None = None,
    *,
    scope: Scope,
) -> pd.DataFrame:
    """One count measure per member of staff over a date range, most first (people
    outside ``scope`` anonymised)."""
    check_count(measure)
    df = con.execute(
        sqlfiles.read("aggregates", "count_by_staff"),
        {"measure": measure, "date_from": date_from, "date_to": date_to, "team": team},
    ).df()
    return anonymise(con, scope, df)


def _qa(name: str, con: duckdb.DuckDBPyConnection, **params: object) -> pd.DataFrame:
    return con.execute(sqlfiles.read("qa", name), params).df()


def drp_breakdown(
    con: duckdb.DuckDBPyConnection,
    dimension: str,
    date_from: dt.date,
    date_to: dt.date,
    *,
    scope: Scope,
) -> pd.DataFrame:
    del scope  # by social-work team, issue or stage: no individual named
    _choice(dimension, DRP_DIMENSIONS, "DRP breakdown")
    return _qa("drp_breakdown", con, dimension=dimension, date_from=date_from, date_to=date_to)


def open_drps(
    con: duckdb.DuckDBPyConnection, filters: Filters = EVERYONE, *, scope: Scope
) -> pd.DataFrame:
    """Open DRPs (children by id), narrowed to the children ``scope`` may see."""
    filters = record_filters(con, scope, filters)
    return _qa("open_drps", con, limit=MAX_ROWS, **filters.params())


def drp_resolution(
    con: duckdb.DuckDBPyConnection, date_from: dt.date, date_to: dt.date, *, scope: Scope
) -> pd.DataFrame:
    del scope  # a service-wide aggregate: open to every role
    return _qa("drp_resolution", con, date_from=date_from, date_to=date_to)


def drp_escalations(
    con: duckdb.DuckDBPyConnection, date_from: dt.date, date_to: dt.date, *, scope: Scope
) -> pd.DataFrame:
    """Informal DRPs escalated to formal. The list spans every team, so only a service
    manager sees which children and DRPs; others see the dates and intervals."""
    df = _qa("drp_escalations", con, date_from=date_from, date_to=date_to)
    if not scope.sees_everyone:
        df = df.drop(columns=["child_id", "formal_drp_id", "informal_drp_id"])
    return df


def pa_breakdown(
    con: duckdb.DuckDBPyConnection, date_from: dt.date, date_to: dt.date, *, scope: Scope
) -> pd.DataFrame:
    del scope  # a service-wide aggregate: open to every role
    return _qa("pa_breakdown", con, date_from=date_from, date_to=date_to)


def audit_breakdown(
    con: duckdb.DuckDBPyConnection,
    dimension: str,
    date_from: dt.date,
    date_to: dt.date,
    *,
    scope: Scope,
) -> pd.DataFrame:
    """Audits by theme, auditor or judgement; auditors outside ``scope`` anonymised."""
    _choice(dimension, AUDIT_DIMENSIONS, "audit breakdown")
    df = _qa("audit_breakdown", con, dimension=dimension, date_from=date_from, date_to=date_to)
    names = visible_names(con, scope)
    if dimension == "auditor" and names is not None:
        hidden = ~df["category"].isin(list(names) + ["Not recorded"])
        df.loc[hidden, "category"] = [f"Another auditor {i}" for i in range(1, hidden.sum() + 1)]
    return df


def feedback_questions(
    con: duckdb.DuckDBPyConnection, fy_from: int, fy_to: int, *, scope: Scope
) -> pd.DataFrame:
    """Per financial year, group and question: respondents, answered, yes, share."""
    del scope  # service-wide answers: open to every role
    df = _qa("feedback_questions", con, fy_from=fy_from, fy_to=fy_to)
    df["share_yes"] = (df["yes"] / df["answered"]).where(df["answered"] > 0)
    return df


def caseloads(
    con: duckdb.DuckDBPyConnection, fy: int, team: str | None = None, *, scope: Scope
) -> pd.DataFrame:
    """Children allocated per IRO at each month end of a year (to the extract date);
    IROs outside ``scope`` anonymised."""
    return anonymise(con, scope, _qa("caseloads", con, fy=fy, team=team or None))


def review_worklist(
    con: duckdb.DuckDBPyConnection,
    days: int,
    filters: Filters = EVERYONE,
    today: dt.date | None = None,
    *,
    scope: Scope,
) -> pd.DataFrame:
    """Children whose next review is due within ``days`` days of ``today`` (the extract's
    date when None), or overdue, soonest first, narrowed to the children ``scope`` may see.
    The due dates are built at load (``review_due``); only this filter runs per request."""
    if not 0 <= days <= 366:
        raise QueryError(f"look ahead between 0 and 366 days, not {days}")
    filters = record_filters(con, scope, filters)
    if today is None:
        row = con.execute("select d from extract_date").fetchone()
        today = row[0] if row else dt.date.today()
    return _qa("review_worklist", con, days=days, today=today, limit=MAX_ROWS, **filters.params())


def reviews_without_contact(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters = EVERYONE,
    *,
    scope: Scope,
) -> pd.DataFrame:
    """Reviews with no IRO contact since the previous one (children by id), latest first,
    narrowed to the children ``scope`` may see."""
    filters = record_filters(con, scope, filters)
    return _qa(
        "reviews_without_contact",
        con,
        date_from=date_from,
        date_to=date_to,
        limit=MAX_ROWS,
        **filters.params(),
    )


def reviews_without_contact_count(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters = EVERYONE,
    *,
    scope: Scope,
) -> int:
    """How many reviews :func:`reviews_without_contact` lists for the same arguments, all
    of them (the list stops at ``MAX_ROWS``)."""
    filters = record_filters(con, scope, filters)
    found = con.execute(
        sqlfiles.read("qa", "reviews_without_contact_count"),
        {"date_from": date_from, "date_to": date_to, **filters.params()},
    ).fetchone()
    return int(found[0]) if found else 0


def feedback_comments(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters = EVERYONE,
    *,
    scope: Scope,
) -> pd.DataFrame:
    """Feedback free text, newest first: for managers only (a team manager sees the
    comments about their team's IROs)."""
    require_comments(scope)
    if scope.role == "team_manager":
        filters = Filters(scope.team, filters.staff)
    return _qa(
        "feedback_comments",
        con,
        date_from=date_from,
        date_to=date_to,
        limit=MAX_ROWS,
        **filters.params(),
    )


def table_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows loaded per table (0 for an optional file that was absent)."""
    import json

    raw = con.execute("select table_rows from load_info").fetchall()[0][0]
    rows: dict[str, int] = json.loads(raw) if raw else {}
    return rows
