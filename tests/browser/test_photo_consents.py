"""In Chromium: a Year 8 pupil of the demo school gives their own view on photos with the
keyboard (axe-core on every page); and the built site, read on a day after a version's start
date, shows the new version as in force without being rebuilt."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_portal import Visit

pytestmark = pytest.mark.browser


def test_a_year_8_pupil_says_no_to_social_media_with_the_keyboard(browser, portal_url):
    url, sign_ins = portal_url
    _, username, password = next(p for p in sign_ins.pupils if p[0].endswith("Year 8"))
    pupil = Visit(browser, PHONE)
    pupil.page.goto(f"{url}/pupils/sign-in")
    pupil.type_into("Username", username)
    pupil.type_into("Password", password)
    pupil.press_button("Sign in")
    pupil.page.goto(f"{url}/agreements/my-photos")
    pupil.check()
    social = pupil.page.get_by_role("group", name="On the school's own social media accounts")
    social.get_by_label("No", exact=True).focus()
    pupil.page.keyboard.press("Space")
    website = pupil.page.get_by_role("group", name="On the school website")
    website.get_by_label("Yes", exact=True).focus()
    pupil.page.keyboard.press("Space")
    pupil.press_button("Save my answers")
    assert "Your answers are saved" in pupil.page.content()
    assert social.get_by_label("No", exact=True).is_checked()
    pupil.check()
    assert pupil.problems == []
    pupil.close()


@pytest.fixture(scope="module")
def site_url(demo_site, serve_folder):
    return serve_folder(demo_site)


@pytest.mark.parametrize(
    ("day", "shown", "hidden"),
    [
        (dt.date(2027, 1, 3), "comes into force on 4 January 2027", "has been in force since"),
        (dt.date(2027, 1, 4), "has been in force since 4 January 2027", "comes into force on"),
    ],
)
def test_the_site_shows_the_version_in_force_on_the_readers_day(
    browser, site_url, day, shown, hidden
):
    visit = Visit(browser, DESKTOP)
    visit.page.clock.set_fixed_time(dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC))
    visit.page.goto(f"{site_url}/policies/staff-aup/")
    visit.page.wait_for_load_state()
    assert visit.page.get_by_text(shown).first.is_visible()
    assert not visit.page.get_by_text(hidden).first.is_visible()
    current = visit.page.locator(".status-current:visible")
    assert current.count() == 1
    row = current.locator("xpath=ancestor::tr")
    expected = "2027.01" if day >= dt.date(2027, 1, 4) else "2026.09"
    assert expected in row.inner_text()
    visit.close()
