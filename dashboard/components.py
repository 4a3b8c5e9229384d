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

from dashboard import data, figures
from dashboard.view import CUSTOM, EVERYONE, View
from queries.measures.periods import PRESETS, fy_label
from queries.measures.records import LoadInfo


def labelled(label: str, control: Any, control_id: str, width: int = 3) -> dbc.Col:
    return dbc.Col(
        [html.Label(label, htmlFor=control_id, className="form-label fw-semibold mb-1"), control],
        md=width,
        className="mb-2",
    )


def date_input(control_id: str, value: dt.date) -> Any:
    """A date chooser that shows day, month and year (1 Dec 2026) whatever the browser's
    locale; its value (``date``) is ISO."""
    return dcc.DatePickerSingle(
        id=control_id,
        date=value.isoformat(),
        display_format="D MMM YYYY",
        first_day_of_week=1,
        clearable=False,
        className="d-block",
    )


def year_options(years: Sequence[int]) -> list[dict[str, Any]]:
    return [{"label": fy_label(y).replace("-", "/"), "value": fy_label(y)} for y in years]


def team_options(teams: Sequence[str]) -> list[dict[str, Any]]:
    return [{"label": "All teams", "value": EVERYONE}] + [{"label": t, "value": t} for t in teams]


def staff_options(staff: pd.DataFrame, everyone: str = "Everyone") -> list[dict[str, Any]]:
    opts = [{"label": everyone, "value": EVERYONE}]
    columns = (staff[c].tolist() for c in ("staff_id", "staff_name", "team"))
    for sid, name, team in zip(*columns, strict=True):
        opts.append({"label": f"{name} ({team})", "value": sid})
    return opts


def select(control_id: str, options: list[dict[str, Any]], value: str) -> dbc.Select:
    """A native <select>: labelled by its <label>, keyboard-operable, screen-reader clean."""
    return dbc.Select(id=control_id, options=options, value=value)


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
        control = select(ids["fy"], year_options(years), fy_label(view.fy))
        cols.append(labelled("Financial year", control, ids["fy"], 2))
    if "cmp" in ids:
        control = select(ids["cmp"], year_options(years), fy_label(view.cmp))
        cols.append(labelled("Compare with", control, ids["cmp"], 2))
    control = select(ids["team"], team_options(teams), view.team or EVERYONE)
    cols.append(labelled("Team", control, ids["team"], 3))
    people = staff[staff["team"] == view.team] if view.team else staff  # the team's people
    control = select(ids["staff"], staff_options(people), view.staff or EVERYONE)
    cols.append(labelled(person, control, ids["staff"], 4))
    return dbc.Row(cols, className="filter-bar g-3 align-items-end")


def period_controls(period_id: str, from_id: str, to_id: str, view: View) -> dbc.Row:
    """Period presets, and the dates they stand for (editable: a custom range)."""
    options = [{"label": label, "value": key} for key, label in PRESETS.items()]
    options.append({"label": "Custom range", "value": CUSTOM})
    return dbc.Row(
        [
            dbc.Col(
                [
                    html.Div("Period", id=f"{period_id}-label", className="form-label fw-semibold"),
                    html.Div(
                        dbc.RadioItems(
                            id=period_id, options=options, value=view.period, inline=True
                        ),
                        role="radiogroup",
                        **aria(labelledby=f"{period_id}-label"),
                    ),
                ],
                md=6,
            ),
            labelled("From", date_input(from_id, view.date_from), from_id, 3),
            labelled("To", date_input(to_id, view.date_to), to_id, 3),
        ],
        className="filter-bar g-3 mx-0 align-items-end",
    )


def banner(
    info: LoadInfo,
    now: dt.datetime,
    stale_hours: float,
    last_attempt: Mapping[str, Any] | None = None,
) -> Any:
    """When the data was extracted; warnings when it is too old or the last load failed."""
    age_h = (now - info.loaded_at).total_seconds() / 3600
    text = (
        f"Data extracted {figures.uk_datetime(info.extract_as_of)}, "
        f"loaded {figures.uk_datetime(info.loaded_at)} (UK time)."
    )
    alerts = []
    attempt = dict(last_attempt or {})
    if (
        attempt.get("status") in ("failed", "held_back")  # the newest entry in the log
    ):
        when = figures.uk_stamp(attempt.get("started_at", ""))
        alerts.append(
            dbc.Alert(
                [
                    html.Strong("⚠ The last load did not complete. "),
                    f"It started {when}: {attempt.get('error')} The dashboard is still "
                    "showing the data from the last good load.",
                ],
                color="danger",
                className="mb-0 py-2",
                id="load-failed-alert",
            )
        )
    if age_h > stale_hours:
        alerts.append(
            dbc.Alert(
                [
                    html.Strong("⚠ Data may be out of date. "),
                    f"{text} The last good load is {age_h:.0f} hours old (more than "
                    f"{stale_hours:g}); check the nightly load.",
                ],
                color="warning",
                className="mb-0 py-2",
                id="data-banner-alert",
            )
        )
    else:
        alerts.append(
            dbc.Alert(text, color="light", className="mb-0 py-1 small", id="data-banner-alert")
        )
    return html.Div(alerts)


def notices(messages: Sequence[str]) -> Any:
    if not messages:
        return html.Div()
    return html.Div(
        dbc.Alert([html.Div(m) for m in messages], color="info", className="py-2"), role="status"
    )


def chart(graph_id: str, fig: Any = None, name: str = "chart", config: Any = None) -> html.Div:
    """A graph with the toolbar's PNG export and a 'Download SVG' button beside it."""
    return html.Div(
        [
            dcc.Loading(
                dcc.Graph(
                    id=graph_id,
                    figure=fig or {},
                    config=config
                    or cast(Any, figures.export_config(name, data.load_info().extract_as_of)),
                    className="sqa-graph",
                )
            ),
            html.Button(
                "Download SVG",
                id={"type": "svg-download", "graph": graph_id},
                className="btn btn-outline-secondary btn-sm mt-1",
                title="Download this chart as SVG for print",
            ),
            # The chart's figures as a table (filled in the browser from the drawn chart,
            # assets/sqa.js), for anyone who cannot see it.
            html.Details(
                [
                    html.Summary("The chart's figures as a table", className="small"),
                    html.Div(className="chart-table small", **data_attrs(graph=graph_id)),
                ],
                className="mt-1",
            ),
        ],
        className="mb-4",
    )


# Rows a table draws on the page; a longer one (an IRO per row at national scale) says how
# many more there are, and its CSV and Excel downloads hold every row.
MAX_TABLE_ROWS = 200


def frame_table(
    df: pd.DataFrame,
    caption: str,
    table_id: str | None = None,
    links: Mapping[tuple[int, str], str] | None = None,
    max_rows: int = MAX_TABLE_ROWS,
) -> Any:
    """A small, readable HTML table from a frame, with a caption for screen readers.

    With an id it also downloads as CSV and Excel (``shell.update_table_file``): the
    frame rides along in a store, so the file holds exactly the table shown (every row,
    where the page draws the first ``max_rows``). ``links`` makes cells (row number,
    column) links, e.g. to the records behind a figure.
    """
    full, named = df, caption
    if len(df) > max_rows and table_id:
        df = df.head(max_rows)
        caption = (
            f"{caption} (the first {max_rows:,} of {len(full):,} rows; the CSV and Excel "
            "downloads hold every row)"
        )
    head = html.Thead(html.Tr([html.Th(c, scope="col") for c in df.columns]))

    def cell(i: int, col: str, value: Any) -> Any:
        href = (links or {}).get((i, col))
        return html.Td(dcc.Link(value, href=href, title=f"The records behind {value}")
                       if href else value)  # fmt: skip

    rest = [str(c) for c in df.columns[1:]]
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Th(row[0], scope="row"),
                    *[cell(i, c, v) for c, v in zip(rest, row[1:], strict=True)],
                ]
            )
            for i, row in enumerate(df.itertuples(index=False, name=None))
        ]
    )
    kw = {"id": table_id} if table_id else {}
    table = dbc.Table(
        [html.Caption(caption), head, body],
        bordered=True,
        hover=True,
        size="sm",
        responsive=True,
        className="caption-top mb-1",
        **kw,
    )
    if not table_id:
        return table
    return html.Div([table, download_links(table_id, named, full)])


def download_links(table_id: str, caption: str, df: pd.DataFrame) -> html.Div:
    """CSV and Excel downloads of ``df`` (``shell.update_table_file``): only a token rides
    in the page; the server builds the file from the table it held for this viewer."""
    key = {"table": table_id}
    return html.Div(
        [
            html.Button(
                "CSV",
                id={"type": "table-csv", **key},
                n_clicks=0,
                className="btn btn-link btn-sm p-0 me-2",
                **aria(label=f"Download as CSV: {caption}"),
            ),
            html.Button(
                "Excel",
                id={"type": "table-xlsx", **key},
                n_clicks=0,
                className="btn btn-link btn-sm p-0",
                **aria(label=f"Download as Excel: {caption}"),
            ),
            dcc.Store(
                id={"type": "table-data", **key},
                data=data.hold_table(
                    table_id,
                    caption,
                    [str(c) for c in df.columns],
                    [[_plain(v) for v in r] for r in df.itertuples(index=False)],
                ),
            ),
            dcc.Download(id={"type": "table-file", **key}),
        ],
        className="small mb-3",
    )


def _plain(value: Any) -> Any:
    """A cell as JSON: numbers stay numbers, everything else its text."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "item"):
        return value.item()
    return str(value)


PAGE_SIZE = 15


def records_block(
    prefix: str,
    what: str,
    first: tuple[Any, str, bool, bool, int] | None = None,
    allowed: bool | None = None,
) -> html.Div:
    """The drill-down: a plain table, labelled paging buttons, CSV and Excel downloads.

    ``first`` is the first page, from the view :func:`dashboard.pagekit.register_records`
    returns; its callbacks fill the rest. A viewer whose role has no such rows
    (``allowed`` False; by default, no child-level rows) sees the table's refusal only:
    no pager and no download button that could only fail.
    """
    if allowed is None:
        allowed = data.current_scope().sees_children
    table, status, no_prev, no_next, page = first or (None, "", True, True, 0)
    return html.Div(
        [
            html.Div(table, id=f"{prefix}-table"),
            html.Div(
                [
                    html.Button(
                        "‹ Previous",
                        id=f"{prefix}-prev",
                        n_clicks=0,
                        className="btn btn-outline-secondary btn-sm me-2",
                        disabled=no_prev,
                        **aria(label=f"Previous page of {what}"),
                    ),
                    html.Span(status, id=f"{prefix}-status", className="me-2", role="status"),
                    html.Button(
                        "Next ›",
                        id=f"{prefix}-next",
                        n_clicks=0,
                        className="btn btn-outline-secondary btn-sm me-3",
                        disabled=no_next,
                        **aria(label=f"Next page of {what}"),
                    ),
                    html.Button(
                        "Download CSV",
                        id=f"{prefix}-csv",
                        n_clicks=0,
                        className="btn btn-outline-primary btn-sm",
                        **aria(label=f"Download CSV of all {what}"),
                    ),
                    html.Button(
                        "Download Excel",
                        id=f"{prefix}-xlsx",
                        n_clicks=0,
                        className="btn btn-outline-primary btn-sm",
                        **aria(label=f"Download Excel of all {what}"),
                    ),
                    dcc.Download(id=f"{prefix}-download"),
                ],
                className="d-flex align-items-center flex-wrap gap-1" if allowed else "d-none",
            ),
            dcc.Store(id=f"{prefix}-page", data=page),
        ]
    )


def records_page(
    df: pd.DataFrame, columns: Sequence[tuple[str, str]], page: int, caption: str
) -> tuple[Any, str, bool, bool, int]:
    """One page of records as an HTML table: (table, status, no previous, no next, page)."""
    n = len(df)
    last = max(0, (n - 1) // PAGE_SIZE)
    page = min(max(page, 0), last)
    rows = records_rows(df.iloc[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])
    head = html.Thead(html.Tr([html.Th(label, scope="col") for _, label in columns]))
    body = html.Tbody(
        [
            html.Tr(
                [html.Td(str(r.get(key, ""))) for key, _ in columns],
                className="table-warning"
                if r.get("status") == "Late" or r.get("met") is False
                else "",
            )
            for r in rows
        ]
    )
    table = dbc.Table(
        [html.Caption(caption), head, body],
        bordered=True,
        hover=True,
        size="sm",
        responsive=True,
        className="caption-top bg-white mb-2",
    )
    if n == 0:
        status = "No records"
    else:
        status = (
            f"Records {page * PAGE_SIZE + 1:,}–{min(n, (page + 1) * PAGE_SIZE):,} "
            f"of {n:,} · page {page + 1} of {last + 1}"
        )
    return table, status, page == 0, page >= last, page


def records_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Frame rows as display values: dates in the one UK style ('1 Dec 2026'), on_time
    and met as words."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].map(lambda d: figures.uk_date(d) if pd.notna(d) else None)
    if "on_time" in out:
        out["status"] = out["on_time"].map({True: "On time", False: "Late"})
    for col in out.columns:  # codes in words (FORMAL -> Formal), from the one table
        if out[col].dtype == object:
            out[col] = out[col].map(lambda v: figures.words(v) if isinstance(v, str) else v)
    if "met" in out:  # a figure's drill-down: the numerator's rows marked, in words
        out["outcome"] = out["met"].map({True: "✔ Met", False: "✖ Not met"})
    out = out.astype(object).where(out.notna(), "")
    rows: list[dict[str, Any]] = out.to_dict("records")  # type: ignore[assignment]
    return rows


def summary_cards(values: Mapping[str, str], labels: Mapping[str, str]) -> html.Div:
    """Headline tiles, with the values' ``note`` (what was left out) said under them."""
    note = values.get("note")
    return html.Div(
        [
            _cards(values, labels),
            html.P(note, className="small text-body-secondary summary-note") if note else None,
        ]
    )


def _cards(values: Mapping[str, str], labels: Mapping[str, str]) -> dbc.Row:
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


def data_attrs(**attrs: str) -> dict[str, Any]:
    """``data-*`` attributes, which Python keywords cannot spell."""
    return {f"data-{k}": v for k, v in attrs.items()}


def aria(**attrs: str) -> dict[str, Any]:
    """``aria-*`` attributes, which Python keywords cannot spell."""
    return {f"aria-{k}": v for k, v in attrs.items()}
