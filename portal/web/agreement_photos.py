"""Where the school may use a child's photo: a parent's or carer's choices for each child, and
from Year 8 a pupil's own view beside them. Optional, and changed at any time.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import Optional

from ..models import Parent, PersonKind, Pupil
from ..services import consents, parents, photo_choices
from .access import allow
from .agreements import bp
from .database import get_db
from .forms import choices

YES_NO = choices([("yes", "Yes"), ("no", "No")])


def add_photo_fields(form_class: type[FlaskForm], children: list[Pupil], now: dict) -> None:
    """One yes-or-no question per child and use, each starting at the current answer."""
    for child in children:
        for purpose, label in consents.PURPOSES.items():
            choice = now[child.id][purpose]
            setattr(
                form_class,
                f"photo_{child.id}_{purpose}",
                RadioField(
                    label,
                    choices=YES_NO,
                    default=None if choice is None else ("yes" if choice.given else "no"),
                    validators=[Optional()],
                ),
            )


def _photos_form(children: list[Pupil], now: dict) -> FlaskForm:
    class PhotosForm(FlaskForm):
        pass

    add_photo_fields(PhotosForm, children, now)
    return PhotosForm()


def _photo_answers(form: FlaskForm, child: Pupil) -> dict[str, bool]:
    """The uses answered for one child (a use left unanswered keeps its current answer)."""
    return {
        purpose: form[f"photo_{child.id}_{purpose}"].data == "yes"
        for purpose in consents.PURPOSES
        if form[f"photo_{child.id}_{purpose}"].data in ("yes", "no")
    }


def save_photo_choices(form: FlaskForm, parent: Parent, children: list[Pupil]) -> int:
    """Record what changed, committed; how many answers changed."""
    answers = [(child, _photo_answers(form, child)) for child in children]
    return photo_choices.save_for_children(get_db(), parent, answers)


@bp.route("/agreements/photos", methods=["GET", "POST"])
@allow(PersonKind.PARENT)
def photos():
    """Optional: where the school may use each child's photo. Change it at any time."""
    parent = current_user.principal
    children = parents.visible_children(parent)
    db = get_db()
    now = consents.current(db, [child.id for child in children])
    form = _photos_form(children, now)
    if form.validate_on_submit():
        changed = save_photo_choices(form, parent, children)
        flash(
            "Your choices are saved. You can change them here at any time."
            if changed
            else "Nothing was changed."
        )
        return redirect(url_for("agreements.photos"))
    return render_template(
        "agreements/photos.html",
        form=form,
        children=children,
        purposes=consents.PURPOSES,
        now=now,
        own_views=consents.current(db, [child.id for child in children], consents.PUPIL),
        asks_pupil=consents.asks_pupil,
        from_year=consents.PUPIL_VIEW_FROM_YEAR,
    )


@bp.route("/agreements/my-photos", methods=["GET", "POST"])
@allow(PersonKind.PUPIL)
def my_photos():
    """From Year 8, a pupil's own view on each use of their photo, beside their parents'."""
    pupil = current_user.principal
    if not consents.asks_pupil(pupil):
        abort(404)
    db = get_db()
    now = consents.current(db, [pupil.id], consents.PUPIL)
    form = _photos_form([pupil], now)
    if form.validate_on_submit():
        changed = photo_choices.save_own(db, pupil, _photo_answers(form, pupil))
        flash(
            "Your answers are saved. You can change them here at any time."
            if changed
            else "Nothing was changed."
        )
        return redirect(url_for("agreements.my_photos"))
    return render_template(
        "agreements/my_photos.html",
        form=form,
        pupil=pupil,
        purposes=consents.PURPOSES,
        now=now[pupil.id],
    )
