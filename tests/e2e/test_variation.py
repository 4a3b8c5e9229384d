"""SPC charts and funnel plots in the browser: they draw, their icons and marks have words,
and a funnel point opens that person's records."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def sqa(*args: str, db: Path) -> dict:  # type: ignore[type-arg]
    done = subprocess.run(
        [sys.executable, "-m", "queries.cli", *args, "--db", str(db)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_spc_chart_and_funnel_draw_with_words(page: Page, server: str, demo_db: Path) -> None:
    page.goto(server + "/cla-reviews?fy=2020-21", wait_until="networkidle")
    spc = page.locator("#cla-var-spc")
    expect(spc.locator(".main-svg").first).to_be_visible(timeout=30_000)
    title = spc.locator(".gtitle").text_content() or ""
    expected = sqa(
        "spc", "--measure", "cla_reviews_on_time", "--from-month", "2018-04",
        "--to-month", "2021-03", db=demo_db,
    )  # fmt: skip
    words = {
        "common_cause": "Common cause",
        "special_cause_improvement": "Special cause: improvement",
        "special_cause_concern": "Special cause: concern",
    }
    # The icons in words, as `sqa spc` gives them for the same months.
    assert words[expected["variation"]] in title
    assert ("Hit and miss" in title) == (expected["assurance"] == "inconsistent")
    # Special-cause points have a word in the legend, not only a colour.
    legend = spc.locator(".legend").text_content() or ""
    if any(p["special_cause"] == "concern" for p in expected["points"]):
        assert "Special cause: concern" in legend
    funnel = page.locator("#cla-var-funnel")
    expect(funnel.locator(".main-svg").first).to_be_visible()
    assert "how do people compare?" in (funnel.locator(".gtitle").text_content() or "")
    assert "95% limits" in (funnel.locator(".legend").text_content() or "")


def test_a_funnel_point_opens_that_persons_records(page: Page, server: str) -> None:
    page.goto(server + "/cla-reviews?fy=2020-21", wait_until="networkidle")
    points = page.locator("#cla-var-funnel .scatterlayer .trace .points path")
    expect(points.first).to_be_visible(timeout=30_000)
    page.locator("#cla-var-funnel").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = points.first.bounding_box()
    assert box is not None
    # Plotly takes clicks on its drag layer, where the point is drawn: click there.
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    # The point chooses that person: the address bar and the records below follow.
    expect(page).to_have_url(re.compile(r".*staff=S\d{4}.*"), timeout=30_000)
    assert "fy=2020-21" in page.url
    staff = re.search(r"staff=(S\d{4})", page.url).group(1)  # type: ignore[union-attr]
    assert page.locator("#cla-staff").input_value() == staff
    label = page.locator("#cla-staff").evaluate("e => e.options[e.selectedIndex].text")
    name = label.split(" (")[0]  # the option reads "Alex Archer (IRO Team North)"
    cells = page.locator("#cla-records-table tbody tr td:nth-child(8)")
    # Every review listed is that one IRO's, once the table has followed the choice.
    expect(cells.filter(has_not_text=name)).to_have_count(0, timeout=30_000)
    assert cells.count() > 0


def test_the_overview_shows_variation_and_assurance_in_words(page: Page, server: str) -> None:
    page.goto(server + "/", wait_until="networkidle")
    row = page.locator("#ov-row-cla_reviews_on_time")
    expect(row).to_contain_text(re.compile(r"(Common cause|Special cause)"), timeout=30_000)
    expect(page.locator("#ov-kpi-table thead")).to_contain_text("Is it changing? (SPC)")
    # Both icons in words, in the one column: variation, then assurance.
    expect(row).to_contain_text(re.compile(r"(Hit and miss|Consistently)"))


def test_the_p_prime_chart_is_an_option_beside_xmr(page: Page, server: str) -> None:
    page.goto(server + "/cla-reviews?fy=2020-21", wait_until="networkidle")
    spc = page.locator("#cla-var-spc")
    upper = spc.locator(".scatterlayer .trace").nth(2).locator("path.js-line")
    expect(upper).to_have_count(1, timeout=30_000)
    flat = upper.get_attribute("d")
    page.get_by_label("p-prime chart (months of very different sizes)").check()
    # The p-prime limits follow each month's number of reviews, so the upper limit's line
    # is redrawn (it steps with the months instead of running flat).
    page.wait_for_function(
        "([sel, d]) => { const e = document.querySelector(sel); return e && "
        "e.getAttribute('d') !== d; }",
        arg=["#cla-var-spc .scatterlayer .trace:nth-child(3) path.js-line", flat],
        timeout=30_000,
    )
    expect(spc.locator(".gtitle")).to_contain_text("is it changing?")


def test_compare_with_follows_the_chosen_year(page: Page, server: str) -> None:
    page.goto(server + "/cla-reviews?fy=2020-21&cmp=2016-17", wait_until="networkidle")
    assert page.locator("#cla-cmp").input_value() == "2016-17"  # as bookmarked
    page.select_option("#cla-fy", "2019-20")
    # Choosing a year compares it with the year before, in the control and the address.
    expect(page.locator("#cla-cmp")).to_have_value("2018-19", timeout=30_000)
    expect(page).to_have_url(re.compile(r".*fy=2019-20.*cmp=2018-19.*"), timeout=30_000)
