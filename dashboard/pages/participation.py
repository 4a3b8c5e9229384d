"""Participation and attendance: monthly year on year, and the mix of PN codes."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, html

from dashboard import components, data, figures, pagekit
from dashboard.view import chosen
from queries.measures.kpis import Filters
from queries.measures.periods import fy_bounds, parse_fy

dash.register_page(
    __name__,
    path="/participation",
    name="Participation",
    title="Participation and attendance · SQA Dashboard",
)

FY = "par-fy"
CMP = "par-cmp"
TEAM = "par-team"
STAFF = "par-staff"
PART_CHART = "par-participation-chart"
ATT_CHART = "par-attendance-chart"
PART_TABLE = "par-participation-table"
ATT_TABLE = "par-attendance-table"
MIX = "par-mix"
URL = "par-url"
CONTROLS = {"fy": FY, "cmp": CMP, "team": TEAM, "staff": STAFF}
MEASURES = {
    "cla_participation": (
        "Children participating in their review (PN1-PN6)",
        "% of reviews coded PN1-PN7",
    ),
    "cla_attendance": ("Children attending their review (PN1-PN4)", "% of reviews coded PN1-PN7"),
}

pagekit.register_url_sync(URL, CONTROLS)
pagekit.register_people_follow_team(TEAM, STAFF, pagekit.IRO_ROLES)
pagekit.register_compare_follow(FY, CMP)


@pagekit.guarded
def layout(**params: str | None) -> Any:
    ctx = pagekit.page_context(
        params, roles=pagekit.IRO_ROLES, measures=("cla_participation", "cla_attendance")
    )
    fy, cmp, team, staff = values = pagekit.control_values(ctx.view)
    part_fig, part_cfg = YOY["cla_participation"][0](*values)
    att_fig, att_cfg = YOY["cla_attendance"][0](*values)
    return html.Div(
        [
            html.H1("Participation and attendance"),
            html.P(
                "How children took part in their reviews, from the SSDA903 participation "
                "codes. Reviews of children under 4 (PN0) and reviews with a blank or unknown "
                "code are outside both rates.",
                className="text-body-secondary",
            ),
            components.notices(ctx.view.notices),
            components.filter_bar(CONTROLS, ctx.view, ctx.years, ctx.teams, ctx.staff),
            components.chart(PART_CHART, part_fig, config=part_cfg),
            html.Div(YOY["cla_participation"][1](*values), id=PART_TABLE),
            components.chart(ATT_CHART, att_fig, config=att_cfg),
            html.Div(YOY["cla_attendance"][1](*values), id=ATT_TABLE),
            *variation(values),
            html.H2("The mix of participation codes"),
            components.chart(MIX, update_mix(fy, team, staff), "participation_codes"),
            pagekit.url_stores(URL, CONTROLS),
        ]
    )


variation = pagekit.register_variations(MEASURES, (FY, TEAM, STAFF))


YOY = {
    measure: pagekit.register_yoy(measure, title, unit, chart, table, (FY, CMP, TEAM, STAFF))
    for measure, (title, unit), chart, table in (
        ("cla_participation", MEASURES["cla_participation"], PART_CHART, PART_TABLE),
        ("cla_attendance", MEASURES["cla_attendance"], ATT_CHART, ATT_TABLE),
    )
}


@dash.callback(
    Output(MIX, "figure"),
    Input(FY, "value"),
    Input(TEAM, "value"),
    Input(STAFF, "value"),
    prevent_initial_call=True,
)
@data.cached_view
def update_mix(fy: str, team: str, staff: str) -> Any:
    start, end = fy_bounds(parse_fy(fy))
    df = data.participation_mix(start, end, Filters(chosen(team), chosen(staff)))
    return figures.participation_mix_chart(
        df, f"{fy.replace('-', '/')} · {pagekit.who(team, staff)}", data.load_info().extract_as_of
    )
