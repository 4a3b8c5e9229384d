"""Take a screenshot of each page of a running dashboard (for the README and for looking).

Usage: SQA_SHOT_USER=manager SQA_SHOT_PASSWORD=... \
       [SQA_SHOT_ADMIN=admin SQA_SHOT_ADMIN_PASSWORD=...] \
       python scripts/screenshots.py [BASE_URL] [OUT_DIR]
Signs in through the form first (the demo accounts are printed by scripts/start.sh), and
also shoots the sign-in page, the overview and a chart page at a phone's width (390 px),
and, with an admin account, the audit trail. Prints any browser console error it sees.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dashboard.packs import chromium  # noqa: E402

PAGES = {
    "overview": "/",
    "cla-reviews": "/cla-reviews",
    "participation": "/participation",
    "child-protection": "/child-protection",
    "iro": "/iro",
    "iro-person": "/iro/S0001",
    "worklist": "/worklist",
    "quality": "/quality",
    "data-quality": "/data-quality",
    "definitions": "/definitions",
    "board-pack": "/board-pack",
    "records": "/records?measure=cla_reviews_on_time&from=2026-04-01&to=2026-04-30",
}
PHONE = {"overview-390": "/", "cla-reviews-390": "/cla-reviews"}
ADMIN = {"audit": "/audit"}


def main() -> int:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8050"
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium.CHROMIUM, args=list(chromium.FLAGS))
        page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="en-GB")
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(base + "/sign-in", wait_until="networkidle")
        page.screenshot(path=str(out / "sign-in.png"))
        accounts = [("SQA_SHOT_USER", "SQA_SHOT_PASSWORD", "manager", {**PAGES, **PHONE})]
        if os.environ.get("SQA_SHOT_ADMIN"):
            accounts.append(("SQA_SHOT_ADMIN", "SQA_SHOT_ADMIN_PASSWORD", "admin", ADMIN))
        for var, secret, default, pages in accounts:
            context = browser.new_context(locale="en-GB")
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(base + "/sign-in", wait_until="networkidle")
            page.fill("#username", os.environ.get(var, default))
            page.fill("#password", os.environ.get(secret, ""))
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            for name, path in pages.items():
                wide = 390 if name.endswith("-390") else 1440
                page.set_viewport_size({"width": wide, "height": 1000 if wide > 400 else 844})
                page.goto(base + path, wait_until="networkidle")
                page.wait_for_timeout(1500)
                page.screenshot(path=str(out / f"{name}.png"), full_page=True)
                print(f"{name}: {out / f'{name}.png'}")
            context.close()
        browser.close()
    for e in errors:
        print("console error:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
