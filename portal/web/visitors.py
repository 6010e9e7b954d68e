"""Visitors, volunteers and governors: who they are, whether they have agreed, and marking
one as left when they stop coming (their records are kept).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..models import LEADS, PersonKind, Visitor, VisitorKind
from ..services import agreements
from ..services import visitors as visitor_service
from ..services.agreements import Rule
from .access import STAFF, allow
from .agreement_records import bp, person_in_school
from .agreements import all_rules
from .database import get_db
from .forms import choices, strip
from .policies import local_time_filter


class VisitorForm(FlaskForm):
    name = StringField(
        "Full name",
        filters=[strip],
        validators=[DataRequired("Enter their full name."), Length(max=200)],
    )
    kind = RadioField(
        "They are a",
        choices=choices([(kind, kind.label) for kind in VisitorKind]),
        validators=[InputRequired("Choose visitor, volunteer or governor.")],
    )
    organisation = StringField(
        "Organisation or reason for visiting (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=200)],
    )


@bp.route("/visitors", methods=["GET", "POST"])
@allow(*STAFF)
def visitors():
    """Visitors, volunteers and governors, with whether they have agreed; add one, then
    record their agreement on their own page."""
    db = get_db()
    school_id = current_user.school_id
    form = VisitorForm()
    may_add = visitor_service.may_manage(current_user.principal)
    if request.method == "POST" and not may_add:
        abort(403)
    if form.validate_on_submit():
        visitor = visitor_service.add(
            db,
            current_user.principal,
            form.name.data,
            form.kind.data,
            form.organisation.data or None,
        )
        flash(f"{visitor.name} is added as a {visitor.kind}. Now record their agreement below.")
        return redirect(
            url_for("agreement_records.person", kind=PersonKind.VISITOR, person_id=visitor.id)
        )
    statuses: dict[int, list[tuple[Rule, str]]] = {}
    for rule in all_rules():
        if rule.audience.subject == PersonKind.VISITOR:
            for row in agreements.everyone(db, rule, school_id):
                statuses.setdefault(row.subject_id, []).append((rule, row.status))
    listed = visitor_service.listed(db, school_id)
    page = render_template(
        "agreement_records/visitors.html",
        form=form,
        people=listed.here,
        left=listed.left,
        statuses=statuses,
        may_add=may_add,
    )
    return page, 400 if form.errors else 200


def _visitor_to_manage(person_id: int) -> Visitor:
    """A visitor of this school, for a form that checks its own token."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    visitor = person_in_school(PersonKind.VISITOR, person_id)
    assert isinstance(visitor, Visitor)  # the kind names the table it is read from
    return visitor


@bp.post("/people/visitor/<int:person_id>/left")
@allow(*LEADS)
def visitor_left(person_id: int):
    """They no longer come in: kept, with their records, but no longer counted as not signed."""
    visitor = _visitor_to_manage(person_id)
    if visitor_service.mark_left(get_db(), current_user.principal, visitor):
        flash(
            f"{visitor.name} is marked as left on {local_time_filter(visitor.left_at)}. They are "
            'no longer counted as not signed. Pressed by mistake? Press "Undo" below.'
        )
    return redirect(
        url_for("agreement_records.person", kind=PersonKind.VISITOR, person_id=person_id)
    )


@bp.post("/people/visitor/<int:person_id>/back")
@allow(*LEADS)
def visitor_back(person_id: int):
    """Undo "Mark as left"."""
    visitor = _visitor_to_manage(person_id)
    if visitor_service.mark_back(get_db(), current_user.principal, visitor):
        flash(f"{visitor.name} is no longer marked as left.")
    return redirect(
        url_for("agreement_records.person", kind=PersonKind.VISITOR, person_id=person_id)
    )
