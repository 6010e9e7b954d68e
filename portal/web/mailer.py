"""The outbox sender (services/mail_sender.py) with the portal's settings: its sessions, its
mail server, its From address and its key."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from ..services.mail import Transport
from ..services.mail_sender import Sender, configured_transport
from .runtime import runtime


def mail_sender(app: Flask, transport: Transport | None = None) -> Sender:
    """Sends with `transport`, or the one ESAFETY_SMTP_URL names (in demo mode without one,
    .eml files in the instance folder's mail/ folder): built now, so a bad setting fails at
    start, not silently."""
    if transport is None:
        demo_folder = Path(app.instance_path) / "mail" if app.config["DEMO"] else None
        transport = configured_transport(app.config["SMTP_URL"], demo_folder)
    return Sender(
        runtime(app).sessions,
        transport,
        mail_from=app.config["MAIL_FROM"],
        secret_key=app.config["SECRET_KEY"],
    )
