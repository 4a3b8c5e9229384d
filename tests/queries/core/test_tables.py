"""CSV and Excel that a spreadsheet opens safely: formula starts and line breaks."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

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


@pytest.mark.parametrize(
    ("shown", "stored", "fmt"),
    [
        ("95%", 0.95, "0%"),
        ("95.6%", 0.956, "0.0%"),
        ("100%", 1.0, "0%"),
        ("1,358", 1358, "#,##0"),
        ("581", 581, "#,##0"),
        ("0012", "0012", ""),  # an id with leading zeros stays text
        ("C0004496", "C0004496", ""),
        ("97% (31 of 32)", "97% (31 of 32)", ""),  # words stay words
        ("2026-12-01", dt.datetime(2026, 12, 1), "d mmm yyyy"),
        ("1 Dec 2026", dt.datetime(2026, 12, 1), "d mmm yyyy"),
        ("31 Feb 2026", "31 Feb 2026", ""),  # not a date: left as it is
    ],
)
def test_excel_stores_figures_typed(shown: str, stored: object, fmt: str) -> None:
    blob = frame_xlsx(pd.DataFrame({"Figure": [shown]}), "A title", ["Data as of", "Audience"])
    ws = openpyxl.load_workbook(io.BytesIO(blob)).active
    assert ws is not None
    assert [ws["A1"].value, ws["A2"].value, ws["A3"].value] == ["A title", "Data as of", "Audience"]
    cell = ws["A6"]  # title, two notes, a blank row, the header, then the value
    assert cell.value == stored
    if fmt:
        assert cell.number_format == fmt
