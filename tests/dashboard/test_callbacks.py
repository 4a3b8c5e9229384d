"""Callbacks called directly as plain functions, against the app's real database.

The database (tests/dashboard/conftest.py) holds three reviews in 2020-21:
R1 on time (I1, North, PN1), R2 late (I2, South, PN7), R3 on time (I3, North, PN5).
"""

from __future__ import annotations

from pathlib import Path

import dash
import pandas as pd
import pytest
from dash import html
from dash.exceptions import PreventUpdate

from dashboard import components, exports, pagekit
from queries.ingest.loader import load_extract
from queries.ingest.store import point_at
from queries.measures.kpis import Filters
from tests.dashboard.walk import texts
from tests.helpers import period, review


def test_overview_kpi_table_for_the_year(app: dash.Dash) -> None:
    from dashboard.pages import overview

    table, caption = overview.update_kpi_table("2020-04-01", "2021-03-31", "", "")
    cells = texts(table)
    row = cells[cells.index("CLA reviews on time") :][:8]
    # 2 of 3 on time = 66.7%; below the 95% target, so the word says so.
    assert row[:5] == ["CLA reviews on time", "2", "3", "66.7%", "▼ Below target"]
    # Then the SPC icons, in words (the rules are tested in tests/queries/measures), and
    # the target.
    assert row[5].split(" ", 1)[1].startswith(("Common cause", "Special cause", "No data"))
    assert row[6].startswith(("Consistently", "Hit and miss", "No assurance"))
    assert row[7] == "95%"
    assert "1 Apr 2020 to 31 Mar 2021 · All teams" in caption
    # Participation: PN1, PN7, PN5 -> PN1-PN6 are R1 and R3: 2 of 3. Attendance: R1: 1 of 3.
    part = cells[cells.index("Children participating in their review") :][:4]
    att = cells[cells.index("Children attending their review") :][:4]
    assert part[1:4] == ["2", "3", "66.7%"] and att[1:4] == ["1", "3", "33.3%"]


def test_overview_filters_by_team_and_person(app: dash.Dash) -> None:
    from dashboard.pages import overview

    north = texts(overview.update_kpi_table("2020-04-01", "2021-03-31", "North", "")[0])
    i2 = texts(overview.update_kpi_table("2020-04-01", "2021-03-31", "", "I2")[0])
    assert north[north.index("CLA reviews on time") :][1:4] == ["2", "2", "100.0%"]
    assert i2[i2.index("CLA reviews on time") :][1:4] == ["0", "1", "0.0%"]


def test_overview_asks_for_dates_instead_of_failing(app: dash.Dash) -> None:
    from dashboard.pages import overview

    out, _ = overview.update_kpi_table("2021-03-31", "2020-04-01", "", "")
    assert "The end date is before the start date." in texts(out)
    out, _ = overview.update_kpi_table(None, "2020-04-01", "", "")
    assert "Choose a start and an end date." in texts(out)


def test_cla_chart_month_table_and_records(app: dash.Dash) -> None:
    from dashboard.pages import cla_reviews

    # What the page's chart callback runs (pagekit.register_yoy registers it).
    fig, config = pagekit.yoy_chart(
        "cla_reviews_on_time",
        "CLA reviews held on time",
        "% of reviews held on time",
        "2020-21",
        "2019-20",
        "",
        "",
    )
    selected = next(t for t in fig.data if t.name == "2020/21")
    # May: R1 on time, R2 late -> 50%. August: R3 on time -> 100%. April: none.
    assert list(selected.y)[:5] == [None, 50.0, None, None, 100.0]
    assert (
        config["toImageButtonOptions"]["filename"]
        == "cla_reviews_on_time_2020-21_vs_2019-20_All_teams_data_2026-10-31"  # the extract's
    )
    table = texts(
        pagekit.yoy_month_table(
            "cla_reviews_on_time", "Reviews held on time", "2020-21", "2019-20", "", ""
        )
    )
    assert table[table.index("2020/21") :][:6] == ["2020/21", "–", "50%", "–", "–", "100%"]
    records = cla_reviews._records("2020-21", "", "", [])
    table, status, no_prev, no_next, page = components.records_page(
        records, cla_reviews.RECORD_COLUMNS, 0, "caption"
    )
    cells = texts(table)
    # Late first: C2 (1 day late) heads the table; the two on-time C1 reviews follow.
    assert cells[cells.index("Team") + 1 :][:9] == [
        "C2",
        "24 Apr 2020",  # dates in the one UK style
        "1",
        "26 May 2020",
        "27 May 2020",
        "1",
        "Late",
        "Iro Two",
        "South",
    ]
    assert (status, no_prev, no_next, page) == ("Records 1–3 of 3 · page 1 of 1", True, True, 0)
    late = cla_reviews._records("2020-21", "", "", ["late"])
    assert late["child_id"].tolist() == ["C2"]


def test_records_page_clamps_and_pages(app: dash.Dash) -> None:
    from dashboard.pages import cla_reviews

    records = pd.concat([cla_reviews._records("2020-21", "", "", [])] * 6)  # 18 rows
    _, status, no_prev, no_next, page = components.records_page(
        records, cla_reviews.RECORD_COLUMNS, 5, "caption"
    )
    assert (status, no_prev, no_next, page) == ("Records 16–18 of 18 · page 2 of 2", False, True, 1)


def test_records_never_carry_child_names(app: dash.Dash) -> None:
    from dashboard.pages import cla_reviews

    records = cla_reviews._records("2020-21", "", "", [])
    assert not [c for c in records.columns if "name" in c and c != "iro_name"]


def test_csv_export_neutralises_formulas() -> None:
    df = pd.DataFrame(
        {
            "child_id": ['=HYPERLINK("http://x")', "C1", "@SUM(A1)", "-2+3"],
            "days_late": [1, 2, 3, 4],
        }
    )
    text = exports.records_csv(df, [("child_id", "Child id"), ("days_late", "Days late")])
    assert text.splitlines() == [
        "Child id,Days late",
        '"\'=HYPERLINK(""http://x"")",1',
        "C1,2",
        "'@SUM(A1),3",
        "'-2+3,4",
    ]


def test_iro_page_shows_person_team_and_service(app: dash.Dash) -> None:
    from dashboard.pages import iro

    page = texts(iro.layout(staff_id="I1"))
    assert "Iro One" in page and "North" in page and "Service" in page
    missing = texts(iro.layout(staff_id="NOPE"))
    assert "There is no IRO or chair with id 'NOPE' whose page you can see." in missing


def test_banner_says_when_data_was_extracted(app: dash.Dash) -> None:
    from dashboard import shell

    banner = texts(shell.update_data_banner("/"))
    # 22:00 UTC on 31 Oct 2026 is 22:00 in the UK: GMT again from 25 Oct.
    assert any(t.startswith("Data extracted 31 Oct 2026 22:00") for t in banner)


def test_definitions_page_has_an_anchor_per_kpi(app: dash.Dash) -> None:
    from dashboard.pages import definitions
    from queries.core.sqlfiles import KPIS

    page = definitions.layout()
    ids = [s.id for s in page.children if isinstance(s, html.Section)]
    assert set(KPIS) <= set(ids)


def test_a_new_load_is_seen_at_once_and_nothing_stale_is_served(
    app: dash.Dash, tmp_path: Path
) -> None:
    """The cache is keyed by load: reloading the serving database changes the answer."""
    import datetime as dt

    from dashboard import data
    from tests.helpers import AS_OF, BASE, write_extract

    db_path = data.settings().db_path
    span = (dt.date(2020, 4, 1), dt.date(2021, 3, 31))
    before = data.kpi_range(*span, Filters())["cla_reviews_on_time"]
    assert (before.numerator, before.denominator) == (2, 3)
    key = f"sqa:kpi_range:{data.current_load_id()}:{data.current_scope()!r}:{(*span, Filters())!r}"
    assert data.cache.get(key) == data.kpi_range(*span, Filters())  # cached under this load

    original = db_path.resolve()
    bigger = write_extract(
        tmp_path / "next",
        {
            "staff": [
                {"staff_id": "I3", "staff_name": "Iro Three", "role": "IRO", "team": "North"}
            ],
            "cla_periods": [period("P1", "C1", "2020-04-02"), period("P2", "C2", "2020-04-24")],
            "cla_reviews": [review("R1", "C1", "2020-05-04", "PN1", "I1")],
        },
    )
    try:
        load_extract(bigger, db_path, as_of=AS_OF, accept_drop=True)  # 3 reviews -> 1
        after = data.kpi_range(*span, Filters())["cla_reviews_on_time"]
        assert (after.numerator, after.denominator) == (1, 1)
    finally:
        point_at(db_path, original)  # put the session's database back for other tests
    assert data.kpi_range(*span, Filters())["cla_reviews_on_time"] == before
    assert BASE  # the helper's base rows were part of both loads


def test_cla_by_team_table(app: dash.Dash) -> None:
    from dashboard.pages import cla_reviews

    cells = texts(cla_reviews.update_by_team("2020-21"))
    # North: R1 (I1) and R3 (I3) both on time -> 2 of 2. South: R2 (I2) late -> 0 of 1.
    assert cells[cells.index("Rate") + 1 :] == [
        "North",
        "2",
        "2",
        "100.0%",
        "South",
        "1",
        "0",
        "0.0%",
        "CSV",  # the table's own downloads
        "Excel",
    ]


def test_quality_sections_say_no_data_for_absent_files(app: dash.Dash) -> None:
    from dashboard.pages import quality

    # The callback fixture's extract has no drps, audits, feedback, contacts or allocations.
    for section, args in (
        (quality.section_drps, ("2020-21", "2019-20", "", "", "month", "sw_team")),
        (quality.section_audits, ("2020-21", "", "", "theme")),
        (quality.section_feedback, ("2020-21", "2019-20")),
        (quality.section_contacts, ("2020-21", "2019-20", "", "")),
        (quality.section_caseloads, ("2020-21", "")),
    ):
        assert any(
            t.startswith("No data loaded: the extract has no rows in")
            for t in texts(section(*args))
        )


def test_minutes_chart_on_the_quality_page(app: dash.Dash) -> None:
    from dashboard.pages import quality

    fig, _config = quality.MINUTES[0]("2020-21", "2019-20", "", "")
    selected = next(t for t in fig["data"] if t["name"] == "2020/21")
    # R1 (4 May), R2 (27 May) and R3 (3 Aug) have no minutes and their deadlines have
    # long passed: each counts as late. May: 0 of 2; August: 0 of 1.
    assert list(selected["y"])[1] == 0.0 and list(selected["y"])[4] == 0.0


def test_worklist_summary(app: dash.Dash) -> None:
    from dashboard.pages import worklist

    # Open periods: BASE's C9 (review 2 due 20 Apr 2015), P1 for C1 (R1 4 May, R3 3 Aug
    # 2020: review 3 due 3 Feb 2021) and P2 for C2 (R2 27 May 2020: review 2 due 27 Aug
    # 2020). All overdue by the extract date (31 Oct 2026).
    summary = texts(worklist.update_summary("28", "", ""))
    assert summary[0] == "3 overdue" and " and 0 due in the next 28 days" in summary[1]


def test_board_pack_buttons_do_nothing_unpressed_and_refuse_a_broken_form(app: dash.Dash) -> None:
    """A request the page would not send (no press, or the boxes missing) builds no pack,
    writes nothing and says what to do: never a server error."""
    from dashboard.pages import board_pack

    with pytest.raises(PreventUpdate):
        board_pack.update_download(None, None, None, "2020-21", "year", "Service", "internal")
    with pytest.raises(PreventUpdate):
        board_pack.update_saved(None, "2020-21", "year", [], [])
    for values, ids in ((None, None), (["a"], []), ("text", [{"measure": "x"}])):
        alert = board_pack.update_saved(1, "2020-21", "year", values, ids)  # type: ignore[arg-type]
        assert "did not come through whole" in " ".join(texts(alert))


def test_a_long_table_draws_its_first_rows_and_downloads_every_row(app: dash.Dash) -> None:
    """An IRO per row at national scale: the page draws 200 and says so; the CSV and Excel
    downloads are built from all 250."""
    from dashboard import data

    frame = pd.DataFrame({"IRO": [f"Person {i}" for i in range(250)], "Children": ["3"] * 250})
    shown = components.frame_table(frame, "Children per IRO", "t-long")
    table, links = shown.children
    caption, _head, body = table.children
    assert len(body.children) == 200
    assert caption.children == (
        "Children per IRO (the first 200 of 250 rows; the CSV and Excel downloads hold every row)"
    )
    token = links.children[2].data
    held = data.held_table(token)
    assert held is not None and len(held["rows"]) == 250 and held["caption"] == "Children per IRO"
    # A short table is drawn whole, with its caption as given.
    short = components.frame_table(frame.head(5), "Five", "t-short").children[0]
    assert len(short.children[2].children) == 5 and short.children[0].children == "Five"
