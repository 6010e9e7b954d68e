"""Picture passwords for pupils aged 4 to 7: three of twelve pictures, in any order.

A picture's id is its name, which is also its file name under static/pictures/ and the word
a child hears for it. Only the Argon2 hash of the sorted ids is stored.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy.orm import Session

from ..models import Pupil
from ..years import AGE_BANDS
from .accounts import LockoutRule, check_secret
from .passwords import hash_password

PICTURES = (
    "cat",
    "dog",
    "sun",
    "star",
    "tree",
    "car",
    "fish",
    "apple",
    "boat",
    "moon",
    "flower",
    "ball",
)
TO_CHOOSE = 3
PICTURE_YEARS = AGE_BANDS["4-7"]  # Reception to Year 2


def uses_pictures(year_group: int) -> bool:
    """Whether a pupil in this year group signs in with pictures (Reception to Year 2)."""
    return year_group in PICTURE_YEARS


def is_a_choice(names: Iterable[str]) -> bool:
    """Exactly TO_CHOOSE different pictures, all of them real."""
    chosen = list(names)
    return len(chosen) == TO_CHOOSE == len(set(chosen)) and set(chosen) <= set(PICTURES)


def _key(names: Iterable[str]) -> str:
    chosen = list(names)
    if not is_a_choice(chosen):
        raise ValueError(f"a picture password is {TO_CHOOSE} different pictures from {PICTURES}")
    return " ".join(sorted(chosen))


def in_order(names: Iterable[str]) -> tuple[str, ...]:
    """Pictures in the order the grid shows them, so a card matches the screen."""
    chosen = set(names)
    return tuple(name for name in PICTURES if name in chosen)


def picture_password_hash(names: Iterable[str]) -> str:
    return hash_password(_key(names))


def new_picture_password() -> tuple[str, ...]:
    """Three different pictures chosen at random (220 possible sets)."""
    return in_order(secrets.SystemRandom().sample(PICTURES, TO_CHOOSE))


def check_pictures(
    db: Session, pupil: Pupil, names: Iterable[str], rule: LockoutRule
) -> Pupil | None:
    """The pupil if the pictures are right and they may sign in; otherwise None.

    A wrong choice counts towards this pupil's lockout only, as a wrong password does.
    """
    chosen = list(names)
    if not is_a_choice(chosen):
        return None  # fewer or more than three is a slip of the finger, not a guess
    return check_secret(db, pupil, "picture_password_hash", _key(chosen), rule, "pictures")
