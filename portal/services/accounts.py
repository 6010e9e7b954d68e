"""Signing in with a password or a code: lockout, two-factor codes, password changes and resets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

import pyotp
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ..content.calendar import utcnow
from ..models import Pupil, School, Staff
from . import audit, links, mail
from .passwords import hash_password, password_problems, verify_password
from .sessions import end_all_sessions

# Everyone who signs in with a secret of their own: staff with a password, pupils with a
# password or pictures.
AccountT = TypeVar("AccountT", Pupil, Staff)


@dataclass(frozen=True)
class LockoutRule:
    attempts: int
    minutes: int


# Built once: each sign-in looks an account up, and building the statement costs more than
# running it.
_STAFF_BY_EMAIL = select(Staff).where(func.lower(Staff.email) == bindparam("email"))
_PUPIL_BY_USERNAME = select(Pupil).where(Pupil.username == bindparam("username"))


def find_staff(db: Session, email: str) -> Staff | None:
    return db.scalar(_STAFF_BY_EMAIL, {"email": email.strip().lower()})


def find_pupil(db: Session, username: str) -> Pupil | None:
    return db.scalar(_PUPIL_BY_USERNAME, {"username": username.strip().lower()})


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
    """Let a locked-out account sign in again, and log who did, as one unit of work: commits."""
    account.failed_attempts = 0
    account.locked_until = None
    audit.record(db, "unlocked", school_id=account.school_id, actor=by, subject=account)
    db.commit()


def set_password(db: Session, account: Pupil | Staff, password: str) -> None:
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


# --- Signing in, and changing how: each a unit of work that commits -------------------------


def check_password_at_sign_in(
    db: Session, email: str, password: str, rule: LockoutRule
) -> Staff | None:
    """The first step of a member of staff signing in, as one unit of work: commits whether or
    not the password was right, so a wrong one counts towards a lockout though signing in fails.
    """
    staff = check_password(db, find_staff(db, email), password, rule)
    db.commit()
    return staff


def check_code_at_sign_in(db: Session, staff: Staff, code: str, rule: LockoutRule) -> bool:
    """The second step, as one unit of work: commits whether or not the code was right, so a
    wrong one counts towards a lockout and a right one cannot be used again."""
    right = check_second_factor(db, staff, code, rule)
    db.commit()
    return right


def set_up_at_sign_in(db: Session, staff: Staff, secret: str, code: str) -> bool:
    """Turn on a second factor half-way through signing in, as one unit of work: commits when
    the code matched the new secret; nothing is written when it did not."""
    if not enrol_second_factor(db, staff, secret, code):
        return False
    db.commit()
    return True


# What came of a signed-in member of staff asking to turn on, or move, their second factor.
FactorChange = Literal["on", "wrong password", "wrong code", "new code did not match"]


def change_second_factor(
    db: Session,
    staff: Staff,
    password: str,
    current_code: str,
    secret: str,
    code: str,
    rule: LockoutRule,
) -> FactorChange:
    """Turn on, or move to a new phone, a signed-in member of staff's second factor, as one unit
    of work: commits whatever came of it, so wrong passwords and codes count towards a lockout.
    The password, and `current_code` where there is a factor already, prove it is them."""
    outcome: FactorChange
    if check_password(db, staff, password, rule) is None:
        outcome = "wrong password"
    elif staff.totp_secret and not check_second_factor(db, staff, current_code, rule):
        outcome = "wrong code"
    elif enrol_second_factor(db, staff, secret, code):
        outcome = "on"
    else:
        outcome = "new code did not match"
    db.commit()
    return outcome


RESET_PURPOSE = "password-reset"


def email_password_reset(
    db: Session, email: str, terms: links.LinkTerms, compose: Callable[[Staff], tuple[str, str]]
) -> None:
    """Queue a reset link to the member of staff with this address, if they are still at the
    school, as one unit of work: commits when one was queued. `compose` gives the email's
    subject and body, with tokens.TOKEN_MARK where the link's token goes.

    Nothing is returned: the caller answers the same way either way, so nobody learns who has an
    account."""
    staff = find_staff(db, email)
    if staff is None or staff.left_at is not None:
        return
    issued = links.issue_link(db, RESET_PURPOSE, staff, terms.lifetime, terms.secret_key)
    subject, body = compose(staff)
    mail.queue_mail(
        db,
        to=staff.email,
        school_id=staff.school_id,
        subject=subject,
        body=body,
        link_nonce=issued.nonce,
    )
    db.commit()


def new_password_problems(db: Session, staff: Staff, password: str) -> list[str]:
    """What is wrong with `password` as a new one for `staff`, counting as guessable what
    anyone who knows where they work knows: their name, their email and their school's name."""
    avoid = (staff.name, staff.email, db.get_one(School, staff.school_id).name)
    return password_problems(password, avoid=avoid)


def peek_reset_link(db: Session, token: str) -> Staff | None:
    """The member of staff an unused password reset link is for, without using it."""
    return links.peek_link(db, token, RESET_PURPOSE, Staff)


def reset_password(db: Session, token: str, password: str) -> bool:
    """Set a new password from an emailed reset link, as one unit of work: uses the link up,
    sets the password (ending every session), clears any lockout and commits. False, with
    nothing done, when the link was used or ran out meanwhile."""
    staff = links.use_link(db, token, RESET_PURPOSE, Staff)
    if staff is None:
        return False
    set_password(db, staff, password)
    staff.failed_attempts, staff.locked_until = 0, None
    db.commit()
    return True


@dataclass(frozen=True)
class PasswordChange:
    """What came of asking to change one's own password: changed, unless the current password
    was wrong or the new one has problems."""

    wrong_current: bool = False
    problems: tuple[str, ...] = ()


def change_password(
    db: Session, staff: Staff, current: str, new: str, rule: LockoutRule
) -> PasswordChange:
    """Change a signed-in member of staff's password, as one unit of work. A wrong current
    password counts towards a lockout and is committed; a new one with problems changes
    nothing; otherwise the password is set (ending every session) and committed."""
    if check_password(db, staff, current, rule) is None:
        db.commit()
        return PasswordChange(wrong_current=True)
    if problems := new_password_problems(db, staff, new):
        return PasswordChange(problems=tuple(problems))
    set_password(db, staff, new)
    db.commit()
    return PasswordChange()
