"""One database session per request, closed (and rolled back if uncommitted) at its end."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from flask_login import current_user
from sqlalchemy.orm import Session

from ..db import make_engine, make_session_factory
from ..services import audit


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["esafety.engine"] = engine
    app.extensions["esafety.sessions"] = make_session_factory(engine)
    app.teardown_appcontext(_close)


def get_db() -> Session:
    if "db" not in g:
        g.db = current_app.extensions["esafety.sessions"]()
    return g.db


def _close(_error: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def log_access(person: Any, action: str) -> None:
    """Write down that the signed-in member of staff opened or downloaded someone's record."""
    audit.log_record_opened(
        get_db(),
        action,
        school_id=current_user.school_id,
        actor=current_user.principal,
        subject=person,
    )
