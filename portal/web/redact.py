"""Addresses with a sign-in or reset token in them, made safe to log or store."""

from __future__ import annotations

import re

# /parents/link/<token> and /password/reset/<token>, wherever the portal is mounted
TOKEN_IN_PATH = re.compile(r"(/parents/link/|/password/reset/)[^/?#\s]+")


def redacted_path(path: str) -> str:
    return TOKEN_IN_PATH.sub(r"\1[token]", path)


def redacted_request_handler():
    """werkzeug's request handler, logging each request line with its token taken out."""
    from werkzeug.serving import WSGIRequestHandler

    class RedactingRequestHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            self.requestline = redacted_path(self.requestline)
            super().log_request(code, size)

    return RedactingRequestHandler
