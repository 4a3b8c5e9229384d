"""Breakdowns and the records behind a figure: per person, PN-code mix, drill-downs.

Every function takes a connection and bound filter values and returns a pandas frame (or
a small typed value); the dashboard turns these into figures and tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from queries.access.scope import (
    EVERYONE,
    Filters,
    Scope,
    anonymise,
    figure_filters,
    people,
    record_filters,
    require_data_quality,
    require_data_quality_rows,
)
from queries.core import sqlfiles
from queries.core.errors import QueryError
from queries.measures.kpis import check_measure

MAX_RECORDS = 5000
CONFERENCE_KINDS = ("ICPC", "RCPC")


@dataclass(frozen=True)
class LoadInfo:
    """Which load the data comes from and how old it is."""

    load_id: str
    extract_as_of: dt.datetime
    loaded_at: dt.datetime


def load_info(con: duckdb.DuckDBPyConnection) -> LoadInfo:
    rows = con.execute(sqlfiles.read("aggregates", "load_info")).fetchall()
    if not rows:
        raise QueryError("the database has no load information; run `sqa load` again")
    load_id, as_of, loaded, _v = rows[0]
    return LoadInfo(str(load_id), as_of, loaded)


def data_years(
    con: duckdb.DuckDBPyConnection, measures: tuple[str, ...] | None = None
) -> list[int]:
    """Financial years (start years) that have events of ``measures`` (any KPI when None),
    newest first."""
    for m in measures or ():
        check_measure(m)
    sql = sqlfiles.read("aggregates", "data_years")
    params = {"measures": list(measures) if measures else None}
    try:
        rows = con.execute(sql, params).fetchall()
    except duckdb.CatalogException:  # loaded before the years were counted at load
        older = sql.replace("from measure_years", "from measure_events")
        rows = con.execute(older, params).fetchall()
    return [int(r[0]) for r in rows]


def staff_list(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> pd.DataFrame:
    """The IROs and chairs ``scope`` may see by name (all of them for a service manager)."""
    df = con.execute(sqlfiles.read("aggregates", "staff_list")).df()
    allowed = people(con, scope)
    return df if allowed is None else df[df["staff_id"].isin(list(allowed))].reset_index(drop=True)


def teams(
    con: duckdb.DuckDBPyConnection, roles: tuple[str, ...] | None = None, *, scope: Scope
) -> list[str]:
    """Every team with staff in ``roles`` (None = any): team aggregates are open to
    every role, so the list does not depend on ``scope``."""
    del scope
    rows = con.execute(
        sqlfiles.read("aggregates", "teams"), {"roles": list(roles) if roles else None}
    )
    return [str(r[0]) for r in rows.fetchall()]


def _with_rate(df: pd.DataFrame) -> pd.DataFrame:
    """Add ``rate`` = numerator / denominator, blank (not 0) where the denominator is 0."""
    df["rate"] = (df["numerator"] / df["denominator"]).where(df["denominator"] > 0)
    return df


def kpi_by_staff(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    date_from: dt.date,
    date_to: dt.date,
    team: str | None = None,
    *,
    scope: Scope,
) -> pd.DataFrame:
    """One KPI per IRO or chair: staff_id, staff_name, team, numerator, denominator, rate.

    People outside ``scope`` are anonymised."""
    check_measure(measure)
    df = con.execute(
        sqlfiles.read("aggregates", "kpi_by_staff"),
        {"measure": measure, "date_from": date_from, "date_to": date_to, "team": team or None},
    ).df()
    return anonymise(con, scope, _with_rate(df))


def kpi_by_team(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    date_from: dt.date,
    date_to: dt.date,
    *,
    scope: Scope,
) -> pd.DataFrame:
    """One KPI per team: team, numerator, denominator, rate (open to every role)."""
    del scope
    check_measure(measure)
    df = con.execute(
        sqlfiles.read("aggregates", "kpi_by_team"),
        {"measure": measure, "date_from": date_from, "date_to": date_to},
    ).df()
    return _with_rate(df)


def participation_mix(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters = EVERYONE,
    *,
    scope: Scope,
) -> pd.DataFrame:
    """Reviews per participation code (PN0-PN7, blank or unknown)."""
    filters = figure_filters(con, scope, filters)
    return con.execute(
        sqlfiles.read("aggregates", "participation_mix"),
        {"date_from": date_from, "date_to": date_to, **filters.params()},
    ).df()


def review_records(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters = EVERYONE,
    only_late: bool = False,
    limit: int = MAX_RECORDS,
    *,
    scope: Scope,
) -> pd.DataFrame:
    """The CLA reviews behind a timeliness figure, late first (children by id only),
    narrowed to the children ``scope`` may see."""
    filters = record_filters(con, scope, filters)
    return con.execute(
        sqlfiles.read("drilldown", "review_records"),
        {
            "date_from": date_from,
            "date_to": date_to,
            "only_late": only_late,
            "limit": limit,
            **filters.params(),
        },
    ).df()


def measure_records(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters = EVERYONE,
    only_met: bool | None = None,
    limit: int = MAX_RECORDS,
    *,
    scope: Scope,
) -> pd.DataFrame:
    """Exactly the events behind one ratio figure: its denominator's rows over the period,
    each marked ``met`` (in the numerator), not met first; narrowed to the children
    ``scope`` may see. ``only_met`` keeps the met (True) or not met (False) rows only."""
    check_measure(measure)
    filters = record_filters(con, scope, filters)
    if date_to < date_from:
        raise QueryError(f"the period ends ({date_to}) before it starts ({date_from})")
    return con.execute(
        sqlfiles.read("drilldown", "measure_records"),
        {
            "measure": measure,
            "date_from": date_from,
            "date_to": date_to,
            "only_met": only_met,
            "limit": limit,
            **filters.params(),
        },
    ).df()


def conference_records(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters = EVERYONE,
    kind: str | None = None,
    only_late: bool = False,
    limit: int = MAX_RECORDS,
    *,
    scope: Scope,
) -> pd.DataFrame:
    """The ICPCs and RCPCs behind the child protection figures, late first, narrowed to
    the children ``scope`` may see."""
    filters = record_filters(con, scope, filters)
    if kind is not None and kind not in CONFERENCE_KINDS:
        raise QueryError(f"unknown conference kind '{kind}'; use ICPC or RCPC")
    return con.execute(
        sqlfiles.read("drilldown", "conference_records"),
        {
            "date_from": date_from,
            "date_to": date_to,
            "kind": kind,
            "only_late": only_late,
            "limit": limit,
            **filters.params(),
        },
    ).df()


DQ_KINDS = ("Set aside", "Warning", "Not counted")


def data_quality_summary(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> pd.DataFrame:
    """Rows set aside or flagged, by kind, file and reason, with the first line of each."""
    require_data_quality(scope)
    return con.execute(sqlfiles.read("aggregates", "data_quality_summary")).df()


def data_quality_rows(
    con: duckdb.DuckDBPyConnection,
    kind: str | None = None,
    file: str | None = None,
    reason: str | None = None,
    limit: int = MAX_RECORDS,
    *,
    scope: Scope,
) -> pd.DataFrame:
    """The rows behind the summary: file, line, column, value, reason, message."""
    require_data_quality_rows(scope)
    if kind is not None and kind not in DQ_KINDS:
        raise QueryError(f"unknown kind '{kind}'; use one of: {', '.join(DQ_KINDS)}")
    return con.execute(
        sqlfiles.read("drilldown", "data_quality_rows"),
        {"kind": kind, "file": file, "reason": reason, "limit": limit},
    ).df()
