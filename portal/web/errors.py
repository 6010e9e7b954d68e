"""Pages for refused and missing addresses and for server errors, and the record of each
refusal in the audit log. Each page names the school and offers the way home."""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template, request
from flask_login import AnonymousUserMixin, current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..services import audit
from .database import get_db
from .redact import redacted_path
from .school import look, profile_name

log = logging.getLogger(__name__)

PAGES = {
    403: ("You cannot open this page", "Your account is not allowed to see this page."),
    429: (
        "Too many tries",
        "There have been too many tries from here or for this address. Wait an hour and try "
        "again. If you asked for an email, use the newest one: older links stop working.",
    ),
    404: (
        "Page not found",
        "There is no page at this address. It may have moved, or the address may be mistyped.",
    ),
}


def init_app(app: Flask) -> None:
    app.before_request(_note_client_address)
    for status in PAGES:
        app.register_error_handler(status, _refused)
    app.register_error_handler(CSRFError, _stale_form)
    app.register_error_handler(InternalServerError, _server_error)


def _stale_form(error: CSRFError):
    """A form whose token no longer matches: open too long, or signed in or out elsewhere.
    Nothing was done; say so in plain words and offer the way back to the form."""
    return render_template("errors/stale_form.html", back=request.path), 400


def _note_client_address() -> None:
    audit.client_address.set(request.remote_addr)


def _refused(error: HTTPException):
    """Someone asked for what they may not see, or for what is not there: a probe for another
    family's or school's records looks like this, so each one is logged (capped)."""
    status = error.code
    assert status is not None  # this handler is registered for 403 and 404 only
    db = get_db()
    signed_in = current_user.is_authenticated
    audit.log_refusal(  # nothing the refused request half-did is kept
        db,
        status=status,
        method=request.method,
        path=redacted_path(request.path),
        actor=current_user.principal if signed_in else None,
    )
    title, message = PAGES[status]
    return render_template("errors/refused.html", title=title, message=message), status


SERVER_ERROR = (
    "Sorry, something went wrong on our side. Nothing you did caused it. Please try again in a "
    "few minutes; if it keeps happening, tell the school office."
)


def _server_error(error: InternalServerError):
    """A page that cannot fail in turn: it asks nothing of the database or of who is signed in
    (either may be what failed), and falls back to plain words if even the template fails."""
    try:
        page = current_app.jinja_env.get_template("errors/server_error.html").render(
            title="Something went wrong",
            message=SERVER_ERROR,
            school_name=profile_name(),
            current_user=AnonymousUserMixin(),
            **look(),
        )
    except Exception:  # the last resort must answer, whatever went wrong
        log.exception("the server error page itself failed")
        return f"Something went wrong. {SERVER_ERROR}", 500, {"Content-Type": "text/plain"}
    return page, 500
