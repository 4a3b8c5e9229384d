"""The five statutory KPIs, each edge worked out by hand from the extract contract.

Every expected date and count below is reasoned in the comment beside it, not read back
from the code.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from queries.access.scope import SYSTEM
from queries.core.errors import QueryError
from queries.ingest.loader import load_extract
from queries.measures.kpis import (
    Filters,
    first_provisional,
    kpi_range,
    kpi_windows,
    monthly_series,
)
from tests.helpers import build, period, review, rows, write_extract

D = dt.date


def _events(con: duckdb.DuckDBPyConnection, child: str) -> list[tuple[object, ...]]:
    return rows(
        con,
        """
        select review_number, review_date, due_date, on_time from cla_review_events
        where child_id = $child order by review_date""",
        {"child": child},
    )


# --------------------------------------------------------------- CLA review timeliness


@pytest.fixture(scope="module")
def cla(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    tmp = tmp_path_factory.mktemp("cla")
    return build(
        tmp,
        {
            "cla_periods": [
                period("PA", "C1", "2020-04-02"),  # Easter 2020 and the May day move
                period("PB", "C2", "2020-04-24", "2020-06-30"),  # 8 May 2020 and 25 May 2020
                period("PC", "C3", "2020-12-11", "2021-03-31"),  # Christmas 2020
                period("PD", "C4", "2019-01-02"),  # month ends into a leap February
                period("PE", "C5", "2020-01-06"),  # 31 Aug 2020 + 6 months
                period("PF1", "C6", "2020-01-06", "2020-06-30"),  # two periods of care
                period("PF2", "C6", "2020-09-01"),
            ],
            "cla_reviews": [
                # C1: 20 working days after Thu 2 Apr 2020 is Mon 4 May 2020 (Good Friday and
                # Easter Monday skipped; 4 May was a working day in 2020): held that day.
                review("A1", "C1", "2020-05-04"),
                # C2: 20 working days after Fri 24 Apr 2020 is Tue 26 May (8 May and 25 May are
                # holidays): held 27 May, one day late.
                review("B1", "C2", "2020-05-27"),
                # C3: 20 working days after Fri 11 Dec 2020 is Wed 13 Jan 2021: held 13 Jan.
                review("CC1", "C3", "2021-01-13"),
                # C4: R1 due Wed 30 Jan 2019 (20 wd after 2 Jan), held 25 Jan: on time.
                #     R2 due 25 Jan + 3 months = 25 Apr 2019, held 31 Aug 2019: 128 days late.
                #     R3 due 31 Aug 2019 + 6 months = 29 Feb 2020 (leap year), held then: on time.
                #     R4 due 29 Feb 2020 + 6 months = 29 Aug 2020, held 31 Aug: late.
                review("D1", "C4", "2019-01-25"),
                review("D2", "C4", "2019-08-31"),
                review("D3", "C4", "2020-02-29"),
                review("D4", "C4", "2020-08-31"),
                # C5: R1 due Mon 3 Feb 2020 (20 wd after Mon 6 Jan), held 31 Jan: on time.
                #     R2 due 31 Jan + 3 months = 30 Apr 2020 (clamped), held 30 Apr: on time.
                #     R3 due 30 Apr + 6 months = 30 Oct 2020, held 31 Aug: on time.
                #     R4 due 31 Aug 2020 + 6 months = 28 Feb 2021, held 1 Mar 2021: late.
                review("E1", "C5", "2020-01-31"),
                review("E2", "C5", "2020-04-30"),
                review("E3", "C5", "2020-08-31"),
                review("E4", "C5", "2021-03-01"),
                # C6: period 1 has R1 (20 Jan) and R2 (15 Apr). Period 2 starts 1 Sep 2020 and
                #     restarts the cycle: its R1 is due 20 wd after Tue 1 Sep = Tue 29 Sep. Held
                #     1 Oct: late. (Carried on from period 1 it would be due 15 Oct: on time.)
                review("F1", "C6", "2020-01-20"),
                review("F2", "C6", "2020-04-15"),
                review("F3", "C6", "2020-10-01"),
            ],
        },
    )


def test_first_review_due_20_working_days_after_start_over_easter(
    cla: duckdb.DuckDBPyConnection,
) -> None:
    assert _events(cla, "C1") == [(1, D(2020, 5, 4), D(2020, 5, 4), True)]


def test_first_review_over_8_may_2020_and_spring_holiday(cla: duckdb.DuckDBPyConnection) -> None:
    assert _events(cla, "C2") == [(1, D(2020, 5, 27), D(2020, 5, 26), False)]


def test_first_review_over_christmas_2020(cla: duckdb.DuckDBPyConnection) -> None:
    assert _events(cla, "C3") == [(1, D(2021, 1, 13), D(2021, 1, 13), True)]


def test_month_ends_clamp_into_a_leap_february(cla: duckdb.DuckDBPyConnection) -> None:
    assert _events(cla, "C4") == [
        (1, D(2019, 1, 25), D(2019, 1, 30), True),
        (2, D(2019, 8, 31), D(2019, 4, 25), False),
        (3, D(2020, 2, 29), D(2020, 2, 29), True),
        (4, D(2020, 8, 31), D(2020, 8, 29), False),
    ]
    assert rows(cla, "select days_late from cla_review_events where review_id = 'D2'") == [(128,)]


def test_31_august_plus_6_months_is_28_february(cla: duckdb.DuckDBPyConnection) -> None:
    assert _events(cla, "C5") == [
        (1, D(2020, 1, 31), D(2020, 2, 3), True),
        (2, D(2020, 4, 30), D(2020, 4, 30), True),
        (3, D(2020, 8, 31), D(2020, 10, 30), True),
        (4, D(2021, 3, 1), D(2021, 2, 28), False),
    ]


def test_a_new_period_of_care_restarts_the_cycle(cla: duckdb.DuckDBPyConnection) -> None:
    assert rows(
        cla,
        """select period_id, review_number, due_date, on_time
                        from cla_review_events where child_id = 'C6' order by review_date""",
    ) == [
        ("PF1", 1, D(2020, 2, 3), True),  # 20 wd after Mon 6 Jan 2020 = Mon 3 Feb
        ("PF1", 2, D(2020, 4, 20), True),  # 20 Jan + 3 months
        ("PF2", 1, D(2020, 9, 29), False),
    ]


def test_kpi_over_financial_year_2020_21(cla: duckdb.DuckDBPyConnection) -> None:
    # Reviews held 1 Apr 2020 - 31 Mar 2021 and their on-time flags, from the tests above:
    # A1 yes, B1 no, CC1 yes, D4 no, E2 yes, E3 yes, E4 no, F2 yes, F3 no -> 5 of 9.
    k = kpi_range(cla, D(2020, 4, 1), D(2021, 3, 31), scope=SYSTEM)["cla_reviews_on_time"]
    assert (k.numerator, k.denominator) == (5, 9)
    assert k.rate == pytest.approx(5 / 9)


def test_monthly_series_puts_events_in_their_calendar_month(
    cla: duckdb.DuckDBPyConnection,
) -> None:
    series = monthly_series(cla, "cla_reviews_on_time", 2020, scope=SYSTEM)["2020-21"]
    assert [m.month for m in series][:2] == ["2020-04", "2020-05"]
    assert series[-1].month == "2021-03"
    by_month = {m.month: (m.numerator, m.denominator) for m in series}
    # April: E2 (30 Apr, on time), F2 (15 Apr, on time). May: A1 on time, B1 late.
    assert by_month["2020-04"] == (2, 2)
    assert by_month["2020-05"] == (1, 2)
    # August: D4 late, E3 on time. March 2021: E4 late. June: nothing held.
    assert by_month["2020-08"] == (1, 2)
    assert by_month["2021-03"] == (0, 1)
    assert by_month["2020-06"] == (0, 0)
    assert next(m for m in series if m.month == "2020-06").rate is None


def test_a_period_with_no_events_has_a_null_rate(cla: duckdb.DuckDBPyConnection) -> None:
    result = kpi_range(cla, D(2012, 4, 1), D(2013, 3, 31), scope=SYSTEM)
    assert all(r.denominator == 0 and r.rate is None for r in result.values())


# --------------------------------------------------------------- reviews: codes, dupes


@pytest.fixture(scope="module")
def codes(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    tmp = tmp_path_factory.mktemp("codes")
    return build(
        tmp,
        {
            "cla_periods": [period("P1", "C1", "2021-04-01")],
            "cla_reviews": [
                review("R1", "C1", "2021-04-20", "PN0"),  # under 4: outside both denominators
                review("R2", "C1", "2021-07-20", "pn1"),  # lower case is read as PN1
                review("R3", "C1", "2021-10-20", "PN5"),  # participates, does not attend
                review("R4", "C1", "2021-11-20", "PN7"),  # neither
                review("R5", "C1", "2021-12-20", ""),  # blank: timeliness only + warning
                review("R6", "C1", "2022-01-20", "PN9"),  # unknown: timeliness only + warning
                review("R7", "C1", "2022-02-20", "PN4"),  # attends, does not contribute
                review("R8", "C1", "2022-02-20", "PN1"),  # same child, same date: counted once
                review("R9", "C2", "2021-05-01"),  # C2 has no period: not an event
            ],
        },
    )


def test_participation_and_attendance_denominators(codes: duckdb.DuckDBPyConnection) -> None:
    k = kpi_range(codes, D(2021, 4, 1), D(2022, 3, 31), scope=SYSTEM)
    # Events: R1..R7 (R8 duplicates R7's child and date; R9 is outside every period).
    assert k["cla_reviews_on_time"].denominator == 7
    # PN1-PN7 reviews: R2 (PN1), R3 (PN5), R4 (PN7), R7 (PN4) -> 4.
    # Participation PN1-PN6: R2, R3, R7 -> 3 of 4. Attendance PN1-PN4: R2, R7 -> 2 of 4.
    assert (k["cla_participation"].numerator, k["cla_participation"].denominator) == (3, 4)
    assert (k["cla_attendance"].numerator, k["cla_attendance"].denominator) == (2, 4)


def test_blank_and_unknown_codes_are_warnings(codes: duckdb.DuckDBPyConnection) -> None:
    assert rows(codes, "select value, reason_code from dq_warnings order by line") == [
        (None, "blank_code"),
        ("PN9", "unknown_code"),
    ]
    assert rows(codes, "select count(*) from rejects") == [(0,)]


def test_duplicate_review_counts_once_and_is_reported(codes: duckdb.DuckDBPyConnection) -> None:
    assert rows(
        codes, "select review_id from cla_review_events where review_date = date '2022-02-20'"
    ) == [("R7",)]
    assert rows(
        codes, "select record_id from dq_issues where issue_code = 'duplicate_review_same_day'"
    ) == [("R8",)]


def test_same_day_reviews_in_overlapping_periods_count_once_in_the_later_period(
    tmp_path: Path,
) -> None:
    # C1's periods overlap: P1 from Mon 4 Jan 2021, P2 from Mon 1 Mar 2021, both open.
    # R3 (1 Feb) is in P1 only: review 1 of P1, due on the 20th working day after 4 Jan,
    # counted by hand: 5-8 Jan (4), 11-15 (9), 18-22 (14), 25-29 (19), Mon 1 Feb (20).
    # R2 and R1 (both 10 Mar) are in both: they belong to P2, which started last, and
    # count once as R1 (the lower id): review 1 of P2, due on the 20th working day after
    # 1 Mar (no bank holiday in March 2021): 2-5 (4), 8-12 (9), 15-19 (14), 22-26 (19),
    # Mon 29 Mar (20).
    con = build(
        tmp_path,
        {
            "cla_periods": [
                period("P1", "C1", "2021-01-04"),
                period("P2", "C1", "2021-03-01"),
            ],
            "cla_reviews": [
                review("R3", "C1", "2021-02-01"),
                review("R2", "C1", "2021-03-10"),
                review("R1", "C1", "2021-03-10"),
            ],
        },
    )
    assert rows(
        con,
        "select review_id, period_id, review_number, due_date, on_time from cla_review_events "
        "where child_id = 'C1' order by review_date",
    ) == [
        ("R3", "P1", 1, D(2021, 2, 1), True),
        ("R1", "P2", 1, D(2021, 3, 29), True),
    ]
    assert rows(
        con, "select record_id from dq_issues where issue_code = 'duplicate_review_same_day'"
    ) == [("R2",)]


def test_review_outside_any_period_is_a_data_quality_issue(
    codes: duckdb.DuckDBPyConnection,
) -> None:
    assert rows(
        codes, "select record_id from dq_issues where issue_code = 'review_outside_period'"
    ) == [("R9",)]


# --------------------------------------------------------------- child protection


def conf(
    cid: str, child: str, date: str, kind: str, enquiry: str = "", plan: str = "", chair: str = "H1"
) -> dict[str, str]:
    return {
        "conference_id": cid,
        "child_id": child,
        "conference_date": date,
        "conference_type": kind,
        "chair_id": chair,
        "enquiry_id": enquiry,
        "plan_id": plan,
    }


@pytest.fixture(scope="module")
def cp(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    tmp = tmp_path_factory.mktemp("cp")
    return build(
        tmp,
        {
            "staff": [
                {
                    "staff_id": "H2",
                    "staff_name": "Chair Two",
                    "role": "IRO_CP_CHAIR",
                    "team": "CP South",
                }
            ],
            "s47_enquiries": [
                # Fri 17 Dec 2021: 15 wd later is Wed 12 Jan 2022 (27, 28 Dec and 3 Jan skipped).
                {
                    "enquiry_id": "E1",
                    "child_id": "C1",
                    "s47_start_date": "2021-12-17",
                    "strategy_discussion_date": "2021-12-20",
                },
                {
                    "enquiry_id": "E2",
                    "child_id": "C2",
                    "s47_start_date": "2021-12-17",
                    "strategy_discussion_date": "2021-12-20",
                },
                # Fri 9 Sep 2022: 15 wd later is Mon 3 Oct (19 Sep skipped).
                {"enquiry_id": "E3", "child_id": "C3", "s47_start_date": "2022-09-09"},
                # Mon 24 Apr 2023: 15 wd later is Wed 17 May (1 and 8 May skipped).
                {"enquiry_id": "E4", "child_id": "C4", "s47_start_date": "2023-04-24"},
                {"enquiry_id": "E5", "child_id": "C5", "s47_start_date": "2020-11-16"},
            ],
            "cp_plans": [
                {"plan_id": "L1", "child_id": "C5", "start_date": "2020-11-30"},
                {"plan_id": "L2", "child_id": "C6", "start_date": "2020-12-01"},
                {"plan_id": "L3", "child_id": "C7", "start_date": "2020-08-31"},
            ],
            "cp_conferences": [
                conf("I1", "C1", "2022-01-12", "ICPC", "E1"),  # on the 15th working day
                # Late: the 16th working day from the s47 start. (From the strategy discussion
                # on 20 Dec it would be the 15th, on time: the clock must not start there.)
                conf("I2", "C2", "2022-01-13", "ICPC", "E2"),
                conf("I3", "C3", "2022-10-03", "ICPC", "E3", chair="H2"),  # on time
                conf("I4", "C4", "2023-05-18", "ICPC", "E4", chair="H2"),  # a day late
                conf("I5", "C8", "2022-02-01", "ICPC"),  # no enquiry: a data-quality issue
                # L1 starts at its ICPC on 30 Nov 2020: RCPC 1 due 28 Feb 2021 (clamped), held
                # 26 Feb: on time; RCPC 2 due 26 Feb + 6 months = 26 Aug 2021, held 27 Aug: late.
                conf("J0", "C5", "2020-11-30", "ICPC", "E5", plan="L1"),
                conf("J1", "C5", "2021-02-26", "RCPC", plan="L1"),
                conf("J2", "C5", "2021-08-27", "RCPC", plan="L1"),
                # L2 transferred in on 15 Jan 2021 (plan start 1 Dec 2020): RCPC 1 is due
                # 15 Apr 2021 from the transfer-in, held 14 Apr: on time. (From the plan start it
                # would be due 1 Mar 2021 and late.)
                conf("T0", "C6", "2021-01-15", "TRANSFER_IN", plan="L2"),
                conf("T1", "C6", "2021-04-14", "RCPC", plan="L2"),
                # L3 has no ICPC or transfer-in: RCPC 1 is due 31 Aug 2020 + 3 months = 30 Nov.
                conf("P1", "C7", "2020-11-30", "RCPC", plan="L3"),
                conf("X1", "C7", "2021-01-10", "RCPC"),  # no plan: a data-quality issue
            ],
        },
    )


def test_icpc_due_15_working_days_after_s47_start(cp: duckdb.DuckDBPyConnection) -> None:
    assert rows(
        cp,
        "select conference_id, due_date, on_time, working_days_taken "
        "from icpc_events where conference_id like 'I%' order by 1",
    ) == [
        ("I1", D(2022, 1, 12), True, 15),
        ("I2", D(2022, 1, 12), False, 16),
        ("I3", D(2022, 10, 3), True, 15),
        ("I4", D(2023, 5, 17), False, 16),
    ]


def test_rcpc_anchors(cp: duckdb.DuckDBPyConnection) -> None:
    assert rows(
        cp, "select conference_id, anchor_type, due_date, on_time from rcpc_events order by 1"
    ) == [
        ("J1", "ICPC", D(2021, 2, 28), True),
        ("J2", "ICPC", D(2021, 8, 26), False),
        ("P1", "PLAN_START", D(2020, 11, 30), True),
        ("T1", "TRANSFER_IN", D(2021, 4, 15), True),
    ]


def test_unlinked_conferences_are_data_quality_issues(cp: duckdb.DuckDBPyConnection) -> None:
    assert rows(cp, "select issue_code, record_id from dq_issues order by 2") == [
        ("icpc_without_enquiry", "I5"),
        ("rcpc_without_plan", "X1"),
    ]


def test_cp_kpis_filter_by_team_and_chair(cp: duckdb.DuckDBPyConnection) -> None:
    # ICPCs held 1 Dec 2021 - 31 May 2023: I1 (H1, on time), I2 (H1, late),
    # I3 (H2, on time), I4 (H2, late) -> 2 of 4; team "CP South" (H2 only) -> 1 of 2.
    span = (D(2021, 12, 1), D(2023, 5, 31))
    both = kpi_range(cp, *span, scope=SYSTEM)["icpc_within_15_working_days"]
    south = kpi_range(cp, *span, Filters(team="CP South"), scope=SYSTEM)[
        "icpc_within_15_working_days"
    ]
    h1 = kpi_range(cp, *span, Filters(staff="H1"), scope=SYSTEM)["icpc_within_15_working_days"]
    assert (both.numerator, both.denominator) == (2, 4)
    assert (south.numerator, south.denominator) == (1, 2)
    assert (h1.numerator, h1.denominator) == (1, 2)
    # RCPCs in FY 2020-21 (1 Apr 2020 - 31 Mar 2021): P1 on time, J1 on time -> 2 of 2.
    rc = kpi_range(cp, D(2020, 4, 1), D(2021, 3, 31), scope=SYSTEM)["rcpc_on_time"]
    assert (rc.numerator, rc.denominator) == (2, 2)


def test_several_windows_in_one_query_are_each_window_alone(cp: duckdb.DuckDBPyConnection) -> None:
    # The windows overlap (a span and the FY inside it) and one holds nothing: each gets
    # exactly its own events, as the worked figures above give them one at a time.
    windows = {
        "span": (D(2021, 12, 1), D(2023, 5, 31)),  # ICPCs I1-I4: 2 of 4
        "fy2020": (D(2020, 4, 1), D(2021, 3, 31)),  # RCPCs P1, J1: 2 of 2
        "empty": (D(2012, 4, 1), D(2013, 3, 31)),
    }
    got = kpi_windows(cp, windows, scope=SYSTEM)
    icpc, rcpc = "icpc_within_15_working_days", "rcpc_on_time"
    assert (got["span"][icpc].numerator, got["span"][icpc].denominator) == (2, 4)
    assert (got["fy2020"][rcpc].numerator, got["fy2020"][rcpc].denominator) == (2, 2)
    assert all(r.denominator == 0 for r in got["empty"].values())
    south = kpi_windows(cp, windows, Filters(team="CP South"), scope=SYSTEM)["span"][icpc]
    assert (south.numerator, south.denominator) == (1, 2)
    with pytest.raises(QueryError, match="ends .* before it starts"):
        kpi_windows(cp, {**windows, "bad": (D(2021, 4, 1), D(2021, 3, 31))}, scope=SYSTEM)


def test_dates_are_inclusive(tmp_path: Path) -> None:
    con = build(
        tmp_path,
        {
            "cla_periods": [period("P1", "C1", "2021-03-01")],
            "cla_reviews": [review("R1", "C1", "2021-03-31"), review("R2", "C1", "2021-04-01")],
        },
    )
    # R1 falls on the last day of 2020-21, R2 on the first day of 2021-22.
    assert (
        kpi_range(con, D(2021, 3, 31), D(2021, 3, 31), scope=SYSTEM)[
            "cla_reviews_on_time"
        ].denominator
        == 1
    )
    assert (
        kpi_range(con, D(2021, 4, 1), D(2021, 4, 1), scope=SYSTEM)[
            "cla_reviews_on_time"
        ].denominator
        == 1
    )
    assert (
        kpi_range(con, D(2021, 3, 31), D(2021, 4, 1), scope=SYSTEM)[
            "cla_reviews_on_time"
        ].denominator
        == 2
    )


# ------------------------------------------------------------ provisional months


@pytest.fixture(scope="module")
def mid_august(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """An extract taken on Thu 20 Aug 2020, part way through August."""
    tmp = tmp_path_factory.mktemp("provisional")
    folder = write_extract(
        tmp / "extract",
        {
            "cla_periods": [period("PP", "C1", "2020-01-06")],
            "cla_reviews": [
                review("P1", "C1", "2020-06-15"),
                review("P2", "C1", "2020-07-15"),
                review("P3", "C1", "2020-08-10"),
            ],
        },
    )
    load_extract(folder, tmp / "sqa.duckdb", as_of=dt.datetime(2020, 8, 20, 9, 0, tzinfo=dt.UTC))
    return duckdb.connect(str(tmp / "sqa.duckdb"), read_only=True)


def test_a_month_not_ended_is_provisional(mid_august: duckdb.DuckDBPyConnection) -> None:
    # The extract is from 20 Aug 2020: August has not ended, so August and every month
    # after it are provisional; July ended before the extract and is final.
    assert first_provisional(mid_august, "cla_reviews_on_time") == "2020-08"
    series = monthly_series(mid_august, "cla_reviews_on_time", 2020, scope=SYSTEM)["2020-21"]
    flags = {m.month: m.provisional for m in series}
    assert flags["2020-07"] is False and flags["2020-08"] is True and flags["2021-03"] is True
    assert [m.as_dict()["provisional"] for m in series[3:5]] == [False, True]


def test_minutes_stay_provisional_until_the_last_minutes_fall_due(
    mid_august: duckdb.DuckDBPyConnection,
) -> None:
    # A July review held on Fri 31 Jul 2020 has minutes due on the 20th working day after:
    # 3-7, 10-14, 17-21, 24-28 Aug -> Fri 28 Aug 2020, after the extract (20 Aug), so July's
    # minutes figure can still change. June's last day, Tue 30 Jun, gives 1-3, 6-10, 13-17,
    # 20-24, 27-28 Jul -> Tue 28 Jul 2020, before the extract: June is final.
    assert first_provisional(mid_august, "minutes_within_20_working_days") == "2020-07"
