"""Pupils' sign-in details: usernames, passwords a child can type and remember, login cards.

Staff set pupils' passwords by printing new cards, so the staff password rules do not apply to
them: a pupil's password is two simple words and two digits, such as "green-tiger-42", in lower
case. Sign-in ignores capital letters and spaces around it, which tablets like to add.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Pupil, SchoolClass, Staff
from . import accounts, audit
from .passwords import hash_password
from .pictures import check_pictures, new_picture_password, picture_password_hash, uses_pictures
from .sessions import end_all_sessions

# Short words a seven-year-old can read, spell and picture: no two sound alike.
WORDS = (
    "red", "blue", "green", "pink", "gold", "purple", "orange", "yellow",
    "tiger", "lion", "panda", "zebra", "frog", "duck", "owl", "fox",
    "bear", "horse", "sheep", "goat", "mouse", "whale", "snail", "robin",
    "puppy", "kitten", "rabbit", "camel", "hippo", "koala", "otter", "pony",
    "apple", "lemon", "mango", "melon", "grape", "plum", "cake", "honey",
    "bread", "cherry", "peach", "carrot", "pizza", "toast", "jelly", "muffin",
    "sun", "moon", "star", "cloud", "rain", "snow", "tree", "leaf",
    "river", "hill", "kite", "drum", "bell", "book", "train", "rocket",
    "robot", "castle", "crown", "boat", "ball", "hat", "sock", "shell",
)  # fmt: skip
USERNAME_STEM = 20  # letters of the first name kept in a username


@dataclass(frozen=True)
class Card:
    """What one child's login card shows. It exists only while the cards page is drawn."""

    name: str
    username: str | None = None
    password: str | None = None
    pictures: tuple[str, ...] = ()


def new_password() -> str:
    """Two different words and two digits: about 19 bits, ample behind a 5-try lockout."""
    first, second = secrets.SystemRandom().sample(WORDS, 2)
    return f"{first}-{second}-{10 + secrets.randbelow(90)}"


def typed_password(text: str) -> str:
    """A pupil's password as it was made: lower case, with no spaces around it."""
    return text.strip().lower()


def letters(text: str) -> str:
    """Only the plain letters a to z of a name, lower case: Zoë O'Brien-Smith -> zoeobriensmith."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in plain.lower() if "a" <= ch <= "z")


def new_username(db: Session, first_name: str, last_name: str, taken: set[str]) -> str:
    """First name, first letter of the last name and 2 digits (3 if those run out), unique
    among all pupils and `taken`; only letters and digits, so a child can type it."""
    stem = (letters(first_name)[:USERNAME_STEM] or "pupil") + letters(last_name)[:1]
    used = taken | set(db.scalars(select(Pupil.username).where(Pupil.username.like(f"{stem}%"))))
    digits = 2
    while True:  # more than 3 digits only once 990 pupils share a name
        free = [
            f"{stem}{n}" for n in range(10 ** (digits - 1), 10**digits) if f"{stem}{n}" not in used
        ]
        if free:
            return secrets.choice(free)
        digits += 1


def sign_in_with_password(
    db: Session, username: str, password: str, rule: accounts.LockoutRule
) -> Pupil | None:
    """The pupil if the username and password are right and they may sign in; otherwise None,
    the same for an unknown username, a wrong password, a paused account or a pupil who left.

    One unit of work: the failure counted (and any lockout), or the count cleared, is committed.
    """
    pupil = accounts.find_pupil(db, username)
    signed_in = accounts.check_password(db, pupil, typed_password(password), rule)
    db.commit()
    return signed_in


def sign_in_with_pictures(
    db: Session, pupil: Pupil, names: Iterable[str], rule: accounts.LockoutRule
) -> Pupil | None:
    """The pupil if the pictures chosen are theirs and they may sign in; otherwise None.

    One unit of work: the failure counted (and any lockout), or the count cleared, is committed.
    """
    signed_in = check_pictures(db, pupil, names, rule)
    db.commit()
    return signed_in


def classes(db: Session, school_id: int, *, pictures_only: bool = False) -> list[SchoolClass]:
    query = select(SchoolClass).where(SchoolClass.school_id == school_id)
    found = db.scalars(query.order_by(SchoolClass.year_group, SchoolClass.name))
    return [c for c in found if not pictures_only or uses_pictures(c.year_group)]


def school_class(db: Session, school_id: int, class_id: int | None) -> SchoolClass | None:
    """A class of this school, or None (for another school's class too)."""
    found = db.get(SchoolClass, class_id) if class_id is not None else None
    return found if found is not None and found.school_id == school_id else None


def class_pupils(db: Session, school_class: SchoolClass) -> list[Pupil]:
    """The pupils in a class who have not left, by first name."""
    return list(
        db.scalars(
            select(Pupil)
            .where(Pupil.class_id == school_class.id, Pupil.left_at.is_(None))
            .order_by(Pupil.first_name, Pupil.last_name, Pupil.id)
        )
    )


def display_names(pupils: Iterable[Pupil]) -> dict[int, str]:
    """Each pupil's first name; with the first letter of the last name when two children share
    a first name, and the whole last name if that is not enough."""
    pupils = list(pupils)
    firsts = Counter(p.first_name.strip().lower() for p in pupils)
    initials = Counter(
        (p.first_name.strip().lower(), p.last_name.strip()[:1].lower()) for p in pupils
    )
    names = {}
    for p in pupils:
        first = p.first_name.strip()
        if firsts[first.lower()] == 1:
            names[p.id] = first
        elif initials[(first.lower(), p.last_name.strip()[:1].lower())] == 1:
            names[p.id] = f"{first} {p.last_name.strip()[:1].upper()}"
        else:
            names[p.id] = f"{first} {p.last_name.strip()}"
    return names


def make_cards(db: Session, school_class: SchoolClass, by: Staff) -> list[Card]:
    """New sign-in details for every pupil in the class who has not left.

    Pupils in Reception to Year 2 get three new pictures; older pupils get a username if they
    have none and a new password. Only hashes are kept; old details stop working at once and
    every session the pupil had ends. The cards returned are the only copy of the new details.

    One unit of work: the new details, the ended sessions and the audit events are committed
    before the cards are returned, so no card is shown whose details were not kept.
    """
    pupils = class_pupils(db, school_class)
    names = display_names(pupils)
    taken: set[str] = set()
    cards = []
    for pupil in pupils:
        if uses_pictures(pupil.year_group):
            pictures = new_picture_password()
            pupil.picture_password_hash = picture_password_hash(pictures)
            card = Card(name=names[pupil.id], pictures=pictures)
        else:
            if not pupil.username:
                pupil.username = new_username(db, pupil.first_name, pupil.last_name, taken)
            taken.add(pupil.username)
            password = new_password()
            pupil.password_hash = hash_password(password)
            card = Card(name=names[pupil.id], username=pupil.username, password=password)
        pupil.failed_attempts = 0
        pupil.locked_until = None
        end_all_sessions(db, pupil)
        audit.record(
            db,
            "login-card-made",
            school_id=pupil.school_id,
            actor=by,
            subject=pupil,
            class_id=school_class.id,
            kind="pictures" if card.pictures else "password",
        )
        cards.append(card)
    db.commit()
    return cards
