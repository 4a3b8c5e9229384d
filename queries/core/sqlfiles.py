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
# and count_events tables stacked from them follow, then SUMMARY_TABLES, which read those.
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


def stacked_build(table: str, folder: str, names: tuple[str, ...]) -> list[str]:
    """The statements that build ``table`` (``measure_events``, ``count_events``): every
    measure's events of ``folder`` stacked in one shape, each measure file's rows in measure
    order, by date within it, so a query for one measure and period reads only its rows.

    A stored table, not a view: a view of eight branches costs about 4 ms of planning on
    every query, at every scale, which the dashboard pays many times a page; a load pays
    the copy once. Each branch is a projection of a stored event table (the ratio
    measures' flags are columns of ``cla_review_events``, ``icpc_events``, ``rcpc_events``
    and ``feedback``), so the copy is cheap to make."""
    one = """
    select m.*,
           strftime(m.event_date, '%Y-%m') as month,
           case when month(m.event_date) >= 4 then year(m.event_date)
                else year(m.event_date) - 1 end as fy_start
    from ({sql}) m
    order by m.event_date
    """
    return [f"create table {table} as select * from ({_stacked(folder, names)}) limit 0"] + [
        f"insert into {table} {one.format(sql=read(folder, k))}" for k in sorted(names)
    ]


def _stacked(folder: str, names: tuple[str, ...]) -> str:
    parts = "\nunion all\n".join(f"({read(folder, k)})" for k in names)
    return f"""
    select m.*,
           strftime(m.event_date, '%Y-%m') as month,
           case when month(m.event_date) >= 4 then year(m.event_date)
                else year(m.event_date) - 1 end as fy_start
    from ({parts}) m
    """
