"""End to end: every figure on screen can go into a board paper as it is (issue 17)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from queries.state import accounts
from tests.e2e.conftest import PASSWORD, sign_in, watched
from tests.e2e.test_pages import PAGES, pct0, sqa

pytestmark = pytest.mark.e2e

# The pages that draw rate charts (the others draw counts, or no chart).
RATE_PAGES = [
    "/cla-reviews", "/participation", "/child-protection", "/iro/S0001", "/quality",
    "/quality?section=contacts",
]  # fmt: skip

# Every drawn chart's percent axes, as Plotly holds them in the browser.
PERCENT_AXES = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(el =>
  Object.entries(el._fullLayout || {})
    .filter(([k, v]) => /^[xy]axis\\d*$/.test(k) && v && v.ticksuffix === '%')
    .map(([k, v]) => ({chart: el.id || el.parentElement.id, axis: k, range: v.range})))"""


@pytest.mark.parametrize("path", RATE_PAGES)
def test_no_rate_axis_runs_past_100_percent(page: Page, server: str, path: str) -> None:
    page.goto(server + path, wait_until="networkidle")
    page.wait_for_selector(PAGES[path])
    page.wait_for_timeout(500)
    axes = page.evaluate(PERCENT_AXES)
    assert axes, f"{path} draws no percent axis"
    over = [a for a in axes if a["range"][1] > 100.0001]
    assert over == []


def _records_count(page: Page) -> int:
    status = page.locator("#rec-records-status")
    expect(status).to_contain_text("of", timeout=20_000)
    text = status.inner_text()
    return int(re.search(r"of ([\d,]+) ·", text).group(1).replace(",", ""))  # type: ignore[union-attr]


def test_every_kpi_cell_leads_to_exactly_its_records(
    page: Page, server: str, demo_db: Path
) -> None:
    # Last quarter of the demo (the extract is 1 Jul 2021): 1 Apr to 30 Jun 2021.
    page.goto(server + "/?period=last_quarter", wait_until="networkidle")
    k = sqa("kpis", "--from", "2021-04-01", "--to", "2021-06-30", db=demo_db)["kpis"]
    for measure in ("cla_reviews_on_time", "cla_participation", "minutes_within_20_working_days"):
        row = page.locator(f"#ov-row-{measure}")
        expect(row).to_be_visible(timeout=20_000)
        den = row.locator("td").nth(1).get_by_role("link")
        expect(den).to_have_text(f"{k[measure]['denominator']:,}")
        href = den.get_attribute("href") or ""
        q = parse_qs(urlparse(href).query)
        assert q["measure"] == [measure] and q["from"] == ["2021-04-01"]
        assert q["to"] == ["2021-06-30"]
        page.goto(server + href, wait_until="networkidle")
        assert _records_count(page) == k[measure]["denominator"]
        met = page.locator("#rec-records-table tbody tr td:nth-child(3)").all_inner_texts()
        assert set(met) <= {"✔ Met", "✖ Not met"} and met
        page.goto(server + "/?period=last_quarter", wait_until="networkidle")


def test_a_month_cell_and_a_persons_dot_lead_to_their_records(
    page: Page, server: str, demo_db: Path
) -> None:
    page.goto(server + "/cla-reviews?fy=2020-21", wait_until="networkidle")
    months = sqa("series", "--measure", "cla_reviews_on_time", "--fy", "2020-21", db=demo_db)
    may = months["months"][1]
    cell = page.locator("#cla-months tbody tr").nth(1).locator("td").nth(1)
    expect(cell).to_have_text(pct0(may["rate"]), timeout=20_000)
    cell.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/records\?"))
    q = parse_qs(urlparse(page.url).query)
    assert q["from"] == ["2020-05-01"] and q["to"] == ["2020-05-31"]
    assert _records_count(page) == may["denominator"]
    # A dot on the by-IRO chart: that person's reviews for the year.
    page.goto(server + "/cla-reviews?fy=2020-21", wait_until="networkidle")
    dot = page.locator("#cla-by-iro .scatterlayer .point").last
    expect(dot).to_be_visible(timeout=20_000)
    dot.click(force=True)
    page.wait_for_url(re.compile(r"/records\?.*staff="), timeout=20_000)
    staff = parse_qs(urlparse(page.url).query)["staff"][0]
    own = sqa("kpis", "--from", "2020-04-01", "--to", "2021-03-31", "--staff", staff,
              db=demo_db)["kpis"]["cla_reviews_on_time"]  # fmt: skip
    assert _records_count(page) == own["denominator"]


def test_a_month_still_changing_is_marked_provisional(page: Page, server: str) -> None:
    # The demo's extract is 1 Jul 2021: June has ended, but June's last minutes are due on
    # the 20th working day after 30 Jun (28 Jul 2021), so June's minutes can still change.
    page.goto(server + "/quality?fy=2021-22", wait_until="networkidle")
    row = page.locator("#qa-minutes-table tbody tr").last
    expect(row).to_contain_text("2021/22", timeout=20_000)
    assert row.locator("td").nth(2).inner_text().endswith("provisional")  # June
    assert not row.locator("td").nth(1).inner_text().endswith("provisional")  # May
    names = page.evaluate(
        "() => document.querySelector('#qa-minutes-chart .js-plotly-plot').data.map(t => t.name)"
    )
    assert "2021/22 provisional" in names


def test_late_only_is_in_the_address_and_opens_as_saved(page: Page, server: str) -> None:
    page.goto(server + "/cla-reviews?fy=2020-21", wait_until="networkidle")
    expect(page.locator("#cla-records-status")).to_contain_text("Records", timeout=20_000)
    page.get_by_label("Late reviews only").check()
    page.wait_for_url(re.compile(r"late=late"))
    page.goto(page.url, wait_until="networkidle")  # the bookmark opens as it was saved
    expect(page.get_by_label("Late reviews only")).to_be_checked()
    statuses = page.locator("#cla-records-table tbody tr td:nth-child(7)").all_inner_texts()
    assert statuses and set(statuses) == {"Late"}


def test_a_page_outside_the_role_answers_403(page: Page, server: str) -> None:
    # A service manager is not an admin: the audit trail's address is refused with 403.
    response = page.request.get(server + "/audit")
    assert response.status == 403 and "for admins only" in response.text()
    assert page.request.get(server + "/data-quality").status == 200  # managers may


def test_feedback_comments_page_through_all_of_them(page: Page, server: str) -> None:
    page.goto(server + "/quality?section=feedback&fy=2020-21", wait_until="networkidle")
    status = page.locator("#qa-comments-status")
    expect(status).to_contain_text("Records 1–15 of", timeout=20_000)
    total = int(re.search(r"of ([\d,]+) ·", status.inner_text()).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert total > 15  # the demo has more comments than a page: the pager is needed
    page.get_by_role("button", name="Next page of comments").click()
    expect(status).to_contain_text(f"Records 16–{min(30, total)} of {total:,} · page 2")
    # Questions in words, not codes such as "P2".
    questions = page.locator("#qa-comments-table tbody tr td:nth-child(3)").all_inner_texts()
    assert questions and all(not re.fullmatch(r"[A-Z]\d+", q) for q in questions)


ADMIN_PAGES = ["/cla-reviews", "/child-protection", "/worklist", "/data-quality", "/records"]


def test_an_admin_is_shown_no_button_that_can_only_fail(
    browser: Browser, server: str, accounts_db: Path
) -> None:
    accounts.add(accounts_db, "e2e-admin", "admin", PASSWORD, None, None)
    refused: list[str] = []
    for pg in watched(browser, server, None):
        sign_in(pg, server, "e2e-admin")
        pg.on("response", lambda r: refused.append(r.url) if r.status in (401, 403) else None)
        for path in ADMIN_PAGES:
            pg.goto(server + path, wait_until="networkidle")
            expect(pg.locator("h1").first).to_be_visible(timeout=20_000)
            shown = [
                b for b in pg.get_by_role("button").all()
                if b.is_visible() and (b.inner_text() or "") in ("Download CSV", "Download Excel")
            ]  # fmt: skip
            assert shown == [], f"{path} shows {[b.inner_text() for b in shown]}"
        assert refused == []


def test_the_person_list_follows_the_team(page: Page, server: str) -> None:
    # S0001 is an IRO in IRO Team North: asked for with Team South, the page says why.
    page.goto(server + "/cla-reviews?team=IRO+Team+South&staff=S0001", wait_until="networkidle")
    expect(page.get_by_text("is in IRO Team North, not IRO Team South")).to_be_visible()
    people = page.eval_on_selector_all(
        "#cla-staff option:not([disabled])", "os => os.map(o => o.textContent)"
    )
    assert people[0] == "Everyone" and len(people) > 1
    assert all(p.endswith("(IRO Team South)") for p in people[1:])
    # Choosing a team on the page narrows the list the same way, and clears a person of
    # another team.
    page.goto(server + "/cla-reviews?staff=S0001", wait_until="networkidle")
    page.select_option("#cla-staff", "S0001")
    page.select_option("#cla-team", label="IRO Team South")
    expect(page.locator("#cla-staff")).to_have_value("__all__")
    people = page.eval_on_selector_all(
        "#cla-staff option:not([disabled])", "os => os.map(o => o.textContent)"
    )
    assert all(p.endswith("(IRO Team South)") for p in people[1:])


def test_my_figures_has_targets_indicators_and_true_dates(browser: Browser, server: str) -> None:
    for pg in watched(browser, server, None):
        sign_in(pg, server, "e2e-iro")
        assert urlparse(pg.url).path == "/iro/S0001"  # an IRO lands on their own figures
        table = pg.locator("table").filter(has_text="Last 8 weeks").first
        expect(table).to_be_visible(timeout=20_000)
        heads = table.locator("thead th").all_inner_texts()
        assert heads[:2] == ["Measure", "Target"] and heads[-1].startswith("Indicator")
        first = table.locator("tbody tr").first
        assert first.locator("td").first.inner_text() == "95%"  # the CLA reviews target
        word = first.locator("td").last.inner_text()
        assert any(w in word for w in ("On target", "Close to target", "Below target", "No events"))
        # The caseload columns are the days counted: month ends, then the extract date
        # (1 Jul 2021 in the demo), never a month's first day labelled as its month.
        cols = pg.locator("#iro-caseload thead th").all_inner_texts()
        assert cols[1:4] == ["30 Apr 2021", "31 May 2021", "30 Jun 2021"]
        assert cols[-1] == "1 Jul 2021"
        # And the service's KPI table is theirs to open (aggregates only).
        pg.goto(server + "/", wait_until="networkidle")
        assert urlparse(pg.url).path == "/"
        expect(pg.locator("#ov-row-cla_reviews_on_time")).to_be_visible(timeout=20_000)


def test_board_pack_page_keeps_its_choices_and_says_what_it_is_doing(
    page: Page, server: str
) -> None:
    # Q2 2020-21 ends in Sep 2020, a month nobody has frozen: the page says so.
    page.goto(server + "/board-pack?fy=2020-21&quarter=2&audience=external",
              wait_until="networkidle")  # fmt: skip
    expect(page.locator("#pack-quarter")).to_have_value("2")  # the address's choices
    expect(page.locator("#pack-audience")).to_have_value("external")
    classes = {
        page.get_by_role("button", name=n).get_attribute("class")
        for n in ("Download PDF", "Download PowerPoint", "Charts and tables (zip)")
    }
    assert len(classes) == 1  # three equal buttons: none looks disabled
    page.get_by_role("button", name="Download PDF").click()
    message = page.locator("#pack-message")
    expect(message).to_contain_text("Freeze the figures for this period first")
    page.get_by_role("button", name="Freeze the figures for 2020-09 now").click()
    expect(page.locator("#pack-frozen")).to_contain_text("(snapshot 2020-09)", timeout=60_000)
    expect(message).to_have_text("")  # the warning goes once the figures are frozen
    # The pack's KPI table has the comparator columns, and an external pack's table
    # never says "No events" (that would reveal a zero).
    heads = page.locator("#pack-kpis thead th").all_inner_texts()
    assert "Statistical neighbours" in heads and "England" in heads
    expect(page.locator("#pack-kpis")).not_to_contain_text("No events")
    # While it builds, the buttons are disabled and the page says so.
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="Download PowerPoint").click()
        expect(page.locator("#pack-progress")).to_contain_text("Building the pack")
        expect(page.get_by_role("button", name="Download PDF")).to_be_disabled()
    assert info.value.suggested_filename == (
        "sqa_board_pack_2020-21_Q2_Service_data_2021-07-01_external.pptx"
    )
    expect(page.locator("#pack-progress")).to_have_text("")
    assert "quarter=2" in page.url and "audience=external" in page.url


def sized(browser: Browser, width: int, height: int, state: dict) -> BrowserContext:  # type: ignore[type-arg]
    """A signed-in browser context at a given window size."""
    return browser.new_context(
        viewport={"width": width, "height": height},
        locale="en-GB",
        storage_state=state,  # type: ignore[arg-type]
    )


NARROW_PAGES = ["/", "/cla-reviews", "/participation", "/child-protection", "/quality"]


def test_a_phone_gets_a_menu_button_whole_titles_and_no_sideways_scroll(
    browser: Browser,
    server: str,
    manager_state: dict,  # type: ignore[type-arg]
) -> None:
    context = sized(browser, 390, 844, manager_state)
    pg = context.new_page()
    for path in NARROW_PAGES:
        pg.goto(server + path, wait_until="networkidle")
        pg.wait_for_timeout(800)  # charts fit their titles once drawn
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390, path
        # Every chart title fits inside its chart, and clears the toolbar's corner.
        cut = pg.evaluate(
            """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(gd => {
                 const t = gd.querySelector('.gtitle'); if (!t) return [];
                 const a = t.getBoundingClientRect(), b = gd.getBoundingClientRect();
                 return (a.left < b.left - 1 || a.right > b.right + 1) ? [t.textContent] : [];
               })"""
        )
        assert cut == [], (path, cut)
    menu = pg.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(pg.get_by_role("link", name="Child protection")).to_be_hidden()
    menu.click()
    expect(pg.get_by_role("link", name="Child protection")).to_be_visible()
    context.close()


def test_at_1280_the_menu_is_one_line(
    browser: Browser,
    server: str,
    manager_state: dict,  # type: ignore[type-arg]
) -> None:
    context = sized(browser, 1280, 900, manager_state)
    pg = context.new_page()
    pg.goto(server + "/cla-reviews", wait_until="networkidle")
    tops = pg.evaluate(
        "() => [...document.querySelectorAll('.navbar .nav-link')]"
        ".map(a => a.getBoundingClientRect().top)"
    )
    assert len(tops) >= 10 and max(tops) - min(tops) < 2  # every item on the same line
    expect(pg.get_by_role("button", name="Menu")).to_be_hidden()
    context.close()


@pytest.mark.parametrize("path", ["/cla-reviews", "/participation", "/child-protection"])
def test_every_chart_has_a_name_and_a_table_alternative(page: Page, server: str, path: str) -> None:
    page.goto(server + path, wait_until="networkidle")
    page.wait_for_selector(PAGES[path])
    page.wait_for_timeout(800)
    charts = page.evaluate(
        """() => [...document.querySelectorAll('.chart-table[data-graph]')].map(h => {
             const outer = document.getElementById(h.dataset.graph);
             const gd = outer && outer.querySelector('.js-plotly-plot');
             const title = gd && gd.querySelector('.gtitle');
             const marks = '.scatterlayer .point, .barlayer .point';
             const points = gd ? gd.querySelectorAll(marks).length : 0;
             return {id: h.dataset.graph, role: gd && gd.getAttribute('role'),
                     name: gd && gd.getAttribute('aria-label'),
                     title: title ? title.textContent : '',
                     rows: h.querySelectorAll('tbody tr').length, points};
           })"""
    )
    assert charts, path
    for c in charts:
        assert c["role"] == "figure" and c["name"], c
        assert c["name"].startswith(c["title"].split(" ")[0]), c  # named by its title
        assert c["rows"] >= 1, c
    # The charts the issue named: every person (or code) drawn is a row of the table.
    people = {"/cla-reviews": "cla-by-iro", "/child-protection": "cp-by-chair",
              "/participation": "par-mix"}[path]  # fmt: skip
    mine = next(c for c in charts if c["id"] == people)
    assert mine["rows"] == mine["points"] > 0


def test_a_chart_point_leads_to_its_months_records(page: Page, server: str, demo_db: Path) -> None:
    page.goto(server + "/cla-reviews?fy=2020-21", wait_until="networkidle")
    # The chosen year (2020/21) is the chart's last trace: its first point is April 2020.
    april = page.locator("#cla-chart .scatterlayer .trace").nth(1).locator(".point").first
    expect(april).to_be_visible(timeout=20_000)
    april.click(force=True)
    page.wait_for_url(re.compile(r"/records\?"), timeout=20_000)
    q = parse_qs(urlparse(page.url).query)
    assert q["measure"] == ["cla_reviews_on_time"]
    assert (q["from"], q["to"]) == (["2020-04-01"], ["2020-04-30"])
    months = sqa("series", "--measure", "cla_reviews_on_time", "--fy", "2020-21", db=demo_db)
    assert _records_count(page) == months["months"][0]["denominator"]
