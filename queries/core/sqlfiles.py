"""Access to the project's named SQL files under ``queries/sql``.

``events/`` build the event-grain tables at load time (one row per review or conference
with its due date and on-time flag); ``measures/`` give each KPI's events in one shape;
``aggregates/`` and ``drilldown/`` are the parameterised queries the dashboard and ``sqa``
run. Every file starts with a header comment saying what it returns, its grain and its
parameters.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"

# Built at load time, in this order (later ones may read earlier ones); the measure_events
# and count_events views over them follow, then SUMMARY_TABLES, which read the views.
EVENT_TABLES = (
    "cla_review_events",
    "icpc_events",
    "rcpc_events",
    "caseload_month_ends",
    "review_due",
)

SUMMARY_TABLES = ("measure_years",)

# The KPIs of the extract contract, in the order the annual report lists them.
KPIS = (
    "cla_reviews_on_time",
    "icpc_within_15_working_days",
    "rcpc_on_time",
    "cla_participation",
    "cla_attendance",
)
# Every ratio measure (numerator / denominator): the contract's KPIs, then the rest of the
# quality-assurance picture.
MEASURES = (
    *KPIS,
    "minutes_within_20_working_days",
    "reviews_with_contact_since_last",
    "feedback_yes",
)
# Measures that are counts of events, not ratios.
COUNTS = (
    "drps_formal_raised",
    "drps_informal_raised",
    "practice_acknowledgements_raised",
    "direct_contacts",
    "audits_midway",
    "audits_targeted",
    "case_closures",
)


@cache
def read(folder: str, name: str) -> str:
    """The text of ``sql/<folder>/<name>.sql``; ``name`` must be one of the shipped files."""
    path = SQL_DIR / folder / f"{name}.sql"
    if path.parent.parent != SQL_DIR or not path.is_file():
        raise KeyError(f"no SQL file {folder}/{name}.sql")
    return path.read_text(encoding="utf-8")


def stacked_view(view: str, folder: str, names: tuple[str, ...]) -> str:
    """The statement that makes ``view`` (``measure_events``, ``count_events``): every
    measure's events of ``folder`` stacked in one shape, each measure file a branch.

    A view, not a table: each branch reads an event or source table that is already
    stored (the ratio measures are a column or a flag of ``cla_review_events``,
    ``icpc_events``, ``rcpc_events`` or ``feedback``), so a query for one measure reads
    only its branch, and a load writes no second copy of ten million events."""
    return f"create view {view} as {_stacked(folder, names)}"


def _stacked(folder: str, names: tuple[str, ...]) -> str:
    parts = "\nunion all\n".join(f"({read(folder, k)})" for k in names)
    return f"""
    select m.*,
           strftime(m.event_date, '%Y-%m') as month,
           case when month(m.event_date) >= 4 then year(m.event_date)
                else year(m.event_date) - 1 end as fy_start
    from ({parts}) m
    """
