"""Any SQL source through SQLAlchemy: one query per contract table, from a mapping file.

A mapping is a TOML file with one ``[tables.<name>]`` section per contract table and its
``query``; the query's result must have the contract's column names (extra ones are
ignored, missing optional ones are written blank). Tables a mapping leaves out are absent
optional files (or header-only required ones, which the mapping must then say it means,
with ``query = ""``). The bundled ``ssd`` mapping reads the Standard Safeguarding Dataset.

Credentials never come from the command line or go into a log: the URL names the host,
database and user, and the password comes from ``SQA_SOURCE_PASSWORD`` (or the driver's
own environment, e.g. ``PGPASSWORD``). A URL with a password in it is refused. Every
message shows the URL with any password hidden.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from queries.core.errors import ConfigError
from queries.ingest.adapters import AdapterError, write_tables
from queries.ingest.contract import TABLES, TABLES_BY_NAME

BUNDLED = {"ssd": Path(__file__).with_name("ssd_mapping.toml")}
BATCH = 10_000


def load_mapping(name_or_path: str) -> dict[str, str]:
    """The mapping's query per contract table (a bundled name, or a TOML file)."""
    path = BUNDLED.get(name_or_path, Path(name_or_path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"no mapping file {path}; give a TOML file or one of: {', '.join(BUNDLED)}"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name} is not valid TOML: {exc}") from exc
    tables = data.get("tables")
    if not isinstance(tables, dict) or not tables:
        raise ConfigError(f"{path.name} has no [tables.<name>] sections")
    unknown = [t for t in tables if t not in TABLES_BY_NAME]
    if unknown:
        raise ConfigError(
            f"{path.name}: {', '.join(unknown)} not contract tables; use: "
            f"{', '.join(t.name for t in TABLES)}"
        )
    missing = [t.name for t in TABLES if t.required and t.name not in tables]
    if missing:
        raise ConfigError(
            f"{path.name} has no query for the required tables {', '.join(missing)}; add a "
            '[tables.<name>] section (query = "" writes the file with no rows)'
        )
    out = {}
    for name, section in tables.items():
        query = section.get("query") if isinstance(section, dict) else None
        if not isinstance(query, str):
            raise ConfigError(f'{path.name}: [tables.{name}] needs query = "..."')
        out[name] = query.strip()
    return out


def load_extras(name_or_path: str) -> tuple[str, dict[str, str]]:
    """The mapping's optional ``[coverage] query`` (one date: where the source's review
    history begins) and ``[left_out]`` queries (reason = a count of rows left out by
    design, so every source row is accounted for)."""
    path = BUNDLED.get(name_or_path, Path(name_or_path))
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    coverage = data.get("coverage", {})
    left_out = data.get("left_out", {})
    if not isinstance(coverage, dict) or not isinstance(left_out, dict):
        raise ConfigError(f"{path.name}: [coverage] and [left_out] must be tables")
    query = coverage.get("query", "")
    if not isinstance(query, str) or not all(isinstance(q, str) for q in left_out.values()):
        raise ConfigError(f"{path.name}: [coverage] and [left_out] hold queries as strings")
    return query.strip(), {str(k): str(v).strip() for k, v in left_out.items()}


def _scalar(conn: sa.Connection, what: str, query: str, shown: str) -> Any:
    try:
        return conn.execute(sa.text(query)).scalar()
    except SQLAlchemyError as exc:
        raise AdapterError(f"the {what} query failed on {shown}: {_first_line(exc)}") from exc


def source_url(raw: str, password: str) -> URL:
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise ConfigError(
            f"'{raw}' is not a database URL; write e.g. postgresql+psycopg://user@host/db "
            "or sqlite:///path/to/file.db"
        ) from exc
    if url.password:
        raise ConfigError(
            "the source URL has a password in it, which would show in the process list and "
            "shell history; put it in SQA_SOURCE_PASSWORD instead"
        )
    return url.set(password=password) if password else url


def _value(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.date()
    return v


def _rows(
    conn: sa.Connection,
    name: str,
    query: str,
    shown: str,
    gaps: dict[str, list[str]] | None = None,
) -> Iterator[Mapping[str, Any]]:
    """The query's rows; contract columns it does not return go into ``gaps`` (the
    source has no such field: the measures that need them read "not recorded")."""
    table = TABLES_BY_NAME[name]
    try:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
            sa.text(query)
        )
    except SQLAlchemyError as exc:
        raise AdapterError(f"the query for {name} failed on {shown}: {_first_line(exc)}") from exc
    columns = [str(c).lower() for c in result.keys()]
    missing = [c.name for c in table.columns if c.required and c.name not in columns]
    if missing:
        raise AdapterError(
            f"the query for {name} returned no column {', '.join(missing)}; it returned: "
            f"{', '.join(columns)}"
        )
    absent = [c.name for c in table.columns if c.name not in columns]
    if gaps is not None and absent:
        gaps[name] = absent
    for row in result:
        yield {c: _value(v) for c, v in zip(columns, row, strict=True)}


def _first_line(exc: Exception) -> str:
    """The driver's own message, first line only (no SQL echo, no parameters)."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__


def extract(raw_url: str, mapping: str, out_dir: Path, password: str = "") -> dict[str, Any]:
    """Run the mapping's queries against the source and write the extract to ``out_dir``."""
    queries = load_mapping(mapping)
    coverage_query, left_out_queries = load_extras(mapping)
    url = source_url(raw_url, password)
    shown = url.render_as_string(hide_password=True)
    try:
        engine = sa.create_engine(url)
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        raise ConfigError(f"cannot use {shown}: {exc}") from exc
    try:
        with engine.connect() as conn:
            coverage = (
                _value(_scalar(conn, "coverage", coverage_query, shown)) if coverage_query else None
            )
            if isinstance(coverage, str):  # SQLite gives dates as text
                coverage = dt.date.fromisoformat(coverage[:10])
            left_out = {
                reason: int(_scalar(conn, f"left_out ({reason})", q, shown) or 0)
                for reason, q in left_out_queries.items()
            }
            gaps: dict[str, list[str]] = {}
            tables = {
                name: _rows(conn, name, query, shown, gaps)
                for name, query in queries.items()
                if query
            }
            tables.update({name: iter(()) for name, query in queries.items() if not query})
            empty = [name for name, query in queries.items() if not query]
            extra = {
                "review_coverage_from": coverage.isoformat() if coverage else None,
                "left_out_at_source": left_out,
                # Filled in as each query runs, before the manifest is written.
                "columns_not_in_source": gaps,
            }
            counts = write_tables(out_dir, tables, f"SQL ({mapping})", empty, extra)
    except SQLAlchemyError as exc:
        raise AdapterError(f"cannot read from {shown}: {_first_line(exc)}") from exc
    finally:
        engine.dispose()
    return {
        "source": shown,
        "mapping": mapping,
        "rows": counts,
        "review_coverage_from": extra["review_coverage_from"],
        "left_out_at_source": left_out,
    }
