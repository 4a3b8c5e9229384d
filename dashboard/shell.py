"""Builds the Dash app: pages, offline assets, cache, the data banner.

``app.py`` calls :func:`create_app`; nothing else happens at import time. When the
configured database does not exist and ``SQA_AUTO_DEMO=1``, the demo extract is generated
and loaded first, so a fresh clone starts with data.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, clientside_callback, ctx, dcc, html

from dashboard import auth, components, data, exports, inputs
from queries.access.scope import Scope
from queries.core.errors import AccessDenied, ConfigError, SqaError
from queries.core.settings import Settings, load_settings
from queries.ingest import demo, loader

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("sqa")

INDEX = """<!DOCTYPE html>
<html lang="en-GB">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""

NAV = (
    ("Overview", "/"),
    ("CLA reviews", "/cla-reviews"),
    ("Participation", "/participation"),
    ("Child protection", "/child-protection"),
    ("Worklist", "/worklist"),
    ("Quality", "/quality"),
    ("IROs", "/iro"),
    ("Data quality", "/data-quality"),
    ("Definitions", "/definitions"),
)


def ensure_database(settings: Settings) -> None:
    """Build the demo database when none exists (and the setting allows it)."""
    if settings.db_path.exists():
        return
    if not settings.auto_demo:
        raise ConfigError(
            f"no database at {settings.db_path}: run `sqa load EXTRACT_DIR` first, or set "
            "SQA_AUTO_DEMO=1 to start on the demo data"
        )
    say_progress()
    started = time.perf_counter()
    log.warning(
        "no database at %s: building the demo authority (each step follows as it goes)",
        settings.db_path,
    )
    end = demo.last_month_end()
    log.info("generating the demo extract to %s", end)
    written = demo.write_demo_extract(settings.demo_extract, end=end)
    log.info(
        "generated %s rows in %d files (%.0f s); loading them",
        f"{sum(written.values()):,}", len(written), time.perf_counter() - started,
    )  # fmt: skip
    report = loader.load_extract(
        settings.demo_extract,
        settings.db_path,
        settings.closure_dates,
        as_of=demo.extract_time(end),
    )
    log.warning(
        "the demo database is ready: %s rows loaded in %.0f s",
        f"{sum(report.rows.values()):,}", time.perf_counter() - started,
    )  # fmt: skip


def say_progress() -> None:
    """Long work at start says each step as it goes: the "sqa" loggers at INFO, to the
    error stream (gunicorn's log), unless the host has set up logging itself."""
    sqa = logging.getLogger("sqa")
    if not sqa.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(message)s"))
        sqa.addHandler(handler)
    if sqa.level == logging.NOTSET or sqa.level > logging.INFO:
        sqa.setLevel(logging.INFO)


def create_app(settings: Settings | None = None) -> dash.Dash:
    settings = settings or load_settings()
    ensure_database(settings)
    app = dash.Dash(
        "dashboard",  # so Dash imports the pages as dashboard.pages.<name>, once
        use_pages=True,
        pages_folder=str(ROOT / "dashboard" / "pages"),
        assets_folder=str(ROOT / "assets"),
        serve_locally=True,
        title="SQA Dashboard",
        suppress_callback_exceptions=True,
        csrf_token_name=auth.CSRF_COOKIE,  # the renderer sends it back in this header:
        csrf_header_name=auth.CSRF_HEADER,
        update_title=None,  # type: ignore[arg-type]  # None turns the "Updating" title off
    )
    app.index_string = INDEX
    data.configure(app.server, settings)
    app.layout = shell_layout
    auth.install(app, settings)
    inputs.install(app)
    return app


def nav_items(scope: Scope) -> list[tuple[str, str]]:
    """The menu for a role: IROs get "My figures"; admins the audit trail."""
    items = list(NAV)
    if scope.role == "iro":
        items.insert(0, ("My figures", auth.home(scope)))
    if not scope.sees_data_quality:
        items.remove(("Data quality", "/data-quality"))
    if scope.role != "iro":
        items.insert(items.index(("Definitions", "/definitions")), ("Board pack", "/board-pack"))
    if scope.is_admin:
        items.append(("Audit", "/audit"))
    return items


def shell_layout() -> html.Div:
    """The frame round every page, built per request for the signed-in viewer.

    Dash also calls this once at start-up to check the layout, with nobody signed in:
    then it builds the frame with no menu.
    """
    try:
        scope = data.current_scope()
    except AccessDenied:
        return html.Div(
            [
                dash.page_container,
                html.Div(id="data-banner"),
                dcc.Location(id="sqa-nav", refresh="callback-nav"),
            ]
        )
    return html.Div(
        [
            html.A("Skip to main content", href="#main", className="visually-hidden-focusable"),
            dbc.Navbar(
                dbc.Container(
                    [
                        dbc.NavbarBrand("SQA Dashboard", href=auth.home(scope)),
                        # Below 1200 px the menu folds behind a labelled button.
                        html.Button(
                            [html.Span(className="navbar-toggler-icon"), " Menu"],
                            id="nav-toggle",
                            n_clicks=0,
                            type="button",
                            className="navbar-toggler text-light",
                            **components.aria(controls="nav-menu"),
                        ),
                        dbc.Collapse(
                            [
                                dbc.Nav(
                                    [
                                        dbc.NavItem(dbc.NavLink(label, href=href, active="exact"))
                                        for label, href in nav_items(scope)
                                    ],
                                    navbar=True,
                                    className="me-auto",
                                ),
                                html.Form(
                                    [
                                        html.Span(
                                            [scope.user, html.Br(), auth.role_name(scope)],
                                            className="navbar-text me-2 small",
                                            id="signed-in-as",
                                        ),
                                        dcc.Input(
                                            type="hidden",
                                            name="csrf_token",
                                            value=auth.csrf_token(),
                                        ),
                                        html.Button(
                                            "Sign out",
                                            type="submit",
                                            className="btn btn-outline-light btn-sm",
                                            id="sign-out",
                                        ),
                                    ],
                                    action="/sign-out",
                                    method="POST",
                                    className="d-flex align-items-center",
                                ),
                            ],
                            id="nav-menu",
                            is_open=False,
                            navbar=True,
                        ),
                    ],
                    fluid=True,
                ),
                expand="xl",
                color="dark",
                dark=True,
                className="mb-0",
            ),
            html.Div(id="data-banner", role="status"),
            dcc.Location(id="sqa-nav", refresh="callback-nav"),  # a chart point's records
            html.Main(dbc.Container(dash.page_container, fluid=True, className="py-3"), id="main"),
        ]
    )


@dash.callback(Output("data-banner", "children"), Input("_pages_location", "pathname"))
def update_data_banner(_pathname: str | None) -> object:
    try:
        info = data.load_info()
    except SqaError as exc:
        return dbc.Alert(str(exc), color="danger", className="mb-0")
    return components.banner(
        info, dt.datetime.now(dt.UTC), data.settings().stale_hours, data.last_attempt()
    )


clientside_callback(
    ClientsideFunction(namespace="sqa", function_name="toggleMenu"),
    Output("nav-menu", "is_open"),
    Input("nav-toggle", "n_clicks"),
    State("nav-menu", "is_open"),
    prevent_initial_call=True,
)

clientside_callback(
    ClientsideFunction(namespace="sqa", function_name="downloadSvg"),
    Output({"type": "svg-download", "graph": dash.ALL}, "title"),
    Input({"type": "svg-download", "graph": dash.ALL}, "n_clicks"),
    State({"type": "svg-download", "graph": dash.ALL}, "title"),
    prevent_initial_call=True,
)


@dash.callback(
    Output({"type": "table-file", "table": dash.MATCH}, "data"),
    Input({"type": "table-csv", "table": dash.MATCH}, "n_clicks"),
    Input({"type": "table-xlsx", "table": dash.MATCH}, "n_clicks"),
    State({"type": "table-data", "table": dash.MATCH}, "data"),
    prevent_initial_call=True,
)
def update_table_file(_csv: int, _xlsx: int, token: object) -> object:
    """A shown table as CSV or Excel, built on the server from the table it drew for this
    viewer (the page holds only a token), formula-safe, named after its caption, audited."""
    if not token or not (_csv or _xlsx):
        return dash.no_update
    fmt = "xlsx" if (ctx.triggered_id or {}).get("type") == "table-xlsx" else "csv"
    table = data.held_table(token)
    data.audit(
        "export",
        f"table {table['table']} ({fmt})",
        len(table["rows"]),
        {"table": table["table"], "format": fmt},
    )
    return exports.table_file(table, fmt, data.load_info().extract_as_of)
