"""One server for both halves: the built policy site at / and the portal under /portal.

For gunicorn: `gunicorn 'portal.wsgi:create()'` (the site folder comes from ESAFETY_SITE_DIR,
default `site`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from flask import Flask, abort, request, send_from_directory
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix

from . import create_app
from .site.headers import OTHER_HEADERS, read_policy
from .web.assets import file_version, keep_for_a_year, send_compressed

PORTAL_PREFIX = "/portal"
# The theme's files carry their content's hash in their names (bundle.a5f9d56c.min.js).
HASHED_NAME = re.compile(r"^assets/.+\.[0-9a-f]{8,}\.min\.(?:js|css)$")
SEARCH_INDEX = "search/search_index.json"
SEARCH_INDEX_SECONDS = 600


def site_app(site_dir: Path, proxy_hops: int = 0) -> Flask:
    """Serve the built MkDocs site: folders answer with their index.html, with the headers the
    build worked out (site/headers.py) and HSTS over HTTPS, as the portal sends them; files
    compressed, and files whose name or address names their content (the theme's hash-named
    files, the site's own with `?v=`) kept for a year, the search index ten minutes; others
    are checked by ETag."""
    site = Flask("esafety_site", static_folder=None)
    root = site_dir.resolve()
    policy = read_policy(root)
    if proxy_hops:
        site.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            site.wsgi_app, x_for=proxy_hops, x_proto=proxy_hops, x_host=proxy_hops
        )

    @site.get("/", defaults={"path": ""})
    @site.get("/<path:path>")
    def page(path: str):
        target = root / path
        if path == "" or path.endswith("/") or target.is_dir():
            path = f"{path.rstrip('/')}/index.html".lstrip("/")
        if not (root / path).is_file():
            if (root / "404.html").is_file():  # the site's own page, with the way home
                return send_from_directory(root, "404.html"), 404
            abort(404)
        response = send_from_directory(root, path)
        if HASHED_NAME.match(path) or request.args.get("v") == file_version(root / path):
            keep_for_a_year(response)
        elif path == SEARCH_INDEX:
            # Fetched by the theme's script at a fixed address: kept a few minutes, so pages
            # read one after another do not each ask for it again.
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = SEARCH_INDEX_SECONDS
        send_compressed(response, root / path)
        return response

    @site.after_request
    def headers(response):
        response.headers.update(OTHER_HEADERS)
        response.headers["Content-Security-Policy"] = policy
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

    return site


def combine(site_dir: Path, portal: Flask) -> DispatcherMiddleware:
    site = site_app(site_dir, portal.config["PROXY_HOPS"])
    return DispatcherMiddleware(site, {PORTAL_PREFIX: portal})


def create() -> DispatcherMiddleware:
    return combine(Path(os.environ.get("ESAFETY_SITE_DIR", "site")), create_app())
