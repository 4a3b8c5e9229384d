"""IROs and chairs: the list of people, each linking to their own figures."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import data, pagekit

dash.register_page(__name__, path="/iro", name="IROs", title="IROs and chairs · SQA Dashboard")

ROLE_NAMES = {"IRO": "IRO", "CP_CHAIR": "CP chair", "IRO_CP_CHAIR": "IRO and CP chair"}


@pagekit.guarded
def layout(**_params: str | None) -> Any:
    staff = data.staff()
    groups = []
    for team, people in staff.groupby("team", sort=True):
        groups.append(
            dbc.Col(
                dbc.Card(
                    [
                        dbc.CardHeader(html.H2(str(team), className="h6 mb-0")),
                        dbc.ListGroup(
                            [
                                dbc.ListGroupItem(
                                    dcc.Link(
                                        f"{name} · {ROLE_NAMES.get(role, role)}", href=f"/iro/{sid}"
                                    )
                                )
                                for sid, name, role in zip(
                                    people["staff_id"],
                                    people["staff_name"],
                                    people["role"],
                                    strict=True,
                                )
                            ],
                            flush=True,
                        ),
                    ]
                ),
                md=4,
                className="mb-3",
            )
        )
    return html.Div(
        [
            html.H1("IROs and child protection chairs"),
            html.P(
                "Each person's page shows their own figures beside their team's and the "
                "service's, for the last 8 weeks (the supervision cycle) and the year to date. "
                "Bookmark it to check your figures before supervision.",
                className="text-body-secondary",
            ),
            dbc.Row(groups),
        ]
    )
