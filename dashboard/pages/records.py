"""The records behind a figure: any KPI's events for a period, team and person, exactly its
denominator, with the numerator's rows marked. Every drill-down link leads here."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
from dash import Input, Output, html

from dashboard import components, data, figures, pagekit
from dashboard.view import CUSTOM, chosen
from queries.core.errors import QueryError
from queries.measures.kpis import MEASURE_LABELS, Filters
from queries.measures.periods import parse_date

dash.register_page(
    __name__, path="/records", name="Records", title="Records behind a figure · SQA Dashboard"
)

MEASURE = "rec-measure"
DATE_FROM = "rec-from"
DATE_TO = "rec-to"
TEAM = "rec-team"
STAFF = "rec-staff"
MET = "rec-met"
FIGURE = "rec-figure"
RECORDS = "rec-records"
URL = "rec-url"
CONTROLS = {
    "measure": MEASURE,
    "from": f"{DATE_FROM}.date",
    "to": f"{DATE_TO}.date",
    "team": TEAM,
    "staff": STAFF,
    "met": MET,
}
MET_CHOICES = {"all": "Every event", "yes": "Met only", "no": "Not met only"}
RECORD_COLUMNS = (
    ("child_id", "Child id"),
    ("event_date", "Date"),
    ("outcome", "Counted as"),
    ("due_date", "Due"),
    ("days_late", "Days late"),
    ("detail", "Detail"),
    ("staff_name", "IRO or chair"),
    ("team", "Team"),
    ("event_id", "Event id"),
)

pagekit.register_url_sync(URL, CONTROLS)
pagekit.register_people_follow_team(TEAM, STAFF, None)


def _period(start: str | None, end: str | None) -> tuple[dt.date, dt.date]:
    date_from = parse_date(start or "", "From")
    date_to = parse_date(end or "", "To")
    if date_to < date_from:
        raise QueryError(f"The period ends ({date_to:%-d %b %Y}) before it starts")
    return date_from, date_to


def _only(met: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(met or "all")


def _measure(measure: str | None) -> str:
    return measure if measure in MEASURE_LABELS else "cla_reviews_on_time"


def _fetch(measure: str, start: str, end: str, team: str, staff: str, met: str) -> Any:
    date_from, date_to = _period(start, end)
    return data.measure_records(
        _measure(measure), date_from, date_to, Filters(chosen(team), chosen(staff)), _only(met)
    )


def _what(measure: str, start: str, end: str, team: str, staff: str, met: str) -> str:
    date_from, date_to = _period(start, end)
    which = {"yes": ", met only", "no": ", not met only"}.get(met or "", "")
    return (
        f"{MEASURE_LABELS[_measure(measure)]}, {date_from:%-d %b %Y} to {date_to:%-d %b %Y}, "
        f"{pagekit.rows_of(team, staff)}{which}"
    )


def _file_name(measure: str, start: str, end: str, team: str, staff: str, met: str) -> str:
    which = {"yes": "_met", "no": "_not_met"}.get(met or "", "")
    return f"{_measure(measure)}_records_{start}_to_{end}_{pagekit.rows_of(team, staff)}{which}"


RECORDS_VIEW = pagekit.register_records(
    RECORDS,
    [
        Input(MEASURE, "value"),
        Input(DATE_FROM, "date"),
        Input(DATE_TO, "date"),
        Input(TEAM, "value"),
        Input(STAFF, "value"),
        Input(MET, "value"),
    ],  # fmt: skip
    _fetch,
    RECORD_COLUMNS,
    lambda *v: _what(*v) + ": not met first",
    _file_name,
)


@dash.callback(
    Output(FIGURE, "children"),
    Input(MEASURE, "value"),
    Input(DATE_FROM, "date"),
    Input(DATE_TO, "date"),
    Input(TEAM, "value"),
    Input(STAFF, "value"),
    prevent_initial_call=True,
)
@data.cached_view
def update_figure(measure: str, start: str, end: str, team: str, staff: str) -> Any:
    """The figure these records are behind, so the reader can check the count."""
    try:
        date_from, date_to = _period(start, end)
    except QueryError as exc:
        return components.notices([str(exc)])
    measure = _measure(measure)
    ratio = data.kpi_range(date_from, date_to, Filters(chosen(team), chosen(staff)))[measure]
    if ratio.not_recorded:
        return html.P(f"{MEASURE_LABELS[measure]}: {ratio.not_recorded}.", id="rec-figure-text")
    return html.P(
        [
            html.Strong(
                f"{MEASURE_LABELS[measure]}: {figures.pct(ratio.rate, 1)} "
                f"({ratio.numerator:,} met of {ratio.denominator:,})"
            ),
            f", {date_from:%-d %b %Y} to {date_to:%-d %b %Y}, {pagekit.who(team, staff)}. "
            f"The list below is those {ratio.denominator:,} events; the {ratio.numerator:,} "
            "met are marked ✔ Met.",
        ],
        id="rec-figure-text",
    )


@pagekit.guarded
def layout(**params: str | None) -> Any:
    have_dates = bool(params.get("from") or params.get("to"))
    ctx = pagekit.page_context(
        {**params, "period": CUSTOM} if have_dates else params, default_period="last_fy"
    )
    measure = _measure(params.get("measure"))
    notices = list(ctx.view.notices)
    if params.get("measure") and params.get("measure") != measure:
        notices.append(
            f"'{params.get('measure')}' is not a measure; showing {MEASURE_LABELS[measure]}."
        )
    met = str(params.get("met")) if params.get("met") in MET_CHOICES else "all"
    start, end = ctx.view.date_from.isoformat(), ctx.view.date_to.isoformat()
    _fy, _cmp, team, staff = pagekit.control_values(ctx.view)
    values = (measure, start, end, team, staff, met)
    return html.Div(
        [
            html.H1("The records behind a figure"),
            html.P(
                "Every event a figure counts, for the same measure, period, team and person: "
                "as many rows as the figure's denominator, those that met the standard marked. "
                "Children are shown by id only.",
                className="text-body-secondary",
            ),
            components.notices(notices),
            html.Div(
                [
                    components.labelled(
                        "Measure",
                        components.select(
                            MEASURE,
                            [{"label": v, "value": k} for k, v in MEASURE_LABELS.items()],
                            measure,
                        ),
                        MEASURE,
                        4,
                    ),
                    components.labelled(
                        "From", components.date_input(DATE_FROM, ctx.view.date_from), DATE_FROM, 2
                    ),
                    components.labelled(
                        "To", components.date_input(DATE_TO, ctx.view.date_to), DATE_TO, 2
                    ),
                    components.labelled(
                        "Show",
                        components.select(
                            MET, [{"label": v, "value": k} for k, v in MET_CHOICES.items()], met
                        ),
                        MET,
                        2,
                    ),
                ],
                className="row filter-bar g-3 align-items-end",
            ),
            components.filter_bar(
                {"team": TEAM, "staff": STAFF},
                ctx.view,
                ctx.years,
                ctx.teams,
                ctx.staff,
                person="IRO or chair",
            ),
            html.Div(update_figure(*values[:5]), id=FIGURE),
            components.records_block(RECORDS, "records", RECORDS_VIEW(0, *values)),
            pagekit.url_stores(URL, CONTROLS),
        ]
    )
