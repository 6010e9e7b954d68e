"""Pupils read lessons and answer quizzes; teachers set lessons and see progress."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import create_app
from portal.models import LessonAssignment, LessonDone, QuizAnswer, QuizAttempt
from portal.web.runtime import runtime
from tests.factories import (
    CurriculumTree,
    make_class,
    make_pupil,
    make_school,
    make_staff,
    sign_in_as,
    true_false,
)


@pytest.fixture(scope="module")
def base_lessons(tmp_path_factory) -> Path:
    tree = CurriculumTree(tmp_path_factory.mktemp("base"))
    tree.lesson("ey-or-ask")
    return tree.folder


@pytest.fixture
def lessons_from(database_url, policies_dir, portal_app):
    """The test app (see tests/portal_fixtures.py) reading a small curriculum of its own, so
    these tests do not depend on the lessons being written in curriculum/."""

    def make(folder: Path):
        return portal_app(
            database_url,
            POLICIES_DIR=str(policies_dir),
            CURRICULUM_DIR=str(folder),
            SITE_URL="https://site.example/",
        )

    return make


@pytest.fixture
def app(lessons_from, base_lessons):
    return lessons_from(base_lessons)


OLDER = {
    "id": "s1",
    "type": "scenario",
    "outcome": "or-ks2-1",
    "text": "Ana gets a message from someone she does not know. What should she do?",
    "options": [
        {
            "text": "Reply with her address",
            "correct": False,
            "feedback": "Not quite. Ana should not share where she lives.",
        },
        {
            "text": "Tell a trusted adult",
            "correct": True,
            "feedback": "Yes. A trusted adult can help Ana stay safe.",
        },
    ],
}


@pytest.fixture(scope="module")
def small_lessons(tmp_path_factory) -> Path:
    """A small curriculum: one lesson for ages 4-7, one for 7-11."""
    tree = CurriculumTree(tmp_path_factory.mktemp("small"))
    tree.lesson("ey-or-ask")
    tree.lesson(
        "ks2-or-trust",
        band="7-11",
        outcomes=["or-ks2-1"],
        questions=[OLDER | {"id": f"s{n}"} for n in range(1, 6)],
    )
    return tree.folder


@pytest.fixture
def lessons_app(app, lessons_from, small_lessons):
    return lessons_from(small_lessons)


@pytest.fixture
def school(db):
    return make_school(db)


@pytest.fixture
def year1(db, school):
    return make_class(db, school, "1A", 1)


@pytest.fixture
def child(db, school, year1):
    pupil = make_pupil(db, school, year1)
    db.commit()
    return pupil


def pupil_client(app, db, pupil):
    client = app.test_client()
    sign_in_as(client, db, pupil)
    return client


def take_quiz(client, lesson_id, answers):
    """Read to the end, start the quiz and answer each question with the given choice."""
    page = f"/lessons/{lesson_id}/4"
    start = client.submit(page, {}, action=f"/lessons/{lesson_id}/quiz")
    attempt = start.headers["Location"].split("/")[3]
    for number, choice in enumerate(answers, start=1):
        client.submit(f"/lessons/quiz/{attempt}/{number}", {"choice": str(choice)})
    done = f"/lessons/quiz/{attempt}/done"
    client.submit(f"/lessons/quiz/{attempt}/{len(answers)}", {}, action=done)
    return client.get(done).get_data(as_text=True)


def test_my_lessons_shows_the_pupils_band_only(lessons_app, db, child):
    client = pupil_client(lessons_app, db, child)
    page = client.get("/lessons/").get_data(as_text=True)
    assert "Ask first" in page
    assert "ks2-or-trust" not in page
    assert client.get("/lessons/ks2-or-trust/1").status_code == 404


def test_a_lesson_shows_one_part_at_a_time_with_progress(lessons_app, db, child):
    client = pupil_client(lessons_app, db, child)
    page = client.get("/lessons/ey-or-ask/2").get_data(as_text=True)
    assert "Part 2 of 4" in page
    assert '<progress id="progress" max="4" value="2">' in page
    assert "Key ideas" in page
    assert "Read it to me" in page


def test_feedback_comes_at_once_and_every_answer_is_stored(lessons_app, db, child):
    client = pupil_client(lessons_app, db, child)
    start = client.submit("/lessons/ey-or-ask/4", {}, action="/lessons/ey-or-ask/quiz")
    question = start.headers["Location"]
    answered = client.submit(question, {"choice": "1"})
    page = client.get(answered.headers["Location"]).get_data(as_text=True)
    assert "Not quite" in page
    assert "Sam should ask." in page  # the chosen option's kind feedback
    [answer] = db.scalars(select(QuizAnswer)).all()
    assert (answer.pupil_id, answer.question_id, answer.outcome_id) == (child.id, "q1", "or-ey-1")
    assert answer.chosen == [1]
    assert answer.correct is False


def test_a_second_press_does_not_change_a_stored_answer(lessons_app, db, child):
    client = pupil_client(lessons_app, db, child)
    question = client.submit("/lessons/ey-or-ask/4", {}, action="/lessons/ey-or-ask/quiz").headers[
        "Location"
    ]
    client.submit(question, {"choice": "0"})
    client.submit(question, {"choice": "1"})
    [answer] = db.scalars(select(QuizAnswer)).all()
    assert answer.chosen == [0]


def test_four_of_five_passes_and_three_of_five_does_not(lessons_app, db, child):
    client = pupil_client(lessons_app, db, child)
    assert "Good try!" in take_quiz(client, "ey-or-ask", [0, 0, 0, 1, 1])
    assert "Well done!" in take_quiz(client, "ey-or-ask", [0, 0, 0, 0, 1])
    attempts = db.scalars(select(QuizAttempt).order_by(QuizAttempt.id)).all()
    assert [(a.correct, a.passed) for a in attempts] == [(3, False), (4, True)]
    assert db.scalar(select(LessonDone)).lesson_id == "ey-or-ask"
    page = client.get("/lessons/").get_data(as_text=True)
    assert "Quiz passed" in page


def test_no_answer_gets_a_clear_error(lessons_app, db, child):
    client = pupil_client(lessons_app, db, child)
    question = client.submit("/lessons/ey-or-ask/4", {}, action="/lessons/ey-or-ask/quiz").headers[
        "Location"
    ]
    page = client.submit(question, {})
    assert page.status_code == 400
    assert "Choose an answer" in page.get_data(as_text=True)


def test_a_pupil_cannot_open_another_pupils_attempt(lessons_app, db, school, year1, child):
    client = pupil_client(lessons_app, db, child)
    question = client.submit("/lessons/ey-or-ask/4", {}, action="/lessons/ey-or-ask/quiz").headers[
        "Location"
    ]
    other = pupil_client(lessons_app, db, make_pupil(db, school, year1))
    assert other.get(question).status_code == 404


def test_a_teacher_sets_a_lesson_from_another_band_for_a_mixed_class(
    lessons_app, db, school, year1, child
):
    teacher = make_staff(db, school)
    db.commit()
    staff = lessons_app.test_client()
    sign_in_as(staff, db, teacher)
    page = f"/lessons/classes/{year1.id}"
    staff.submit(page, {"lesson": "ks2-or-trust"})
    client = pupil_client(lessons_app, db, child)
    mine = client.get("/lessons/").get_data(as_text=True)
    assert "Set by your teacher" in mine
    assert client.get("/lessons/ks2-or-trust/1").status_code == 200


def test_the_teacher_sees_passed_tried_not_started_and_the_hardest_question(
    lessons_app, db, school, year1, child
):
    second = make_pupil(db, school, year1)
    make_pupil(db, school, year1)
    teacher = make_staff(db, school)
    db.commit()
    take_quiz(pupil_client(lessons_app, db, child), "ey-or-ask", [0, 0, 0, 0, 0])
    take_quiz(pupil_client(lessons_app, db, second), "ey-or-ask", [1, 0, 0, 1, 1])
    staff = lessons_app.test_client()
    sign_in_as(staff, db, teacher)
    page = staff.get(f"/lessons/classes/{year1.id}/progress/ey-or-ask").get_data(as_text=True)
    assert "1 passed, 1 tried, 1 not started, of 3 pupils." in page
    hardest = page[page.index("found hardest") :]
    assert hardest.index("50% (1 of 2 answers)") < hardest.index("100% (2 of 2 answers)")


def test_staff_of_another_school_cannot_see_a_class(lessons_app, db, year1):
    outsider = make_staff(db, make_school(db, "Other"))
    db.commit()
    staff = lessons_app.test_client()
    sign_in_as(staff, db, outsider)
    assert staff.get(f"/lessons/classes/{year1.id}").status_code == 404
    assert staff.get(f"/lessons/classes/{year1.id}/progress/ey-or-ask").status_code == 404


def test_the_portal_refuses_to_start_with_a_broken_lesson(app, tmp_path):
    tree = CurriculumTree(tmp_path)
    tree.lesson(questions=[true_false(1)])
    with pytest.raises(RuntimeError, match="a quiz needs at least 5 questions"):
        create_app({**app.config, "CURRICULUM_DIR": str(tree.folder)})


# --- A scheme of work: year groups, teacher notes, the whole-class view -------------------------

SINGLE = {
    "id": "c1",
    "type": "single",
    "outcome": "or-ks2-1",
    "text": "Which of these is the safest thing for Ana to do?",
    "options": [
        {
            "text": "Reply and ask who it is",
            "correct": False,
            "feedback": "Not quite. Ana need not reply.",
        },
        {
            "text": "Block and report the account",
            "correct": True,
            "feedback": "Yes. That stops it.",
        },
        {
            "text": "Send the message to friends",
            "correct": False,
            "feedback": "Not quite. It spreads.",
        },
        {
            "text": "Tell a trusted adult later",
            "correct": False,
            "feedback": "Not quite. Tell one now.",
        },
    ],
}


@pytest.fixture(scope="module")
def scheme_lessons(tmp_path_factory) -> Path:
    """A small scheme: Reception and Year 1 lessons for ages 4-7 (one sensitive), and a Year 3
    and a Year 4 lesson for ages 7-11 whose quiz has four options a question."""
    tree = CurriculumTree(tmp_path_factory.mktemp("scheme"))
    tree.lesson("ey-or-ask", title="Ask first", year_groups=[1])
    tree.lesson(
        "ey-or-reception",
        title="Hello tablet",
        year_groups=[0],
        notes={"sensitive": True, "sensitive_reason": "Some pupils may have met a stranger."},
    )
    for lesson_id, title, year in (("ks2-or-trust", "Trust", 3), ("ks2-or-game", "Game", 4)):
        tree.lesson(
            lesson_id,
            band="7-11",
            title=title,
            year_groups=[year],
            outcomes=["or-ks2-1"],
            questions=[SINGLE | {"id": f"c{n}"} for n in range(1, 6)],
        )
    return tree.folder


@pytest.fixture
def scheme_app(app, lessons_from, scheme_lessons):
    return lessons_from(scheme_lessons)


def staff_client(app, db, school):
    teacher = make_staff(db, school)
    db.commit()
    client = app.test_client()
    sign_in_as(client, db, teacher)
    return client


def test_a_pupil_sees_their_own_year_first_then_the_rest_of_the_band(
    scheme_app, db, school, year1, child
):
    page = pupil_client(scheme_app, db, child).get("/lessons/").get_data(as_text=True)
    assert page.index("Ask first") < page.index("Hello tablet")
    assert "For your year" in page
    assert "Trust" not in page


def test_the_teacher_sees_each_year_groups_sequence(scheme_app, db, school, year1):
    staff = staff_client(scheme_app, db, school)
    assert 'href="/lessons/scheme"' in staff.get("/lessons/classes").get_data(as_text=True)
    class_page = staff.get(f"/lessons/classes/{year1.id}").get_data(as_text=True)
    assert '<option value="1" selected>Year 1 (1 lesson)</option>' in class_page
    assert "Use this scheme" in class_page
    page = staff.get("/lessons/scheme").get_data(as_text=True)
    assert "Reception: 1 lesson" in page
    assert "Year 3: 1 lesson" in page
    assert "Year 5: 0 lessons" in page
    assert page.index("Hello tablet") < page.index("Ask first") < page.index("Trust")


def test_a_teacher_sets_a_whole_years_scheme_in_one_step(scheme_app, db, school, year1, child):
    staff = staff_client(scheme_app, db, school)
    staff.submit(f"/lessons/classes/{year1.id}", {"lesson": "ey-or-reception"})
    done = staff.submit(
        f"/lessons/classes/{year1.id}", {"year": "4"}, action=f"/lessons/classes/{year1.id}/scheme"
    )
    assert done.status_code == 302
    assigned = db.scalars(
        select(LessonAssignment.lesson_id).where(LessonAssignment.class_id == year1.id)
    )
    assert set(assigned) == {"ks2-or-game"}  # replaces what was set before
    mine = pupil_client(scheme_app, db, child).get("/lessons/").get_data(as_text=True)
    assert mine.index("Game") < mine.index("Ask first")
    assert "Set by your teacher" in mine
    refused = staff.submit(
        f"/lessons/classes/{year1.id}", {"year": "14"}, action=f"/lessons/classes/{year1.id}/scheme"
    )
    assert refused.status_code == 400


def test_teacher_notes_show_every_part_and_the_dsl_warning(scheme_app, db, school):
    staff = staff_client(scheme_app, db, school)
    page = staff.get("/lessons/ey-or-reception/notes").get_data(as_text=True)
    assert "Tell your DSL before you teach this; some pupils may be affected" in page
    assert "Some pupils may have met a stranger." in page
    assert "I can ask before I go online." in page  # the learning intention, from the outcome
    for part in (
        "stranger",
        "someone you do not know in real life",
        "Sort the picture cards",
        "Role play",
        "Who could Sam ask at school?",
        "Anyone may pass.",
        "do not promise secrecy",
        "Use the picture cards and give one choice at a time.",
        "Point to the pictures",
        "https://site.example/parents/talking-with-your-child/",
        "data-print",
    ):
        assert part in page, part
    calm = staff.get("/lessons/ey-or-ask/notes").get_data(as_text=True)
    assert "Tell your DSL" not in calm


def test_the_whole_class_view_shows_the_lesson_large_and_printable(scheme_app, db, school):
    page = staff_client(scheme_app, db, school).get("/lessons/ey-or-ask/teach")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'class="teach-page"' in text
    assert "Sam wants to play a game." in text
    assert "/lessons/images/ok.svg" in text
    assert "Key ideas" in text
    assert "Who to tell" in text


@pytest.mark.parametrize(
    "path", ["/lessons/ey-or-ask/notes", "/lessons/ey-or-ask/teach", "/lessons/scheme"]
)
def test_pupils_cannot_open_teacher_pages(scheme_app, db, child, path):
    assert pupil_client(scheme_app, db, child).get(path).status_code in (403, 404)


def test_a_picture_book_shows_each_picture_with_its_words(scheme_app, db, child):
    page = pupil_client(scheme_app, db, child).get("/lessons/ey-or-ask/1").get_data(as_text=True)
    part = page[page.index('<figure class="story-part">') :]
    assert part.index('alt="Sam holding a tablet and talking to Dad"') < part.index(
        "Sam wants to play a game."
    )
    assert "Read it to me" in page


# --- Shuffled options ---------------------------------------------------------------------------


class Reverse:
    """A "shuffle" that reverses, so a test knows the order shown."""

    def shuffle(self, items):
        items.reverse()


def start_older_quiz(app, db, school, monkeypatch):
    from portal.services import lessons as lesson_service

    monkeypatch.setattr(lesson_service, "_shuffler", Reverse())
    year3 = make_class(db, school, "3A", 3)
    pupil = make_pupil(db, school, year3, first_name="Ana")
    db.commit()
    client = pupil_client(app, db, pupil)
    start = client.submit("/lessons/ks2-or-trust/4", {}, action="/lessons/ks2-or-trust/quiz")
    return client, start.headers["Location"], year3, pupil


def without_tokens(page: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*>', "", page)


def test_options_are_shown_in_the_attempts_own_order_stable_on_reload(
    scheme_app, db, school, monkeypatch
):
    client, question, _, _ = start_older_quiz(scheme_app, db, school, monkeypatch)
    attempt = db.scalar(select(QuizAttempt))
    assert attempt.option_order == {f"c{n}": [3, 2, 1, 0] for n in range(1, 6)}
    first = client.get(question).get_data(as_text=True)
    again = client.get(question).get_data(as_text=True)
    shown = [first.index(o["text"]) for o in reversed(SINGLE["options"])]
    assert shown == sorted(shown)
    # The same order on reload (the pages differ only in their CSRF token's time stamp).
    assert without_tokens(first) == without_tokens(again)


def test_an_answer_is_stored_by_the_option_not_where_it_was_shown(
    scheme_app, db, school, monkeypatch
):
    client, question, year3, pupil = start_older_quiz(scheme_app, db, school, monkeypatch)
    page = client.get(question).get_data(as_text=True)
    # The right option (number 1 in the file) is shown third; its value is still 1.
    assert 'id="choice-2" type="radio" name="choice" value="1"' in page
    answered = client.submit(question, {"choice": "1"})
    feedback = client.get(answered.headers["Location"]).get_data(as_text=True)
    assert "That&#39;s right!" in feedback
    assert "Yes. That stops it." in feedback
    [answer] = db.scalars(select(QuizAnswer)).all()
    assert answer.chosen == [1]
    assert answer.correct is True
    staff = staff_client(scheme_app, db, school)
    seen = staff.get(f"/lessons/classes/{year3.id}/progress/ks2-or-trust/{pupil.id}")
    text = seen.get_data(as_text=True)
    assert seen.status_code == 200
    listed = text[text.index("1. Which of these") :]
    order = [listed.index(o["text"]) for o in reversed(SINGLE["options"])]
    assert order == sorted(order)  # the order Ana saw
    assert "Ana's answer" in listed[: listed.index("2. Which of these")]


def test_an_attempt_from_before_shuffling_shows_the_files_order(
    scheme_app, db, school, monkeypatch
):
    client, question, _, _ = start_older_quiz(scheme_app, db, school, monkeypatch)
    attempt = db.scalar(select(QuizAttempt))
    attempt.option_order = None
    db.commit()
    page = client.get(question).get_data(as_text=True)
    shown = [page.index(o["text"]) for o in SINGLE["options"]]
    assert shown == sorted(shown)


def test_true_or_false_keeps_its_order(scheme_app, db, child, monkeypatch):
    from portal.services import lessons as lesson_service

    monkeypatch.setattr(lesson_service, "_shuffler", Reverse())
    client = pupil_client(scheme_app, db, child)
    client.submit("/lessons/ey-or-ask/4", {}, action="/lessons/ey-or-ask/quiz")
    assert db.scalar(select(QuizAttempt)).option_order["q1"] == [0, 1]


def test_a_teacher_of_another_class_cannot_see_a_pupils_answers(
    scheme_app, db, school, year1, monkeypatch
):
    _, _, year3, pupil = start_older_quiz(scheme_app, db, school, monkeypatch)
    staff = staff_client(scheme_app, db, school)
    wrong_class = f"/lessons/classes/{year1.id}/progress/ks2-or-trust/{pupil.id}"
    assert staff.get(wrong_class).status_code == 404
    outsider = staff_client(scheme_app, db, make_school(db, "Other"))
    assert (
        outsider.get(f"/lessons/classes/{year3.id}/progress/ks2-or-trust/{pupil.id}").status_code
        == 404
    )


# --- "Read it to me" on every page a young pupil sees ------------------------------------------


def test_the_quiz_result_can_be_read_aloud(scheme_app, db, child):
    client = pupil_client(scheme_app, db, child)
    page = take_quiz(client, "ey-or-ask", [0, 0, 0, 0, 0])
    assert 'data-read="result-words"' in page
    assert 'aria-pressed="false"' in page
    assert "portal.js" in page


# --- Pictures through the one server the demo runs ----------------------------------------------


def picture_choice(number):
    return {
        "id": f"p{number}",
        "type": "picture-choice",
        "outcome": "or-ey-1",
        "text": "What should Sam do?",
        "options": [
            {
                "text": text,
                "image": f"images/{image}.svg",
                "alt": text,
                "correct": n == 0,
                "feedback": "Yes! Asking helps." if n == 0 else "Not quite. Sam should ask.",
            }
            for n, (text, image) in enumerate(
                [
                    ("Ask a grown-up", "or-ask-grown-up"),
                    ("Press yes", "or-press-yes"),
                    ("Cat", "or-cat"),
                ]
            )
        ],
    }


def test_lesson_and_quiz_pictures_load_through_the_one_server_the_demo_runs(
    app, db, school, year1, child, tmp_path, monkeypatch
):
    """`esafety demo` and `esafety serve` leave CURRICULUM_DIR relative ("curriculum", from
    where they start) and serve the portal under /portal beside the site: every picture must
    load there, not only in a test app given an absolute folder."""
    from werkzeug.test import Client

    from portal.services import lessons as lesson_service
    from portal.wsgi import combine
    from tests.factories import PROJECT_ROOT
    from tests.live_server import session_cookie

    project = tmp_path / "project"
    tree = CurriculumTree(project)
    for name in ("or-ask-grown-up", "or-press-yes", "or-cat"):
        source = PROJECT_ROOT / "curriculum" / "images" / f"{name}.svg"
        (tree.folder / "images" / f"{name}.svg").write_bytes(source.read_bytes())
    tree.lesson("ey-or-ask", questions=[picture_choice(n) for n in range(1, 6)])
    (project / "site").mkdir()
    monkeypatch.chdir(project)
    portal = create_app({**app.config, "CURRICULUM_DIR": "curriculum"})
    try:
        cookie = session_cookie(portal, db, child)
        db.commit()
        server = Client(combine(project / "site", portal))
        server.set_cookie(portal.config["SESSION_COOKIE_NAME"], cookie, secure=True)
        lesson = runtime(portal).curriculum.lesson("ey-or-ask")
        attempt = lesson_service.start_attempt(db, child, lesson)
        db.commit()
        pages = ["/portal/lessons/ey-or-ask/1", f"/portal/lessons/quiz/{attempt.id}/1"]
        sources = set()
        for page in pages:
            response = server.get(page, base_url="https://localhost")
            assert response.status_code == 200, (page, response.headers.get("Location"))
            sources |= set(re.findall(r'<img src="([^"]+)"', response.get_data(as_text=True)))
        assert len(sources) == 4  # the story's picture and the question's three
        for source in sorted(sources):
            assert source.startswith("/portal/lessons/images/"), source
            picture = server.get(source, base_url="https://localhost")
            assert picture.status_code == 200, source
            assert picture.mimetype == "image/svg+xml"
            picture.close()
    finally:
        runtime(portal).engine.dispose()


# --- Migration 0006 -----------------------------------------------------------------------------


def test_migration_0006_adds_and_removes_the_option_order(blank_database_url):
    from alembic import command
    from sqlalchemy import inspect

    from portal.db import make_engine
    from portal.migrate import alembic_config, upgrade

    def columns() -> set[str]:
        engine = make_engine(blank_database_url)
        try:
            return {c["name"] for c in inspect(engine).get_columns("quiz_attempt")}
        finally:
            engine.dispose()

    def downgrade(revision: str) -> None:
        engine = make_engine(blank_database_url)
        with engine.begin() as connection:
            config = alembic_config(blank_database_url)
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
        engine.dispose()

    upgrade(blank_database_url, "0006")
    assert "option_order" in columns()
    downgrade("0005")
    assert "option_order" not in columns()
    assert {"id", "pupil_id", "lesson_id", "total", "passed"} <= columns()
    upgrade(blank_database_url, "0006")
    assert "option_order" in columns()
