"""Property-based: random small extracts, some rows corrupted, hold the loader's promises."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queries.access.scope import SYSTEM
from queries.core.errors import ExtractError
from queries.ingest.contract import TABLES_BY_NAME
from queries.measures.kpis import kpi_range
from tests.helpers import BASE, load

DAY = st.dates(dt.date(2015, 1, 1), dt.date(2024, 12, 31))
# How a date is written: the contract's two forms, and two it rejects.
DATE_FORMS = st.sampled_from(["iso", "uk", "us", "junk"])
CODES = st.sampled_from(["PN0", "PN1", "pn4", "PN6", "PN7", "", "PN9"])


def write(day: dt.date, form: str) -> str:
    return {
        "iso": day.isoformat(),
        "uk": day.strftime("%d/%m/%Y"),
        "us": day.strftime("%m/%d/%Y"),
        "junk": "soon",
    }[form]


review_row = st.tuples(
    st.integers(1, 9), DAY, DATE_FORMS, CODES, st.sampled_from(["I1", "I2", "X9"])
)
period_row = st.tuples(st.integers(1, 9), DAY, st.one_of(st.none(), st.integers(0, 2000)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    periods=st.lists(period_row, min_size=1, max_size=8),
    reviews=st.lists(review_row, min_size=1, max_size=25),
)
def test_random_extracts_keep_every_promise(periods, reviews) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "x"
        folder.mkdir()
        tables = {k: list(v) for k, v in BASE.items()}
        tables["cla_periods"] = [
            {
                "period_id": f"P{i}",
                "child_id": f"C{c}",
                "start_date": start.isoformat(),
                "end_date": "" if days is None else (start + dt.timedelta(days=days)).isoformat(),
            }
            for i, (c, start, days) in enumerate(periods)
        ]
        tables["cla_reviews"] = [
            {
                "review_id": f"R{i}",
                "child_id": f"C{c}",
                "review_date": write(day, form),
                "iro_id": iro,
                "participation_code": code,
            }
            for i, (c, day, form, code, iro) in enumerate(reviews)
        ]
        for name, rows in tables.items():
            cols = [c.name for c in TABLES_BY_NAME[name].columns]
            with (folder / f"{name}.csv").open("w", newline="") as fh:
                w = csv.DictWriter(fh, cols)
                w.writeheader()
                w.writerows(rows)
        db = Path(tmp) / "sqa.duckdb"
        try:
            report = load(folder, db)
        except ExtractError as exc:
            # Allowed only when the review_date column has no readable value at all: every
            # date junk, or US order with a day over 12 (a US date with day <= 12 reads as a
            # UK one, which is why the contract forbids US order).
            readable = [
                f for _, d, f, _, _ in reviews if f in ("iso", "uk") or (f == "us" and d.day <= 12)
            ]
            assert not readable
            assert "column 'review_date' has no usable dates" in str(exc)
            return
        con = duckdb.connect(str(db), read_only=True)
        for name, rows in tables.items():
            kept = report.rows[name]
            set_aside = con.execute(
                "select count(distinct line) from rejects where file = $f", {"f": f"{name}.csv"}
            ).fetchall()[0][0]
            assert kept + set_aside == len(rows), name  # every row is accounted for
        # A review kept with an ISO or UK date reads back as the day that was meant.
        kept_dates = dict(con.execute("select review_id, review_date from cla_reviews").fetchall())
        for i, (_c, day, form, _code, _iro) in enumerate(reviews):
            if f"R{i}" in kept_dates and form in ("iso", "uk"):
                assert kept_dates[f"R{i}"] == day
            if form == "junk":
                assert f"R{i}" not in kept_dates
        for ratio in kpi_range(
            con, dt.date(2015, 1, 1), dt.date(2026, 10, 31), scope=SYSTEM
        ).values():
            assert 0 <= ratio.numerator <= ratio.denominator
            assert ratio.rate is None or 0 <= ratio.rate <= 1
        con.close()
