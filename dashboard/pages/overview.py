"""Overview: the annual report's section 5.1 KPI table, live, for any period."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from dashboard import components, data, figures, pagekit
from dashboard.packs import boardpack
from dashboard.view import CUSTOM, chosen
from queries.measures import spc
from queries.measures.kpis import MEASURE_LABELS, Filters, Ratio
from queries.measures.periods import fy_label, fy_of, preset_range, same_period_last_year
from queries.measures.targets import Target, rag

dash.register_page(__name__, path="/", name="Overview", title="Overview · SQA Dashboard")

PERIOD = "ov-period"
DATE_FROM = "ov-from"
DATE_TO = "ov-to"
TEAM = "ov-team"
STAFF = "ov-staff"
TABLE = "ov-kpi-table"
CAPTION = "ov-caption"
URL = "ov-url"
CONTROLS = {
    "period": PERIOD,
    "from": f"{DATE_FROM}.date",
    "to": f"{DATE_TO}.date",
    "team": TEAM,
    "staff": STAFF,
}

RECORDS_PAGE = {
    "cla_reviews_on_time": ("/cla-reviews", "CLA reviews in the period"),
    "icpc_within_15_working_days": (
        "/child-protection",
        "Initial child protection conferences in the period",
    ),
    "rcpc_on_time": ("/child-protection", "Review child protection conferences in the period"),
    "cla_participation": ("/participation", "CLA reviews coded PN1-PN7 in the period"),
    "cla_attendance": ("/participation", "CLA reviews coded PN1-PN7 in the period"),
    "minutes_within_20_working_days": ("/quality", "Review minutes due in the period"),
    "reviews_with_contact_since_last": ("/quality?section=contacts", "Reviews with no contact"),
    "feedback_yes": ("/quality?section=feedback", "Feedback by question"),
}
# Every measure the board pack shows, in the pack's order.
ORDER = [m for _section, measures in boardpack.SECTIONS for m in measures]

pagekit.register_url_sync(URL, CONTROLS)
pagekit.register_people_follow_team(TEAM, STAFF, None)


@pagekit.guarded
def layout(**params: str | None) -> Any:
    ctx = pagekit.page_context(params, default_period="last_fy")
    _fy, _cmp, team, staff = pagekit.control_values(ctx.view)
    table, caption = update_kpi_table(
        ctx.view.date_from.isoformat(), ctx.view.date_to.isoformat(), team, staff
    )
    return html.Div(
        [
            html.H1("Key performance indicators"),
            html.P(
                "The statutory timeliness and participation measures for the chosen period, "
                "beside their targets, the same period last year and comparators.",
                className="text-body-secondary",
            ),
            components.notices(ctx.view.notices),
            components.period_controls(PERIOD, DATE_FROM, DATE_TO, ctx.view),
            components.filter_bar(
                {"team": TEAM, "staff": STAFF},
                ctx.view,
                ctx.years,
                ctx.teams,
                ctx.staff,
                person="IRO or chair",
            ),
            html.P(caption, id=CAPTION, className="fw-semibold"),
            dcc.Loading(html.Div(table, id=TABLE)),
            pagekit.url_stores(URL, CONTROLS),
        ]
    )


@dash.callback(
    Output(PERIOD, "value"),
    Output(DATE_FROM, "date"),
    Output(DATE_TO, "date"),
    Input(PERIOD, "value"),
    Input(DATE_FROM, "date"),
    Input(DATE_TO, "date"),
    prevent_initial_call=True,
)
def update_period(period: str, start: str | None, end: str | None) -> tuple[Any, Any, Any]:
    """A preset sets the dates; dates edited by hand make the period 'custom'."""
    if dash.ctx.triggered_id == PERIOD:
        if period == CUSTOM:
            return dash.no_update, dash.no_update, dash.no_update
        a, b = preset_range(period, data.load_info().extract_as_of.date())
        return dash.no_update, a.isoformat(), b.isoformat()
    if period != CUSTOM and start and end:
        a, b = preset_range(period, data.load_info().extract_as_of.date())
        if (start[:10], end[:10]) != (a.isoformat(), b.isoformat()):
            return CUSTOM, dash.no_update, dash.no_update
    return dash.no_update, dash.no_update, dash.no_update


@dash.callback(
    Output(TABLE, "children"),
    Output(CAPTION, "children"),
    Input(DATE_FROM, "date"),
    Input(DATE_TO, "date"),
    Input(TEAM, "value"),
    Input(STAFF, "value"),
)
@data.cached_view
def update_kpi_table(
    start: str | None, end: str | None, team: str | None, staff: str | None
) -> tuple[Any, str]:
    if not start or not end:
        return components.notices(["Choose a start and an end date."]), ""
    date_from, date_to = dt.date.fromisoformat(start[:10]), dt.date.fromisoformat(end[:10])
    if date_to < date_from:
        return components.notices(["The end date is before the start date."]), ""
    team, staff = chosen(team), chosen(staff)
    filters = Filters(team, staff)
    now = data.kpi_range(date_from, date_to, filters)
    last_year = data.kpi_range(*same_period_last_year(date_from, date_to), filters)
    caption = (
        f"{figures.uk_date(date_from)} to {figures.uk_date(date_to)} · "
        f"{pagekit.who(team, staff)} · "
        f"{figures.as_of_note(data.load_info().extract_as_of)}"
    )
    gone = data.left_out(date_from, date_to, filters)
    # Is it changing? Each KPI's SPC chart over the two years to the period's last month.
    last = min(date_to, data.load_info().extract_as_of.date())
    first = (
        f"{last.year - 2}-{last.month + 1:02d}" if last.month < 12 else f"{last.year - 1}-01"
    )  # 24 months ending with the period's last
    icons = data.spc_charts(tuple(ORDER), first, f"{last:%Y-%m}", filters)
    targets = data.targets_for(fy_of(date_to))  # England's figure for the period's year
    table = kpi_table(now, last_year, targets, date_from, date_to, team, staff, gone, icons)
    frame = figures.kpi_frame(ORDER, now, last_year, targets, icons)
    what = f"Key performance indicators, {caption.rsplit(' · ', 1)[0]}"
    return html.Div([table, components.download_links("ov-kpis", what, frame)]), caption


def kpi_table(
    now: dict[str, Ratio],
    last_year: dict[str, Ratio],
    targets: dict[str, Target],
    date_from: dt.date,
    date_to: dt.date,
    team: str | None,
    staff: str | None,
    left_out: dict[str, dict[str, int]] | None = None,
    icons: dict[str, spc.Chart] | None = None,
) -> dbc.Table:
    """The section 5.1 table: one row per KPI, with indicator words and symbols."""
    head = [
        "Measure",
        "Numerator",
        "Denominator",
        "Result",
        "Indicator",
        "Is it changing? (SPC)",
        "Target",
        "Same period last year",
        "Statistical neighbours",
        "England",
        *([region] if (region := next(iter(targets.values())).region_name) else []),
        "More",
    ]
    rows = []
    fy = fy_label(fy_of(date_to))
    for key in ORDER:
        label = MEASURE_LABELS[key]
        r, t, prev = now[key], targets[key], last_year[key]
        to_records = functools.partial(pagekit.records_href, key, date_from, date_to, team, staff)
        ind = rag(r.rate, t, r.not_recorded)
        gone = sum((left_out or {}).get(key, {}).values())
        page, mi_text = RECORDS_PAGE[key]
        qs = components.query_string(fy=fy, team=team, staff=staff)
        rows.append(
            html.Tr(
                [
                    html.Th(label, scope="row"),
                    html.Td(
                        "–"
                        if r.not_recorded
                        else dcc.Link(
                            f"{r.numerator:,}",
                            href=to_records("yes"),
                            title=f"The {r.numerator:,} records that met the standard",
                        ),
                        className="text-end",
                    ),
                    html.Td(
                        "–"
                        if r.not_recorded
                        else dcc.Link(
                            f"{r.denominator:,}",
                            href=to_records(),
                            title=f"All {r.denominator:,} records behind this figure",
                        ),
                        className="text-end",
                    ),  # fmt: skip
                    html.Td(
                        [
                            "Not recorded in this source"
                            if r.not_recorded
                            else figures.pct(r.rate, 1),
                            html.Div(
                                f"{gone:,} reviews left out: due date unknown (their history "
                                "is before the data; load earlier returns)",
                                className="small fw-normal text-body-secondary",
                            )
                            if gone
                            else None,
                        ],
                        className="text-end fw-semibold",
                        id=f"ov-result-{key}",
                    ),
                    html.Td(
                        html.Span(f"{ind.symbol} {ind.word}", className=f"rag rag-{ind.status}")
                    ),
                    html.Td(
                        [
                            html.Div(
                                f"{spc.VARIATION_SYMBOLS.get(chart.variation or '', '–')} "
                                f"{spc.variation_words(chart.variation)}"
                            ),
                            html.Div(spc.assurance_words(chart.assurance)),
                        ]
                        if (chart := (icons or {}).get(key))
                        else "–",
                        className="small",
                    ),
                    html.Td(figures.pct(t.target)),
                    html.Td(
                        f"{figures.pct(prev.rate, 1)} ({prev.numerator:,} of {prev.denominator:,})"
                    ),
                    html.Td(figures.comparator(t.stat_neighbours, t.comparator_year)),
                    html.Td(
                        figures.comparator(t.england, t.england_year),
                        title=f"Published for {t.england_year}" if t.england_year else None,
                    ),
                    *(
                        [html.Td(figures.comparator(t.region, t.region_year))]
                        if t.region_name
                        else []
                    ),
                    html.Td(
                        [
                            html.Div(dcc.Link(mi_text, href=f"{page}{qs}")),
                            html.Div(dcc.Link("Definition", href=f"/definitions#{key}")),
                        ],
                        className="small",
                    ),
                ],
                id=f"ov-row-{key}",
            )
        )
        for name, cell in zip(head[1:], rows[-1].children[1:], strict=True):
            setattr(cell, "data-label", name)  # each figure labelled on a phone
    return dbc.Table(
        [
            html.Caption(
                f"Key performance indicators, {figures.uk_date(date_from)} to "
                f"{figures.uk_date(date_to)}"
            ),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody(rows),
        ],
        bordered=True,
        hover=True,
        responsive=True,
        className="kpi-table caption-top bg-white",
    )
