"""The comparison for the national-scale benchmark: the usual pandas-per-request Dash app.

What most Dash dashboards do: the data is read into pandas once, when the app starts, and
every callback (and the page layout, a function) filters and groups the frame for the
request, then draws a Plotly figure. Here it draws CLA review timeliness by team and month
for a chosen year from the very events the SQA Dashboard counts (``measure_events`` of the
same DuckDB file), so both apps do the same work on the same data. Not part of the product:
``benchmarks/national.py`` serves it with gunicorn beside the real app.
"""

from __future__ import annotations

import os

import dash
import duckdb
import pandas as pd
import plotly.express as px
from dash import Input, Output, dcc, html

_con = duckdb.connect(os.environ["PEER_DB"], read_only=True)
EVENTS: pd.DataFrame = _con.execute(
    "select measure, event_date, team, staff_id, in_numerator, month, fy_start from measure_events"
).df()
_con.close()
YEARS = sorted(int(y) for y in EVENTS["fy_start"].dropna().unique())


def figure(fy: int, team: str | None) -> object:
    frame = EVENTS[(EVENTS["measure"] == "cla_reviews_on_time") & (EVENTS["fy_start"] == fy)]
    if team:
        frame = frame[frame["team"] == team]
    grouped = frame.groupby(["month", "team"])["in_numerator"].agg(["sum", "count"]).reset_index()
    grouped["rate"] = grouped["sum"] / grouped["count"]
    return px.line(grouped, x="month", y="rate", color="team", title=f"On time, {fy}")


def layout() -> html.Div:
    return html.Div(
        [
            dcc.Dropdown(id="fy", options=YEARS, value=YEARS[-1]),
            dcc.Dropdown(id="team", options=sorted(EVENTS["team"].dropna().unique()), value=None),
            dcc.Graph(id="chart", figure=figure(YEARS[-1], None)),  # type: ignore[arg-type]
        ]
    )


app = dash.Dash(__name__)
app.layout = layout


@app.callback(Output("chart", "figure"), Input("fy", "value"), Input("team", "value"))
def update_chart(fy: int, team: str | None) -> object:
    return figure(int(fy), team)


server = app.server
