"""Teacher notes: `lessons/<band>/<lesson>.notes.yml`, shown only to staff and printable.

Every lesson has one. The learning intention is not written here: it comes from the statements
of the lesson's outcomes, so the notes and the outcomes can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Problems
from .yamlfiles import LineDict, load_yaml_file

NOTES_FIELDS = (
    "key_words",
    "timing",
    "offline_activity",
    "discussion",
    "ground_rules",
    "sensitive",
    "sensitive_reason",
    "disclosure",
    "adaptations",
    "parent_guide",
)
"""Every field is required, so no lesson reaches a class without, for instance, what to do
when a pupil discloses harm."""

KEY_WORDS = (2, 6)
"""How many key words a lesson introduces: at least two to teach, at most six to remember."""

DISCUSSION_QUESTIONS = (3, 6)
"""Open questions for the class: enough for a real discussion, few enough for one lesson."""

GROUND_RULES = (2, 5)
"""Rules for a safe discussion (no names, the right to pass...): short enough to say aloud."""

ADAPTATIONS = ("send", "eal")
"""Every lesson says how to adapt it for pupils with SEND and for pupils new to English."""

SENSITIVE_WARNING = "Tell your DSL before you teach this; some pupils may be affected"
"""What the portal shows a teacher above notes marked `sensitive: true`."""


@dataclass(frozen=True)
class KeyWord:
    word: str
    meaning: str


@dataclass(frozen=True)
class TimingStep:
    minutes: int
    activity: str


@dataclass(frozen=True)
class TeacherNotes:
    key_words: tuple[KeyWord, ...]
    timing: tuple[TimingStep, ...]
    offline_activity: str
    discussion: tuple[str, ...]
    ground_rules: tuple[str, ...]
    sensitive: bool
    sensitive_reason: str
    disclosure: str
    send: str
    eal: str
    parent_guide: str

    @property
    def parent_guide_page(self) -> str:
        """The guide's address on the policy site, relative to the site's root:
        `parents/talking-with-your-child.md` is served at `parents/talking-with-your-child/`."""
        page = self.parent_guide.removesuffix(".md")
        if page == "index" or page.endswith("/index"):
            return page.removesuffix("index")
        return page + "/"


def notes_path(lesson_path: Path) -> Path:
    return lesson_path.with_suffix(".notes.yml")


def load_notes(path: Path, minutes: int, docs: Path, problems: Problems) -> TeacherNotes | None:
    """Load and check one lesson's notes; `minutes` is the lesson's length, which the timing
    must add up to; `docs` is the site's page folder, where the parent guide must be."""
    if not path.is_file():
        problems.add(path, None, "every lesson needs teacher notes next to it (.notes.yml)")
        return None
    data = load_yaml_file(path, problems)
    if not isinstance(data, LineDict):
        problems.add(path, 1, "teacher notes are 'field: value' lines: " + ", ".join(NOTES_FIELDS))
        return None
    before = len(problems.errors)
    for field in NOTES_FIELDS:
        if field not in data or (field != "sensitive_reason" and data[field] in (None, "", [])):
            problems.add(path, data.line or 1, f"the teacher notes are missing '{field}'")
    if len(problems.errors) > before:
        return None
    for field in data:
        if field not in NOTES_FIELDS:
            problems.add(path, data.line_of(field), f"unknown field '{field}'")
    key_words = _key_words(data, path, problems)
    timing = _timing(data, minutes, path, problems)
    discussion = _texts(data, "discussion", DISCUSSION_QUESTIONS, path, problems)
    ground_rules = _texts(data, "ground_rules", GROUND_RULES, path, problems)
    for field in ("offline_activity", "disclosure"):
        _text(data, field, path, problems)
    sensitive = data["sensitive"]
    reason = data["sensitive_reason"] or ""
    if not isinstance(sensitive, bool):
        problems.add(path, data.line_of("sensitive"), "'sensitive' must be true or false")
    elif not isinstance(reason, str):
        problems.add(path, data.line_of("sensitive_reason"), "'sensitive_reason' must be text")
    elif sensitive and not reason.strip():
        problems.add(
            path,
            data.line_of("sensitive_reason"),
            "the lesson is sensitive: say why in 'sensitive_reason', and what to tell the DSL",
        )
    adaptations = data["adaptations"]
    if not isinstance(adaptations, LineDict):
        problems.add(
            path, data.line_of("adaptations"), "'adaptations' needs 'send:' and 'eal:' lines"
        )
    else:
        for field in ADAPTATIONS:
            _text(adaptations, field, path, problems, name=f"adaptations: {field}")
        for field in adaptations:
            if field not in ADAPTATIONS:
                problems.add(
                    path, adaptations.line_of(field), f"adaptations: unknown field '{field}'"
                )
    guide = data["parent_guide"]
    if not isinstance(guide, str) or not _page_exists(docs, guide):
        problems.add(
            path,
            data.line_of("parent_guide"),
            f"parent_guide '{guide}' is not a page under docs/ (such as "
            "parents/talking-with-your-child.md)",
        )
    if len(problems.errors) > before:
        return None
    return TeacherNotes(
        key_words,
        timing,
        str(data["offline_activity"]).strip(),
        discussion,
        ground_rules,
        sensitive,
        reason.strip(),
        str(data["disclosure"]).strip(),
        str(adaptations["send"]).strip(),
        str(adaptations["eal"]).strip(),
        guide,
    )


def _text(data: LineDict, field: str, path: Path, problems: Problems, name: str = "") -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        problems.add(path, data.line_of(field), f"'{name or field}' must be some text")
        return ""
    return value.strip()


def _items(
    data: LineDict, field: str, limits: tuple[int, int], path: Path, problems: Problems
) -> list[Any]:
    items = data[field]
    low, high = limits
    if not isinstance(items, list) or not low <= len(items) <= high:
        problems.add(
            path, data.line_of(field), f"'{field}' must be a list of {low} to {high} items"
        )
        return []
    return items


def _texts(
    data: LineDict, field: str, limits: tuple[int, int], path: Path, problems: Problems
) -> tuple[str, ...]:
    items = _items(data, field, limits, path, problems)
    if not all(isinstance(item, str) and item.strip() for item in items):
        problems.add(path, data.line_of(field), f"each of '{field}' must be some text")
    return tuple(str(item).strip() for item in items)


def _key_words(data: LineDict, path: Path, problems: Problems) -> tuple[KeyWord, ...]:
    words = []
    for item in _items(data, "key_words", KEY_WORDS, path, problems):
        if not isinstance(item, LineDict) or not all(
            isinstance(item.get(f), str) and item[f].strip() for f in ("word", "meaning")
        ):
            line = item.line if isinstance(item, LineDict) else data.line_of("key_words")
            problems.add(path, line, "each key word needs 'word' and a child-friendly 'meaning'")
            continue
        words.append(KeyWord(item["word"].strip(), item["meaning"].strip()))
    return tuple(words)


def _timing(data: LineDict, minutes: int, path: Path, problems: Problems) -> tuple[TimingStep, ...]:
    steps = []
    items = data["timing"]
    if not isinstance(items, list):
        problems.add(path, data.line_of("timing"), "'timing' must be a list of steps")
        return ()
    for item in items:
        if (
            not isinstance(item, LineDict)
            or not isinstance(item.get("minutes"), int)
            or isinstance(item.get("minutes"), bool)
            or item["minutes"] <= 0
            or not isinstance(item.get("activity"), str)
            or not item["activity"].strip()
        ):
            line = item.line if isinstance(item, LineDict) else data.line_of("timing")
            problems.add(
                path, line, "each timing step needs 'minutes' (a whole number) and 'activity'"
            )
            continue
        steps.append(TimingStep(item["minutes"], item["activity"].strip()))
    total = sum(step.minutes for step in steps)
    if len(steps) == len(items) and total != minutes:
        problems.add(
            path,
            data.line_of("timing"),
            f"the timing adds up to {total} minutes, but the lesson is {minutes} minutes",
        )
    return tuple(steps)


def _page_exists(docs: Path, page: str) -> bool:
    """A Markdown page inside `docs` (never outside it, however the name is written)."""
    if not page.endswith(".md") or page.startswith("/") or "\\" in page:
        return False
    try:
        target = (docs / page).resolve()
        return target.is_relative_to(docs.resolve()) and target.is_file()
    except (OSError, ValueError):
        return False
