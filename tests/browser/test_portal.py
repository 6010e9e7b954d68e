"""The portal in Chromium: each role signs in with the keyboard, and axe-core checks every page."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from portal.models import OutboxMessage
from portal.services import demo
from portal.web.runtime import runtime
from tests.browser.conftest import DESKTOP, PHONE, axe_violations
from tests.mailbox import sent_body

pytestmark = pytest.mark.browser
TABLET = {"width": 820, "height": 1180}


class Visit:
    """A browser page that checks every page it reaches with axe-core."""

    def __init__(self, browser, viewport):
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.problems: list[str] = []

    def check(self) -> None:
        self.page.wait_for_load_state()
        self.problems += [f"{self.page.url}: {v}" for v in axe_violations(self.page)]

    def type_into(self, label: str, text: str) -> None:
        field = self.page.get_by_label(label, exact=True)
        field.focus()
        self.page.keyboard.type(text)

    def press_button(self, name: str) -> None:
        self.page.get_by_role("button", name=name).focus()
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def follow(self, name: str) -> None:
        self.page.get_by_role("link", name=name).first.focus()
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def close(self) -> None:
        self.context.close()


def test_the_ict_lead_signs_in_with_a_code_using_the_keyboard(browser, portal_url):
    url, _ = portal_url
    visit = Visit(browser, DESKTOP)
    visit.page.goto(f"{url}/sign-in")
    visit.check()
    visit.follow("I work at the school")
    visit.type_into("Email address", "ict@oakfield.example.org")
    visit.type_into("Password", "wrong password")
    visit.press_button("Sign in")
    assert visit.page.get_by_role("alert").is_visible()
    visit.check()
    visit.type_into("Password", demo.STAFF_PASSWORD)
    visit.press_button("Sign in")
    visit.check()
    code = pyotp.TOTP(demo.TOTP_SECRETS["ict_lead"]).now()
    visit.type_into("6-digit code from your authenticator app", code)
    visit.press_button("Continue")
    assert visit.page.get_by_role("heading", level=1).inner_text().startswith("Hello")
    visit.check()
    for link in ("People and locked accounts", "Change your password"):
        visit.page.goto(f"{url}/staff/")
        visit.follow(link)
        visit.check()
    visit.close()
    assert visit.problems == []


def test_a_parent_signs_in_with_a_letter_code_on_a_phone(browser, portal_url):
    url, _ = portal_url
    visit = Visit(browser, PHONE)
    visit.page.goto(f"{url}/sign-in")
    visit.follow("I am a parent or carer")
    visit.check()
    visit.type_into("Code from your letter", demo.LETTER_CODE.lower().replace("-", " "))
    visit.press_button("Sign in with my code")
    assert "Your children" in visit.page.content()
    visit.check()
    visit.close()
    assert visit.problems == []


def test_a_parent_signs_in_from_an_emailed_link_on_a_phone(browser, portal_url, db, app):
    url, _ = portal_url
    visit = Visit(browser, PHONE)
    visit.page.goto(f"{url}/parents/sign-in")
    visit.type_into("Email address", "parent0@oakfield.example.org")
    visit.press_button("Email me a link")
    visit.check()
    message = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    link = re.search(r"https?://\S+/parents/link/\S+", sent_body(app, message)).group(0)
    visit.page.goto(url + link[link.index("/parents/link/") :])
    visit.check()
    visit.press_button("Continue")
    assert "Your children" in visit.page.content()
    visit.close()
    assert visit.problems == []


def demo_pupil(sign_ins, year: str) -> tuple[str, str, str]:
    return next(entry for entry in sign_ins.pupils if entry[0].endswith(f", {year}"))


def test_a_six_year_old_signs_in_with_pictures_using_the_keyboard(browser, portal_url):
    url, sign_ins = portal_url
    child = demo_pupil(sign_ins, "Year 1")[0].split(",")[0]
    visit = Visit(browser, TABLET)
    visit.page.goto(f"{url}/sign-in/staff")
    visit.type_into("Email address", "teacher@oakfield.example.org")
    visit.type_into("Password", demo.STAFF_PASSWORD)
    visit.press_button("Sign in")
    visit.follow("Open a class sign-in")
    visit.check()
    visit.press_button("Open class sign-in for 1A")
    visit.check()
    first_name = child.split()[0]
    visit.page.get_by_role("link", name=re.compile(f"^{first_name}")).focus()
    with visit.page.expect_navigation():
        visit.page.keyboard.press("Enter")
    visit.check()
    for picture in demo.PICTURES:
        visit.page.get_by_role("button", name=picture.capitalize(), exact=True).focus()
        visit.page.keyboard.press("Space")
    visit.check()
    visit.press_button("Go")
    assert visit.page.get_by_role("heading", level=1).inner_text() == f"Hello, {first_name}!"
    visit.check()
    visit.press_button("Sign out")
    assert "/pupils/class" in visit.page.url  # the tablet is ready for the next child
    visit.close()
    assert visit.problems == []


def test_a_thirteen_year_old_signs_in_with_a_password(browser, portal_url):
    url, sign_ins = portal_url
    _, username, password = demo_pupil(sign_ins, "Year 8")
    visit = Visit(browser, TABLET)
    visit.page.goto(f"{url}/sign-in")
    visit.follow("I am a pupil in Year 3 or above")
    visit.check()
    visit.type_into("Username", username)
    visit.type_into("Password", "not my password")
    visit.press_button("Sign in")
    visit.check()
    visit.type_into("Password", password)
    visit.press_button("Sign in")
    assert visit.page.get_by_role("heading", level=1).inner_text().startswith("Hello")
    visit.check()
    visit.close()
    assert visit.problems == []


def test_the_admin_pages_pass_axe(browser, portal_url, tmp_path):
    url, _ = portal_url
    visit = Visit(browser, DESKTOP)
    visit.page.goto(f"{url}/sign-in/staff")
    visit.type_into("Email address", "admin@oakfield.example.org")
    visit.type_into("Password", demo.STAFF_PASSWORD)
    visit.press_button("Sign in")
    visit.type_into(
        "6-digit code from your authenticator app", pyotp.TOTP(demo.TOTP_SECRETS["admin"]).now()
    )
    visit.press_button("Continue")
    visit.check()
    for page in (
        "/admin/people",
        "/admin/roster",
        "/parents/letters",
        "/pupils/cards",
        "/account/password",
        "/pupils/class/open",
    ):
        visit.page.goto(f"{url}{page}")
        visit.check()
    roster = tmp_path / "pupils.csv"
    roster.write_text("UPN,Forename,Surname,Year,Reg Group\nX1,Ann,Lee,3,3A\nX2,Bo,Kim,Year 12,\n")
    visit.page.goto(f"{url}/admin/roster")
    visit.page.get_by_label("CSV file from your MIS").set_input_files(roster)
    visit.press_button("Check the file")
    visit.check()
    visit.close()
    assert visit.problems == []


def test_password_reset_and_two_factor_set_up_pages_pass_axe(browser, portal_url, db, app):
    url, _ = portal_url
    visit = Visit(browser, PHONE)
    visit.page.goto(f"{url}/sign-in/staff")
    visit.follow("I have forgotten my password")
    visit.check()
    visit.type_into("Email address", "teacher@oakfield.example.org")
    visit.press_button("Send me a link")
    visit.check()
    message = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    link = re.search(r"/password/reset/\S+", sent_body(app, message)).group(0)
    visit.page.goto(url + link)
    visit.check()
    visit.press_button("Set my new password")  # empty: the error summary
    visit.check()
    visit.page.goto(f"{url}/sign-in/staff")
    visit.type_into("Email address", "teacher@oakfield.example.org")
    visit.type_into("Password", demo.STAFF_PASSWORD)
    visit.press_button("Sign in")
    visit.follow("Two-factor sign-in")
    assert visit.page.get_by_role("button", name="Show password").is_visible()
    visit.check()
    visit.close()
    assert visit.problems == []


def do_lesson_and_quiz_by_keyboard(visit: Visit, lesson) -> None:
    """Open a lesson from My lessons, read every part, and answer every question rightly."""
    visit.follow("My lessons")
    visit.check()
    visit.follow(lesson.title)
    for _ in lesson.sections[1:]:
        visit.check()
        visit.follow("Next")
    visit.press_button("Start the quiz")
    for number, question in enumerate(lesson.questions, start=1):
        visit.check()
        for choice in sorted(question.correct_choices):
            # Options are shown shuffled: find each right one by its value, not its place.
            visit.page.locator(f'input[name="choice"][value="{choice}"]').focus()
            visit.page.keyboard.press("Space")
        visit.press_button("Check my answer")
        assert "That's right!" in visit.page.content()
        visit.check()
        if number < len(lesson.questions):
            visit.follow("Next question")
    visit.press_button("See how I did")
    assert visit.page.get_by_role("heading", level=1).inner_text() == "Well done!"
    visit.check()


def test_a_six_year_old_does_a_lesson_and_its_quiz_with_the_keyboard(browser, portal_url, app):
    url, sign_ins = portal_url
    child = demo_pupil(sign_ins, "Year 1")[0].split(",")[0]
    curriculum = runtime(app).curriculum
    visit = Visit(browser, TABLET)
    visit.page.goto(f"{url}/sign-in/staff")
    visit.type_into("Email address", "teacher@oakfield.example.org")
    visit.type_into("Password", demo.STAFF_PASSWORD)
    visit.press_button("Sign in")
    visit.follow("Open a class sign-in")
    visit.press_button("Open class sign-in for 1A")
    visit.page.get_by_role("link", name=re.compile(f"^{child.split()[0]}")).focus()
    with visit.page.expect_navigation():
        visit.page.keyboard.press("Enter")
    for picture in demo.PICTURES:
        visit.page.get_by_role("button", name=picture.capitalize(), exact=True).focus()
        visit.page.keyboard.press("Space")
    visit.press_button("Go")
    do_lesson_and_quiz_by_keyboard(visit, curriculum.lessons_for("4-7")[0])
    visit.close()
    assert visit.problems == []


def test_a_thirteen_year_old_does_a_lesson_and_its_quiz_with_the_keyboard(browser, portal_url, app):
    url, sign_ins = portal_url
    _, username, password = demo_pupil(sign_ins, "Year 8")
    curriculum = runtime(app).curriculum
    visit = Visit(browser, TABLET)
    visit.page.goto(f"{url}/pupils/sign-in")
    visit.type_into("Username", username)
    visit.type_into("Password", password)
    visit.press_button("Sign in")
    do_lesson_and_quiz_by_keyboard(visit, curriculum.lessons_for("11-14")[0])
    visit.close()
    assert visit.problems == []
