"""After a minor amendment, in Chromium on a phone (390 px) with axe on every page: a member of
staff and a parent who agreed to the version it amends are asked nothing, and their pages say
which version they agreed to and that it still counts."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.models import OutboxMessage
from portal.web.app import session_cookie_name
from tests.browser.conftest import PHONE
from tests.browser.test_portal import Visit
from tests.factories import make_parent, make_pupil, make_school, make_staff
from tests.mailbox import sent_body
from tests.web.test_minor_amendments import (
    STILL_COUNTS,
    agree_to_the_amended_version,
    amended_tree,
    named,
)

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"


@pytest.fixture
def policies_dir(tmp_path):
    return amended_tree(tmp_path / "amended").policies


@pytest.fixture
def portal(app, db):
    """The portal over HTTP, with a teacher and a parent who both agreed to version 2025.09."""
    app.config.update(SESSION_COOKIE_SECURE=False, SESSION_COOKIE_NAME=session_cookie_name(False))
    school = make_school(db)
    teacher = named(make_staff(db, school, password=PASSWORD), "Early Bird")
    parent = make_parent(db, school, [make_pupil(db, school, year_group=4)])
    db.commit()
    agree_to_the_amended_version(db, school, teacher, "staff")
    agree_to_the_amended_version(db, school, parent, "parent")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", teacher, parent
    server.shutdown()


def nothing_to_sign(visit: Visit) -> None:
    page = visit.page
    assert page.get_by_text(STILL_COUNTS).first.is_visible()
    assert page.get_by_role("button", name="I agree").count() == 0
    assert page.get_by_label("Your full name", exact=True).count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    visit.check()


def test_staff_who_agreed_before_a_minor_amendment_see_nothing_to_sign(browser, portal):
    url, teacher, _ = portal
    visit = Visit(browser, PHONE)
    visit.page.goto(f"{url}/sign-in/staff")
    visit.type_into("Email address", teacher.email)
    visit.type_into("Password", PASSWORD)
    visit.press_button("Sign in")
    assert "/agreements/mine" not in visit.page.url  # no agreement stands in the way
    visit.check()
    visit.page.goto(f"{url}/agreements/mine")
    assert visit.page.get_by_role("heading", level=1).inner_text() == "Your agreements"
    assert visit.page.get_by_text("Work rules, version 2025.09: you agreed on").is_visible()
    nothing_to_sign(visit)
    visit.close()
    assert visit.problems == []


def test_a_parent_who_agreed_before_a_minor_amendment_sees_nothing_to_sign(
    browser, portal, db, app
):
    url, _, parent = portal
    visit = Visit(browser, PHONE)
    visit.page.goto(f"{url}/parents/sign-in")
    visit.type_into("Email address", parent.email)
    visit.press_button("Email me a link")
    message = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    body = sent_body(app, message)
    visit.page.goto(url + body[body.index("/parents/link/") :].split()[0])
    visit.press_button("Continue")
    visit.check()
    visit.page.goto(f"{url}/agreements/family")
    page = visit.page
    assert page.get_by_text("To sign", exact=True).count() == 0
    assert page.get_by_text("Done", exact=True).is_visible()
    nothing_to_sign(visit)
    visit.close()
    assert visit.problems == []
