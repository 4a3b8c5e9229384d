"""What every page does the same way: read the URL into a view, keep the URL in step."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    dcc,
    html,
)

from dashboard import components, data, exports, figures
from dashboard.view import EVERYONE, View, chosen, resolve
from queries.core.errors import AccessDenied, QueryError
from queries.measures.kpis import Filters
from queries.measures.periods import fy_bounds, fy_label, month_bounds, parse_fy
from queries.measures.records import LoadInfo

IRO_ROLES = ("IRO", "IRO_CP_CHAIR")  # who chairs CLA reviews
CHAIR_ROLES = ("CP_CHAIR", "IRO_CP_CHAIR")  # who chairs child protection conferences


@dataclass(frozen=True)
class PageContext:
    view: View
    years: list[int]
    teams: list[str]
    staff: pd.DataFrame
    names: dict[str, str]
    info: LoadInfo


def page_context(
    params: Mapping[str, str | None],
    default_period: str = "last_fy",
    roles: Sequence[str] | None = None,
    measures: Sequence[str] | None = None,
) -> PageContext:
    """The view a URL asks for, with the choices the filter bar offers: the years that
    hold events of the page's ``measures`` (any KPI's when None)."""
    info = data.load_info()
    staff = data.staff()
    if roles is not None:
        staff = staff[staff["role"].isin(roles)]
    years = data.data_years(tuple(measures) if measures else None)
    teams = data.teams(tuple(roles) if roles is not None else None)
    # .tolist() first: iterating a pandas string column boxes every value (1 ms per 1,000)
    names = dict(zip(staff["staff_id"].tolist(), staff["staff_name"].tolist(), strict=True))
    view = resolve(
        params, info.extract_as_of.date(), years, teams, staff["staff_id"].tolist(), default_period
    )
    if view.team and view.staff:  # a person of another team: say so, keep the team
        theirs = staff.loc[staff["staff_id"] == view.staff, "team"]
        if len(theirs) and theirs.iloc[0] != view.team:
            view = dataclasses.replace(
                view,
                staff=None,
                notices=(
                    *view.notices,
                    f"{names.get(view.staff, view.staff)} is in {theirs.iloc[0]}, not "
                    f"{view.team}, so nobody is chosen: showing everyone in {view.team}.",
                ),
            )
    return PageContext(view, years, teams, staff, names, info)


def register_people_follow_team(
    team_id: str, staff_id: str, roles: Sequence[str] | None = None
) -> None:
    """At import: the person list offers only the chosen team's people; choosing a team
    that the chosen person is not in chooses nobody (rather than an empty chart)."""

    @callback(
        Output(staff_id, "options"),
        Output(staff_id, "value", allow_duplicate=True),
        Input(team_id, "value"),
        State(staff_id, "value"),
        prevent_initial_call=True,
    )
    def update_people(team: str | None, person: str | None) -> tuple[Any, Any]:
        staff = data.staff()
        if roles is not None:
            staff = staff[staff["role"].isin(roles)]
        group = chosen(team)
        if group:
            staff = staff[staff["team"] == group]
        keep = person if person in set(staff["staff_id"].tolist()) else EVERYONE
        return components.staff_options(staff), keep


def register_compare_follow(fy_id: str, cmp_id: str) -> None:
    """At import: choosing a financial year sets "Compare with" to the year before it (the
    comparison a reader expects); the reader may then choose another."""

    @callback(
        Output(cmp_id, "value", allow_duplicate=True),
        Input(fy_id, "value"),
        prevent_initial_call=True,
    )
    def update_compare(fy: str) -> str:
        return fy_label(parse_fy(fy) - 1)


def register_url_sync(store_id: str, controls: Mapping[str, str]) -> None:
    """At import: keep ``controls`` in the address bar.

    ``controls`` maps a query-string name to a component id, or to ``id.property`` when
    the value is not the component's ``value``.
    """
    inputs = []
    for control in controls.values():
        cid, _, prop = control.partition(".")
        inputs.append(Input(cid, prop or "value"))
    clientside_callback(
        ClientsideFunction(namespace="sqa", function_name="syncUrl"),
        Output(store_id, "data"),
        *inputs,
        State(f"{store_id}-names", "data"),
    )


def url_stores(store_id: str, controls: Mapping[str, str]) -> html.Div:
    """In the layout: the stores :func:`register_url_sync` writes and reads."""
    return html.Div(
        [dcc.Store(id=store_id), dcc.Store(id=f"{store_id}-names", data=list(controls))]
    )


def fy_run(fy: str, cmp: str) -> tuple[int, int, str, str]:
    """(first year, last year, selected label, comparison label) for a year-on-year query."""
    a, b = parse_fy(fy), parse_fy(cmp)
    return min(a, b), max(a, b), fy, cmp


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def who(team: str | None, staff: str | None) -> str:
    """The filter context in words: a person's name, a team, or 'All teams'."""
    person, group = chosen(staff), chosen(team)
    if person:
        return str(data.staff().set_index("staff_id")["staff_name"].get(person, person))
    return group or "All teams"


def rows_of(team: str | None, staff: str | None) -> str:
    """Whose child-level rows a list shows, in words: as :func:`who`, but an IRO who
    chose nobody sees only their own (their name), and a team manager their team's."""
    scope = data.current_scope()
    if scope.role == "iro" and scope.staff_id:  # an IRO's lists are always their own
        return who(None, scope.staff_id)
    if not chosen(staff) and not chosen(team) and scope.role == "team_manager" and scope.team:
        return scope.team
    return who(team, staff)


def records_href(
    measure: str,
    date_from: dt.date,
    date_to: dt.date,
    team: str | None = None,
    staff: str | None = None,
    met: str | None = None,
) -> str:
    """The address of a figure's records (the Records page): the same measure, period,
    team and person; ``met`` 'yes' or 'no' keeps the numerator's rows or the others."""
    return "/records" + components.query_string(
        measure=measure,
        **{"from": date_from.isoformat(), "to": date_to.isoformat()},
        team=chosen(team),
        staff=chosen(staff),
        met=met if met in ("yes", "no") else None,
    )


def month_links(
    measure: str, series: Mapping[str, Sequence[Any]], team: str | None, staff: str | None
) -> dict[str, list[str]]:
    """Each series' months (MonthRatio) -> the address of that month's records."""
    return {
        label: [records_href(measure, *month_bounds(m.month), team, staff) for m in months]
        for label, months in series.items()
    }


def register_point_links(chart_id: str) -> None:
    """At import: a click on a point of ``chart_id`` opens the records behind it (the
    address in the point's last custom value; points without one do nothing)."""
    clientside_callback(
        ClientsideFunction(namespace="sqa", function_name="followPoint"),
        Output("sqa-nav", "href", allow_duplicate=True),
        Input(chart_id, "clickData"),
        prevent_initial_call=True,
    )


def yoy_chart(
    measure: str, title: str, unit: str, fy: str, cmp: str, team: str | None, staff: str | None
) -> tuple[Any, Any]:
    """(figure, config) of one KPI month by month, the chosen year against another."""
    first, last, sel, other = fy_run(fy, cmp)
    series = data.monthly_series(measure, first, last, Filters(chosen(team), chosen(staff)))
    context = who(team, staff)
    shown = {k.replace("-", "/"): series[k] for k in (other, sel)}
    fig = figures.yoy_rate_chart(
        shown,
        sel.replace("-", "/"),
        f"{title}, {sel.replace('-', '/')} vs {other.replace('-', '/')}",
        unit,
        context,
        data.load_info().extract_as_of,
        data.targets()[measure].target,
        month_links(measure, shown, team, staff),
    )
    return fig, figures.export_config(
        f"{measure}_{sel}_vs_{other}_{context}", data.load_info().extract_as_of
    )


def yoy_month_table(
    measure: str, title: str, fy: str, cmp: str, team: str | None, staff: str | None
) -> Any:
    """The annual report's month-by-month table for one KPI, two years."""
    first, last, sel, other = fy_run(fy, cmp)
    series = data.monthly_series(measure, first, last, Filters(chosen(team), chosen(staff)))
    shown = {k: series[k] for k in (other, sel)}
    hrefs = month_links(measure, shown, team, staff)
    links = {
        (i, label): href
        for i, (year, months) in enumerate(shown.items())
        for label, m, href in zip(figures.MONTHS, months, hrefs[year], strict=True)
        if m.denominator and not m.not_recorded
    }
    return components.frame_table(
        figures.month_table(shown),
        f"{title}, by month, {sel.replace('-', '/')} and {other.replace('-', '/')}, "
        f"{who(team, staff)}",
        f"{measure}-month-table",
        links,
    )


RECORD_LABELS = {
    "cla-records": "CLA review records",
    "cp-records": "conference records",
    "dq-records": "data-quality rows",
    "wl-records": "review worklist",
    "rec-records": "records behind a figure",
    "qa-gaps": "reviews without contact",
    "qa-comments": "feedback comments",
}


def register_records(
    prefix: str,
    inputs: Sequence[Input],
    fetch: Callable[..., pd.DataFrame],
    columns: Sequence[tuple[str, str]],
    caption: Callable[..., str],
    file_name: Callable[..., str],
) -> Callable[..., tuple[Any, str, bool, bool, int]]:
    """At import: the drill-down's two callbacks (a page of the table; the CSV download).

    ``fetch(*input_values)`` returns the records for the filters; ``caption`` and
    ``file_name`` take the same values. Changing a filter goes back to the first page.
    Returns ``view(page, *input_values)``, which the layout calls for the first view.
    """
    n_inputs = len(inputs)
    keys = [str(i.component_id).split("-", 1)[-1].replace("-", "_") for i in inputs]
    label = RECORD_LABELS.get(prefix, f"{prefix} records")

    def audit_filters(*values: Any) -> dict[str, object]:
        return {"table": prefix, **dict(zip(keys, values, strict=True))}

    def records_view(page: int, *values: Any) -> tuple[tuple[Any, str, bool, bool, int], int]:
        """(the page, how many rows it draws on); -1 rows when the role has none."""
        try:
            frame = fetch(*values)
        except AccessDenied as exc:
            return (components.notices([str(exc)]), str(exc), True, True, 0), -1
        except QueryError as exc:  # e.g. a period that ends before it starts: say why
            return (components.notices([str(exc)]), "", True, True, 0), -2
        shown = components.records_page(frame, columns, page, caption(*values) + scope_note())
        return shown, len(frame)

    records_view.__name__ = f"records_view_{prefix}"  # one cache key space per grid
    cached_view = data.cached_view(records_view)

    def cached_records_view(page: int, *values: Any) -> tuple[Any, str, bool, bool, int]:
        # The page may come from the view cache (keyed by load and viewer), but every
        # showing of child-level rows writes its audit record.
        shown, rows = cached_view(page, *values)
        chose = {k: v for k, v in zip(keys, values, strict=True) if k in ("team", "staff")}
        if rows == -1 and any(v not in (None, EVERYONE) for v in chose.values()):
            # A person or team outside the viewer's scope was asked for: on the trail.
            data.refused(str(shown[1]), {"table": prefix, **chose})
            table, _status, no_prev, no_next, drawn = shown
            return table, "", no_prev, no_next, drawn
        if rows >= 0:  # shown[4] is the page drawn (a request past the end draws the last)
            data.audit("view", label, rows, {**audit_filters(*values), "page": int(shown[4]) + 1})
        table, status, no_prev, no_next, drawn = shown
        return table, status, no_prev, no_next, drawn

    @callback(
        Output(f"{prefix}-table", "children"),
        Output(f"{prefix}-status", "children"),
        Output(f"{prefix}-prev", "disabled"),
        Output(f"{prefix}-next", "disabled"),
        Output(f"{prefix}-page", "data"),
        *inputs,
        Input(f"{prefix}-prev", "n_clicks"),
        Input(f"{prefix}-next", "n_clicks"),
        State(f"{prefix}-page", "data"),
        prevent_initial_call=True,
    )
    def update_records(*args: Any) -> tuple[Any, str, bool, bool, int]:
        values, page = args[:n_inputs], int(args[-1] or 0)
        trigger = ctx.triggered_id
        page = (
            page - 1
            if trigger == f"{prefix}-prev"
            else page + 1
            if trigger == f"{prefix}-next"
            else 0
        )
        view: tuple[Any, str, bool, bool, int] = cached_records_view(page, *values)
        return view

    @callback(
        Output(f"{prefix}-download", "data"),
        Input(f"{prefix}-csv", "n_clicks"),
        Input(f"{prefix}-xlsx", "n_clicks"),
        *[State(i.component_id, i.component_property) for i in inputs],
        prevent_initial_call=True,
    )
    def update_records_download(_csv: int, _xlsx: int, *values: Any) -> Any:
        fmt = "xlsx" if ctx.triggered_id == f"{prefix}-xlsx" else "csv"
        frame = fetch(*values)  # a bad period is a QueryError: 400 with its sentence
        data.audit(
            "export", f"{label} ({fmt})", len(frame), {**audit_filters(*values), "format": fmt}
        )
        return exports.records_file(
            frame, columns, fmt, caption(*values) + scope_note(), data.load_info().extract_as_of,
            file_name(*values),
        )  # fmt: skip

    return cached_records_view


def register_yoy(
    measure: str,
    title: str,
    unit: str,
    chart_id: str,
    table_id: str,
    controls: Sequence[str],
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """At import: a KPI's year-on-year chart and month table, each cached per load.

    ``controls`` are the ids of the financial year, comparison year, team and person
    selects, in that order. Returns the two builders, which the page's layout calls for
    the first view (the callbacks then run only when a filter changes).
    """
    inputs = [Input(cid, "value") for cid in controls]

    def chart(fy: str, cmp: str, team: str, staff: str) -> tuple[Any, Any]:
        return yoy_chart(measure, title, unit, fy, cmp, team, staff)

    def table(fy: str, cmp: str, team: str, staff: str) -> Any:
        return yoy_month_table(measure, title, fy, cmp, team, staff)

    chart.__name__ = f"update_{chart_id.replace('-', '_')}"
    table.__name__ = f"update_{table_id.replace('-', '_')}"
    cached_chart, cached_table = data.cached_view(chart), data.cached_view(table)
    callback(
        Output(chart_id, "figure"),
        Output(chart_id, "config"),
        *inputs,
        prevent_initial_call=True,
    )(cached_chart)
    callback(Output(table_id, "children"), *inputs, prevent_initial_call=True)(cached_table)
    register_point_links(chart_id)
    return cached_chart, cached_table


def scope_note() -> str:
    """Said under a records table when the role narrows it."""
    scope = data.current_scope()
    if scope.role == "iro":
        return " (your own records only)"
    if scope.role == "team_manager":
        return f" ({scope.team} only)"
    return ""


NO_CHILD_ROWS = html.P(
    "Child-level lists are not part of your role.", className="small text-body-secondary"
)


def guarded(layout: Callable[..., Any]) -> Callable[..., Any]:
    """A page layout that shows a plain refusal, not an error, outside the viewer's role."""

    @functools.wraps(layout)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return layout(*args, **kwargs)
        except AccessDenied as exc:
            return html.Div(
                [
                    html.H1("Not available to your role"),
                    components.notices([str(exc)]),
                    html.A("Back to the dashboard", href="/"),
                ]
            )

    return wrapper


def control_values(view: View) -> tuple[str, str, str, str]:
    """What the financial year, comparison, team and person selects hold for ``view``."""
    return (fy_label(view.fy), fy_label(view.cmp), view.team or EVERYONE, view.staff or EVERYONE)


def spc_months(fy: str) -> tuple[str, str]:
    """The SPC chart's months for a chosen financial year: the three years to its March,
    and no month after the data's own."""
    year = parse_fy(fy)
    last = f"{year + 1}-03"
    ended = data.load_info().extract_as_of.strftime("%Y-%m")
    return f"{year - 2}-04", min(last, ended)


def register_variation(
    measure: str, title: str, unit: str, prefix: str, controls: Sequence[str]
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """At import: a KPI's SPC chart (three years of months) and its funnel of IROs or chairs
    for the chosen year, with the outliers listed, each cached per load and viewer.

    ``controls`` are the financial year, team and person selects; choosing a funnel point
    chooses that person, so the page's records follow. Returns the two builders for the
    first view.
    """
    fy_id, team_id, staff_id = controls
    spc_id, funnel_id, outliers_id = f"{prefix}-spc", f"{prefix}-funnel", f"{prefix}-outliers"

    def spc_view(fy: str, team: str, staff: str, kind: str = "xmr") -> tuple[Any, Any]:
        first, last = spc_months(fy)
        kind = kind if kind in ("xmr", "pprime") else "xmr"
        chart = data.spc_chart(measure, first, last, Filters(chosen(team), chosen(staff)), kind)
        fig = figures.spc_figure(
            chart, title, unit, f"{who(team, staff)}, {first} to {last}",
            data.load_info().extract_as_of, rate=True,
        )  # fmt: skip
        return fig, figures.export_config(
            f"{measure}_spc_{first}_to_{last}_{who(team, staff)}", data.load_info().extract_as_of
        )

    def funnel_view(fy: str, team: str) -> tuple[Any, Any, Any]:
        start, end = fy_bounds(parse_fy(fy))
        result = data.funnel(measure, start, end, "staff", chosen(team))
        scope = data.current_scope()
        fig = figures.funnel_figure(
            result,
            f"{title}: how do people compare?",
            f"Each IRO or chair, {fy.replace('-', '/')}, {chosen(team) or 'all teams'}",
            data.load_info().extract_as_of,
            highlight=scope.staff_id,
            unit=unit,
        )
        outliers = figures.funnel_outliers(result)
        table = components.frame_table(
            outliers,
            f"Outside the funnel's 95% limits, {fy.replace('-', '/')}",
            f"{prefix}-outlier-table",
        ) if len(outliers) else html.P(
            "Nobody is outside the funnel's 95% limits: the differences between people are "
            "what chance alone would give.", className="small text-body-secondary",
        )  # fmt: skip
        as_of = data.load_info().extract_as_of
        return fig, figures.export_config(f"{measure}_funnel_{fy}", as_of), table

    spc_view.__name__ = f"update_{spc_id.replace('-', '_')}"
    funnel_view.__name__ = f"update_{funnel_id.replace('-', '_')}"
    cached_spc, cached_funnel = data.cached_view(spc_view), data.cached_view(funnel_view)
    callback(
        Output(spc_id, "figure"),
        Output(spc_id, "config"),
        Input(fy_id, "value"),
        Input(team_id, "value"),
        Input(staff_id, "value"),
        Input(f"{prefix}-kind", "value"),
        prevent_initial_call=True,
    )(cached_spc)
    callback(
        Output(funnel_id, "figure"),
        Output(funnel_id, "config"),
        Output(outliers_id, "children"),
        Input(fy_id, "value"),
        Input(team_id, "value"),
        prevent_initial_call=True,
    )(cached_funnel)

    @callback(
        Output(staff_id, "value", allow_duplicate=True),
        Input(funnel_id, "clickData"),
        prevent_initial_call=True,
    )
    def update_funnel_person(click: dict[str, Any] | None) -> Any:
        """A funnel point chooses that person: the page, its records table and the address
        bar follow (people outside the viewer's view have no id, so theirs choose nobody)."""
        points = (click or {}).get("points") or []
        person = points[0].get("customdata", [None, None, None])[2] if points else None
        if not person or not isinstance(person, str):
            return dash.no_update
        return person

    return cached_spc, cached_funnel


def register_variations(
    measures: Mapping[str, tuple[str, str]], controls: Sequence[str]
) -> Callable[[tuple[str, str, str, str]], list[Any]]:
    """At import: :func:`register_variation` for each of a page's KPIs (measure -> (title,
    unit)). Returns the builder of their blocks for the first view, given the page's
    (financial year, comparison year, team, person) control values."""
    built = {
        m: register_variation(m, title, unit, f"var-{m}", controls)
        for m, (title, unit) in measures.items()
    }

    def blocks(values: tuple[str, str, str, str]) -> list[Any]:
        fy, _cmp, team, staff = values
        return [
            variation_block(f"var-{m}", spc(fy, team, staff), funnel_view(fy, team), measures[m][0])
            for m, (spc, funnel_view) in built.items()
        ]

    return blocks


def variation_block(
    prefix: str, spc_fig: tuple[Any, Any], funnel_out: tuple[Any, Any, Any], what: str = ""
) -> html.Div:
    """The layout of a KPI's SPC chart, funnel and outliers, for the first view."""
    about = f": {what}" if what else ""
    return html.Div(
        [
            html.H2(f"Is it changing? Statistical process control{about}"),
            html.P(
                "Each month against the process's own mean and limits (Making Data Count). "
                "Coloured points are special causes: a change too large, too long or too "
                "steady to be chance. See the definitions for how to read the icons.",
                className="small text-body-secondary",
            ),
            dbc.RadioItems(
                id=f"{prefix}-kind",
                options=[
                    {"label": "XmR chart (Making Data Count)", "value": "xmr"},
                    {"label": "p-prime chart (months of very different sizes)", "value": "pprime"},
                ],
                value="xmr",
                inline=True,
                className="small mb-1",
            ),
            components.chart(f"{prefix}-spc", spc_fig[0], config=spc_fig[1]),
            html.H2(f"How do people compare? Funnel plot{about}"),
            html.P(
                "Each IRO or chair's rate against how many events they had: the funnel's "
                "limits are wider for smaller numbers, so nobody is judged on a handful. "
                "Choose a point to see that person's figures and records.",
                className="small text-body-secondary",
            ),
            components.chart(f"{prefix}-funnel", funnel_out[0], config=funnel_out[1]),
            html.Div(funnel_out[2], id=f"{prefix}-outliers"),
        ]
    )
