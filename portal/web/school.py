"""Whose portal this is: the school's name and badge on every page, before sign-in too.

A parent arriving from a letter or the policy site must see their school, not the product's
name. Signed in, the name is their school's; otherwise the one school's, when the database
holds one; otherwise (a trust's install, or a database that cannot answer) the profile's.
"""

from __future__ import annotations

import base64

from flask import Flask, current_app
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..content.profile import BADGE_TYPES
from ..models import School
from .database import get_db


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"school_name": school_name(), "school_badge": badge_src()})


def profile_name() -> str:
    """The name in the school profile: read at start, so it is there when the database is not."""
    return current_app.extensions["esafety.content"].profile.name


def school_name() -> str:
    if current_user.is_authenticated:
        return current_user.school_name  # read with the session
    db = get_db()
    try:
        names = db.scalars(select(School.name).limit(2)).all()
    except SQLAlchemyError:
        db.rollback()
        return profile_name()
    return names[0] if len(names) == 1 else profile_name()


def badge_src() -> str | None:
    """The badge as a data: address, made once: the portal's pages load pictures only from
    itself, and the badge lives in the policies folder, not among the portal's files."""
    cache = current_app.extensions.setdefault("esafety.badge", {})
    if "src" not in cache:
        path = current_app.extensions["esafety.content"].profile.badge
        if path is None:
            cache["src"] = None
        else:
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            cache["src"] = f"data:{BADGE_TYPES[path.suffix.lower()]};base64,{data}"
    return cache["src"]
