"""The portal in Chromium: each role signs in with the keyboard, and axe-core checks every page."""

from __future__ import annotations

import threading

import pyotp
import pytest
from werkzeug.serving import make_server

from portal.services import demo
from tests.browser.conftest import DESKTOP, PHONE, axe_violations

pytestmark = pytest.mark.browser
TABLET = {"width": 820, "height": 1180}


@pytest.fixture
def portal_url(app, db):
    """The portal with the demo school, served over HTTP on a free local port."""
    app.config.update(SESSION_COOKIE_SECURE=False)
    sign_ins = demo.reset_demo_school(db)
    db.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", sign_ins
    server.shutdown()


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
