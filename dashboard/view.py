"""What a view shows, read from the URL's query string and checked against the data.

Filters live in the URL (``?fy=2020-21&cmp=2019-20&team=...&staff=...&period=...``) so a
view can be bookmarked and sent to a colleague. A value that is not recognised is not an
error page: the view falls back to the default and says what it ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from queries.core.errors import QueryError
from queries.measures.kpis import Filters
from queries.measures.periods import PRESETS, fy_label, fy_of, parse_date, parse_fy, preset_range

CUSTOM = "custom"
EVERYONE = "__all__"  # the option value of "All teams" / "Everyone" (never in the URL)


def chosen(value: str | None) -> str | None:
    """A select's value as a filter: None for 'all' (the sentinel or blank)."""
    return None if value in (None, "", EVERYONE) else value


@dataclass(frozen=True)
class View:
    fy: int
    cmp: int
    team: str | None
    staff: str | None
    period: str
    date_from: dt.date
    date_to: dt.date
    notices: tuple[str, ...] = field(default=())

    @property
    def filters(self) -> Filters:
        return Filters(self.team, self.staff)


def resolve(
    params: Mapping[str, str | None],
    as_of: dt.date,
    years: list[int],
    teams: list[str],
    staff_ids: list[str],
    default_period: str = "last_fy",
) -> View:
    """Turn query-string values into a :class:`View`, noting anything ignored."""
    notices: list[str] = []
    latest = fy_of(as_of)
    fy = latest

    def year(name: str, default: int) -> int:
        raw = (params.get(name) or "").strip()
        if not raw:
            return default
        try:
            value = parse_fy(raw)
        except QueryError:
            notices.append(
                f"'{raw}' is not a financial year (write 2020-21); showing {fy_label(default)}."
            )
            return default
        if years and value not in years:
            notices.append(f"There is no data for {raw}; showing {fy_label(default)}.")
            return default
        return value

    fy = year("fy", latest)
    cmp = year("cmp", fy - 1)
    team = (params.get("team") or "").strip() or None
    if team is not None and team not in teams:
        notices.append(f"There is no team called '{team}'; showing all teams.")
        team = None
    staff = (params.get("staff") or "").strip() or None
    if staff is not None and staff not in staff_ids:
        notices.append(
            f"'{staff}' is not an IRO or chair in your view, so no person is chosen: "
            "the figures are your role's usual view."
        )
        staff = None
    period = (params.get("period") or "").strip() or default_period
    date_from, date_to = preset_range(default_period, as_of)
    if period == CUSTOM:
        try:
            date_from = parse_date(params.get("from") or "", "From")
            date_to = parse_date(params.get("to") or "", "To")
            if date_to < date_from:
                raise QueryError(f"the period ends ({date_to}) before it starts ({date_from})")
        except QueryError as exc:
            notices.append(
                f"{str(exc)[0].upper()}{str(exc)[1:]}; showing {PRESETS[default_period].lower()}."
            )
            period = default_period
            date_from, date_to = preset_range(default_period, as_of)
    elif period in PRESETS:
        date_from, date_to = preset_range(period, as_of)
    else:
        notices.append(f"'{period}' is not a period; showing {PRESETS[default_period].lower()}.")
        period = default_period
    return View(fy, cmp, team, staff, period, date_from, date_to, tuple(notices))


def context(view: View, staff_names: Mapping[str, str]) -> str:
    """A short description of who a figure covers, for titles and file names."""
    if view.staff:
        return staff_names.get(view.staff, view.staff)
    return view.team or "All teams"
