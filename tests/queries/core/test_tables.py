"""CSV and Excel that a spreadsheet opens safely: formula starts and line breaks."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd

from queries.core.tables import frame_csv, frame_xlsx, neutralise

NASTY = ["\r=1+1", "fine\n=HYPERLINK(1)", "a,b", 'say "hi"', "=SUM(A1)", "-3", "plain"]


def test_every_formula_start_is_neutralised_after_any_line_break_too() -> None:
    assert neutralise("\r=1+1") == "'\r'=1+1"
    assert neutralise("fine\n=HYPERLINK(1)") == "fine\n'=HYPERLINK(1)"
    assert neutralise("line one\r\n@cmd") == "line one\r\n'@cmd"
    assert neutralise("two\nlines") == "two\nlines"  # nothing to neutralise
    assert neutralise(-3) == -3  # numbers stay numbers


def test_csv_quotes_every_field_with_a_break_separator_or_quote() -> None:
    text = frame_csv(pd.DataFrame({"comment": NASTY, "n": range(7)}), ["Feedback comments"])
    # Outside quoted fields the only line ends are CRLF: no bare CR starts a new row.
    outside = "".join(part for i, part in enumerate(text.split('"')) if i % 2 == 0)
    assert "\r" not in outside.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["Feedback comments"]  # the preamble row
    assert rows[1] == ["comment", "n"]
    assert [r[0] for r in rows[2:]] == [
        "'\r'=1+1",
        "fine\n'=HYPERLINK(1)",
        "a,b",
        'say "hi"',
        "'=SUM(A1)",
        "'-3",
        "plain",
    ]
    assert [r[1] for r in rows[2:]] == [str(i) for i in range(7)]


def test_excel_cells_hold_text_never_formulas() -> None:
    blob = frame_xlsx(pd.DataFrame({"comment": NASTY}), "Feedback comments")
    ws = openpyxl.load_workbook(io.BytesIO(blob)).active
    assert ws is not None
    cells = [row[0] for row in ws.iter_rows(min_row=4, values_only=True)]
    assert cells[0] == "'\r'=1+1" and cells[4] == "'=SUM(A1)"
    assert all(not str(c).startswith("=") for c in cells)
