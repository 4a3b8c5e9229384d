"""A figure's drill-down lists exactly its records: same period, team, person and measure,
as many rows as the denominator, the numerator's rows marked."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from queries.access.scope import SYSTEM, Scope
from queries.core.errors import AccessDenied, QueryError
from queries.core.sqlfiles import MEASURES
from queries.measures.kpis import Filters, kpi_range
from queries.measures.records import measure_records
from tests.helpers import build, period, review

D = dt.date


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    tmp = tmp_path_factory.mktemp("drill")
    return build(
        tmp,
        {
            "cla_periods": [period("PA", "C1", "2020-04-02"), period("PB", "C2", "2020-04-24")],
            "cla_reviews": [
                # C1: due Mon 4 May 2020 (20 working days after Thu 2 Apr), held that day.
                review("A1", "C1", "2020-05-04", "PN1", "I1"),
                # C2: due Tue 26 May 2020 (8 and 25 May are holidays), held 27 May: late.
                review("B1", "C2", "2020-05-27", "PN0", "I2"),
                # C1 again: due 4 May + 3 months = Tue 4 Aug 2020, held 3 Aug: on time.
                review("A2", "C1", "2020-08-03", "PN2", "I1"),
            ],
        },
    )


def test_may_lists_its_two_reviews_late_first(con: duckdb.DuckDBPyConnection) -> None:
    rows = measure_records(con, "cla_reviews_on_time", D(2020, 5, 1), D(2020, 5, 31), scope=SYSTEM)
    assert rows["child_id"].tolist() == ["C2", "C1"]  # not met first
    assert rows["met"].tolist() == [False, True]
    assert rows["due_date"].dt.date.tolist() == [D(2020, 5, 26), D(2020, 5, 4)]
    assert rows["days_late"].tolist() == [1, 0]
    assert set(rows["rows_in_figure"]) == {2} and set(rows["met_in_figure"]) == {1}


def test_the_person_and_met_filters_narrow_the_list(con: duckdb.DuckDBPyConnection) -> None:
    may_aug = (D(2020, 5, 1), D(2020, 8, 31))
    mine = measure_records(con, "cla_reviews_on_time", *may_aug, Filters(staff="I1"), scope=SYSTEM)
    assert sorted(mine["event_id"]) == ["A1", "A2"]
    late = measure_records(con, "cla_reviews_on_time", *may_aug, only_met=False, scope=SYSTEM)
    assert late["event_id"].tolist() == ["B1"]
    # Participation: PN0 (under 4) is not in the measure, so May has one review, C1's PN1.
    part = measure_records(con, "cla_participation", D(2020, 5, 1), D(2020, 5, 31), scope=SYSTEM)
    assert part["event_id"].tolist() == ["A1"] and part["detail"].tolist() == ["PN1"]


@pytest.mark.parametrize("measure", MEASURES)
def test_every_measure_lists_as_many_rows_as_its_denominator(
    con: duckdb.DuckDBPyConnection, measure: str
) -> None:
    for start, end in ((D(2015, 1, 1), D(2015, 12, 31)), (D(2020, 4, 1), D(2021, 3, 31))):
        figure = kpi_range(con, start, end, scope=SYSTEM)[measure]
        rows = measure_records(con, measure, start, end, scope=SYSTEM)
        assert len(rows) == figure.denominator
        assert int(rows["met"].sum()) == figure.numerator


def test_an_iro_gets_only_their_own_and_bad_input_is_refused(
    con: duckdb.DuckDBPyConnection,
) -> None:
    iro = Scope(user="i2", role="iro", staff_id="I2")
    rows = measure_records(con, "cla_reviews_on_time", D(2020, 4, 1), D(2021, 3, 31), scope=iro)
    assert rows["event_id"].tolist() == ["B1"]
    with pytest.raises(QueryError, match="unknown measure"):
        measure_records(con, "drop table", D(2020, 4, 1), D(2021, 3, 31), scope=SYSTEM)
    with pytest.raises(QueryError, match="before it starts"):
        measure_records(con, "cla_reviews_on_time", D(2021, 4, 1), D(2020, 3, 31), scope=SYSTEM)
    with pytest.raises(AccessDenied):
        measure_records(con, "cla_reviews_on_time", D(2020, 4, 1), D(2021, 3, 31),
                        scope=Scope(user="a", role="admin"))  # fmt: skip


def test_a_year_list_offers_only_years_with_that_measures_events(
    con: duckdb.DuckDBPyConnection,
) -> None:
    from queries.measures.records import data_years

    # The reviews above are all in 2020-21 (May and August 2020); the shared fixture's only
    # ICPC is on 20 Jan 2015, in 2014-15.
    assert data_years(con, ("icpc_within_15_working_days",)) == [2014]
    assert 2020 in data_years(con, ("cla_reviews_on_time",))
    assert 2020 not in data_years(con, ("icpc_within_15_working_days",))
    assert set(data_years(con)) >= {2014, 2020}
