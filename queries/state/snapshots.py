"""Month-end snapshots and the commentary written for board papers.

A paper's figures must not change when a later extract backfills a record. ``sqa snapshot
--month 2021-03`` freezes, from the data serving now, everything a board pack for a
period ending that month needs: for the service and for each team, every KPI and count
for the month, its quarter to date and its financial year to date, the same periods a
year before, and every KPI month by month for that year and the one before. Packs are
built from a snapshot; the dashboard compares a snapshot with the figures now.

Snapshots and commentary live in the state database (:mod:`.database`): their own SQLite
file by default (``SQA_SNAPSHOTS_DB``), PostgreSQL when ``SQA_STATE_URL`` names one.
Nightly loads replace the DuckDB file, which must not take a paper's figures with it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import sqlalchemy as sa

from queries.access.scope import SYSTEM, Scope, require_packs
from queries.core import sqlfiles
from queries.core.errors import AccessDenied, ConfigError, QueryError
from queries.measures import kpis, qa, records
from queries.measures.kpis import Filters, MonthRatio, Ratio
from queries.measures.periods import fy_bounds, fy_label, fy_of, same_period_last_year
from queries.state import database
from queries.state.database import Location

SERVICE = "Service"
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> tuple[int, int]:
    m = MONTH.match((text or "").strip())
    if not m:
        raise ConfigError(f"'{text}' is not a month; write it as YYYY-MM, e.g. 2021-03")
    return int(m.group(1)), int(m.group(2))


def month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def quarter_of(day: dt.date) -> int:
    """The financial-year quarter: Q1 April to June ... Q4 January to March."""
    return (day.month - 4) % 12 // 3 + 1


def quarter_bounds(fy: int, quarter: int) -> tuple[dt.date, dt.date]:
    if quarter not in (1, 2, 3, 4):
        raise ConfigError(f"a quarter is 1, 2, 3 or 4, not {quarter}")
    first_month = 4 + 3 * (quarter - 1)
    year = fy + (first_month > 12)
    first_month = (first_month - 1) % 12 + 1
    start = dt.date(year, first_month, 1)
    end_month = first_month + 2
    return start, month_end(year, end_month)


def period_label(fy: int, quarter: int | None) -> str:
    return fy_label(fy) + (f" Q{quarter}" if quarter else "")


def pack_month(fy: int, quarter: int | None) -> str:
    """The snapshot month a pack for a year or quarter is built from: its last month."""
    end = quarter_bounds(fy, quarter)[1] if quarter else fy_bounds(fy)[1]
    return f"{end:%Y-%m}"


@dataclass(frozen=True)
class Window:
    """A named date range within the snapshot."""

    key: str
    date_from: dt.date
    date_to: dt.date


def windows(year: int, month: int) -> list[Window]:
    end = month_end(year, month)
    fy = fy_of(end)
    q_start = quarter_bounds(fy, quarter_of(end))[0]
    out = [
        Window("month", dt.date(year, month, 1), end),
        Window("quarter", q_start, end),
        Window("year", fy_bounds(fy)[0], end),
    ]
    out += [
        Window(f"{w.key}_last_year", *same_period_last_year(w.date_from, w.date_to)) for w in out
    ]
    return out


def compute(
    con: duckdb.DuckDBPyConnection, month: str, scope: Scope = SYSTEM, only: str | None = None
) -> dict[str, Any]:
    """Every figure a pack for a period ending in ``month`` needs, from the data now: for
    the service and every team, or for the one group ``only`` (the service or a team)."""
    year, mon = parse_month(month)
    end = month_end(year, mon)
    info = records.load_info(con)
    if end > info.extract_as_of.date():
        raise QueryError(
            f"{month} is not over in the data yet (the extract is from "
            f"{info.extract_as_of:%d %b %Y}); snapshot a month that has ended"
        )
    fy = fy_of(end)
    teams = records.teams(con, scope=scope)
    groups = {SERVICE: Filters(), **{t: Filters(team=t) for t in teams}}
    if only is not None:
        groups = {k: v for k, v in groups.items() if k == only}
    out: dict[str, Any] = {
        "month": month,
        "fy": fy,
        "load_id": info.load_id,
        "extract_as_of": info.extract_as_of.isoformat(),
        "windows": {
            w.key: [w.date_from.isoformat(), w.date_to.isoformat()] for w in windows(year, mon)
        },
        "groups": {},
        # Measures the source cannot give: the pack says so rather than print 0 of 0.
        "not_recorded": kpis.not_recorded(con),
    }
    spans = {w.key: (w.date_from, w.date_to) for w in windows(year, mon)}
    for name, filters in groups.items():
        # Each group's figures in three queries: every window's KPIs, every window's
        # counts, every KPI's months.
        ratios = kpis.kpi_windows(con, spans, filters, scope=scope)
        group: dict[str, Any] = {
            "kpis": {
                key: {k: [r.numerator, r.denominator] for k, r in ratios[key].items()}
                for key in spans
            },
            "counts": qa.count_windows(con, spans, filters, scope=scope),
            "series": {},
        }
        every = kpis.monthly_series_of(con, sqlfiles.MEASURES, fy - 1, fy, filters, scope=scope)
        for measure, series in every.items():
            group["series"][measure] = {
                label: [
                    [m.month, m.numerator, m.denominator] if m.month <= month else [m.month, 0, 0]
                    for m in months
                ]
                for label, months in series.items()
            }
        out["groups"][name] = group
    return out


def take(
    con: duckdb.DuckDBPyConnection,
    state: Location,
    month: str,
    scope: Scope = SYSTEM,
    replace: bool = False,
) -> dict[str, Any]:
    """Freeze ``month``'s figures. A month already frozen is kept unless ``replace``."""
    if not (scope.sees_everyone or scope.is_admin):
        raise AccessDenied("Only service managers and admins freeze figures.")
    figures = compute(con, month, SYSTEM)
    with database.begin(state) as sql:
        exists = sql.execute(
            sa.text("select taken_at from snapshots where month = :m"), {"m": month}
        ).fetchone()
        if exists and not replace:
            raise ConfigError(
                f"{month} was frozen on {exists[0][:10]}; a paper may rely on it. Use "
                "--replace to freeze it again from the data now"
            )
        sql.execute(
            sa.text(
                "insert into snapshots (month, taken_at, taken_by, load_id, extract_as_of, "
                "figures) values (:m, :at, :by, :load, :as_of, :figures) "
                "on conflict (month) do update set taken_at = excluded.taken_at, "
                "taken_by = excluded.taken_by, load_id = excluded.load_id, "
                "extract_as_of = excluded.extract_as_of, figures = excluded.figures"
            ),
            {
                "m": month,
                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "by": scope.user,
                "load": figures["load_id"],
                "as_of": figures["extract_as_of"],
                "figures": json.dumps(figures),
            },
        )
    return figures


@dataclass(frozen=True)
class Snapshot:
    month: str
    taken_at: str
    taken_by: str
    load_id: str
    extract_as_of: dt.datetime
    figures: dict[str, Any]

    def groups(self) -> list[str]:
        return list(self.figures["groups"])

    def ratio(self, group: str, window: str, measure: str) -> Ratio:
        n, d = self.figures["groups"][group]["kpis"][window][measure]
        return Ratio(int(n), int(d), self.figures.get("not_recorded", {}).get(measure))

    def count(self, group: str, window: str, measure: str) -> int:
        return int(self.figures["groups"][group]["counts"][window][measure])

    def series(self, group: str, measure: str) -> dict[str, list[MonthRatio]]:
        raw = self.figures["groups"][group]["series"][measure]
        return {
            label: [MonthRatio(m, int(n), int(d)) for m, n, d in months]
            for label, months in raw.items()
        }

    def window(self, key: str) -> tuple[dt.date, dt.date]:
        a, b = self.figures["windows"][key]
        return dt.date.fromisoformat(a), dt.date.fromisoformat(b)


def get(state: Location, month: str, scope: Scope = SYSTEM) -> Snapshot | None:
    require_packs(scope)
    parse_month(month)
    with database.begin(state) as sql:
        row = sql.execute(
            sa.text(
                "select month, taken_at, taken_by, load_id, extract_as_of, figures "
                "from snapshots where month = :m"
            ),
            {"m": month},
        ).fetchone()
    if row is None:
        return None
    m, taken_at, by, load_id, as_of, figures = row
    return Snapshot(m, taken_at, by, load_id, dt.datetime.fromisoformat(as_of), json.loads(figures))


def list_months(state: Location) -> list[dict[str, str]]:
    with database.begin(state) as sql:
        rows = sql.execute(
            sa.text(
                "select month, taken_at, taken_by, extract_as_of from snapshots order by month desc"
            )
        ).fetchall()
    return [{"month": m, "taken_at": t, "taken_by": b, "extract_as_of": a} for m, t, b, a in rows]


def moved(snapshot: Snapshot, now: dict[str, Any], group: str = SERVICE) -> pd.DataFrame:
    """Each KPI and count, frozen against now, for the snapshot's windows: what moved."""
    rows = []
    frozen = snapshot.figures["groups"].get(group)
    current = now["groups"].get(group)
    if frozen is None or current is None:
        return pd.DataFrame(columns=["window", "measure", "frozen", "now", "moved"])
    for window in ("month", "quarter", "year"):
        for measure, (n, d) in frozen["kpis"][window].items():
            n2, d2 = current["kpis"][window][measure]
            rows.append([window, measure, f"{n} of {d}", f"{n2} of {d2}", (n, d) != (n2, d2)])
        for measure, c in frozen["counts"][window].items():
            c2 = current["counts"][window][measure]
            rows.append([window, measure, str(c), str(c2), c != c2])
    return pd.DataFrame(rows, columns=["window", "measure", "frozen", "now", "moved"])


# --- commentary ------------------------------------------------------------------------

MAX_COMMENTARY = 2000


def commentary(state: Location, period: str) -> dict[str, dict[str, str]]:
    """The commentary for a period, per measure: body, author, updated_at."""
    with database.begin(state) as sql:
        rows = sql.execute(
            sa.text("select measure, body, author, updated_at from commentary where period = :p"),
            {"p": period},
        ).fetchall()
    return {m: {"body": b, "author": a, "updated_at": u} for m, b, a, u in rows}


def save_commentary(state: Location, scope: Scope, period: str, measure: str, body: str) -> bool:
    """The service's commentary a pack prints beside each KPI. It is one text per period
    and measure, printed in every group's pack, so only service managers write it."""
    if scope.role not in ("service_manager", "system"):
        raise AccessDenied(
            "Board-pack commentary speaks for the whole service, so only service managers "
            "write it; send yours to a service manager."
        )
    if measure not in sqlfiles.MEASURES:
        raise QueryError(f"unknown measure '{measure}'")
    text = (body or "").strip()
    if len(text) > MAX_COMMENTARY:
        raise QueryError(
            f"commentary is at most {MAX_COMMENTARY} characters; this has {len(text):,}"
        )
    with database.begin(state) as sql:
        key = {"p": period, "m": measure}
        before = sql.execute(
            sa.text("select body from commentary where period = :p and measure = :m"), key
        ).fetchone()
        if (before[0] if before else "") == text:
            return False  # unchanged: nothing written, nothing to audit
        if not text:
            sql.execute(sa.text("delete from commentary where period = :p and measure = :m"), key)
            return True
        sql.execute(
            sa.text(
                "insert into commentary (period, measure, body, author, updated_at) "
                "values (:p, :m, :body, :author, :at) on conflict (period, measure) do "
                "update set body = excluded.body, author = excluded.author, "
                "updated_at = excluded.updated_at"
            ),
            {
                **key,
                "body": text,
                "author": scope.user,
                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
        )
    return True
