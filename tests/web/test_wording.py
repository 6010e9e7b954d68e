"""Words on the portal's pages: no two bracketed asides side by side ("(ages 7 to 11) (your
countersignature)"), and no hint in brackets or said twice ("Choose all that apply. (Choose all
the right answers.)"). Every template is read, and every quiz question of the real curriculum."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from portal.content import load_lessons

PROJECT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p for p in (PROJECT / "portal" / "templates").rglob("*") if p.is_file())
COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
# A bracketed aside straight after a title: titles of policies end in their own brackets.
AFTER_TITLE = re.compile(r"title\b[^{}]*\}\}(?:\s*\{%.*?%\})*[ \t]*\(", re.DOTALL)
HINTS = re.compile(r'class="hint"[^>]*>(.*?)</(?:p|span|div)>|\bhint="([^"]*)"', re.DOTALL)


def source(path: Path) -> str:
    return COMMENT.sub("", path.read_text(encoding="utf-8"))


def name(path: Path) -> str:
    return str(path.relative_to(PROJECT))


@pytest.mark.parametrize("path", TEMPLATES, ids=name)
def test_no_two_bracketed_asides_side_by_side(path):
    text = source(path)
    words = CODE.sub("", text)  # what the template itself writes
    assert not re.search(r"\)[ \t]*\(", words), f"{name(path)}: ') (' in its words"
    found = AFTER_TITLE.search(text)
    assert found is None, f"{name(path)}: an aside in brackets after a title: {found.group(0)!r}"


@pytest.mark.parametrize("path", TEMPLATES, ids=name)
def test_no_hint_is_in_brackets_or_said_twice(path):
    hints = [
        " ".join((inside or argument).split())
        for inside, argument in HINTS.findall(source(path))
        if not CODE.fullmatch((inside or argument).strip())  # a macro's own {{ hint }}
    ]
    assert [hint for hint in hints if hint.startswith("(")] == [], name(path)
    assert [hint for hint, count in Counter(hints).items() if count > 1] == [], name(path)


def test_each_question_with_several_answers_says_so_once(project):
    lessons = load_lessons(project / "curriculum").lessons
    questions = [question for lesson in lessons for question in lesson.questions]
    several = [q for q in questions if q.type == "multiple"]
    assert several, "the curriculum has questions with several right answers"
    for question in several:
        legend = f"{question.text} {question.how_to_answer}".lower()
        assert legend.count("choose all") == 1, question.id
    assert all(q.how_to_answer == "" for q in questions if q.type != "multiple")
