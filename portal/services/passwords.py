"""Password hashing (Argon2) and rules that follow NCSC advice: length and a block list of
common passwords, never forced expiry or character-class rules."""

from __future__ import annotations

import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MIN_UNGUESSABLE_LETTERS = 6  # letters left once names are taken out: two short words
MAX_LENGTH = 200
# OWASP's Argon2id settings (19 MiB, 2 passes, 1 lane): strong against guessing, and cheap
# enough that a class of 30 signing in at once on a small server does not queue for long.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY_HASH = _hasher.hash("a password nobody has, to spend the same time on unknown accounts")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; with no account (None) spend the same time and say no."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problems(password: str, *, avoid: tuple[str, ...] = ()) -> list[str]:
    """Why a new password is not good enough, in plain words (empty when it is fine)."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters. Three random words work well."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    lowered = password.lower()
    squashed = "".join(lowered.split())
    if lowered in _common_passwords() or squashed in _common_passwords():
        return ["This password is too common and easy to guess. Choose another."]
    if len(set(squashed)) < 4:
        return ["This password repeats too few characters. Choose another."]
    if _mostly_guessable(squashed, avoid):
        return ["Do not build it from your name, your email address or the school's name."]
    return []


def _mostly_guessable(squashed: str, avoid: tuple[str, ...]) -> bool:
    """True when little is left of a password once the words of the person's name, email
    address and school are taken out: "Oakfield Primary 2026" is no secret to anyone who knows
    where the teacher works."""
    words = sorted(
        {word for text in avoid for word in re.findall(r"[a-z]{3,}", text.lower())},
        key=len,
        reverse=True,
    )
    rest = squashed
    for word in words:
        rest = rest.replace(word, "")
    return len(re.sub(r"[^a-z]", "", rest)) < MIN_UNGUESSABLE_LETTERS
