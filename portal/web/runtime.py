"""The portal's Runtime (portal/runtime.py) kept on its Flask app, under one key, and read back
typed: `runtime()` inside a request, `runtime(app)` outside one."""

from __future__ import annotations

from flask import Flask, current_app

from ..runtime import Runtime

_KEY = "esafety"


def install(app: Flask, parts: Runtime) -> None:
    app.extensions[_KEY] = parts


def runtime(app: Flask | None = None) -> Runtime:
    parts = (app or current_app).extensions[_KEY]
    assert isinstance(parts, Runtime)
    return parts
