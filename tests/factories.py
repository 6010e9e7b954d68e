"""Small content trees written to a temporary folder, one factory call per file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from portal.content import Content, calendar, load_content
from portal.content.errors import Problems
from portal.content.published import load_record, record_published, unrecorded
from portal.models import Parent, Pupil, School, SchoolClass, Staff
from portal.services.passwords import hash_password
from portal.services.sessions import start_session
from portal.web.runtime import runtime

SCHOOL = {
    "school": {"name": "Test School", "phone": "0100 000"},
    "roles": {"dsl": {"title": "Designated safeguarding lead", "name": "Ms Dee Ess"}},
    "choices": {"phones": "Phones stay in bags."},
}


class ContentTree:
    """A project folder with policies/, built up by the test that uses it."""

    def __init__(self, root: Path):
        self.root = root
        self.policies = root / "policies"
        (self.policies / "tables").mkdir(parents=True)
        self.write_yaml(self.policies / "school.yml", SCHOOL)

    @staticmethod
    def write_yaml(path: Path, data: Any) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    def policy(self, slug: str = "rules", **fields: Any) -> Path:
        meta = {
            "title": "Class rules",
            "summary": "How we use computers.",
            "audience": "Pupils",
            "order": 10,
            "accepted_by": ["pupils-11-plus"],
            "renew": ["new-version"],
        } | fields
        return self.write_yaml(self.policies / slug / "policy.yml", meta)

    def version(
        self,
        name: str = "2025.09",
        body: str = "## Rules\n\nBe kind online.\n",
        slug: str = "rules",
        **fields: Any,
    ) -> Path:
        """Write policies/<slug>/<name>.md; `fields` override the front matter."""
        year = int(name[:4])
        front = {
            "version": name,
            "status": "published",
            "approved_by": "Governors",
            "approved_on": dt.date(year, 7, 1),
            "effective_from": dt.date(year, 9, 1),
            "review_by": dt.date(year + 1, 7, 31),
            "changes": "First version.",
        } | fields
        path = self.policies / slug / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\n{yaml.safe_dump(front, sort_keys=False)}---\n{body}", "utf-8")
        return path

    def table(self, name: str, **data: Any) -> Path:
        return self.write_yaml(self.policies / "tables" / f"{name}.yml", data)

    def publish(self) -> None:
        content = load_content(self.policies, check_record=False)
        path = self.policies / "published.yml"
        record = load_record(path, Problems(self.root))
        record_published(path, record, unrecorded(list(content.policies), record))

    def mkdocs_yml(self, **plugin: Any) -> Path:
        """A small site around this tree: the project's Markdown extensions, the plugin."""
        config = {
            "site_name": "Test site",
            "markdown_extensions": ["abbr", "admonition", "attr_list", "md_in_html", "tables"],
            "plugins": [{"esafety": plugin}],
            "validation": {"absolute_links": "relative_to_docs"},
        }
        (self.root / "docs").mkdir(exist_ok=True)
        (self.root / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
        return self.write_yaml(self.root / "mkdocs.yml", config)

    def load(self) -> Content:
        return load_content(self.policies)


# --- People in the portal's database -------------------------------------------------------

_counter = iter(range(1, 10**9))


def make_school(db, name: str = "Oakfield") -> School:
    school = School(name=f"{name} School", slug=f"{name.lower()}-{next(_counter)}")
    db.add(school)
    db.flush()
    return school


def make_class(db, school: School, name: str = "3B", year_group: int = 3) -> SchoolClass:
    school_class = SchoolClass(school_id=school.id, name=name, year_group=year_group)
    db.add(school_class)
    db.flush()
    return school_class


def make_staff(
    db, school: School, role: str = "staff", password: str | None = None, **fields: Any
) -> Staff:
    n = next(_counter)
    staff = Staff(
        school_id=school.id,
        name=f"Teacher {n}",
        email=f"teacher{n}@example.org",
        role=role,
        password_hash=hash_password(password) if password else None,
        **fields,
    )
    db.add(staff)
    db.flush()
    return staff


def make_pupil(
    db,
    school: School,
    school_class: SchoolClass | None = None,
    year_group: int = 3,
    password: str | None = None,
    **fields: Any,
) -> Pupil:
    n = next(_counter)
    pupil = Pupil(
        school_id=school.id,
        year_group=school_class.year_group if school_class else year_group,
        class_id=school_class.id if school_class else None,
        password_hash=hash_password(password) if password else None,
        **({"reference": f"P{n}", "first_name": f"Pupil{n}", "last_name": "Test"} | fields),
    )
    db.add(pupil)
    db.flush()
    return pupil


def make_parent(
    db, school: School, children: list[Pupil], email: str | None = "", **fields: Any
) -> Parent:
    n = next(_counter)
    parent = Parent(
        school_id=school.id,
        reference=f"C{n}",
        name=f"Parent {n}",
        email=f"parent{n}@example.org" if email == "" else email,
        **fields,
    )
    parent.children = children
    db.add(parent)
    db.flush()
    return parent


def sign_in_as(client, db, person: Any) -> None:
    """Give `client` a live session for `person`, as if they had signed in."""
    token = start_session(db, person)
    db.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True


# --- A small curriculum ------------------------------------------------------------------------

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LESSON_BODY = """## Story

![Sam holding a tablet and talking to Dad](../../images/ok.svg)

Sam wants to play a game. Sam asks Dad first.

## Key ideas

- Ask a grown-up first.

## What to do

- Stop and ask.

## Who to tell

- Tell a grown-up you trust.
"""


def true_false(number: int, outcome: str = "or-ey-1", **fields: Any) -> dict:
    return {
        "id": f"q{number}",
        "type": "true-false",
        "outcome": outcome,
        "text": "Sam should ask first.",
        "options": [
            {"text": "True", "correct": True, "feedback": "Yes! Asking keeps Sam safe."},
            {"text": "False", "correct": False, "feedback": "Not quite. Sam should ask."},
        ],
    } | fields


FIRST_YEAR = {"4-7": 0, "7-11": 3, "11-14": 7, "14-18": 10}

NOTES = {
    "key_words": [
        {"word": "stranger", "meaning": "someone you do not know in real life"},
        {"word": "trusted adult", "meaning": "a grown-up who helps you and keeps you safe"},
    ],
    "timing": [
        {"minutes": 5, "activity": "Read the story together."},
        {"minutes": 10, "activity": "Sort the picture cards into ask first and fine to do."},
        {"minutes": 5, "activity": "Take the quiz."},
    ],
    "offline_activity": "Role play: one pupil is the game, one presses No and asks.",
    "discussion": [
        "Why did Sam stop?",
        "Who could Sam ask at school?",
        "How did Dad help?",
    ],
    "ground_rules": ["We do not use real names.", "Anyone may pass."],
    "sensitive": False,
    "sensitive_reason": "",
    "disclosure": "Listen, do not promise secrecy, and tell the DSL the same day.",
    "adaptations": {
        "send": "Use the picture cards and give one choice at a time.",
        "eal": "Point to the pictures and model the words No and Ask.",
    },
    "parent_guide": "parents/talking-with-your-child.md",
}


class CurriculumTree:
    """A curriculum folder: the real framework, one strand's outcomes, lessons written by tests
    (each with a year group and teacher notes), and a docs/ folder with one parent guide."""

    def __init__(self, root: Path, framework: dict | None = None):
        self.folder = root / "curriculum"
        (self.folder / "images").mkdir(parents=True)
        if framework is None:
            (self.folder / "framework.yml").write_text(
                (PROJECT_ROOT / "curriculum" / "framework.yml").read_text()
            )
        else:
            ContentTree.write_yaml(self.folder / "framework.yml", framework)
        guide = root / "docs" / "parents" / "talking-with-your-child.md"
        guide.parent.mkdir(parents=True, exist_ok=True)
        guide.write_text("# Talking with your child\n", encoding="utf-8")
        ContentTree.write_yaml(
            self.folder / "outcomes" / "or.yml",
            {
                "strand": "or",
                "outcomes": {
                    "4-7": [
                        {"id": "or-ey-1", "statement": "I can ask before I go online."},
                        {"id": "or-ey-2", "statement": "I can say who to tell."},
                    ],
                    "7-11": [{"id": "or-ks2-1", "statement": "I can explain trust online."}],
                },
            },
        )
        (self.folder / "images" / "ok.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
            '<title>A smiling face</title><circle cx="50" cy="50" r="40" fill="#ffd54f"/></svg>'
        )

    def lesson(
        self,
        lesson_id: str = "ey-or-ask",
        band: str = "4-7",
        body: str = LESSON_BODY,
        questions: list | None = None,
        notes: dict | None = None,
        **fields: Any,
    ) -> Path:
        """Write the lesson, its quiz and its notes; `notes` override fields of the notes
        (a value of None leaves that field out)."""
        front = {
            "id": lesson_id,
            "title": "Ask first",
            "band": band,
            "year_groups": [FIRST_YEAR[band]],
            "strands": ["or"],
            "outcomes": ["or-ey-1"],
            "minutes": 20,
        } | fields
        path = self.folder / "lessons" / band / f"{lesson_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\n{yaml.safe_dump(front, sort_keys=False)}---\n\n{body}")
        quiz = questions if questions is not None else [true_false(n) for n in range(1, 6)]
        ContentTree.write_yaml(path.with_suffix(".quiz.yml"), {"questions": quiz})
        written = {k: v for k, v in (NOTES | (notes or {})).items() if v is not None}
        ContentTree.write_yaml(path.with_suffix(".notes.yml"), written)
        return path

    def load(self, whole_scheme: bool = False):
        """Load as the portal does; `whole_scheme=True` adds the checks `esafety check` makes
        of the scheme as a whole (a small tree is rarely a whole scheme)."""
        from portal.content import load_lessons

        return load_lessons(self.folder, whole_scheme=whole_scheme)


# --- Agreements ------------------------------------------------------------------------------


def accept_own_agreements(app, db, person: Any) -> None:
    """Record that `person` has agreed to everything they sign themselves (for a member of
    staff: the staff agreement, so no page is held back by it)."""
    from portal.services import agreements
    from portal.services.acceptance import Entry, Signature, record_and_commit

    rules = agreements.rules(catalogue_of(app), calendar.school_today())
    kind = person.person_kind
    parts = agreements.parts_to_sign(db, rules, person)
    entries = [
        Entry.to(part.rule.in_force, part.subject.person_kind, part.subject.id, part.part)
        for part in parts
    ]
    if entries:
        record_and_commit(db, person.school_id, entries, Signature(kind, person.id))


def catalogue_of(app):
    """The catalogue `app` serves now: its policies, each published version with its id."""
    return runtime(app).catalogue.current
