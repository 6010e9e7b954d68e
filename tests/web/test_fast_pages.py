"""Pages that stay quick for a whole school: reading writes nothing, files are sent small and
kept by the browser, and lessons are rendered once yet always show their current words."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import re
from pathlib import Path

import pytest
from sqlalchemy import event, select, update

from portal import create_app
from portal.content.calendar import utcnow
from portal.models import LoginSession
from portal.web.runtime import runtime
from portal.wsgi import site_app
from tests.factories import LESSON_BODY, CurriculumTree, make_class, make_pupil, make_school
from tests.factories import sign_in_as as start_signed_in
from tests.portal_fixtures import FormClient

STATIC = Path(__file__).resolve().parents[2] / "portal" / "static"
ASSET = re.compile(r'(?:href|src)="(/static/([^"?]+)\?v=([0-9a-f]+))"')


@pytest.fixture
def lesson_tree(tmp_path):
    tree = CurriculumTree(tmp_path)
    tree.lesson("ey-or-ask")
    return tree


@pytest.fixture
def lessons_app(app, lesson_tree):
    small = create_app({**app.config, "CURRICULUM_DIR": str(lesson_tree.folder)})
    small.test_client_class = FormClient
    yield small
    runtime(small).engine.dispose()


@pytest.fixture
def pupil(db):
    school = make_school(db)
    child = make_pupil(db, school, make_class(db, school, "1A", 1))
    db.commit()
    return child


def signed_in(app, db, person):
    client = app.test_client()
    start_signed_in(client, db, person)
    return client


class Writes:
    """What a request changes in the database: statements that write, and commits."""

    def __init__(self, engine):
        self.statements: list[str] = []
        self.commits = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, _conn, _cursor, statement, *_args):
        if statement.split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            self.statements.append(statement)

    def _commit(self, _conn):
        self.commits += 1


def test_reading_lesson_pages_writes_nothing_to_the_database(lessons_app, db, pupil):
    client = signed_in(lessons_app, db, pupil)
    writes = Writes(runtime(lessons_app).engine)
    for part in (1, 2, 3, 2):
        page = client.get(f"/lessons/ey-or-ask/{part}")
        assert page.status_code == 200
        assert f"Part {part} of 4" in page.get_data(as_text=True)
    assert writes.statements == []
    assert writes.commits == 0


def test_a_session_in_use_is_marked_seen_at_most_once_a_minute(lessons_app, db, pupil):
    client = signed_in(lessons_app, db, pupil)
    two_minutes_ago = utcnow() - dt.timedelta(minutes=2)
    db.execute(update(LoginSession).values(last_seen_at=two_minutes_ago))
    db.commit()
    writes = Writes(runtime(lessons_app).engine)
    for _ in range(3):
        assert client.get("/lessons/ey-or-ask/1").status_code == 200
    assert len(writes.statements) == 1
    assert writes.statements[0].split(None, 1)[0].upper() == "UPDATE"
    assert writes.commits == 1
    db.expire_all()
    assert db.scalar(select(LoginSession.last_seen_at)) > two_minutes_ago


def test_every_page_shows_the_school_name_read_with_the_session(lessons_app, db, pupil):
    client = signed_in(lessons_app, db, pupil)
    page = client.get("/lessons/ey-or-ask/1").get_data(as_text=True)
    assert "<title>Ask first" in page or "Oakfield School</title>" in page
    assert "<span>Oakfield School</span></a>" in page


def test_files_on_a_page_carry_their_version_and_are_kept_for_a_year(lessons_app, db, pupil):
    client = signed_in(lessons_app, db, pupil)
    page = client.get("/lessons/ey-or-ask/1").get_data(as_text=True)
    files = ASSET.findall(page)
    # One style sheet and one script: a phone on a slow connection waits for three requests.
    assert sorted(name for _, name, _ in files) == ["portal.css", "portal.js"]
    for address, name, version in files:
        assert version == hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
        with client.get(address) as sent:  # a file is streamed: closing lets it go
            body = sent.data
        assert sent.status_code == 200
        assert sent.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert body == (STATIC / name).read_bytes()
    # An old or made-up version is not kept: the browser checks it next time.
    with client.get("/static/portal.css?v=000000000000") as stale:
        pass
    assert "immutable" not in stale.headers["Cache-Control"]
    assert "no-cache" in stale.headers["Cache-Control"]


def test_pages_and_files_are_compressed_for_browsers_that_accept_gzip(lessons_app):
    client = lessons_app.test_client()
    page = client.get("/pupils/sign-in", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]
    assert "Sign in" in gzip.decompress(page.data).decode()
    css = client.get("/static/portal.css", headers={"Accept-Encoding": "gzip, br"})  # best
    assert css.headers["Content-Encoding"] == "br"
    css = client.get("/static/portal.css", headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(css.data) == (STATIC / "portal.css").read_bytes()
    assert len(css.data) < (STATIC / "portal.css").stat().st_size / 2
    plain = client.get("/pupils/sign-in")
    assert "Content-Encoding" not in plain.headers
    assert "Sign in" in plain.get_data(as_text=True)


def test_an_edited_lesson_shows_its_new_words_once_the_portal_restarts(
    app, lessons_app, lesson_tree, db, pupil
):
    client = signed_in(lessons_app, db, pupil)
    assert "Sam asks Dad first." in client.get("/lessons/ey-or-ask/1").get_data(as_text=True)
    lesson_tree.lesson("ey-or-ask", body=LESSON_BODY.replace("asks Dad", "asks Mum"))
    restarted = create_app({**app.config, "CURRICULUM_DIR": str(lesson_tree.folder)})
    restarted.test_client_class = FormClient
    try:
        page = signed_in(restarted, db, pupil).get("/lessons/ey-or-ask/1").get_data(as_text=True)
    finally:
        runtime(restarted).engine.dispose()
    assert "Sam asks Mum first." in page
    assert "Sam asks Dad first." not in page


def test_the_site_keeps_its_themes_hashed_files_for_a_year_and_compresses_pages(demo_site):
    client = site_app(demo_site).test_client()
    home = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert home.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(home.data).decode()
    bundle = re.search(r'src="(assets/javascripts/bundle\.[0-9a-f]+\.min\.js)"', html)[1]
    script = client.get(f"/{bundle}", headers={"Accept-Encoding": "gzip"})
    assert script.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert gzip.decompress(script.data) == (demo_site / bundle).read_bytes()
    assert "immutable" not in home.headers.get("Cache-Control", "")


def test_the_site_keeps_its_own_files_for_a_year_under_their_versioned_addresses(demo_site):
    """A second visit asks for none of the site's files: its own style sheets, script and
    badge are named with their content's version, as the theme's are."""
    client = site_app(demo_site).test_client()
    with client.get("/") as home:
        html = home.get_data(as_text=True)
    own = re.findall(r'(?:href|src)="((?:stylesheets|javascripts|assets)/[^"?]+)\?v=(\w+)"', html)
    assert {path for path, _ in own} >= {
        "stylesheets/esafety.css",
        "stylesheets/school.css",
        "javascripts/in-force.js",
    }
    for path, version in own:
        with client.get(f"/{path}?v={version}") as kept:
            assert kept.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        # An address naming other content (an old page's) is checked, not kept.
        with client.get(f"/{path}?v=000000000000") as stale:
            assert "immutable" not in stale.headers.get("Cache-Control", "")


def test_the_sites_search_index_is_kept_a_few_minutes(demo_site):
    """The theme fetches it at a fixed address on every page: reading three pages in a row
    asks for it once."""
    with site_app(demo_site).test_client().get("/search/search_index.json") as index:
        assert index.status_code == 200
        assert index.headers["Cache-Control"] == "public, max-age=600"
