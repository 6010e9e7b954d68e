"""The ICT lead answers a subject access request with the keyboard: finds a parent of the demo
school, opens their copy and downloads it, then a child's; axe-core checks every page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.browser.test_agreements import sign_in_staff
from tests.browser.test_portal import Visit

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_learning() -> bool:
    return True


def test_the_ict_lead_finds_a_parent_and_downloads_their_copy(browser, portal_url, viewport):
    url, sign_ins = portal_url
    parent_name = sign_ins.parents[0][0].split(" (")[0]
    lead = Visit(browser, viewport)
    sign_in_staff(lead, url, "ict@oakfield.example.org", "ict_lead")
    lead.follow("Copies of people's data")
    lead.check()
    lead.type_into("Name, email address or school reference", parent_name.split()[-1])
    lead.press_button("Find")
    lead.check()
    lead.follow(parent_name)
    assert lead.page.get_by_role("heading", level=1).inner_text() == parent_name
    assert lead.page.get_by_role("heading", name="Children linked to them").is_visible()
    lead.check()
    link = lead.page.get_by_role("link", name="Download this record as a file")
    link.focus()
    with lead.page.expect_download() as download:
        lead.page.keyboard.press("Enter")
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["parent_or_carer"]["name"] == parent_name
    child = data["children"][0]
    lead.page.go_back()
    lead.page.get_by_label("Name, email address or school reference").fill("")
    lead.type_into("Name, email address or school reference", child["last_name"])
    lead.press_button("Find")
    lead.follow(re.compile(f"^{child['first_name']} {child['last_name']}$"))
    assert lead.page.get_by_role("heading", name="Details and signing in").is_visible()
    assert lead.page.get_by_role("heading", name="Audit log").is_visible()
    lead.check()
    lead.close()
    assert lead.problems == []
