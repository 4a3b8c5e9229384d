"""Tables as files: CSV and Excel that a spreadsheet opens safely.

A text cell that begins with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return)
could run as a formula when the file is opened in a spreadsheet; such cells get a
leading apostrophe, which spreadsheets show as plain text, and so does any line inside a
cell that starts so after a line break (a reader that splits on a bare CR would see it
as a new row). CSV follows RFC 4180: CRLF between records, and every field that holds a
CR, LF, comma or quote is quoted. Numbers stay numbers. The dashboard's downloads, the
audit export and the board pack all write through here.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_AFTER_BREAK = re.compile(r"([\r\n])(?=[=+\-@\t\r])")


def neutralise(value: object) -> object:
    if not isinstance(value, str):
        return value
    if "\r" in value or "\n" in value:
        value = _AFTER_BREAK.sub(lambda m: m.group(1) + "'", value)
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell neutralised (column names too)."""
    out = df.copy()
    out.columns = [str(neutralise(str(c))) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out


def frame_csv(df: pd.DataFrame, preamble: list[str] | None = None) -> str:
    """``df`` as RFC 4180 CSV, formula-safe, after optional one-cell preamble rows."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for line in preamble or []:
        writer.writerow([neutralise(line)])
    safe_frame(df).to_csv(buf, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    return buf.getvalue()


def frame_xlsx(df: pd.DataFrame, title: str, note: str = "") -> bytes:
    """One sheet: a title row, an optional note row, then the table with a header.

    Cells are written as values (never formulas): openpyxl would take a string that
    starts with '=' as a formula, which the neutralising apostrophe prevents.
    """
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Table"
    ws.append([str(neutralise(title))])
    if note:
        ws.append([str(neutralise(note))])
    ws.append([])
    safe = safe_frame(df)
    ws.append(list(safe.columns))
    for row in safe.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    for i, col in enumerate(safe.columns, 1):
        width = max([len(str(col))] + [len(str(v)) for v in safe[col].head(200)])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value
