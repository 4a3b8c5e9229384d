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

SQL_DIR = Path(__file__).resolve().parent / "sql"

# Built at load time, in this order (later ones may read earlier ones).
EVENT_TABLES = ("cla_review_events", "icpc_events", "rcpc_events")

# The KPIs of the extract contract, in the order the annual report lists them.
KPIS = (
    "cla_reviews_on_time",
    "icpc_within_15_working_days",
    "rcpc_on_time",
    "cla_participation",
    "cla_attendance",
)


@cache
def read(folder: str, name: str) -> str:
    """The text of ``sql/<folder>/<name>.sql``; ``name`` must be one of the shipped files."""
    path = SQL_DIR / folder / f"{name}.sql"
    if path.parent.parent != SQL_DIR or not path.is_file():
        raise KeyError(f"no SQL file {folder}/{name}.sql")
    return path.read_text(encoding="utf-8")


def measure_events_sql() -> str:
    """One query stacking every KPI's events in the shape of ``measure_events``.

    Each measure file selects ``measure, event_id, child_id, event_date, team, staff_id,
    in_numerator, in_denominator``; month and financial year are derived here once.
    """
    parts = "\nunion all\n".join(f"({read('measures', k)})" for k in KPIS)
    return f"""
    select m.*,
           strftime(m.event_date, '%Y-%m') as month,
           case when month(m.event_date) >= 4 then year(m.event_date)
                else year(m.event_date) - 1 end as fy_start
    from ({parts}) m
    order by m.measure, m.event_date
    """
