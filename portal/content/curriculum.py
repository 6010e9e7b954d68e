"""The curriculum: strands, age bands, outcomes, lessons and quizzes from `curriculum/`."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from .errors import Problems
from .pictures import check_pictures
from .readability import reading_grade
from .scheme import check_scheme
from .teacher_notes import TeacherNotes, load_notes, notes_path
from .yamlfiles import LineDict, load_yaml_file, split_front_matter

SECTIONS = ("Story", "Key ideas", "What to do", "Who to tell")
LESSON_FIELDS = ("id", "title", "band", "year_groups", "strands", "outcomes", "minutes")
QUESTION_FIELDS = ("id", "type", "outcome", "text", "options")
OPTION_FIELDS = ("text", "correct", "feedback", "image", "alt")
YOUNG_TYPES = ("picture-choice", "true-false")
OLDER_TYPES = ("single", "multiple", "scenario", "true-false")
ONE_CORRECT = ("single", "scenario", "picture-choice", "true-false")
MIN_QUESTIONS = 5
PICTURE_CHOICE_OPTIONS = 3
"""A picture-choice question shows exactly three pictures: two would give a young pupil a
one-in-two guess, and more do not fit a small screen at a size a 4-year-old can tap."""
PICTURE_BOOK_BANDS = ("4-7",)
"""Bands whose Story is a picture book: each paragraph of words comes right after its own
picture, so a child who cannot read yet can follow the story from the pictures while an adult
(or "Read it to me") reads the words."""
STORY = "Story"
HELP_WORDS = re.compile(
    r"trusted adult|grown-up|teacher|parent|carer|childline|ceop|report", re.IGNORECASE
)
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
HEADING = re.compile(r"^## (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Strand:
    id: str
    name: str


@dataclass(frozen=True)
class Band:
    id: str
    code: str
    name: str
    year_groups: tuple[int, ...]
    max_grade: float
    line: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True)
class Outcome:
    id: str
    strand: str
    band: str
    statement: str
    line: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool
    feedback: str
    image: str | None = None
    alt: str | None = None


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    outcome: str
    text: str
    options: tuple[Option, ...]

    @property
    def correct_choices(self) -> frozenset[int]:
        return frozenset(i for i, option in enumerate(self.options) if option.correct)

    @property
    def how_to_answer(self) -> str:
        """For a question with several right answers, the reminder to choose them all, unless
        the question already says so in its own words (once is enough)."""
        if self.type != "multiple" or "choose all" in self.text.lower():
            return ""
        return "Choose all the right answers."


@dataclass(frozen=True)
class Section:
    heading: str
    markdown: str


@dataclass(frozen=True)
class StoryPart:
    """One page of a picture book: a picture (`images/name.svg`) and its words (Markdown)."""

    image: str
    alt: str
    text: str


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    band: str
    strands: tuple[str, ...]
    outcomes: tuple[str, ...]
    minutes: int
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]
    reading_grade: float
    year_groups: tuple[int, ...] = ()
    notes: TeacherNotes | None = None
    story_parts: tuple[StoryPart, ...] = ()
    """The Story as a picture book (ages 4-7); empty for older bands."""


@dataclass(frozen=True)
class Curriculum:
    strands: tuple[Strand, ...]
    bands: tuple[Band, ...]
    outcomes: tuple[Outcome, ...]
    lessons: tuple[Lesson, ...]

    def lesson(self, lesson_id: str) -> Lesson | None:
        return self._lessons_by_id.get(lesson_id)

    @cached_property
    def _lessons_by_id(self) -> dict[str, Lesson]:
        """Every page of a lesson looks its lesson up: by id, not by reading the list."""
        return {lesson.id: lesson for lesson in self.lessons}

    def band_of_year(self, year_group: int) -> Band:
        return next(band for band in self.bands if year_group in band.year_groups)

    def lessons_for(self, band_id: str) -> tuple[Lesson, ...]:
        return tuple(lesson for lesson in self.lessons if lesson.band == band_id)

    def year_sequence(self, year_group: int) -> tuple[Lesson, ...]:
        """The lessons for one year group, in teaching order: the framework's strand order,
        then title (a lesson for several strands comes at its first strand)."""
        order = {strand.id: index for index, strand in enumerate(self.strands)}
        lessons = [lesson for lesson in self.lessons if year_group in lesson.year_groups]
        return tuple(
            sorted(
                lessons,
                key=lambda lesson: (
                    min((order.get(s, len(order)) for s in lesson.strands), default=len(order)),
                    lesson.title,
                ),
            )
        )

    def outcome(self, outcome_id: str) -> Outcome | None:
        return next((outcome for outcome in self.outcomes if outcome.id == outcome_id), None)


def load_curriculum(
    folder: Path,
    problems: Problems,
    *,
    docs: Path | None = None,
    whole_scheme: bool = True,
) -> Curriculum | None:
    """Load and check `folder` (curriculum/). `docs` is the site's page folder, where each
    lesson's parent guide must be (default: docs/ beside the curriculum folder).
    `whole_scheme=False` checks each file but not the scheme as a whole (every year group in
    every strand, every outcome taught and asked, the quizzes' answer balance per band)."""
    docs = docs if docs is not None else folder.parent / "docs"
    framework = (
        load_yaml_file(folder / "framework.yml", problems)
        if (folder / "framework.yml").is_file()
        else None
    )
    if not isinstance(framework, dict):
        problems.add(
            folder / "framework.yml",
            None,
            "the framework file is missing or empty: it lists strands and bands",
        )
        return None
    strands = tuple(Strand(str(s["id"]), str(s["name"])) for s in framework.get("strands", []))
    bands = tuple(
        Band(
            str(b["id"]),
            str(b["code"]),
            str(b["name"]),
            tuple(b["year_groups"]),
            float(b["max_grade"]),
            getattr(b, "line", 0),
        )
        for b in framework.get("bands", [])
    )
    outcomes = _load_outcomes(folder / "outcomes", strands, bands, problems)
    by_id = {outcome.id: outcome for outcome in outcomes}
    lessons = []
    seen: set[str] = set()
    for path in sorted((folder / "lessons").glob("*/*.md")):
        lesson = _load_lesson(path, folder, docs, strands, bands, by_id, problems)
        if lesson is None:
            continue
        if lesson.id in seen:
            problems.add(path, 2, f"lesson id '{lesson.id}' is used twice")
        seen.add(lesson.id)
        lessons.append(lesson)
    check_pictures(folder / "images", problems)
    curriculum = Curriculum(strands, bands, tuple(outcomes), tuple(lessons))
    if whole_scheme:
        check_scheme(curriculum, folder, problems)
    return curriculum


def _load_outcomes(
    folder: Path, strands: tuple[Strand, ...], bands: tuple[Band, ...], problems: Problems
) -> list[Outcome]:
    strand_ids = {strand.id for strand in strands}
    codes = {band.id: band.code for band in bands}
    outcomes: list[Outcome] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.yml")):
        data = load_yaml_file(path, problems)
        if not isinstance(data, LineDict):
            continue
        strand = data.get("strand")
        if strand not in strand_ids or strand != path.stem:
            problems.add(
                path,
                data.line_of("strand"),
                f"strand '{strand}' must be one of {', '.join(sorted(strand_ids))} "
                "and match the file name",
            )
            continue
        for band, items in (data.get("outcomes") or {}).items():
            if band not in codes:
                problems.add(path, data["outcomes"].line_of(band), f"unknown band '{band}'")
                continue
            for item in items or []:
                outcome_id, line = str(item.get("id", "")), item.line
                if not re.fullmatch(rf"{strand}-{codes[band]}-\d+", outcome_id):
                    problems.add(
                        path,
                        line,
                        f"outcome id '{outcome_id}' must look like {strand}-{codes[band]}-1",
                    )
                elif outcome_id in seen:
                    problems.add(path, line, f"outcome id '{outcome_id}' is used twice")
                elif not item.get("statement"):
                    problems.add(path, line, f"outcome '{outcome_id}' has no statement")
                else:
                    seen.add(outcome_id)
                    outcomes.append(Outcome(outcome_id, strand, band, str(item["statement"]), line))
    return outcomes


def _load_lesson(
    path: Path,
    root: Path,
    docs: Path,
    strands: tuple[Strand, ...],
    bands: tuple[Band, ...],
    outcomes: dict[str, Outcome],
    problems: Problems,
) -> Lesson | None:
    meta, body, body_line = split_front_matter(path, problems)
    if meta is None:
        return None
    before = len(problems.errors)
    for name in LESSON_FIELDS:
        if meta.get(name) in (None, "", []):
            problems.add(path, meta.line or 1, f"the lesson is missing '{name}'")
    for name in ("strands", "outcomes", "year_groups"):
        if name in meta and not isinstance(meta[name], list):
            problems.add(path, meta.line_of(name), f"'{name}' must be a list ('- ' lines)")
    try:
        minutes = int(meta.get("minutes") or 0)
    except (TypeError, ValueError, OverflowError):  # OverflowError: .inf
        problems.add(path, meta.line_of("minutes"), "'minutes' must be a whole number")
    if len(problems.errors) > before:
        return None
    band = next((b for b in bands if b.id == str(meta["band"])), None)
    if str(meta["id"]) != path.stem:
        problems.add(path, meta.line_of("id"), f"id '{meta['id']}' must match the file name")
    if band is None or path.parent.name != band.id:
        problems.add(
            path,
            meta.line_of("band"),
            f"band '{meta['band']}' must be one of {', '.join(b.id for b in bands)} "
            f"and match the folder ({path.parent.name})",
        )
        return None
    lesson_strands = tuple(str(s) for s in meta["strands"])
    for strand in lesson_strands:
        if strand not in {s.id for s in strands}:
            problems.add(path, meta.line_of("strands"), f"unknown strand '{strand}'")
    year_groups = _year_groups(meta, band, path, problems)
    lesson_outcomes = tuple(str(o) for o in meta["outcomes"])
    for outcome_id in lesson_outcomes:
        _check_outcome(
            outcome_id, band, lesson_strands, outcomes, path, meta.line_of("outcomes"), problems
        )
    sections = _sections(body, body_line, path, root, problems)
    story_parts = (
        _picture_book(body, body_line, path, problems) if band.id in PICTURE_BOOK_BANDS else ()
    )
    questions = _load_quiz(path.with_suffix(".quiz.yml"), root, band, lesson_outcomes, problems)
    notes = load_notes(notes_path(path), minutes, docs, problems)
    text = " ".join(section.markdown for section in sections)
    grade = reading_grade(text)
    if grade > band.max_grade:
        problems.add(
            path,
            body_line,
            f"reads at grade {grade:.1f}, harder than the target for "
            f"ages {band.id} (at most {band.max_grade:g}): shorter sentences and words",
        )
    if len(problems.errors) > before:
        return None
    return Lesson(
        str(meta["id"]),
        str(meta["title"]),
        band.id,
        lesson_strands,
        lesson_outcomes,
        minutes,
        tuple(sections),
        tuple(questions),
        grade,
        year_groups,
        notes,
        story_parts,
    )


def _year_groups(meta: LineDict, band: Band, path: Path, problems: Problems) -> tuple[int, ...]:
    years = meta["year_groups"]
    names = ", ".join(str(y) for y in band.year_groups)
    if not all(isinstance(y, int) and not isinstance(y, bool) for y in years):
        problems.add(
            path,
            meta.line_of("year_groups"),
            f"'year_groups' are whole numbers (0 for Reception); for ages {band.id}: {names}",
        )
        return ()
    outside = [y for y in years if y not in band.year_groups]
    if outside:
        problems.add(
            path,
            meta.line_of("year_groups"),
            f"year group {', '.join(str(y) for y in outside)} is not in ages {band.id}: "
            f"use {names} (0 for Reception)",
        )
    if len(set(years)) != len(years):
        problems.add(path, meta.line_of("year_groups"), "a year group is listed twice")
    return tuple(sorted(set(years)))


def _check_outcome(
    outcome_id: str,
    band: Band,
    strands: tuple[str, ...],
    outcomes: dict[str, Outcome],
    path: Path,
    line: int,
    problems: Problems,
) -> None:
    outcome = outcomes.get(outcome_id)
    if outcome is None:
        problems.add(path, line, f"unknown outcome '{outcome_id}'")
    elif outcome.band != band.id or outcome.strand not in strands:
        problems.add(
            path,
            line,
            f"outcome '{outcome_id}' is for {outcome.strand} ages "
            f"{outcome.band}, not this lesson's strands and band",
        )


def _sections(
    body: str, body_line: int, path: Path, root: Path, problems: Problems
) -> list[Section]:
    matches = list(HEADING.finditer(body))
    headings = tuple(match.group(1).strip() for match in matches)
    if headings != SECTIONS:
        problems.add(
            path,
            body_line,
            f"the sections must be {', '.join(SECTIONS)} (## each), "
            f"in that order; found {', '.join(headings) or 'none'}",
        )
    sections = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(body)
        sections.append(Section(match.group(1).strip(), body[match.end() : end].strip()))
    for image in IMAGE.finditer(body):
        line = body_line + body.count("\n", 0, image.start())
        _check_image(image.group(2), image.group(1), path, root, line, problems)
    return sections


def _picture_book(
    body: str, body_line: int, path: Path, problems: Problems
) -> tuple[StoryPart, ...]:
    """Split a 4-7 Story into parts, each a picture on its own line and then its words; a
    paragraph of words without its own picture just before it is a problem at its line."""
    match = re.search(rf"^## {STORY}\s*$", body, re.MULTILINE)
    if match is None:
        return ()
    end = HEADING.search(body, match.end())
    story = body[match.end() : end.start() if end else len(body)]
    first_line = body_line + body.count("\n", 0, match.end())
    parts: list[StoryPart] = []
    picture: tuple[str, str] | None = None
    for block, line in _blocks(story, first_line):
        lines = block.splitlines()
        image = IMAGE.fullmatch(lines[0].strip())
        if image is not None:
            if picture is not None:
                parts.append(StoryPart(picture[1], picture[0], ""))
            picture = (image.group(1), image.group(2).removeprefix("../../"))
            lines = lines[1:]
            if not lines:
                continue
            line += 1
        text = "\n".join(lines).strip()
        if picture is None:
            problems.add(
                path,
                line,
                "in a picture-book Story (ages 4-7) every paragraph comes right after its own "
                "picture: put a picture on the line before this one",
            )
            continue
        parts.append(StoryPart(picture[1], picture[0], text))
        picture = None
    if picture is not None:
        parts.append(StoryPart(picture[1], picture[0], ""))
    return tuple(parts)


def _blocks(text: str, first_line: int) -> list[tuple[str, int]]:
    """Paragraphs separated by blank lines, each with the file line it starts on."""
    blocks: list[tuple[str, int]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=first_line):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append(("\n".join(current), start))
            current = []
    if current:
        blocks.append(("\n".join(current), start))
    return blocks


def _check_image(
    src: str, alt: str | None, path: Path, root: Path, line: int, problems: Problems
) -> None:
    if not isinstance(alt, str) or not alt.strip():
        problems.add(path, line, f"the image {src} has no alt text: describe it in words")
    if not _is_file(root / src.removeprefix("../../")):
        problems.add(path, line, f"the image {src} does not exist")


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # such as a name too long for the file system
        return False


def _load_quiz(
    path: Path, root: Path, band: Band, outcomes: tuple[str, ...], problems: Problems
) -> list[Question]:
    if not path.is_file():
        problems.add(path, None, "every lesson needs a quiz file next to it")
        return []
    data = load_yaml_file(path, problems)
    items = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(items, list) or len(items) < MIN_QUESTIONS:
        problems.add(path, 1, f"a quiz needs at least {MIN_QUESTIONS} questions")
        return []
    allowed = YOUNG_TYPES if band.id == "4-7" else OLDER_TYPES
    questions, seen = [], set()
    for item in items:
        question = _question(item, path, root, allowed, outcomes, problems)
        if question is not None:
            if question.id in seen:
                problems.add(path, item.line, f"question id '{question.id}' is used twice")
            seen.add(question.id)
            questions.append(question)
    text = " ".join(q.text + " " + " ".join(o.feedback for o in q.options) for q in questions)
    grade = reading_grade(text)
    if grade > band.max_grade:
        problems.add(
            path,
            1,
            f"reads at grade {grade:.1f}, harder than the target for ages "
            f"{band.id} (at most {band.max_grade:g})",
        )
    return questions


def _question(
    item: Any,
    path: Path,
    root: Path,
    allowed: tuple[str, ...],
    outcomes: tuple[str, ...],
    problems: Problems,
) -> Question | None:
    if not isinstance(item, LineDict):
        problems.add(path, None, "each question needs id, type, outcome, text and options")
        return None
    before = len(problems.errors)
    name = f"question '{item.get('id')}'"
    for field in QUESTION_FIELDS:
        if item.get(field) in (None, "", []):
            problems.add(path, item.line, f"{name} is missing '{field}'")
    for field in item:
        if field not in QUESTION_FIELDS:
            problems.add(path, item.line_of(field), f"{name}: unknown field '{field}'")
    if len(problems.errors) > before:
        return None
    kind = item["type"]
    if kind not in allowed:
        problems.add(
            path,
            item.line_of("type"),
            f"{name}: type '{kind}' does not suit this age band; use {', '.join(allowed)}",
        )
    if item["outcome"] not in outcomes:
        problems.add(
            path,
            item.line_of("outcome"),
            f"{name} is mapped to '{item['outcome']}', which the lesson does not teach",
        )
    if not isinstance(item["options"], list):
        problems.add(path, item.line_of("options"), f"{name}: 'options' must be a list")
        return None
    read = [_option(o, name, kind, path, root, problems) for o in item["options"]]
    options = [o for o in read if o is not None]
    if kind == "picture-choice" and len(item["options"]) != PICTURE_CHOICE_OPTIONS:
        problems.add(
            path,
            item.line_of("options"),
            f"{name} is picture-choice, so it has exactly {PICTURE_CHOICE_OPTIONS} options "
            f"(found {len(item['options'])})",
        )
    correct = sum(o.correct for o in options)
    if correct == 0:
        problems.add(path, item.line, f"{name} has no correct answer")
    elif kind in ONE_CORRECT and correct > 1:
        problems.add(path, item.line, f"{name} is {kind}, so exactly one option is correct")
    if kind == "scenario" and not any(HELP_WORDS.search(o.text) for o in options):
        problems.add(
            path,
            item.line,
            f"{name} is a scenario: offer telling a trusted adult (or reporting) as an option",
        )
    if len(problems.errors) > before:
        return None
    return Question(str(item["id"]), kind, str(item["outcome"]), str(item["text"]), tuple(options))


def _option(
    item: Any, name: str, kind: str, path: Path, root: Path, problems: Problems
) -> Option | None:
    if not isinstance(item, LineDict):
        problems.add(path, None, f"{name}: each option needs text, correct and feedback")
        return None
    missing = [f for f in ("text", "feedback") if not item.get(f)]
    if "correct" not in item or not isinstance(item["correct"], bool):
        missing.append("correct (true or false)")
    if missing:
        problems.add(path, item.line, f"{name}: an option is missing {', '.join(missing)}")
        return None
    for field in item:
        if field not in OPTION_FIELDS:
            problems.add(path, item.line_of(field), f"{name}: unknown option field '{field}'")
    if kind == "picture-choice":
        if not item.get("image"):
            problems.add(path, item.line, f"{name}: a picture-choice option needs an image")
        else:
            _check_image(str(item["image"]), item.get("alt"), path, root, item.line, problems)
    return Option(
        str(item["text"]),
        item["correct"],
        str(item["feedback"]),
        item.get("image"),
        item.get("alt"),
    )
