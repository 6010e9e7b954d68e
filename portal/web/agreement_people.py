"""One person's agreements: what they have agreed and every record about them, and for staff
who may, recording an agreement given on a paper slip or in person, withdrawing one, or
recording a refusal. Each record names the member of staff who made it.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..models import PersonKind, Visitor, VisitorKind
from ..services import agreement_history, agreements, on_behalf, refusals, signing
from ..services import visitors as visitor_service
from ..services.acceptance import METHODS
from .access import STAFF, allow
from .agreement_records import KIND_HEADINGS, PART_LABELS, bp, person_in_school
from .agreements import all_rules
from .database import get_db
from .forms import choices, strip

ACKNOWLEDGE = (
    "I hold their signed slip (paper), or they told me themselves that they agree (in person)"
)


def _part_key(part) -> str:
    return f"part_{part.rule.policy.slug.replace('-', '_')}_{part.part}"


def _record_form(to_do: list) -> FlaskForm:
    class RecordForm(FlaskForm):
        method = RadioField(
            "How did they agree?",
            choices=choices([("paper", METHODS["paper"]), ("in-person", METHODS["in-person"])]),
            validators=[InputRequired("Choose how they agreed.")],
        )
        signed_name = StringField(
            "Name as signed (optional)",
            filters=[strip],
            validators=[Optional(), Length(max=200)],
        )
        remark = TextAreaField(
            "Remark (optional)",
            filters=[strip],
            validators=[Optional(), Length(max=1000)],
        )
        acknowledged = BooleanField(
            ACKNOWLEDGE,
            validators=[
                DataRequired("Tick to confirm you hold the signed slip, or heard them agree.")
            ],
        )

    for part in to_do:
        setattr(
            RecordForm,
            _part_key(part),
            BooleanField(
                f"{part.rule.policy.title}, version {part.rule.current.version}: "
                f"{PART_LABELS[part.part]}"
            ),
        )
    return RecordForm()


class WithdrawForm(FlaskForm):
    part = HiddenField()
    remark = TextAreaField(
        "Why is it withdrawn?",
        filters=[strip],
        validators=[
            DataRequired("Say why, for example: the slip was for another child."),
            Length(max=1000),
        ],
    )


@bp.route("/people/<kind>/<int:person_id>", methods=["GET", "POST"])
@allow(*STAFF)
def person(kind: str, person_id: int):
    """Everything agreed about one person, and a form to record a paper slip or an agreement
    given in person. The record names the member of staff who made it."""
    person = person_in_school(kind, person_id)
    db = get_db()
    staff = current_user.principal
    may_record = on_behalf.may_record_for(db, staff, kind, person)
    if request.method == "POST" and not may_record:
        abort(403)
    rules = all_rules()
    parts = agreements.parts_about(db, rules, person)
    to_do = [part for part in parts if not part.done]
    form = _record_form(to_do)
    needs_remark = on_behalf.remark_required(staff, kind, person)
    to_read = list({part.rule.policy.slug: part.rule for part in to_do}.values())
    if request.method == "POST" and not to_do:
        flash(f"Nothing was recorded: {person.name} has nothing left to agree to.")
        return redirect(url_for("agreement_records.person", kind=kind, person_id=person_id))
    chosen = [part for part in to_do if form[_part_key(part)].data] if to_do else []
    if form.is_submitted():
        valid = form.validate()  # every problem at once, the acknowledgement's too
        if not chosen:
            form[_part_key(to_do[0])].errors.append("Tick what they agreed to.")
        elif needs_remark and not form.remark.data:
            form.remark.errors.append(
                "Say why you are recording a colleague's own agreement for them."
            )
        elif valid:
            signing.record_for(
                db,
                staff,
                person,
                chosen,
                form.method.data,
                signed_name=form.signed_name.data or None,
                remark=form.remark.data or None,
            )
            flash(f"Recorded for {person.name}.")
            return redirect(url_for("agreement_records.person", kind=kind, person_id=person_id))
    page = render_template(
        "agreement_records/person.html",
        person=person,
        kind=kind,
        kind_label=VisitorKind(person.kind).label
        if isinstance(person, Visitor)
        else KIND_HEADINGS[kind],
        parts=parts,
        to_do=to_do,
        form=form,
        part_key=_part_key,
        part_labels=PART_LABELS,
        history=agreement_history.history(db, kind, person.id),
        methods=METHODS,
        may_record=may_record,
        needs_remark=needs_remark,
        to_read=to_read if may_record else [],
        manages_visitors=kind == PersonKind.VISITOR and visitor_service.may_manage(staff),
    )
    return page, 400 if form.errors else 200


@bp.post("/people/<kind>/<int:person_id>/withdraw")
@allow(*STAFF)
def withdraw(kind: str, person_id: int):
    """Withdraw an agreement (recorded in error, or taken back): a new record; the old one
    stays, and the agreement is pending again."""
    person = person_in_school(kind, person_id)
    db = get_db()
    if not on_behalf.may_record_for(db, current_user.principal, kind, person):
        abort(403)
    form = WithdrawForm()
    done = {
        _part_key(part): part
        for part in agreements.parts_about(db, all_rules(), person)
        if part.done
    }
    part = done.get(form.part.data or "")
    if part is None:
        abort(404)
    if not form.validate_on_submit():
        flash("Nothing was withdrawn: say why it is withdrawn.")
        return redirect(url_for("agreement_records.person", kind=kind, person_id=person_id))
    signing.withdraw_for(db, current_user.principal, person, part, form.remark.data)
    flash(f"Withdrawn. {person.name}'s agreement is pending again.")
    return redirect(url_for("agreement_records.person", kind=kind, person_id=person_id))


class DeclineForm(FlaskForm):
    part = HiddenField()
    method = RadioField(
        "How did they tell you?",
        choices=choices([("paper", METHODS["paper"]), ("in-person", METHODS["in-person"])]),
        validators=[InputRequired("Choose how they told you.")],
    )
    remark = TextAreaField(
        "What did they say?",
        filters=[strip],
        validators=[DataRequired("Say how they told you."), Length(max=1000)],
    )


@bp.post("/people/<kind>/<int:person_id>/decline")
@allow(*STAFF)
def decline(kind: str, person_id: int):
    """Record a refusal given on paper or in person: shown as Declined, with the remark."""
    person = person_in_school(kind, person_id)
    db = get_db()
    if not on_behalf.may_record_for(db, current_user.principal, kind, person):
        abort(403)
    form = DeclineForm()
    to_do = {_part_key(p): p for p in agreements.parts_about(db, all_rules(), person) if not p.done}
    part = to_do.get(form.part.data or "") or abort(404)
    back = redirect(url_for("agreement_records.person", kind=kind, person_id=person_id))
    if not form.validate_on_submit():
        flash("Nothing was recorded: choose how they told you, and say what they said.")
        return back
    try:
        refusals.decline(
            db, part, current_user.principal, method=form.method.data, remark=form.remark.data
        )
    except refusals.RefusalError as error:
        flash(f"Nothing was recorded: {error}")
        return back
    flash(f"Recorded: {person.name} declined the {part.rule.policy.title}.")
    return back
