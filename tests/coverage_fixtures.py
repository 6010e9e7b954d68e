"""A small school whose coverage is worked out by hand, shared by the coverage tests.

Reception (class RB) has five pupils, one at each point of the rules; Year 3 (class 3B) has
two who have done nothing yet. A leaver and a pupil of another school must count nowhere.
"""

from __future__ import annotations

import datetime as dt

import pytest

from portal.models import QuizAttempt
from portal.services import lessons
from tests.factories import CurriculumTree, make_class, make_pupil, make_school, true_false

# The quiz of the one lesson for ages 4-7: four questions on or-ey-1, one on or-ey-2.
QUIZ = [true_false(n, outcome="or-ey-1") for n in range(1, 5)] + [true_false(5, outcome="or-ey-2")]
RIGHT, WRONG = [0], [1]


@pytest.fixture
def small_curriculum_tree(tmp_path) -> CurriculumTree:
    tree = CurriculumTree(tmp_path)
    tree.lesson("ey-or-ask", outcomes=["or-ey-1", "or-ey-2"], questions=QUIZ)
    tree.lesson(
        "ks2-or-trust",
        band="7-11",
        outcomes=["or-ks2-1"],
        questions=[true_false(n, outcome="or-ks2-1") for n in range(1, 6)],
    )
    return tree


@pytest.fixture
def small_curriculum(small_curriculum_tree):
    return small_curriculum_tree.load()


def take_quiz(db, curriculum, pupil, lesson_id: str, answers: list[list[int]]) -> QuizAttempt:
    lesson = curriculum.lesson(lesson_id)
    lessons.mark_done(db, curriculum, pupil, lesson)
    attempt = lessons.start_attempt(db, pupil, lesson)
    for question, chosen in zip(lesson.questions, answers, strict=True):
        lessons.record_answer(db, attempt, question, chosen)
    return lessons.finish_attempt(db, curriculum, attempt)


@pytest.fixture
def hand_made_school(db, small_curriculum):
    """Reception (5 pupils at every level) and Year 3 (2 pupils, nothing done yet)."""
    school = make_school(db)
    reception = make_class(db, school, "RB", 0)
    ey = small_curriculum.lesson("ey-or-ask")
    pupils = {name: make_pupil(db, school, reception, first_name=name) for name in "ABCDE"}
    lessons.mark_done(db, small_curriculum, pupils["B"], ey)  # taught both outcomes
    # C: 3 of 4 right on or-ey-1 and the one on or-ey-2: passed, both secure.
    take_quiz(db, small_curriculum, pupils["C"], "ey-or-ask", [RIGHT, RIGHT, WRONG, RIGHT, RIGHT])
    # D: 4 of 4 on or-ey-1, the or-ey-2 question wrong: passed; or-ey-1 secure, or-ey-2 taught.
    take_quiz(db, small_curriculum, pupils["D"], "ey-or-ask", [RIGHT, RIGHT, RIGHT, RIGHT, WRONG])
    # E: 3 of 5, not passed: both taught, neither secure, though 2 right on or-ey-1.
    take_quiz(db, small_curriculum, pupils["E"], "ey-or-ask", [RIGHT, RIGHT, WRONG, WRONG, RIGHT])
    year3 = make_class(db, school, "3B", 3)
    for name in "FG":
        make_pupil(db, school, year3, first_name=name)
    # A pupil who left, with everything secure, counts nowhere.
    gone = make_pupil(db, school, reception, first_name="Gone")
    take_quiz(db, small_curriculum, gone, "ey-or-ask", [RIGHT] * 5)
    gone.left_at = dt.datetime(2026, 1, 1)
    # Another school's pupil counts only for that school.
    other = make_school(db, "Elsewhere")
    take_quiz(db, small_curriculum, make_pupil(db, other, year_group=0), "ey-or-ask", [RIGHT] * 5)
    db.commit()
    school.pupils = pupils  # the five Reception pupils, by first name
    return school
