"""Review worklist: children in care whose next review falls due soon, or is overdue."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, html

from dashboard import components, data, figures, pagekit
from dashboard.view import chosen
from queries.core.errors import QueryError
from queries.measures.kpis import Filters

dash.register_page(
    __name__, path="/worklist", name="Review worklist", title="Review worklist · SQA Dashboard"
)

DAYS = "wl-days"
TEAM = "wl-team"
STAFF = "wl-staff"
SUMMARY = "wl-summary"
RECORDS = "wl-records"
URL = "wl-url"
CONTROLS = {"days": DAYS, "team": TEAM, "staff": STAFF}
LOOK_AHEAD = ("14", "28", "56", "90")
RECORD_COLUMNS = (
    ("child_id", "Child id"),
    ("period_start", "Period of care began"),
    ("next_review_number", "Next review no."),
    ("last_review_date", "Last review"),
    ("due_date", "Due"),
    ("days_to_due", "Days to due"),
    ("status", "Status"),
    ("iro_name", "IRO"),
    ("team", "Team"),
)

pagekit.register_url_sync(URL, CONTROLS)
pagekit.register_people_follow_team(TEAM, STAFF, pagekit.IRO_ROLES)


def _rows(days: str, team: str, staff: str) -> Any:
    if days not in LOOK_AHEAD:  # a cleared or forged chooser: say so (400), not a 500
        raise QueryError(f"Choose how far ahead to look: {', '.join(LOOK_AHEAD)} days")
    return data.qa_table(
        "review_worklist", int(days), Filters(chosen(team), chosen(staff)), data.today()
    )


@data.cached_view
def update_summary(days: str, team: str, staff: str) -> Any:
    df = _rows(days, team, staff)
    overdue = int(df["overdue"].sum()) if len(df) else 0
    return html.P(
        [
            html.Strong(f"{overdue:,} overdue"),
            f" and {len(df) - overdue:,} due in the next "
            f"{days} days, for {pagekit.rows_of(team, staff)}, under the statutory review rules "
            f"(counted from {figures.uk_date(data.today())}).",
        ],
        id="wl-summary-text",
    )


@pagekit.guarded
def layout(**params: str | None) -> Any:
    ctx = pagekit.page_context(params, roles=pagekit.IRO_ROLES)
    _fy, _cmp, team, staff = pagekit.control_values(ctx.view)
    days = params.get("days") or "28"
    days = days if days in LOOK_AHEAD else "28"
    return html.Div(
        [
            html.H1("Review worklist"),
            html.P(
                "Children in care whose next review is due soon or already overdue: review 1 "
                "20 working days after care began, review 2 three months after review 1, "
                "then every six months. Soonest first; children by id only.",
                className="text-body-secondary",
            ),
            components.notices(ctx.view.notices),
            html.Div(
                [
                    components.labelled(
                        "Look ahead",
                        components.select(
                            DAYS, [{"label": f"{d} days", "value": d} for d in LOOK_AHEAD], days
                        ),
                        DAYS,
                        2,
                    ),
                ],
                className="row filter-bar g-3 mx-0",
            ),
            components.filter_bar(
                {"team": TEAM, "staff": STAFF}, ctx.view, ctx.years, ctx.teams, ctx.staff
            ),
            html.Div(update_summary(days, team, staff), id=SUMMARY),
            components.records_block(RECORDS, "reviews due", RECORDS_VIEW(0, days, team, staff)),
            pagekit.url_stores(URL, CONTROLS),
        ]
    )


dash.callback(
    Output(SUMMARY, "children"),
    Input(DAYS, "value"),
    Input(TEAM, "value"),
    Input(STAFF, "value"),
    prevent_initial_call=True,
)(update_summary)

RECORDS_VIEW = pagekit.register_records(
    RECORDS,
    [Input(DAYS, "value"), Input(TEAM, "value"), Input(STAFF, "value")],
    _rows,
    RECORD_COLUMNS,
    lambda days, team, staff: (
        f"Reviews overdue or due in the next {days} days, {pagekit.rows_of(team, staff)}: "
        "soonest first"
    ),
    lambda days, team, staff: f"review_worklist_{days}_days_{pagekit.rows_of(team, staff)}",
)
