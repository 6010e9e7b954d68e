"""What an import will do: a plain, immutable plan, and the same plan in words for the preview.

A plan lists each record that an import changes, with its state before and after. The preview
shows the plan's entries, each made from one change and nothing else, and the import writes
exactly those changes: what the admin reads is what is written. The fingerprint covers every
change, so an import can show that the plan it writes is the one the admin saw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Generic, TypeVar

from ...models import ROLE_LABELS
from ...years import year_label
from .columns import PUPILS, STAFF
from .rows import RowError

ADDED, CHANGED, LEFT = "added", "changed", "left"

# --- The states an import compares and writes ----------------------------------------------


@dataclass(frozen=True)
class ClassState:
    year_group: int  # the youngest year group in the class (mixed classes are common)


@dataclass(frozen=True)
class PupilState:
    first_name: str
    last_name: str
    year_group: int
    class_name: str | None
    left: bool = False

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class Child:
    """A parent's link to a child in the file, named as the file names the child."""

    reference: str
    name: str
    relationship: str | None


@dataclass(frozen=True)
class ParentState:
    name: str
    email: str | None
    # Links to children in the file, in the file's order. Links to children who left are not
    # the file's to change, so they are neither here nor written.
    children: tuple[Child, ...]
    left: bool = False


@dataclass(frozen=True)
class StaffState:
    name: str
    email: str  # as stored: an import finds staff by email and never rewrites it
    role: str
    classes: tuple[str, ...]  # the classes they teach, by name, sorted
    left: bool = False


State = TypeVar("State", ClassState, PupilState, ParentState, StaffState)


@dataclass(frozen=True)
class Change(Generic[State]):
    """One record as it is (None: not there yet) and as the import leaves it."""

    key: str  # a class's name, a pupil's or parent's reference, a member of staff's email
    before: State | None
    after: State

    @property
    def effect(self) -> str:
        if self.before is None:
            return ADDED
        # classes never leave
        leaves = getattr(self.after, "left", False) and not getattr(self.before, "left", False)
        return LEFT if leaves else CHANGED


def in_order(changes: Iterable[Change[State]]) -> tuple[Change[State], ...]:
    """By key: the same plan however the database orders its rows."""
    return tuple(sorted(changes, key=lambda change: change.key))


# --- The plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One person or class in the preview, with what changes in plain words."""

    name: str
    shown_as: str  # what the school knows them by: reference or email address
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    shown_as: str  # heading for Entry.shown_as
    added: tuple[Entry, ...] = ()
    changed: tuple[Entry, ...] = ()
    left: tuple[Entry, ...] = ()

    def counts(self) -> dict[str, int]:
        return {ADDED: len(self.added), CHANGED: len(self.changed), LEFT: len(self.left)}


@dataclass(frozen=True)
class Plan:
    kind: str | None
    classes: tuple[Change[ClassState], ...] = ()
    pupils: tuple[Change[PupilState], ...] = ()
    parents: tuple[Change[ParentState], ...] = ()
    staff: tuple[Change[StaffState], ...] = ()
    errors: tuple[RowError, ...] = ()

    @cached_property
    def sections(self) -> tuple[Section, ...]:
        """The changes in words, one entry for each change."""
        if self.errors:
            return ()
        if self.kind == PUPILS:
            return (
                _section(PUPILS, "Pupils", "Reference", self.pupils, _pupil_entry),
                _section(
                    "parents", "Parents and carers", "Email address", self.parents, _parent_entry
                ),
                _section("classes", "Classes", "Year group", self.classes, _class_entry),
            )
        if self.kind == STAFF:
            return (_section(STAFF, "Staff", "Email address", self.staff, _staff_entry),)
        return ()

    def counts(self) -> dict[str, dict[str, int]]:
        return {section.key: section.counts() for section in self.sections}

    @property
    def changes_anything(self) -> bool:
        return any(any(section.counts().values()) for section in self.sections)

    def fingerprint(self) -> str:
        """Changes whenever any change in the plan would: checked before an import writes."""
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _section(
    key: str,
    title: str,
    shown_as: str,
    changes: tuple[Change[State], ...],
    entry: Callable[[Change[State]], Entry],
) -> Section:
    """Alphabetical: easy to read, and the same however the database orders its rows."""
    grouped: dict[str, list[Entry]] = {ADDED: [], CHANGED: [], LEFT: []}
    for change in changes:
        grouped[change.effect].append(entry(change))
    ordered = [
        tuple(sorted(entries, key=lambda e: (e.name.lower(), e.shown_as)))
        for entries in grouped.values()
    ]
    return Section(key, title, shown_as, *ordered)


# --- Each change in words -------------------------------------------------------------------


def _class_entry(change: Change[ClassState]) -> Entry:
    before, after = change.before, change.after
    if before is None:
        return Entry(change.key, year_label(after.year_group))
    moved = f"{year_label(before.year_group)} to {year_label(after.year_group)}"
    return Entry(change.key, year_label(after.year_group), (moved,))


def _pupil_entry(change: Change[PupilState]) -> Entry:
    before, after = change.before, change.after
    if before is None:
        placement = year_label(after.year_group)
        if after.class_name:
            placement += f", class {after.class_name}"
        return Entry(after.name, change.key, (placement,))
    if change.effect == LEFT:
        return Entry(before.name, change.key)
    details = ["back after leaving"] if before.left else []
    if (before.first_name, before.last_name) != (after.first_name, after.last_name):
        details.append(f"name {before.name} to {after.name}")
    if before.year_group != after.year_group:
        details.append(f"{year_label(before.year_group)} to {year_label(after.year_group)}")
    if before.class_name != after.class_name:
        details.append(
            f"moved from {before.class_name or 'no class'} to {after.class_name or 'no class'}"
        )
    return Entry(after.name, change.key, tuple(details))


def _parent_entry(change: Change[ParentState]) -> Entry:
    before, after = change.before, change.after
    if before is None:
        children = ", ".join(_child(child) for child in after.children)
        return Entry(after.name, after.email or "", (f"linked to {children}",))
    if change.effect == LEFT:
        return Entry(before.name, before.email or "")
    details = ["back after leaving"] if before.left else []
    if before.name != after.name:
        details.append(f"name {before.name} to {after.name}")
    if before.email != after.email:
        details.append(f"email {before.email or 'none'} to {after.email or 'none'}")
    had = {child.reference: child for child in before.children}
    for child in after.children:
        if child.reference not in had:
            details.append(f"linked to {_child(child)}")
        elif had[child.reference].relationship != child.relationship:
            old = had[child.reference].relationship or "no relationship"
            details.append(f"{child.name}: {old} to {child.relationship or 'no relationship'}")
    kept = {child.reference for child in after.children}
    details += sorted(
        f"no longer linked to {child.name}"
        for child in before.children
        if child.reference not in kept
    )
    return Entry(after.name, after.email or "", tuple(details))


def _child(child: Child) -> str:
    return f"{child.name} ({child.relationship})" if child.relationship else child.name


def _staff_entry(change: Change[StaffState]) -> Entry:
    before, after = change.before, change.after
    if before is None:
        teaches = (f"teaches {', '.join(after.classes)}",) if after.classes else ()
        return Entry(after.name, after.email, (ROLE_LABELS[after.role], *teaches))
    if change.effect == LEFT:
        return Entry(before.name, before.email)
    details = ["back after leaving"] if before.left else []
    if before.name != after.name:
        details.append(f"name {before.name} to {after.name}")
    if before.role != after.role:
        details.append(f"{ROLE_LABELS[before.role]} to {ROLE_LABELS[after.role]}")
    if before.classes != after.classes:
        details.append(f"teaches {', '.join(after.classes) or 'no class'}")
    return Entry(after.name, after.email, tuple(details))
