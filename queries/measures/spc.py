"""Statistical process control: NHS England's "Making Data Count" XmR charts, and the
p-prime (Laney) chart for proportions with very different denominators.

The XmR rules follow NHSRplotthedots' defaults (``ptd_spc``), computed per baseline group
(a recalculation starts a new group):

- **Centre and limits.** The mean of the group's baseline points (all of them, or the first
  ``fix_after`` when the limits are fixed); moving ranges ``|y_i - y_{i-1}|`` between
  consecutive baseline points; moving ranges of 3.267 x their mean or more screened out
  once and the mean moving range recomputed; process limits mean +/- 2.66 x mean moving
  range (not truncated to 0-100%); "near" lines at mean +/- (2/3)(2.66) x mean moving range.
- **Rules.** ``outside_limits``: a point strictly beyond a process limit. ``shift``: 7 or
  more points in a row on one side of the mean (a point on the mean breaks it); every point
  of the run is flagged. ``trend``: 7 points in a row each strictly above (or below) the one
  before (6 steps; an equal value breaks it); every point of the run is flagged, in either
  direction. ``two_of_three``: two of three consecutive points beyond a near line but within
  the limits, all three on the same side of the mean; only those close points are flagged.
- **Special cause** of a flagged point, by precedence outside > trend > two of three >
  shift: the direction of the rule that applies first (the point's side of the mean; a
  trend's direction) against the measure's improvement direction gives "improvement" or
  "concern", or "neutral_high" / "neutral_low" for a neutral measure.
- **Variation** icon from the last point; **assurance** from the latest limits and the
  target (increase: target below the lower limit = consistently passes, above the upper =
  consistently fails, otherwise hit and miss; reversed for decrease; none without a target
  or for a neutral measure).
- **Gaps.** A month with no events has no value: it is left out of every calculation (the
  moving range spans the months either side of it) and shown as a gap, never as 0.
- **Provisional.** A baseline group of fewer than 13 points: the limits are provisional.

The p-prime chart follows qicharts2 (``chart = "pp"``): centre p-bar = sum of numerators /
sum of denominators; each point's z_i = (p_i - p-bar) / s_i with s_i = sqrt(p-bar(1 - p-bar)
/ n_i); sigma_z = mean moving range of the z's / 1.128; limits p-bar +/- 3 s_i sigma_z,
clipped to 0-1; a point beyond its limits is outside; shifts and trends as above (two of
three does not apply).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

LIMIT = 2.66
NEAR = 2 * LIMIT / 3
SCREEN = 3.267
RUN = 7
PROVISIONAL_BELOW = 13
D2 = 1.128  # the bias constant of a moving range of 2 (qicharts2's sigma from MR-bar)
IMPROVEMENTS = ("increase", "decrease", "neutral")
PRECEDENCE = ("outside_limits", "trend", "two_of_three", "shift")


@dataclass(frozen=True)
class Point:
    """One month of an SPC chart, as ``sqa spc`` prints it."""

    month: str
    numerator: int | None
    denominator: int | None
    value: float | None
    mean: float | None = None
    lower_limit: float | None = None
    upper_limit: float | None = None
    near_lower: float | None = None
    near_upper: float | None = None
    group: int = 0
    rules: tuple[str, ...] = ()
    special_cause: str | None = None
    provisional: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": self.value,
            "mean": self.mean,
            "lower_limit": self.lower_limit,
            "upper_limit": self.upper_limit,
            "rules": list(self.rules),
            "special_cause": self.special_cause,
        }


@dataclass(frozen=True)
class Chart:
    """A whole chart: the points, the icons, and what the limits rest on."""

    chart: str
    improvement: str
    target: float | None
    points: tuple[Point, ...]
    variation: str | None
    assurance: str | None
    provisional: bool
    breaks: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "chart": self.chart,
            "improvement": self.improvement,
            "target": self.target,
            "points": [p.as_dict() for p in self.points],
            "variation": self.variation,
            "assurance": self.assurance,
            "provisional": self.provisional,
            "recalculated": [{"from": m, "reason": r} for m, r in self.breaks],
        }


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def limits(values: Sequence[float], fix_after: int | None = None) -> tuple[float, float]:
    """(mean, mean moving range) of a baseline, with one pass of moving-range screening."""
    base = list(values[:fix_after] if fix_after else values)
    centre = _mean(base)
    if centre is None:
        raise ValueError("no values")
    ranges = [abs(b - a) for a, b in zip(base, base[1:], strict=False)]
    first = _mean(ranges) or 0.0
    kept = [r for r in ranges if r < SCREEN * first]  # screened once, then recomputed
    return centre, _mean(kept) or 0.0


def _shift_flags(side: Sequence[int]) -> list[bool]:
    flags = [False] * len(side)
    start = 0
    for i in range(1, len(side) + 1):
        if i == len(side) or side[i] != side[start] or side[i] == 0:
            if side[start] != 0 and i - start >= RUN:
                for j in range(start, i):
                    flags[j] = True
            start = i
    return flags


def _trend_flags(values: Sequence[float]) -> list[int]:
    """+1 / -1 for points in a run of 7 strictly rising / falling points, else 0."""
    out = [0] * len(values)
    for direction in (1, -1):
        start = 0
        for i in range(1, len(values) + 1):
            rising = i < len(values) and (values[i] - values[i - 1]) * direction > 0
            if not rising:
                if i - start >= RUN:
                    for j in range(start, i):
                        out[j] = out[j] or direction
                start = i
    return out


def _two_of_three(close: Sequence[bool], side: Sequence[int]) -> list[bool]:
    n = len(close)
    flags = [False] * n
    for i in range(n - 2):
        window = range(i, i + 3)
        if sum(close[j] for j in window) >= 2 and abs(sum(side[j] for j in window)) == 3:
            for j in window:
                if close[j]:
                    flags[j] = True
    return flags


def _cause(direction: int, improvement: str) -> str:
    if improvement == "neutral":
        return "neutral_high" if direction > 0 else "neutral_low"
    better = 1 if improvement == "increase" else -1
    return "improvement" if direction == better else "concern"


def assurance(
    improvement: str, target: float | None, lower: float | None, upper: float | None
) -> str | None:
    """Will the process meet the target? From the latest limits (None: no target, or a
    neutral measure)."""
    if target is None or improvement == "neutral" or lower is None or upper is None:
        return None
    if improvement == "increase":
        if target < lower:
            return "consistent_pass"
        if target > upper:
            return "consistent_fail"
    else:
        if target > upper:
            return "consistent_pass"
        if target < lower:
            return "consistent_fail"
    return "inconsistent"


def xmr(
    months: Sequence[str],
    values: Sequence[float | None],
    improvement: str = "increase",
    target: float | None = None,
    fix_after: int | None = None,
    recalculate: Sequence[tuple[str, str]] = (),
    numerators: Sequence[int | None] | None = None,
    denominators: Sequence[int | None] | None = None,
) -> Chart:
    """An XmR chart of ``values`` (None = a gap) by month, in order.

    ``fix_after``: the limits rest on the first N points of each group (N >= 12).
    ``recalculate``: (month, reason) pairs; each starts a new baseline group there.
    """
    if improvement not in IMPROVEMENTS:
        raise ValueError(f"improvement must be one of {IMPROVEMENTS}, not {improvement!r}")
    if fix_after is not None and fix_after < 12:
        raise ValueError("limits can be fixed after 12 points or more")
    nums = list(numerators or [None] * len(months))
    dens = list(denominators or [None] * len(months))
    breaks = sorted((m, r) for m, r in recalculate if months and months[0] < m <= months[-1])
    starts = [m for m, _ in breaks]
    group_of = [sum(1 for s in starts if s <= m) for m in months]
    points: list[Point] = []
    any_provisional = False
    for g in sorted(set(group_of)):
        idx = [i for i, gg in enumerate(group_of) if gg == g]
        live = [i for i in idx if values[i] is not None]
        ys = [float(values[i]) for i in live]  # type: ignore[arg-type]
        if not ys:
            points += [Point(months[i], nums[i], dens[i], None, group=g) for i in idx]
            continue
        centre, amr = limits(ys, fix_after)
        lpl, upl = centre - LIMIT * amr, centre + LIMIT * amr
        nlpl, nupl = centre - NEAR * amr, centre + NEAR * amr
        provisional = len(ys[:fix_after] if fix_after else ys) < PROVISIONAL_BELOW
        any_provisional = any_provisional or provisional
        side = [(y > centre) - (y < centre) for y in ys]
        outside = [y > upl or y < lpl for y in ys]
        close = [not o and (y < nlpl or y > nupl) for y, o in zip(ys, outside, strict=True)]
        shift = _shift_flags(side)
        trend = _trend_flags(ys)
        two = _two_of_three(close, side)
        by_index: dict[int, Point] = {}
        for k, i in enumerate(live):
            rules = tuple(
                r
                for r, hit in (
                    ("outside_limits", outside[k]),
                    ("shift", shift[k]),
                    ("trend", trend[k] != 0),
                    ("two_of_three", two[k]),
                )
                if hit
            )
            cause = None
            if rules:
                first = next(r for r in PRECEDENCE if r in rules)
                direction = trend[k] if first == "trend" else side[k]
                cause = _cause(direction or 1, improvement)
            by_index[i] = Point(
                months[i], nums[i], dens[i], ys[k], centre, lpl, upl, nlpl, nupl, g,
                tuple(sorted(rules, key=PRECEDENCE.index)), cause, provisional,
            )  # fmt: skip
        for i in idx:
            points.append(
                by_index.get(i)
                or Point(
                    months[i],
                    nums[i],
                    dens[i],
                    None,
                    centre,
                    lpl,
                    upl,
                    nlpl,
                    nupl,
                    g,
                    provisional=provisional,
                )  # fmt: skip
            )
    return _finish("xmr", improvement, target, points, any_provisional, breaks)


def _finish(
    chart: str,
    improvement: str,
    target: float | None,
    points: list[Point],
    provisional: bool,
    breaks: Sequence[tuple[str, str]],
) -> Chart:
    last = next((p for p in reversed(points) if p.value is not None), None)
    variation = None
    if last is not None:
        variation = (
            "common_cause" if last.special_cause is None else f"special_cause_{last.special_cause}"
        )
    latest = points[-1] if points else None
    return Chart(
        chart,
        improvement,
        target,
        tuple(points),
        variation,
        assurance(
            improvement,
            target,
            latest.lower_limit if latest else None,
            latest.upper_limit if latest else None,
        ),
        provisional,
        tuple(breaks),
    )


def pprime(
    months: Sequence[str],
    numerators: Sequence[int],
    denominators: Sequence[int],
    improvement: str = "increase",
    target: float | None = None,
) -> Chart:
    """The p-prime (Laney) chart of monthly proportions (months with no events are gaps)."""
    live = [i for i, d in enumerate(denominators) if d]
    total_n = sum(numerators[i] for i in live)
    total_d = sum(denominators[i] for i in live)
    points: list[Point] = []
    if not total_d:
        pts = [
            Point(m, n, d, None) for m, n, d in zip(months, numerators, denominators, strict=True)
        ]
        return _finish("pprime", improvement, target, pts, True, ())
    pbar = total_n / total_d
    spread = math.sqrt(pbar * (1 - pbar)) if 0 < pbar < 1 else 0.0
    zs = [
        (numerators[i] / denominators[i] - pbar) / (spread / math.sqrt(denominators[i]))
        if spread
        else 0.0
        for i in live
    ]
    ranges = [abs(b - a) for a, b in zip(zs, zs[1:], strict=False)]
    sigma_z = (_mean(ranges) or 0.0) / D2
    ys = [numerators[i] / denominators[i] for i in live]
    side = [(y > pbar) - (y < pbar) for y in ys]
    shift = _shift_flags(side)
    trend = _trend_flags(ys)
    by_index: dict[int, Point] = {}
    for k, i in enumerate(live):
        s_i = spread / math.sqrt(denominators[i]) if spread else 0.0
        lo = max(0.0, pbar - 3 * s_i * sigma_z)
        hi = min(1.0, pbar + 3 * s_i * sigma_z)
        out = ys[k] > hi or ys[k] < lo
        rules = tuple(
            r for r, hit in (("outside_limits", out), ("shift", shift[k]), ("trend", trend[k] != 0))
            if hit
        )  # fmt: skip
        cause = None
        if rules:
            first = next(r for r in PRECEDENCE if r in rules)
            cause = _cause((trend[k] if first == "trend" else side[k]) or 1, improvement)
        by_index[i] = Point(
            months[i], numerators[i], denominators[i], ys[k], pbar, lo, hi, group=0,
            rules=tuple(sorted(rules, key=PRECEDENCE.index)), special_cause=cause,
            provisional=len(live) < PROVISIONAL_BELOW,
        )  # fmt: skip
    for i, m in enumerate(months):
        points.append(by_index.get(i) or Point(m, numerators[i], denominators[i], None, pbar))
    return _finish("pprime", improvement, target, points, len(live) < PROVISIONAL_BELOW, ())


def month_list(first: dt.date, last: dt.date) -> list[str]:
    """Every month from ``first`` to ``last`` as YYYY-MM."""
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


# The icons in words (Making Data Count's own phrasing), for every screen, pack and export.
VARIATION_WORDS = {
    "common_cause": "Common cause: no significant change",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral_high": "Special cause: higher (neither better nor worse)",
    "special_cause_neutral_low": "Special cause: lower (neither better nor worse)",
}
ASSURANCE_WORDS = {
    "consistent_pass": "Consistently passes the target",
    "consistent_fail": "Consistently fails the target",
    "inconsistent": "Hit and miss: the target lies within the limits",
}
VARIATION_SYMBOLS = {
    "common_cause": "○",
    "special_cause_improvement": "▲",
    "special_cause_concern": "▼",
    "special_cause_neutral_high": "△",
    "special_cause_neutral_low": "▽",
}
RULE_WORDS = {
    "outside_limits": "outside the limits",
    "shift": "a run of 7 or more on one side of the mean",
    "trend": "7 points rising or falling in a row",
    "two_of_three": "2 of 3 close to a limit",
}


def variation_words(variation: str | None) -> str:
    return VARIATION_WORDS.get(variation or "", "No data")


def assurance_words(assurance: str | None) -> str:
    return ASSURANCE_WORDS.get(assurance or "", "No assurance (no target, or neutral)")
