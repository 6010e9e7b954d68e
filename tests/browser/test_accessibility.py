"""What the accessibility statement promises, in Chromium: focus on the problems, a way to see
a password, British English, the site's own page for a wrong address."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from portal.wsgi import site_app
from tests.browser.conftest import PHONE, axe_violations
from tests.browser.test_portal import Visit

pytestmark = pytest.mark.browser


def test_a_form_with_errors_puts_focus_on_the_list_of_problems(browser, portal_url):
    url, _ = portal_url
    visit = Visit(browser, PHONE)
    visit.page.goto(f"{url}/sign-in/staff")
    visit.press_button("Sign in")  # nothing typed
    focused = visit.page.evaluate("document.activeElement.className")
    assert "error-summary" in focused
    assert visit.page.evaluate("document.activeElement.innerText").startswith("There is a problem")
    visit.check()
    visit.close()
    assert visit.problems == []


def test_a_password_can_be_shown_and_hidden_again(browser, portal_url):
    url, _ = portal_url
    visit = Visit(browser, PHONE)
    visit.page.goto(f"{url}/sign-in/staff")
    box = visit.page.get_by_label("Password", exact=True)
    box.fill("correct horse")
    show = visit.page.get_by_role("button", name="Show password")
    show.focus()
    visit.page.keyboard.press("Enter")
    assert box.get_attribute("type") == "text"
    hide = visit.page.get_by_role("button", name="Hide password")
    assert hide.get_attribute("aria-pressed") == "true"
    hide.click()
    assert box.get_attribute("type") == "password"
    assert visit.page.evaluate("document.documentElement.lang") == "en-GB"
    visit.check()
    visit.close()
    assert visit.problems == []


def test_the_site_speaks_british_english_and_its_pages_have_their_own_titles(browser, demo_site):
    server = make_server("127.0.0.1", 0, site_app(demo_site), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(f"{base}/")
        home = page.title()
        assert page.evaluate("document.documentElement.lang") == "en-GB"
        response = page.goto(f"{base}/no/such/page/")
        assert response.status == 404
        assert page.title() != home
        assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
        page.get_by_role("link", name="Go to the home page").click()
        assert page.title() == home
        page.goto(f"{base}/accessibility/")
        assert page.get_by_role("heading", level=1).inner_text().startswith("Accessibility")
        assert axe_violations(page) == []
    finally:
        page.close()
        server.shutdown()
