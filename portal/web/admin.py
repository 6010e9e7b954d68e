"""The school admin's pages: people, locked accounts, roster import."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from wtforms import HiddenField

from ..content.calendar import utcnow
from ..models import LEADS, ROLE_LABELS, Pupil, Staff, StaffRole
from ..services import accounts, held_uploads
from ..services.roster import Plan, PlanOutdated, Roster, import_previewed, plan_import, read_roster
from ..services.roster.columns import documented_columns
from .access import allow
from .database import get_db

bp = Blueprint("admin", __name__, url_prefix="/admin")
LOCKABLE: dict[str, type[Pupil | Staff]] = {model.person_kind: model for model in (Staff, Pupil)}


@bp.get("/people")
@allow(*LEADS)
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
        "admin/people.html",
        staff=list(staff),
        locked_pupils=list(locked),
        now=utcnow(),
        role_labels=ROLE_LABELS,
    )


@bp.post("/unlock/<kind>/<int:person_id>")
@allow(*LEADS)
def unlock(kind: str, person_id: int):
    model = LOCKABLE.get(kind) or abort(404)
    db = get_db()
    person = cast(Pupil | Staff | None, db.get(model, person_id))
    if person is None or person.school_id != current_user.school_id:
        abort(404)
    accounts.unlock(db, person, by=current_user.principal)
    flash(f"{person.name} can sign in again.")
    return redirect(url_for("admin.people"))


# --- Roster import ---------------------------------------------------------------------------


class RosterUploadForm(FlaskForm):
    roster = FileField(
        "CSV file from your MIS",
        validators=[
            FileRequired("Choose the CSV file to upload."),
            FileAllowed(
                ["csv"],
                "The file must be a CSV file. In your spreadsheet choose Save as, then CSV UTF-8.",
            ),
        ],
    )


class ImportForm(FlaskForm):
    fingerprint = HiddenField()


@bp.route("/roster", methods=["GET", "POST"])
@allow(StaffRole.ADMIN)
def roster():
    """Upload a file: every bad row is listed at once; a good file goes on to its preview."""
    form = RosterUploadForm()
    row_errors = []
    if form.validate_on_submit():
        upload = form.roster.data
        parsed = read_roster(upload.read())
        plan = plan_import(get_db(), current_user.school_id, parsed, by=current_user.principal)
        if not plan.errors:
            token = held_uploads.hold(
                _uploads_folder(),
                school_id=current_user.school_id,
                filename=(upload.filename or "")[:200],
                content=parsed.to_json(),
            )
            return redirect(url_for("admin.roster_preview", token=token))
        row_errors = plan.errors
        name = (upload.filename or "this file")[:200]
        form.roster.errors.append(
            f"Nothing was imported: {_problems(len(row_errors))} in {name}. "
            "Correct them in your MIS or spreadsheet, then upload the file again."
        )
    page = render_template(
        "admin/roster_upload.html",
        form=form,
        row_errors=row_errors,
        columns=documented_columns(),
    )
    return page, 400 if form.errors else 200


@bp.get("/roster/<token>")
@allow(StaffRole.ADMIN)
def roster_preview(token: str):
    """What the upload will change, or, once it is imported, what it changed."""
    upload = _held_upload(token)
    if upload.state != held_uploads.WAITING:
        return render_template("admin/roster_status.html", upload=upload, again=False)
    roster = Roster.from_json(upload.content)
    plan = plan_import(get_db(), current_user.school_id, roster, by=current_user.principal)
    form = ImportForm(fingerprint=plan.fingerprint())
    return render_template(
        "admin/roster_preview.html",
        upload=upload,
        plan=plan,
        form=form,
        token=token,
        ignored=roster.ignored,
    )


@bp.post("/roster/<token>")
@allow(StaffRole.ADMIN)
def import_roster(token: str):
    """Import what was previewed, once, however many times the button is pressed."""
    upload = _held_upload(token)
    folder = _uploads_folder()
    if not held_uploads.claim(folder, token):
        return render_template("admin/roster_status.html", upload=_held_upload(token), again=True)
    try:
        plan = import_previewed(
            get_db(),
            current_user.school_id,
            Roster.from_json(upload.content),
            ImportForm().fingerprint.data or "",
            by=current_user.principal,
        )
    except PlanOutdated as outdated:
        held_uploads.release(folder, token)
        flash(str(outdated))
    except Exception:
        held_uploads.release(folder, token)
        raise
    else:
        held_uploads.finish(folder, token, _receipt(plan))
    return redirect(url_for("admin.roster_preview", token=token))


def _receipt(plan: Plan) -> dict:
    return {
        "by": current_user.principal.name,
        "sections": [{"title": s.title, "key": s.key, **s.counts()} for s in plan.sections],
    }


def _held_upload(token: str) -> held_uploads.HeldUpload:
    """This school's upload, or a page saying it is gone (the same for another school's)."""
    upload = held_uploads.find(_uploads_folder(), token, current_user.school_id)
    if upload is None:
        abort(make_response(render_template("admin/roster_status.html", upload=None), 404))
    return upload


def _uploads_folder() -> Path:
    return Path(current_app.instance_path) / "roster-uploads"


def _problems(count: int) -> str:
    return "there is 1 problem" if count == 1 else f"there are {count} problems"
