"""Month-end snapshots, periods, commentary and small-number rules, worked by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from queries.access.scope import SYSTEM, Scope
from queries.core import tables
from queries.core.db import cursor
from queries.core.errors import AccessDenied, ConfigError, QueryError
from queries.measures.disclosure import INTERNAL, Disclosure
from queries.state import snapshots
from queries.state.database import Location
from tests.helpers import AS_OF, build, load, period, review, write_extract

D = dt.date

# C1's period began Mon 1 Mar 2021; its first review is due 20 working days later (no
# holiday in March 2021: 2-5, 8-12, 15-19, 22-26 are 19 days, so the 20th is Mon 29 Mar).
# T1 held 29 Mar: on time. C2's began Mon 1 Feb 2021: 2-5, 8-12, 15-19, 22-26 Feb are
# 19 days, so due Mon 1 Mar; T2 held 3 Mar: late. March 2021: 1 of 2 on time.
ROWS = {
    "cla_periods": [period("P1", "C1", "2021-03-01"), period("P2", "C2", "2021-02-01")],
    "cla_reviews": [
        review("T1", "C1", "2021-03-29", "PN1", "I1"),
        review("T2", "C2", "2021-03-03", "PN1", "I2"),
    ],
}
# A backfilled record: C3 (began Mon 1 Feb 2021, due Mon 1 Mar) reviewed on 1 Mar, on time.
LATER = {
    "cla_periods": [*ROWS["cla_periods"], period("P3", "C3", "2021-02-01")],
    "cla_reviews": [*ROWS["cla_reviews"], review("T3", "C3", "2021-03-01", "PN1", "I1")],
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    build(tmp_path, ROWS)
    return tmp_path / "sqa.duckdb"


def test_periods_and_pack_months() -> None:
    assert snapshots.quarter_bounds(2020, 1) == (D(2020, 4, 1), D(2020, 6, 30))
    assert snapshots.quarter_bounds(2020, 3) == (D(2020, 10, 1), D(2020, 12, 31))
    assert snapshots.quarter_bounds(2020, 4) == (D(2021, 1, 1), D(2021, 3, 31))
    assert snapshots.pack_month(2020, None) == "2021-03"
    assert snapshots.pack_month(2020, 2) == "2020-09"
    assert snapshots.quarter_of(D(2021, 2, 28)) == 4
    assert snapshots.month_end(2020, 2) == D(2020, 2, 29)  # leap year
    with pytest.raises(ConfigError, match="not a month"):
        snapshots.parse_month("2021-13")


def test_snapshot_freezes_figures_that_later_loads_change(
    db: Path, tmp_path: Path, state: Location
) -> None:
    store = state
    con, _ = cursor(db)
    taken = snapshots.take(con, store, "2021-03", SYSTEM)
    # March 2021: T1 on time, T2 late -> 1 of 2. Q4 and the year to date: the same two.
    service = taken["groups"][snapshots.SERVICE]["kpis"]
    assert service["month"]["cla_reviews_on_time"] == [1, 2]
    assert service["quarter"]["cla_reviews_on_time"] == [1, 2]
    assert service["year"]["cla_reviews_on_time"] == [1, 2]
    assert taken["windows"]["quarter"] == ["2021-01-01", "2021-03-31"]
    assert taken["windows"]["year_last_year"] == ["2019-04-01", "2020-03-31"]
    # North (I1): T1 only -> 1 of 1.
    assert taken["groups"]["North"]["kpis"]["month"]["cla_reviews_on_time"] == [1, 1]

    load(write_extract(tmp_path / "later", LATER), db)  # T3 backfilled into March
    snap = snapshots.get(store, "2021-03")
    assert snap is not None
    assert snap.ratio(snapshots.SERVICE, "month", "cla_reviews_on_time").numerator == 1
    con, _ = cursor(db)
    now = snapshots.compute(con, "2021-03")
    assert now["groups"][snapshots.SERVICE]["kpis"]["month"]["cla_reviews_on_time"] == [2, 3]
    moved = snapshots.moved(snap, now)
    row = moved[(moved["window"] == "month") & (moved["measure"] == "cla_reviews_on_time")]
    assert row[["frozen", "now", "moved"]].values.tolist() == [["1 of 2", "2 of 3", True]]
    assert not moved[moved["measure"] == "icpc_within_15_working_days"]["moved"].any()


def test_a_frozen_month_is_kept_unless_replaced(db: Path, tmp_path: Path, state: Location) -> None:
    store = state
    con, _ = cursor(db)
    snapshots.take(con, store, "2021-03", SYSTEM)
    with pytest.raises(ConfigError, match="a paper may rely on it. Use --replace"):
        snapshots.take(con, store, "2021-03", SYSTEM)
    snapshots.take(con, store, "2021-03", SYSTEM, replace=True)
    assert [s["month"] for s in snapshots.list_months(store)] == ["2021-03"]


def test_a_month_not_over_cannot_be_frozen(db: Path, tmp_path: Path) -> None:
    con, _ = cursor(db)
    assert AS_OF.date() == D(2026, 10, 31)
    with pytest.raises(QueryError, match="2026-11 is not over in the data yet"):
        snapshots.take(con, tmp_path / "s.sqlite", "2026-11", SYSTEM)


def test_who_may_freeze_and_write_commentary(db: Path, tmp_path: Path, state: Location) -> None:
    store = state
    con: duckdb.DuckDBPyConnection = cursor(db)[0]
    iro = Scope("i", "iro", staff_id="I1")
    with pytest.raises(AccessDenied, match="Only service managers and admins"):
        snapshots.take(con, store, "2021-03", Scope("n", "team_manager", team="North"))
    with pytest.raises(AccessDenied):
        snapshots.save_commentary(store, iro, "2020-21", "cla_reviews_on_time", "hello")
    # The commentary speaks for the whole service: a team manager may not write it.
    north = Scope("n", "team_manager", team="North")
    with pytest.raises(AccessDenied, match="only service managers write it"):
        snapshots.save_commentary(store, north, "2020-21 Q4", "cla_reviews_on_time", "Ours.")
    with pytest.raises(AccessDenied, match="for managers and admins"):
        snapshots.get(store, "2021-03", iro)
    boss = Scope("m", "service_manager")
    snapshots.save_commentary(store, boss, "2020-21 Q4", "cla_reviews_on_time", " Improved. ")
    got = snapshots.commentary(store, "2020-21 Q4")
    assert got["cla_reviews_on_time"]["body"] == "Improved."
    assert snapshots.commentary(store, "2020-21") == {}  # stored with its period
    with pytest.raises(QueryError, match="at most 2000 characters"):
        snapshots.save_commentary(store, boss, "2020-21", "cla_reviews_on_time", "x" * 2001)
    # Saving the same text again writes nothing (and so is not audited again).
    assert not snapshots.save_commentary(
        store, boss, "2020-21 Q4", "cla_reviews_on_time", "Improved."
    )
    assert snapshots.save_commentary(store, boss, "2020-21 Q4", "cla_reviews_on_time", "")
    assert snapshots.commentary(store, "2020-21 Q4") == {}  # emptied box: no commentary
    if isinstance(store, Path):
        assert store.stat().st_mode & 0o777 == 0o600  # the snapshots file is private


@pytest.mark.parametrize(
    ("n", "d", "shown"),
    [
        (3, 40, "withheld"),  # 3 is a small count
        (38, 40, "withheld"),  # 40 - 38 = 2 not: small, and derivable
        (35, 40, "87.5%"),  # 35 and 5: nothing below 5
        (4, 4, "withheld"),  # the denominator itself is small
        (0, 0, "–"),  # nothing held: no rate at all
    ],
)
def test_external_rates_are_withheld_when_they_reveal_a_small_count(
    n: int, d: int, shown: str
) -> None:
    assert Disclosure(5).rate_text(n, d) == shown
    assert INTERNAL.rate_text(n, d) == ("–" if d == 0 else f"{n / d * 100:.1f}%")


def test_external_counts_below_the_threshold_are_shown_as_less_than() -> None:
    ext = Disclosure(5)
    assert [ext.count(n) for n in (0, 4, 5, 1234)] == ["<5", "<5", "5", "1,234"]
    assert Disclosure(10).count(9) == "<10"
    assert INTERNAL.count(3) == "3"


def test_excel_and_csv_never_carry_a_live_formula(tmp_path: Path) -> None:
    frame = pd.DataFrame({"Name": ['=HYPERLINK("x")', "+1", "plain"], "n": [1, -2, 3]})
    path = tmp_path / "t.xlsx"
    path.write_bytes(tables.frame_xlsx(frame, "A title", "Data as of today"))
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][0] == "A title" and values[1][0] == "Data as of today"
    assert values[3] == ["Name", "n"]
    assert values[4:] == [['\'=HYPERLINK("x")', 1], ["'+1", -2], ["plain", 3]]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert tables.frame_csv(frame).splitlines()[1] == '"\'=HYPERLINK(""x"")",1'
