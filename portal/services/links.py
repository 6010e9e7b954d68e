"""One-use links sent by email. Opening a link only looks; pressing its button uses it, because
mail scanners and link previews open links before people do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from ..content.calendar import utcnow
from ..models import LinkToken, Principal
from .tokens import link_token, new_token, token_hash

PURPOSES = ("parent-sign-in", "password-reset")

# The kind of person a link is for: each purpose is for one.
P = TypeVar("P", bound=Principal)


@dataclass(frozen=True)
class LinkTerms:
    """How long a new link works, and the key its token is made with."""

    lifetime: dt.timedelta
    secret_key: str


@dataclass(frozen=True)
class IssuedLink:
    token: str  # the working token: put in a link now, or let the sender make it from the nonce
    nonce: str  # queued with the email (mail.queue_mail) until it is sent


def issue_link(
    db: Session, purpose: str, principal: Principal, lifetime: dt.timedelta, secret_key: str
) -> IssuedLink:
    """A new link for `principal`; any older unused link of theirs for the same purpose stops
    working, so only the newest email's link signs anyone in."""
    assert purpose in PURPOSES
    now = utcnow()
    db.execute(
        update(LinkToken)
        .where(
            LinkToken.purpose == purpose,
            LinkToken.principal_type == principal.person_kind,
            LinkToken.principal_id == principal.id,
            LinkToken.used_at.is_(None),
            LinkToken.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    nonce = new_token()
    token = link_token(secret_key, nonce)
    db.add(
        LinkToken(
            token_hash=token_hash(token),
            purpose=purpose,
            principal_type=principal.person_kind,
            principal_id=principal.id,
            school_id=principal.school_id,
            expires_at=now + lifetime,
        )
    )
    return IssuedLink(token, nonce)


def peek_link(db: Session, token: str, purpose: str, model: type[P]) -> P | None:
    """Who an unused, unexpired link is for, without using it."""
    link = db.scalar(
        select(LinkToken).where(
            LinkToken.token_hash == token_hash(token),
            LinkToken.purpose == purpose,
            LinkToken.used_at.is_(None),
            LinkToken.expires_at > utcnow(),
        )
    )
    return _principal(db, link, model)


def use_link(db: Session, token: str, purpose: str, model: type[P]) -> P | None:
    """Use a link once: of two presses at the same moment, exactly one succeeds."""
    now = utcnow()
    used = cast(
        CursorResult[Any],
        db.execute(
            update(LinkToken)
            .where(
                LinkToken.token_hash == token_hash(token),
                LinkToken.purpose == purpose,
                LinkToken.used_at.is_(None),
                LinkToken.expires_at > now,
            )
            .values(used_at=now)
        ),
    )
    if used.rowcount != 1:
        return None
    link = db.scalar(select(LinkToken).where(LinkToken.token_hash == token_hash(token)))
    return _principal(db, link, model)


def link_id(db: Session, token: str) -> int | None:
    """The record id of a link, to say later which email someone came from."""
    return db.scalar(select(LinkToken.id).where(LinkToken.token_hash == token_hash(token)))


def used_link_owner(db: Session, token: str, purpose: str) -> tuple[str, int] | None:
    """(kind, id) of whoever a link was for, once it has been used; None if it never was."""
    row = db.execute(
        select(LinkToken.principal_type, LinkToken.principal_id).where(
            LinkToken.token_hash == token_hash(token),
            LinkToken.purpose == purpose,
            LinkToken.used_at.is_not(None),
        )
    ).first()
    return (row[0], row[1]) if row else None


def _principal(db: Session, link: LinkToken | None, model: type[P]) -> P | None:
    if link is None or link.principal_type != model.person_kind:
        return None
    principal = db.get(model, link.principal_id)
    if principal is None or principal.left_at is not None:
        return None
    return principal
