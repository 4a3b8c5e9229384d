"""Making Data Count XmR and p-prime charts, each rule and icon worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from queries.measures import spc

M = [f"2020-{m:02d}" for m in range(1, 13)] + [f"2021-{m:02d}" for m in range(1, 13)]


def chart(values: list[float | None], **kw: object) -> spc.Chart:
    return spc.xmr(M[: len(values)], values, **kw)  # type: ignore[arg-type]


def test_centre_limits_and_near_lines() -> None:
    # 1, 3, 1, 3 ... (12 points): mean 2, every moving range 2, so limits 2 +/- 2.66 x 2 =
    # -3.32 and 7.32 (not cut at 0), near lines 2 +/- (2/3)(2.66)(2) = 2 +/- 3.5467.
    c = chart([1, 3] * 6)
    p = c.points[0]
    assert (p.mean, p.lower_limit, p.upper_limit) == pytest.approx((2, -3.32, 7.32))
    assert (p.near_lower, p.near_upper) == pytest.approx((2 - 3.546667, 2 + 3.546667), abs=1e-5)
    assert all(q.rules == () for q in c.points)
    assert c.variation == "common_cause"
    assert c.provisional  # 12 points: fewer than 13


def test_a_point_outside_and_the_screened_moving_range() -> None:
    # 1, 3 x 6 then 20: mean 44/13 = 3.3846. Moving ranges: eleven of 2 and one of 17,
    # mean 39/12 = 3.25; 17 >= 3.267 x 3.25 = 10.62 is screened out, so the mean moving range
    # is 2 again and the upper limit 3.3846 + 5.32 = 8.7046: 20 is outside.
    c = chart([1, 3] * 6 + [20])
    last = c.points[-1]
    assert last.mean == pytest.approx(44 / 13)
    assert last.upper_limit == pytest.approx(44 / 13 + 5.32)
    assert last.rules == ("outside_limits",)
    assert last.special_cause == "improvement"  # higher is better
    assert c.variation == "special_cause_improvement"
    assert not c.provisional
    # Without the screening the limit would be 3.3846 + 2.66 x 3.25 = 12.03: still outside,
    # but the limit itself shows the screen was applied.
    assert last.upper_limit < 12


def test_a_shift_flags_every_point_of_the_run_and_a_point_on_the_mean_breaks_it() -> None:
    # 3,4,3,4,3,4,3 then 1,2,1,2,1,2,1: mean 34/14 = 2.43. The first seven are all above it,
    # the last seven all below: two shifts. Mean moving range 14/13 = 1.077, limits
    # -0.44 .. 5.29, near lines 0.52 .. 4.34: nothing outside or close.
    c = chart([3, 4, 3, 4, 3, 4, 3, 1, 2, 1, 2, 1, 2, 1])
    assert [p.rules for p in c.points] == [("shift",)] * 14
    assert [p.special_cause for p in c.points] == ["improvement"] * 7 + ["concern"] * 7
    assert c.variation == "special_cause_concern"
    # Six above, then a point exactly on the mean (mean of 3,4,3,4,3,4,x,1,... chosen so):
    # values 4,4,4,4,4,4,2,0,0,0,0,0,0: mean 26/13 = 2, the 2 is on it: six in a row only.
    d = chart([4, 4, 4, 4, 4, 4, 2, 0, 0, 0, 0, 0, 0])
    assert all("shift" not in p.rules for p in d.points[:7])
    # ... and the six zeros after it are six, not seven: no shift either.
    assert all("shift" not in p.rules for p in d.points[7:])


def test_a_trend_and_the_precedence_of_outside_over_trend() -> None:
    # 1..7 rising: mean 4, moving ranges all 1, limits 1.34 .. 6.66. Every point is in the
    # seven-point trend; 1 and 7 are also outside. 1 is below the mean: outside takes
    # precedence over the rising trend, so it is a concern; 2..6 take the trend's
    # direction (up: improvement); 7 is outside, above: improvement.
    c = chart([1, 2, 3, 4, 5, 6, 7])
    assert c.points[0].rules == ("outside_limits", "trend")
    assert c.points[0].special_cause == "concern"
    assert [p.special_cause for p in c.points[1:6]] == ["improvement"] * 5
    assert all(p.rules == ("trend",) for p in c.points[1:6])
    assert c.points[6].rules == ("outside_limits", "trend")
    # An equal value breaks a trend: 1,2,3,3,4,5,6 has six rising steps but not in a row.
    assert all("trend" not in p.rules for p in chart([1, 2, 3, 3, 4, 5, 6]).points)
    # Falling trends count too: 7..1 (a decrease-is-better measure: improvement).
    down = chart([7, 6, 5, 4, 3, 2, 1], improvement="decrease")
    assert [p.special_cause for p in down.points[1:6]] == ["improvement"] * 5


def test_two_of_three_beyond_a_near_line_flags_only_the_close_points() -> None:
    # Limits fixed on the first 12 points (9, 11 alternating): mean 10, moving range 2,
    # limits 4.68 .. 15.32, near upper 10 + (2/3)(2.66)(2) = 13.547. Then 14, 10.5, 14: two
    # of three beyond the near line (within the limits), all three above the mean.
    c = chart([9, 11] * 6 + [14, 10.5, 14], fix_after=12)
    assert c.points[12].upper_limit == pytest.approx(15.32)
    assert [p.rules for p in c.points[12:]] == [("two_of_three",), (), ("two_of_three",)]
    assert c.points[12].special_cause == "improvement"
    assert c.provisional  # the limits rest on 12 points, fewer than 13
    # Beyond the near line but one of the three below the mean: not two of three.
    d = chart([9, 11] * 6 + [14, 9.5, 14], fix_after=12)
    assert all(p.rules == () for p in d.points[12:])


def test_fixed_limits_need_twelve_points_and_recalculation_starts_a_new_group() -> None:
    with pytest.raises(ValueError, match="12 points or more"):
        chart([1, 2, 3], fix_after=6)
    # 1,3 x 4 then 11,13 x 4, recalculated from the 9th month (a new practice rule): each
    # group has its own mean (2, then 12) and no shift across the change.
    c = chart([1, 3] * 4 + [11, 13] * 4, recalculate=[(M[8], "new rule")])
    assert [p.mean for p in c.points] == [2] * 8 + [12] * 8
    assert [p.group for p in c.points] == [0] * 8 + [1] * 8
    assert all(p.rules == () for p in c.points)
    assert c.as_dict()["recalculated"] == [{"from": M[8], "reason": "new rule"}]
    # Without the recalculation the 8 + 8 points either side of the mean of 7 are shifts.
    assert all("shift" in p.rules for p in chart([1, 3] * 4 + [11, 13] * 4).points)


def test_a_month_with_no_events_is_a_gap_never_zero() -> None:
    # 1, 3, gap, 1, 3, ...: the gap is left out; the moving range spans it (3 -> 1 = 2), so
    # the figures are those of the series without it: mean 2, limits -3.32 .. 7.32.
    values: list[float | None] = [1, 3, None, 1, 3, 1, 3, 1, 3]
    c = chart(values)
    assert c.points[2].value is None and c.points[2].rules == ()
    assert c.points[2].as_dict()["value"] is None
    assert c.points[0].upper_limit == pytest.approx(7.32)
    # Fewer than 7 points: no run can be found.
    short = chart([1, 2, 3, 4, 5, 6])
    assert all(p.rules == () for p in short.points) and short.provisional


def test_variation_icons_for_a_neutral_measure() -> None:
    c = chart([1, 3] * 6 + [20], improvement="neutral")
    assert c.points[-1].special_cause == "neutral_high"
    assert c.variation == "special_cause_neutral_high"
    assert chart([10, 12] * 6 + [-10], improvement="neutral").variation == (
        "special_cause_neutral_low"
    )


@pytest.mark.parametrize(
    ("improvement", "target", "expected"),
    [
        ("increase", -5.0, "consistent_pass"),  # the lower limit (-3.32) is above it
        ("increase", 9.0, "consistent_fail"),  # above the upper limit (7.32)
        ("increase", 5.0, "inconsistent"),
        ("decrease", 9.0, "consistent_pass"),
        ("decrease", -5.0, "consistent_fail"),
        ("decrease", 5.0, "inconsistent"),
        ("neutral", 5.0, None),
        ("increase", None, None),
    ],
)
def test_assurance_icon(improvement: str, target: float | None, expected: str | None) -> None:
    assert chart([1, 3] * 6, improvement=improvement, target=target).assurance == expected


def test_the_p_prime_chart_as_qicharts2() -> None:
    # Four months: 10/100, 20/100, 30/200, 40/200: p-bar = 100/600 = 1/6. s_i =
    # sqrt(1/6 x 5/6 / n): 0.037268 (n 100), 0.026352 (n 200). z: -1.7889, 0.8944,
    # -0.6325, 1.2649; moving ranges 2.6833, 1.5269, 1.8974: mean 2.0359, sigma_z =
    # 2.0359 / 1.128 = 1.8049. Limits for n = 100: 1/6 +/- 3 x 0.037268 x 1.8049 =
    # 1/6 +/- 0.20180 -> 0 (clipped) .. 0.36846.
    c = spc.pprime(M[:4], [10, 20, 30, 40], [100, 100, 200, 200])
    p = c.points[0]
    assert p.mean == pytest.approx(1 / 6)
    assert p.lower_limit == 0.0
    assert p.upper_limit == pytest.approx(1 / 6 + 0.20180, abs=2e-4)
    assert c.chart == "pprime" and c.provisional
    gap = spc.pprime(M[:3], [1, 0, 2], [10, 0, 10])
    assert gap.points[1].value is None


def test_several_charts_in_one_query_are_each_chart_alone(tmp_path: Path) -> None:
    from queries.access.scope import SYSTEM
    from queries.measures import variation
    from queries.measures.targets import Target
    from tests.helpers import build, period, review

    # Reviews of C1 in most months of 2020-21 (none in July), PN1 and PN7 in turn: a KPI
    # chart with a gap, and a count (closures: none) beside it.
    dates = ["2020-04-20", "2020-05-18", "2020-06-15", "2020-08-17", "2020-09-14"]
    con = build(
        tmp_path,
        {
            "cla_periods": [period("P1", "C1", "2020-03-02")],
            "cla_reviews": [
                review(f"S{i}", "C1", d, "PN1" if i % 2 else "PN7") for i, d in enumerate(dates)
            ],
        },
    )
    measures = ("cla_reviews_on_time", "cla_participation", "case_closures")
    goal = {"cla_participation": Target("cla_participation", 0.9)}
    both = variation.spc_charts(
        con, measures, "2020-04", "2020-12", scope=SYSTEM, targets=goal, breaks={}
    )
    for m in measures:
        alone = variation.spc_chart(con, m, "2020-04", "2020-12", scope=SYSTEM, target=goal.get(m))
        assert both[m] == alone, m
    # July has no review: a gap in the KPI's chart, never 0.
    points = both["cla_participation"].points
    assert [p.month for p in points[:4]] == ["2020-04", "2020-05", "2020-06", "2020-07"]
    assert [p.value for p in points[:4]] == [0.0, 1.0, 0.0, None]  # PN7, PN1, PN7, none
