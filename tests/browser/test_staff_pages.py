"""The staff side in Chromium at 390 px and 1,280 px: the ICT lead's figures at a glance, a
visitor added with a confirmation, and the site and the portal both in the school's own name,
colours and badge from its profile. axe-core checks every page on the way."""

from __future__ import annotations

import re
import threading

import pytest
from werkzeug.serving import make_server

from portal.content import load_content
from portal.services import demo
from portal.wsgi import site_app
from tests.browser.conftest import DESKTOP, PHONE, axe_violations
from tests.browser.test_agreements import sign_in_staff, tick
from tests.browser.test_page_widths import agree_as_staff
from tests.browser.test_portal import Visit

pytestmark = pytest.mark.browser


@pytest.fixture
def policies_dir(project):
    return project / "policies"


@pytest.fixture(scope="module")
def brand(project):
    return load_content(project / "policies").profile.brand


def rgb(colour: str) -> str:
    """A #rrggbb colour as the browser's computed style writes it."""
    return "rgb({}, {}, {})".format(*(int(colour[i : i + 2], 16) for i in (1, 3, 5)))


def in_school_colours(page, brand, badge_shown: bool = True) -> None:
    """The header is the school's primary colour, with the school's badge."""
    header = page.locator("header").first
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == rgb(brand.primary)
    badge = header.locator("img").first
    assert badge.evaluate("img => img.complete && img.naturalWidth > 0")
    assert badge.is_visible() == badge_shown


def test_the_ict_lead_sees_the_figures_that_matter_and_follows_one(
    browser, portal_url, brand, viewport
):
    url, _ = portal_url
    lead = Visit(browser, viewport)
    sign_in_staff(lead, url, "ict@oakfield.example.org", "ict_lead")
    agree_as_staff(lead, "Grace Lin")
    lead.page.goto(f"{url}/staff/")
    lead.check()
    assert lead.page.get_by_role("heading", name="At a glance").is_visible()
    assert lead.page.get_by_role("link", name=brand.name).is_visible()
    in_school_colours(lead.page, brand)
    for figure in (
        r"^Parents and carers \d+ of \d+ signed",
        r"^Pupils aged 7 to 11, with a parent or carer \d+ of \d+ signed by both",
        r"^Curriculum .*% of outcomes secure counting all work so far",
        r"^Reminders (\d+ famil(y|ies) to remind|No reminders due)",
        r"^Policy reviews (None|\d+) overdue",
    ):
        assert lead.page.get_by_role("link", name=re.compile(figure)).is_visible(), figure
    # They signed in with a code just now: they are not asked to set one up.
    assert lead.page.get_by_role("link", name="Move two-factor sign-in to a new app").count()
    assert lead.page.get_by_text("Turn on two-factor sign-in").count() == 0
    lead.follow(re.compile(r"^Parents and carers \d+ of \d+ signed"))
    assert lead.page.get_by_role("heading", name="Parent and carer agreement").is_visible()
    assert lead.page.get_by_role("link", name="Download this list as CSV").is_visible()
    lead.check()
    lead.close()
    assert lead.problems == []


def test_adding_a_visitor_confirms_it_by_name(browser, portal_url, viewport):
    url, _ = portal_url
    lead = Visit(browser, viewport)
    sign_in_staff(lead, url, "ict@oakfield.example.org", "ict_lead")
    agree_as_staff(lead, "Grace Lin")
    lead.page.goto(f"{url}/agreements/visitors")
    lead.type_into("Full name", "Rosa Volunteer")
    tick(lead, "Volunteer")
    lead.press_button("Add, then record their agreement")
    status = lead.page.get_by_role("status")
    assert (
        status.inner_text()
        == "Rosa Volunteer is added as a volunteer. Now record their agreement below."
    )
    assert lead.page.get_by_role("heading", level=1).inner_text() == "Rosa Volunteer"
    lead.check()
    lead.close()
    assert lead.problems == []


def test_a_teacher_sees_their_links_in_the_schools_colours(browser, portal_url, brand, viewport):
    url, _ = portal_url
    teacher = Visit(browser, viewport)
    teacher.page.goto(f"{url}/sign-in/staff")
    in_school_colours(teacher.page, brand)
    teacher.type_into("Email address", "teacher@oakfield.example.org")
    teacher.type_into("Password", demo.STAFF_PASSWORD)
    teacher.press_button("Sign in")
    agree_as_staff(teacher, "Sam Reid")
    teacher.page.goto(f"{url}/staff/")
    teacher.check()
    assert teacher.page.get_by_role("heading", name="At a glance").count() == 0
    assert teacher.page.get_by_role("link", name=re.compile("^Lessons for a class")).is_visible()
    assert teacher.page.get_by_role("link", name=re.compile("^Turn on two-factor")).is_visible()
    in_school_colours(teacher.page, brand)
    teacher.close()
    assert teacher.problems == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_site_wears_the_same_name_colours_and_badge(browser, demo_site, brand, viewport):
    server = make_server("127.0.0.1", 0, site_app(demo_site), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    page = browser.new_page(viewport=viewport)
    try:
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        # On a phone Material keeps the badge for its menu, and the header for the name.
        in_school_colours(page, brand, badge_shown=viewport == DESKTOP)
        assert page.get_by_role("img", name=f"{brand.name} badge").count()
        assert brand.short_name in page.locator("header").first.inner_text()
        problems = axe_violations(page)
    finally:
        page.close()
        server.shutdown()
    assert problems == []
