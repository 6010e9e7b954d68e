"""Saying no and recording on someone's behalf, in Chromium on a phone (390 px), with axe on
every page: a parent says no to their child's agreement from the family page, and the ICT lead
records a paper slip only once they tick that they hold it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE
from tests.browser.test_agreements import sign_in_staff, tick
from tests.browser.test_family import sign_in_by_email_link
from tests.browser.test_portal import Visit

pytestmark = pytest.mark.browser
ACKNOWLEDGE = (
    "I hold their signed slip (paper), or they told me themselves that they agree (in person)"
)


@pytest.fixture
def policies_dir(project):
    return project / "policies"


def test_a_parent_says_no_and_staff_record_a_slip_they_hold(browser, portal_url, db, app):
    url, _ = portal_url
    parent = Visit(browser, PHONE)
    sign_in_by_email_link(parent, url, db, app)
    parent.page.goto(f"{url}/agreements/family")
    page = parent.page
    page.get_by_text("I do not agree to the Pupil acceptable use policy (ages 4 to 7)").click()
    page.locator("details[open] textarea").focus()
    page.keyboard.type("Not yet, she is too young")
    parent.press_button("Say no to the Pupil acceptable use policy (ages 4 to 7) for Amira")
    assert "We have recorded that you do not agree" in page.content()
    assert page.get_by_text("Declined", exact=True).first.is_visible()
    parent.check()
    parent.close()

    lead = Visit(browser, PHONE)
    sign_in_staff(lead, url, "ict@oakfield.example.org", "ict_lead")
    lead.type_into("Your full name", "Grace Lin")
    lead.press_button("I agree")
    lead.page.goto(f"{url}/agreements/status?agreement=pupil-aup-4-7&show=declined")
    assert "Amira Ahmed" in lead.page.get_by_role("region", name="Declined").inner_text()
    lead.check()

    # Another Reception child's paper slip: recorded only with the acknowledgement ticked.
    lead.page.goto(f"{url}/agreements/status?agreement=pupil-aup-4-7&show=pending")
    lead.page.get_by_role("region", name="Not signed").get_by_role("link").first.focus()
    with lead.page.expect_navigation():
        lead.page.keyboard.press("Enter")
    child = lead.page.get_by_role("heading", level=1).inner_text()
    part = (
        "Pupil acceptable use policy (ages 4 to 7), version 2026.09: "
        "a parent or carer, for the child"
    )
    tick(lead, part)
    lead.page.get_by_role("group", name="How did they agree?").get_by_label(
        "Signed paper slip"
    ).check()
    lead.press_button("Record it")
    assert "Tick to confirm you hold the signed slip" in lead.page.content()
    lead.check()
    assert lead.page.get_by_label(part).is_checked()  # what was chosen is kept
    tick(lead, ACKNOWLEDGE)
    lead.press_button("Record it")
    assert f"Recorded for {child}." in lead.page.content()
    assert "Paper slip, recorded by " in lead.page.content()
    lead.check()
    lead.close()
    assert parent.problems + lead.problems == []
