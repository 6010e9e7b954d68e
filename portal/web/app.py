"""Assemble the portal: settings, database, sign-in, security, blueprints."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from ..content.render import render_markdown
from ..runtime import start
from ..settings import load_settings
from ..startup import check_safe_to_start
from ..years import year_label
from . import access, agreements, assets, database, errors, ids, login, policies, school, security
from .runtime import install


def build_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask("portal", instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    settings = load_settings(Path(app.instance_path), config)
    app.config.update(
        SESSION_COOKIE_NAME=session_cookie_name(secure=not settings["DEMO"]),
        SESSION_COOKIE_SECURE=not settings["DEMO"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    app.config.update(settings)  # settings, and any overrides the caller passed, win
    check_safe_to_start(settings, debug=app.debug)  # outside demo mode; says what to set
    app.config["SECRET_KEY"] = settings["SECRET_KEY"] or _demo_secret(app, settings)
    if hops := settings["PROXY_HOPS"]:  # trust that many proxies' X-Forwarded-* headers
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    _start(app)  # records the published policy versions; refuses to start if one changed
    database.init_app(app)
    policies.init_app(app)  # takes changed policy files into use as requests come
    app.add_template_filter(_markdown, name="markdown")
    login.init_app(app)
    errors.init_app(app)  # first: every later check's refusal is logged with its address
    security.init_app(app)
    assets.init_app(app)  # compressed pages; static files by version, kept for a year
    access.init_app(app)
    agreements.init_app(app)  # after access: staff accept their AUP before other pages
    ids.init_app(app)  # before the routes: ids in addresses stop at what a database holds
    _register_blueprints(app)
    school.init_app(app)
    app.add_template_filter(year_label)
    access.check_every_view_declares_roles(app)
    return app


def session_cookie_name(secure: bool) -> str:
    """Over HTTPS the cookie takes the __Host- prefix: browsers then accept it only from this
    host, sent securely, for the whole site, so a neighbouring subdomain cannot plant one."""
    return "__Host-esafety_session" if secure else "esafety_session"


def _register_blueprints(app: Flask) -> None:
    from . import (
        admin,
        agreement_records,
        auth,
        coverage,
        data_requests,
        home,
        lessons,
        parents,
        pupils,
    )

    for blueprint in (home.bp, auth.bp, admin.bp, parents.bp, pupils.bp, lessons.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(agreements.bp)
    app.register_blueprint(agreement_records.bp)
    app.register_blueprint(coverage.bp)
    app.register_blueprint(data_requests.bp)


def _demo_secret(app: Flask, settings: dict[str, Any]) -> str:
    """Demo and tests keep a random key in the instance folder; real use must set one."""
    if not (settings["DEMO"] or settings.get("TESTING")):
        raise RuntimeError(
            "ESAFETY_SECRET_KEY is not set. Set it to a long random string, for example the "
            "output of: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _start(app: Flask) -> None:
    """The portal's runtime parts, from its settings; policies and lessons are checked once."""
    # Resolved now, against the folder the portal starts in, as the loader reads it: Flask
    # would take a relative folder as relative to the portal's package when serving pictures.
    lessons = Path(app.config["CURRICULUM_DIR"]).resolve()
    app.config["CURRICULUM_DIR"] = str(lessons)
    install(
        app,
        start(
            app.config["DATABASE_URL"],
            Path(app.config["POLICIES_DIR"]),
            lessons,
            app.config["POLICY_CHECK_SECONDS"],
        ),
    )


def _markdown(text: str) -> Markup:
    return Markup(render_markdown(_portal_images(text)))  # noqa: S704 - our own lesson files


def _portal_images(markdown: str) -> str:
    """Lesson pictures are written relative to the lesson file; the portal serves them itself."""
    from flask import url_for

    return markdown.replace("](../../images/", f"]({url_for('lessons.image', name='')}")
