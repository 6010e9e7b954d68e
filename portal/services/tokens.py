"""Random secrets for links, sessions and codes; only their SHA-256 is ever stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

LETTER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
# What a code looks like, for hints: made as new_letter_code makes them, letters and numbers mixed.
LETTER_CODE_EXAMPLE = "K7QMR-2XHNP-9ACWD"


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


# Stands where an emailed link's token goes in a queued email's body: the outbox never holds
# a working link (see link_token).
TOKEN_MARK = "__link_token__"  # noqa: S105 - a placeholder, not a secret


def link_token(secret_key: str, nonce: str) -> str:
    """The token of an emailed link, made from a random nonce and the server's secret key.

    The database keeps the nonce only until the email is sent, and the token's hash: a copy of
    the database alone never holds a working link, and once sent, not even with the key."""
    digest = hmac.new(secret_key.encode("utf-8"), nonce.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_letter_code() -> str:
    """A code to print on a letter home: 15 characters (75 bits), read easily aloud."""
    chars = "".join(secrets.choice(LETTER_CODE_ALPHABET) for _ in range(15))
    return "-".join(chars[i : i + 5] for i in range(0, 15, 5))


def normalise_letter_code(code: str) -> str:
    """Forgive spaces, dashes and lower case when a code is typed back in."""
    chars = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(chars[i : i + 5] for i in range(0, len(chars), 5))
