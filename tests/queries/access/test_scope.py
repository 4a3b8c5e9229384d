"""The viewer's scope, applied in the data layer: each role's rows, worked out by hand.

Rows: I1 and I3 are IROs in North, I2 in South. Reviews in 2020-21: S1 (child C1, I1),
S2 (child C2, I2), S3 (child C3, I3). Feedback about I1 (North) and I2 (South), each
with a comment.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from queries.access.scope import ANONYMOUS, SYSTEM, Scope
from queries.core.errors import AccessDenied
from queries.measures import qa, records
from queries.measures.kpis import Filters, kpi_range, monthly_series
from tests.helpers import build, period, review

FY = (dt.date(2020, 4, 1), dt.date(2021, 3, 31))
MANAGER = Scope("m", "service_manager")
NORTH = Scope("n", "team_manager", team="North")
IRO1 = Scope("i", "iro", staff_id="I1")
ADMIN = Scope("a", "admin")


def answer(rid: str, iro: str, comment: str) -> dict[str, str]:
    return {
        "response_id": rid,
        "respondent_group": "CHILD",
        "response_date": "2020-06-01",
        "question_code": "Q1",
        "answer": "YES",
        "iro_id": iro,
        "comment": comment,
    }


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    return build(
        tmp_path_factory.mktemp("scope"),
        {
            "staff": [
                {"staff_id": "I3", "staff_name": "Iro Three", "role": "IRO", "team": "North"}
            ],
            "cla_periods": [
                period("P1", "C1", "2020-04-01"),
                period("P2", "C2", "2020-04-01"),
                period("P3", "C3", "2020-04-01"),
            ],
            "cla_reviews": [
                review("S1", "C1", "2020-04-20", "PN1", "I1"),
                review("S2", "C2", "2020-04-20", "PN1", "I2"),
                review("S3", "C3", "2020-04-20", "PN1", "I3"),
            ],
            "feedback": [answer("F1", "I1", "Kind and clear"), answer("F2", "I2", "Too long")],
        },
    )


def children(frame: object) -> list[str]:
    return sorted(frame["child_id"].tolist())  # type: ignore[index]


def test_each_role_gets_its_own_children(con: duckdb.DuckDBPyConnection) -> None:
    assert children(records.review_records(con, *FY, scope=MANAGER)) == ["C1", "C2", "C3"]
    assert children(records.review_records(con, *FY, scope=NORTH)) == ["C1", "C3"]
    assert children(records.review_records(con, *FY, scope=IRO1)) == ["C1"]
    with pytest.raises(AccessDenied, match="does not include child-level records"):
        records.review_records(con, *FY, scope=ADMIN)


def test_forged_filters_are_refused_not_widened(con: duckdb.DuckDBPyConnection) -> None:
    # An IRO asking for another IRO's children or figures.
    with pytest.raises(AccessDenied, match="not those of staff id 'I2'"):
        records.review_records(con, *FY, Filters(staff="I2"), scope=IRO1)
    with pytest.raises(AccessDenied, match="not those of staff id 'I2'"):
        kpi_range(con, *FY, Filters(staff="I2"), scope=IRO1)
    # A team manager asking for another team's children, or a person outside the team.
    with pytest.raises(AccessDenied, match="the North team only, not South"):
        records.review_records(con, *FY, Filters(team="South"), scope=NORTH)
    with pytest.raises(AccessDenied):
        monthly_series(con, "cla_reviews_on_time", 2020, 2020, Filters(staff="I2"), scope=NORTH)
    # An IRO filtering to another team still gets only their own (here: none).
    assert children(records.review_records(con, *FY, Filters(team="South"), scope=IRO1)) == []


def test_aggregates_of_teams_and_the_service_are_open(con: duckdb.DuckDBPyConnection) -> None:
    # The service: 3 reviews; South: 1 (S2). An IRO may see both, and their own: 1.
    for scope in (MANAGER, NORTH, IRO1, ADMIN):
        assert kpi_range(con, *FY, scope=scope)["cla_reviews_on_time"].denominator == 3
        south = kpi_range(con, *FY, Filters(team="South"), scope=scope)
        assert south["cla_reviews_on_time"].denominator == 1
    own = kpi_range(con, *FY, Filters(staff="I1"), scope=IRO1)["cla_reviews_on_time"]
    assert own.denominator == 1


def test_people_outside_scope_are_anonymised(con: duckdb.DuckDBPyConnection) -> None:
    def names(scope: Scope) -> list[str]:
        df = records.kpi_by_staff(con, "cla_reviews_on_time", *FY, scope=scope)
        return sorted(df["staff_name"].tolist())

    assert names(MANAGER) == ["Iro One", "Iro Three", "Iro Two"]
    assert names(NORTH) == [f"{ANONYMOUS} 1", "Iro One", "Iro Three"]
    assert names(IRO1) == [f"{ANONYMOUS} 1", f"{ANONYMOUS} 2", "Iro One"]
    assert names(ADMIN) == [f"{ANONYMOUS} {i}" for i in (1, 2, 3)]
    hidden = records.kpi_by_staff(con, "cla_reviews_on_time", *FY, scope=IRO1)
    assert sorted(hidden["staff_id"].tolist()) == ["", "", "I1"]  # ids blanked too
    # The staff list behind the person filter: only the people one may choose.
    assert records.staff_list(con, scope=IRO1)["staff_id"].tolist() == ["I1"]
    assert sorted(records.staff_list(con, scope=NORTH)["staff_id"]) == ["I1", "I3"]


def test_feedback_comments_are_for_managers(con: duckdb.DuckDBPyConnection) -> None:
    comments = qa.feedback_comments(con, *FY, scope=MANAGER)
    assert sorted(comments["comment"]) == ["Kind and clear", "Too long"]
    # North's manager: the comment about I1 (North) only.
    assert qa.feedback_comments(con, *FY, scope=NORTH)["comment"].tolist() == ["Kind and clear"]
    for scope in (IRO1, ADMIN):
        with pytest.raises(AccessDenied, match="managers only"):
            qa.feedback_comments(con, *FY, scope=scope)


def test_sql_in_filter_values_is_only_a_value(con: duckdb.DuckDBPyConnection) -> None:
    sneaky = Filters(team="North' OR '1'='1", staff=None)
    assert kpi_range(con, *FY, sneaky, scope=SYSTEM)["cla_reviews_on_time"].denominator == 0
    assert records.review_records(con, *FY, sneaky, scope=MANAGER).empty
    with pytest.raises(AccessDenied):
        records.review_records(con, *FY, sneaky, scope=NORTH)


def test_data_quality_rows_are_for_service_managers_and_analysts(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """The set-aside rows hold child ids and source values: the analyst who fixes source
    records and the service manager see them; an admin sees the counts, not the rows."""
    analyst = Scope("dq", "data_quality")
    for scope in (MANAGER, analyst):
        records.data_quality_rows(con, scope=scope)
    for scope in (MANAGER, analyst, ADMIN):
        records.data_quality_summary(con, scope=scope)
    for scope in (NORTH, IRO1, ADMIN):
        with pytest.raises(AccessDenied, match="service managers and data-quality analysts"):
            records.data_quality_rows(con, scope=scope)
    for scope in (NORTH, IRO1):
        with pytest.raises(AccessDenied, match="data-quality page is for"):
            records.data_quality_summary(con, scope=scope)
    # The analyst sees no other child-level records.
    assert not analyst.sees_children and not ADMIN.sees_children
