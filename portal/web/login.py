"""Flask-Login over server-side sessions: the cookie carries a session token, not a user id."""

from __future__ import annotations

import datetime as dt

from flask import Flask, current_app, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from ..models import Principal, School
from ..services import sessions
from .database import get_db

login_manager = LoginManager()

# What belongs to the device, not the person using it, and so outlives signing in and out:
# the token of a class sign-in a teacher opened on a classroom tablet.
CLASS_DEVICE = "class_device"
DEVICE_KEYS = (CLASS_DEVICE,)


class SignedIn(UserMixin):
    """The person behind the current request, with the token of their session."""

    def __init__(self, principal: Principal, token: str, school_name: str | None = None):
        self.principal = principal
        self.token = token
        self._school_name = school_name

    @property
    def school_name(self) -> str:
        """Read with the session on every page; looked up only just after signing in."""
        if self._school_name is None:
            self._school_name = get_db().get_one(School, self.school_id).name
        return self._school_name

    def get_id(self) -> str:
        return self.token

    @property
    def role(self) -> str:
        return self.principal.role

    @property
    def school_id(self) -> int:
        return self.principal.school_id


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = None
    login_manager.session_protection = None  # sessions are server-side; see services.sessions
    login_manager.user_loader(_load)


def _load(token: str) -> SignedIn | None:
    config = current_app.config
    idle = dt.timedelta(hours=config["SESSION_HOURS"])
    max_age = dt.timedelta(hours=config["SESSION_MAX_HOURS"])
    resumed = sessions.resume_session(get_db(), token, idle, max_age)
    if resumed is None:
        return None
    return SignedIn(resumed.principal, token, resumed.school_name)


def sign_in(principal: Principal, how: str) -> None:
    """Start a fresh session for `principal`; commits, so the sign-in is durable."""
    _clear_session()
    token = sessions.sign_in(get_db(), principal, how)
    login_user(SignedIn(principal, token))


def sign_out_everywhere(principal: Principal) -> None:
    sessions.sign_out_everywhere(get_db(), principal)
    logout_user()
    _clear_session()


def sign_out_here() -> None:
    """End only this device's session; the person stays signed in on their other devices."""
    if not current_user.is_authenticated:
        return
    sessions.sign_out_here(get_db(), current_user.principal, current_user.token)
    logout_user()
    _clear_session()


def _clear_session() -> None:
    kept = {key: session[key] for key in DEVICE_KEYS if key in session}
    session.clear()
    session.update(kept)
