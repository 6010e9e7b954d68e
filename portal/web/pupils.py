"""Pupils: sign in with a username and password (Year 3 up) or pictures (Reception to Year 2),
and the staff pages that make their login cards and open class sign-in on a classroom device."""

from __future__ import annotations

import datetime as dt
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, ValidationError

from ..content.calendar import utcnow
from ..models import ClassSignIn, PersonKind, SchoolClass
from ..services import classroom, pupil_accounts
from ..services.pictures import PICTURES, TO_CHOOSE, is_a_choice, uses_pictures
from .access import STAFF, allow, public
from .auth import _even_out, finish_sign_in, lockout_rule
from .database import get_db
from .ids import MAX_ID, record_id
from .login import CLASS_DEVICE, sign_out_here
from .security import limiter

bp = Blueprint("pupils", __name__, url_prefix="/pupils")


def pupil_sign_in_limit() -> str:
    """Classes sign in at once from behind one school address; the setting says how many."""
    return f"{current_app.config['PUPIL_SIGN_INS_PER_MINUTE']} per minute"


WRONG_DETAILS = (
    "That did not work. Check your username and password and try again. "
    "If it still does not work, ask your teacher."
)
WRONG_PICTURES = "Those pictures are not right. Try again or ask your teacher."
NO_PICTURES_YET = "You do not have your pictures yet. Ask your teacher."
# Stop tablets changing what a child types.
TYPED_AS_IS = {"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"}


class PupilSignInForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[DataRequired("Type your username. Your teacher gave it to you.")],
        render_kw=TYPED_AS_IS,
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Type your password. It is on your card from your teacher.")],
        render_kw=TYPED_AS_IS,
    )


class PicturesForm(FlaskForm):
    pictures = SelectMultipleField(
        "Your pictures",
        choices=list(PICTURES),
        validate_choice=False,  # checked with the count below, in words a child understands
    )

    def validate_pictures(self, field):
        if not is_a_choice(field.data or []):
            raise ValidationError(f"Choose {TO_CHOOSE} pictures, then press Go.")


class ClassForm(FlaskForm):
    class_id = IntegerField(validators=[InputRequired(), NumberRange(0, MAX_ID)])


@bp.get("/")
@allow(PersonKind.PUPIL)
def home():
    return render_template("pupils/home.html")


# --- Year 3 and up: username and password -----------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(pupil_sign_in_limit, methods=["POST"])
def sign_in():
    form = PupilSignInForm()
    if form.validate_on_submit():
        db = get_db()
        started = time.monotonic()
        pupil = pupil_accounts.sign_in_with_password(
            db, form.username.data, form.password.data, lockout_rule()
        )
        if pupil is None:
            form.password.errors.append(WRONG_DETAILS)
            form.password.data = ""
            _even_out(started)
        elif uses_pictures(pupil.year_group):
            return render_template("pupils/use_pictures.html")
        else:
            return finish_sign_in(pupil, "password")
    return render_template("pupils/sign_in.html", form=form)


# --- Staff: login cards ------------------------------------------------------------------


@bp.route("/cards", methods=["GET", "POST"])
@allow(*STAFF)
def login_cards():
    db = get_db()
    school_id = current_user.school_id
    if "class_id" not in request.args:
        return render_template(
            "pupils/cards_choose.html", classes=pupil_accounts.classes(db, school_id)
        )
    school_class = pupil_accounts.school_class(
        db, school_id, request.args.get("class_id", type=record_id)
    )
    if school_class is None:
        abort(404)
    form = FlaskForm()
    if form.validate_on_submit():
        cards = pupil_accounts.make_cards(db, school_class, current_user.principal)
        return render_template(
            "pupils/cards.html",
            school_class=school_class,
            cards=cards,
            sign_in_address=_public_address("pupils.sign_in"),
        )
    pupils = pupil_accounts.class_pupils(db, school_class)
    return render_template(
        "pupils/cards_confirm.html",
        form=form,
        school_class=school_class,
        pupils=pupils,
        pictures=sum(uses_pictures(p.year_group) for p in pupils),
    )


def _public_address(endpoint: str) -> str:
    """A page's address as pupils reach it, without https:// to type."""
    path = url_for(endpoint).removeprefix(request.script_root)
    address = current_app.config["PUBLIC_URL"].rstrip("/") + path
    return address.removeprefix("https://")


# --- Reception to Year 2: class sign-in with pictures ------------------------------------


@bp.route("/class/open", methods=["GET", "POST"])
@allow(*STAFF)
def open_class_sign_in():
    db = get_db()
    school_id = current_user.school_id
    form = ClassForm()
    if form.validate_on_submit():
        school_class = pupil_accounts.school_class(db, school_id, form.class_id.data)
        if school_class is None or not uses_pictures(school_class.year_group):
            abort(404)
        hours = current_app.config["CLASS_SIGN_IN_HOURS"]
        token = classroom.open_class(
            db,
            school_class,
            current_user.principal,
            dt.timedelta(hours=hours),
            replacing=session.get(CLASS_DEVICE),
        )
        sign_out_here()  # a classroom tablet must not stay signed in as the teacher
        session[CLASS_DEVICE] = token
        flash(
            f"Class sign-in is open for {school_class.name} for {hours} hours. "
            "You are signed out on this device."
        )
        return redirect(url_for("pupils.class_sign_in"))
    return render_template(
        "pupils/open_class.html",
        classes=pupil_accounts.classes(db, school_id, pictures_only=True),
        open_now=classroom.open_classes(db, school_id, session.get(CLASS_DEVICE)),
        hours=current_app.config["CLASS_SIGN_IN_HOURS"],
        now=utcnow(),
    )


@bp.post("/class/<int:class_id>/close")
@allow(*STAFF)
def close_class_sign_in(class_id: int):
    db = get_db()
    school_class = pupil_accounts.school_class(db, current_user.school_id, class_id)
    if school_class is None:
        abort(404)
    classroom.close_class(db, school_class, current_user.principal)
    if classroom.find_open(db, session.get(CLASS_DEVICE)) is None:
        session.pop(CLASS_DEVICE, None)
    flash(f"Class sign-in for {school_class.name} is closed.")
    return redirect(url_for("pupils.open_class_sign_in"))


def _this_device() -> ClassSignIn | None:
    """The class sign-in open on this device, forgetting one that has closed or run out."""
    opened = classroom.find_open(get_db(), session.get(CLASS_DEVICE))
    if opened is None:
        session.pop(CLASS_DEVICE, None)
    return opened


@bp.get("/class")
@public
def class_sign_in():
    opened = _this_device()
    if opened is None:
        return render_template("pupils/class_closed.html")
    db = get_db()
    pupils = classroom.pupils(db, opened)
    names = pupil_accounts.display_names(pupils)
    return render_template(
        "pupils/class.html",
        school_class=db.get(SchoolClass, opened.class_id),
        pupils=sorted(pupils, key=lambda p: (names[p.id].lower(), p.id)),
        names=names,
    )


@bp.route("/class/<int:pupil_id>", methods=["GET", "POST"])
@public
@limiter.limit(pupil_sign_in_limit, methods=["POST"])
def picture_sign_in(pupil_id: int):
    opened = _this_device()
    db = get_db()
    pupil = classroom.pupil(db, opened, pupil_id) if opened else None
    if opened is None or pupil is None:
        abort(404)
    name = pupil_accounts.display_names(classroom.pupils(db, opened)).get(pupil.id)
    form = PicturesForm()
    if pupil.picture_password_hash is None:
        return render_template("pupils/no_pictures.html", name=name, message=NO_PICTURES_YET)
    if form.validate_on_submit():
        signed_in = pupil_accounts.sign_in_with_pictures(
            db, pupil, form.pictures.data, lockout_rule()
        )
        if signed_in is not None:
            sign_out_here()  # whoever was signed in on this tablet before
            return finish_sign_in(signed_in, "pictures")
        form.pictures.errors.append(WRONG_PICTURES)
        form.pictures.data = []  # start again with nothing chosen
    return render_template(
        "pupils/pictures.html", form=form, pupil=pupil, name=name, pictures=PICTURES
    )
