"""Parents and carers: sign in by emailed link or letter code, and see their own children."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, ValidationError

from ..models import LEADS, PersonKind, School
from ..services import links, parents
from ..services.sessions import end_session
from ..services.tokens import LETTER_CODE_EXAMPLE, TOKEN_MARK
from ..years import year_label
from .access import allow, public
from .auth import REACHED_BY, finish_sign_in, safe_next
from .database import get_db
from .forms import EmailForm
from .security import csrf, limiter, per_address_limit, requested_address
from .urls import how_long, link_terms, public_url

bp = Blueprint("parents", __name__, url_prefix="/parents")

# Asking for a link takes at least this long, known address or not, so the time a request
# takes never tells anyone whether an address is on the school's list.
LINK_REQUEST_SECONDS = 0.2
WRONG_CODE = (
    "That code did not work. Check it against your letter and try again. If you have lost the "
    "letter, ask the school office for a new one."
)


class LetterCodeForm(FlaskForm):
    code = StringField(
        "Code from your letter", validators=[DataRequired("Enter the code from your letter.")]
    )


class ClassField(SelectField):
    def pre_validate(self, form) -> None:
        if self.data not in {value for value, _ in self.choices or ()}:
            raise ValidationError("Choose a class from the list.")


class LettersForm(FlaskForm):
    class_id = ClassField("Class", coerce=int)
    without_email_only = BooleanField(
        "Only parents and carers we have no email address for", default=True
    )


class ContinueForm(FlaskForm):
    """Only the CSRF token: pressing Continue is a deliberate POST that a mail scanner won't
    make."""


def _is_code_post() -> bool:
    return "code" in request.form


@bp.get("/")
@allow(PersonKind.PARENT)
def home():
    children = parents.visible_children(current_user.principal)
    return render_template("parents/home.html", children=children)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: f"{current_app.config['LINK_REQUESTS_PER_HOUR']} per hour",
    methods=["POST"],
    key_func=lambda: f"{get_remote_address()} link",
    exempt_when=_is_code_post,
)
@limiter.limit(
    per_address_limit, methods=["POST"], key_func=requested_address, exempt_when=_is_code_post
)
@limiter.limit(
    "30 per hour",
    methods=["POST"],
    key_func=lambda: f"{get_remote_address()} code",
    exempt_when=lambda: not _is_code_post(),
)
def sign_in():
    """One page, two ways in: a link by email, or the code on a letter home."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("home.index"))
    email_form, code_form = EmailForm(), LetterCodeForm()
    if request.method == "POST" and _is_code_post():
        if code_form.validate_on_submit():
            parent = _check_code(code_form)
            if parent is not None:
                response = finish_sign_in(parent, "letter code")
                session[REACHED_BY] = "code on a letter home"
                return response
        failed = code_form
    elif email_form.validate_on_submit():
        return _send_links(email_form.email.data)
    else:
        failed = email_form
    return render_template(
        "parents/sign_in.html",
        email_form=email_form,
        code_form=code_form,
        failed=failed,
        code_example=LETTER_CODE_EXAMPLE,
    )


def _check_code(form: LetterCodeForm):
    if not parents.code_looks_right(form.code.data):
        form.code.errors.append(
            f"A code has 15 letters and numbers, like {LETTER_CODE_EXAMPLE}. Check your letter."
        )
        return None
    parent = parents.find_by_letter_code(get_db(), form.code.data)
    if parent is None:
        form.code.errors.append(WRONG_CODE)
    return parent


def _send_links(email: str):
    started = time.monotonic()
    hours = current_app.config["LINK_HOURS"]
    db = get_db()

    def compose(parent, school):
        body = render_template(
            "mail/parent_link.txt",
            parent=parent,
            school=school,
            link=public_url("parents.link", token=TOKEN_MARK),
            how_long=how_long(hours),
        )
        return f"Sign in to {school.name}", body

    parents.email_sign_in_links(db, email, link_terms(hours), compose)
    time.sleep(max(0.0, LINK_REQUEST_SECONDS - (time.monotonic() - started)))
    return render_template("parents/check_email.html", email=email, how_long=how_long(hours))


@bp.route("/link/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # checked by the form below, once a second press of Continue has been spotted
@limiter.limit("30 per hour", methods=["POST"])
def link(token: str):
    """Opening the link only asks; pressing Continue uses it. Mail scanners and link previews
    open links before people do, so a GET must never use up a link or sign anyone in."""
    db = get_db()
    if (
        current_user.is_authenticated
        and current_user.role == PersonKind.PARENT
        and parents.used_sign_in_link_owner(db, token) == current_user.principal.id
    ):
        # A second press after the first signed them in (its new session has a new CSRF
        # token, so this comes before the form check).
        return redirect(url_for("parents.home"))
    parent = parents.peek_sign_in_link(db, token)
    if parent is None:
        again = url_for("parents.sign_in")
        return render_template("auth/link_expired.html", again=again), 410
    form = ContinueForm()
    if form.validate_on_submit():
        signed_in = parents.use_sign_in_link(db, token)
        if signed_in is None:  # another press got there a moment before
            return render_template("auth/link_expired.html", again=url_for("parents.sign_in")), 410
        if current_user.is_authenticated:
            end_session(db, current_user.token)  # whoever used this browser before
        if safe_next(request.args.get("next")):  # a reminder's link goes on to the agreements
            session["next"] = request.args["next"]
        response = finish_sign_in(signed_in, "email link")
        link = links.link_id(db, token)
        session[REACHED_BY] = f"email link {link} sent to {signed_in.email}"
        return response
    school = db.get(School, parent.school_id)
    page = render_template("parents/link.html", parent=parent, school=school, form=form)
    return page, 400 if form.errors else 200


@bp.route("/letters", methods=["GET", "POST"])
@allow(*LEADS)
def letters():
    """Letters with sign-in codes for a class. Looking is safe; only the button makes codes."""
    db = get_db()
    school_id = current_user.school_id
    classes = parents.school_classes(db, school_id)
    form = LettersForm()
    form.class_id.choices = [(c.id, _class_label(c)) for c in classes]
    if form.validate_on_submit():
        school_class = parents.class_of_school(db, school_id, form.class_id.data)
        if school_class is None:
            abort(404)
        made = parents.make_letters(
            db, school_class, form.without_email_only.data, by=current_user.principal
        )
        return render_template(
            "parents/letters_print.html",
            letters=made,
            school_class=school_class,
            school=db.get(School, school_id),
            sign_in_url=public_url("parents.sign_in"),
        )
    overview = [(c, parents.plan_letters(db, c, without_email_only=True)) for c in classes]
    return render_template("parents/letters.html", form=form, overview=overview)


def _class_label(school_class) -> str:
    year = year_label(school_class.year_group)
    return school_class.name if school_class.name == year else f"{school_class.name} ({year})"
