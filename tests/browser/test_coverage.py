"""The ICT lead opens the coverage dashboard, drills into a class, downloads the CSV and opens
the governors' report, with the keyboard; axe-core checks every page on the way."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP
from tests.browser.test_agreements import sign_in_staff
from tests.browser.test_portal import Visit

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_learning() -> bool:
    return True


def test_the_ict_lead_drills_from_the_heatmap_to_a_pupil_and_downloads_the_csv(
    browser, portal_url, viewport
):
    url, _ = portal_url
    lead = Visit(browser, viewport)
    sign_in_staff(lead, url, "ict@oakfield.example.org", "ict_lead")
    lead.check()
    lead.follow("What has been taught and learnt")
    lead.check()
    heatmap = lead.page.get_by_role("table", name=re.compile("Percentage of outcomes secure"))
    assert heatmap.get_by_role("rowheader", name="Online bullying").is_visible()
    assert heatmap.get_by_role("columnheader", name=re.compile("^Year 3")).is_visible()

    # Classes as columns, then the Year 3 class's cell for one strand.
    lead.page.get_by_label("Columns").select_option("class")
    lead.press_button("Show")
    lead.check()
    lead.follow(re.compile("secure: Online relationships, 3"))
    assert lead.page.get_by_role("heading", level=1).inner_text().endswith("Online relationships")
    lead.check()
    first_outcome = lead.page.locator("tbody th a").first
    first_outcome.focus()
    with lead.page.expect_navigation():
        lead.page.keyboard.press("Enter")
    levels = lead.page.locator("tbody td:last-child").all_inner_texts()
    assert levels
    assert set(levels) <= {"Not taught", "Taught", "Secure"}
    lead.check()
    lead.page.locator("tbody th a").first.focus()
    with lead.page.expect_navigation():
        lead.page.keyboard.press("Enter")
    assert lead.page.get_by_role("heading", name="Learning outcomes").is_visible()
    lead.check()

    lead.page.goto(f"{url}/coverage/")
    link = lead.page.get_by_role("link", name="Download CSV: one row per pupil and outcome")
    link.focus()
    with lead.page.expect_download() as download:
        lead.page.keyboard.press("Enter")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Pupil reference"
    assert {row[7] for row in rows[1:]} == {"Not taught", "Taught", "Secure"}

    lead.follow("Termly report for governors (printable)")
    assert lead.page.get_by_role("heading", name="Change since last term").is_visible()
    lead.check()
    lead.close()
    assert lead.problems == []


def pdf_pages(pdf: bytes) -> int:
    """Pages in a PDF Chromium wrote (each page is one `/Type /Page` object)."""
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


@pytest.mark.parametrize("period", ["term", "all"])
def test_the_governors_report_prints_on_at_most_two_a4_pages(browser, portal_url, period):
    url, _ = portal_url
    lead = Visit(browser, DESKTOP)
    sign_in_staff(lead, url, "ict@oakfield.example.org", "ict_lead")
    lead.page.goto(f"{url}/coverage/report?period={period}")
    headline = lead.page.get_by_role("listitem").filter(has_text="of outcomes secure, counting all")
    assert headline.is_visible()
    # The button opens the browser's print dialog once, and the "use your browser's Print
    # command" hint gives way to it.
    lead.page.evaluate("() => { window.prints = 0; window.print = () => { window.prints += 1; }; }")
    assert not lead.page.get_by_text("Use your browser's Print command").is_visible()
    lead.page.get_by_role("button", name="Print or save as PDF").click()
    assert lead.page.evaluate("window.prints") == 1
    pages = pdf_pages(lead.page.pdf(format="A4"))
    lead.close()
    assert 1 <= pages <= 2, f"{pages} pages"
