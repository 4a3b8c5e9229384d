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
import datetime as dt
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


def frame_xlsx(df: pd.DataFrame, title: str, note: str | list[str] = "") -> bytes:
    """One sheet: a title row, optional note rows (what, who, as of, audience), then the
    table with a header.

    Cells are written as values (never formulas): openpyxl would take a string that
    starts with '=' as a formula, which the neutralising apostrophe prevents. Figures a
    screen shows as text are stored typed, so a paper's author can chart them: "95%" and
    "95.6%" as numbers with a percent format, "1,358" and "581" as whole numbers (never
    "0012", which is an id), ISO and UK dates
    ("2026-12-01", "1 Dec 2026") as dates.
    """
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Table"
    ws.append([str(neutralise(title))])
    for line in [note] if isinstance(note, str) else note:
        if line:
            ws.append([str(neutralise(line))])
    ws.append([])
    safe = safe_frame(df)
    ws.append(list(safe.columns))
    for row in safe.itertuples(index=False):
        ws.append([_cell(v) for v in row])
        for cell in ws[ws.max_row]:
            value, fmt = typed(cell.value)
            if fmt:
                cell.value = value  # type: ignore[assignment]
                cell.number_format = fmt
    for i, col in enumerate(safe.columns, 1):
        width = max([len(str(col))] + [len(str(v)) for v in safe[col].head(200)])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_PERCENT = re.compile(r"^(\d{1,3}(?:\.(\d{1,2}))?)%$")
_THOUSANDS = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|[1-9]\d{0,8}|0)$")  # no leading zeros
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UK_DATE = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}$")


def typed(value: object) -> tuple[object, str]:
    """(the value to store, its number format) for a cell the screen shows as text; the
    format is empty when the value is left as it is."""
    if isinstance(value, dt.datetime):
        return value, "d mmm yyyy hh:mm" if (value.hour or value.minute) else "d mmm yyyy"
    if isinstance(value, dt.date):
        return value, "d mmm yyyy"
    if not isinstance(value, str):
        return value, ""
    if m := _PERCENT.match(value):
        digits = len(m.group(2) or "")
        return round(float(m.group(1)) / 100, digits + 2), "0" + (
            "." + "0" * digits if digits else ""
        ) + "%"
    if _THOUSANDS.match(value):
        return int(value.replace(",", "")), "#,##0"
    for pattern, fmt in ((_ISO_DATE, "%Y-%m-%d"), (_UK_DATE, "%d %b %Y")):
        if pattern.match(value):
            try:
                return dt.datetime.strptime(value, fmt), "d mmm yyyy"
            except ValueError:
                return value, ""
    return value, ""


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
