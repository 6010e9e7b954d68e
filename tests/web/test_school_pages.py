"""Whose portal it is: the school's name (and badge) before sign-in, and error pages that name
the school and offer the way home, even when the database cannot answer."""

from __future__ import annotations

import base64
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event

from portal import create_app
from portal.db import make_session_factory
from portal.web import school
from portal.web.runtime import runtime
from tests.factories import ContentTree, make_parent, make_school, sign_in_as

SIGN_IN_PAGES = ("/sign-in", "/sign-in/staff", "/parents/sign-in", "/pupils/sign-in")
BADGE = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="5"/></svg>'


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def header(response) -> str:
    page = response.get_data(as_text=True)
    return words_of(page[page.index("<header") : page.index("</header>")])


def words_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@contextmanager
def broken(app):
    """Every query fails, as when the database server has gone away; errors get their page."""
    engine = create_engine("sqlite:////nonexistent-folder/esafety.sqlite")
    working = runtime(app).sessions
    runtime(app).sessions = make_session_factory(engine)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        yield
    finally:
        runtime(app).sessions = working
        app.config["PROPAGATE_EXCEPTIONS"] = None
        engine.dispose()


def test_before_sign_in_each_sign_in_page_names_the_one_school(client, db):
    make_school(db, "Oakfield")
    db.commit()
    for page in SIGN_IN_PAGES:
        response = client.get(page)
        assert header(response) == "Oakfield School"
        assert "The e-safety portal of Oakfield School" in words(response)
        assert "eSafety" not in words(response)
        assert "<img" not in response.get_data(as_text=True)  # no badge in the profile


def test_with_several_schools_the_profile_names_the_portal(client, db):
    make_school(db, "Oakfield")
    make_school(db, "Elmstead")
    db.commit()
    assert "The e-safety portal of Test School" in words(client.get("/sign-in"))


def test_the_name_before_sign_in_is_asked_of_the_database_at_most_once_a_minute(client, db, app):
    """Sign-in pages on a busy morning send no query for it; a second school shows within a
    minute, when the profile names the portal again."""
    make_school(db, "Oakfield")
    db.commit()
    assert header(client.get("/sign-in")) == "Oakfield School"
    make_school(db, "Elmstead")
    db.commit()
    asked = []
    engine = runtime(app).engine

    def note(_connection, _cursor, statement, *_rest):
        asked.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        for page in SIGN_IN_PAGES:
            assert header(client.get(page)) == "Oakfield School"
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert not [statement for statement in asked if "FROM school" in statement]

    read_at, name = runtime(app).name_before_sign_in
    runtime(app).name_before_sign_in = (read_at - school.NAME_BEFORE_SIGN_IN_SECONDS, name)
    assert "The e-safety portal of Test School" in words(client.get("/sign-in"))


@pytest.fixture
def badged_client(app, tmp_path, monkeypatch):
    """A client of the portal with a profile that names a badge, started as the demo starts:
    in the project's folder, with the policies folder given relative to it."""
    tree = ContentTree(tmp_path / "badged")
    (tree.policies / "badge.svg").write_text(BADGE, encoding="utf-8")
    school = tree.policies / "school.yml"
    school.write_text(
        school.read_text().replace("name: Test School", "name: Test School\n  badge: badge.svg")
    )
    monkeypatch.chdir(tree.policies.parent)
    badged = create_app({**app.config, "POLICIES_DIR": tree.policies.name})
    yield badged.test_client()
    runtime(badged).engine.dispose()


def test_the_badge_from_the_profile_is_shown_beside_the_name(badged_client):
    page = badged_client.get("/parents/sign-in").get_data(as_text=True)
    badges = re.findall(r'<img[^>]*src="data:image/svg\+xml;base64,([^"]+)"[^>]*>', page)
    assert len(badges) == 2  # in the header, and above the sign-in form
    # Written into the page itself, so a phone makes no request for it.
    assert {base64.b64decode(badge).decode() for badge in badges} == {BADGE}
    assert all('alt=""' in tag for tag in re.findall(r"<img[^>]*>", page))  # the name says it


def test_a_missing_page_names_the_school_and_offers_the_ways_on(app, client, db):
    school = make_school(db, "Oakfield")
    db.commit()
    response = client.get("/no-such-page")
    assert response.status_code == 404
    text = words(response)
    assert "Page not found" in text
    assert "Oakfield School" in header(response)
    links = dict(
        (words_of(label), href)
        for href, label in re.findall(
            r'<a class="choice" href="([^"]+)"><strong>(.*?)</strong>',
            response.get_data(as_text=True),
        )
    )
    assert links == {
        "Sign in to the portal": "/sign-in",
        "Read our e-safety policies": app.config["SITE_URL"],
    }
    parent = make_parent(db, school, [])
    db.commit()
    sign_in_as(client, db, parent)
    signed_in = client.get("/no-such-page")
    assert "Go to your home page" in words(signed_in)
    assert "Sign in to the portal" not in words(signed_in)


def test_without_the_database_the_sign_in_page_names_the_profiles_school(client, db):
    make_school(db, "Oakfield")
    db.commit()
    with broken(client.application):
        response = client.get("/sign-in")
    assert response.status_code == 200
    assert header(response) == "Test School"


def test_a_server_error_shows_a_page_with_the_way_home(client, db):
    parent = make_parent(db, make_school(db, "Oakfield"), [])
    db.commit()
    sign_in_as(client, db, parent)
    with broken(client.application):
        response = client.get("/parents/")  # finding who is signed in fails
    assert response.status_code == 500
    text = words(response)
    assert "Something went wrong" in text
    assert "Nothing you did caused it" in text
    assert "Test School" in header(response)  # from the profile: the database is away
    assert "Sign in to the portal" in text
    assert 'name="viewport"' in response.get_data(as_text=True)  # the phone layout


def test_if_even_the_error_page_fails_plain_words_answer(app, client, db, monkeypatch):
    def fails(*args, **kwargs):
        raise RuntimeError("the template is broken")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(app.jinja_env, "get_template", fails)
    response = client.get("/sign-in")
    assert response.status_code == 500
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("Something went wrong.")
