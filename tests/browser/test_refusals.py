"""Saying no and recording on someone's behalf, in Chromium on a phone (390 px), with axe on
every page: a parent says no to their child's agreement from the family page, and the ICT lead
records a paper slip only once they tick that they hold it."""

from __future__ import annotations

import re

import pytest

from portal.services import demo
from tests.browser.conftest import PHONE, too_wide
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


def sign_in_teacher(visit: Visit, url: str, email: str) -> None:
    visit.page.goto(f"{url}/sign-in/staff")
    visit.type_into("Email address", email)
    visit.type_into("Password", demo.STAFF_PASSWORD)
    visit.press_button("Sign in")


def words(page) -> str:
    """What the page says, as a reader sees it, with single spaces."""
    return " ".join(page.locator("body").inner_text().split())


def above(first, second) -> bool:
    """Whether `first` starts higher on the page than `second` (as a reader meets them)."""
    return first.bounding_box()["y"] < second.bounding_box()["y"]


def test_a_pupil_and_a_teacher_say_no_and_the_safeguarding_lead_sees_it(
    browser, portal_url, db, app
):
    url, sign_ins = portal_url
    _, username, password = next(p for p in sign_ins.pupils if p[0].startswith("Mason Murphy"))
    pupil = Visit(browser, PHONE)
    pupil.page.goto(f"{url}/pupils/sign-in")
    pupil.type_into("Username", username)
    pupil.type_into("Password", password)
    pupil.press_button("Sign in")
    pupil.follow("Read and sign my agreement")
    page = pupil.page
    assert above(page.get_by_text("In short:"), page.locator("#agreement-text"))
    page.get_by_text("I do not agree", exact=True).first.click()  # open the explanation
    assert page.get_by_text("A teacher will talk with you about it").is_visible()
    pupil.type_into("Why not? You do not have to say.", "I do not understand the rules")
    pupil.press_button("I do not agree")
    assert "Thank you for telling us. A teacher will talk with you about it." in words(page)
    assert "You said that you do not agree to these rules" in words(page)
    pupil.check()
    assert too_wide(page, "a pupil's page after saying no") == []
    page.goto(f"{url}/pupils/")
    assert page.get_by_role("link", name="My agreement").is_visible()  # not asked again
    pupil.close()

    teacher = Visit(browser, PHONE)
    sign_in_teacher(teacher, url, "teacher@oakfield.example.org")
    page = teacher.page
    assert "/agreements/mine" in page.url
    assert above(page.get_by_text("In short:"), page.locator("#agreement-text"))
    page.get_by_text("I do not accept this policy", exact=True).click()
    teacher.press_button("I do not accept it")
    assert page.get_by_role("alert").is_visible()
    assert "Say why you do not accept it." in page.get_by_role("alert").inner_text()
    teacher.check()
    teacher.type_into("Why do you not accept it?", "Rules about my own phone go too far")
    teacher.press_button("I do not accept it")
    assert "Your answer is recorded." in words(page)
    assert "You said that you do not accept this policy" in words(page)
    assert '"Rules about my own phone go too far"' in words(page)
    teacher.check()
    assert too_wide(page, "a teacher's page after saying no") == []
    teacher.close()

    dsl = Visit(browser, PHONE)
    sign_in_teacher(dsl, url, "safeguarding@oakfield.example.org")
    dsl.type_into("Your full name", "Priya Shah")
    dsl.press_button("I agree")
    dsl.follow("Refusals and withdrawals")
    listed = dsl.page.get_by_role("region", name="Refusals and withdrawals, newest first")
    assert "I do not understand the rules" in listed.inner_text()
    assert "Rules about my own phone go too far" in listed.inner_text()
    dsl.check()
    assert too_wide(dsl.page, "the refusals page") == []
    dsl.follow("Mason Murphy")
    assert "Declined: Pupil acceptable use policy (ages 7 to 11)" in dsl.page.content()
    dsl.check()
    dsl.close()
    assert pupil.problems + teacher.problems + dsl.problems == []


def visitors_figure(page, url: str) -> str:
    """The staff home's figure at a glance for visitors and volunteers."""
    page.goto(f"{url}/staff/")
    figure = page.get_by_role("link", name=re.compile("^Visitors and volunteers"))
    return figure.locator("strong").inner_text()


def test_the_ict_lead_marks_a_visitor_as_left_and_undoes_it(browser, portal_url):
    url, _ = portal_url
    lead = Visit(browser, PHONE)
    sign_in_staff(lead, url, "ict@oakfield.example.org", "ict_lead")
    lead.type_into("Your full name", "Grace Lin")
    lead.press_button("I agree")
    lead.follow("Visitors, volunteers and governors")
    lead.type_into("Full name", "Pat Plumber")
    lead.page.get_by_role("group", name="They are a").get_by_label("Visitor").check()
    lead.press_button("Add, then record their agreement")
    page = lead.page
    summary = page.get_by_text("In short:")
    assert above(summary, page.get_by_text("Read the full text of version"))
    lead.check()
    lead.press_button("Mark as left")
    assert "Pat Plumber is marked as left on " in page.get_by_role("status").first.inner_text()
    lead.check()
    page.goto(f"{url}/agreements/visitors")
    left = page.get_by_role("region", name="Left")
    assert "Pat Plumber" in left.inner_text()
    lead.check()
    assert too_wide(page, "the visitors page with someone who left") == []
    assert visitors_figure(page, url) == "Nobody to sign yet"  # no longer "0 of 1 signed"
    page.goto(f"{url}/agreements/visitors")
    left.get_by_role("link", name="Pat Plumber").click()
    page.wait_for_load_state()
    lead.press_button("Undo: they have not left")
    assert "Pat Plumber is no longer marked as left." in page.content()
    assert page.get_by_role("button", name="Mark as left").is_visible()
    lead.check()
    assert visitors_figure(page, url) == "0 of 1 signed"
    lead.close()
    assert lead.problems == []


def test_the_family_page_says_the_summary_first_and_the_receipt_names_the_language(
    browser, portal_url, db, app
):
    url, _ = portal_url
    parent = Visit(browser, PHONE)
    sign_in_by_email_link(parent, url, db, app)
    page = parent.page
    page.goto(f"{url}/agreements/family")
    section = page.locator("#policy-pupil-aup-7-11")  # the countersignature for Mason
    assert above(section.locator("p.lead"), section.locator("details.full-text"))
    tick(parent, "I have talked these rules through with Amira")
    tick(parent, "I have talked these rules through with Mason")
    parent.type_into("Your full name", "Ali Ahmed")
    parent.press_button("I agree")
    assert page.get_by_role("heading", level=1).inner_text() == "You have agreed"
    languages = page.locator(".receipt-line dd").filter(has_text="English (en-GB)")
    assert languages.count() == page.locator(".receipt-line").count() == 3
    parent.check()
    parent.close()
    assert parent.problems == []
