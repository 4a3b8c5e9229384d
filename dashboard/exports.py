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


def records_file(
    df: pd.DataFrame, columns: Sequence[tuple[str, str]], fmt: str, caption: str
) -> dict[str, Any]:
    """All the records as a dcc.Download payload (the filename is set by the caller)."""
    if fmt == "xlsx":
        rows = records_rows(df)
        frame = pd.DataFrame(
            [[r.get(k, "") for k, _ in columns] for r in rows],
            columns=[label for _, label in columns],
        )
        blob = frame_xlsx(frame, caption)
        return {"content": base64.b64encode(blob).decode(), "base64": True, "type": XLSX_TYPE}
    return {"content": records_csv(df, columns), "type": "text/csv"}


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
    name = figures.safe_name(caption)
    if fmt == "xlsx":
        blob = frame_xlsx(frame, caption, f"Data as of {as_of:%d %b %Y %H:%M} UTC")
        return {
            "content": base64.b64encode(blob).decode(),
            "filename": f"{name}.xlsx",
            "base64": True,
            "type": XLSX_TYPE,
        }
    return {"content": frame_csv(frame), "filename": f"{name}.csv", "type": "text/csv"}
