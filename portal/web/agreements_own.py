"""A pupil's or a member of staff's own agreement: read it, then agree or say no. A member of
staff whose agreement is waiting is brought here before any other page (agreements.py).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..models import PersonKind, Pupil, Staff
from ..services import agreements, consents, refusals, signing
from ..services.agreements import PARENT, SELF, Part, Rule
from ..services.signing import shown_key
from .access import STAFF, allow
from .agreements import all_rules, bp
from .auth import safe_next
from .database import get_db
from .forms import SignedNameForm, strip
from .security import csrf


class PupilAgreeForm(FlaskForm):
    shown = HiddenField()
    own_words = TextAreaField(
        "Now say it in your own words",
        filters=[strip],
        validators=[
            DataRequired("Write what you agree to, in your own words."),
            Length(min=3, max=500, message="Write a short sentence, in your own words."),
        ],
    )


def _decline_form(is_pupil: bool) -> FlaskForm:
    """Saying no on one's own page: a pupil may say why; a member of staff must."""

    class DeclineOwnForm(FlaskForm):
        said_no_to = HiddenField()  # the version shown, as `shown_key` writes it
        why = TextAreaField(
            "Why not? You do not have to say." if is_pupil else "Why do you not accept it?",
            filters=[strip],
            validators=[
                Optional() if is_pupil else DataRequired("Say why you do not accept it."),
                Length(max=500 if is_pupil else 1000, message="Write a shorter answer."),
            ],
        )

    return DeclineOwnForm()


def _showing(to_sign: list[Part]) -> Part | None:
    """The part a person's own page shows: the first they have not answered, else the first
    they said no to (they may still agree)."""
    return next((part for part in to_sign if not part.declined), to_sign[0] if to_sign else None)


@bp.route("/agreements/mine", methods=["GET", "POST"])
@allow(PersonKind.PUPIL, *STAFF)
@csrf.exempt  # the form checks its own token, so a stale one keeps what was typed
def mine():
    """A pupil's or a member of staff's own agreement: read it, then agree, or say no."""
    person = current_user.principal
    to_sign = agreements.parts_to_sign(get_db(), all_rules(), person)
    is_pupil = isinstance(person, Pupil)
    form = PupilAgreeForm() if is_pupil else SignedNameForm()
    part = _showing(to_sign)
    changed = False
    if request.method == "POST" and part is not None:
        if form.shown.data != shown_key(part.rule):
            changed = True
        elif form.validate_on_submit():
            _sign_own(person, part, form)
            if is_pupil:  # the page then thanks them, once
                return redirect(url_for("agreements.mine"))
            flash(f"Thank you. You have agreed to the {part.rule.policy.title}.")
            more = len(to_sign) > 1
            target = safe_next(request.args.get("next"))
            if more:
                return redirect(url_for("agreements.mine", next=target))
            return redirect(target or url_for("home.index"))
    elif request.method == "POST":
        return redirect(url_for("agreements.mine"))
    return _own_page(person, part, form, _decline_form(is_pupil), changed)


@bp.post("/agreements/mine/no")
@allow(PersonKind.PUPIL, *STAFF)
@csrf.exempt  # the form checks its own token, so a stale one keeps what was typed
def decline_own():
    """A pupil or a member of staff says no to their own agreement: shown as Declined, and
    not asked for again, until they agree. A member of staff says why."""
    person = current_user.principal
    is_pupil = isinstance(person, Pupil)
    to_sign = agreements.parts_to_sign(get_db(), all_rules(), person)
    no_form = _decline_form(is_pupil)
    part = next(
        (p for p in to_sign if not p.declined and shown_key(p.rule) == no_form.said_no_to.data),
        None,
    )
    if part is None:
        if any(not p.declined for p in to_sign):  # a new version came in while they read
            form = PupilAgreeForm() if is_pupil else SignedNameForm()
            return _own_page(person, _showing(to_sign), form, no_form, changed=True)
        return redirect(url_for("agreements.mine"))  # said already, or nothing to say no to
    if not no_form.validate_on_submit():
        form = PupilAgreeForm(formdata=None) if is_pupil else SignedNameForm(formdata=None)
        return _own_page(person, part, form, no_form)
    refusals.decline(get_db(), part, person, remark=no_form.why.data or None)
    flash(
        "Thank you for telling us. A teacher will talk with you about it."
        if is_pupil
        else "Your answer is recorded. The ICT lead or the designated safeguarding lead will "
        "talk to you about it."
    )
    return redirect(url_for("agreements.mine", next=request.args.get("next")))


def _own_page(
    person: Pupil | Staff,
    part: Part | None,
    form: FlaskForm,
    no_form: FlaskForm,
    changed: bool = False,
):
    """A pupil's or a member of staff's own page: the agreement to read and sign (with how to
    say no), or thanks and what they have signed."""
    db = get_db()
    rules = all_rules()
    earlier = None
    if part is not None:
        form.shown.data = no_form.said_no_to.data = shown_key(part.rule)
        earlier = agreements.last_signed_version(db, part.rule, person.person_kind, person.id)
    signed = [p for p in agreements.parts_about(db, rules, person) if p.part == SELF and p.done]
    page = render_template(
        "agreements/mine_pupil.html" if isinstance(person, Pupil) else "agreements/mine_staff.html",
        form=form,
        no_form=no_form,
        part=part,
        refusal=refusals.standing_refusal(db, part) if part is not None else None,
        earlier=earlier,
        signed=signed,
        changed=changed,
        parents_sign=isinstance(person, Pupil) and _parent_signs_for(person, rules),
        own_photo_view=isinstance(person, Pupil) and consents.asks_pupil(person),
    )
    return page, 400 if (form.errors or no_form.errors or changed) else 200


def _parent_signs_for(pupil: Pupil, rules: list[Rule]) -> bool:
    return any(rule.applies_to(pupil) and rule.parts == (PARENT,) for rule in rules)


def _sign_own(person: Pupil | Staff, part: Part, form: FlaskForm) -> None:
    if isinstance(person, Pupil):
        signing.sign_own(get_db(), person, part, own_words=form.own_words.data)
    else:
        signing.sign_own(get_db(), person, part, signed_name=form.signed_name.data)
