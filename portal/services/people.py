"""One person found from the kind and id a record stores (`Acceptance.actor_type`, ...).

SQLAlchemy types a row read from a table chosen at run time (`PEOPLE[kind]`) as the tables'
common base; read through here, it is typed as the people it can be."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from ..models import PEOPLE, Person

P = TypeVar("P", bound=Person)


def find(db: Session, kind: str, person_id: int) -> Person | None:
    """The person of this kind and id; None for a kind no one is, or someone since removed."""
    model = PEOPLE.get(kind)
    return None if model is None else _get(db, model, person_id)


def get_one(db: Session, model: type[P], person_id: int) -> P:
    """The person of this table and id, who must be there."""
    return db.get_one(model, person_id)


def _get(db: Session, model: type[P], person_id: int) -> P | None:
    return db.get(model, person_id)
