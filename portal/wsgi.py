"""One server for both halves: the built policy site at / and the portal under /portal.

For gunicorn: `gunicorn 'portal.wsgi:create()'` (the site folder comes from ESAFETY_SITE_DIR,
default `site`).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, abort, send_from_directory
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from . import create_app

PORTAL_PREFIX = "/portal"
SITE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
}


def site_app(site_dir: Path) -> Flask:
    """Serve the built MkDocs site: folders answer with their index.html."""
    site = Flask("esafety_site", static_folder=None)
    root = site_dir.resolve()

    @site.get("/", defaults={"path": ""})
    @site.get("/<path:path>")
    def page(path: str):
        target = root / path
        if path == "" or path.endswith("/") or target.is_dir():
            path = f"{path.rstrip('/')}/index.html".lstrip("/")
        if not (root / path).is_file():
            abort(404)
        return send_from_directory(root, path)

    @site.after_request
    def headers(response):
        response.headers.update(SITE_HEADERS)
        return response

    return site


def combine(site_dir: Path, portal: Flask) -> DispatcherMiddleware:
    return DispatcherMiddleware(site_app(site_dir), {PORTAL_PREFIX: portal})


def create() -> DispatcherMiddleware:
    return combine(Path(os.environ.get("ESAFETY_SITE_DIR", "site")), create_app())
