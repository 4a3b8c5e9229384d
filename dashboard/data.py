"""The dashboard's one door to the data layer, cached by load.

Each function here opens the current snapshot (:func:`queries.db.cursor`), and caches its
result with flask-caching under a key that includes the load id: a new nightly load is
a new key, so it is seen at once and nothing stale is served. Values are plain data
(dataclasses, frames), so the simple, filesystem and Redis backends all work.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
import plotly.graph_objects as go
from flask import Flask
from flask_caching import Cache

from queries import db, kpis, qa, records, store
from queries.kpis import Filters, MonthRatio, Ratio
from queries.records import LoadInfo
from queries.settings import Settings, load_settings
from queries.targets import Target, load_targets

if TYPE_CHECKING:  # the connection type only; the UI never opens one itself
    import duckdb

cache = Cache()
_settings: list[Settings] = []

R = TypeVar("R")


def configure(server: Flask, settings: Settings) -> None:
    """Bind the cache to ``server`` with the backend the settings name."""
    _settings[:] = [settings]
    config: dict[str, Any] = {"CACHE_TYPE": settings.cache_type, "CACHE_DEFAULT_TIMEOUT": 0}
    if settings.cache_type == "FileSystemCache":
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


def current_load_id() -> str:
    return db.cursor(settings().db_path)[1]


@_by_load
def load_info(con: duckdb.DuckDBPyConnection) -> LoadInfo:
    return records.load_info(con)


@_by_load
def data_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return records.data_years(con)


@_by_load
def staff(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return records.staff_list(con)


@_by_load
def kpi_range(
    con: duckdb.DuckDBPyConnection, date_from: dt.date, date_to: dt.date, filters: Filters
) -> dict[str, Ratio]:
    return kpis.kpi_range(con, date_from, date_to, filters)


@_by_load
def monthly_series(
    con: duckdb.DuckDBPyConnection, measure: str, fy_from: int, fy_to: int, filters: Filters
) -> dict[str, list[MonthRatio]]:
    return kpis.monthly_series(con, measure, fy_from, fy_to, filters)


@_by_load
def kpi_by_staff(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    date_from: dt.date,
    date_to: dt.date,
    team: str | None,
) -> pd.DataFrame:
    return records.kpi_by_staff(con, measure, date_from, date_to, team)


@_by_load
def kpi_by_team(
    con: duckdb.DuckDBPyConnection, measure: str, date_from: dt.date, date_to: dt.date
) -> pd.DataFrame:
    return records.kpi_by_team(con, measure, date_from, date_to)


@_by_load
def participation_mix(
    con: duckdb.DuckDBPyConnection, date_from: dt.date, date_to: dt.date, filters: Filters
) -> pd.DataFrame:
    return records.participation_mix(con, date_from, date_to, filters)


@_by_load
def review_records(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters,
    only_late: bool,
) -> pd.DataFrame:
    return records.review_records(con, date_from, date_to, filters, only_late)


@_by_load
def conference_records(
    con: duckdb.DuckDBPyConnection,
    date_from: dt.date,
    date_to: dt.date,
    filters: Filters,
    kind: str | None,
    only_late: bool,
) -> pd.DataFrame:
    return records.conference_records(con, date_from, date_to, filters, kind, only_late)


@_by_load
def data_quality_summary(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return records.data_quality_summary(con)


@_by_load
def data_quality_rows(
    con: duckdb.DuckDBPyConnection, kind: str | None, file: str | None, reason: str | None
) -> pd.DataFrame:
    return records.data_quality_rows(con, kind, file, reason)


@_by_load
def count_series(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    fy_from: int,
    fy_to: int,
    grain: str,
    filters: Filters,
) -> dict[str, list[tuple[str, int]]]:
    return qa.count_series(con, measure, fy_from, fy_to, grain, filters)


@_by_load
def count_range(
    con: duckdb.DuckDBPyConnection, date_from: dt.date, date_to: dt.date, filters: Filters
) -> dict[str, int]:
    return qa.count_range(con, date_from, date_to, filters)


@_by_load
def count_by_staff(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    date_from: dt.date,
    date_to: dt.date,
    team: str | None,
) -> pd.DataFrame:
    return qa.count_by_staff(con, measure, date_from, date_to, team)


@_by_load
def qa_table(con: duckdb.DuckDBPyConnection, name: str, *args: Any) -> pd.DataFrame:
    """One of the QA breakdowns or lists in :mod:`queries.qa`, by its function name."""
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
    }
    result: pd.DataFrame = functions[name](con, *args)
    return result


@_by_load
def table_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return qa.table_rows(con)


def load_history(last: int = 20) -> list[dict[str, Any]]:
    """The newest load-log entries, newest first (read fresh: failures change no load id)."""
    return list(reversed(store.read_log(settings().db_path, last)))


def last_attempt() -> dict[str, Any] | None:
    """The newest load-log entry (never cached: a failed load changes no load id)."""
    entries = store.read_log(settings().db_path, 1)
    return entries[-1] if entries else None


def targets() -> dict[str, Target]:
    return load_targets(settings().targets_file)


def cached_view(func: Callable[..., Any]) -> Callable[..., Any]:
    """Cache what a callback returns (a built figure or table), keyed by load and inputs.

    Building a Plotly figure costs more than the query behind it, so a repeated view is
    served whole from the cache. The key holds the load id, so a new load is a miss.
    """

    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        key = f"sqa:view:{func.__module__}.{func.__name__}:{current_load_id()}:{args!r}"
        hit = cache.get(key)
        if hit is not None:
            return hit
        value = _plain(func(*args))
        cache.set(key, value)
        return value

    return wrapper


def _plain(value: Any) -> Any:
    """Figures as plain dicts: unpickling a go.Figure re-validates every property."""
    if isinstance(value, go.Figure):
        return value.to_plotly_json()
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value
