"""eSafety: a school's e-safety policies, agreements and lessons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The portal's Flask app. Imported lazily so the content core stays free of Flask."""
    from .web.app import build_app

    return build_app(config)
