"""Parents and carers: sign in by emailed link or letter code, and see their own children."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from .access import allow

bp = Blueprint("parents", __name__, url_prefix="/parents")


@bp.get("/")
@allow("parent")
def home():
    children = [child for child in current_user.principal.children if child.left_at is None]
    return render_template("parents/home.html", children=children)
