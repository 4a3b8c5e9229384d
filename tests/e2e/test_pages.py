"""End to end: the served app in headless Chromium, checked against `sqa` itself."""

from __future__ import annotations

import csv
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest
from playwright.sync_api import Browser, Page, expect

from queries.access.scope import SYSTEM
from queries.measures.kpis import KPI_LABELS
from queries.state import accounts
from tests.e2e.conftest import sign_in, watched

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = pytest.mark.e2e

# Each page and something that only appears once its callbacks have drawn it.
PAGES = {
    "/": "#ov-row-cla_reviews_on_time",
    "/cla-reviews": "#cla-chart .main-svg",
    "/participation": "#par-mix .main-svg",
    "/child-protection": "#cp-by-chair .main-svg",
    "/iro": "text=IROs and child protection chairs",
    "/iro/S0001": "#iro-chart .main-svg",
    "/data-quality": "#dq-records-table tbody tr",
    "/quality": "#qa-minutes-chart .main-svg",
    "/quality?section=drps": "#qa-drp-breakdown tbody tr",
    "/quality?section=contacts": "#qa-gaps-table tbody tr",
    "/quality?section=feedback": "#qa-feedback tbody tr",
    "/quality?section=caseloads": "#qa-caseloads tbody tr",
    "/worklist": "#wl-records-table tbody tr",
    "/definitions": "#cla_reviews_on_time",
    "/board-pack": "#pack-status .btn, #pack-frozen",
}


def sqa(*args: str, db: Path) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(
        [sys.executable, "-m", "queries.cli", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict = json.loads(out.stdout)  # type: ignore[type-arg]
    return result


def choose(page: Page, select_id: str, option: str) -> None:
    """Pick an option as a person would: by its label, through the labelled <select>."""
    page.select_option(f"#{select_id}", label=option)


def pct1(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f}%"


def pct0(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_opens_without_console_errors(page: Page, server: str, path: str) -> None:
    page.goto(server + path, wait_until="networkidle")
    expect(page.locator(PAGES[path]).first).to_be_visible(timeout=20_000)
    # 02:00 UTC on 1 Jul 2021 is 03:00 BST: times are shown in UK time.
    expect(page.locator("#data-banner")).to_contain_text("Data extracted 1 Jul 2021 03:00")


def test_overview_filter_gives_what_sqa_kpis_prints(page: Page, server: str, demo_db: Path) -> None:
    page.goto(server + "/", wait_until="networkidle")
    row = page.locator("#ov-row-cla_reviews_on_time td")
    expect(row.first).to_be_visible(timeout=20_000)
    # The default period is the last financial year before 1 Jul 2021: 2020-21.
    every = sqa("kpis", "--from", "2020-04-01", "--to", "2021-03-31", db=demo_db)["kpis"]
    k = every["cla_reviews_on_time"]
    expect(row.nth(0)).to_have_text(f"{k['numerator']:,}")
    expect(row.nth(2)).to_have_text(pct1(k["rate"]))

    choose(page, "ov-team", "IRO Team South")
    south = sqa(
        "kpis", "--from", "2020-04-01", "--to", "2021-03-31", "--team", "IRO Team South", db=demo_db
    )["kpis"]
    assert south["cla_reviews_on_time"]["denominator"] < k["denominator"]
    for key in KPI_LABELS:  # the rows of the overview table
        kpi = south[key]
        cells = page.locator(f"#ov-row-{key} td")
        expect(cells.nth(0)).to_have_text(f"{kpi['numerator']:,}")
        expect(cells.nth(1)).to_have_text(f"{kpi['denominator']:,}")
        expect(cells.nth(2)).to_have_text(pct1(kpi["rate"]))
    # The filter is in the address bar, so the view can be bookmarked.
    assert parse_qs(urlparse(page.url).query)["team"] == ["IRO Team South"]


def test_overview_preset_changes_the_period(page: Page, server: str, demo_db: Path) -> None:
    page.goto(server + "/", wait_until="networkidle")
    page.get_by_label("Last quarter").check()
    # As of 1 Jul 2021 the last complete quarter is April to June 2021.
    expect(page.locator("#ov-caption")).to_contain_text("1 Apr 2021 to 30 Jun 2021")
    q = sqa("kpis", "--from", "2021-04-01", "--to", "2021-06-30", db=demo_db)["kpis"]
    expect(page.locator("#ov-row-icpc_within_15_working_days td").nth(1)).to_have_text(
        f"{q['icpc_within_15_working_days']['denominator']:,}"
    )


def test_cla_month_table_gives_what_sqa_series_prints(
    page: Page, server: str, demo_db: Path
) -> None:
    page.goto(server + "/cla-reviews?fy=2020-21&cmp=2019-20", wait_until="networkidle")
    table = page.locator("#cla_reviews_on_time-month-table")
    expect(table).to_be_visible(timeout=20_000)

    def check(extra: list[str]) -> None:
        series = sqa(
            "series", "--measure", "cla_reviews_on_time", "--fy", "2020-21", *extra, db=demo_db
        )
        expected = ["2020/21", *[pct0(m["rate"]) for m in series["months"]]]
        expect(table.locator("tbody tr").nth(1).locator("th, td")).to_have_text(expected)

    check([])
    choose(page, "cla-staff", "Alex Archer (IRO Team North)")
    check(["--staff", "S0001"])
    assert parse_qs(urlparse(page.url).query)["staff"] == ["S0001"]


def test_drilldown_lists_the_records_behind_the_number(
    page: Page, server: str, demo_db: Path
) -> None:
    page.goto(server + "/cla-reviews?fy=2020-21", wait_until="networkidle")
    k = sqa("kpis", "--from", "2020-04-01", "--to", "2021-03-31", db=demo_db)["kpis"][
        "cla_reviews_on_time"
    ]
    status = page.locator("#cla-records-status")
    n = k["denominator"]
    expect(status).to_have_text(
        f"Records 1–15 of {n:,} · page 1 of {math.ceil(n / 15)}", timeout=20_000
    )
    first = page.locator("#cla-records-table tbody tr").first
    expect(first.locator("td").nth(6)).to_have_text("Late")
    page.get_by_role("button", name="Next page of reviews").click()
    expect(status).to_contain_text(f"Records 16–30 of {n:,} · page 2")
    page.get_by_label("Late reviews only").check()
    late = k["denominator"] - k["numerator"]
    expect(status).to_have_text(f"Records 1–15 of {late:,} · page 1 of {math.ceil(late / 15)}")
    statuses = page.locator("#cla-records-table tbody tr td:nth-child(7)").all_inner_texts()
    assert statuses and set(statuses) == {"Late"}
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV of all reviews").click()
    # The name and the first lines say what the file is: measure, year, whose, late only,
    # the data's date (the demo's extract, 1 Jul 2021) and its audience.
    assert download.value.suggested_filename == (
        "cla_reviews_2020-21_All_teams_late_data_2021-07-01_internal_child_level.csv"
    )
    lines = list(csv.reader(Path(download.value.path()).read_text().splitlines()))
    assert lines[0] == ["CLA reviews held in 2020/21, All teams, late only: late first"]
    assert lines[1] == ["Data as of 1 Jul 2021 03:00"]  # 02:00 UTC, in BST
    assert lines[2][0].startswith("Audience: internal only. Child-level records")
    assert lines[3] == [
        "Child id", "Period of care began", "Review no.", "Due", "Held", "Days late", "Status",
        "IRO", "Team",
    ]  # fmt: skip
    assert len(lines) == late + 4


def test_a_bookmarked_view_opens_as_it_was_saved(page: Page, server: str) -> None:
    page.goto(
        server + "/participation?fy=2020-21&cmp=2019-20&team=IRO+Team+North",
        wait_until="networkidle",
    )
    expect(page.locator("#par-team")).to_have_value("IRO Team North")
    expect(page.locator("#par-participation-chart .gtitle").first).to_contain_text(
        "2020/21 vs 2019/20", timeout=20_000
    )
    expect(page.locator("#par-participation-chart")).to_contain_text("IRO Team North")


def test_a_bad_bookmark_says_what_it_ignored(page: Page, server: str) -> None:
    page.goto(server + "/cla-reviews?fy=1990-91&team=Nowhere", wait_until="networkidle")
    expect(
        page.get_by_role("status").filter(has_text="There is no team called 'Nowhere'")
    ).to_be_visible()


@pytest.mark.parametrize("path", list(PAGES))
def test_axe_finds_nothing_serious(axe_page: Page, server: str, path: str) -> None:
    page = axe_page
    page.goto(server + path, wait_until="networkidle")
    expect(page.locator(PAGES[path]).first).to_be_visible(timeout=20_000)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.help + ' -> ' +
                 v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")
    assert result == []


def test_keyboard_alone_reaches_and_changes_the_filters(page: Page, server: str) -> None:
    page.goto(server + "/cla-reviews?fy=2020-21", wait_until="networkidle")
    expect(page.locator("#cla-chart .main-svg").first).to_be_visible(timeout=20_000)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    for _ in range(20):  # through the navigation and sign-out to the first filter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "cla-fy":
            break
    assert page.evaluate("document.activeElement.id") == "cla-fy"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "cla-team"
    page.keyboard.type("IRO Team S")  # type-ahead on the focused <select>
    expect(page.locator("#cla-team")).to_have_value("IRO Team South")
    expect(page.locator("#cla-chart")).to_contain_text("IRO Team South")


def test_charts_download_as_svg_with_a_meaningful_name(page: Page, server: str) -> None:
    page.goto(server + "/cla-reviews?fy=2020-21&cmp=2019-20", wait_until="networkidle")
    expect(page.locator("#cla-chart .main-svg").first).to_be_visible(timeout=20_000)
    with page.expect_download() as download:
        page.locator("#cla-chart").locator(
            "xpath=ancestor::div[contains(@class,'mb-4')][1]"
        ).get_by_role("button", name="Download SVG").click()
    name = download.value.suggested_filename
    assert name == "cla_reviews_on_time_2020-21_vs_2019-20_All_teams_data_2021-07-01.svg"
    svg = Path(download.value.path()).read_text()
    assert svg.startswith("<svg") and "CLA reviews held on time" in svg


def test_data_quality_page_lists_what_was_set_aside(page: Page, server: str, demo_db: Path) -> None:
    con = duckdb.connect(str(demo_db.resolve()), read_only=True)
    blank = con.execute(
        "select count(*), min(line) from dq_warnings where reason_code = 'blank_code'"
    ).fetchall()[0]
    con.close()
    assert blank[0] > 0  # the demo has a few blank participation codes, as real data does
    page.goto(server + "/data-quality?kind=Warning", wait_until="networkidle")
    row = page.locator("#dq-summary tbody tr").filter(has_text="blank_code")
    expect(row.locator("td")).to_have_text(
        ["cla_reviews.csv", "blank_code", f"{blank[0]:,}", str(blank[1])]
    )
    expect(page.locator("#dq-records-status")).to_contain_text(f"of {blank[0]:,}")
    first = page.locator("#dq-records-table tbody tr").first.locator("td")
    expect(first.nth(2)).to_have_text(str(blank[1]))  # the line an analyst needs


def test_quality_page_counts_match_sqa(page: Page, server: str, demo_db: Path) -> None:
    page.goto(server + "/quality?fy=2020-21&cmp=2019-20&section=drps", wait_until="networkidle")
    table = page.locator("#qa-drp-breakdown tbody tr")
    expect(table.first).to_be_visible(timeout=20_000)
    formal = sum(
        int(t.replace(",", ""))
        for t in page.locator("#qa-drp-breakdown tbody tr td:nth-child(2)").all_inner_texts()
    )
    counts = sqa("kpis", "--from", "2020-04-01", "--to", "2021-03-31", db=demo_db)["counts"]
    assert formal == counts["drps_formal_raised"]["count"] > 0
    choose(page, "qa-drp-dim", "Issue")
    expect(page.locator("#qa-drp-breakdown thead")).to_contain_text("Issue")
    # Another section, through its link: the filters go along.
    page.get_by_role("link", name="Audits").click()
    expect(page.locator("#qa-audit-counts")).to_contain_text(
        f"{counts['audits_midway']['count']:,} mid-way audits"
    )
    query = parse_qs(urlparse(page.url).query)
    assert query["fy"] == ["2020-21"] and query["section"] == ["audits"]


def test_every_showing_of_the_open_drps_is_audited_also_from_the_cache(
    page: Page, server: str, demo_db: Path, accounts_db: Path
) -> None:
    con = duckdb.connect(str(demo_db.resolve()), read_only=True)
    try:  # open on the extract date: not resolved (the demo's are all resolved by then)
        (open_now,) = con.execute(
            "select count(*) from drps where resolved_date is null"
        ).fetchone()
    finally:
        con.close()

    def shown() -> list[int]:
        trail = accounts.search(accounts_db, SYSTEM, username="e2e-manager", text="open drps")
        return trail["rows"].tolist()

    before = len(shown())
    # Three showings on two workers: at least one is served from a worker's view cache.
    for _ in range(3):
        page.goto(server + "/quality?fy=2020-21&section=drps", wait_until="networkidle")
        expect(page.locator("#qa-open-summary")).to_contain_text(
            f"{open_now:,} DRPs open on the extract date"
        )
    assert shown()[: len(shown()) - before] == [open_now] * 3


def test_worklist_lists_what_is_due(page: Page, server: str, demo_db: Path) -> None:
    con = duckdb.connect(str(demo_db.resolve()), read_only=True)
    from queries.measures import qa

    due = qa.review_worklist(con, 56, scope=SYSTEM)
    con.close()
    page.goto(server + "/worklist?days=56", wait_until="networkidle")
    overdue = int(due["overdue"].sum())
    expect(page.locator("#wl-summary-text")).to_contain_text(
        f"{overdue:,} overdue and {len(due) - overdue:,} due in the next 56 days"
    )
    expect(page.locator("#wl-records-status")).to_contain_text(f"of {len(due):,}")
    first = page.locator("#wl-records-table tbody tr").first.locator("td")
    expect(first.first).to_have_text(str(due["child_id"].iloc[0]))


def test_sign_in_page_is_accessible_and_refuses_a_wrong_password(
    anonymous_page: Page, server: str
) -> None:
    page = anonymous_page
    page.goto(server + "/cla-reviews", wait_until="networkidle")
    assert urlparse(page.url).path == "/sign-in"  # nobody signed in: sent to sign in
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []
    sign_in(page, server, "e2e-manager", "not the password")
    expect(page.locator(".alert-danger")).to_have_text(accounts.WRONG.format(minutes=15))


def test_iro_and_manager_see_different_rows(browser: Browser, server: str, demo_db: Path) -> None:
    con = duckdb.connect(str(demo_db.resolve()), read_only=True)
    from queries.measures import qa

    everyone = qa.review_worklist(con, 56, scope=SYSTEM)
    con.close()
    own = everyone[everyone["staff_id"] == "S0001"]
    north = everyone[everyone["team"] == "IRO Team North"]
    assert 0 < len(own) < len(north) < len(everyone)  # the demo data can tell them apart
    seen = {}
    for user, rows in (("e2e-iro", own), ("e2e-north", north), ("e2e-manager", everyone)):
        pages = watched(browser, server, None)
        page = next(pages)
        sign_in(page, server, user)
        if user == "e2e-iro":
            # An IRO lands on their own figures, with caseload and reviews due.
            assert urlparse(page.url).path == "/iro/S0001"
            expect(page.locator("#iro-now")).to_contain_text("Reviews due in the next 8 weeks")
        page.goto(server + "/worklist?days=56", wait_until="networkidle")
        expect(page.locator("#wl-records-status")).to_contain_text(f"of {len(rows):,} ")
        cells = page.locator("#wl-records-table tbody tr")
        seen[user] = {
            (r.locator("td").nth(7).inner_text(), r.locator("td").nth(8).inner_text())
            for r in cells.all()
        }
        next(pages, None)  # closes the context and checks the console
    assert {iro for iro, _ in seen["e2e-iro"]} == set(own["iro_name"])
    assert {team for _, team in seen["e2e-north"]} == {"IRO Team North"}


def test_board_pack_freeze_comment_and_download(
    page: Page, server: str, tmp_path: Path, demo_db: Path
) -> None:
    page.goto(server + "/board-pack", wait_until="networkidle")
    # The demo ends in June 2021, so the page offers 2020-21, frozen at March 2021.
    expect(page.locator("#pack-fy")).to_have_value("2020-21")
    freeze = page.get_by_role("button", name="Freeze the figures for 2021-03 now")
    if freeze.count():
        freeze.click()
    expect(page.locator("#pack-frozen")).to_contain_text("(snapshot 2021-03)", timeout=60_000)
    # The frozen KPI table, as the pack will print it, gives what `sqa kpis` prints.
    k = sqa("kpis", "--from", "2020-04-01", "--to", "2021-03-31", db=demo_db)["kpis"]
    n, d = k["cla_reviews_on_time"]["numerator"], k["cla_reviews_on_time"]["denominator"]
    row = page.locator("#pack-kpis tbody tr", has_text="CLA reviews on time").locator("td")
    expect(row.nth(0)).to_have_text(f"{n:,}")
    expect(row.nth(1)).to_have_text(f"{d:,}")
    choose(page, "pack-audience", "External (counts below 5 suppressed)")
    expect(page.locator("#pack-kpis")).to_contain_text("external: small numbers suppressed")
    choose(page, "pack-audience", "Internal (every figure)")
    expect(page.locator("#pack-kpis")).not_to_contain_text("external")
    note = "Written in the browser for the board."
    page.get_by_label("CLA reviews on time", exact=True).fill(note)
    page.get_by_role("button", name="Save commentary").click()
    expect(page.locator("#pack-saved")).to_contain_text("Commentary for 2020/21 saved.")
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="Download PDF").click()
    download = info.value
    assert download.suggested_filename == (
        "sqa_board_pack_2020-21_Service_data_2021-07-01_internal.pdf"
    )
    path = tmp_path / "pack.pdf"
    download.save_as(path)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert note in " ".join(text.split())


def test_a_table_downloads_as_excel(page: Page, server: str, tmp_path: Path) -> None:
    import openpyxl

    page.goto(server + "/cla-reviews?fy=2020-21", wait_until="networkidle")
    table = page.locator("#cla-by-team")
    expect(table.locator("tbody tr").first).to_be_visible(timeout=20_000)
    shown = [r.locator("th, td").all_inner_texts() for r in table.locator("tbody tr").all()]
    with page.expect_download() as info:
        page.get_by_role(
            "button", name=re.compile("Download as Excel: CLA reviews held on time by team")
        ).click()
    path = tmp_path / "t.xlsx"
    info.value.save_as(path)
    assert info.value.suggested_filename == (
        "CLA_reviews_held_on_time_by_team_2020_21_data_2021-07-01_internal.xlsx"
    )
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    # Title rows say what it is, when the data is from, and who it is for.
    assert ws["A1"].value == "CLA reviews held on time by team, 2020/21"
    assert ws["A2"].value == "Data as of 1 Jul 2021 03:00"
    assert str(ws["A3"].value).startswith("Audience: internal.")
    assert [c.value for c in ws[5]] == ["Team", "Held", "On time", "Rate"]
    cells = [list(r) for r in ws.iter_rows(min_row=6)]
    # The table as shown, cell for cell, but typed: counts as whole numbers, rates as
    # numbers with a percent format (96.2% is stored as 0.962), so a paper can chart them.
    for row, seen in zip(cells, shown, strict=True):
        team, held, on_time, rate = row
        assert team.value == seen[0]
        assert held.value == int(seen[1].replace(",", "")) and isinstance(held.value, int)
        assert on_time.value == int(seen[2].replace(",", ""))
        assert isinstance(rate.value, float) and rate.number_format == "0.0%"
        assert f"{rate.value * 100:.1f}%" == seen[3]


def test_zz_a_failed_load_shows_a_banner_and_changes_nothing(
    page: Page, server: str, demo_db: Path
) -> None:
    """Runs last: it leaves a failed attempt in the shared test database's log."""
    page.goto(server + "/", wait_until="networkidle")
    cells = page.locator("#ov-row-cla_reviews_on_time td")
    expect(cells.first).to_be_visible(timeout=20_000)
    before = cells.all_inner_texts()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "queries.cli",
            "load",
            str(demo_db.parent / "no-such-extract"),
            "--db",
            str(demo_db),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    page.reload(wait_until="networkidle")
    expect(page.locator("#load-failed-alert")).to_contain_text("The last load did not complete.")
    expect(page.locator("#load-failed-alert")).to_contain_text("does not exist or is not a folder")
    expect(cells.first).to_have_text(before[0])
    assert cells.all_inner_texts() == before  # the figures are exactly as they were
