"""Checks of the scheme of work as a whole: every year group taught in every strand, every
outcome taught and asked, and quizzes that cannot be passed by guessing from the options' shape.

These look across all lessons at once, so they run after each lesson has loaded on its own.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Problems

if TYPE_CHECKING:
    from .curriculum import Curriculum, Lesson, Question

LENGTH_CUE_TYPES = ("single", "scenario")
"""Question types with one right answer among several sentences, where a pupil could pick the
longest option and be right without understanding anything."""

LONGEST_RIGHT_SHARE = 1 / 3
"""In at most this share (rounded up) of a band's `single` and `scenario` questions may the
right answer be the longest option. Writers tend to make the right answer the most careful and
so the longest sentence; pupils learn that and stop reading."""

ADULT_WORDS = re.compile(
    r"\badults?\b|\bteachers?\b|\bparents?\b|\bcarers?\b|grown-ups?|\bDSL\b|safeguarding lead",
    re.IGNORECASE,
)
"""Words that make an option "tell an adult"."""

ADULT_RIGHT_BANDS = ("11-14", "14-18")
"""Bands where "tell an adult" may be the right answer of at most a share of the scenarios:
older pupils also need to learn to act for themselves (block, report to the platform, check the
source, keep evidence...), and a quiz where telling an adult is always right teaches nothing."""

ADULT_RIGHT_SHARE = 1 / 3
"""The share (rounded up) of a band's scenarios whose right answer may be telling an adult."""


def check_scheme(curriculum: Curriculum, folder: Path, problems: Problems) -> None:
    """Record every problem of the scheme as a whole; `folder` is the curriculum folder."""
    _check_year_groups(curriculum, folder, problems)
    _check_outcomes_used(curriculum, folder, problems)
    for band in curriculum.bands:
        lessons = curriculum.lessons_for(band.id)
        _check_share(
            [
                (lesson, question)
                for lesson in lessons
                for question in lesson.questions
                if question.type in LENGTH_CUE_TYPES
            ],
            right_is_longest,
            LONGEST_RIGHT_SHARE,
            folder / "framework.yml",
            band.line,
            f"ages {band.id}: the right answer is the longest option in",
            "single and scenario questions",
            "make the other options as long and as likely",
            problems,
        )
        if band.id in ADULT_RIGHT_BANDS:
            _check_share(
                [
                    (lesson, question)
                    for lesson in lessons
                    for question in lesson.questions
                    if question.type == "scenario"
                ],
                right_is_telling_an_adult,
                ADULT_RIGHT_SHARE,
                folder / "framework.yml",
                band.line,
                f"ages {band.id}: the right answer is telling an adult in",
                "scenarios",
                "make another good action the right answer, such as block, report to the "
                "platform, check the source or keep evidence",
                problems,
            )


def right_is_longest(question: Question) -> bool:
    """True when the one right option has more characters than every other option."""
    right = [len(o.text.strip()) for o in question.options if o.correct]
    wrong = [len(o.text.strip()) for o in question.options if not o.correct]
    return len(right) == 1 and bool(wrong) and right[0] > max(wrong)


def right_is_telling_an_adult(question: Question) -> bool:
    return any(o.correct and ADULT_WORDS.search(o.text) for o in question.options)


def allowed(total: int, share: float) -> int:
    """How many of `total` questions may do it: the share, rounded up."""
    return math.ceil(round(total * share, 9))


def _check_share(
    questions: list[tuple[Lesson, Question]],
    does_it: Callable[[Question], bool],
    share: float,
    where: Path,
    line: int,
    prefix: str,
    kind: str,
    advice: str,
    problems: Problems,
) -> None:
    doing = [(lesson, question) for lesson, question in questions if does_it(question)]
    limit = allowed(len(questions), share)
    if len(doing) <= limit:
        return
    by_quiz: dict[str, list[str]] = defaultdict(list)
    for lesson, question in doing:
        by_quiz[f"{lesson.id}.quiz.yml"].append(question.id)
    files = "; ".join(f"{name} ({', '.join(ids)})" for name, ids in sorted(by_quiz.items()))
    problems.add(
        where,
        line or None,
        f"{prefix} {len(doing)} of {len(questions)} {kind} "
        f"({100 * len(doing) / len(questions):.0f}%); at most {limit} may be: {advice}. "
        f"Found in {files}",
    )


def _check_year_groups(curriculum: Curriculum, folder: Path, problems: Problems) -> None:
    for band in curriculum.bands:
        for strand in curriculum.strands:
            taught = {
                year
                for lesson in curriculum.lessons_for(band.id)
                if strand.id in lesson.strands
                for year in lesson.year_groups
            }
            missing = [year for year in band.year_groups if year not in taught]
            if missing:
                problems.add(
                    folder / "framework.yml",
                    band.line or None,
                    f"ages {band.id}: strand '{strand.id}' ({strand.name}) has no lesson for "
                    f"{_years(missing)}: every strand needs a lesson for every year group "
                    f"(in lessons/{band.id}/)",
                )


def _years(years: Iterable[int]) -> str:
    return ", ".join("Reception" if year == 0 else f"Year {year}" for year in years)


def _check_outcomes_used(curriculum: Curriculum, folder: Path, problems: Problems) -> None:
    taught = {outcome for lesson in curriculum.lessons for outcome in lesson.outcomes}
    asked = {question.outcome for lesson in curriculum.lessons for question in lesson.questions}
    for outcome in curriculum.outcomes:
        path = folder / "outcomes" / f"{outcome.strand}.yml"
        if outcome.id not in taught:
            problems.add(
                path,
                outcome.line or None,
                f"outcome '{outcome.id}' is taught by no lesson: add it to a lesson's outcomes",
            )
        if outcome.id not in asked:
            problems.add(
                path,
                outcome.line or None,
                f"outcome '{outcome.id}' is asked by no quiz question: give a question "
                f"'outcome: {outcome.id}'",
            )
