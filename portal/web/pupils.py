"""Pupils: sign in with a username and password (Year 3 up) or pictures (Reception to Year 2)."""

from __future__ import annotations

from flask import Blueprint, render_template

from .access import allow

bp = Blueprint("pupils", __name__, url_prefix="/pupils")


@bp.get("/")
@allow("pupil")
def home():
    return render_template("pupils/home.html")
