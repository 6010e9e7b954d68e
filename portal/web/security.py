"""CSRF on every form, rate limits, and the headers every response carries."""

from __future__ import annotations

import base64
import hashlib
from functools import partial

from flask import Flask, Response, abort, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from ..content.brand import portal_css
from .runtime import runtime

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def content_security_policy(inline_style: str) -> str:
    """Our own files only, and the one inline style every page carries (the school's colours,
    see base.html), allowed by its hash."""
    digest = base64.b64encode(hashlib.sha256(inline_style.encode("utf-8")).digest()).decode()
    return "; ".join(
        [
            "default-src 'self'",
            "img-src 'self' data:",
            f"style-src 'self' 'sha256-{digest}'",
            "script-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


def per_address_limit() -> str:
    return f"{current_app.config['LINK_REQUESTS_PER_ADDRESS']} per hour"


def requested_address() -> str:
    """The rate-limit key for an emailed link: the address asked for (hashed, so the counters
    hold no addresses), whichever computer asks."""
    address = request.form.get("email", "").strip().lower()
    return "address " + hashlib.sha256(address.encode("utf-8")).hexdigest()


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul_characters)
    app.before_request(_refuse_other_origins)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    limiter.request_filter(_reads_only)
    # Worked out once: the school's colours are read at start (portal/runtime.py).
    csp = content_security_policy(portal_css(runtime(app).profile.brand))
    app.after_request(partial(_headers, csp))


def _reads_only() -> bool:
    """Every limit counts what is sent (sign-ins, codes, emailed links), so a page that is only
    read skips the limiter's work: most requests of a busy morning are such pages."""
    return request.method in ("GET", "HEAD", "OPTIONS")


def _refuse_other_origins() -> None:
    """A form sent from another site's page is refused before anything reads it, as well as
    by its CSRF token: browsers name the page's origin on every POST."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    origin = request.headers.get("Origin")
    if origin is not None and origin != request.host_url.rstrip("/"):
        abort(403)


def _refuse_nul_characters() -> None:
    """Nobody types a NUL character (%00), and PostgreSQL can neither store nor compare text
    holding one (the query fails): refuse such a request before anything reads it."""
    texts = [request.path]
    # A page that is only read has no form: reading `request.form` would parse the body anyway.
    sent = (request.args,) if request.method in ("GET", "HEAD") else (request.args, request.form)
    for values in sent:
        texts += [text for pair in values.items(multi=True) for text in pair]
    if any("\x00" in text for text in texts):
        abort(400)


def _headers(csp: str, response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", csp)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # Links carry tokens, so never send the address to another site; same-origin referrers
    # stay, because the CSRF check on HTTPS compares them with this host.
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"  # pages may show children's data
    return response
