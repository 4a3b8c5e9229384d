"""Board pack: freeze a month's figures, write commentary, download the pack (PDF, PPTX)."""

from __future__ import annotations

import base64
import json
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import components, data, figures, pagekit
from dashboard.packs import boardpack
from queries.core.errors import ConfigError, SqaError
from queries.measures.disclosure import INTERNAL, Disclosure
from queries.measures.kpis import MEASURE_LABELS
from queries.measures.periods import fy_label, parse_fy
from queries.state.snapshots import SERVICE, Snapshot, pack_month, period_label

dash.register_page(
    __name__, path="/board-pack", name="Board pack", title="Board pack · SQA Dashboard"
)

FY = "pack-fy"
QUARTER = "pack-quarter"
GROUP = "pack-group"
AUDIENCE = "pack-audience"
STATUS = "pack-status"
FREEZE = "pack-freeze"
NOTES = "pack-notes"
SAVE = "pack-save"
SAVED = "pack-saved"
PDF = "pack-pdf"
PPTX = "pack-pptx"
ZIP = "pack-zip"
DOWNLOAD = "pack-download"
PROGRESS = "pack-progress"
URL = "pack-url"
CONTROLS = {"fy": FY, "quarter": QUARTER, "for": GROUP, "audience": AUDIENCE}
MESSAGE = "pack-message"
YEAR = "year"  # dbc.Select hides an option whose value is ""
QUARTERS = [(YEAR, "Whole year"), ("1", "Q1 (Apr–Jun)"), ("2", "Q2 (Jul–Sep)"),
            ("3", "Q3 (Oct–Dec)"), ("4", "Q4 (Jan–Mar)")]  # fmt: skip
WINDOW_WORDS = {"month": "the month", "quarter": "the quarter", "year": "the year"}


def _period(fy: str, quarter: str) -> tuple[int, int | None]:
    if quarter not in (YEAR, "", None, "1", "2", "3", "4"):
        raise ConfigError(f"'{quarter}' is not a quarter; choose the whole year or Q1 to Q4")
    return parse_fy(fy), int(quarter) if quarter and quarter != YEAR else None


def status(fy: str, quarter: str, group: str, audience: str = "internal") -> Any:
    """Which snapshot a pack for the period uses, and what has moved since it was taken."""
    year, q = _period(fy, quarter)
    month = pack_month(year, q)
    snap = data.snapshot(month)
    scope = data.current_scope()
    can_freeze = scope.sees_everyone or scope.is_admin
    if snap is None:
        return html.Div(
            [
                dbc.Alert(
                    f"The figures for {month} are not frozen yet, so there is no pack for "
                    f"{period_label(year, q).replace('-', '/')}."
                    + ("" if can_freeze else " Ask a service manager to freeze them."),
                    color="warning",
                    className="py-2",
                ),
                dbc.Button(f"Freeze the figures for {month} now", id=FREEZE, color="primary")
                if can_freeze
                else html.Span(id=FREEZE),
            ]
        )
    return _frozen(fy, quarter, group, audience, month, snap.taken_at, snap.taken_by, snap.load_id)


@data.cached_view
def _frozen(fy: str, quarter: str, group: str, audience: str, month: str, *taken: str) -> Any:
    """The frozen figures and what has moved, cached under the snapshot's identity (when,
    by whom, from which load) beside the load now: a new freeze of the month is a miss."""
    snap = data.snapshot(month)
    if snap is None:  # cannot happen: snapshots are replaced, never removed
        raise SqaError(f"the snapshot {month} has gone; reload the page")
    moved = data.moved_since(snap, group)
    changed = moved[moved["moved"]]
    detail: Any
    if changed.empty:
        detail = html.P("Nothing has moved since: the data now gives the same figures.")
    else:
        shown = changed.assign(
            window=changed["window"].map(WINDOW_WORDS),
            measure=changed["measure"].map(lambda m: MEASURE_LABELS.get(m, m)),
        ).drop(columns="moved")
        detail = components.frame_table(
            shown.rename(
                columns={"window": "Over", "measure": "Measure", "frozen": "Frozen", "now": "Now"}
            ),
            f"What has moved since {month} was frozen (later extracts backfilled records)",
            "pack-moved",
        )
    return html.Div(
        [
            html.P(
                [
                    html.Strong(f"Figures frozen {figures.uk_stamp(snap.taken_at)} "),
                    f"by {snap.taken_by}, from the extract of "
                    f"{figures.uk_datetime(snap.extract_as_of)} "
                    f"(snapshot {month}). The pack uses these figures.",
                ],
                id="pack-frozen",
            ),
            frozen_table(snap, fy, quarter, group, audience),
            detail,
            html.Span(id=FREEZE),
        ]
    )


def frozen_table(snap: Snapshot, fy: str, quarter: str, group: str, audience: str) -> Any:
    """The KPI table exactly as the pack will print it (small numbers as chosen)."""
    year, q = _period(fy, quarter)
    external = audience == "external"
    try:
        pack = boardpack.build(
            snap,
            year,
            q,
            data.targets_for(year),
            {},
            group,
            Disclosure(data.settings().suppress_below) if external else INTERNAL,
        )
    except SqaError as exc:
        return components.notices([str(exc)])
    shown = pack.kpi_frame().drop(columns="Definition")
    return components.frame_table(
        shown,
        f"The pack's KPI table: {group}, {pack.period}, frozen in snapshot {snap.month}"
        + (" (external: small numbers suppressed)" if external else ""),
        "pack-kpis",
    )


def notes(fy: str, quarter: str) -> Any:
    year, q = _period(fy, quarter)
    period = period_label(year, q)
    saved = data.commentary(period)
    editable = data.current_scope().role in ("service_manager", "team_manager")
    boxes: list[Any] = []
    for section, measures in boardpack.SECTIONS:
        boxes.append(html.H3(section, className="h6 mt-3"))
        for m in measures:
            cid = {"type": "pack-note", "measure": m}
            boxes.append(
                html.Div(
                    [
                        html.Label(
                            MEASURE_LABELS[m],
                            # Dash writes a dict id into the page as sorted, compact JSON.
                            htmlFor=json.dumps(cid, sort_keys=True, separators=(",", ":")),
                            className="form-label mb-1",
                        ),
                        dbc.Textarea(
                            id=cid,
                            value=saved.get(m, {}).get("body", ""),
                            maxLength=2000,
                            rows=2,
                            disabled=not editable,
                        ),
                    ],
                    className="mb-2",
                )
            )
    return html.Div(
        [
            html.P(
                f"Commentary for {period.replace('-', '/')}, printed beside each KPI in the pack."
                + ("" if editable else " Only service and team managers write it."),
                className="text-body-secondary",
            ),
            *boxes,
        ]
    )


@pagekit.guarded
def layout(**params: str | None) -> Any:
    ctx_ = pagekit.page_context(params)
    data.commentary("")  # refuses a role with no packs, before anything is drawn
    years = [fy_label(y) for y in ctx_.years]
    if params.get("fy") in years:  # the choices are in the address, to bookmark or send
        fy = str(params["fy"])
    else:
        fy = fy_label(ctx_.view.fy - 1) if fy_label(ctx_.view.fy - 1) in years else years[0]
    groups = [SERVICE, *ctx_.teams]
    quarter = str(params.get("quarter")) if params.get("quarter") in ("1", "2", "3", "4") else YEAR
    group = str(params.get("for")) if params.get("for") in groups else SERVICE
    audience = "external" if params.get("audience") == "external" else "internal"
    below = data.settings().suppress_below
    return html.Div(
        [
            html.H1("Board pack"),
            html.P(
                "The pack for the children's services board or the corporate parenting panel: "
                "the KPI table with indicators and definitions, each KPI year on year with its "
                "month table and commentary, and the quality-assurance activity. It is built "
                "from the figures frozen at the period's last month, so a paper's numbers do "
                "not change when later extracts backfill records.",
                className="text-body-secondary",
            ),
            html.Div(
                [
                    components.labelled(
                        "Financial year",
                        components.select(
                            FY, [{"label": y.replace("-", "/"), "value": y} for y in years], fy
                        ),
                        FY,
                        2,
                    ),
                    components.labelled(
                        "Period",
                        components.select(
                            QUARTER, [{"label": t, "value": v} for v, t in QUARTERS], quarter
                        ),
                        QUARTER,
                        2,
                    ),
                    components.labelled(
                        "For",
                        components.select(GROUP, [{"label": g, "value": g} for g in groups], group),
                        GROUP,
                        3,
                    ),
                    components.labelled(
                        "Audience",
                        components.select(
                            AUDIENCE,
                            [
                                {"label": "Internal (every figure)", "value": "internal"},
                                {
                                    "label": f"External (counts below {below} suppressed)",
                                    "value": "external",
                                },
                            ],
                            audience,
                        ),
                        AUDIENCE,
                        3,
                    ),
                ],
                className="row filter-bar g-3 mx-0",
            ),
            html.H2("The figures", className="h4 mt-3"),
            html.Div(status(fy, quarter, group, audience), id=STATUS),
            html.H2("Download", className="h4 mt-3"),
            html.Div(
                [
                    # Three equal buttons: each builds the same pack in another format.
                    dbc.Button("Download PDF", id=PDF, color="primary", className="me-2"),
                    dbc.Button("Download PowerPoint", id=PPTX, color="primary", className="me-2"),
                    dbc.Button(
                        "Charts and tables (zip)", id=ZIP, color="primary", className="me-2"
                    ),
                    html.Span(id=PROGRESS, role="status", className="ms-3"),
                    html.Div(id=MESSAGE, role="status", className="mt-2"),
                    dcc.Download(id=DOWNLOAD),
                ]
            ),
            html.H2("Commentary", className="h4 mt-4"),
            html.Div(notes(fy, quarter), id=NOTES),
            dbc.Button(
                "Save commentary",
                id=SAVE,
                color="primary",
                className="mt-2",
                style=None if data.writes_commentary() else {"display": "none"},
            ),
            None
            if data.writes_commentary()
            else html.P(
                "Commentary speaks for the whole service, so service managers write it; "
                "send yours to a service manager.",
                className="small text-body-secondary mt-2",
            ),
            html.Div(id=SAVED, role="status", className="mt-2"),
            pagekit.url_stores(URL, CONTROLS),
        ]
    )


pagekit.register_url_sync(URL, CONTROLS)


@dash.callback(
    Output(STATUS, "children"),
    Output(MESSAGE, "children", allow_duplicate=True),
    Input(FY, "value"),
    Input(QUARTER, "value"),
    Input(GROUP, "value"),
    Input(AUDIENCE, "value"),
    Input(FREEZE, "n_clicks"),
    prevent_initial_call=True,
)
def update_status(
    fy: str, quarter: str, group: str, audience: str, freeze: int | None
) -> tuple[Any, Any]:
    """The period's frozen figures; a message left by an earlier download ("freeze
    first") is cleared, since the choices or the snapshot it spoke of have changed."""
    if ctx.triggered_id == FREEZE and freeze:
        year, q = _period(fy, quarter)
        try:
            data.take_snapshot(pack_month(year, q), replace=False)
        except SqaError as exc:
            shown = html.Div([components.notices([str(exc)]), status(fy, quarter, group, audience)])
            return shown, ""
    return status(fy, quarter, group, audience), ""


@dash.callback(
    Output(NOTES, "children"),
    Input(FY, "value"),
    Input(QUARTER, "value"),
    prevent_initial_call=True,
)
def update_notes(fy: str, quarter: str) -> Any:
    return notes(fy, quarter)


@dash.callback(
    Output(SAVED, "children"),
    Input(SAVE, "n_clicks"),
    State(FY, "value"),
    State(QUARTER, "value"),
    State({"type": "pack-note", "measure": ALL}, "value"),
    State({"type": "pack-note", "measure": ALL}, "id"),
    prevent_initial_call=True,
)
def update_saved(
    clicks: int | None,
    fy: str,
    quarter: str,
    values: list[str] | None,
    ids: list[dict[str, str]] | None,
) -> Any:
    if not clicks:
        raise PreventUpdate  # no press of Save (a request the page would not send)
    if not isinstance(values, list) or not isinstance(ids, list) or len(values) != len(ids):
        return dbc.Alert(
            "The commentary boxes did not come through whole; reload the page and save again.",
            color="danger",
            className="py-2",
        )
    year, q = _period(fy, quarter)
    period = period_label(year, q)
    try:
        for value, cid in zip(values, ids, strict=True):
            measure = cid.get("measure") if isinstance(cid, dict) else None
            data.save_commentary(period, str(measure), str(value or ""))
    except SqaError as exc:
        return dbc.Alert(str(exc), color="danger", className="py-2")
    return dbc.Alert(
        f"Commentary for {period.replace('-', '/')} saved.", color="success", className="py-2"
    )


@dash.callback(
    Output(DOWNLOAD, "data"),
    Output(MESSAGE, "children"),
    Input(PDF, "n_clicks"),
    Input(PPTX, "n_clicks"),
    Input(ZIP, "n_clicks"),
    State(FY, "value"),
    State(QUARTER, "value"),
    State(GROUP, "value"),
    State(AUDIENCE, "value"),
    prevent_initial_call=True,
    # While the pack builds (a few seconds), the buttons are disabled and say so.
    running=[
        (Output(PDF, "disabled"), True, False),
        (Output(PPTX, "disabled"), True, False),
        (Output(ZIP, "disabled"), True, False),
        (Output(PROGRESS, "children"), "⏳ Building the pack: this takes a few seconds…", ""),
    ],
)
def update_download(
    pdf: int | None,
    pptx: int | None,
    zip_: int | None,
    fy: str,
    quarter: str,
    group: str,
    audience: str,
) -> tuple[Any, Any]:
    if not (pdf or pptx or zip_):
        raise PreventUpdate  # no button pressed: nothing to build
    fmt = {PDF: "pdf", PPTX: "pptx", ZIP: "zip"}.get(str(ctx.triggered_id), "pdf")
    limit = data.settings().export_limit
    if data.recent_exports("board pack", minutes=10) >= limit:
        return dash.no_update, dbc.Alert(
            f"You have built {limit} board packs in the last 10 minutes, the most allowed "
            "(each takes seconds of the server's time). Wait a few minutes and try again.",
            color="warning",
            className="py-2",
        )
    year, q = _period(fy, quarter)
    snap = data.snapshot(pack_month(year, q))
    if snap is None:
        return dash.no_update, dbc.Alert(
            "Freeze the figures for this period first (above).", color="warning", className="py-2"
        )
    external = audience == "external"
    period = period_label(year, q)
    try:
        pack = boardpack.build(
            snap,
            year,
            q,
            data.targets_for(year),
            {m: c["body"] for m, c in data.commentary(period).items()},
            group,
            Disclosure(data.settings().suppress_below) if external else INTERNAL,
            data.spc_breaks(),
        )
        blob = boardpack.render(pack, fmt)
    except SqaError as exc:
        return dash.no_update, dbc.Alert(str(exc), color="danger", className="py-2")
    name = boardpack.file_name(pack, fmt)
    data.audit(
        "export",
        f"board pack ({fmt})",
        0,
        {"period": period, "audience": pack.audience.lower(), "format": fmt}
        | ({} if group == SERVICE else {"team": group}),
    )
    sent = {"content": base64.b64encode(blob).decode(), "filename": name, "base64": True}
    return sent, f"{name} is ready ({len(blob) / 1e6:.1f} MB)."
