"""Builds the Dash app: pages, offline assets, cache, the data banner.

``app.py`` calls :func:`create_app`; nothing else happens at import time. When the
configured database does not exist and ``SQA_AUTO_DEMO=1``, the demo extract is generated
and loaded first, so a fresh clone starts with data.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, clientside_callback, html

from dashboard import components, data
from queries import demo, loader
from queries.errors import ConfigError, SqaError
from queries.settings import Settings, load_settings

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
    log.warning("no database at %s: building the demo one", settings.db_path)
    end = demo.last_month_end()
    demo.write_demo_extract(settings.demo_extract, end=end)
    loader.load_extract(
        settings.demo_extract,
        settings.db_path,
        settings.closure_dates,
        as_of=demo.extract_time(end),
    )


def create_app(settings: Settings | None = None) -> dash.Dash:
    settings = settings or load_settings()
    ensure_database(settings)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(ROOT / "dashboard" / "pages"),
        assets_folder=str(ROOT / "assets"),
        serve_locally=True,
        title="SQA Dashboard",
        suppress_callback_exceptions=True,
        update_title=None,  # type: ignore[arg-type]  # None turns the "Updating" title off
    )
    app.index_string = INDEX
    data.configure(app.server, settings)
    app.layout = html.Div(
        [
            html.A("Skip to main content", href="#main", className="visually-hidden-focusable"),
            dbc.Navbar(
                dbc.Container(
                    [
                        dbc.NavbarBrand("SQA Dashboard", href="/"),
                        dbc.Nav(
                            [
                                dbc.NavItem(dbc.NavLink(label, href=href, active="exact"))
                                for label, href in NAV
                            ],
                            navbar=True,
                        ),
                    ],
                    fluid=True,
                ),
                color="dark",
                dark=True,
                className="mb-0",
            ),
            html.Div(id="data-banner", role="status"),
            html.Main(dbc.Container(dash.page_container, fluid=True, className="py-3"), id="main"),
        ]
    )
    app.server.after_request(_security_headers)
    return app


def _security_headers(response):  # type: ignore[no-untyped-def]
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


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
    ClientsideFunction(namespace="sqa", function_name="downloadSvg"),
    Output({"type": "svg-download", "graph": dash.ALL}, "title"),
    Input({"type": "svg-download", "graph": dash.ALL}, "n_clicks"),
    State({"type": "svg-download", "graph": dash.ALL}, "title"),
    prevent_initial_call=True,
)
