"""Signing in with a password or a code: lockout, two-factor codes and password changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..content.calendar import utcnow
from ..models import Pupil, Staff
from . import audit
from .passwords import hash_password, verify_password
from .sessions import end_all_sessions

# Everyone who signs in with a secret of their own: staff with a password, pupils with a
# password or pictures.
AccountT = TypeVar("AccountT", Pupil, Staff)


@dataclass(frozen=True)
class LockoutRule:
    attempts: int
    minutes: int


def find_staff(db: Session, email: str) -> Staff | None:
    return db.scalar(select(Staff).where(func.lower(Staff.email) == email.strip().lower()))


def find_pupil(db: Session, username: str) -> Pupil | None:
    return db.scalar(select(Pupil).where(Pupil.username == username.strip().lower()))


def check_password(
    db: Session, account: AccountT | None, password: str, rule: LockoutRule
) -> AccountT | None:
    """The account if the password is right and it may sign in; otherwise None."""
    return check_secret(db, account, "password_hash", password, rule, "password")


def check_secret(
    db: Session, account: AccountT | None, field: str, secret: str, rule: LockoutRule, factor: str
) -> AccountT | None:
    """Check a password or picture password held in `field`, counting failures to a lockout.

    Unknown, left and locked accounts take the same time and give the same answer as a wrong
    secret, so the answer never tells anyone whether an account exists.
    """
    stored = getattr(account, field) if account is not None else None
    usable = (
        account is not None
        and stored is not None
        and account.left_at is None
        and not account.is_locked(utcnow())
    )
    # Always checked, so an unknown account takes as long as a wrong secret.
    right = verify_password(stored if usable else None, secret)
    if account is None or not right:
        if account is not None and usable:
            record_failure(db, account, rule, factor)
        return None
    account.failed_attempts = 0
    account.locked_until = None
    return account


def record_failure(db: Session, account: Pupil | Staff, rule: LockoutRule, factor: str) -> None:
    """Count a failure; at the limit, lock the account for a while and log it."""
    account.failed_attempts = type(account).failed_attempts + 1
    db.flush()
    db.refresh(account, ["failed_attempts"])
    audit.record(db, "sign-in-failed", school_id=account.school_id, subject=account, factor=factor)
    if account.failed_attempts >= rule.attempts:
        account.failed_attempts = 0
        account.locked_until = utcnow() + dt.timedelta(minutes=rule.minutes)
        audit.record(
            db, "locked-out", school_id=account.school_id, subject=account, minutes=rule.minutes
        )


def unlock(db: Session, account: Pupil | Staff, by: Staff) -> None:
    account.failed_attempts = 0
    account.locked_until = None
    audit.record(db, "unlocked", school_id=account.school_id, actor=by, subject=account)


def set_password(db: Session, account: Any, password: str) -> None:
    """Set a new password and end every session the person had, wherever it is."""
    account.password_hash = hash_password(password)
    end_all_sessions(db, account)
    audit.record(db, "password-changed", school_id=account.school_id, subject=account)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, staff: Staff, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=staff.email, issuer_name=issuer)


def verify_totp(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step a code belongs to if it is right and not used before, else None."""
    totp = pyotp.TOTP(secret)
    code = "".join(code.split())
    now_step = totp.timecode(dt.datetime.now(dt.UTC))
    for step in (now_step - 1, now_step, now_step + 1):
        if (last_step is None or step > last_step) and pyotp.utils.strings_equal(
            totp.generate_otp(step), code
        ):
            return step
    return None


def enrol_second_factor(db: Session, staff: Staff, secret: str, code: str) -> bool:
    """Turn on (or replace) a member of staff's second factor once they prove the app has the
    new secret. Callers decide who may: see `may_set_up_at_sign_in` and the account page."""
    step = verify_totp(secret, code, None)
    if step is None:
        return False
    replaced = staff.totp_secret is not None
    staff.totp_secret, staff.totp_last_step = secret, step
    end_all_sessions(db, staff)  # a session started with the old secret ends with it
    audit.record(
        db,
        "two-factor-replaced" if replaced else "two-factor-on",
        school_id=staff.school_id,
        subject=staff,
    )
    return True


def may_set_up_at_sign_in(staff: Staff) -> bool:
    """Half-way through signing in (password given, no code yet), only an account without a
    second factor may set one up: otherwise the password alone would be enough to replace it."""
    return staff.totp_secret is None and staff.left_at is None


def check_second_factor(db: Session, staff: Staff, code: str, rule: LockoutRule) -> bool:
    step = None
    if staff.totp_secret and not staff.is_locked(utcnow()):
        step = verify_totp(staff.totp_secret, code, staff.totp_last_step)
    if step is None:
        record_failure(db, staff, rule, "code")
        return False
    staff.totp_last_step = step
    staff.failed_attempts = 0
    return True
