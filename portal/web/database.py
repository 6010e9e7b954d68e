"""One database session per request, closed (and rolled back if uncommitted) at its end."""

from __future__ import annotations

from flask import Flask, g
from flask_login import current_user
from sqlalchemy.orm import Session

from ..models import Person
from ..services import audit
from .runtime import runtime


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_close)


def get_db() -> Session:
    if "db" not in g:
        g.db = runtime().sessions()
    return g.db


def _close(_error: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def log_access(person: Person, action: str) -> None:
    """Write down that the signed-in member of staff opened or downloaded someone's record."""
    audit.log_record_opened(
        get_db(),
        action,
        school_id=current_user.school_id,
        actor=current_user.principal,
        subject=person,
    )
