"""Who may use each route. Every view declares its roles; a view that does not cannot start."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user

from ..models import PersonKind, StaffRole

ROLES = (PersonKind.PUPIL, PersonKind.PARENT, *StaffRole)
STAFF = tuple(StaffRole)
PUBLIC = "public"
View = TypeVar("View", bound=Callable[..., Any])


def allow(*roles: str) -> Callable[[View], View]:
    unknown = set(roles) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"

    def declare(view: View) -> View:
        view.allowed_roles = roles  # type: ignore[attr-defined]
        return view

    return declare


def public(view: View) -> View:
    view.allowed_roles = PUBLIC  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    app.before_request(_check_role)


def check_every_view_declares_roles(app: Flask) -> None:
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "allowed_roles")
    ]
    if undeclared:
        raise RuntimeError(f"routes with no declared roles: {', '.join(sorted(undeclared))}")


def _check_role():
    view = current_view()
    roles = getattr(view, "allowed_roles", PUBLIC) if view else PUBLIC
    if roles == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in", next=here()))
    if current_user.role not in roles:
        abort(403)
    return None


def here() -> str:
    """This page's path as the browser sees it, for coming back after signing in: with the
    prefix the portal is mounted under (/portal), which `request.full_path` leaves out."""
    return request.script_root + request.full_path.rstrip("?")


def current_view() -> Callable[..., Any] | None:
    from flask import current_app

    return current_app.view_functions.get(request.endpoint) if request.endpoint else None
