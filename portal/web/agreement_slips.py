"""A class list with a tick per child, to record a pile of returned paper slips at once."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import Length, Optional

from ..models import PersonKind
from ..services import agreements, on_behalf, signing
from .access import STAFF, allow
from .agreement_records import PART_LABELS, bp, chosen_class, school_classes_here
from .agreements import all_rules
from .database import get_db
from .forms import strip


@bp.route("/slips", methods=["GET", "POST"])
@allow(*STAFF)
def class_slips():
    """A class list with a tick per child: record a pile of returned paper slips at once.

    A Years 3 to 6 slip carries the child's signature and a parent's, so it records both (or
    whichever is still missing)."""
    db = get_db()
    staff = current_user.principal
    school_class = chosen_class()
    if school_class is None:
        classes = [
            c for c in school_classes_here() if on_behalf.may_record_for_class(db, staff, c.id)
        ]
        return render_template("agreement_records/slips_choose.html", classes=classes)
    if not on_behalf.may_record_for_class(db, staff, school_class.id):
        abort(403)
    pupil_rules = [r for r in all_rules() if r.audience.subject == PersonKind.PUPIL]
    rows = []
    for rule in pupil_rules:
        for row in agreements.everyone(db, rule, current_user.school_id, school_class.id):
            rows.append((rule, row))
    rows.sort(key=lambda item: item[1].sort_name)
    form = _slips_form([row for rule, row in rows if row.status not in agreements.COMPLETE])
    if form.validate_on_submit():
        ticked = [
            (rule, row)
            for rule, row in rows
            if row.status not in agreements.COMPLETE and form[f"slip_{row.subject_id}"].data
        ]
        if not ticked:
            flash("Nothing was recorded: tick the children whose slips came back.")
            return redirect(url_for("agreement_records.class_slips", class_id=school_class.id))
        if request.form.get("confirm") != "yes":  # first show who will be recorded
            return render_template(
                "agreement_records/slips_confirm.html",
                form=form,
                school_class=school_class,
                ticked=[(rule, row, signing.still_to_do(rule, row.status)) for rule, row in ticked],
                part_labels=PART_LABELS,
            )
        outcomes = signing.record_slips(
            db, staff, school_class, ticked, remark=form.remark.data or None
        )
        new = len({o.record.subject_id for o in outcomes if o.new})
        flash(f"Recorded returned slips for {new} {'child' if new == 1 else 'children'}.")
        return redirect(url_for("agreement_records.class_slips", class_id=school_class.id))
    return render_template(
        "agreement_records/slips.html",
        form=form,
        school_class=school_class,
        rows=rows,
        complete=agreements.COMPLETE,
    )


def _slips_form(rows: list[Any]) -> FlaskForm:
    class SlipsForm(FlaskForm):
        class_id = HiddenField()
        remark = StringField(
            "Remark (optional)",
            filters=[strip],
            validators=[Optional(), Length(max=1000)],
        )

    for row in rows:
        setattr(SlipsForm, f"slip_{row.subject_id}", BooleanField(f"Slip back: {row.name}"))
    return SlipsForm()
