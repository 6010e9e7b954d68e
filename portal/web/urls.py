"""Addresses for emails: what people type or click, from the PUBLIC_URL setting."""

from __future__ import annotations

import datetime as dt

from flask import current_app, request, url_for

from ..services.links import LinkTerms


def public_url(endpoint: str, **values) -> str:
    """The address people use, from PUBLIC_URL, without doubling a prefix the portal is
    mounted under (PUBLIC_URL already ends with it)."""
    path = url_for(endpoint, **values)
    path = path.removeprefix(request.script_root) if request.script_root else path
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def link_terms(hours: int) -> LinkTerms:
    return LinkTerms(dt.timedelta(hours=hours), current_app.config["SECRET_KEY"])


def how_long(hours: int) -> str:
    if hours % 24 == 0 and hours >= 48:
        return f"{hours // 24} days"
    return "1 hour" if hours == 1 else f"{hours} hours"
