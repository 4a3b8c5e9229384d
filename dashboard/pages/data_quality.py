"""Data quality: the load history, and every row set aside or flagged, with its line."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, html

from dashboard import components, data, figures, pagekit
from dashboard.view import EVERYONE, chosen
from queries.measures.records import DQ_KINDS

dash.register_page(
    __name__, path="/data-quality", name="Data quality", title="Data quality · SQA Dashboard"
)

KIND = "dq-kind"
FILE = "dq-file"
REASON = "dq-reason"
RECORDS = "dq-records"
URL = "dq-url"
CONTROLS = {"kind": KIND, "file": FILE, "reason": REASON}
RECORD_COLUMNS = (
    ("kind", "Kind"),
    ("file", "File"),
    ("line", "Line"),
    ("column_name", "Column"),
    ("value", "Value"),
    ("reason_code", "Reason"),
    ("message", "What to fix"),
)

pagekit.register_url_sync(URL, CONTROLS)


def _options(values: list[str], everyone: str) -> list[dict[str, str]]:
    return [{"label": everyone, "value": EVERYONE}] + [{"label": v, "value": v} for v in values]


def _pick(params: dict[str, str | None], name: str, allowed: list[str]) -> str:
    value = params.get(name) or ""
    return value if value in allowed else EVERYONE


@pagekit.guarded
def layout(**params: str | None) -> Any:
    summary = data.data_quality_summary()
    files = sorted(summary["file"].unique().tolist())
    reasons = sorted(summary["reason_code"].unique().tolist())
    kind, file, reason = (
        _pick(params, "kind", list(DQ_KINDS)),
        _pick(params, "file", files),
        _pick(params, "reason", reasons),
    )
    history = figures.load_history_table(data.load_history())
    return html.Div(
        [
            html.H1("Data quality"),
            html.P(
                "Rows the last good load set aside (never silently dropped), rows it kept but "
                "flagged, and records it kept but could not count in a KPI, each with the file "
                "and line to fix at source. Set-aside rows are in no figure on this dashboard.",
                className="text-body-secondary",
            ),
            html.H2("Loads"),
            components.frame_table(history, "The newest load attempts, newest first", "dq-history")
            if len(history)
            else html.P("No load log yet."),
            html.H2("By file and reason"),
            components.frame_table(
                figures.data_quality_table(summary),
                "Rows set aside or flagged in the data now serving",
                "dq-summary",
            )
            if len(summary)
            else html.P(
                "Nothing was set aside or flagged in the data now serving.", id="dq-summary"
            ),
            html.H2("The rows", id="records"),
            html.Div(
                [
                    components.labelled(
                        "Kind",
                        components.select(KIND, _options(list(DQ_KINDS), "All kinds"), kind),
                        KIND,
                        3,
                    ),
                    components.labelled(
                        "File", components.select(FILE, _options(files, "All files"), file), FILE, 4
                    ),
                    components.labelled(
                        "Reason",
                        components.select(REASON, _options(reasons, "All reasons"), reason),
                        REASON,
                        4,
                    ),
                ],
                className="row filter-bar g-3 mx-0",
            ),
            components.records_block(
                RECORDS,
                "data-quality rows",
                RECORDS_VIEW(0, kind, file, reason),
                data.current_scope().sees_data_quality_rows,
            ),
            pagekit.url_stores(URL, CONTROLS),
        ]
    )


def _rows(kind: str, file: str, reason: str) -> Any:
    return data.data_quality_rows(chosen(kind), chosen(file), chosen(reason))


RECORDS_VIEW = pagekit.register_records(
    RECORDS,
    [Input(KIND, "value"), Input(FILE, "value"), Input(REASON, "value")],
    _rows,
    RECORD_COLUMNS,
    lambda kind, file, reason: (
        "Data-quality rows: "
        + ", ".join(
            chosen(v) or every
            for v, every in ((kind, "all kinds"), (file, "all files"), (reason, "all reasons"))
        )
    ),
    lambda kind, file, reason: (
        "data_quality_" + "_".join(chosen(v) or "all" for v in (kind, file, reason))
    ),
)
