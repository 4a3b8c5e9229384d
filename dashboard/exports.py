"""Tables as files: CSV that a spreadsheet opens safely.

A cell that begins with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) could run
as a formula when the file is opened in a spreadsheet; such text cells get a leading
apostrophe, which spreadsheets show as plain text. Numbers are left as numbers.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from dashboard import figures
from dashboard.components import records_rows
from queries.core.tables import frame_csv, frame_xlsx

CHILD_LEVEL = "Audience: internal only. Child-level records (children by id): do not publish."
AGGREGATE = (
    "Audience: internal. Small numbers are not suppressed: use the board pack's external "
    "version for anything published."
)


def context_lines(what: str, as_of: dt.datetime, audience: str) -> list[str]:
    """A file's first lines: what it is (measure, period, team or person), the data's
    date and who it is for, so a pasted copy still says what it is."""
    return [what, f"Data as of {figures.uk_datetime(as_of)}", audience]


def file_stem(what: str, as_of: dt.datetime, audience: str) -> str:
    """A file name (without extension) that carries the same: what, data date, audience."""
    who = "internal_child_level" if audience == CHILD_LEVEL else "internal"
    return figures.safe_name(f"{what}_data_{figures.file_date(as_of)}_{who}")[:150]


def records_file(
    df: pd.DataFrame,
    columns: Sequence[tuple[str, str]],
    fmt: str,
    caption: str,
    as_of: dt.datetime,
    stem: str = "",
) -> dict[str, Any]:
    """All the records as a dcc.Download payload, named (from ``stem``, else the caption)
    and headed with what they are, the data's date and audience."""
    lines = context_lines(caption, as_of, CHILD_LEVEL)
    name = f"{file_stem(stem or caption, as_of, CHILD_LEVEL)}.{fmt}"
    rows = records_rows(df)
    frame = pd.DataFrame(
        [[r.get(k, "") for k, _ in columns] for r in rows],
        columns=[label for _, label in columns],
    )
    if fmt == "xlsx":
        blob = frame_xlsx(frame, lines[0], lines[1:])
        return {
            "content": base64.b64encode(blob).decode(), "base64": True, "type": XLSX_TYPE,
            "filename": name,
        }  # fmt: skip
    return {"content": frame_csv(frame, lines), "type": "text/csv", "filename": name}


def records_csv(df: pd.DataFrame, columns: Sequence[tuple[str, str]]) -> str:
    """The records with the on-screen column names, formula-safe, as CSV text."""
    rows = records_rows(df)
    out = pd.DataFrame(
        [[r.get(k, "") for k, _ in columns] for r in rows],
        columns=[label for _, label in columns],
    )
    return frame_csv(out)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_file(table: Mapping[str, Any], fmt: str, as_of: dt.datetime) -> dict[str, Any]:
    """A table the server drew (caption, columns, rows, as held for the viewer) as a
    dcc.Download payload."""
    caption = str(table.get("caption") or "table")
    columns = [str(c) for c in table.get("columns") or []]
    rows = list(table.get("rows") or [])
    frame = pd.DataFrame(rows, columns=columns) if columns else pd.DataFrame()
    lines = context_lines(caption, as_of, AGGREGATE)
    name = file_stem(caption, as_of, AGGREGATE)
    if fmt == "xlsx":
        blob = frame_xlsx(frame, caption, lines[1:])
        return {
            "content": base64.b64encode(blob).decode(),
            "filename": f"{name}.xlsx",
            "base64": True,
            "type": XLSX_TYPE,
        }
    return {"content": frame_csv(frame, lines), "filename": f"{name}.csv", "type": "text/csv"}
