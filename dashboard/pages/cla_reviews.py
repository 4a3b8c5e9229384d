"""CLA reviews: monthly timeliness year on year, by team and IRO, and the reviews behind it."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html

from dashboard import components, data, figures, pagekit
from dashboard.view import chosen
from queries.measures.kpis import Filters
from queries.measures.periods import fy_bounds, parse_fy

dash.register_page(
    __name__, path="/cla-reviews", name="CLA reviews", title="CLA reviews · SQA Dashboard"
)

MEASURE = "cla_reviews_on_time"
FY = "cla-fy"
CMP = "cla-cmp"
TEAM = "cla-team"
STAFF = "cla-staff"
CHART = "cla-chart"
MONTHS = "cla-months"
SUMMARY = "cla-summary"
BY_IRO = "cla-by-iro"
BY_TEAM = "cla-by-team"
LATE_ONLY = "cla-late-only"
RECORDS = "cla-records"
URL = "cla-url"
CONTROLS = {"fy": FY, "cmp": CMP, "team": TEAM, "staff": STAFF, "late": LATE_ONLY}
RECORD_COLUMNS = (
    ("child_id", "Child id"),
    ("period_start", "Period of care began"),
    ("review_number", "Review no."),
    ("due_date", "Due"),
    ("review_date", "Held"),
    ("days_late", "Days late"),
    ("status", "Status"),
    ("iro_name", "IRO"),
    ("team", "Team"),
)

pagekit.register_url_sync(URL, CONTROLS)
pagekit.register_people_follow_team(TEAM, STAFF, pagekit.IRO_ROLES)
pagekit.register_compare_follow(FY, CMP)


@pagekit.guarded
def layout(**params: str | None) -> Any:
    ctx = pagekit.page_context(params, roles=pagekit.IRO_ROLES, measures=("cla_reviews_on_time",))
    ids = {"fy": FY, "cmp": CMP, "team": TEAM, "staff": STAFF}
    fy, cmp, team, staff = pagekit.control_values(ctx.view)
    fig, config = YOY[0](fy, cmp, team, staff)
    late = ["late"] if params.get("late") == "late" else []
    return html.Div(
        [
            html.H1("CLA review timeliness"),
            html.P(
                "Reviews of children in care held on or before their statutory due date: "
                "20 working days after care began, then 3 months, then every 6 months.",
                className="text-body-secondary",
            ),
            components.notices(ctx.view.notices),
            components.filter_bar(ids, ctx.view, ctx.years, ctx.teams, ctx.staff),
            html.Div(update_summary(fy, team, staff), id=SUMMARY),
            components.chart(CHART, fig, config=config),
            html.Div(YOY[1](fy, cmp, team, staff), id=MONTHS),
            pagekit.variation_block("cla-var", VAR[0](fy, team, staff), VAR[1](fy, team)),
            html.H2("By team"),
            html.Div(update_by_team(fy), id=BY_TEAM, style={"maxWidth": "40rem"}),
            html.H2("By IRO"),
            components.chart(BY_IRO, update_by_iro(fy, team), "cla_reviews_on_time_by_iro"),
            html.H2("The reviews behind the figures", id="records"),
            dbc.Checklist(
                id=LATE_ONLY,
                options=[{"label": "Late reviews only", "value": "late"}],
                value=late,
                switch=True,
            ),
            html.P(
                "Late reviews first. Children are shown by id only.",
                className="small text-body-secondary",
            ),
            components.records_block(RECORDS, "reviews", RECORDS_VIEW(0, fy, team, staff, late)),
            pagekit.url_stores(URL, CONTROLS),
        ]
    )


YOY = pagekit.register_yoy(
    MEASURE,
    "CLA reviews held on time",
    "% of reviews held on time",
    CHART,
    MONTHS,
    (FY, CMP, TEAM, STAFF),
)
VAR = pagekit.register_variation(
    MEASURE,
    "CLA reviews held on time",
    "% of reviews held on time",
    "cla-var",
    (FY, TEAM, STAFF),
)


@dash.callback(
    Output(SUMMARY, "children"),
    Input(FY, "value"),
    Input(TEAM, "value"),
    Input(STAFF, "value"),
    prevent_initial_call=True,
)
@data.cached_view
def update_summary(fy: str, team: str, staff: str) -> Any:
    year = parse_fy(fy)
    series = data.monthly_series(MEASURE, year, year, Filters(chosen(team), chosen(staff)))
    return components.summary_cards(
        figures.year_summary(series[fy]),
        {
            "pooled": f"{fy.replace('-', '/')} on time (pooled)",
            "best": "Best month",
            "held": "Reviews held",
            "on_time": "Held on time",
        },
    )


@dash.callback(Output(BY_TEAM, "children"), Input(FY, "value"), prevent_initial_call=True)
@data.cached_view
def update_by_team(fy: str) -> Any:
    start, end = fy_bounds(parse_fy(fy))
    df = data.kpi_by_team(MEASURE, start, end)
    return components.frame_table(
        figures.team_table(df),
        f"CLA reviews held on time by team, {fy.replace('-', '/')}",
        "cla-team-table",
    )


@dash.callback(
    Output(BY_IRO, "figure"), Input(FY, "value"), Input(TEAM, "value"), prevent_initial_call=True
)
@data.cached_view
def update_by_iro(fy: str, team: str) -> Any:
    start, end = fy_bounds(parse_fy(fy))
    df = data.kpi_by_staff(MEASURE, start, end, chosen(team))
    return figures.staff_rate_chart(
        df,
        f"CLA reviews held on time by IRO, {fy.replace('-', '/')}",
        chosen(team) or "All teams",
        data.load_info().extract_as_of,
        "% of reviews held on time",
        data.targets()[MEASURE].target,
        lambda person: pagekit.records_href(MEASURE, start, end, team, person),
    )


pagekit.register_point_links(BY_IRO)


def _records(fy: str, team: str, staff: str, late: list[str]) -> Any:
    start, end = fy_bounds(parse_fy(fy))
    return data.review_records(start, end, Filters(chosen(team), chosen(staff)), bool(late))


RECORDS_VIEW = pagekit.register_records(
    RECORDS,
    [Input(FY, "value"), Input(TEAM, "value"), Input(STAFF, "value"), Input(LATE_ONLY, "value")],
    _records,
    RECORD_COLUMNS,
    lambda fy, team, staff, late: (
        f"CLA reviews held in {fy.replace('-', '/')}, {pagekit.rows_of(team, staff)}"
        + (", late only" if late else "")
        + ": late first"
    ),
    lambda fy, team, staff, late: (
        f"cla_reviews_{fy}_{pagekit.rows_of(team, staff)}" + ("_late" if late else "")
    ),
)
