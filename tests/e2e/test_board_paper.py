"""End to end: every figure on screen can go into a board paper as it is (issue 17)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.test_pages import PAGES

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
