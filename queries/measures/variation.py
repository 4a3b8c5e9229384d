"""Variation from the loaded data: SPC charts over months and funnels of people or teams.

The statistics are :mod:`queries.measures.spc` and :mod:`queries.measures.funnel`; this
module reads the figures they need, within the viewer's scope, from the same aggregates
the rest of the dashboard uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import duckdb

from queries.access.scope import EVERYONE, Filters, Scope
from queries.core import sqlfiles
from queries.core.errors import QueryError
from queries.measures import kpis, qa, records
from queries.measures.funnel import Funnel, funnel
from queries.measures.periods import fy_of
from queries.measures.spc import Chart, pprime, xmr
from queries.measures.targets import Target


def parse_month(text: str, what: str = "month") -> str:
    """``YYYY-MM`` checked, or a :class:`QueryError` naming ``what``."""
    raw = str(text).strip()
    try:
        day = dt.date.fromisoformat(raw + "-01")
    except ValueError as exc:
        raise QueryError(f"{what} '{raw[:20]}' is not a month; write it as YYYY-MM") from exc
    if not dt.date(1990, 1, 1) <= day <= dt.date(2100, 12, 1):
        raise QueryError(f"{what} {raw} is outside 1990 to 2100")
    return raw


Months = tuple[list[str], list[int | None], list[int | None], list[float | None]]


def monthly(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    month_from: str,
    month_to: str,
    filters: Filters = EVERYONE,
    *,
    scope: Scope,
) -> Months:
    """(months, numerators, denominators, values) from ``month_from`` to ``month_to``.

    A KPI's value is the month's rate; a month with no events is a gap (None), never 0.
    A count's value is the count; the extract's own month and later are gaps. A month
    whose figure can still change (provisional) is a gap too."""
    return monthly_of(con, (measure,), month_from, month_to, filters, scope=scope)[measure]


def monthly_of(
    con: duckdb.DuckDBPyConnection,
    measures: Sequence[str],
    month_from: str,
    month_to: str,
    filters: Filters = EVERYONE,
    *,
    scope: Scope,
) -> dict[str, Months]:
    """:func:`monthly` for each of ``measures``; the KPIs' months in one query."""
    first, last = parse_month(month_from, "--from-month"), parse_month(month_to, "--to-month")
    if last < first:
        raise QueryError(f"the months end ({last}) before they start ({first})")
    fy_a = fy_of(dt.date.fromisoformat(first + "-01"))
    fy_b = fy_of(dt.date.fromisoformat(last + "-01"))
    if fy_b - fy_a > 20:
        raise QueryError("an SPC chart covers at most 20 years of months")
    out: dict[str, Months] = {}
    counts = [m for m in measures if m in sqlfiles.COUNTS]
    if counts:  # read once for every count: when the extract's month began, what it lacks
        ended = records.load_info(con).extract_as_of.strftime("%Y-%m")
        gaps = kpis.not_recorded(con)
    for measure in counts:
        months: list[str] = []
        nums: list[int | None] = []
        values: list[float | None] = []
        gap = gaps.get(measure)
        series = qa.count_series(con, measure, fy_a, fy_b, "month", filters, scope=scope)
        for _fy, buckets in series.items():
            for month, n in buckets:
                if first <= month <= last:
                    months.append(month)
                    known = month < ended and not gap  # the extract's month has not ended
                    nums.append(n if known else None)
                    values.append(float(n) if known else None)
        out[measure] = (months, nums, [None] * len(months), values)
    ratios = [m for m in measures if m not in sqlfiles.COUNTS]
    every = kpis.monthly_series_of(con, ratios, fy_a, fy_b, filters, scope=scope) if ratios else {}
    for measure, series_of in every.items():
        months, nums, dens, values = [], [], [], []
        for _fy, ms in series_of.items():
            for m in ms:
                if first <= m.month <= last:
                    months.append(m.month)
                    # A provisional month (not ended, or its events not settled) is left
                    # out of the chart: its figure can still change, so it cannot be a
                    # signal.
                    known = not m.not_recorded and not m.provisional
                    nums.append(m.numerator if known else None)
                    dens.append(m.denominator if known else None)
                    values.append(m.rate if known else None)
        out[measure] = (months, nums, dens, values)
    return {m: out[m] for m in measures}


def spc_chart(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    month_from: str,
    month_to: str,
    filters: Filters = EVERYONE,
    *,
    scope: Scope,
    target: Target | None = None,
    breaks: list[tuple[str, str]] | None = None,
    chart: str = "xmr",
    fix_after: int | None = None,
) -> Chart:
    """The measure's SPC chart over the months, with its improvement direction and target
    from the targets file and the known changes in practice from the breaks file."""
    _check_chart(measure, chart, fix_after)
    months = monthly(con, measure, month_from, month_to, filters, scope=scope)
    return _chart(months, target, breaks, chart, fix_after)


def spc_charts(
    con: duckdb.DuckDBPyConnection,
    measures: Sequence[str],
    month_from: str,
    month_to: str,
    filters: Filters = EVERYONE,
    *,
    scope: Scope,
    targets: Mapping[str, Target],
    breaks: Mapping[str, list[tuple[str, str]]],
) -> dict[str, Chart]:
    """:func:`spc_chart` (XmR) for each of ``measures`` over the same months, their
    months read in one query: ``targets`` and ``breaks`` by measure."""
    for measure in measures:
        _check_chart(measure, "xmr", None)
    every = monthly_of(con, measures, month_from, month_to, filters, scope=scope)
    return {m: _chart(every[m], targets.get(m), breaks.get(m, []), "xmr", None) for m in measures}


def _check_chart(measure: str, chart: str, fix_after: int | None) -> None:
    if chart not in ("xmr", "pprime"):
        raise QueryError("the chart is xmr or pprime")
    if chart == "pprime" and measure not in sqlfiles.MEASURES:
        raise QueryError("the p-prime chart is for proportions (KPIs), not counts")
    if chart != "pprime" and fix_after is not None and fix_after < 12:
        raise QueryError("limits can be fixed after 12 points or more")
    if measure not in sqlfiles.COUNTS:
        kpis.check_measure(measure)


def _chart(
    found: Months,
    target: Target | None,
    breaks: list[tuple[str, str]] | None,
    chart: str,
    fix_after: int | None,
) -> Chart:
    months, nums, dens, values = found
    improvement = target.improvement if target else "increase"
    goal = target.target if target else None
    if chart == "pprime":
        return pprime(months, [n or 0 for n in nums], [d or 0 for d in dens], improvement, goal)
    return xmr(
        months,
        values,
        improvement,
        goal,
        fix_after=fix_after,
        recalculate=breaks or [],
        numerators=nums,
        denominators=dens,
    )


def funnel_units(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    date_from: dt.date,
    date_to: dt.date,
    by: str,
    team: str | None = None,
    *,
    scope: Scope,
    method: str = "arcsine",
) -> Funnel:
    """The funnel of every IRO or chair (``by="staff"``, anonymised as the role requires)
    or team (``by="team"``) with events in the period."""
    kpis.check_measure(measure)
    if by not in ("staff", "team"):
        raise QueryError("a funnel is by staff or by team")
    if date_to < date_from:
        raise QueryError(f"the period ends ({date_to}) before it starts ({date_from})")
    if by == "staff":
        df = records.kpi_by_staff(con, measure, date_from, date_to, team, scope=scope)
        rows = [
            (str(sid or ""), str(name), int(n), int(d))
            for sid, name, n, d in zip(
                df["staff_id"], df["staff_name"], df["numerator"], df["denominator"], strict=True
            )
        ]
    else:
        df = records.kpi_by_team(con, measure, date_from, date_to, scope=scope)
        rows = [
            (str(team), str(team), int(n), int(d))
            for team, n, d in zip(df["team"], df["numerator"], df["denominator"], strict=True)
        ]
    return funnel(rows, method)
