"""Reading queued emails as they will be sent: the outbox keeps a link's token out of the
stored body, and the sender makes it from the nonce and the portal's secret key."""

from __future__ import annotations

from flask import Flask

from portal.models import OutboxMessage
from portal.services.mail import rendered_body


def sent_body(app: Flask, message: OutboxMessage) -> str:
    return rendered_body(message, app.config["SECRET_KEY"])
