"""Child protection: ICPCs within 15 working days and review conferences on time."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html

from dashboard import components, data, figures, pagekit
from dashboard.view import EVERYONE, chosen
from queries.measures.kpis import Filters
from queries.measures.periods import fy_bounds, parse_fy

dash.register_page(
    __name__,
    path="/child-protection",
    name="Child protection",
    title="Child protection · SQA Dashboard",
)

FY = "cp-fy"
CMP = "cp-cmp"
TEAM = "cp-team"
STAFF = "cp-staff"
ICPC_CHART = "cp-icpc-chart"
RCPC_CHART = "cp-rcpc-chart"
ICPC_TABLE = "cp-icpc-table"
RCPC_TABLE = "cp-rcpc-table"
VOLUMES = "cp-volumes"
BY_CHAIR = "cp-by-chair"
BY_CHAIR_MEASURE = "cp-by-chair-measure"
KIND = "cp-kind"
LATE_ONLY = "cp-late-only"
RECORDS = "cp-records"
URL = "cp-url"
CONTROLS = {"fy": FY, "cmp": CMP, "team": TEAM, "staff": STAFF}
MEASURES = {
    "icpc_within_15_working_days": (
        "ICPCs held within 15 working days of the s47 start",
        "% of ICPCs on time",
    ),
    "rcpc_on_time": ("Review CP conferences held on time", "% of review conferences on time"),
}
RECORD_COLUMNS = (
    ("kind", "Conference"),
    ("child_id", "Child id"),
    ("clock_start", "Clock started"),
    ("due_date", "Due"),
    ("conference_date", "Held"),
    ("days_late", "Days late"),
    ("status", "Status"),
    ("chair_name", "Chair"),
    ("team", "Team"),
)

pagekit.register_url_sync(URL, CONTROLS)
pagekit.register_people_follow_team(TEAM, STAFF, pagekit.CHAIR_ROLES)
pagekit.register_compare_follow(FY, CMP)


@pagekit.guarded
def layout(**params: str | None) -> Any:
    ctx = pagekit.page_context(
        params, roles=pagekit.CHAIR_ROLES, measures=("icpc_within_15_working_days", "rcpc_on_time")
    )
    fy, cmp, team, staff = values = pagekit.control_values(ctx.view)
    icpc_fig, icpc_cfg = YOY["icpc_within_15_working_days"][0](*values)
    rcpc_fig, rcpc_cfg = YOY["rcpc_on_time"][0](*values)
    return html.Div(
        [
            html.H1("Child protection conferences"),
            html.P(
                "Initial conferences held within 15 working days of the section 47 enquiry "
                "starting (the DfE definition), and review conferences held within 3 months "
                "of the plan starting, then every 6 months.",
                className="text-body-secondary",
            ),
            components.notices(ctx.view.notices),
            components.filter_bar(
                CONTROLS, ctx.view, ctx.years, ctx.teams, ctx.staff, person="Chair"
            ),
            components.chart(ICPC_CHART, icpc_fig, config=icpc_cfg),
            html.Div(YOY["icpc_within_15_working_days"][1](*values), id=ICPC_TABLE),
            components.chart(RCPC_CHART, rcpc_fig, config=rcpc_cfg),
            html.Div(YOY["rcpc_on_time"][1](*values), id=RCPC_TABLE),
            *variation(values),
            components.chart(VOLUMES, update_volumes(fy, team, staff), "conferences_held"),
            html.H2("By chair"),
            html.Div(
                [
                    html.Label(
                        "Measure", htmlFor=BY_CHAIR_MEASURE, className="form-label fw-semibold"
                    ),
                    components.select(
                        BY_CHAIR_MEASURE,
                        [{"label": v[0], "value": k} for k, v in MEASURES.items()],
                        "icpc_within_15_working_days",
                    ),
                ],
                style={"maxWidth": "520px"},
            ),
            components.chart(
                BY_CHAIR, update_by_chair(fy, team, "icpc_within_15_working_days"), "cp_by_chair"
            ),
            html.H2("The conferences behind the figures", id="records"),
            html.Div(
                [
                    html.Label("Conferences", htmlFor=KIND, className="form-label fw-semibold"),
                    components.select(
                        KIND,
                        [
                            {"label": "ICPCs and review conferences", "value": EVERYONE},
                            {"label": "ICPCs", "value": "ICPC"},
                            {"label": "Review conferences", "value": "RCPC"},
                        ],
                        EVERYONE,
                    ),
                ],
                style={"maxWidth": "360px"},
            ),
            dbc.Checklist(
                id=LATE_ONLY,
                options=[{"label": "Late only", "value": "late"}],
                value=[],
                switch=True,
            ),
            html.P(
                "Late first. Children are shown by id only.", className="small text-body-secondary"
            ),
            components.records_block(
                RECORDS, "conferences", RECORDS_VIEW(0, fy, team, staff, EVERYONE, [])
            ),
            pagekit.url_stores(URL, CONTROLS),
        ]
    )


variation = pagekit.register_variations(MEASURES, (FY, TEAM, STAFF))


YOY = {
    measure: pagekit.register_yoy(measure, title, unit, chart, table, (FY, CMP, TEAM, STAFF))
    for measure, (title, unit), chart, table in (
        (
            "icpc_within_15_working_days",
            MEASURES["icpc_within_15_working_days"],
            ICPC_CHART,
            ICPC_TABLE,
        ),
        ("rcpc_on_time", MEASURES["rcpc_on_time"], RCPC_CHART, RCPC_TABLE),
    )
}


@dash.callback(
    Output(VOLUMES, "figure"),
    Input(FY, "value"),
    Input(TEAM, "value"),
    Input(STAFF, "value"),
    prevent_initial_call=True,
)
@data.cached_view
def update_volumes(fy: str, team: str, staff: str) -> Any:
    year = parse_fy(fy)
    filters = Filters(chosen(team), chosen(staff))
    series = {
        "ICPCs": data.monthly_series("icpc_within_15_working_days", year, year, filters),
        "Review conferences": data.monthly_series("rcpc_on_time", year, year, filters),
    }
    return figures.volume_chart(
        series, fy, pagekit.who(team, staff), data.load_info().extract_as_of
    )


@dash.callback(
    Output(BY_CHAIR, "figure"),
    Input(FY, "value"),
    Input(TEAM, "value"),
    Input(BY_CHAIR_MEASURE, "value"),
    prevent_initial_call=True,
)
@data.cached_view
def update_by_chair(fy: str, team: str, measure: str) -> Any:
    start, end = fy_bounds(parse_fy(fy))
    df = data.kpi_by_staff(measure, start, end, chosen(team))
    title, unit = MEASURES[measure]
    return figures.staff_rate_chart(
        df,
        f"{title}, by chair, {fy.replace('-', '/')}",
        chosen(team) or "All teams",
        data.load_info().extract_as_of,
        unit,
        data.targets()[measure].target,
        lambda person: pagekit.records_href(measure, start, end, team, person),
    )


pagekit.register_point_links(BY_CHAIR)


def _records(fy: str, team: str, staff: str, kind: str, late: list[str]) -> Any:
    start, end = fy_bounds(parse_fy(fy))
    return data.conference_records(
        start, end, Filters(chosen(team), chosen(staff)), chosen(kind), bool(late)
    )


_KIND_WORDS = {"ICPC": "ICPCs", "RCPC": "Review conferences"}

RECORDS_VIEW = pagekit.register_records(
    RECORDS,
    [
        Input(FY, "value"),
        Input(TEAM, "value"),
        Input(STAFF, "value"),
        Input(KIND, "value"),
        Input(LATE_ONLY, "value"),
    ],
    _records,
    RECORD_COLUMNS,
    lambda fy, team, staff, kind, late: (
        f"{_KIND_WORDS.get(kind, 'ICPCs and review conferences')} held in {fy.replace('-', '/')}, "
        f"{pagekit.rows_of(team, staff)}" + (", late only" if late else "") + ": late first"
    ),
    lambda fy, team, staff, kind, late: (
        f"cp_conferences_{fy}_{chosen(kind) or 'all'}_"
        f"{pagekit.rows_of(team, staff)}" + ("_late" if late else "")
    ),
)
