"""Small content trees written to a temporary folder, one factory call per file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from portal.content import Content, load_content
from portal.content.errors import Problems
from portal.content.published import load_record, record_published, unrecorded
from portal.models import Parent, Pupil, School, SchoolClass, Staff
from portal.services.passwords import hash_password
from portal.services.sessions import start_session

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
        reference=f"P{n}",
        first_name=f"Pupil{n}",
        last_name="Test",
        year_group=school_class.year_group if school_class else year_group,
        class_id=school_class.id if school_class else None,
        password_hash=hash_password(password) if password else None,
        **fields,
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
