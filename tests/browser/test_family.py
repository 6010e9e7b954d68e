"""A parent's pages in Chromium, on a phone and on a laptop, by what they see and the labels they
use: sign-in names the school; the family page starts with each person, the ticks and the one
signature, each full text a tap away and the photo choices in the same flow; the receipt wraps
and prints; a missing page names the school and the way on. axe-core checks every page."""

from __future__ import annotations

import pytest

from portal.services import demo
from tests.browser.conftest import too_wide
from tests.browser.test_agreements import tick
from tests.browser.test_portal import Visit

pytestmark = pytest.mark.browser


@pytest.fixture
def policies_dir(project):
    return project / "policies"


def sign_in_with_code(visit: Visit, url: str) -> None:
    visit.page.goto(f"{url}/sign-in")
    assert visit.page.get_by_text(f"The e-safety portal of {demo.NAME}").is_visible()
    assert visit.page.locator("header").inner_text().strip() == demo.NAME
    visit.check()
    visit.follow("I am a parent or carer")
    assert visit.page.get_by_text(f"The e-safety portal of {demo.NAME}").is_visible()
    visit.check()
    visit.type_into("Code from your letter", demo.LETTER_CODE)
    visit.press_button("Sign in with my code")


def sign_in_by_email_link(visit: Visit, url: str, db, app) -> None:
    from sqlalchemy import select

    from portal.models import OutboxMessage
    from tests.mailbox import sent_body

    visit.page.goto(f"{url}/parents/sign-in")
    visit.type_into("Email address", "parent0@oakfield.example.org")
    visit.press_button("Email me a link")
    message = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    body = sent_body(app, message)
    link = body[body.index("/parents/link/") :].split()[0]
    visit.page.goto(url + link)
    visit.press_button("Continue")


def test_a_parent_of_two_signs_near_the_top_with_photo_choices_in_the_flow(
    browser, portal_url, db, app, viewport
):
    url, _ = portal_url
    parent = Visit(browser, viewport)
    sign_in_by_email_link(parent, url, db, app)
    parent.page.goto(f"{url}/agreements/family")
    page = parent.page
    assert page.get_by_role("heading", level=1).inner_text() == "Agreements for your family"
    parent.check()
    # The signature comes before any policy's full text, which waits behind a tap.
    signature = page.get_by_label("Your full name", exact=True)
    in_full = page.get_by_role("heading", name="The agreements in full")
    assert signature.bounding_box()["y"] < in_full.bounding_box()["y"]
    first_text = page.locator(".policy-text").first
    assert not first_text.is_visible()
    page.get_by_text("Read the full text of version").first.click()
    assert first_text.is_visible()
    parent.check()
    # Each child's photo choices are real radio buttons, a tap away in the child's card.
    page.get_by_text("Photos of Amira: your choices").click()
    website = page.get_by_role("group", name="On the school website (Amira)")
    website.get_by_label("Yes").check()
    parent.check()
    tick(parent, "I have talked these rules through with Amira")
    tick(parent, "I have talked these rules through with Mason")
    parent.type_into("Your full name", "Ali Ahmed")
    parent.press_button("I agree")
    assert page.get_by_role("heading", level=1).inner_text() == "You have agreed"
    parent.check()
    assert too_wide(page, "the receipt") == []
    assert page.get_by_role("button", name="Print or save this receipt").is_visible()
    fingerprint = page.locator(".fingerprint").first
    assert len(fingerprint.locator("span").all()) == 8  # 64 characters in blocks of eight
    page.emulate_media(media="print")
    assert not page.locator("header").is_visible()
    assert not page.get_by_role("heading", name="What next").is_visible()
    page.emulate_media(media="screen")
    parent.follow("Photos of your children")
    amira_website = page.get_by_role("group", name="On the school website (Amira)")
    assert amira_website.get_by_label("Yes").is_checked()
    parent.check()
    parent.close()
    assert parent.problems == []


def test_a_parent_with_a_letter_code_sees_their_school_and_reads_links_to_the_site(
    browser, portal_url, viewport
):
    url, _ = portal_url
    parent = Visit(browser, viewport)
    sign_in_with_code(parent, url)
    assert "Your children" in parent.page.content()
    parent.check()
    parent.page.goto(f"{url}/agreements/family")
    parent.check()
    assert too_wide(parent.page, "the family page") == []
    parent.page.goto(f"{url}/no-such-page")
    assert parent.page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert parent.page.locator("header").get_by_text(demo.NAME).is_visible()
    parent.check()
    assert too_wide(parent.page, "the missing page") == []
    parent.follow("Go to your home page")
    assert "Your children" in parent.page.content()
    parent.close()
    assert parent.problems == []
