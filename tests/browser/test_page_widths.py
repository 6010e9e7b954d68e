"""No page scrolls sideways on a phone: every portal page each kind of user can reach, at 320 px
and 390 px, is no wider than the screen (wide tables scroll inside their own box), and the
coverage heatmap fits a 1,280 px laptop screen. The site's pages are measured where axe-core
checks them (test_site.py)."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal.migrate import upgrade
from portal.models import OutboxMessage
from portal.services import demo
from tests.browser.conftest import DESKTOP, PHONE, STICKING_OUT, too_wide
from tests.browser.test_agreements import sign_in_staff
from tests.browser.test_portal import Visit, demo_pupil
from tests.mailbox import sent_body

pytestmark = pytest.mark.browser
# Links that leave the page for a file, or end the session, are not pages to measure.
NOT_PAGES = re.compile(r"sign-out|\.csv|\.json|\.pdf|/static/|/images/|/download|mailto:|tel:")
SAME_KIND = 3  # pages measured of one kind (same address but for numbers)
MOST_PAGES = 70


@pytest.fixture
def demo_learning() -> bool:
    return True


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> str:
    """Page widths do not depend on the database: SQLite only, to keep the suite quick (every
    other portal test runs on both)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('widths') / 'esafety.sqlite'}"
    upgrade(url)
    return url


@pytest.fixture
def policies_dir(project):
    """The demo school's real policies, with their tables and long words."""
    return project / "policies"


def kind_of(address: str) -> str:
    parts = urlsplit(address)
    # A part of the address with a number in it names one of many (a class, a pupil, a lesson).
    path = "/".join("N" if re.search(r"\d", part) else part for part in parts.path.split("/"))
    return path + "?" + "&".join(sorted(re.sub(r"=.*", "", q) for q in parts.query.split("&")))


def every_page(visit: Visit, base: str, start: list[str]) -> list[str]:
    """Follow every link in the portal from the start pages, measuring each page once (a few
    of each kind); returns what is too wide."""
    page, found = visit.page, []
    queue, seen, kinds = [base + path for path in start], set(), Counter()
    while queue and len(seen) < MOST_PAGES:
        address = queue.pop(0).split("#")[0]
        kind = kind_of(address)
        if address in seen or kinds[kind] >= SAME_KIND:
            continue
        seen.add(address)
        kinds[kind] += 1
        page.goto(address)
        found += too_wide(page, urlsplit(page.url).path + (urlsplit(page.url).query and "?"))
        links = page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")
        queue += [
            link
            for link in links
            if link.startswith(base) and not NOT_PAGES.search(link) and link not in seen
        ]
    return found


def agree_as_staff(visit: Visit, name: str) -> None:
    if "/agreements/mine" in visit.page.url:
        visit.type_into("Your full name", name)
        visit.press_button("I agree")


def sign_in_as_teacher(visit: Visit, url: str, name: str) -> None:
    """The demo school's teacher signs in, and accepts the staff agreement if it is asked."""
    visit.page.goto(f"{url}/sign-in/staff")
    visit.type_into("Email address", "teacher@oakfield.example.org")
    visit.type_into("Password", demo.STAFF_PASSWORD)
    visit.press_button("Sign in")
    agree_as_staff(visit, name)


def test_no_page_before_sign_in_scrolls_sideways(browser, portal_url):
    url, _ = portal_url
    visit = Visit(browser, PHONE)
    found = every_page(visit, url, ["/sign-in", "/no/such/page", "/sign-in/code"])
    visit.close()
    assert found == [], "\n".join(found)


def test_no_page_scrolls_sideways_for_the_ict_lead(browser, portal_url):
    url, _ = portal_url
    visit = Visit(browser, PHONE)
    sign_in_staff(visit, url, "ict@oakfield.example.org", "ict_lead")
    found = too_wide(visit.page, "the staff agreement")
    agree_as_staff(visit, "Grace Lin")
    found += every_page(visit, url, ["/staff/", "/coverage/", "/coverage/report"])
    visit.page.goto(f"{url}/agreements/status?agreement=pupil-aup-7-11")
    found += too_wide(visit.page, "who has signed, one agreement")
    visit.page.goto(f"{url}/agreements/visitors")
    found += too_wide(visit.page, "visitors")
    visit.close()
    assert found == [], "\n".join(found)


def test_the_coverage_heatmap_fits_a_laptop_screen(browser, portal_url):
    url, _ = portal_url
    visit = Visit(browser, DESKTOP)
    sign_in_staff(visit, url, "ict@oakfield.example.org", "ict_lead")
    agree_as_staff(visit, "Grace Lin")
    visit.page.goto(f"{url}/coverage/")
    heatmap = visit.page.get_by_role("table", name=re.compile("Percentage of outcomes secure"))
    assert heatmap.get_by_role("columnheader", name="Whole school").is_visible()
    width = visit.page.evaluate("document.documentElement.scrollWidth")
    visit.close()
    assert width <= DESKTOP["width"]


def test_no_page_scrolls_sideways_for_a_teacher(browser, portal_url):
    url, _ = portal_url
    visit = Visit(browser, PHONE)
    sign_in_as_teacher(visit, url, "Sam Reid")
    found = every_page(visit, url, ["/staff/"])
    visit.close()
    assert found == [], "\n".join(found)


def test_no_page_scrolls_sideways_for_a_year_9_pupil(browser, portal_url):
    url, sign_ins = portal_url
    _, username, password = demo_pupil(sign_ins, "Year 9")
    visit = Visit(browser, PHONE)
    visit.page.goto(f"{url}/pupils/sign-in")
    visit.type_into("Username", username)
    visit.type_into("Password", password)
    visit.press_button("Sign in")
    found = every_page(visit, url, ["/pupils/"])
    visit.page.goto(f"{url}/lessons/")
    found += quiz_pages(visit)
    visit.close()
    assert found == [], "\n".join(found)


def quiz_pages(visit: Visit) -> list[str]:
    """Start the first lesson's quiz and measure a question and its answer."""
    page = visit.page
    lesson = page.locator("main a[href*='/lessons/']").first
    lesson.click()
    while page.get_by_role("button", name="Start the quiz").count() == 0:
        visit.follow("Next")
    visit.press_button("Start the quiz")
    found = too_wide(page, "a quiz question")
    page.locator('input[name="choice"]').first.check()
    visit.press_button("Check my answer")
    return found + too_wide(page, "a quiz answer")


def ask_families_to_sign(browser, url: str) -> None:
    """The ICT lead sends reminders for the Reception agreement, so the demo family has
    something to sign."""
    lead = Visit(browser, DESKTOP)
    sign_in_staff(lead, url, "ict@oakfield.example.org", "ict_lead")
    agree_as_staff(lead, "Grace Lin")
    lead.page.goto(f"{url}/agreements/status")
    lead.page.get_by_label("Agreement", exact=True).select_option("pupil-aup-4-7")
    lead.press_button("Show")
    lead.press_button(re.compile(r"^Send a reminder to \d+ families$"))
    lead.close()


@pytest.mark.parametrize("who", ["two children", "letter code"])
def test_no_page_scrolls_sideways_for_a_parent(browser, portal_url, db, app, who):
    url, _ = portal_url
    if who == "two children":
        ask_families_to_sign(browser, url)
    visit = Visit(browser, PHONE)
    if who == "letter code":
        visit.page.goto(f"{url}/parents/sign-in")
        found = too_wide(visit.page, "the parents' sign-in")
        visit.type_into("Code from your letter", demo.LETTER_CODE)
        visit.press_button("Sign in with my code")
    else:
        visit.page.goto(f"{url}/parents/sign-in")
        visit.type_into("Email address", "parent0@oakfield.example.org")
        visit.press_button("Email me a link")
        found = too_wide(visit.page, "the link is on its way")
        message = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        link = re.search(r"https?://\S+/parents/link/\S+", sent_body(app, message)).group(0)
        visit.page.goto(url + link[link.index("/parents/link/") :])
        found += too_wide(visit.page, "the emailed link")
        visit.press_button("Continue")
    found += every_page(visit, url, ["/parents/", "/agreements/family"])
    if who == "two children":
        visit.page.goto(f"{url}/agreements/family")
        for box in visit.page.get_by_label(re.compile("^I have talked these rules through")).all():
            box.check()
        visit.type_into("Your full name", "A Parent")
        visit.press_button("I agree")
        assert visit.page.get_by_role("heading", level=1).inner_text() == "You have agreed"
        found += too_wide(visit.page, "the receipt")
    visit.close()
    assert found == [], "\n".join(found)


def test_a_long_word_in_a_quiz_question_or_answer_wraps_on_a_small_phone(browser, project):
    """A made-up username ("TiaMensah_HighStreetSchool") is one long word: in a question or an
    answer, with its feedback, it wraps instead of pushing the page sideways."""
    long_word = "TiaMensah_HighStreetSchool_Year4"
    css = (project / "portal" / "static" / "portal.css").read_text(encoding="utf-8")
    page = browser.new_page(viewport={"width": 320, "height": 700})
    try:
        page.set_content(
            f"<style>{css}</style><main class='wrap'><form><fieldset class='question'>"
            f"<legend class='question-text'>Which is best, {long_word}?</legend>"
            "<div class='options'><div class='answer-option answer-wrong'>"
            f"<input type='radio' id='one' name='choice' checked><label for='one'>{long_word}"
            "</label></div><div class='answer-option answer-right'><input type='radio' id='two'"
            " name='choice'><label for='two'>ArtyFox</label></div></div></fieldset></form></main>"
        )
        assert page.evaluate(STICKING_OUT) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        page.close()
