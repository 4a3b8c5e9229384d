"""Quality assurance: DRPs, practice acknowledgements, contacts, audits, feedback, caseloads,
minutes: the annual report's sections 3.3, 5.1.2, 5.2, 5.3 and 6, live."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from dashboard import components, data, figures, pagekit
from dashboard.view import chosen
from queries.core.errors import AccessDenied
from queries.measures.kpis import Filters
from queries.measures.periods import fy_bounds, parse_fy
from queries.measures.qa import AUDIT_DIMENSIONS, DRP_DIMENSIONS, GRAINS

dash.register_page(
    __name__, path="/quality", name="Quality assurance", title="Quality assurance · SQA Dashboard"
)

FY = "qa-fy"
CMP = "qa-cmp"
TEAM = "qa-team"
GRAIN = "qa-grain"
DRP_DIM = "qa-drp-dim"
AUDIT_DIM = "qa-audit-dim"
STAFF = "qa-staff"  # the person filter of the shared filter bar (IRO)
URL = "qa-url"
SECTION = "qa-section"
CONTROLS = {"fy": FY, "cmp": CMP, "team": TEAM, "staff": STAFF, "section": f"{SECTION}.data"}
DIM_WORDS = {
    "sw_team": "Social-work team",
    "issue_category": "Issue",
    "stage": "Stage",
    "theme": "Theme",
    "auditor": "Auditor",
    "judgement": "Judgement",
}

pagekit.register_url_sync(URL, CONTROLS)
pagekit.register_people_follow_team(TEAM, STAFF, pagekit.IRO_ROLES)


def _no_data(file: str) -> html.P:
    return html.P(
        f"No data loaded: the extract has no rows in {file} (an optional file).",
        className="text-body-secondary fst-italic",
    )


def _period(fy: str) -> tuple[Any, Any]:
    return fy_bounds(parse_fy(fy))


def _counts_chart(
    measures: dict[str, str],
    title: str,
    unit: str,
    fy: str,
    cmp: str,
    team: str,
    staff: str,
    grain: str,
    chart_id: str,
) -> Any:
    a, b = sorted((parse_fy(fy), parse_fy(cmp)))
    filters = Filters(chosen(team), chosen(staff))
    series = {label: data.count_series(m, a, b, grain, filters) for m, label in measures.items()}
    fig = figures.count_yoy_chart(
        series,
        fy,
        cmp,
        title,
        unit,
        pagekit.who(team, staff),
        data.load_info().extract_as_of,
        grain,
    )
    return components.chart(chart_id, fig, f"{chart_id}_{fy}_{pagekit.who(team, staff)}")


@data.cached_view
def section_drps(fy: str, cmp: str, team: str, staff: str, grain: str, dim: str) -> Any:
    if not data.table_rows().get("drps"):
        return _no_data("drps.csv")
    start, end = _period(fy)
    res = data.qa_table("drp_resolution", start, end)
    esc = data.qa_table("drp_escalations", start, end)
    return html.Div(
        [
            _counts_chart(
                {"drps_formal_raised": "Formal", "drps_informal_raised": "Informal"},
                f"DRPs raised, {fy.replace('-', '/')} vs {cmp.replace('-', '/')}",
                "DRPs raised",
                fy,
                cmp,
                team,
                staff,
                grain,
                "qa-drp-chart",
            ),
            components.frame_table(
                figures.display_table(
                    data.qa_table("drp_breakdown", dim, start, end),
                    {
                        "category": DIM_WORDS[dim],
                        "formal": "Formal",
                        "informal": "Informal",
                        "total": "Total",
                    },
                ),
                f"DRPs raised in {fy.replace('-', '/')} by {DIM_WORDS[dim].lower()}",
                "qa-drp-breakdown",
            ),
            components.frame_table(
                figures.display_table(
                    res,
                    {
                        "level": "Level",
                        "raised": "Raised",
                        "resolved": "Resolved",
                        "still_open": "Still open",
                        "median_days": "Median days to resolve",
                        "p90_days": "90% resolved within (days)",
                    },
                ),
                f"Time to resolve DRPs raised in {fy.replace('-', '/')}",
                "qa-drp-resolution",
            ),
            html.P(
                f"{len(esc):,} formal DRPs in {fy.replace('-', '/')} followed an informal DRP "
                "for the same child within six months (escalations).",
                id="qa-escalations",
            ),
        ]
    )


def section_open_drps(team: str, staff: str) -> Any:
    """Child-level: the view may come from the view cache, but every showing writes its
    audit record."""
    shown, rows = _open_drps(team, staff)
    if rows >= 0:
        data.audit_child_view("open_drps", rows, Filters(chosen(team), chosen(staff)))
    return shown


@data.cached_view
def _open_drps(team: str, staff: str) -> tuple[Any, int]:
    """(the view, how many open DRPs it draws on); -1 when there are none to audit."""
    if not data.table_rows().get("drps"):
        return html.Div(), -1
    try:
        df = data.qa_table("open_drps", Filters(chosen(team), chosen(staff)))
    except AccessDenied:
        return pagekit.NO_CHILD_ROWS, -1
    overdue = int(df["response_overdue"].sum()) if len(df) else 0
    oldest = df.head(25)  # formatted for showing: the 25 drawn, not every open DRP
    shown = figures.display_table(
        oldest.assign(
            response_overdue=oldest["response_overdue"].map({True: "Overdue", False: ""})
        ),
        {
            "child_id": "Child id",
            "level": "Level",
            "stage": "Stage",
            "sw_team": "SW team",
            "raised_date": "Raised",
            "age_days": "Age (days)",
            "response_due_date": "Response due",
            "response_overdue": "Response",
            "raised_by_name": "Raised by",
        },
    )
    view = html.Div(
        [
            html.P(
                f"{len(df):,} DRPs open on the extract date; {overdue:,} with the response "
                "overdue (due date passed, unresolved). Oldest first; children by id only.",
                id="qa-open-summary",
            ),
            components.frame_table(shown, "Open DRPs (the oldest 25)", "qa-open-drps"),
        ]
    )
    return view, len(df)


@data.cached_view
def section_pas(fy: str, cmp: str, team: str, staff: str, grain: str) -> Any:
    if not data.table_rows().get("practice_acknowledgements"):
        return _no_data("practice_acknowledgements.csv")
    start, end = _period(fy)
    return html.Div(
        [
            _counts_chart(
                {
                    "practice_acknowledgements_raised": "Practice acknowledgements",
                    "drps_formal_raised": "Formal DRPs",
                },
                f"Practice acknowledgements beside formal DRPs, {fy.replace('-', '/')} "
                f"vs {cmp.replace('-', '/')}",
                "Raised",
                fy,
                cmp,
                team,
                staff,
                grain,
                "qa-pa-chart",
            ),
            components.frame_table(
                figures.display_table(
                    data.qa_table("pa_breakdown", start, end).head(15),
                    {"sw_team": "Social-work team", "theme": "Theme", "raised": "Raised"},
                ),
                f"Practice acknowledgements in {fy.replace('-', '/')}: the 15 largest team "
                "and theme groups",
                "qa-pa-breakdown",
            ),
        ]
    )


@data.cached_view
def section_contacts(fy: str, cmp: str, team: str, staff: str) -> Any:
    """Charts and counts only (the key holds the viewer, who may not see the gap count);
    the gaps list itself is the records block below, audited on each showing."""
    if not data.table_rows().get("direct_contacts"):
        return _no_data("direct_contacts.csv")
    start, end = _period(fy)
    gaps = (
        data.reviews_without_contact_count(start, end, Filters(chosen(team), chosen(staff)))
        if data.current_scope().sees_children
        else None
    )
    fig, config = pagekit.yoy_chart(
        "reviews_with_contact_since_last",
        "Reviews with an IRO contact since the last review",
        "% of reviews (second and later)",
        fy,
        cmp,
        team,
        staff,
    )
    return html.Div(
        [
            _counts_chart(
                {"direct_contacts": "Direct contacts"},
                f"IRO direct contacts, {fy.replace('-', '/')} vs {cmp.replace('-', '/')}",
                "Contacts",
                fy,
                cmp,
                team,
                staff,
                "month",
                "qa-contact-chart",
            ),
            components.chart("qa-contact-ratio", fig, config=config),
            components.frame_table(
                figures.display_table(
                    data.count_by_staff("direct_contacts", start, end, chosen(team)),
                    {"staff_name": "IRO", "team": "Team", "events": "Contacts"},
                ),
                f"Direct contacts by IRO, {fy.replace('-', '/')}",
                "qa-contacts-by-iro",
            ),
            pagekit.NO_CHILD_ROWS
            if gaps is None
            else html.P(
                f"{gaps:,} reviews in {fy.replace('-', '/')} followed a gap with no IRO "
                "contact since the previous review; they are listed below, the latest first.",
                id="qa-gap-count",
            ),
        ]
    )


@data.cached_view
def section_audits(fy: str, team: str, staff: str, dim: str) -> Any:
    if not data.table_rows().get("audits"):
        return _no_data("audits.csv")
    start, end = _period(fy)
    counts = data.count_range(start, end, Filters(chosen(team), chosen(staff)))
    table = data.qa_table("audit_breakdown", dim, start, end)
    return html.Div(
        [
            html.P(
                f"{fy.replace('-', '/')}: {counts['audits_midway']:,} mid-way audits and "
                f"{counts['audits_targeted']:,} targeted audit records.",
                id="qa-audit-counts",
            ),
            components.frame_table(
                figures.display_table(
                    table,
                    {
                        "category": DIM_WORDS[dim],
                        "midway": "Mid-way",
                        "targeted": "Targeted",
                        "children": "Children audited",
                    },
                ),
                f"Audits in {fy.replace('-', '/')} by {DIM_WORDS[dim].lower()}",
                "qa-audits",
            ),
        ]
    )


@data.cached_view
def section_feedback(fy: str, cmp: str) -> Any:
    """The share answering yes; the comments are the records block below, audited on each
    showing."""
    if not data.table_rows().get("feedback"):
        return _no_data("feedback.csv")
    a, b = parse_fy(fy), parse_fy(cmp)
    df = data.qa_table("feedback_questions", min(a, b), max(a, b))
    free_text: Any = (
        None
        if data.current_scope().sees_comments
        else html.P(
            "Free-text comments are shown to service and team managers only.",
            className="small text-body-secondary",
        )
    )
    return html.Div(
        [
            components.frame_table(
                figures.feedback_table(df, a, b),
                "Share answering yes, of those who answered",
                "qa-feedback",
            ),
            free_text,
        ]
    )


@data.cached_view
def section_caseloads(fy: str, team: str) -> Any:
    if not data.table_rows().get("iro_allocations"):
        return _no_data("iro_allocations.csv")
    df = data.qa_table("caseloads", parse_fy(fy), chosen(team))
    closures = data.count_range(*_period(fy), Filters(chosen(team)))["case_closures"]
    return html.Div(
        [
            html.P(
                f"{closures:,} allocations ended (case closures) in {fy.replace('-', '/')}.",
                id="qa-closures",
            ),
            components.frame_table(
                figures.caseload_table(df),
                "Children allocated to each IRO at each month end (the last "
                "column is the extract date)",
                "qa-caseloads",
            ),
        ]
    )


SECTION_TITLES = {
    "minutes": "Review minutes",
    "drps": "DRPs",
    "acknowledgements": "Practice acknowledgements",
    "contacts": "IRO contacts",
    "audits": "Audits",
    "feedback": "Feedback",
    "caseloads": "Caseloads",
}


def _section_links(current: str, params: dict[str, str]) -> Any:
    return dbc.Nav(
        [
            dbc.NavItem(
                dbc.NavLink(
                    title,
                    href="/quality" + components.query_string(**{**params, "section": key}),
                    active=key == current,
                )
            )
            for key, title in SECTION_TITLES.items()
        ],
        pills=True,
        className="flex-wrap",
    )


def _section_nav(current: str, params: dict[str, str]) -> Any:
    """Links to each section, keeping the filters: one section is drawn at a time."""
    return html.Nav(
        _section_links(current, params),
        id="qa-sections",
        className="mb-3",
        **components.aria(label="Quality-assurance sections"),
    )


def _section(section: str, fy: str, cmp: str, team: str, staff: str, grain: str) -> list[Any]:
    grain_opts = [{"label": g.title(), "value": g} for g in GRAINS]
    if section == "minutes":
        fig, cfg = MINUTES[0](fy, cmp, team, staff)
        return [
            components.chart(MINUTES_CHART, fig, config=cfg),
            html.Div(MINUTES[1](fy, cmp, team, staff), id=MINUTES_TABLE),
        ]
    if section == "drps":
        return [
            html.Div(
                [
                    components.labelled(
                        "DRPs by", components.select(GRAIN, grain_opts, grain), GRAIN, 2
                    ),
                    components.labelled(
                        "Break down by",
                        components.select(
                            DRP_DIM,
                            [{"label": DIM_WORDS[d], "value": d} for d in DRP_DIMENSIONS],
                            "sw_team",
                        ),
                        DRP_DIM,
                        3,
                    ),
                ],
                className="row filter-bar g-3 mx-0",
            ),
            html.Div(section_drps(fy, cmp, team, staff, grain, "sw_team"), id="qa-drps"),
            html.Div(section_open_drps(team, staff), id="qa-open"),
        ]
    if section == "acknowledgements":
        return [
            html.Div(
                components.labelled(
                    "Count by", components.select(GRAIN, grain_opts, grain), GRAIN, 2
                ),
                className="row filter-bar g-3 mx-0",
            ),
            html.Div(section_pas(fy, cmp, team, staff, grain), id="qa-pas"),
        ]
    if section == "contacts":
        shown: list[Any] = [html.Div(section_contacts(fy, cmp, team, staff), id="qa-contacts")]
        if data.current_scope().sees_children and data.table_rows().get("direct_contacts"):
            shown += [
                html.H3("Reviews that followed a gap with no IRO contact", className="h5"),
                components.records_block(GAPS, "reviews", GAPS_VIEW(0, fy, team, staff)),
            ]
        return shown
    if section == "audits":
        return [
            html.Div(
                components.labelled(
                    "Break down by",
                    components.select(
                        AUDIT_DIM,
                        [{"label": DIM_WORDS[d], "value": d} for d in AUDIT_DIMENSIONS],
                        "theme",
                    ),
                    AUDIT_DIM,
                    3,
                ),
                className="row filter-bar g-3 mx-0",
            ),
            html.Div(section_audits(fy, team, staff, "theme"), id="qa-audits-section"),
        ]
    if section == "feedback":
        parts: list[Any] = [html.Div(section_feedback(fy, cmp), id="qa-feedback-section")]
        if data.current_scope().sees_comments and data.table_rows().get("feedback"):
            parts += [
                html.H3("Comments", className="h5"),
                components.records_block(COMMENTS, "comments", COMMENTS_VIEW(0, fy)),
            ]
        return parts
    return [html.Div(section_caseloads(fy, team), id="qa-caseloads-section")]


@pagekit.guarded
def layout(**params: str | None) -> Any:
    ctx = pagekit.page_context(params, roles=pagekit.IRO_ROLES)
    fy, cmp, team, staff = pagekit.control_values(ctx.view)
    asked = params.get("grain") or "month"
    grain = asked if asked in GRAINS else "month"
    section = params.get("section") or "minutes"
    notices = list(ctx.view.notices)
    if section not in SECTION_TITLES:
        notices.append(f"There is no section '{section}'; showing review minutes.")
        section = "minutes"
    keep = {k: v for k, v in params.items() if k in ("fy", "cmp", "team", "staff", "grain") and v}
    return html.Div(
        [
            html.H1("Quality assurance"),
            html.P(
                "Disputes and acknowledgements, IRO contacts, audits, what children, families "
                "and professionals told us, caseloads and review minutes.",
                className="text-body-secondary",
            ),
            components.notices(notices),
            components.filter_bar(
                {"fy": FY, "cmp": CMP, "team": TEAM, "staff": STAFF},
                ctx.view,
                ctx.years,
                ctx.teams,
                ctx.staff,
            ),
            _section_nav(section, keep),
            html.H2(SECTION_TITLES[section]),
            *_section(section, fy, cmp, team, staff, grain),
            dcc.Store(id=SECTION, data=section),
            pagekit.url_stores(URL, CONTROLS),
        ]
    )


@dash.callback(
    Output("qa-sections", "children"),
    Input(FY, "value"),
    Input(CMP, "value"),
    Input(TEAM, "value"),
    Input(STAFF, "value"),
    dash.State(SECTION, "data"),
    prevent_initial_call=True,
)
def update_section_links(fy: str, cmp: str, team: str, staff: str, section: str) -> Any:
    """Keep the section links carrying the filters as they are now."""
    keep = {"fy": fy, "cmp": cmp, "team": chosen(team) or "", "staff": chosen(staff) or ""}
    return _section_links(section, {k: v for k, v in keep.items() if v})


GAPS = "qa-gaps"
COMMENTS = "qa-comments"


def _gaps(fy: str, team: str, staff: str) -> Any:
    return data.qa_table(
        "reviews_without_contact", *_period(fy), Filters(chosen(team), chosen(staff))
    )


GAPS_VIEW = pagekit.register_records(
    GAPS,
    [Input(FY, "value"), Input(TEAM, "value"), Input(STAFF, "value")],
    _gaps,
    (
        ("child_id", "Child id"),
        ("previous_review_date", "Previous review"),
        ("review_date", "This review"),
        ("days_between", "Days between"),
        ("iro_name", "IRO"),
        ("team", "Team"),
    ),
    lambda fy, team, staff: (
        f"Reviews in {fy.replace('-', '/')} with no IRO contact since the previous review, "
        f"{pagekit.rows_of(team, staff)}: the latest first"
    ),
    lambda fy, team, staff: f"reviews_without_contact_{fy}_{pagekit.rows_of(team, staff)}",
)
COMMENTS_VIEW = pagekit.register_records(
    COMMENTS,
    [Input(FY, "value")],
    lambda fy: data.qa_table("feedback_comments", *_period(fy), Filters()),
    (
        ("response_date", "Date"),
        ("respondent_group", "From"),
        ("question", "Question"),
        ("answer", "Answer"),
        ("comment", "Comment"),
        ("staff_name", "IRO"),
    ),
    lambda fy: f"Feedback comments left in {fy.replace('-', '/')}, for managers only: latest first",
    lambda fy: f"feedback_comments_{fy}",
)

MINUTES_CHART = "qa-minutes-chart"
MINUTES_TABLE = "qa-minutes-table"
MINUTES = pagekit.register_yoy(
    "minutes_within_20_working_days",
    "Review minutes completed within 20 working days",
    "% of reviews whose minutes were due",
    MINUTES_CHART,
    MINUTES_TABLE,
    (FY, CMP, TEAM, STAFF),
)

_IN = {
    name: Input(cid, "value")
    for name, cid in {
        "fy": FY,
        "cmp": CMP,
        "team": TEAM,
        "staff": STAFF,
        "grain": GRAIN,
        "drp": DRP_DIM,
        "audit": AUDIT_DIM,
    }.items()
}
for _out, _fn, _inputs in (
    ("qa-drps", section_drps, ("fy", "cmp", "team", "staff", "grain", "drp")),
    ("qa-open", section_open_drps, ("team", "staff")),
    ("qa-pas", section_pas, ("fy", "cmp", "team", "staff", "grain")),
    ("qa-contacts", section_contacts, ("fy", "cmp", "team", "staff")),
    ("qa-audits-section", section_audits, ("fy", "team", "staff", "audit")),
    ("qa-feedback-section", section_feedback, ("fy", "cmp")),
    ("qa-caseloads-section", section_caseloads, ("fy", "team")),
):
    dash.callback(Output(_out, "children"), *[_IN[i] for i in _inputs], prevent_initial_call=True)(
        _fn
    )
