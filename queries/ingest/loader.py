"""Loading an extract: read, validate, build a new DuckDB file beside the old, swap it in.

The rules are the extract contract's (``queries.ingest.contract``). A row that breaks a rule is
set aside in ``rejects`` with its file, line, column and reason; a file or column that is
unusable raises :class:`ExtractError` and leaves the serving database untouched, because
each load builds a new database file under a temporary name and, only when it is
complete, the serving path (a symlink) is swapped to it with ``os.replace``, which is
atomic on one file system. Readers that opened the previous file keep reading it whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import errno
import io
import json
import logging
import os
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from queries.core import sqlfiles
from queries.core.errors import ExtractError, LoadBusyError, LoadHeldBack
from queries.ingest import store
from queries.ingest.calendar import build_calendar
from queries.ingest.contract import TABLES, Column, Table, load_order

SCHEMA_VERSION = 3
MAX_VALUE_CHARS = 10_000
EARLIEST_DATE = dt.date(1990, 1, 1)
csv.field_size_limit(256 * 1024 * 1024)


@dataclass
class LoadReport:
    """What one load did; printed as JSON by ``sqa load`` and kept in the load log."""

    load_id: str
    extract_dir: str
    db_path: str
    extract_as_of: str
    started_at: str
    finished_at: str = ""
    status: str = "running"
    error: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    rejects: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    files_absent: list[str] = field(default_factory=list)
    not_in_source: list[str] = field(default_factory=list)
    # Columns the source cannot hold, per table (the measures that need them read "not
    # recorded in this source"), and where the source's review history begins.
    columns_not_in_source: dict[str, list[str]] = field(default_factory=dict)
    review_coverage_from: str | None = None
    merged_returns: list[str] = field(default_factory=list)
    left_out_at_source: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# --------------------------------------------------------------------------- reading


def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractError(
            f"{path.name}: is UTF-16 (Excel's 'Unicode text'); re-export it as CSV UTF-8"
        )
    if b"\x00" in raw:
        raise ExtractError(
            f"{path.name}: contains binary data (NUL bytes), not a CSV text file; "
            "re-export it as CSV"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ExtractError(
            f"{path.name}: line {line}: byte 0x{raw[exc.start]:02x} is neither UTF-8 nor "
            "Windows-1252; re-export the file as UTF-8"
        ) from exc


@dataclass
class RawFile:
    """A file's well-shaped records as string columns plus ``_line`` (an Arrow table), and
    the records set aside for their shape: (line, column, value, reason code, message)."""

    table: Table
    data: pa.Table
    shape_rejects: list[tuple[int, str, str, str, str]]

    @property
    def n_rows(self) -> int:
        return int(self.data.num_rows)


def read_extract_file(path: Path, table: Table) -> RawFile:
    """Read one contract file; raise :class:`ExtractError` if the file is unusable.

    Most files take the fast path (Arrow's CSV parser, line numbers from a vectorised scan);
    a file with quoted line breaks or bare carriage returns, or anything the fast path
    cannot account for line by line, is read by Python's csv module instead. Both give the
    same rows and the same line numbers.
    """
    try:
        raw = path.read_bytes()
    except PermissionError as exc:
        raise ExtractError(f"{path.name}: permission denied reading {path}") from exc
    except OSError as exc:
        raise ExtractError(f"{path.name}: cannot be read ({exc.strerror})") from exc
    text = _decode(path, raw)
    if not text.strip():
        raise ExtractError(f"{path.name}: the file is empty (no header row)")
    data = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    if not _is_utf8(data):
        data = text.encode("utf-8")
    fast = _read_fast(path, table, text, data)
    return fast if fast is not None else _read_exact(path, table, text)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _header(path: Path, table: Table, first_record: list[str]) -> tuple[list[str], dict[str, int]]:
    names = [h.strip().lower() for h in first_record]
    _check_header(path, table, names)
    return names, {c.name: names.index(c.name) for c in table.columns if c.name in names}


def _arrow_table(
    table: Table, index: dict[str, int], columns: list[pa.Array], lines: pa.Array
) -> pa.Table:
    data: dict[str, pa.Array] = {"_line": lines}
    for col in table.columns:
        if col.name in index:
            data[col.name] = columns[index[col.name]]
        else:
            data[col.name] = pa.nulls(len(lines), pa.string())
    return pa.table(data)


def _shape_reject(line: int, text: str, width: int, found: int) -> tuple[int, str, str, str, str]:
    return (
        line,
        "",
        _clip(text),
        "wrong_field_count",
        f"expected {width} fields as in the header, found {found} "
        "(a truncated line or an unquoted comma)",
    )


def _read_fast(path: Path, table: Table, text: str, data: bytes) -> RawFile | None:
    """Arrow's parser with exact line numbers, or None where that cannot be guaranteed."""
    b = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(b == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(b)]))
    if starts[-1] == len(b):  # the file ends with a line break
        starts, ends = starts[:-1], ends[:-1]
    lengths = ends - starts
    crlf = (lengths > 0) & (b[np.maximum(ends - 1, 0)] == 13)
    if int(np.count_nonzero(b == 13)) != int(np.count_nonzero(crlf)):
        return None  # a bare carriage return ends a line somewhere: use the exact reader
    quotes = np.flatnonzero(b == 34)
    if len(quotes):
        per_line = np.bincount(
            np.searchsorted(starts, quotes, side="right") - 1, minlength=len(starts)
        )
        if np.any(per_line % 2):
            return None  # a quoted value spans lines: use the exact reader
    lengths = lengths - crlf
    header_text = data[starts[0] : starts[0] + lengths[0]].decode("utf-8")
    names, index = _header(path, table, next(csv.reader([header_text])))
    width = len(names)
    numbers = np.arange(1, len(starts) + 1)[1:]
    candidates = numbers[lengths[1:] > 0]  # blank lines are not records
    skipped: list[tuple[int, str, int]] = []

    def on_invalid(row: Any) -> str:
        skipped.append((int(row.number) + 1, str(row.text), int(row.actual_columns)))
        return "skip"

    try:
        parsed = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(
                use_threads=False,
                skip_rows=1,
                column_names=[f"c{i}" for i in range(width)],
                block_size=1 << 26,
            ),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(width)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    shape: list[tuple[int, str, str, str, str]] = []
    dropped: set[int] = set()
    for line, row_text, found in skipped:
        i = line - 1
        actual = data[starts[i] : starts[i] + lengths[i]] if i < len(starts) else b""
        if actual.decode("utf-8", "replace") != row_text:
            return None  # the parser's numbering is not what we think: use the exact reader
        dropped.add(line)
        if row_text.strip():
            shape.append(_shape_reject(line, row_text, width, found))
    lines = candidates[~np.isin(candidates, np.fromiter(dropped, np.int64, len(dropped)))]
    if len(lines) != parsed.num_rows:
        return None
    data_table = _arrow_table(table, index, parsed.columns, pa.array(lines, pa.int64()))
    return RawFile(table, data_table, shape)


def _read_exact(path: Path, table: Table, text: str) -> RawFile:
    """Python's csv module, record by record: handles every quoting and line ending."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ExtractError(f"{path.name}: header cannot be read as CSV ({exc})") from exc
    names, index = _header(path, table, header)
    width = len(names)
    records: list[list[str]] = []
    lines: list[int] = []
    shape: list[tuple[int, str, str, str, str]] = []
    raw_lines: list[str] | None = None
    start = reader.line_num + 1
    try:
        for rec in reader:
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                start = reader.line_num + 1
                continue
            if len(rec) != width:
                if raw_lines is None:  # only when needed: the file's lines as written
                    raw_lines = re.split(r"\r\n|\r|\n", text)
                raw_text = "\n".join(raw_lines[start - 1 : reader.line_num])
                shape.append(_shape_reject(start, raw_text, width, len(rec)))
            else:
                records.append(rec)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ExtractError(
            f"{path.name}: line {reader.line_num}: the CSV cannot be parsed ({exc}); "
            "check quoting near that line"
        ) from exc
    columns = [pa.array([r[i] for r in records], pa.string()) for i in range(width)]
    return RawFile(table, _arrow_table(table, index, columns, pa.array(lines, pa.int64())), shape)


def _check_header(path: Path, table: Table, names: list[str]) -> None:
    if len(names) == 1:
        for sep, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if sep in names[0]:
                raise ExtractError(
                    f"{path.name}: the header is separated by {label}; the contract needs "
                    "commas: re-export as comma-separated CSV"
                )
    known = {c.name for c in table.columns}
    dupes = sorted({n for n in names if n in known and names.count(n) > 1})
    if dupes:
        raise ExtractError(
            f"{path.name}: column '{dupes[0]}' appears more than once in the header; keep one"
        )
    missing = [c.name for c in table.columns if c.required and c.name not in names]
    if missing:
        col = missing[0]
        unknown = [n for n in names if n not in known]
        near = (
            difflib.get_close_matches(col, unknown, n=1)
            or [n for n in unknown if n and (n in col or col in n)][:1]
        )
        hint = f" (found '{near[0]}': rename it to '{col}')" if near else ""
        raise ExtractError(
            f"{path.name}: required column '{col}' is missing{hint}"
            + (f"; also missing: {', '.join(missing[1:])}" if len(missing) > 1 else "")
        )


def _clip(value: str, n: int = 200) -> str:
    return value if len(value) <= n else value[:n] + "…"


# --------------------------------------------------------------------------- validating

_DATE_SQL = (
    "coalesce(try_strptime(split_part(split_part({v}, 'T', 1), ' ', 1), '%Y-%m-%d'), "
    "try_strptime(split_part({v}, ' ', 1), '%d/%m/%Y'))::date"
)


def _raw(col: Column) -> str:
    """The stage column holding ``col`` as written (trimmed, blank as null). A text column
    is stored as written, so it is its own; dates and codes keep a ``__raw`` copy."""
    return f"{col.name}__raw" if col.kind in ("date", "code") else col.name


def _typed_expr(col: Column) -> str:
    v = f"nullif(trim({col.name}), '')"
    if col.kind == "date":
        return _DATE_SQL.format(v=v)
    if col.kind == "code":
        return f"upper({v})"
    return v


def _check_queries(table: Table, as_of: dt.date) -> list[tuple[str, str, str]]:
    """(column, reason code, SQL over ``stage``) for each per-row rule of ``table``.

    Each SQL selects ``_line, value, message`` of the offending rows. Identifiers come only
    from the contract; values (dates, codes) are bound or are contract constants.
    """
    checks: list[tuple[str, str, str]] = []
    for col in table.columns:
        raw = _raw(col)
        checks.append(
            (
                col.name,
                "value_too_long",
                (
                    f"select _line, {raw}, 'value of ' || length({raw}) || ' characters is longer "
                    f"than the {MAX_VALUE_CHARS} allowed' from stage "
                    f"where length({raw}) > {MAX_VALUE_CHARS}"
                ),
            )
        )
        if col.not_null:
            checks.append(
                (
                    col.name,
                    "blank_required",
                    (
                        f"select _line, null, '{col.name} is required but blank' from stage "
                        f"where {raw} is null"
                    ),
                )
            )
        if col.kind == "date":
            checks.append(
                (
                    col.name,
                    "bad_date",
                    (
                        f"select _line, {raw}, '''' || {raw} || ''' is not a date: use YYYY-MM-DD "
                        f"or DD/MM/YYYY (never US order)' from stage "
                        f"where {raw} is not null and {col.name} is null"
                    ),
                )
            )
            checks.append(
                (
                    col.name,
                    "date_out_of_range",
                    (
                        f"select _line, {raw}, '{col.name} ' || {col.name} || ' is before "
                        f"{EARLIEST_DATE.isoformat()}' from stage "
                        f"where {col.name} < date '{EARLIEST_DATE.isoformat()}'"
                    ),
                )
            )
            if not col.future_ok:
                checks.append(
                    (
                        col.name,
                        "date_in_future",
                        (
                            f"select _line, {raw}, '{col.name} ' || {col.name} || ' is after the "
                            f"extract date {as_of.isoformat()}' from stage "
                            f"where {col.name} > date '{as_of.isoformat()}'"
                        ),
                    )
                )
        if col.kind == "code" and not col.lenient_codes:
            allowed = ", ".join(f"'{c}'" for c in col.codes)
            checks.append(
                (
                    col.name,
                    "unknown_code",
                    (
                        f"select _line, {raw}, 'unknown {col.name} ''' || {raw} || ''' (allowed: "
                        f"{', '.join(col.codes)})' from stage "
                        f"where {col.name} is not null and {col.name} not in ({allowed})"
                    ),
                )
            )
    if table.span:
        a, b = table.span
        b_raw = _raw(next(c for c in table.columns if c.name == b))
        checks.append(
            (
                b,
                "end_before_start",
                (
                    f"select _line, {b_raw}, '{b} ' || {b} || ' is before {a} ' || {a} "
                    f"from stage where {b} < {a}"
                ),
            )
        )
    return checks


def _validate_table(
    con: duckdb.DuckDBPyConnection, raw: RawFile, as_of: dt.date, file_name: str
) -> tuple[int, int]:
    """Type ``raw`` into table ``raw.table.name``; set aside bad rows. (kept, set aside)."""
    table = raw.table
    con.register("src", raw.data)
    select = ", ".join(
        f"{_typed_expr(c)} as {c.name}"
        + (f", nullif(trim({c.name}), '') as {_raw(c)}" if _raw(c) != c.name else "")
        for c in table.columns
    )
    con.execute(f"create or replace temp table stage as select _line, {select} from src")
    con.unregister("src")
    if raw.shape_rejects:
        con.executemany(
            "insert into rejects values (?, ?, ?, ?, ?, ?)",
            [
                (file_name, line, col, val, code, msg)
                for line, col, val, code, msg in raw.shape_rejects
            ],
        )
    n_rows = int(con.execute("select count(*) from stage").fetchall()[0][0])
    # Every per-row rule in one statement: a row breaking several rules gets each reason.
    checks = "\nunion all\n".join(
        f"select _line, '{col_name}' as col, v, '{code}' as code, msg from ({sql}) t(_line, v, msg)"
        for col_name, code, sql in _check_queries(table, as_of)
    )
    con.execute(
        f"insert into rejects select '{file_name}', _line, col, "
        f"case when length(v) > 200 then left(v, 200) || '…' else v end, code, msg "
        f"from ({checks})"
    )
    if n_rows:
        _fail_if_column_unusable(con, table, file_name, n_rows)
    for col in table.columns:
        if col.kind == "code" and col.lenient_codes:
            allowed = ", ".join(f"'{c}'" for c in col.codes)
            con.execute(
                f"insert into dq_warnings select '{file_name}', _line, '{col.name}', "
                f"{_raw(col)}, case when {col.name} is null then 'blank_code' "
                f"else 'unknown_code' end, case when {col.name} is null then "
                f"'{col.name} is blank' else 'unknown {col.name} ''' || {_raw(col)} "
                f"|| '''' end || ': the row counts for timeliness but not for "
                f"participation or attendance' from stage where {col.name} is null "
                f"or {col.name} not in ({allowed})"
            )
            con.execute(f"update stage set {col.name} = null where {col.name} not in ({allowed})")
    key = ", ".join(table.key)
    # A window over every row is dear at national scale: run it only when a count says
    # some key is there twice (nulls, which the count leaves out, also send it there).
    kept_rows = f"_line not in (select line from rejects where file = '{file_name}')"
    twice = con.execute(
        f"select count(*) > count(distinct row({key})) from stage where {kept_rows}"
    ).fetchall()[0][0]
    if twice:
        _reject_duplicates(con, file_name, table)
    refs = []
    for col in table.columns:
        if col.refs:
            ref_table, ref_col = col.refs.split(".")
            refs.append(
                f"select _line, '{col.name}' as col, {col.name} as v, "
                f"'{col.name} ''' || {col.name} || ''' is not in {ref_table}.csv "
                f"(or its row there was set aside)' as msg from stage "
                f"where {col.name} is not null "
                f"and {col.name} not in (select {ref_col} from {ref_table})"
            )
    if refs:  # every reference of the table in one statement
        con.execute(
            f"insert into rejects select '{file_name}', _line, col, v, 'orphan_id', msg "
            f"from ({' union all '.join(refs)}) "
            f"where _line not in (select line from rejects where file = '{file_name}')"
        )
    cols = ", ".join(c.name for c in table.columns)
    con.execute(
        f"create table {table.name} as select _line as source_line, {cols} from stage "
        # In _line order without a sort: stage holds the file's order, and DuckDB keeps
        # insertion order (preserve_insertion_order, on by default).
        f"where _line not in (select line from rejects where file = '{file_name}')"
    )
    kept = int(con.execute(f"select count(*) from {table.name}").fetchall()[0][0])
    return kept, n_rows + len(raw.shape_rejects) - kept


def _reject_duplicates(con: duckdb.DuckDBPyConnection, file_name: str, table: Table) -> None:
    """Set aside every row whose key an earlier kept row already has."""
    key = ", ".join(table.key)
    con.execute(
        f"""
        insert into rejects
        select '{file_name}', _line, '{table.key[0]}', concat_ws(' + ', {key}),
               'duplicate_key', 'duplicate key {key}: the first row, at line '
               || first_line || ', is kept'
        from (
            select _line, {key}, min(_line) over (partition by {key}) as first_line,
                   row_number() over (partition by {key} order by _line) as rn
            from stage
            where _line not in (select line from rejects where file = '{file_name}')
        ) where rn > 1
        """
    )


def _fail_if_column_unusable(
    con: duckdb.DuckDBPyConnection, table: Table, file_name: str, n_rows: int
) -> None:
    """A column whose every value is unreadable fails the load rather than emptying it."""
    rows = con.execute(
        """
        select column_name, reason_code, any_value(value), count(distinct line) as n
        from rejects where file = $f and reason_code in ('bad_date', 'unknown_code')
        group by all order by n desc limit 1
        """,
        {"f": file_name},
    ).fetchall()
    row = rows[0] if rows else None
    if row and row[3] >= n_rows:
        what = "dates" if row[1] == "bad_date" else "codes"
        raise ExtractError(
            f"{file_name}: column '{row[0]}' has no usable {what} in any of its {n_rows} "
            f"rows (first: '{row[2]}'); check the export format"
        )


def _create_empty(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    cols = ", ".join(f"{c.name} {'date' if c.kind == 'date' else 'varchar'}" for c in table.columns)
    con.execute(f"create table {table.name} (source_line bigint, {cols})")


# --------------------------------------------------------------------------- building


def _extract_as_of(folder: Path, present: list[Path]) -> dt.datetime:
    newest = max(p.stat().st_mtime for p in present)
    return dt.datetime.fromtimestamp(newest, tz=dt.UTC).replace(microsecond=0)


def load_extract(
    extract_dir: Path,
    db_path: Path,
    closures: tuple[dt.date, ...] = (),
    as_of: dt.datetime | None = None,
    keep: int = 5,
    max_drop: float = 0.25,
    accept_drop: bool = False,
) -> LoadReport:
    """Validate ``extract_dir`` and replace ``db_path`` with a database built from it.

    Each good load is its own file in ``<db_path>.loads/``; ``db_path`` is a symlink to
    the current one, swapped atomically, and the newest ``keep`` loads are kept. A table
    whose rows fall by more than ``max_drop`` (a share) against the serving load holds the
    load back (:class:`LoadHeldBack`) unless ``accept_drop``.

    Raises :class:`ExtractError` (nothing replaced) when the extract is unusable, and
    :class:`LoadBusyError` when another load holds the lock. Both, and success, append a
    row to the load log.
    """
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    report = LoadReport(
        load_id=uuid.uuid4().hex[:12],
        extract_dir=str(extract_dir),
        db_path=str(db_path),
        extract_as_of="",
        started_at=now.isoformat(),
    )
    t0 = time.perf_counter()
    try:
        with store.load_lock(db_path):
            try:
                _build(
                    extract_dir,
                    db_path,
                    closures,
                    as_of,
                    report,
                    keep,
                    None if accept_drop else max_drop,
                )
                report.status = "ok"
            except ExtractError as exc:
                report.status = "held_back" if isinstance(exc, LoadHeldBack) else "failed"
                report.error = str(exc)
                raise
            finally:
                report.seconds = round(time.perf_counter() - t0, 3)
                report.finished_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
                store.append_log(db_path, report.as_dict())
    except LoadBusyError as exc:
        report.status, report.error = "refused", str(exc)
        store.append_log(db_path, report.as_dict())
        raise
    return report


MANIFEST = "extract_manifest.json"
# Each step of a load, with its counts, as it goes (the first start's demo build, a long
# national load): "sqa.load" at INFO.
log = logging.getLogger("sqa.load")


@dataclass(frozen=True)
class Manifest:
    """What an adapter says of its source (``extract_manifest.json``); a nightly extract
    from the case-management system has none, and then holds everything since records
    began."""

    not_in_source: frozenset[str] = frozenset()
    columns_not_in_source: dict[str, list[str]] = field(default_factory=dict)
    review_coverage_from: dt.date | None = None
    merged_returns: tuple[str, ...] = ()
    left_out_at_source: dict[str, int] = field(default_factory=dict)


def read_manifest(extract_dir: Path) -> Manifest:
    """The extract's manifest, checked.

    ``sqa extract`` from SSDA903 (no child protection records) or the CIN census (no
    children in care) writes those files header-only and lists them in ``not_in_source``;
    only then may a required file be empty. ``columns_not_in_source`` names columns the
    source has no field for (SSDA903 has no minutes date), and ``review_coverage_from`` the
    day the source's review history begins (a one-year return's collection year).
    """
    path = extract_dir / MANIFEST
    if not path.exists():
        return Manifest()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict)
    except (OSError, ValueError, AssertionError) as exc:
        raise ExtractError(f"{MANIFEST} in {extract_dir} is not readable JSON: {exc}") from exc
    listed = data.get("not_in_source", [])
    if not isinstance(listed, list):
        raise ExtractError(f"{MANIFEST}: not_in_source should be a list of table names")
    columns = data.get("columns_not_in_source", {})
    known = {t.name: {c.name for c in t.columns} for t in TABLES}
    if not isinstance(columns, dict) or any(
        name not in known or not isinstance(cols, list) or not set(cols) <= known[name]
        for name, cols in columns.items()
    ):
        raise ExtractError(
            f"{MANIFEST}: columns_not_in_source should map contract tables to lists of "
            "their columns"
        )
    raw = data.get("review_coverage_from")
    try:
        coverage = dt.date.fromisoformat(raw) if raw else None
    except (TypeError, ValueError) as exc:
        raise ExtractError(
            f"{MANIFEST}: review_coverage_from '{raw}' is not a date (YYYY-MM-DD)"
        ) from exc
    merged = data.get("merged_returns", [])
    left_out = data.get("left_out_at_source", {})
    return Manifest(
        frozenset(str(t) for t in listed),
        {str(k): sorted(str(c) for c in v) for k, v in columns.items()},
        coverage,
        tuple(str(m) for m in merged) if isinstance(merged, list) else (),
        {str(k): int(v) for k, v in left_out.items()} if isinstance(left_out, dict) else {},
    )


def _build(
    extract_dir: Path,
    db_path: Path,
    closures: tuple[dt.date, ...],
    as_of: dt.datetime | None,
    report: LoadReport,
    keep: int,
    max_drop: float | None,
) -> None:
    if not extract_dir.is_dir():
        raise ExtractError(f"extract folder {extract_dir} does not exist or is not a folder")
    files = {t.name: extract_dir / t.file_name for t in TABLES}
    missing = [t.file_name for t in TABLES if t.required and not files[t.name].exists()]
    if missing:
        raise ExtractError(
            f"required file {missing[0]} is missing from {extract_dir}"
            + (f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else "")
        )
    present = [files[t.name] for t in TABLES if files[t.name].exists()]
    stamp = as_of or _extract_as_of(extract_dir, present)
    report.extract_as_of = stamp.isoformat()
    # Read every file before touching any database: most unusable files fail here.
    states = {p: _file_state(p) for p in present}
    log.info("reading %d files from %s", len(present), extract_dir)
    # Files are parsed side by side (Arrow and numpy release the GIL); the first unusable
    # file in the contract's order is the one reported, as when read one by one.
    reading = [t for t in TABLES if files[t.name].exists()]
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        parsed = pool.map(lambda t: read_extract_file(files[t.name], t), reading)
        raws = {t.name: raw for t, raw in zip(reading, parsed, strict=True)}
    log.info("read %s rows", f"{sum(r.n_rows for r in raws.values()):,}")
    manifest = read_manifest(extract_dir)
    not_in_source = manifest.not_in_source
    for t in TABLES:
        if t.required and raws[t.name].n_rows == 0 and t.name not in not_in_source:
            raise ExtractError(
                f"{t.file_name}: has a header but no usable rows; a required file cannot be "
                "empty (was the export interrupted?)"
            )
    report.files_absent = [t.file_name for t in TABLES if t.name not in raws]
    report.not_in_source = sorted(not_in_source)
    report.columns_not_in_source = manifest.columns_not_in_source
    report.review_coverage_from = (
        manifest.review_coverage_from.isoformat() if manifest.review_coverage_from else None
    )
    report.merged_returns = list(manifest.merged_returns)
    report.left_out_at_source = dict(manifest.left_out_at_source)

    folder = store.store_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(".building-*"):  # left by a load that was killed
        stale.unlink()
    stamp_name = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")  # sorts in load order
    final = folder / f"{stamp_name}-{report.load_id}.duckdb"
    tmp = folder / f".building-{final.name}"
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute("set enable_progress_bar = false")
            _fill(con, raws, stamp, closures, report, manifest)
            con.execute("checkpoint")
        finally:
            con.close()
        _check_unchanged(states)
        if max_drop is not None:
            _check_drop(db_path, report.rows, max_drop)
        os.replace(tmp, final)
        store.point_at(db_path, final)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            raise ExtractError(_NO_SPACE.format(db=db_path)) from exc
        raise ExtractError(
            f"cannot write the new database beside {db_path} ({exc.strerror}); "
            "the previous data is still serving"
        ) from exc
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        if any(s in first for s in ("No space left", "File too large", "Disk quota")):
            raise ExtractError(_NO_SPACE.format(db=db_path)) from exc
        raise ExtractError(
            f"building the database failed ({first}); the previous data is still serving"
        ) from exc
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            if leftover.exists():
                leftover.unlink()
    store.prune(db_path, keep)


_NO_SPACE = (
    "not enough disk space to build the new database beside {db}: free some "
    "space and load again; the previous data is still serving"
)


def _file_state(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _check_unchanged(states: dict[Path, tuple[int, int]]) -> None:
    """An extract file written to during the load would give a mixture: refuse it."""
    for path, before in states.items():
        try:
            after = _file_state(path)
        except OSError:
            after = (-1, -1)
        if after != before:
            raise ExtractError(
                f"{path.name}: changed while it was being loaded (the export may still be "
                "running); load again when the extract is complete"
            )


def _previous_rows(db_path: Path) -> dict[str, int]:
    """Rows per table of the serving load, or nothing if there is none."""
    if not db_path.exists():
        return {}
    try:
        con = duckdb.connect(str(db_path.resolve()), read_only=True)
    except duckdb.Error:
        return {}
    try:
        rows = con.execute("select table_rows from load_info").fetchall()
    except duckdb.Error:
        return {}
    finally:
        con.close()
    found: dict[str, int] = json.loads(rows[0][0]) if rows and rows[0][0] else {}
    return found


def _check_drop(db_path: Path, rows: dict[str, int], max_drop: float) -> None:
    """Hold back a load whose tables shrank by more than ``max_drop`` (a share)."""
    previous = _previous_rows(db_path)
    worst: tuple[float, str, int, int] | None = None
    for name, before in previous.items():
        now = rows.get(name, 0)
        if before > 0 and now < before * (1 - max_drop):
            fall = 1 - now / before
            if worst is None or fall > worst[0]:
                worst = (fall, name, now, before)
    if worst:
        fall, name, now, before = worst
        raise LoadHeldBack(
            f"held back: {name}.csv has {now:,} rows, {fall:.0%} fewer than the {before:,} of "
            f"the data now serving (more than the {max_drop:.0%} allowed); if the fall is "
            "real, load again with --accept-drop"
        )


def _fill(
    con: duckdb.DuckDBPyConnection,
    raws: dict[str, RawFile],
    stamp: dt.datetime,
    closures: tuple[dt.date, ...],
    report: LoadReport,
    manifest: Manifest | None = None,
) -> None:
    manifest = manifest or Manifest()
    con.execute(
        "create table rejects (file varchar, line bigint, column_name varchar, "
        "value varchar, reason_code varchar, message varchar)"
    )
    con.execute("create table dq_warnings as select * from rejects limit 0")
    as_of_date = stamp.date()
    for table in load_order():
        if table.name in raws:
            kept, _ = _validate_table(con, raws[table.name], as_of_date, table.file_name)
            log.info("checked %s: %s rows kept", table.file_name, f"{kept:,}")
        else:
            _create_empty(con, table)
            kept = 0
        report.rows[table.name] = kept
    con.execute("drop table if exists stage")
    log.info("building the working-day calendar and the measures")
    build_calendar(con, dt.date(as_of_date.year + 3, 12, 31), closures)
    con.execute("create table extract_date as select $d::date as d", {"d": as_of_date})
    # What the source can tell: where its review history begins, and which tables and
    # columns it has no field for (the measures that need them read "not recorded").
    con.execute(
        "create table source_coverage as select $d::date as review_coverage_from",
        {"d": manifest.review_coverage_from},
    )
    absent = {t.name for t in TABLES if t.name not in raws}
    gaps = [(t, "") for t in sorted(set(manifest.not_in_source) | absent)] + [
        (t, c) for t, cols in sorted(manifest.columns_not_in_source.items()) for c in cols
    ]
    con.execute("create table source_gaps (table_name varchar, column_name varchar)")
    if gaps:
        con.executemany("insert into source_gaps values (?, ?)", gaps)
    for name in sqlfiles.EVENT_TABLES:
        con.execute(f"create table {name} as {sqlfiles.read('events', name)}")
    for statement in sqlfiles.stacked_build("measure_events", "measures", sqlfiles.MEASURES):
        con.execute(statement)
    for statement in sqlfiles.stacked_build("count_events", "counts", sqlfiles.COUNTS):
        con.execute(statement)
    for name in sqlfiles.SUMMARY_TABLES:
        con.execute(f"create table {name} as {sqlfiles.read('events', name)}")
    log.info(
        "built the measures: %s events",
        f"{con.execute('select sum(events) from measure_years').fetchone()[0] or 0:,}",  # type: ignore[index]
    )
    con.execute(f"create table dq_issues as {sqlfiles.read('events', 'dq_issues')}")
    report.rejects = dict(
        con.execute("select reason_code, count(*) from rejects group by 1 order by 1").fetchall()
    )
    report.warnings = dict(
        con.execute(
            "select reason_code, count(*) from (select reason_code from dq_warnings union all "
            "select issue_code from dq_issues) group by 1 order by 1"
        ).fetchall()
    )
    con.execute(
        "create table load_info as select $id as load_id, $as_of::timestamptz as "
        "extract_as_of, now() as loaded_at, $v as schema_version, $closures as closures, "
        "$rows as table_rows",
        {
            "rows": json.dumps(report.rows),
            "id": report.load_id,
            "as_of": stamp,
            "v": SCHEMA_VERSION,
            "closures": ",".join(d.isoformat() for d in closures),
        },
    )
