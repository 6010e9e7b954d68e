"""Files sent small and kept by the browser.

Every address of a static file carries its content's hash (`?v=`, see `asset_url`), so a
browser may keep the file for a year and still fetch the new one as soon as a release changes
it; pages and files are sent compressed (Brotli or gzip) to browsers that accept it. A static
file is compressed once, at its best, and kept in memory; pages are compressed as they go
(Flask-Compress).
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

import brotli
from flask import Flask, Response, current_app, request, url_for
from flask_compress import Compress

from ..content.hashing import content_version

YEAR = 31_536_000
COMPRESSIBLE = frozenset(
    {
        "application/javascript",
        "application/json",
        "application/xml",
        "image/svg+xml",
        "text/css",
        "text/html",
        "text/javascript",
        "text/plain",
        "text/xml",
    }
)
ENCODINGS = ("br", "gzip")


def init_app(app: Flask) -> None:
    # A page is a few kilobytes: gzip makes it as small as Brotli's quick levels do, in half
    # the time of Flask-Compress's default Brotli level (measured: 57 against 102 us).
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip", "br"])
    app.config.setdefault("COMPRESS_MIMETYPES", sorted(COMPRESSIBLE))
    # Files sent as streams (lesson pictures) are left alone: compressing a stream, Flask-Compress
    # never closes the file it reads.
    app.config.setdefault("COMPRESS_STREAMS", False)
    Compress(app)  # pages; registered first, so it runs after the static files' hook below
    folder = Path(app.static_folder or "")
    app.add_template_global(asset_url)

    @app.after_request
    def static_files(response: Response) -> Response:
        if request.endpoint == "static" and request.view_args:
            path = folder / request.view_args["filename"]
            if request.args.get("v") == file_version(path):
                keep_for_a_year(response)
            send_compressed(response, path)
        return response


def asset_url(filename: str) -> str:
    """A static file's address, named by its content's version (`?v=`), as pages link to it:
    built once for each file (and each address the portal is served under), as building
    addresses is a good part of a page's time. The files are the portal's own, so they change
    only with a new release."""
    return _asset_url(request.script_root, filename)


@lru_cache(maxsize=256)
def _asset_url(_script_root: str, filename: str) -> str:
    version = file_version(Path(current_app.static_folder or "") / filename)
    return url_for("static", filename=filename, v=version)  # no version: a missing file


def keep_for_a_year(response: Response) -> None:
    """The address names this exact content, so it never needs checking again."""
    response.cache_control.no_cache = None
    response.cache_control.public = True
    response.cache_control.max_age = YEAR
    response.cache_control.immutable = True


def file_version(path: Path) -> str | None:
    """The first 12 hex digits of the file's SHA-256; read again only when the file changes."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _hash(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=1024)
def _hash(path: Path, _mtime_ns: int, _size: int) -> str:
    return content_version(path.read_bytes())


def send_compressed(response: Response, path: Path) -> None:
    """Swap a whole file's body for its compressed form, if the browser accepts one."""
    if response.status_code != 200 or response.mimetype not in COMPRESSIBLE:
        return
    encoding = request.accept_encodings.best_match(ENCODINGS)
    version = file_version(path)
    if encoding is None or version is None or "Content-Encoding" in response.headers:
        return
    body = _compressed(path, version, encoding)
    response.headers.add("Vary", "Accept-Encoding")
    if len(body) >= path.stat().st_size:
        return
    if hasattr(response.response, "close"):
        response.response.close()  # the open file Flask would have streamed
    response.direct_passthrough = False
    response.set_data(body)
    response.headers["Content-Encoding"] = encoding
    etag, _weak = response.get_etag()
    if etag:  # one meaning in every encoding, so a revalidation still matches
        response.set_etag(etag, weak=True)


@lru_cache(maxsize=4096)
def _compressed(path: Path, _version: str, encoding: str) -> bytes:
    data = path.read_bytes()
    if encoding == "br":
        return brotli.compress(data, quality=11 if len(data) < 512 * 1024 else 5)
    return gzip.compress(data, compresslevel=9, mtime=0)
