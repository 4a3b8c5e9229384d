"""One IRO or chair: their figures beside their team's and the service's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard import components, data, figures, pagekit
from queries.core.errors import AccessDenied
from queries.measures.kpis import KPI_LABELS, Filters, Ratio
from queries.measures.periods import fy_bounds, fy_label, fy_of
from queries.measures.targets import Target, rag

dash.register_page(
    __name__, path_template="/iro/<staff_id>", name="IRO", title="My figures · SQA Dashboard"
)

SUPERVISION_DAYS = 56  # the 8-week supervision cycle
CHART = "iro-chart"


def windows(as_of: dt.date) -> dict[str, tuple[dt.date, dt.date]]:
    """The supervision window (last 8 weeks, to the as-of date) and the year to date."""
    return {
        "Last 8 weeks": (as_of - dt.timedelta(days=SUPERVISION_DAYS - 1), as_of),
        "Year to date": (fy_bounds(fy_of(as_of))[0], as_of),
    }


def _cell(r: Ratio) -> str:
    if r.not_recorded:
        return "Not recorded in this source"
    if not r.denominator:
        return "–"
    return f"{figures.pct(r.rate)} ({r.numerator:,} of {r.denominator:,})"


def _indicator(r: Ratio, target: Target) -> Any:
    ind = rag(r.rate, target, r.not_recorded)
    return html.Span(f"{ind.symbol} {ind.word}", className=f"rag rag-{ind.status}")


@pagekit.guarded
def _now(staff_id: str, fy: int) -> Any:
    """Caseload now and at each month end; reviews due in the next 8 weeks and overdue."""
    loads = data.qa_table("caseloads", fy, None)
    mine = loads[loads["staff_id"] == staff_id]
    try:  # counts only here, so no audit record (the worklist itself writes one)
        due: pd.DataFrame | None = data.qa_table(
            "review_worklist", SUPERVISION_DAYS, Filters(staff=staff_id), data.today()
        )
    except AccessDenied:
        due = None
    items = [
        ("Children allocated now", f"{int(mine['children'].iloc[-1]):,}" if len(mine) else "–"),
    ]
    if due is not None:
        overdue = int(due["overdue"].sum()) if len(due) else 0
        items += [
            ("Reviews overdue now", f"{overdue:,}"),
            ("Reviews due in the next 8 weeks", f"{len(due) - overdue:,}"),
        ]
    cards = dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [html.P(label, className="mb-1 small"), html.P(value, className="h3 mb-0")]
                    ),
                    className="bg-white",
                ),
                sm=4,
                className="mb-3",
            )
            for label, value in items
        ],
        id="iro-now",
    )
    months = (
        components.frame_table(
            pd.DataFrame(
                [["Children allocated", *[f"{int(n):,}" for n in mine["children"]]]],
                columns=["", *[figures.uk_date(d) for d in pd.to_datetime(mine["on_day"])]],
            ),
            f"Caseload at each month end (and on the extract date for this month), "
            f"{fy_label(fy).replace('-', '/')}",
            "iro-caseload",
        )
        if len(mine)
        else html.Div()
    )
    return html.Div([cards, months])


def layout(staff_id: str = "", **_params: str | None) -> Any:
    staff = data.staff().set_index("staff_id")
    if staff_id not in staff.index:
        return html.Div(
            [
                html.H1("Person not found"),
                components.notices(
                    [f"There is no IRO or chair with id '{staff_id}' whose page you can see."]
                ),
                dcc.Link("Choose from the list of IROs and chairs", href="/iro"),
            ]
        )
    person = staff.loc[staff_id]
    name, team = str(person["staff_name"]), str(person["team"])
    info = data.load_info()
    as_of = info.extract_as_of.date()
    scopes = {name: Filters(staff=staff_id), team: Filters(team=team), "Service": Filters()}
    tables = []
    targets = data.targets()
    for label, (start, end) in windows(as_of).items():
        results = {who: data.kpi_range(start, end, f) for who, f in scopes.items()}
        head = html.Thead(
            html.Tr(
                [
                    html.Th("Measure", scope="col"),
                    html.Th("Target", scope="col"),
                    *[html.Th(who, scope="col") for who in scopes],
                    html.Th(f"Indicator ({name})", scope="col"),
                ]
            )
        )
        body = html.Tbody(
            [
                html.Tr(
                    [
                        html.Th(text, scope="row"),
                        html.Td(figures.pct(targets[key].target)),
                        *[html.Td(_cell(results[who][key])) for who in scopes],
                        html.Td(_indicator(results[name][key], targets[key])),
                    ]
                )
                for key, text in KPI_LABELS.items()
            ]
        )
        tables.append(
            dbc.Col(
                [
                    dbc.Table(
                        [
                            html.Caption(
                                f"{label}: {figures.uk_date(start)} to {figures.uk_date(end)}"
                            ),
                            head,
                            body,
                        ],
                        bordered=True,
                        size="sm",
                        className="caption-top bg-white",
                    ),
                ],
                xxl=6,
            )
        )
    fy = fy_of(as_of)
    series = {
        who: data.monthly_series("cla_reviews_on_time", fy, fy, f)[fy_label(fy)]
        for who, f in scopes.items()
    }
    fig = figures.yoy_rate_chart(
        series,
        name,
        f"CLA reviews held on time, {fy_label(fy).replace('-', '/')}: "
        f"{name}, {team} and the service",
        "% of reviews held on time",
        f"{name} ({team})",
        info.extract_as_of,
        data.targets()["cla_reviews_on_time"].target,
    )
    qs = components.query_string(fy=fy_label(fy), staff=staff_id)
    # Their own SPC chart, and where they sit on the service's funnel (others anonymised
    # as the viewer's role requires; their own point is drawn larger, ringed).
    first, last = pagekit.spc_months(fy_label(fy))
    own = data.spc_chart("cla_reviews_on_time", first, last, Filters(staff=staff_id))
    spc_fig = figures.spc_figure(
        own, "CLA reviews held on time", "% of reviews held on time",
        f"{name}, {first} to {last}", info.extract_as_of, rate=True,
    )  # fmt: skip
    start, end = fy_bounds(fy)
    result = data.funnel("cla_reviews_on_time", start, end, "staff", None)
    funnel_fig = figures.funnel_figure(
        result, f"Where {name} sits among the IROs, {fy_label(fy).replace('-', '/')}",
        "CLA reviews held on time; the ringed point is " + name, info.extract_as_of,
        highlight=staff_id, unit="% of reviews held on time",
    )  # fmt: skip
    mine = next((u for u in result.units if u.unit == staff_id), None)
    where = (
        "Within the funnel: the difference from the service is what chance alone gives."
        if mine and not mine.outlier_95
        else f"{'Above' if mine.outlier_95 == 'high' else 'Below'} the funnel's 95% limit."
        if mine
        else "No reviews in the year yet."
    )
    return html.Div(
        [
            html.H1(f"{name}"),
            html.P(
                f"{team} · staff id {staff_id} · data as of {figures.uk_date(info.extract_as_of)}",
                className="text-body-secondary",
            ),
            _now(staff_id, fy),
            dbc.Row(tables),
            components.chart(CHART, fig, f"cla_reviews_on_time_{fy_label(fy)}_{name}"),
            html.H2("Is it changing? My SPC chart"),
            components.chart("iro-spc", spc_fig, f"cla_reviews_on_time_spc_{name}"),
            html.H2("How do I compare? The funnel"),
            html.P(where, id="iro-funnel-where"),
            components.chart("iro-funnel", funnel_fig, f"cla_reviews_on_time_funnel_{name}"),
            html.P(
                [
                    dcc.Link("My CLA reviews, late first", href=f"/cla-reviews{qs}#records"),
                    " · ",
                    dcc.Link("My conferences", href=f"/child-protection{qs}#records"),
                ]
            ),
        ]
    )
