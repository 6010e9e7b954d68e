"""Signing in and out: staff passwords with two-factor codes, password resets, sign-out."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import segno
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
from markupsafe import Markup

from ..models import Staff
from ..services import accounts
from ..services.tokens import TOKEN_MARK
from .access import ROLES, STAFF, allow, public
from .database import get_db
from .forms import (
    ChangePasswordForm,
    CodeForm,
    EmailForm,
    NewPasswordForm,
    ReplaceCodeForm,
    StaffSignInForm,
    TurnOnCodeForm,
)
from .login import CLASS_DEVICE, sign_out_everywhere
from .login import sign_in as start_signed_in
from .security import limiter, per_address_limit, requested_address
from .urls import how_long, link_terms, public_url

bp = Blueprint("auth", __name__)

WRONG_DETAILS = (
    "Those details did not work. Check them and try again. After 5 wrong tries an "
    "account is paused for a while; ask the school office if you are stuck."
)
PENDING_MINUTES = 10
# Session key: how a parent or carer reached the portal, written on what they sign.
REACHED_BY = "reached_by"


def lockout_rule() -> accounts.LockoutRule:
    config = current_app.config
    return accounts.LockoutRule(config["LOCKOUT_ATTEMPTS"], config["LOCKOUT_MINUTES"])


def two_factor_roles() -> frozenset[str]:
    return frozenset(current_app.config["TWO_FACTOR_ROLES"].split())


def safe_next(target: str | None) -> str | None:
    """Only a path on this site, never another host (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def finish_sign_in(principal, how: str):
    target = safe_next(session.get("next"))
    start_signed_in(principal, how)
    return redirect(target or url_for("home.index"))


@bp.get("/sign-in")
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    if safe_next(request.args.get("next")):
        session["next"] = request.args["next"]
    return render_template("auth/sign_in.html")


@bp.route("/sign-in/staff", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute", methods=["POST"])
def staff_sign_in():
    form = StaffSignInForm()
    if form.validate_on_submit():
        started = time.monotonic()
        staff = accounts.check_password_at_sign_in(
            get_db(), form.email.data, form.password.data, lockout_rule()
        )
        if staff is None:
            form.password.errors.append(WRONG_DETAILS)
            form.password.data = ""
            _even_out(started)
        elif staff.needs_two_factor(two_factor_roles()):
            session["pending_staff"] = staff.id
            session["pending_at"] = time.time()
            session["pending_setup"] = staff.totp_secret is None
            if staff.totp_secret is None:
                return redirect(url_for("auth.two_factor_setup"))
            return redirect(url_for("auth.two_factor"))
        else:
            return finish_sign_in(staff, "password")
    return render_template("auth/staff_sign_in.html", form=form)


def _even_out(started: float) -> None:
    """Answer a wrong password no sooner than a right one would be, whoever asked."""
    time.sleep(max(0.0, 0.05 - (time.monotonic() - started)))


def pending_staff() -> Staff:
    staff_id, at = session.get("pending_staff"), session.get("pending_at", 0)
    if staff_id is None or time.time() - at > PENDING_MINUTES * 60:
        abort(410, "Your sign-in took too long. Please start again.")
    staff = get_db().get(Staff, staff_id)
    if staff is None or staff.left_at is not None:
        abort(410)
    return staff


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute", methods=["POST"])
def two_factor():
    staff = pending_staff()
    form = CodeForm()
    if form.validate_on_submit():
        if accounts.check_code_at_sign_in(get_db(), staff, form.code.data, lockout_rule()):
            _forget_setup()
            return finish_sign_in(staff, "password and code")
        form.code.errors.append(
            "That code did not work. Codes change every 30 seconds: "
            "enter the one your app shows now."
        )
    return render_template("auth/two_factor.html", form=form)


@bp.route("/sign-in/code/set-up", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute", methods=["POST"])
def two_factor_setup():
    """First set-up, half-way through signing in: only for an account that has no second
    factor yet, straight after its password was given."""
    staff = pending_staff()
    if not session.get("pending_setup") or not accounts.may_set_up_at_sign_in(staff):
        return redirect(url_for("auth.two_factor"))
    form = CodeForm()
    secret = _setup_secret()
    if form.validate_on_submit():
        if accounts.set_up_at_sign_in(get_db(), staff, secret, form.code.data):
            _forget_setup()
            return finish_sign_in(staff, "password and new code")
        form.code.errors.append(NEW_CODE_DID_NOT_MATCH)
    return _setup_page("auth/two_factor_setup.html", form, secret, staff)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@allow(*STAFF)
@limiter.limit("30 per minute", methods=["POST"])
def account_two_factor():
    """Turn on, or move to a new phone, for a signed-in member of staff: the password, and the
    current code where there is one, prove it is them and not someone at an unlocked screen."""
    staff = current_user.principal
    form = ReplaceCodeForm() if staff.totp_secret else TurnOnCodeForm()
    secret = _setup_secret()
    if form.validate_on_submit():
        current_code = form.current_code.data if staff.totp_secret else ""
        outcome = accounts.change_second_factor(
            get_db(),
            staff,
            form.password.data,
            current_code,
            secret,
            form.code.data,
            lockout_rule(),
        )
        if outcome == "on":
            _forget_setup()
            start_signed_in(staff, "new two-factor code")
            flash("Two-factor sign-in is on. You have been signed out everywhere else.")
            return redirect(url_for("home.staff"))
        if outcome == "wrong password":
            form.password.errors.append("That is not your password.")
        elif outcome == "wrong code":
            form.current_code.errors.append(
                "That code did not work. Enter the code your current app shows now."
            )
        else:
            form.code.errors.append(NEW_CODE_DID_NOT_MATCH)
    return _setup_page("auth/account_two_factor.html", form, secret, staff)


NEW_CODE_DID_NOT_MATCH = (
    "That code did not match. Check the app shows eSafety and try the newest code."
)


def _setup_secret() -> str:
    """The new secret stays the same while the page is open, so a reload shows the same QR."""
    secret = session.get("totp_setup") or accounts.new_totp_secret()
    session["totp_setup"] = secret
    return secret


def _forget_setup() -> None:
    for key in ("totp_setup", "pending_staff", "pending_setup"):
        session.pop(key, None)


def _setup_page(template: str, form, secret: str, staff: Staff):
    uri = accounts.totp_uri(secret, staff, "eSafety")
    svg = segno.make(uri).svg_inline(scale=5, title="QR code for your authenticator app")
    qr = Markup(svg)  # noqa: S704 - SVG that segno drew from our own URI
    return render_template(template, form=form, qr=qr, secret=secret, staff=staff)


@bp.post("/sign-out")
@allow(*ROLES)
def sign_out():
    sign_out_everywhere(current_user.principal)
    flash("You have signed out.")
    if session.get(CLASS_DEVICE):  # a classroom tablet goes back to its class's names
        return redirect(url_for("pupils.class_sign_in"))
    return redirect(url_for("auth.sign_in"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit(per_address_limit, methods=["POST"], key_func=requested_address)
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        hours = current_app.config["RESET_HOURS"]

        def compose(staff: Staff) -> tuple[str, str]:
            link = public_url("auth.reset_password", token=TOKEN_MARK)
            body = render_template(
                "mail/password_reset.txt", staff=staff, link=link, lasts=how_long(hours)
            )
            return "Reset your eSafety password", body

        accounts.email_password_reset(get_db(), form.email.data, link_terms(hours), compose)
        return render_template("auth/check_email.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    db = get_db()
    staff = accounts.peek_reset_link(db, token)
    if staff is None:
        return render_template("auth/link_expired.html"), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        problems = accounts.new_password_problems(db, staff, form.password.data)
        if problems:
            form.password.errors.extend(problems)
        elif accounts.reset_password(db, token, form.password.data):
            flash("Your new password is set. Sign in with it now.")
            return redirect(url_for("auth.staff_sign_in"))
        else:
            return render_template("auth/link_expired.html"), 410
    return render_template("auth/reset_password.html", form=form, staff=staff)


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*STAFF)
def change_password():
    staff = current_user.principal
    form = ChangePasswordForm()
    if form.validate_on_submit():
        change = accounts.change_password(
            get_db(), staff, form.current.data, form.password.data, lockout_rule()
        )
        if change.wrong_current:
            form.current.errors.append("That is not your current password.")
        elif change.problems:
            form.password.errors.extend(change.problems)
        else:
            start_signed_in(staff, "password change")
            flash("Your password is changed. You have been signed out everywhere else.")
            return redirect(url_for("home.staff"))
    return render_template("auth/change_password.html", form=form)
