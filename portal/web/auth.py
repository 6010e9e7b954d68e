"""Signing in and out: staff passwords with two-factor codes, password resets, sign-out."""

from __future__ import annotations

import datetime as dt
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
from ..services import accounts, links, mail
from ..services.passwords import password_problems
from .access import ROLES, STAFF, allow, public
from .database import get_db
from .forms import ChangePasswordForm, CodeForm, EmailForm, NewPasswordForm, StaffSignInForm
from .login import CLASS_DEVICE, sign_out_everywhere
from .login import sign_in as start_signed_in
from .security import limiter
from .urls import how_long, public_url

bp = Blueprint("auth", __name__)

WRONG_DETAILS = (
    "Those details did not work. Check them and try again. After 5 wrong tries an "
    "account is paused for a while; ask the school office if you are stuck."
)
PENDING_MINUTES = 10


def lockout_rule() -> accounts.LockoutRule:
    config = current_app.config
    return accounts.LockoutRule(config["LOCKOUT_ATTEMPTS"], config["LOCKOUT_MINUTES"])


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
        db = get_db()
        started = time.monotonic()
        staff = accounts.check_password(
            db, accounts.find_staff(db, form.email.data), form.password.data, lockout_rule()
        )
        db.commit()
        if staff is None:
            form.password.errors.append(WRONG_DETAILS)
            form.password.data = ""
            _even_out(started)
        elif staff.needs_two_factor:
            session["pending_staff"] = staff.id
            session["pending_at"] = time.time()
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
        db = get_db()
        ok = accounts.check_second_factor(db, staff, form.code.data, lockout_rule())
        db.commit()
        if ok:
            session.pop("pending_staff")
            return finish_sign_in(staff, "password and code")
        form.code.errors.append(
            "That code did not work. Codes change every 30 seconds: "
            "enter the one your app shows now."
        )
    return render_template("auth/two_factor.html", form=form)


@bp.route("/sign-in/code/set-up", methods=["GET", "POST"])
@public
def two_factor_setup():
    staff = pending_staff() if not current_user.is_authenticated else _signed_in_staff()
    secret = session.get("totp_setup") or accounts.new_totp_secret()
    session["totp_setup"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        step = accounts.verify_totp(secret, form.code.data, None)
        if step is not None:
            db = get_db()
            staff.totp_secret, staff.totp_last_step = secret, step
            session.pop("totp_setup")
            db.commit()
            if current_user.is_authenticated:
                flash("Two-factor sign-in is on.")
                return redirect(url_for("home.staff"))
            session.pop("pending_staff")
            return finish_sign_in(staff, "password and new code")
        form.code.errors.append(
            "That code did not match. Check the app shows eSafety and try the newest code."
        )
    uri = accounts.totp_uri(secret, staff, "eSafety")
    svg = segno.make(uri).svg_inline(scale=5, title="QR code for your authenticator app")
    qr = Markup(svg)  # noqa: S704 - SVG that segno drew from our own URI
    return render_template("auth/two_factor_setup.html", form=form, qr=qr, secret=secret)


def _signed_in_staff() -> Staff:
    if current_user.role not in STAFF:
        abort(403)
    return current_user.principal


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
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        db = get_db()
        staff = accounts.find_staff(db, form.email.data)
        if staff is not None and staff.left_at is None:
            hours = current_app.config["RESET_HOURS"]
            token = links.issue_link(db, "password-reset", staff, dt.timedelta(hours=hours))
            link = public_url("auth.reset_password", token=token)
            mail.queue_mail(
                db,
                to=staff.email,
                school_id=staff.school_id,
                subject="Reset your eSafety password",
                body=render_template(
                    "mail/password_reset.txt", staff=staff, link=link, lasts=how_long(hours)
                ),
            )
            db.commit()
        return render_template("auth/check_email.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    db = get_db()
    staff = links.peek_link(db, token, "password-reset")
    if staff is None:
        return render_template("auth/link_expired.html"), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        problems = password_problems(form.password.data, avoid=(staff.name, staff.email))
        if problems:
            form.password.errors.extend(problems)
        elif links.use_link(db, token, "password-reset") is not None:
            accounts.set_password(db, staff, form.password.data)
            staff.failed_attempts, staff.locked_until = 0, None
            db.commit()
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
        db = get_db()
        if accounts.check_password(db, staff, form.current.data, lockout_rule()) is None:
            db.commit()
            form.current.errors.append("That is not your current password.")
        elif problems := password_problems(form.password.data, avoid=(staff.name, staff.email)):
            form.password.errors.extend(problems)
        else:
            accounts.set_password(db, staff, form.password.data)
            db.commit()
            start_signed_in(staff, "password change")
            flash("Your password is changed. You have been signed out everywhere else.")
            return redirect(url_for("home.staff"))
    return render_template("auth/change_password.html", form=form)
