"""Subject access requests: the ICT lead or an admin finds a pupil or a parent or carer (on roll
or gone) and gets a copy of everything held about them, as a page to print and a JSON file.

A pupil's copy is their record on the coverage pages (coverage.pupil, coverage.pupil_file); a
parent's or carer's is here. Both are for the staff member's own school only, and every opening
and download is written to the audit log.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import func, or_, select

from ..models import LEADS, Parent, Pupil
from ..services.parent_record import parent_record
from .access import allow
from .database import get_db, log_access
from .downloads import json_download
from .policies import today

bp = Blueprint("data_requests", __name__, url_prefix="/data-requests")

SHOWN = 50  # people listed for one search


@bp.get("/")
@allow(*LEADS)
def index():
    """Find the person by name or school reference, leavers included."""
    text = request.args.get("name", "").strip()
    pupils, parents = _find(text) if text else ([], [])
    return render_template(
        "data_requests/index.html", name=text, pupils=pupils, parents=parents, shown=SHOWN
    )


def _find(text: str) -> tuple[list[Pupil], list[Parent]]:
    db, school_id = get_db(), current_user.school_id
    words = [word.replace("%", "").replace("_", "") for word in text.lower().split()]
    pupil_query = select(Pupil).where(Pupil.school_id == school_id)
    parent_query = select(Parent).where(Parent.school_id == school_id)
    for word in words:
        pattern = f"%{word}%"
        pupil_query = pupil_query.where(
            or_(
                func.lower(Pupil.first_name).like(pattern),
                func.lower(Pupil.last_name).like(pattern),
                func.lower(Pupil.reference) == word,
            )
        )
        parent_query = parent_query.where(
            or_(
                func.lower(Parent.name).like(pattern),
                func.lower(Parent.email) == word,
                func.lower(Parent.reference) == word,
            )
        )
    pupils = db.scalars(pupil_query.order_by(Pupil.last_name, Pupil.first_name).limit(SHOWN))
    parents = db.scalars(parent_query.order_by(Parent.name).limit(SHOWN))
    return list(pupils), list(parents)


def _own_parent(parent_id: int) -> Parent:
    parent = get_db().get(Parent, parent_id)
    if parent is None or parent.school_id != current_user.school_id:
        abort(404)
    return parent


@bp.get("/parents/<int:parent_id>")
@allow(*LEADS)
def parent(parent_id: int):
    found = _own_parent(parent_id)
    record = parent_record(get_db(), found)
    log_access(found, "parent-record-viewed")
    return render_template("data_requests/parent.html", record=record)


@bp.get("/parents/<int:parent_id>.json")
@allow(*LEADS)
def parent_file(parent_id: int):
    """The parent's or carer's record as a file, for a subject access request."""
    found = _own_parent(parent_id)
    record = parent_record(get_db(), found)
    log_access(found, "parent-record-exported")
    reference = re.sub(r"[^A-Za-z0-9-]+", "-", found.reference)
    name = f"parent-{reference}-{today().isoformat()}.json"
    return json_download(name, record.as_data())
