"""Every route, as each person who may use it and as nobody, with hostile query strings, path
values and forms: never a server error, a refused request changes nothing, and opening a page
never changes the evidence (agreements, consents, answers, people)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from flask import url_for
from hypothesis import note
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from portal.content import calendar
from portal.models import LoginSession, Visitor
from portal.services import agreements, classroom, held_uploads, lessons, links
from portal.services.acceptance import Entry, Signature, record_and_commit
from portal.services.agreements import PARENT
from portal.services.pictures import picture_password_hash
from portal.services.roster import read_roster
from portal.services.sessions import start_session
from portal.services.tokens import token_hash
from portal.web.login import CLASS_DEVICE
from portal.web.runtime import runtime
from tests.factories import (
    accept_own_agreements,
    catalogue_of,
    make_class,
    make_parent,
    make_pupil,
    make_school,
    make_staff,
)
from tests.fuzz.support import (
    QUERY_NAMES_IN_CODE,
    discover,
    endpoint_of,
    form_data,
    fuzz,
    hostile_text,
    multidict,
    names_in_code,
    query_strings,
    snapshot,
)
from tests.web.test_route_access import EXPECTED, PUBLIC, routes

ACTORS = ("nobody", "pupil", "parent", "staff", "ict_lead", "admin")
# Share of the profile's max_examples for each (route, person), more for pages that read more.
GET_SHARE = 0.03
POST_SHARE = 0.03
SENTINEL = 987_654_321_000  # stands for text in a number's place while an address is built
# Most posts carry a good token, so the view runs; the others must change nothing.
CSRF_CASES = ("valid",) * 6 + ("missing", "bogus", "another session's")

# Inputs that found bugs, run every time: (endpoint, person) -> the test's arguments. URL parts
# left out take this school's first value (the world's ids differ from run to run).
GET_EXAMPLES = {
    # SQLite cannot compare with an id beyond 64 bits: OverflowError, a 500.
    ("lessons.question", "pupil"): [
        {"values": {"attempt_id": 2**63, "number": 1}, "query_string": "", "tablet": False}
    ],
    # PostgreSQL refuses to compare an INTEGER id with a number beyond 32 bits: a 500.
    ("lessons.result", "pupil"): [
        {"values": {"attempt_id": 2**31}, "query_string": "", "tablet": False}
    ],
    # The same, from a query string read with type=int.
    ("pupils.login_cards", "staff"): [
        {"values": {}, "query_string": f"class_id={2**63}", "tablet": False}
    ],
    ("agreement_records.status", "ict_lead"): [
        {"values": {}, "query_string": f"class_id={10**30}", "tablet": False}
    ],
    # An unknown kind of export was refused (404) after the audit log had recorded it.
    ("coverage.export_csv", "ict_lead"): [{"values": {}, "query_string": "rows=", "tablet": False}],
    # PostgreSQL cannot compare text holding NUL: DataError, a 500.
    ("agreement_records.photo_lookup", "staff"): [
        {"values": {}, "query_string": "name=a%00b", "tablet": False}
    ],
}
POST_EXAMPLES = {
    # "²" passes str.isdigit(), then int() refuses it: ValueError.
    ("lessons.question", "pupil"): [
        {"address": {}, "data": [("choice", "²")], "csrf": "valid", "tablet": False}
    ],
    # SQLite and PostgreSQL cannot compare an id with a number beyond their integers (as above),
    # from a form value read with type=int.
    ("agreement_records.remind", "ict_lead"): [
        {"address": {}, "data": [("class_id", str(2**63))], "csrf": "valid", "tablet": False}
    ],
    ("pupils.open_class_sign_in", "staff"): [
        {"address": {}, "data": [("class_id", "9" * 40)], "csrf": "valid", "tablet": False}
    ],
    # PostgreSQL cannot compare text holding NUL: DataError, a 500.
    ("pupils.sign_in", "nobody"): [
        {
            "address": "/pupils/sign-in",
            "data": [("password", "0"), ("username", "\x00")],
            "csrf": "valid",
            "tablet": False,
        }
    ],
}


@pytest.fixture
def policies_dir(project):
    """The school's real policies, so the agreement forms have something to sign."""
    return project / "policies"


class World:
    """A school with someone of every kind, part-done agreements, a quiz under way, a class
    sign-in open on a tablet, links in the post and a roster file waiting to be imported;
    and another school, whose records must stay out of reach."""

    def __init__(self, app, db):
        self.app, self.db = app, db
        self.sessions: dict[str, str] = {}
        self.engine = runtime(app).engine
        curriculum = runtime(app).curriculum
        school, other = make_school(db, "Alpha"), make_school(db, "Beta")
        self.year1 = make_class(db, school, "1A", 1)
        self.year3 = make_class(db, school, "3B", 3)
        other_class = make_class(db, other, "3Z", 3)
        pupil = make_pupil(db, school, self.year3, password="correct horse battery")
        little = make_pupil(db, school, self.year1)
        little.picture_password_hash = picture_password_hash(("cat", "sun", "star"))
        locked = make_pupil(db, school, self.year3)
        locked.locked_until = dt.datetime(2999, 1, 1)
        parent = make_parent(db, school, [pupil, little])
        self.people = {
            "pupil": pupil,
            "parent": parent,
            "staff": make_staff(db, school, "staff"),
            "ict_lead": make_staff(db, school, "ict_lead"),
            "admin": make_staff(db, school, "admin"),
        }
        other_pupil = make_pupil(db, other, other_class)
        other_parent = make_parent(db, other, [other_pupil])
        visitor = Visitor(school_id=school.id, name="Vera Visitor", kind="visitor")
        db.add(visitor)
        db.flush()
        lesson = curriculum.lessons_for("7-11")[0]
        attempt = lessons.start_attempt(db, pupil, lesson)
        self.tablet = classroom.open_class(
            db, self.year1, self.people["staff"], dt.timedelta(hours=6)
        )
        key, hour = app.config["SECRET_KEY"], dt.timedelta(hours=1)
        reset = links.issue_link(db, "password-reset", self.people["staff"], hour, key).token
        link = links.issue_link(db, "parent-sign-in", parent, hour, key).token
        db.commit()
        for role in ("staff", "ict_lead", "admin"):
            accept_own_agreements(app, db, self.people[role])
        self._sign_for(parent, [little])
        upload = held_uploads.hold(
            Path(app.instance_path) / "roster-uploads",
            school_id=school.id,
            filename="roster.csv",
            content=read_roster(self._roster_as_it_is(parent, [pupil, little, locked])).to_json(),
        )
        other_admin = make_staff(db, other, "admin")
        db.commit()
        ids = {
            "person": [little.id, pupil.id, parent.id, visitor.id, other_pupil.id],
            "pupil": [pupil.id, little.id, locked.id, other_pupil.id],
            "class": [self.year1.id, self.year3.id, other_class.id],
        }
        images = sorted(p.name for p in (Path(app.config["CURRICULUM_DIR"]) / "images").iterdir())
        self.values = {
            # The Reception child first: the first page opened shows a withdraw form.
            "person_id": ids["person"] + [s.id for s in self.people.values()] + [other_admin.id],
            "pupil_id": ids["pupil"],
            "parent_id": [parent.id, other_parent.id, pupil.id],
            "class_id": ids["class"],
            "column_id": ids["class"] + [3, 7],
            "kind": ["pupil", "parent", "staff", "visitor"],
            "token": [upload, reset, link, "not-a-real-token"],
            "policy": [policy.slug for policy in catalogue_of(app).content.policies],
            "lesson_id": [lesson.id, curriculum.lessons_for("4-7")[0].id],
            "part": [1, 2, len(lesson.sections)],
            "attempt_id": [attempt.id],
            "number": [1, len(lesson.questions)],
            "name": images[:3],
            "by": ["class", "year"],
            "outcome_id": [outcome.id for outcome in curriculum.outcomes[:3]],
        }

    def _sign_for(self, parent, children) -> None:
        """The parent has agreed for `children`, so withdrawing has something to withdraw."""
        rules = agreements.rules(catalogue_of(self.app), calendar.school_today())
        entries = [
            Entry.to(p.rule.in_force, "pupil", p.subject.id, p.part)
            for p in agreements.parts_to_sign(self.db, rules, parent)
            if p.subject in children and p.part == PARENT
        ]
        assert entries, "the parent should have something to sign for the Reception child"
        record_and_commit(
            self.db, parent.school_id, entries, Signature("parent", parent.id, signed_name="P")
        )

    @staticmethod
    def _roster_as_it_is(parent, pupils) -> bytes:
        """A pupils file that changes nothing, so importing it leaves the school as it is."""
        lines = ["Adno,Forename,Surname,Year,Reg Group,Contact 1 Name,Contact 1 Email,Contact 1 ID"]
        for pupil in pupils:
            lines.append(
                f"{pupil.reference},{pupil.first_name},{pupil.last_name},{pupil.year_group},"
                f"{pupil.school_class.name},{parent.name},{parent.email},{parent.reference}"
            )
        return "\n".join(lines).encode("utf-8")

    def client(self, actor: str, tablet: bool = False):
        """A fresh browser signed in as `actor` (or nobody, perhaps on the class's tablet).

        Each person keeps one session while it lasts (signing in afresh for every request
        would write a row each time); a request that ended it, such as signing out, makes the
        next browser start a new one."""
        client = self.app.test_client()
        if actor != "nobody":
            token = self.sessions.get(actor)
            if token is None or not self._live(token):
                token = self.sessions[actor] = start_session(self.db, self.people[actor])
                self.db.commit()
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = token, True
        elif tablet:
            if classroom.find_open(self.db, self.tablet) is None:  # a teacher closed it
                self.tablet = classroom.open_class(
                    self.db, self.year1, self.people["staff"], dt.timedelta(hours=6)
                )
            self.db.commit()
            with client.session_transaction() as session:
                session[CLASS_DEVICE] = self.tablet
        return client

    def _live(self, token: str) -> bool:
        found = self.db.scalar(
            select(LoginSession.id).where(LoginSession.token_hash == token_hash(token))
        )
        self.db.rollback()  # hold no snapshot of the database between requests
        return found is not None

    def csrf_token(self, client, case: str) -> str | None:
        """A CSRF token for this browser, or a missing, made-up or someone else's one."""
        if case == "missing":
            return None
        if case == "bogus":
            return "IjEyMyI.bogus.token"
        raw = "fuzz-csrf-token" if case == "valid" else "another browser's token"
        if case == "valid":
            with client.session_transaction() as session:
                session["csrf_token"] = raw
        return URLSafeTimedSerializer(self.app.secret_key, salt="wtf-csrf-token").dumps(raw)

    def url(self, endpoint: str, **values) -> str:
        """The route's address; text in a number's place is put in after building it."""
        values, texts = dict(values), {}
        for arg, value in list(values.items()):
            if isinstance(value, str) and self._is_number(endpoint, arg):
                placeholder = SENTINEL + len(texts)
                texts[str(placeholder)] = value
                values[arg] = placeholder
        with self.app.test_request_context():
            url = url_for(endpoint, **values)
        for number, text in texts.items():
            url = url.replace(number, quote(text, safe=""))
        return url

    def _is_number(self, endpoint: str, arg: str) -> bool:
        rule = next(rule for rule in self.app.url_map.iter_rules() if rule.endpoint == endpoint)
        return isinstance(rule._converters[arg], IntegerConverter)

    def path_values(self, rule) -> st.SearchStrategy[dict]:
        """Values for a route's URL parts: this school's, another school's, or hostile ones."""
        converters = rule._converters  # which parts are whole numbers
        parts = {}
        for arg in sorted(rule.arguments):
            known = st.sampled_from(self.known(rule, arg))
            if isinstance(converters[arg], IntegerConverter):
                hostile = st.one_of(
                    st.sampled_from([0, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**30]),
                    st.integers(0, 10**25),
                    hostile_text.filter(bool),
                )
            else:
                hostile = hostile_text.filter(bool)
            parts[arg] = st.one_of(known, known, hostile)
        return st.fixed_dictionaries(parts)

    def fill(self, rule, values: dict) -> dict:
        """The URL parts given, and this school's first value for any left out."""
        return {arg: self.known(rule, arg)[0] for arg in rule.arguments} | values

    def posts_to(self, url: str) -> str | None:
        adapter = self.app.url_map.bind("localhost", url_scheme="https")
        return endpoint_of(adapter, url, "POST")

    def known(self, rule, arg: str) -> list:
        """Good values for a URL part; for a part this world does not know yet, any id."""
        if arg in self.values:
            return self.values[arg]
        if isinstance(rule._converters[arg], IntegerConverter):
            return self.values["person_id"] + self.values["class_id"]
        return ["x"]

    def allowed(self, endpoint: str) -> tuple[str, ...]:
        roles = EXPECTED.get(endpoint, PUBLIC)  # a route not in that table yet: try everyone
        return ACTORS if roles == PUBLIC else ("nobody", *(a for a in ACTORS if a in roles))


@pytest.fixture
def world(app, db) -> World:
    return World(app, db)


def refused(response) -> bool:
    location = response.headers.get("Location", "")
    return 400 <= response.status_code < 500 or (
        response.status_code == 302 and "/sign-in?" in location
    )


def check(world: World, before, response, what: str, *, page_only: bool, csrf_ok: bool = True):
    """The response is no server error; nothing changed if it was refused or had no good CSRF
    token; a page that was only opened changed no evidence."""
    after = snapshot(world.engine)
    assert response.status_code < 500, f"{what}: {response.status}"
    if refused(response) or not csrf_ok:
        assert before.differences(after) == [], f"{what} was refused but changed data"
    elif page_only:
        changed = [c for c in before.differences(after) if c.split(":")[0] in before.evidence]
        assert changed == [], f"opening {what} changed evidence"


@pytest.mark.long
def test_hostile_requests_never_cause_a_server_error(world, app):
    """Each person opens every page they may (and nobody opens every page), then fuzzes its
    query string and URL parts, and posts its forms with hostile fields."""
    query_names = names_in_code(QUERY_NAMES_IN_CODE)
    for actor in ACTORS:
        found = discover(app, world.client(actor, tablet=True), start_urls(world, app))
        query_names |= found.query_names
        for rule in routes(app):
            if actor not in world.allowed(rule.endpoint):
                continue
            # Refused at the door: one or two tries show it, the view never runs.
            share = 0.3 if actor == "nobody" and world.allowed(rule.endpoint) != ACTORS else 1.0
            urls = found.urls.get(rule.endpoint, [])
            if "GET" in rule.methods:
                _fuzz_get(world, actor, rule, sorted(query_names), urls, share)
            if "POST" in rule.methods:
                fields = found.fields.get(rule.endpoint, {})
                _fuzz_post(world, actor, rule, fields, urls, share)


def start_urls(world: World, app) -> list[str]:
    """Each page that is opened with GET, at its first values from this school."""
    urls = []
    for rule in routes(app):
        if "GET" in rule.methods:
            values = {arg: world.known(rule, arg)[0] for arg in rule.arguments}
            urls.append(world.url(rule.endpoint, **values))
    return urls


def _fuzz_get(world: World, actor: str, rule, names: list[str], seen: list[str], share: float):
    # The query strings of the page's own links, sometimes kept, and hostile pairs.
    owns = [parse_qsl(urlsplit(u).query, keep_blank_values=True) for u in seen if "?" in u]
    queries = st.sampled_from(owns or [[]]).flatmap(lambda own: query_strings(names, own))
    reads_more = bool(owns or rule.arguments)  # pages with URL parts or their own queries

    @fuzz(
        GET_SHARE * share * (2 if reads_more else 1),
        examples=GET_EXAMPLES.get((rule.endpoint, actor), []),
        values=world.path_values(rule),
        query_string=queries,
        tablet=st.booleans(),
    )
    def opening_the_page(values, query_string, tablet):
        url = world.url(rule.endpoint, **world.fill(rule, values))
        client = world.client(actor, tablet)
        what = f"GET {url}?{query_string} as {actor}"
        note(what)
        before = snapshot(world.engine)
        response = client.get(url, query_string=query_string)
        response.close()  # a file it sends (a lesson picture) is closed at once
        check(world, before, response, what, page_only=True)

    opening_the_page()


def _fuzz_post(world: World, actor: str, rule, fields: dict, urls: list[str], share: float):
    # Where the page's own forms post to, or the route at values from this school or hostile.
    posted_to = [url for url in urls if world.posts_to(url) == rule.endpoint]
    address = world.path_values(rule)
    if posted_to:
        address = st.one_of(st.sampled_from(posted_to), address)

    @fuzz(
        POST_SHARE * share * (1 + min(len(fields), 4)),
        examples=POST_EXAMPLES.get((rule.endpoint, actor), []),
        address=address,
        data=form_data(fields),
        csrf=st.sampled_from(CSRF_CASES),
        tablet=st.booleans(),
    )
    def posting_the_form(address, data, csrf, tablet):
        is_url = isinstance(address, str)
        url = address if is_url else world.url(rule.endpoint, **world.fill(rule, address))
        client = world.client(actor, tablet)
        token = world.csrf_token(client, csrf)
        pairs = ([("csrf_token", token)] if token is not None else []) + data
        what = f"POST {url} as {actor} ({csrf} CSRF token) with {pairs!r}"
        note(what)
        before = snapshot(world.engine)
        response = client.post(
            url, data=multidict(pairs), headers={"Referer": f"https://localhost{url}"}
        )
        check(world, before, response, what, page_only=False, csrf_ok=csrf == "valid")

    posting_the_form()
