"""The HTML report in a real browser: headless Chromium shows the findings and every picture offline.

Needs Debian's ``chromium`` at /usr/bin/chromium; skipped without it, unless
``GKEINGRESS_REQUIRE_BROWSER=1`` (CI), which turns the skip into a failure. The full-page screenshot
is saved to ``artifacts/html-report.png`` for CI to keep.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from gkeingress import Report
from gkeingress.render.html import report_document
from gkeingress.testing import audit_demo

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "artifacts" / "html-report.png"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not CHROMIUM.exists():
    if os.environ.get("GKEINGRESS_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"GKEINGRESS_REQUIRE_BROWSER=1 but there is no browser at {CHROMIUM}")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import Page, Route, sync_playwright  # noqa: E402 - needs the browser


@pytest.fixture(name="report", scope="module")
def _report() -> Report:
    return audit_demo()


@pytest.fixture(name="page_and_requests")
def _page(report: Report, tmp_path: Path) -> Iterator[tuple[Page, list[str]]]:
    document = tmp_path / "report.html"
    document.write_text(report_document(report), encoding="utf-8")
    blocked: list[str] = []

    def block(route: Route) -> None:
        blocked.append(route.request.url)
        route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.route(re.compile(r"^(https?|wss?|ftp)://"), block)
            page.goto(document.as_uri(), wait_until="load")
            yield page, blocked
        finally:
            browser.close()


def test_findings_and_every_picture_are_visible_offline(
    report: Report, page_and_requests: tuple[Page, list[str]]
) -> None:
    """The findings list, a root cause's text and each Ingress's request path show; nothing is fetched.

    Consequences are folded beneath their root cause, so the error read on screen is a root cause.
    """
    page, blocked = page_and_requests
    findings = page.locator("li.finding")
    assert findings.count() == len(report.findings)
    assert findings.first.is_visible()
    error = next(f for f in report.findings if f.severity == "error" and f.is_root_cause)
    assert page.get_by_text(error.message, exact=True).first.is_visible()
    for paired in report.ingresses:
        picture = page.locator(f'figure.request-path[data-ingress="{paired.name}"]')
        picture.scroll_into_view_if_needed()
        assert picture.is_visible(), paired.name
        assert picture.locator(".hop").first.is_visible(), paired.name
    broken = page.locator(
        'figure[data-ingress="checkout/checkout"] .hop.broken[data-hop="health-check"]'
    )
    assert broken.is_visible()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 0
    assert blocked == []


def test_the_picture_fits_a_1200px_window(page_and_requests: tuple[Page, list[str]]) -> None:
    """At 1200 pixels the page needs no horizontal scrolling: each picture fits its section."""
    page, _ = page_and_requests
    assert page.evaluate("document.documentElement.scrollWidth") <= 1200
    overflowing = page.evaluate(
        "[...document.querySelectorAll('figure.request-path')]"
        ".filter(f => f.scrollWidth > f.clientWidth).map(f => f.dataset.ingress)"
    )
    assert overflowing == []
