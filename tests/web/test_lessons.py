"""Pupils read lessons and answer quizzes; teachers set lessons and see progress."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import create_app
from portal.models import LessonDone, QuizAnswer, QuizAttempt
from tests.factories import (
    CurriculumTree,
    make_class,
    make_pupil,
    make_school,
    make_staff,
    sign_in_as,
    true_false,
)
from tests.portal_fixtures import FormClient

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


@pytest.fixture
def lessons_app(app, tmp_path):
    """The test app, reading a small curriculum: one lesson for ages 4-7, one for 7-11."""
    tree = CurriculumTree(tmp_path)
    tree.lesson("ey-or-ask")
    tree.lesson(
        "ks2-or-trust",
        band="7-11",
        outcomes=["or-ks2-1"],
        questions=[OLDER | {"id": f"s{n}"} for n in range(1, 6)],
    )
    small = create_app({**app.config, "CURRICULUM_DIR": str(tree.folder)})
    small.test_client_class = FormClient
    yield small
    small.extensions["esafety.engine"].dispose()


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
