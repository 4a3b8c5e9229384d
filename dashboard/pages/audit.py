"""Admin: the audit trail (who viewed or exported child-level rows) and the accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashboard import components, data, figures, pagekit

dash.register_page(__name__, path="/audit", name="Audit", title="Audit trail · SQA Dashboard")

SINCE = "audit-since"
UNTIL = "audit-until"
USER = "audit-user"
TEXT = "audit-text"
SEARCH = "audit-search"
RESULT = "audit-result"
CSV = "audit-csv"
DOWNLOAD = "audit-download"
SHOWN = 200
HEADINGS = {
    "at": "When (UK time)",
    "username": "User",
    "role": "Role",
    "action": "Action",
    "detail": "What and which filter",
    "rows": "Rows",
    "address": "From address",
}


def _day(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def _result(since: str | None, until: str | None, user: str | None, text: str | None) -> Any:
    frame = data.audit_search(_day(since), _day(until), user or None, text or None)
    if len(frame):
        frame = frame.assign(at=frame["at"].map(figures.uk_stamp))
    caption = f"{len(frame):,} records, newest first" + (
        f" (the newest {SHOWN} shown; download them all as CSV)" if len(frame) > SHOWN else ""
    )
    return (
        components.frame_table(frame.head(SHOWN).rename(columns=HEADINGS), caption, "audit-table")
        if len(frame)
        else (html.P("No audit records match.", id="audit-table"))
    )


@pagekit.guarded
def layout(**_params: str | None) -> Any:
    data.require_admin()
    today = dt.date.today()
    since = (today - dt.timedelta(days=30)).isoformat()
    return html.Div(
        [
            html.H1("Audit trail"),
            html.P(
                "Every view of child-level rows and every export, appended and never changed: "
                "who, when, what filter and how many rows. `sqa audit --since DATE` exports it "
                "as CSV on the server.",
                className="text-body-secondary",
            ),
            html.Div(
                [
                    components.labelled(
                        "From", components.date_input(SINCE, dt.date.fromisoformat(since)), SINCE, 2
                    ),
                    components.labelled("To", components.date_input(UNTIL, today), UNTIL, 2),
                    components.labelled("User", dbc.Input(id=USER, type="text"), USER, 2),
                    components.labelled(
                        "Action or filter contains", dbc.Input(id=TEXT, type="text"), TEXT, 3
                    ),
                    dbc.Col(
                        [
                            dbc.Button("Search", id=SEARCH, color="primary", className="me-2"),
                            dbc.Button("Download CSV", id=CSV, color="secondary", outline=True),
                            dcc.Download(id=DOWNLOAD),
                        ],
                        md=3,
                        className="d-flex align-items-end mb-2",
                    ),
                ],
                className="row filter-bar g-3 mx-0",
            ),
            html.Div(_result(since, today.isoformat(), None, None), id=RESULT),
            html.H2("Accounts", className="mt-4"),
            components.frame_table(data.accounts_table(), "Dashboard accounts", "audit-accounts"),
            html.P(
                "Manage accounts on the server with `sqa users add|remove|set-role|"
                "set-password|unlock|list`.",
                className="small text-body-secondary",
            ),
        ]
    )


@dash.callback(
    Output(RESULT, "children"),
    Input(SEARCH, "n_clicks"),
    State(SINCE, "date"),
    State(UNTIL, "date"),
    State(USER, "value"),
    State(TEXT, "value"),
    prevent_initial_call=True,
)
def update_result(
    _clicks: int, since: str | None, until: str | None, user: str | None, text: str | None
) -> Any:
    return _result(since, until, user, text)


@dash.callback(
    Output(DOWNLOAD, "data"),
    Input(CSV, "n_clicks"),
    State(SINCE, "date"),
    State(UNTIL, "date"),
    State(USER, "value"),
    State(TEXT, "value"),
    prevent_initial_call=True,
)
def update_download(
    _clicks: int, since: str | None, until: str | None, user: str | None, text: str | None
) -> dict[str, Any]:
    frame = data.audit_search(_day(since), _day(until), user or None, text or None, 10_000_000)
    name = f"audit_{since or 'start'}_to_{until or 'now'}.csv"
    data.audit(
        "export",
        "audit trail (csv)",
        len(frame),
        {"from": since, "to": until, "account": user, "format": "csv"},
    )
    return {"content": data.audit_csv(frame), "filename": name, "type": "text/csv"}
