"""The dashboard's one door to the data layer, cached by load.

Each function here opens the current snapshot (:func:`queries.core.db.cursor`), and caches its
result with flask-caching under a key that includes the load id: a new nightly load is
a new key, so it is seen at once and nothing stale is served. Values are plain data
(dataclasses, frames), so the simple, filesystem and Redis backends all work.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import orjson
import pandas as pd
import plotly.graph_objects as go
from dash.development.base_component import Component
from flask import Flask, g, has_request_context, request
from flask_caching import Cache
from plotly.io.json import to_json_plotly

from dashboard.view import EVERYONE
from queries.access.scope import Scope
from queries.access.scope import require_admin as _require_admin
from queries.access.scope import require_packs as _require_packs
from queries.core import db
from queries.core.errors import AccessDenied, QueryError
from queries.core.files import private_dir
from queries.core.settings import Settings, load_settings
from queries.ingest import store
from queries.measures import comparators, kpis, qa, records, spc, variation
from queries.measures.funnel import Funnel
from queries.measures.kpis import Filters, MonthRatio, Ratio
from queries.measures.records import LoadInfo
from queries.measures.targets import Target, load_breaks, load_targets
from queries.state import accounts, snapshots
from queries.state.snapshots import Snapshot

if TYPE_CHECKING:  # the connection type only; the UI never opens one itself
    import duckdb

cache = Cache()
CACHE_SECONDS = 2 * 24 * 60 * 60
_settings: list[Settings] = []

R = TypeVar("R")


def configure(server: Flask, settings: Settings) -> None:
    """Bind the cache to ``server`` with the backend the settings name."""
    _settings[:] = [settings]
    # Two days: a view's key holds the day and the load id, so an entry is never served
    # after its day; expiring lets Redis drop it, and lets the file and memory caches
    # remove expired entries first when they pass 5,000.
    config: dict[str, Any] = {
        "CACHE_TYPE": settings.cache_type,
        "CACHE_DEFAULT_TIMEOUT": CACHE_SECONDS,
    }
    if settings.cache_type == "FileSystemCache":
        private_dir(settings.cache_dir)  # cached figures and rows: the owner only (700)
        config["CACHE_DIR"] = str(settings.cache_dir)
        config["CACHE_THRESHOLD"] = 5000
    elif settings.cache_type == "RedisCache":
        config["CACHE_REDIS_URL"] = settings.cache_redis_url
    else:
        config["CACHE_THRESHOLD"] = 5000
    cache.init_app(server, config=config)


def settings() -> Settings:
    if not _settings:
        _settings.append(load_settings())
    return _settings[0]


def current_scope() -> Scope:
    """The signed-in viewer, set on each request by :mod:`dashboard.auth`."""
    scope = g.get("sqa_scope") if has_request_context() else None
    if not isinstance(scope, Scope):
        raise AccessDenied("Sign in to see the dashboard.")
    return scope


def _by_load(func: Callable[..., R]) -> Callable[..., R]:
    """Cache ``func(con, *args)`` under (function, load id, args)."""

    @functools.wraps(func)
    def wrapper(*args: Any) -> R:
        con, load_id = db.cursor(settings().db_path)
        key = f"sqa:{func.__name__}:{load_id}:{args!r}"
        hit = cache.get(key)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        value = func(con, *args)
        cache.set(key, value)
        return value

    return wrapper


def _scoped(func: Callable[..., R]) -> Callable[..., R]:
    """Cache ``func(con, *args, scope=viewer)`` under (function, load id, viewer, args).

    The viewer's scope is part of the key and is passed to the data layer, which applies
    it: two people with different roles never share a cached answer.
    """

    @functools.wraps(func)
    def wrapper(*args: Any) -> R:
        scope = current_scope()
        con, load_id = db.cursor(settings().db_path)
        key = f"sqa:{func.__name__}:{load_id}:{scope!r}:{args!r}"
        hit = cache.get(key)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        value = func(con, *args, scope=scope)
        cache.set(key, value)
        return value

    return wrapper


def filters_of(args: Any) -> dict[str, object]:
    """A query's arguments as audit filters: team, staff, the dates as from and to."""
    out: dict[str, object] = {}
    dates = [a for a in args if isinstance(a, dt.date)]
    for a in args:
        if isinstance(a, Filters):
            out.update(team=a.team, staff=a.staff)
        elif isinstance(a, int) and not isinstance(a, bool):
            out["days"] = a
    if dates:
        out["from"] = dates[0].isoformat()
        out["to"] = dates[-1].isoformat()
    return out


def checked_filters(filters: Mapping[str, object]) -> dict[str, object]:
    """``filters`` with the team and person checked against the data: a value that names
    no team or person the viewer may see is refused (400), never written to the trail."""
    out = {k: v for k, v in filters.items() if v not in (None, "", EVERYONE)}
    team = out.get("team")
    if team is not None and str(team) not in teams(None):
        raise QueryError("There is no such team in the data; choose one from the list.")
    staff_id = out.get("staff")
    if staff_id is not None and str(staff_id) not in set(staff()["staff_id"].astype(str).tolist()):
        raise QueryError("There is no such IRO or chair in your view; choose one from the list.")
    return out


def audit(action: str, what: str, rows: int, filters: Mapping[str, object] | None = None) -> None:
    """Append to the audit trail as the signed-in viewer, from their client address."""
    address = str(g.get("sqa_address") or request.remote_addr) if has_request_context() else None
    accounts.record(
        settings().accounts_state,
        current_scope(),
        action,
        what,
        rows,
        address,
        checked_filters(filters or {}),
    )


def refused(message: str, filters: Mapping[str, object]) -> None:
    """Record a refusal shown in the page (not an HTTP 403): who asked for what."""
    accounts.record(
        settings().accounts_state,
        current_scope(),
        "refused",
        message,
        0,
        str(g.get("sqa_address") or request.remote_addr) if has_request_context() else None,
        {k: v for k, v in filters.items() if v is not None},
    )


def hold_table(table_id: str, caption: str, columns: list[str], rows: list[Any]) -> str:
    """Keep a drawn table for the viewer's download button; the token for the page."""
    return accounts.hold_table(
        settings().accounts_state, current_scope().user, table_id, caption, columns, rows
    )


def held_table(token: object) -> dict[str, Any]:
    """The table the viewer was shown under ``token``, audited as an export."""
    if not isinstance(token, str):
        raise QueryError("That download was not understood; reload the page and try again.")
    table = accounts.held_table(settings().accounts_state, current_scope().user, token)
    if table is None:
        raise QueryError(
            "That table is no longer held for download (tables are kept for a day); "
            "reload the page and try again."
        )
    return table


def recent_exports(what: str, minutes: int) -> int:
    """How many ``what`` exports the viewer has made in the last ``minutes`` (from the
    audit trail, so the count holds across workers and servers)."""
    return accounts.recent(settings().accounts_state, current_scope().user, "export", what, minutes)


def current_load_id() -> str:
    return db.cursor(settings().db_path)[1]


@_by_load
def load_info(con: duckdb.DuckDBPyConnection) -> LoadInfo:
    return records.load_info(con)


@_by_load
def data_years(
    con: duckdb.DuckDBPyConnection, measures: tuple[str, ...] | None = None
) -> list[int]:
    return records.data_years(con, measures)


@_scoped
def staff(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> pd.DataFrame:
    """The IROs and chairs the viewer may see by name."""
    return records.staff_list(con, scope=scope)


@_scoped
def teams(
    con: duckdb.DuckDBPyConnection, roles: tuple[str, ...] | None, *, scope: Scope
) -> list[str]:
    return records.teams(con, roles, scope=scope)


@_scoped
def kpi_range(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters,
    *,
    scope: Scope,
) -> dict[str, Ratio]:
    return kpis.kpi_range(con, date_from, date_to, filters, scope=scope)


def spc_breaks() -> dict[str, list[tuple[str, str]]]:
    """The known changes in practice, from the breaks file."""
    return load_breaks(settings().spc_breaks_file)


@_scoped
def spc_chart(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    month_from: str,
    month_to: str,
    filters: Filters,
    chart: str = "xmr",
    *,
    scope: Scope,
) -> spc.Chart:
    """The measure's SPC chart over the months, with the targets file's direction and
    target and the breaks file's recalculations."""
    breaks = load_breaks(settings().spc_breaks_file)
    return variation.spc_chart(
        con, measure, month_from, month_to, filters, scope=scope,
        target=targets().get(measure), breaks=breaks.get(measure, []) + breaks.get("*", []),
        chart=chart,
    )  # fmt: skip


@_scoped
def spc_charts(
    con: duckdb.DuckDBPyConnection,
    measures: tuple[str, ...],
    month_from: str,
    month_to: str,
    filters: Filters,
    *,
    scope: Scope,
) -> dict[str, spc.Chart]:
    """:func:`spc_chart` (XmR) of each measure over the same months, read in one query."""
    breaks = load_breaks(settings().spc_breaks_file)
    return variation.spc_charts(
        con, measures, month_from, month_to, filters, scope=scope, targets=targets(),
        breaks={m: breaks.get(m, []) + breaks.get("*", []) for m in measures},
    )  # fmt: skip


@_scoped
def funnel(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    date_from: dt.date,
    date_to: dt.date,
    by: str,
    team: str | None,
    method: str = "arcsine",
    *,
    scope: Scope,
) -> Funnel:
    """A KPI's funnel of people (anonymised as the viewer's role requires) or teams."""
    return variation.funnel_units(
        con, measure, date_from, date_to, by, team, scope=scope, method=method
    )


@_scoped
def left_out(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters,
    *,
    scope: Scope,
) -> dict[str, dict[str, int]]:
    """Events each KPI leaves out because the data cannot judge them, by reason."""
    return kpis.left_out(con, date_from, date_to, filters, scope=scope)


@_scoped
def monthly_series(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    fy_from: int,
    fy_to: int,
    filters: Filters,
    *,
    scope: Scope,
) -> dict[str, list[MonthRatio]]:
    return kpis.monthly_series(con, measure, fy_from, fy_to, filters, scope=scope)


@_scoped
def kpi_by_staff(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    date_from: dt.date,
    date_to: dt.date,
    team: str | None,
    *,
    scope: Scope,
) -> pd.DataFrame:
    return records.kpi_by_staff(con, measure, date_from, date_to, team, scope=scope)


@_scoped
def kpi_by_team(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    date_from: dt.date,
    date_to: dt.date,
    *,
    scope: Scope,
) -> pd.DataFrame:
    return records.kpi_by_team(con, measure, date_from, date_to, scope=scope)


@_scoped
def participation_mix(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters,
    *,
    scope: Scope,
) -> pd.DataFrame:
    return records.participation_mix(con, date_from, date_to, filters, scope=scope)


@_scoped
def review_records(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters,
    only_late: bool,
    *,
    scope: Scope,
) -> pd.DataFrame:
    return records.review_records(con, date_from, date_to, filters, only_late, scope=scope)


@_scoped
def measure_records(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters,
    only_met: bool | None,
    *,
    scope: Scope,
) -> pd.DataFrame:
    return records.measure_records(con, measure, date_from, date_to, filters, only_met, scope=scope)


@_scoped
def conference_records(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters,
    kind: str | None,
    only_late: bool,
    *,
    scope: Scope,
) -> pd.DataFrame:
    return records.conference_records(
        con, date_from, date_to, filters, kind, only_late, scope=scope
    )


@_scoped
def data_quality_summary(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> pd.DataFrame:
    return records.data_quality_summary(con, scope=scope)


@_scoped
def data_quality_rows(
    con: duckdb.DuckDBPyConnection,
    kind: str | None,
    file: str | None,
    reason: str | None,
    *,
    scope: Scope,
) -> pd.DataFrame:
    return records.data_quality_rows(con, kind, file, reason, scope=scope)


@_scoped
def count_series(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    fy_from: int,
    fy_to: int,
    grain: str,
    filters: Filters,
    *,
    scope: Scope,
) -> dict[str, list[tuple[str, int]]]:
    return qa.count_series(con, measure, fy_from, fy_to, grain, filters, scope=scope)


@_scoped
def count_range(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters,
    *,
    scope: Scope,
) -> dict[str, int]:
    return qa.count_range(con, date_from, date_to, filters, scope=scope)


@_scoped
def count_by_staff(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    date_from: dt.date,
    date_to: dt.date,
    team: str | None,
    *,
    scope: Scope,
) -> pd.DataFrame:
    return qa.count_by_staff(con, measure, date_from, date_to, team, scope=scope)


CHILD_LEVEL = frozenset(
    {"open_drps", "review_worklist", "reviews_without_contact", "feedback_comments"}
)


def qa_table(name: str, *args: Any) -> pd.DataFrame:
    """A QA table (the page that shows a child-level one writes its audit record)."""
    return _qa_table(name, *args)


def audit_child_view(name: str, rows: int, *args: Any) -> None:
    """The audit record of one showing of the child-level list ``name`` with the query
    arguments ``args``, also when the view drawn from it comes from the view cache."""
    if name not in CHILD_LEVEL:
        raise KeyError(name)
    audit("view", name.replace("_", " "), rows, {"table": name, **filters_of(args)})


@_scoped
def _qa_table(con: duckdb.DuckDBPyConnection, name: str, *args: Any, scope: Scope) -> pd.DataFrame:
    """One of the QA breakdowns or lists in :mod:`queries.measures.qa`, by its function name."""
    functions: dict[str, Callable[..., pd.DataFrame]] = {
        "drp_breakdown": qa.drp_breakdown,
        "drp_resolution": qa.drp_resolution,
        "drp_escalations": qa.drp_escalations,
        "pa_breakdown": qa.pa_breakdown,
        "audit_breakdown": qa.audit_breakdown,
        "feedback_questions": qa.feedback_questions,
        "caseloads": qa.caseloads,
        "open_drps": qa.open_drps,
        "review_worklist": qa.review_worklist,
        "reviews_without_contact": qa.reviews_without_contact,
        "feedback_comments": qa.feedback_comments,
    }
    result: pd.DataFrame = functions[name](con, *args, scope=scope)
    return result


@_scoped
def reviews_without_contact_count(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters,
    *,
    scope: Scope,
) -> int:
    return qa.reviews_without_contact_count(con, date_from, date_to, filters, scope=scope)


@_by_load
def table_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return qa.table_rows(con)


def require_admin() -> None:
    _require_admin(current_scope())


def audit_search(
    since: dt.date | None,
    until: dt.date | None,
    user: str | None,
    text: str | None,
    limit: int = 5000,
) -> pd.DataFrame:
    """Audit records for the admin page (never cached: it grows by the second)."""
    where = settings().accounts_state
    return accounts.search(where, current_scope(), since, until, user, text, limit)


def audit_csv(frame: pd.DataFrame) -> str:
    return accounts.audit_csv(frame)


def accounts_table() -> pd.DataFrame:
    return accounts.accounts_table(settings().accounts_state, current_scope())


def snapshot(month: str) -> Snapshot | None:
    """The frozen figures for a month (never cached: taking one must show at once)."""
    return snapshots.get(settings().snapshots_state, month, current_scope())


def take_snapshot(month: str, replace: bool) -> None:
    con, _ = db.cursor(settings().db_path)
    snapshots.take(con, settings().snapshots_state, month, current_scope(), replace)
    audit("snapshot", "froze a month's figures", 0, {"month": month, "replace": replace})


@_by_load
def _figures_now(con: duckdb.DuckDBPyConnection, month: str, group: str) -> dict[str, Any]:
    """The figures now for one group only: every team's would take seconds at scale."""
    return snapshots.compute(con, month, only=group)


def moved_since(snap: Snapshot, group: str) -> pd.DataFrame:
    """The snapshot's figures against the same figures from the data now."""
    _require_packs(current_scope())
    return snapshots.moved(snap, _figures_now(snap.month, group), group)


def commentary(period: str) -> dict[str, dict[str, str]]:
    _require_packs(current_scope())
    return snapshots.commentary(settings().snapshots_state, period)


def save_commentary(period: str, measure: str, body: str) -> None:
    try:
        changed = snapshots.save_commentary(
            settings().snapshots_state, current_scope(), period, measure, body
        )
    except AccessDenied as exc:
        refused(str(exc), {"period": period, "measure": measure})
        raise
    if changed:
        audit(
            "commentary", "saved board-pack commentary", 0, {"period": period, "measure": measure}
        )


def writes_commentary() -> bool:
    """Whether the viewer may write the service's board-pack commentary."""
    return current_scope().role in ("service_manager", "system")


def load_history(last: int = 20) -> list[dict[str, Any]]:
    """The newest load-log entries, newest first (read fresh: failures change no load id)."""
    return list(reversed(store.read_log(settings().db_path, last)))


def last_attempt() -> dict[str, Any] | None:
    """The newest load-log entry (never cached: a failed load changes no load id)."""
    entries = store.read_log(settings().db_path, 1)
    return entries[-1] if entries else None


def targets() -> dict[str, Target]:
    return load_targets(settings().targets_file)


def today() -> dt.date:
    """The day the review worklist counts from: ``SQA_TODAY``, else today in the UK."""
    fixed = settings().today
    return fixed or dt.datetime.now(ZoneInfo("Europe/London")).date()


def targets_for(fy: int) -> dict[str, Target]:
    """The targets, with the England (and configured region's) figures published for
    financial year ``fy`` or the latest year before it."""
    s = settings()
    neighbours = comparators.load_neighbours(s.neighbours_file).get(s.authority, [])
    return comparators.with_published(
        targets(), comparators.load_comparators(s.comparators_file), fy, s.region, neighbours
    )


def _view_key(func: Callable[..., Any], args: tuple[Any, ...]) -> str:
    return (  # the day too: the worklist counts from today, so a view lasts a day at most
        f"sqa:view:{func.__module__}.{func.__name__}:{current_load_id()}:{today()}:"
        f"{current_scope()!r}:{args!r}"
    )


def cached_view(func: Callable[..., Any]) -> Callable[..., Any]:
    """Cache what a callback returns (a built figure or table), keyed by load and inputs.

    Building a Plotly figure costs more than the query behind it, so a repeated view is
    served whole from the cache. The key holds the load id, so a new load is a miss, and
    the day (the worklist counts from today).
    """

    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        key = _view_key(func, args)
        hit = cache.get(key)
        if hit is not None:
            return hit
        value = func(*args)
        if settings().cache_type != "NullCache":  # made plain only to be cached
            value = _plain(value)
            cache.set(key, value)
        return value

    return wrapper


def _plain(value: Any) -> Any:
    """A view as the JSON data Dash would send for it, so a cache hit is cheap to unpickle
    and to send: a component tree (with figures inside it) becomes plain dicts and lists,
    as the browser receives it; unpickling a go.Figure re-validates every property. (A
    round trip through Plotly's encoder, which uses orjson when it is installed, as it is
    here, is quicker than walking the tree in Python.)"""
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, (Component, go.Figure, list, dict)):
        return orjson.loads(to_json_plotly(value))
    return value
