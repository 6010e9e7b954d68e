"""Lessons and quizzes: pupils read and answer; teachers plan by year group, set lessons, read
the teacher notes, show a lesson to the whole class and see progress."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from ..content.curriculum import Curriculum, Lesson
from ..content.teacher_notes import SENSITIVE_WARNING
from ..models import PersonKind, Pupil, QuizAnswer, QuizAttempt, SchoolClass
from ..services import lessons, teaching
from .access import STAFF, allow
from .database import get_db
from .runtime import runtime

bp = Blueprint("lessons", __name__, url_prefix="/lessons")


def curriculum() -> Curriculum:
    return runtime().curriculum


def pupil_lesson(lesson_id: str) -> Lesson:
    """A lesson this pupil may open (their band, or set for their class); else 404."""
    lesson = curriculum().lesson(lesson_id)
    if lesson is None or not lessons.may_open(
        get_db(), curriculum(), current_user.principal, lesson
    ):
        abort(404)
    return lesson


def own_attempt(attempt_id: int) -> tuple[QuizAttempt, Lesson, dict[str, QuizAnswer]]:
    """This pupil's attempt, its lesson and its answers by question; else 404."""
    found = lessons.attempt_with_answers(get_db(), attempt_id, current_user.principal.id)
    if found is None:
        abort(404)
    attempt, answers = found
    return attempt, pupil_lesson(attempt.lesson_id), answers


@bp.get("/images/<name>")
@allow(PersonKind.PUPIL, *STAFF)
def image(name: str):
    # An absolute folder (see app._load_curriculum): a relative one would be taken as
    # relative to the portal's package, not to where the lessons were loaded from.
    return send_from_directory(Path(current_app.config["CURRICULUM_DIR"], "images"), name)


@bp.get("/")
@allow(PersonKind.PUPIL)
def mine():
    statuses = lessons.lessons_for_pupil(get_db(), curriculum(), current_user.principal)
    return render_template("lessons/mine.html", statuses=statuses)


@bp.get("/<lesson_id>/<int:part>")
@allow(PersonKind.PUPIL)
def read(lesson_id: str, part: int):
    lesson = pupil_lesson(lesson_id)
    if not 1 <= part <= len(lesson.sections):
        abort(404)
    return render_template(
        "lessons/read.html",
        lesson=lesson,
        part=part,
        section=lesson.sections[part - 1],
        picture_book=bool(lesson.story_parts) and lesson.sections[part - 1].heading == "Story",
    )


@bp.post("/<lesson_id>/quiz")
@allow(PersonKind.PUPIL)
def start_quiz(lesson_id: str):
    """Reading to the end counts the lesson as done; then a fresh go at the quiz begins."""
    lesson = pupil_lesson(lesson_id)
    attempt = lessons.begin_quiz(get_db(), curriculum(), current_user.principal, lesson)
    return redirect(url_for("lessons.question", attempt_id=attempt.id, number=1))


@bp.route("/quiz/<int:attempt_id>/<int:number>", methods=["GET", "POST"])
@allow(PersonKind.PUPIL)
def question(attempt_id: int, number: int):
    attempt, lesson, answers = own_attempt(attempt_id)
    if not 1 <= number <= len(lesson.questions):
        abort(404)
    db = get_db()
    item = lesson.questions[number - 1]
    error = None
    if request.method == "POST" and attempt.finished_at is None:
        chosen = _chosen(len(item.options))
        if chosen:
            lessons.answer_question(db, attempt, item, chosen)
            return redirect(url_for("lessons.question", attempt_id=attempt.id, number=number))
        error = "Choose an answer, then press Check my answer."
    return render_template(
        "lessons/question.html",
        lesson=lesson,
        attempt=attempt,
        item=item,
        shown=lessons.shown_options(attempt, item),
        number=number,
        answer=answers.get(item.id),
        error=error,
    ), 400 if error else 200


def _chosen(option_count: int) -> list[int]:
    values = request.form.getlist("choice")
    # isdecimal, not isdigit: "²" is a digit, but int() refuses it.
    picked = {int(v) for v in values if v.isdecimal() and int(v) < option_count}
    return sorted(picked)


@bp.route("/quiz/<int:attempt_id>/done", methods=["GET", "POST"])
@allow(PersonKind.PUPIL)
def result(attempt_id: int):
    attempt, lesson, _answers = own_attempt(attempt_id)
    db = get_db()
    if request.method == "POST":
        lessons.finish_quiz(db, curriculum(), attempt)
        return redirect(url_for("lessons.result", attempt_id=attempt.id))
    if attempt.finished_at is None:
        return redirect(url_for("lessons.question", attempt_id=attempt.id, number=1))
    return render_template(
        "lessons/result.html",
        lesson=lesson,
        attempt=attempt,
        pass_mark=round(lessons.PASS_MARK * 100),
    )


# --- Teachers ---------------------------------------------------------------------------------


def own_class(class_id: int) -> SchoolClass:
    school_class = get_db().get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != current_user.school_id:
        abort(404)
    return school_class


@bp.get("/classes")
@allow(*STAFF)
def classes():
    rows = get_db().scalars(
        select(SchoolClass)
        .where(SchoolClass.school_id == current_user.school_id)
        .order_by(SchoolClass.year_group, SchoolClass.name)
    )
    return render_template("lessons/classes.html", classes=list(rows))


@bp.get("/scheme")
@allow(*STAFF)
def scheme():
    """The scheme of work: each year group's lessons, in teaching order."""
    return render_template("lessons/scheme.html", curriculum=curriculum())


def staff_lesson(lesson_id: str) -> Lesson:
    return curriculum().lesson(lesson_id) or abort(404)


@bp.get("/<lesson_id>/notes")
@allow(*STAFF)
def notes(lesson_id: str):
    """The teacher notes: staff only, printable."""
    lesson = staff_lesson(lesson_id)
    return render_template(
        "lessons/notes.html",
        lesson=lesson,
        notes=lesson.notes,
        intentions=[curriculum().outcome(o) for o in lesson.outcomes],
        strand_names={strand.id: strand.name for strand in curriculum().strands},
        sensitive_warning=SENSITIVE_WARNING,
        guide_url=current_app.config["SITE_URL"].rstrip("/")
        + "/"
        + (lesson.notes.parent_guide_page if lesson.notes else ""),
    )


@bp.get("/<lesson_id>/teach")
@allow(*STAFF)
def teach(lesson_id: str):
    """The whole lesson, large, for a projector or a whiteboard; printable."""
    lesson = staff_lesson(lesson_id)
    return render_template("lessons/teach.html", lesson=lesson)


@bp.route("/classes/<int:class_id>", methods=["GET", "POST"])
@allow(*STAFF)
def class_lessons(class_id: int):
    school_class = own_class(class_id)
    db = get_db()
    if request.method == "POST":
        known = {lesson.id for lesson in curriculum().lessons}
        chosen = {value for value in request.form.getlist("lesson") if value in known}
        teaching.set_lessons(db, current_user.principal, school_class, chosen)
        return redirect(url_for("lessons.class_lessons", class_id=class_id, saved=1))
    band = curriculum().band_of_year(school_class.year_group)
    return render_template(
        "lessons/class.html",
        school_class=school_class,
        band=band,
        curriculum=curriculum(),
        set_ids=teaching.set_lesson_ids(db, school_class),
        saved=request.args.get("saved"),
        years=[year for b in curriculum().bands for year in b.year_groups],
    )


@bp.post("/classes/<int:class_id>/scheme")
@allow(*STAFF)
def use_scheme(class_id: int):
    """Set a whole year group's scheme for the class in one step."""
    school_class = own_class(class_id)
    years = {year for band in curriculum().bands for year in band.year_groups}
    value = request.form.get("year", "")
    if not value.isdecimal() or int(value) not in years:
        abort(400)
    teaching.use_year_scheme(
        get_db(), curriculum(), current_user.principal, school_class, int(value)
    )
    return redirect(url_for("lessons.class_lessons", class_id=class_id, saved=1))


@bp.get("/classes/<int:class_id>/progress/<lesson_id>")
@allow(*STAFF)
def progress(class_id: int, lesson_id: str):
    school_class = own_class(class_id)
    lesson = curriculum().lesson(lesson_id) or abort(404)
    db = get_db()
    return render_template(
        "lessons/progress.html",
        school_class=school_class,
        lesson=lesson,
        pupils=teaching.class_progress(db, school_class, lesson),
        hardest=teaching.hardest_questions(db, school_class, lesson),
    )


@bp.get("/classes/<int:class_id>/progress/<lesson_id>/<int:pupil_id>")
@allow(*STAFF)
def pupil_answers(class_id: int, lesson_id: str, pupil_id: int):
    """A pupil's answers to a lesson's quiz, each question's options in the order they saw."""
    school_class = own_class(class_id)
    lesson = staff_lesson(lesson_id)
    db = get_db()
    pupil = db.get(Pupil, pupil_id)
    if pupil is None or pupil.class_id != school_class.id:
        abort(404)
    return render_template(
        "lessons/pupil_answers.html",
        school_class=school_class,
        lesson=lesson,
        pupil=pupil,
        attempts=teaching.pupil_attempts(db, pupil, lesson),
    )
