"""Building blocks the pages share: the filter bar, the data banner, tables, charts.

Pure functions from values to Dash components; no data access here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, cast
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from dash.dash_table.DataTable import DataTable

from dashboard import figures
from dashboard.view import CUSTOM, View
from queries.periods import PRESETS, fy_label
from queries.records import LoadInfo


def labelled(label: str, control: Any, control_id: str, width: int = 3) -> dbc.Col:
    return dbc.Col(
        [html.Label(label, htmlFor=control_id, className="form-label fw-semibold mb-1"), control],
        md=width,
        className="mb-2",
    )


def year_options(years: Sequence[int]) -> list[dict[str, Any]]:
    return [{"label": fy_label(y).replace("-", "/"), "value": fy_label(y)} for y in years]


def team_options(teams: Sequence[str]) -> list[dict[str, Any]]:
    return [{"label": "All teams", "value": ""}] + [{"label": t, "value": t} for t in teams]


def staff_options(staff: pd.DataFrame, everyone: str = "Everyone") -> list[dict[str, Any]]:
    opts = [{"label": everyone, "value": ""}]
    for sid, name, team in zip(staff["staff_id"], staff["staff_name"], staff["team"], strict=True):
        opts.append({"label": f"{name} ({team})", "value": sid})
    return opts


def filter_bar(
    ids: Mapping[str, str],
    view: View,
    years: Sequence[int],
    teams: Sequence[str],
    staff: pd.DataFrame,
    person: str = "IRO",
) -> dbc.Row:
    """Financial year, comparison year, team and person, each labelled."""
    cols = []
    if "fy" in ids:
        cols.append(
            labelled(
                "Financial year",
                dcc.Dropdown(
                    id=ids["fy"],
                    options=year_options(years),
                    value=fy_label(view.fy),
                    clearable=False,
                ),
                ids["fy"],
                2,
            )
        )
    if "cmp" in ids:
        cols.append(
            labelled(
                "Compare with",
                dcc.Dropdown(
                    id=ids["cmp"],
                    options=year_options(years),
                    value=fy_label(view.cmp),
                    clearable=False,
                ),
                ids["cmp"],
                2,
            )
        )
    cols.append(
        labelled(
            "Team",
            dcc.Dropdown(
                id=ids["team"], options=team_options(teams), value=view.team or "", clearable=False
            ),
            ids["team"],
            3,
        )
    )
    cols.append(
        labelled(
            person,
            dcc.Dropdown(
                id=ids["staff"],
                options=staff_options(staff),
                value=view.staff or "",
                clearable=False,
            ),
            ids["staff"],
            4,
        )
    )
    return dbc.Row(cols, className="filter-bar g-3 align-items-end")


def period_controls(period_id: str, range_id: str, view: View) -> dbc.Row:
    """Period presets and a custom date range."""
    options = [{"label": label, "value": key} for key, label in PRESETS.items()]
    options.append({"label": "Custom range", "value": CUSTOM})
    return dbc.Row(
        [
            dbc.Col(
                [
                    html.Div("Period", id=f"{period_id}-label", className="form-label fw-semibold"),
                    html.Div(
                        dcc.RadioItems(
                            id=period_id,
                            options=options,
                            value=view.period,
                            inline=True,
                            inputClassName="form-check-input me-1",
                            labelClassName="form-check-label me-3",
                        ),
                        role="radiogroup",
                        **_aria(labelledby=f"{period_id}-label"),
                    ),
                ],
                md=7,
            ),
            dbc.Col(
                [
                    html.Label(
                        "Custom dates (start and end)",
                        htmlFor=range_id,
                        className="form-label fw-semibold",
                    ),
                    dcc.DatePickerRange(
                        id=range_id,
                        start_date=view.date_from.isoformat(),
                        end_date=view.date_to.isoformat(),
                        display_format="DD/MM/YYYY",
                        first_day_of_week=1,
                        start_date_placeholder_text="From",
                        end_date_placeholder_text="To",
                        minimum_nights=0,
                    ),
                ],
                md=5,
            ),
        ],
        className="filter-bar g-3 mx-0",
    )


def banner(info: LoadInfo, now: dt.datetime, stale_hours: float) -> dbc.Alert:
    """When the data was extracted; a warning when the last good load is too old."""
    age_h = (now - info.loaded_at).total_seconds() / 3600
    text = (
        f"Data extracted {info.extract_as_of:%d %b %Y %H:%M} UTC, "
        f"loaded {info.loaded_at:%d %b %Y %H:%M} UTC."
    )
    if age_h > stale_hours:
        return dbc.Alert(
            [
                html.Strong("⚠ Data may be out of date. "),
                f"{text} The last good load is {age_h:.0f} hours old (more than "
                f"{stale_hours:g}); check the nightly load.",
            ],
            color="warning",
            className="mb-0 py-2",
            id="data-banner-alert",
        )
    return dbc.Alert(text, color="light", className="mb-0 py-1 small", id="data-banner-alert")


def notices(messages: Sequence[str]) -> Any:
    if not messages:
        return html.Div()
    return html.Div(
        dbc.Alert([html.Div(m) for m in messages], color="info", className="py-2"), role="status"
    )


def chart(graph_id: str, fig: Any = None, name: str = "chart") -> html.Div:
    """A graph with the toolbar's PNG export and a 'Download SVG' button beside it."""
    return html.Div(
        [
            dcc.Loading(
                dcc.Graph(
                    id=graph_id,
                    figure=fig or {},
                    config=cast(Any, figures.export_config(name)),
                    className="sqa-graph",
                )
            ),
            html.Button(
                "Download SVG",
                id={"type": "svg-download", "graph": graph_id},
                className="btn btn-outline-secondary btn-sm mt-1",
                title="Download this chart as SVG for print",
            ),
        ],
        className="mb-4",
    )


def frame_table(df: pd.DataFrame, caption: str, table_id: str | None = None) -> dbc.Table:
    """A small, readable HTML table from a frame, with a caption for screen readers."""
    head = html.Thead(html.Tr([html.Th(c, scope="col") for c in df.columns]))
    body = html.Tbody(
        [
            html.Tr([html.Th(row.iloc[0], scope="row"), *[html.Td(v) for v in row.iloc[1:]]])
            for _, row in df.iterrows()
        ]
    )
    kw = {"id": table_id} if table_id else {}
    return dbc.Table(
        [html.Caption(caption), head, body],
        bordered=True,
        hover=True,
        size="sm",
        responsive=True,
        className="caption-top",
        **kw,
    )


def records_table(table_id: str, columns: Sequence[tuple[str, str]]) -> Any:
    """The drill-down grid: sortable, paged, downloadable; data filled by a callback."""
    return DataTable(
        id=table_id,
        columns=[{"name": label, "id": key} for key, label in columns],
        data=[],
        page_size=15,
        sort_action="native",
        filter_action="native",
        export_format="csv",
        export_headers="display",
        style_table={"overflowX": "auto"},
        style_cell={
            "fontFamily": figures.FONT,
            "fontSize": 14,
            "padding": "4px 8px",
            "textAlign": "left",
        },
        style_header={"fontWeight": "600", "backgroundColor": "#f1f3f5"},
        style_data_conditional=[
            {"if": {"filter_query": "{status} = 'Late'"}, "backgroundColor": "#fff3cd"}
        ],
    )


def records_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Frame rows for a DataTable: dates as ISO text, on_time as a word."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    if "on_time" in out:
        out["status"] = out["on_time"].map({True: "On time", False: "Late"})
    out = out.astype(object).where(out.notna(), "")
    rows: list[dict[str, Any]] = out.to_dict("records")  # type: ignore[assignment]
    return rows


def summary_cards(values: Mapping[str, str], labels: Mapping[str, str]) -> dbc.Row:
    return dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.Div(labels[key], className="text-body-secondary small"),
                            html.Div(values[key], className="fs-4 fw-semibold"),
                        ]
                    )
                ),
                md=3,
            )
            for key in labels
        ],
        className="g-3 mb-3",
    )


def query_string(**params: str | None) -> str:
    clean = {k: v for k, v in params.items() if v}
    return ("?" + urlencode(clean)) if clean else ""


def _aria(**attrs: str) -> dict[str, Any]:
    """``aria-*`` attributes, which Python keywords cannot spell."""
    return {f"aria-{k}": v for k, v in attrs.items()}
