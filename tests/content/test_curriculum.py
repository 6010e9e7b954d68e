"""Loading lessons and quizzes, and every kind of mistake named by file and line."""

import pytest

from portal.content import ContentErrors, load_lessons
from tests.factories import PROJECT_ROOT, CurriculumTree, true_false


@pytest.fixture
def lessons(tmp_path):
    return CurriculumTree(tmp_path)


def errors_of(lessons):
    with pytest.raises(ContentErrors) as caught:
        lessons.load()
    return [str(error) for error in caught.value.errors]


def test_a_lesson_loads_with_its_sections_and_quiz(lessons):
    lessons.lesson()
    curriculum = lessons.load()
    [lesson] = curriculum.lessons
    assert [s.heading for s in lesson.sections] == [
        "Story",
        "Key ideas",
        "What to do",
        "Who to tell",
    ]
    assert len(lesson.questions) == 5
    assert lesson.questions[0].correct_choices == frozenset({0})
    assert curriculum.band_of_year(1).id == "4-7"
    assert lesson.reading_grade <= 3


def test_an_unknown_outcome_names_the_line(lessons):
    lessons.lesson(outcomes=["or-ey-9"])
    assert any(
        "lessons/4-7/ey-or-ask.md:7: unknown outcome 'or-ey-9'" in e for e in errors_of(lessons)
    )


def test_an_outcome_from_another_band_is_refused(lessons):
    lessons.lesson(outcomes=["or-ks2-1"])
    assert any("outcome 'or-ks2-1' is for or ages 7-11" in e for e in errors_of(lessons))


def test_an_unknown_strand_is_refused(lessons):
    lessons.lesson(strands=["zz"])
    assert any("unknown strand 'zz'" in e for e in errors_of(lessons))


def test_a_quiz_with_no_correct_answer_is_refused(lessons):
    wrong = true_false(1)
    wrong["options"][0]["correct"] = False
    lessons.lesson(questions=[wrong, *[true_false(n) for n in range(2, 6)]])
    [message] = errors_of(lessons)
    assert message.startswith("curriculum/lessons/4-7/ey-or-ask.quiz.yml:2: ")
    assert "question 'q1' has no correct answer" in message


def test_a_question_on_an_outcome_the_lesson_does_not_teach(lessons):
    lessons.lesson(
        questions=[true_false(1, outcome="or-ey-2"), *[true_false(n) for n in range(2, 6)]]
    )
    assert any(
        "question 'q1' is mapped to 'or-ey-2', which the lesson does not teach" in e
        for e in errors_of(lessons)
    )


def test_an_image_without_alt_text_is_refused(lessons):
    body = LESSON_WITH_IMAGE.replace("ALT", "")
    path = lessons.lesson(body=body)
    line = path.read_text().splitlines().index("![](../../images/ok.svg)") + 1
    assert (
        f"curriculum/lessons/4-7/ey-or-ask.md:{line}: the image ../../images/ok.svg has no "
        "alt text: describe it in words" in errors_of(lessons)
    )


def test_text_too_hard_for_the_band_is_reported_with_its_grade(lessons):
    hard = (
        "Organisations systematically accumulate comprehensive behavioural information, "
        "subsequently monetising individuals' characteristics through sophisticated "
        "algorithmic personalisation."
    )
    lessons.lesson(body=LESSON_WITH_IMAGE.replace("Sam asks Dad first.", hard))
    assert any(
        "reads at grade" in e and "harder than the target for ages 4-7" in e
        for e in errors_of(lessons)
    )


def test_question_types_must_suit_the_band(lessons):
    single = true_false(1, type="single")
    lessons.lesson(questions=[single, *[true_false(n) for n in range(2, 6)]])
    assert any("type 'single' does not suit this age band" in e for e in errors_of(lessons))


def test_a_quiz_needs_five_questions(lessons):
    lessons.lesson(questions=[true_false(1)])
    assert any("a quiz needs at least 5 questions" in e for e in errors_of(lessons))


def test_sections_must_be_the_four_in_order(lessons):
    lessons.lesson(body="## Story\n\nText.\n\n## What to do\n\nText.\n")
    assert any(
        "the sections must be Story, Key ideas, What to do, Who to tell" in e
        for e in errors_of(lessons)
    )


def test_the_projects_curriculum_covers_every_strand_in_every_band():
    curriculum = load_lessons(PROJECT_ROOT / "curriculum")
    covered = {(strand, lesson.band) for lesson in curriculum.lessons for strand in lesson.strands}
    assert covered == {(s.id, b.id) for s in curriculum.strands for b in curriculum.bands}
    assert len(curriculum.lessons) >= 32
    assert all(len(lesson.questions) >= 5 for lesson in curriculum.lessons)


LESSON_WITH_IMAGE = """## Story

Sam wants to play a game. Sam asks Dad first.

![ALT](../../images/ok.svg)

## Key ideas

- Ask a grown-up first.

## What to do

- Stop and ask.

## Who to tell

- Tell a grown-up you trust.
"""
