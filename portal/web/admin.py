"""The school admin's pages: people, locked accounts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..models import Pupil, Staff, utcnow
from ..services import accounts
from .access import allow
from .database import get_db

bp = Blueprint("admin", __name__, url_prefix="/admin")
LOCKABLE = {"staff": Staff, "pupil": Pupil}


@bp.get("/people")
@allow("admin", "ict_lead")
def people():
    db = get_db()
    school_id = current_user.school_id
    staff = db.scalars(select(Staff).where(Staff.school_id == school_id).order_by(Staff.name))
    locked = db.scalars(
        select(Pupil)
        .where(Pupil.school_id == school_id, Pupil.locked_until > utcnow())
        .order_by(Pupil.last_name, Pupil.first_name)
    )
    return render_template(
        "admin/people.html", staff=list(staff), locked_pupils=list(locked), now=utcnow()
    )


@bp.post("/unlock/<kind>/<int:person_id>")
@allow("admin", "ict_lead")
def unlock(kind: str, person_id: int):
    model = LOCKABLE.get(kind) or abort(404)
    db = get_db()
    person = db.get(model, person_id)
    if person is None or person.school_id != current_user.school_id:
        abort(404)
    accounts.unlock(db, person, by=current_user.principal)
    db.commit()
    flash(f"{person.name} can sign in again.")
    return redirect(url_for("admin.people"))
