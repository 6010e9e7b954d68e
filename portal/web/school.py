"""Whose portal this is: the school's name and badge on every page, before sign-in too.

A parent arriving from a letter or the policy site must see their school, not the product's
name. Signed in, the name is their school's; otherwise the one school's, when the database
holds one (asked at most once a minute); otherwise (a trust's install, or a database that
cannot answer) the profile's.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from flask import Flask
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..content.brand import Brand, portal_css
from ..models import School
from .database import get_db
from .runtime import runtime


def init_app(app: Flask) -> None:
    app.context_processor(_school_and_look)


def _school_and_look() -> dict[str, Any]:
    return {"school_name": school_name(), **look()}


def look() -> Mapping[str, Any]:
    """The school's colours and badge, from the profile the site is built from too: read at
    start, so even the server error page has them."""
    return _look(runtime().profile.brand)


@lru_cache(maxsize=4)
def _look(brand: Brand) -> Mapping[str, Any]:
    """Worked out once for the brand read at start, not for every page (so read-only)."""
    return MappingProxyType(
        {
            "brand": brand,
            "brand_style": Markup(portal_css(brand)),  # noqa: S704 - hex colours
            "badge_src": badge_src(brand.badge) if brand.badge else None,
        }
    )


@lru_cache(maxsize=4)
def badge_src(path: Path) -> str:
    """The badge written into the page itself (the profile keeps it small), so a phone on a
    slow connection makes no request for it. As an image, an SVG's scripts never run."""
    kind = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def profile_name() -> str:
    """The name in the school profile: read at start, so it is there when the database is not."""
    return runtime().profile.name


# How long a server process shows the same name before sign-in without asking the database
# again: the sign-in pages of a busy morning then make no database query at all, and a second
# school added to the database shows within a minute.
NAME_BEFORE_SIGN_IN_SECONDS = 60.0


def school_name() -> str:
    if current_user.is_authenticated:
        return current_user.school_name  # read with the session
    held = runtime().name_before_sign_in
    now = time.monotonic()
    if held is not None and now - held[0] < NAME_BEFORE_SIGN_IN_SECONDS:
        return held[1]
    db = get_db()
    try:
        names = db.scalars(select(School.name).limit(2)).all()
    except SQLAlchemyError:
        db.rollback()
        return profile_name()  # not kept: the next page asks the database again
    name = names[0] if len(names) == 1 else profile_name()
    runtime().name_before_sign_in = (now, name)
    return name
