"""Every route, tried as every role, as nobody, and as someone from another school."""

from __future__ import annotations

import pytest

from portal.models import ClassTeacher
from portal.web.runtime import runtime
from tests.factories import make_class, make_parent, make_pupil, make_school, make_staff, sign_in_as

PUBLIC = "everyone"
STAFF = {"staff", "ict_lead", "admin"}
ACTORS = ("nobody", "pupil", "parent", "staff", "ict_lead", "admin")

# Who may use each route. A new route must be added here, or test_the_table_is_complete fails.
EXPECTED = {
    "home.index": PUBLIC,
    "home.healthz": PUBLIC,
    "home.staff": STAFF,
    "auth.sign_in": PUBLIC,
    "auth.staff_sign_in": PUBLIC,
    "auth.two_factor": PUBLIC,
    # Only part-way through signing in (password given, no second factor yet).
    "auth.two_factor_setup": PUBLIC,
    "auth.account_two_factor": STAFF,
    "auth.sign_out": {"pupil", "parent", *STAFF},
    "auth.forgot_password": PUBLIC,
    "auth.reset_password": PUBLIC,
    "auth.change_password": STAFF,
    "admin.people": {"admin", "ict_lead"},
    "admin.unlock": {"admin", "ict_lead"},
    "admin.roster": {"admin"},
    "admin.roster_preview": {"admin"},
    "admin.import_roster": {"admin"},
    "parents.home": {"parent"},
    "parents.sign_in": PUBLIC,
    "parents.link": PUBLIC,
    "parents.letters": {"admin", "ict_lead"},
    "pupils.home": {"pupil"},
    "pupils.sign_in": PUBLIC,
    "pupils.login_cards": STAFF,
    "pupils.open_class_sign_in": STAFF,
    "pupils.close_class_sign_in": STAFF,
    "pupils.class_sign_in": PUBLIC,
    "pupils.picture_sign_in": PUBLIC,
    # The site's "Read and sign online" link: anyone signed in goes on to what they sign.
    "agreements.sign": {"pupil", "parent", *STAFF},
    "agreements.family": {"parent"},
    "agreements.decline": {"parent"},
    "agreements.take_back": {"parent"},
    "agreements.receipt": {"parent"},
    "agreements.photos": {"parent"},
    "agreements.my_photos": {"pupil"},
    "agreements.mine": {"pupil", *STAFF},
    "agreements.decline_own": {"pupil", *STAFF},
    "agreement_records.status": {"ict_lead", "admin"},
    "agreement_records.remind": {"ict_lead", "admin"},
    "agreement_records.export_csv": {"ict_lead", "admin"},
    "agreement_records.print_list": {"ict_lead", "admin"},
    "agreement_records.person": STAFF,
    "agreement_records.withdraw": STAFF,
    "agreement_records.decline": STAFF,
    "agreement_records.class_slips": STAFF,
    "agreement_records.visitors": STAFF,
    "agreement_records.visitor_left": {"ict_lead", "admin"},
    "agreement_records.visitor_back": {"ict_lead", "admin"},
    # Of staff, the ICT lead and the designated safeguarding lead (named in school.yml).
    "agreement_records.refusal_list": {"ict_lead"},
    "agreement_records.photo_lookup": STAFF,
    "lessons.image": {"pupil", *STAFF},
    "lessons.mine": {"pupil"},
    "lessons.read": {"pupil"},
    "lessons.start_quiz": {"pupil"},
    "lessons.question": {"pupil"},
    "lessons.result": {"pupil"},
    "lessons.classes": STAFF,
    "lessons.class_lessons": STAFF,
    "lessons.progress": STAFF,
    "lessons.pupil_answers": STAFF,
    "lessons.use_scheme": STAFF,
    "lessons.scheme": STAFF,
    "lessons.notes": STAFF,
    "lessons.teach": STAFF,
    "coverage.dashboard": {"ict_lead", "admin"},
    "coverage.set_threshold": {"ict_lead", "admin"},
    "coverage.column": {"ict_lead", "admin"},
    "coverage.outcome": {"ict_lead", "admin"},
    "coverage.pupil": {"ict_lead", "admin"},
    "coverage.pupil_file": {"ict_lead", "admin"},
    "coverage.export_csv": {"ict_lead", "admin"},
    "coverage.report": {"ict_lead", "admin"},
    "data_requests.index": {"ict_lead", "admin"},
    "data_requests.parent": {"ict_lead", "admin"},
    "data_requests.parent_file": {"ict_lead", "admin"},
}


@pytest.fixture
def world(app, db):
    """Two schools; everyone in school A, and an admin in school B."""
    school = make_school(db, "Alpha")
    other = make_school(db, "Beta")
    school_class = make_class(db, school)
    pupil = make_pupil(db, school, school_class)
    people = {
        "pupil": pupil,
        "parent": make_parent(db, school, [pupil]),
        "staff": make_staff(db, school, "staff"),
        "ict_lead": make_staff(db, school, "ict_lead"),
        "admin": make_staff(db, school, "admin"),
        "other_admin": make_staff(db, other, "admin"),
    }
    db.flush()
    # The teacher teaches the pupil's class: who may record for whom is tested on its own.
    db.add(ClassTeacher(class_id=school_class.id, staff_id=people["staff"].id))
    db.commit()
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF is tested on its own; this tests roles
    return {"people": people, "class": school_class}


def url_for_rule(app, rule, world) -> str:
    """Fill each URL part with something from school A."""
    values = {
        "person_id": world["people"]["pupil"].id,
        "pupil_id": world["people"]["pupil"].id,
        "parent_id": world["people"]["parent"].id,
        "class_id": world["class"].id,
        "kind": "pupil",
        "token": "not-a-real-token",
        "policy": "rules",
        "lesson_id": runtime(app).curriculum.lessons_for("7-11")[0].id,
        "part": 1,
        "attempt_id": 1,
        "number": 1,
        "name": "si-bunny-face.svg",
        "by": "class",
        "column_id": world["class"].id,
        "outcome_id": "or-ks2-1",
    }
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})


def routes(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def call(client, rule, url):
    method = "GET" if "GET" in rule.methods else "POST"
    response = client.open(url, method=method)
    response.close()  # a file it sends (a lesson picture) is closed at once
    return response


def refused(response) -> bool:
    location = response.headers.get("Location", "")
    return response.status_code == 403 or (response.status_code == 302 and "/sign-in?" in location)


# Routes whose address names the curriculum's own files, the same for every school: a lesson's
# pictures, teacher notes and whole-class view. Any school's staff may open them.
SHARED_CONTENT = {"lessons.image", "lessons.notes", "lessons.teach"}


def test_the_table_is_complete(app):
    assert {rule.endpoint for rule in routes(app)} == set(EXPECTED)


@pytest.mark.parametrize("actor", ACTORS)
def test_every_route_answers_each_role_as_declared(app, world, actor):
    wrong = []
    for rule in routes(app):
        client = app.test_client()
        if actor != "nobody":
            sign_in_as(client, runtime(app).sessions(), world["people"][actor])
        response = call(client, rule, url_for_rule(app, rule, world))
        allowed = EXPECTED[rule.endpoint] == PUBLIC or actor in EXPECTED[rule.endpoint]
        if refused(response) == allowed:
            wrong.append(f"{rule.endpoint} as {actor}: {response.status_code}")
    assert wrong == []


def test_nobody_is_sent_to_sign_in_not_shown_an_error(app, world):
    client = app.test_client()
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_an_admin_of_another_school_cannot_reach_this_schools_records(app, world):
    client = app.test_client()
    sign_in_as(client, runtime(app).sessions(), world["people"]["other_admin"])
    wrong = []
    for rule in routes(app):
        if not rule.arguments - {"token"} or EXPECTED[rule.endpoint] == PUBLIC:
            continue
        if rule.endpoint in SHARED_CONTENT:
            continue
        response = call(client, rule, url_for_rule(app, rule, world))
        if response.status_code not in (403, 404):
            wrong.append(f"{rule.endpoint}: {response.status_code}")
    assert wrong == []
