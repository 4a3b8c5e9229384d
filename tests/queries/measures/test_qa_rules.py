"""The quality-assurance measures, each worked out by hand from a few rows."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from queries.access.scope import SYSTEM
from queries.measures import qa
from queries.measures.kpis import Filters, kpi_range
from tests.helpers import build, period, review, rows

D = dt.date


def drp(did: str, child: str, raised: str, level: str, **extra: str) -> dict[str, str]:
    return {
        "drp_id": did,
        "child_id": child,
        "raised_by": "I1",
        "raised_date": raised,
        "level": level,
        **extra,
    }


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    return build(
        tmp_path_factory.mktemp("qa"),
        {
            "cla_periods": [period("P1", "C1", "2020-04-02"), period("P2", "C2", "2026-09-01")],
            "cla_reviews": [
                # Minutes: 20 working days after Mon 4 May 2020 is Wed 3 Jun 2020 (8 May and
                # 25 May are holidays). A1 done 3 Jun: in time. A2 (Tue 4 Aug 2020; deadline Wed
                # 2 Sep, as Mon 31 Aug is a holiday) done Thu 3 Sep: late.
                {**review("A1", "C1", "2020-05-04"), "minutes_completed_date": "2020-06-03"},
                {**review("A2", "C1", "2020-08-04"), "minutes_completed_date": "2020-09-03"},
                # A3 (2 Feb 2021) has no minutes and its deadline passed long ago: counts as late.
                review("A3", "C1", "2021-02-02"),
                # A4 is held on 26 Oct 2026, 3 working days before the extract date (31 Oct
                # 2026): its minutes are not due yet, so it is not counted either way.
                review("A4", "C2", "2026-10-26"),
            ],
            "direct_contacts": [
                # Between A1 (4 May) and A2 (4 Aug 2020): a visit on 1 Jul. Between A2 and A3:
                # only a contact on A3's own day, which does not count.
                {
                    "contact_id": "V1",
                    "child_id": "C1",
                    "iro_id": "I1",
                    "contact_date": "2020-07-01",
                },
                {
                    "contact_id": "V2",
                    "child_id": "C1",
                    "iro_id": "I1",
                    "contact_date": "2021-02-02",
                },
            ],
            "drps": [
                drp(
                    "D1",
                    "C1",
                    "2020-05-01",
                    "INFORMAL",
                    sw_team="TC1",
                    stage="S1",
                    resolved_date="2020-05-11",
                    response_due_date="2020-05-08",
                ),
                drp(
                    "D2",
                    "C1",
                    "2020-06-15",
                    "FORMAL",
                    sw_team="TC1",
                    stage="S2",
                    resolved_date="2020-07-15",
                    response_due_date="2020-06-29",
                ),
                drp(
                    "D3",
                    "C2",
                    "2020-05-20",
                    "INFORMAL",
                    sw_team="TC2",
                    stage="S1",
                    response_due_date="2020-05-27",
                ),
                drp(
                    "D4",
                    "C2",
                    "2026-10-20",
                    "INFORMAL",
                    sw_team="TC2",
                    response_due_date="2026-11-03",
                ),
                drp("D5", "C3", "2021-01-10", "FORMAL", sw_team="TC2"),
            ],
            "feedback": [
                {
                    "response_id": "F1",
                    "respondent_group": "PARENT",
                    "response_date": "2020-06-01",
                    "question_code": "P1",
                    "answer": "YES",
                },
                {
                    "response_id": "F1",
                    "respondent_group": "PARENT",
                    "response_date": "2020-06-01",
                    "question_code": "P2",
                    "answer": "NOT_ANSWERED",
                },
                {
                    "response_id": "F2",
                    "respondent_group": "PARENT",
                    "response_date": "2020-07-01",
                    "question_code": "P1",
                    "answer": "PARTLY",
                },
                {
                    "response_id": "F3",
                    "respondent_group": "CARER",
                    "response_date": "2020-07-01",
                    "question_code": "K1",
                    "answer": "NO",
                    "iro_id": "I2",
                },
            ],
            "iro_allocations": [
                {
                    "allocation_id": "L1",
                    "child_id": "C1",
                    "iro_id": "I1",
                    "start_date": "2020-04-02",
                    "end_date": "2020-09-15",
                },
                {
                    "allocation_id": "L2",
                    "child_id": "C1",
                    "iro_id": "I2",
                    "start_date": "2020-09-16",
                },
                {
                    "allocation_id": "L3",
                    "child_id": "C2",
                    "iro_id": "I1",
                    "start_date": "2020-05-01",
                    "end_date": "2020-05-31",
                },
            ],
            "audits": [
                {
                    "audit_id": "U1",
                    "child_id": "C1",
                    "auditor_id": "I1",
                    "audit_date": "2020-06-01",
                    "audit_type": "MIDWAY",
                    "theme": "Footprint",
                    "judgement": "GOOD",
                },
                {
                    "audit_id": "U2",
                    "child_id": "C1",
                    "auditor_id": "I1",
                    "audit_date": "2020-07-01",
                    "audit_type": "TARGETED",
                    "theme": "Minutes",
                    "judgement": "GOOD",
                },
                {
                    "audit_id": "U3",
                    "child_id": "C2",
                    "auditor_id": "I2",
                    "audit_date": "2020-07-01",
                    "audit_type": "TARGETED",
                    "theme": "Minutes",
                    "judgement": "REQUIRES_IMPROVEMENT",
                },
            ],
        },
    )


FY2020 = (D(2020, 4, 1), D(2021, 3, 31))


def test_minutes_within_20_working_days(con: duckdb.DuckDBPyConnection) -> None:
    k = kpi_range(con, *FY2020, scope=SYSTEM)["minutes_within_20_working_days"]
    assert (k.numerator, k.denominator) == (1, 3)  # A1 yes; A2 and A3 no
    later = kpi_range(con, D(2026, 10, 1), D(2026, 10, 31), scope=SYSTEM)[
        "minutes_within_20_working_days"
    ]
    assert later.denominator == 0 and later.rate is None  # A4 is not due yet


def test_contact_between_reviews(con: duckdb.DuckDBPyConnection) -> None:
    k = kpi_range(con, *FY2020, scope=SYSTEM)["reviews_with_contact_since_last"]
    # Reviews with a previous review: A2 (visit on 1 Jul, yes) and A3 (only a same-day
    # contact, no). A1 is the first of its period; A4 the first of P2.
    assert (k.numerator, k.denominator) == (1, 2)


def test_children_with_no_contact_between_reviews(con: duckdb.DuckDBPyConnection) -> None:
    gaps = qa.reviews_without_contact(con, *FY2020, scope=SYSTEM)
    # Only A3 (2 Feb 2021): since A2 (4 Aug 2020) the only contact was on A3's own day.
    assert gaps[["child_id", "days_between", "staff_id"]].values.tolist() == [["C1", 182, "I1"]]


def test_the_count_of_reviews_without_contact_is_every_one_not_the_list_drawn(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert qa.reviews_without_contact_count(con, *FY2020, scope=SYSTEM) == 1  # A3
    # A3 was chaired by I1 (North): in North's count, not South's.
    assert qa.reviews_without_contact_count(con, *FY2020, Filters(team="North"), scope=SYSTEM) == 1
    assert qa.reviews_without_contact_count(con, *FY2020, Filters(team="South"), scope=SYSTEM) == 0
    monkeypatch.setattr(qa, "MAX_ROWS", 0)  # a list that stops before its rows
    assert qa.reviews_without_contact(con, *FY2020, scope=SYSTEM).empty
    assert qa.reviews_without_contact_count(con, *FY2020, scope=SYSTEM) == 1


def test_feedback_share_yes_among_answered(con: duckdb.DuckDBPyConnection) -> None:
    k = kpi_range(con, *FY2020, scope=SYSTEM)["feedback_yes"]
    assert (k.numerator, k.denominator) == (1, 3)  # YES, PARTLY, NO; NOT_ANSWERED is out
    carers = kpi_range(con, *FY2020, Filters(team="South"), scope=SYSTEM)["feedback_yes"]
    assert (carers.numerator, carers.denominator) == (0, 1)  # F3 is about I2 (South)
    q = qa.feedback_questions(con, 2020, 2020, scope=SYSTEM).set_index(
        ["respondent_group", "question_code"]
    )
    assert q.loc[("PARENT", "P1"), ["respondents", "answered", "yes"]].tolist() == [2, 2, 1]
    assert q.loc[("PARENT", "P2"), "answered"] == 0
    assert q.loc[("PARENT", "P2"), "share_yes"] != q.loc[("PARENT", "P2"), "share_yes"]  # NaN


def test_drp_counts_by_quarter_and_level(con: duckdb.DuckDBPyConnection) -> None:
    counts = qa.count_range(con, *FY2020, scope=SYSTEM)
    assert counts["drps_informal_raised"] == 2  # D1 (May), D3 (May)
    assert counts["drps_formal_raised"] == 2  # D2 (June), D5 (January)
    series = qa.count_series(con, "drps_formal_raised", 2020, 2020, "quarter", scope=SYSTEM)[
        "2020-21"
    ]
    assert series == [("Q1", 1), ("Q2", 0), ("Q3", 0), ("Q4", 1)]
    months = dict(qa.count_series(con, "drps_informal_raised", 2020, 2020, scope=SYSTEM)["2020-21"])
    assert months["2020-05"] == 2 and months["2020-04"] == 0
    # Week 1 of 2020-21 starts on 1 April; 1 May 2020 is day 30, so week 5.
    weeks = dict(
        qa.count_series(con, "drps_informal_raised", 2020, 2020, "week", scope=SYSTEM)["2020-21"]
    )
    assert weeks["W05"] == 1 and weeks["W08"] == 1  # 20 May is day 49: week 8


def test_open_and_overdue_drps(con: duckdb.DuckDBPyConnection) -> None:
    open_ = qa.open_drps(con, scope=SYSTEM)
    # Unresolved: D3 (raised 20 May 2020, response due 27 May 2020: overdue), D4 (raised
    # 20 Oct 2026, due 3 Nov 2026: not yet), D5 (no due date: not overdue). As of 31 Oct 2026.
    assert open_[["drp_id", "age_days", "response_overdue"]].values.tolist() == [
        ["D3", 2355, True],
        ["D5", 2120, False],
        ["D4", 11, False],
    ]


def test_drp_resolution_and_escalation(con: duckdb.DuckDBPyConnection) -> None:
    res = qa.drp_resolution(con, *FY2020, scope=SYSTEM).set_index("level")
    # FORMAL: D2 took 30 days, D5 open. INFORMAL: D1 took 10 days, D3 open.
    assert res.loc["FORMAL", ["raised", "resolved", "still_open", "median_days"]].tolist() == [
        2,
        1,
        1,
        30.0,
    ]
    assert res.loc["INFORMAL", "median_days"] == 10.0
    esc = qa.drp_escalations(con, *FY2020, scope=SYSTEM)
    # D2 (formal, C1, 15 Jun) follows D1 (informal, C1, 1 May): 45 days. D5 (C3) has none.
    assert esc[["formal_drp_id", "informal_drp_id", "days_between"]].values.tolist() == [
        ["D2", "D1", 45]
    ]
    by_team = qa.drp_breakdown(con, "sw_team", *FY2020, scope=SYSTEM).set_index("category")
    assert by_team.loc["TC1", ["formal", "informal"]].tolist() == [1, 1]
    assert by_team.loc["TC2", ["formal", "informal"]].tolist() == [1, 1]


def test_audits(con: duckdb.DuckDBPyConnection) -> None:
    counts = qa.count_range(con, *FY2020, scope=SYSTEM)
    assert (counts["audits_midway"], counts["audits_targeted"]) == (1, 2)
    by_theme = qa.audit_breakdown(con, "theme", *FY2020, scope=SYSTEM).set_index("category")
    assert by_theme.loc["Minutes", ["midway", "targeted", "children"]].tolist() == [0, 2, 2]
    assert by_theme.loc["Footprint", "children"] == 1


def test_caseloads_at_month_ends_and_closures(con: duckdb.DuckDBPyConnection) -> None:
    loads = qa.caseloads(con, 2020, scope=SYSTEM)
    at = {(r.on_day.date(), r.staff_id): r.children for r in loads.itertuples()}
    # 30 Apr: C1 with I1. 31 May: C1 and C2 with I1 (L3 ends 31 May). 30 Jun: C1 only.
    # 30 Sep: C1 has moved to I2 (16 Sep).
    assert at[(D(2020, 4, 30), "I1")] == 1
    assert at[(D(2020, 5, 31), "I1")] == 2
    assert at[(D(2020, 6, 30), "I1")] == 1
    assert (D(2020, 9, 30), "I1") not in at and at[(D(2020, 9, 30), "I2")] == 1
    assert qa.count_range(con, *FY2020, scope=SYSTEM)["case_closures"] == 2  # L1 and L3 ended
    # Built once at load, for every month end since the first allocation: the view for a
    # year is a filtered read of that table, not a join over every child at request time.
    built = con.execute(
        "select count(*) from caseload_month_ends where on_day = date '2020-05-31'"
    ).fetchone()
    assert built == (1,)  # one row for I1 (C1 and C2) on 31 May 2020


def test_review_worklist(con: duckdb.DuckDBPyConnection) -> None:
    work = qa.review_worklist(con, 28, scope=SYSTEM)
    # BASE's C9 (period from 5 Jan 2015, one review on 20 Jan 2015): review 2 was due
    # 20 Apr 2015, overdue; no allocation, so the last review's IRO (I1).
    # P1 (C1) held 3 reviews, the last on 2 Feb 2021: the next is due 2 Aug 2021, long
    # overdue by 31 Oct 2026; C1 is allocated to I2 now. P2 (C2) began Tue 1 Sep 2026 and
    # held review 1 (A4) on 26 Oct: review 2 is due 26 Jan 2027, 87 days away, outside a
    # 28-day look-ahead.
    got = work[["child_id", "next_review_number", "due_date", "overdue", "staff_id"]]
    assert got.values.tolist() == [
        ["C9", 2, pd_ts("2015-04-20"), True, "I1"],
        ["C1", 4, pd_ts("2021-08-02"), True, "I2"],
    ]
    ahead = qa.review_worklist(con, 90, scope=SYSTEM)
    assert ahead["child_id"].tolist() == ["C9", "C1", "C2"]
    assert ahead.loc[2, "days_to_due"] == 87
    assert qa.review_worklist(con, 90, Filters(staff="I2"), scope=SYSTEM)["child_id"].tolist() == [
        "C1"
    ]


def test_the_worklist_counts_from_today_without_a_new_load(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # The due dates are built at load; "within N days" counts from the day asked. C2's
    # review 2 is due Tue 26 Jan 2027. From Fri 1 Jan 2027 that is 25 days away, inside a
    # 28-day look-ahead; from Wed 27 Jan 2027 it is one day overdue.
    soon = qa.review_worklist(con, 28, today=D(2027, 1, 1), scope=SYSTEM).set_index("child_id")
    assert soon.loc["C2", "days_to_due"] == 25 and not soon.loc["C2", "overdue"]
    late = qa.review_worklist(con, 0, today=D(2027, 1, 27), scope=SYSTEM).set_index("child_id")
    assert late.loc["C2", "days_to_due"] == -1 and late.loc["C2", "status"] == "Overdue"
    # On the extract's own date (31 Oct 2026) it is 87 days away, outside 28 days.
    assert "C2" not in qa.review_worklist(con, 28, scope=SYSTEM)["child_id"].tolist()


def pd_ts(text: str) -> object:
    import pandas as pd

    return pd.Timestamp(text)


def test_absent_optional_files_mean_no_data(tmp_path_factory: pytest.TempPathFactory) -> None:
    bare = build(
        tmp_path_factory.mktemp("bare"),
        {
            "cla_periods": [period("P1", "C1", "2020-04-02")],
            "cla_reviews": [review("A1", "C1", "2020-05-04"), review("A2", "C1", "2020-08-04")],
        },
    )
    k = kpi_range(bare, *FY2020, scope=SYSTEM)
    assert k["reviews_with_contact_since_last"].denominator == 0  # no contacts file: no data
    assert k["feedback_yes"].rate is None
    assert qa.count_range(bare, *FY2020, scope=SYSTEM)["direct_contacts"] == 0
    assert rows(bare, "select count(*) from count_events") == [(0,)]
