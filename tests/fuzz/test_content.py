"""Policy files, lessons and quizzes with damaged YAML, front matter and text: the loaders
either load them or raise ContentErrors, every error naming a real file (and a line in it,
for YAML that cannot be read); never any other exception."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import yaml
from hypothesis import strategies as st

from portal.content import ContentError, ContentErrors, load_content, load_lessons
from tests.factories import LESSON_BODY, ContentTree, CurriculumTree, true_false
from tests.fuzz.support import (
    MARKDOWN_SNIPPETS,
    any_text,
    file_bytes,
    fuzz,
    mutated_text,
    one_in,
    replacements,
    yaml_documents,
    yaml_values,
)

CONTENT_SHARE = 2.0  # of the profile's max_examples, for each loader: 200 trees by default

POLICY = {
    "title": "Class rules",
    "summary": "How we use computers.",
    "audience": "Pupils",
    "order": 10,
    "accepted_by": ["pupils-11-plus"],
    "renew": ["new-version"],
}
FRONT_MATTER = {
    "version": "2025.09",
    "status": "published",
    "approved_by": "Governors",
    "approved_on": dt.date(2025, 7, 1),
    "effective_from": dt.date(2025, 9, 1),
    "review_by": dt.date(2026, 7, 31),
    "changes": "First version.",
}
LESSON = {
    "id": "ey-or-ask",
    "title": "Ask first",
    "band": "4-7",
    "strands": ["or"],
    "outcomes": ["or-ey-1"],
    "minutes": 20,
}
BODY = "## Rules\n\nBe kind online. Ask {{ roles.dsl.name }} at {{ school.name }}.\n"


def dump(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def lines_in(path: Path) -> int:
    """Lines as YAML counts them (it breaks lines at more than \\n)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    return max(text.count("\n"), len(text.splitlines())) + 1


def check_errors(errors: ContentErrors, root: Path) -> None:
    """Each error names a file or folder that is there, and a line inside it if any."""
    assert errors.errors, "ContentErrors with nothing in it"
    for error in errors.errors:
        assert isinstance(error, ContentError)
        where = root / error.path
        assert where.exists(), f"{error} names no file"
        assert str(error).startswith(str(error.path)), error
        if error.line is not None:
            assert where.is_file(), error
            assert 1 <= error.line <= lines_in(where), f"{error}: no such line"
        if "invalid YAML" in error.message:
            assert error.line is not None, f"{error}: which line?"
        if "not saved as UTF-8" in error.message:
            line = where.read_bytes().split(b"\n")[error.line - 1]
            assert line.decode("utf-8", errors="replace").encode() != line, f"{error}: wrong line"


@st.composite
def markdown_bodies(draw) -> str:
    return draw(st.one_of(st.just(BODY), mutated_text(BODY, MARKDOWN_SNIPPETS), any_text))


@st.composite
def version_files(draw) -> bytes:
    """A version file: its front matter (grown from a good one) between '---' lines, then
    its text; now and then the lines around the front matter are wrong too."""
    front = draw(yaml_documents(FRONT_MATTER, dump))
    text = f"---\n{front}---\n{draw(markdown_bodies())}"
    if draw(one_in(10)):
        text = draw(mutated_text(text, ("---", "", "--- x", "----")))
    return draw(file_bytes(text))


def version_file(front_matter: str) -> bytes:
    return f"---\n{front_matter}---\n{BODY}".encode()


GOOD_FRONT = dump(FRONT_MATTER)
GOOD_POLICY = dump(POLICY).encode()
# Trees that found bugs, loaded every time: (policy.yml, version file name, version file).
KNOWN_POLICIES = [
    # A file that is not UTF-8: UnicodeDecodeError.
    (b"\x80" + GOOD_POLICY, "2025.09", version_file(GOOD_FRONT)),
    # A list where a word belongs: TypeError (unhashable) from `value in ACCEPTED_BY`.
    (GOOD_POLICY.replace(b"- pupils-11-plus", b"- []"), "2025.09", version_file(GOOD_FRONT)),
    # A date that does not exist: ValueError from YAML's own date reader.
    (b"approved_on: 2025-02-30\n" + GOOD_POLICY, "2025.09", version_file(GOOD_FRONT)),
    # A time on a date: TypeError comparing it with the other dates.
    (
        GOOD_POLICY,
        "2025.09",
        version_file(GOOD_FRONT.replace("2025-09-01", "2025-09-01 08:00:00")),
    ),
    # `!!map` on a plain value: ValueError inside the line-numbering mapping reader.
    (GOOD_POLICY, "2025.09", version_file("x: !!map 1\n" + GOOD_FRONT)),
    # A list as a key: TypeError (unhashable) in the duplicate-key check.
    (b"[a]: 1\n" + GOOD_POLICY, "2025.09", version_file(GOOD_FRONT)),
]


def test_any_policy_loads_or_fails_with_content_errors_naming_file_and_line():
    @fuzz(
        CONTENT_SHARE,
        examples=[
            {"policy": policy, "name": name, "version": version, "check_record": False}
            for policy, name, version in KNOWN_POLICIES
        ],
        policy=yaml_documents(POLICY, dump).flatmap(file_bytes),
        name=st.sampled_from(["2025.09", "2025.09", "2025.9", "draft", "2025.09.1"]),
        version=version_files(),
        check_record=st.booleans(),
    )
    def loading(policy, name, version, check_record):
        with tempfile.TemporaryDirectory() as folder:
            tree = ContentTree(Path(folder))
            (tree.policies / "rules").mkdir()
            (tree.policies / "rules" / "policy.yml").write_bytes(policy)
            (tree.policies / "rules" / f"{name}.md").write_bytes(version)
            try:
                load_content(tree.policies, check_record=check_record)
            except ContentErrors as errors:
                check_errors(errors, tree.root)

    loading()


def picture_choice(number: int) -> dict:
    """A question for the youngest: choose the picture."""
    options = [
        {"text": text, "correct": text == "Ask", "feedback": "Asking keeps Sam safe."}
        | {"image": "../../images/ok.svg", "alt": f"A child who does this: {text}"}
        for text in ("Ask", "Click")
    ]
    return true_false(number, type="picture-choice", text="Which is safe?", options=options)


@st.composite
def quiz_files(draw) -> bytes:
    """A quiz grown from five good questions: fields and options dropped, added or given any
    value, questions that are not mappings, or the YAML text damaged by hand."""
    questions = [picture_choice(n) if n % 2 else true_false(n) for n in range(1, 6)]
    for index in draw(st.lists(st.integers(0, 4), min_size=1, max_size=3, unique=True)):
        question = questions[index]
        if draw(one_in(6)):
            questions[index] = draw(yaml_values)
            continue
        keys = st.lists(st.sampled_from(sorted(question)), min_size=1, max_size=2, unique=True)
        for key in draw(keys):
            if draw(one_in(4)):
                del question[key]
            else:
                question[key] = draw(replacements)
        if "options" in question and isinstance(question["options"], list) and draw(one_in(2)):
            options = question["options"]
            at = draw(st.integers(0, len(options)))
            good = dict(picture_choice(1)["options"][0])
            options.insert(at, draw(st.one_of(yaml_values, st.just(good))))
            if isinstance(options[at], dict) and draw(st.booleans()):
                field = draw(st.sampled_from(["image", "alt", "correct", "text", "feedback"]))
                options[at][field] = draw(replacements)
    data = {"questions": draw(st.permutations(questions))}
    text = draw(mutated_text(dump(data))) if draw(one_in(4)) else dump(data)
    return draw(file_bytes(text))


@st.composite
def lesson_files(draw) -> bytes:
    """A lesson whose front matter is, one time in four, grown from a good one (a lesson
    that fails to load never gets as far as its quiz)."""
    front = draw(yaml_documents(LESSON, dump)) if draw(one_in(4)) else dump(LESSON)
    body = draw(mutated_text(LESSON_BODY, MARKDOWN_SNIPPETS)) if draw(one_in(4)) else LESSON_BODY
    return draw(file_bytes(f"---\n{front}---\n\n{body}"))


GOOD_QUIZ = dump({"questions": [true_false(n) for n in range(1, 6)]}).encode()


def lesson_file(front_matter: str, body: str = LESSON_BODY) -> bytes:
    return f"---\n{front_matter}---\n\n{body}".encode()


def quiz_with_option(**fields) -> bytes:
    """A good quiz whose first question is a picture choice with `fields` in an option."""
    question = picture_choice(1)
    question["options"][0] |= fields
    return dump({"questions": [question] + [true_false(n) for n in range(2, 6)]}).encode()


# Lessons and quizzes that found bugs, loaded every time: (lesson file, quiz file).
KNOWN_LESSONS = [
    # Not lists, not a number: TypeError and ValueError building the lesson.
    (lesson_file(dump(LESSON | {"strands": False})), GOOD_QUIZ),
    (lesson_file(dump(LESSON | {"outcomes": 5})), GOOD_QUIZ),
    (lesson_file(dump(LESSON | {"minutes": "ten"})), GOOD_QUIZ),
    (lesson_file(dump(LESSON | {"minutes": float("inf")})), GOOD_QUIZ),
    # Options that are not a list: TypeError.
    (
        lesson_file(dump(LESSON)),
        dump(
            {"questions": [true_false(1, options=False)] + [true_false(n) for n in range(2, 6)]}
        ).encode(),
    ),
    # Alt text that is not text: AttributeError.
    (lesson_file(dump(LESSON)), quiz_with_option(alt=True)),
    # A picture whose name is too long for the file system: OSError from is_file().
    (lesson_file(dump(LESSON)), quiz_with_option(image="x" * 300 + ".svg")),
    (
        lesson_file(
            dump(LESSON), LESSON_BODY.replace("## Who", f"![A]({'x' * 300}.svg)\n\n## Who")
        ),
        GOOD_QUIZ,
    ),
]


def test_any_lesson_and_quiz_load_or_fail_with_content_errors_naming_file_and_line():
    @fuzz(
        CONTENT_SHARE,
        examples=[{"lesson": lesson, "quiz": quiz} for lesson, quiz in KNOWN_LESSONS],
        lesson=lesson_files(),
        quiz=quiz_files(),
    )
    def loading(lesson, quiz):
        with tempfile.TemporaryDirectory() as folder:
            tree = CurriculumTree(Path(folder))
            path = tree.lesson()
            path.write_bytes(lesson)
            path.with_suffix(".quiz.yml").write_bytes(quiz)
            try:
                load_lessons(tree.folder)
            except ContentErrors as errors:
                check_errors(errors, tree.folder.parent)

    loading()
