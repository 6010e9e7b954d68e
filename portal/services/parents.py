"""Parents and carers: sign-in links by email, codes on letters home, and their own children."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Parent, ParentLink, PersonKind, Pupil, School, SchoolClass, Staff
from . import audit, links, mail
from .tokens import new_letter_code, normalise_letter_code, token_hash

CODE_LENGTH = 15  # letters and digits in a letter code, without its dashes
LINK_PURPOSE = "parent-sign-in"

# Given the parent and their school: the email's subject and body, with tokens.TOKEN_MARK
# where the link's token goes.
Compose = Callable[[Parent, School], tuple[str, str]]


def find_by_email(db: Session, email: str) -> list[Parent]:
    """Every current parent record with this address, at any school, in any letter case."""
    address = email.strip().lower()
    if not address:
        return []
    return list(
        db.scalars(
            select(Parent)
            .where(func.lower(Parent.email) == address, Parent.left_at.is_(None))
            .order_by(Parent.id)
        )
    )


def email_sign_in_links(db: Session, email: str, terms: links.LinkTerms, compose: Compose) -> None:
    """Queue one sign-in link to each parent with this address, as one unit of work: commits
    when there was any.

    Nothing is returned: the caller answers the same way either way, so nobody learns who has an
    account.
    """
    parents = find_by_email(db, email)
    for parent in parents:
        school = db.get_one(School, parent.school_id)
        assert parent.email is not None  # found by it
        issued = links.issue_link(db, LINK_PURPOSE, parent, terms.lifetime, terms.secret_key)
        subject, body = compose(parent, school)
        mail.queue_mail(
            db,
            to=parent.email,
            subject=subject,
            body=body,
            school_id=parent.school_id,
            link_nonce=issued.nonce,
        )
        audit.record(db, "sign-in-link-sent", school_id=parent.school_id, subject=parent)
    if parents:
        db.commit()


def code_looks_right(code: str) -> bool:
    return len(normalise_letter_code(code).replace("-", "")) == CODE_LENGTH


def find_by_letter_code(db: Session, code: str) -> Parent | None:
    """The current parent whose letter carries this code, however it was typed."""
    if not code_looks_right(code):
        return None
    return db.scalar(
        select(Parent).where(
            Parent.letter_code_hash == token_hash(normalise_letter_code(code)),
            Parent.left_at.is_(None),
        )
    )


def use_sign_in_link(db: Session, token: str) -> Parent | None:
    return links.use_link(db, token, LINK_PURPOSE, Parent)


def peek_sign_in_link(db: Session, token: str) -> Parent | None:
    return links.peek_link(db, token, LINK_PURPOSE, Parent)


def used_sign_in_link_owner(db: Session, token: str) -> int | None:
    """The id of the parent who already used this link, to spot a second press of Continue."""
    owner = links.used_link_owner(db, token, LINK_PURPOSE)
    return owner[1] if owner and owner[0] == PersonKind.PARENT else None


def visible_children(parent: Parent) -> list[Pupil]:
    """The children a parent may see: linked to them, at their school, and still there."""
    return [
        child
        for child in parent.children
        if child.left_at is None and child.school_id == parent.school_id
    ]


# --- Letters for families without email ---------------------------------------------------


def school_classes(db: Session, school_id: int) -> list[SchoolClass]:
    return list(
        db.scalars(
            select(SchoolClass)
            .where(SchoolClass.school_id == school_id)
            .order_by(SchoolClass.year_group, SchoolClass.name)
        )
    )


def class_of_school(db: Session, school_id: int, class_id: int) -> SchoolClass | None:
    school_class = db.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != school_id:
        return None
    return school_class


@dataclass(frozen=True)
class Letter:
    parent: Parent
    children: list[Pupil]  # the parent's children in the chosen class
    code: str


@dataclass(frozen=True)
class LetterPlan:
    """What making letters for a class would do, shown before anything changes."""

    parents: list[Parent]
    with_code: int  # how many already have a code that would stop working
    with_email: int


def _class_parents(
    db: Session, school_class: SchoolClass, without_email_only: bool
) -> list[tuple[Parent, list[Pupil]]]:
    pupils = db.scalars(
        select(Pupil)
        .where(
            Pupil.class_id == school_class.id,
            Pupil.school_id == school_class.school_id,
            Pupil.left_at.is_(None),
        )
        .order_by(Pupil.last_name, Pupil.first_name)
    ).all()
    rows = db.execute(
        select(Parent, ParentLink.pupil_id)
        .join(ParentLink, ParentLink.parent_id == Parent.id)
        .where(
            ParentLink.pupil_id.in_([pupil.id for pupil in pupils]),
            Parent.school_id == school_class.school_id,
            Parent.left_at.is_(None),
        )
    ).all()
    by_pupil = {pupil.id: pupil for pupil in pupils}
    families: dict[int, tuple[Parent, list[Pupil]]] = {}
    for parent, pupil_id in rows:
        if without_email_only and parent.email:
            continue
        families.setdefault(parent.id, (parent, []))[1].append(by_pupil[pupil_id])
    for _, children in families.values():
        children.sort(key=lambda child: (child.last_name, child.first_name))
    return sorted(
        families.values(),
        key=lambda family: (family[1][0].last_name, family[1][0].first_name, family[0].name),
    )


def plan_letters(db: Session, school_class: SchoolClass, without_email_only: bool) -> LetterPlan:
    parents = [parent for parent, _ in _class_parents(db, school_class, without_email_only)]
    return LetterPlan(
        parents=parents,
        with_code=sum(1 for parent in parents if parent.letter_code_hash),
        with_email=sum(1 for parent in parents if parent.email),
    )


def make_letters(
    db: Session, school_class: SchoolClass, without_email_only: bool, by: Staff
) -> list[Letter]:
    """A new code for each parent of the class's pupils, as one unit of work: commits. Any
    older code stops working.

    Only each code's hash is kept, so the letters returned are the one chance to print them.
    """
    letters = []
    for parent, children in _class_parents(db, school_class, without_email_only):
        code = new_letter_code()
        parent.letter_code_hash = token_hash(normalise_letter_code(code))
        letters.append(Letter(parent=parent, children=children, code=code))
    audit.record(
        db,
        "letter-codes-made",
        school_id=school_class.school_id,
        actor=by,
        class_id=school_class.id,
        letters=len(letters),
    )
    db.commit()
    return letters
