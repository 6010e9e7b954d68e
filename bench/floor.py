"""The floor: the least a portal page can cost with the portal's own libraries, served the same
way as the portal. Beside bench/hello.py (the ceiling), it shows how much of a page's cost is
the stack itself and how much is the portal's.

- `/form`: an anonymous page with a form, as the sign-in page is: a Jinja page whose form
  carries a Flask-WTF CSRF token (so the visitor gets a signed session cookie).
- `/signed-in`: a signed-in pupil's page, as a lesson page is: Flask-Login reads the portal's
  own session cookie, one SQLAlchemy query finds the live session and its pupil by the token's
  hash, and the page shows their name and a form with a CSRF token.

Nothing else: no security headers, no school, no layout. ESAFETY_DATABASE_URL and
ESAFETY_SECRET_KEY must be the portal's, so that its cookie is read here.
"""

from __future__ import annotations

import os

from flask import Flask, render_template
from flask_login import LoginManager, UserMixin, login_required
from flask_wtf.csrf import CSRFProtect
from jinja2 import DictLoader
from sqlalchemy import and_, bindparam, select

from portal.db import make_engine, make_session_factory
from portal.models import LoginSession, Pupil
from portal.services.tokens import token_hash
from portal.web.app import session_cookie_name

PAGE = """<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
<main>
  <h1>{{ title }}</h1>
  {% if current_user.is_authenticated %}<p>{{ current_user.pupil.first_name }}</p>{% endif %}
  <form method="post">
    <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
    <label for="answer">Answer</label>
    <input id="answer" name="answer" type="text" required>
    <button type="submit">Send</button>
  </form>
</main>
</body>
</html>"""

app = Flask(__name__)
app.config.update(
    SECRET_KEY=os.environ["ESAFETY_SECRET_KEY"],
    SESSION_COOKIE_NAME=session_cookie_name(secure=True),
)
app.jinja_loader = DictLoader({"page.html": PAGE})
CSRFProtect(app)
login = LoginManager(app)
sessions = make_session_factory(make_engine(os.environ["ESAFETY_DATABASE_URL"]))

# A live session's pupil, by the hash of the token in the cookie: one statement.
LIVE_SESSION = (
    select(Pupil)
    .join(
        LoginSession,
        and_(LoginSession.principal_type == "pupil", LoginSession.principal_id == Pupil.id),
    )
    .where(LoginSession.token_hash == bindparam("token_hash"))
)


class SignedIn(UserMixin):
    def __init__(self, pupil: Pupil, token: str):
        self.pupil = pupil
        self.token = token

    def get_id(self) -> str:
        return self.token


@login.user_loader
def load(token: str) -> SignedIn | None:
    with sessions() as db:
        pupil = db.scalars(LIVE_SESSION, {"token_hash": token_hash(token)}).first()
    return None if pupil is None else SignedIn(pupil, token)


@app.get("/form")
def form() -> str:
    return render_template("page.html", title="Sign in")


@app.get("/signed-in")
@login_required
def signed_in() -> str:
    return render_template("page.html", title="Your lesson")
