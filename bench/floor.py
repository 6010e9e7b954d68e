"""The floor: the least a portal page can cost with the portal's own libraries, served the same
way as the portal. Beside bench/hello.py (the ceiling), it shows how much of a page's cost is
the stack itself and how much is the portal's.

- `/form`: an anonymous page with a form, as the sign-in page is: a Jinja page whose form
  carries a Flask-WTF CSRF token (so the visitor gets a signed session cookie).
- `/signed-in`: a signed-in pupil's page, as a lesson page is: Flask-Login reads the portal's
  own session cookie, the portal's `resume_session` finds the live session and its pupil (one
  query), and the page shows their name and a form with a CSRF token.

Nothing else: no security headers, no layout. The settings (ESAFETY_DATABASE_URL,
ESAFETY_SECRET_KEY, the session limits) are read as the portal reads them, so that its cookie
and sessions are honoured here.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, render_template
from flask_login import LoginManager, login_required
from flask_wtf.csrf import CSRFProtect
from jinja2 import DictLoader

from portal.db import make_engine, make_session_factory
from portal.services.sessions import resume_session
from portal.settings import setting
from portal.web.app import session_cookie_name
from portal.web.login import SignedIn

PAGE = """<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
<main>
  <h1>{{ title }}</h1>
  {% if current_user.is_authenticated %}<p>{{ current_user.principal.first_name }}</p>{% endif %}
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
    SECRET_KEY=setting("SECRET_KEY"),
    SESSION_COOKIE_NAME=session_cookie_name(secure=True),
)
app.jinja_loader = DictLoader({"page.html": PAGE})
CSRFProtect(app)
login = LoginManager(app)
sessions = make_session_factory(make_engine(setting("DATABASE_URL")))
IDLE = dt.timedelta(hours=setting("SESSION_HOURS"))
MAX_AGE = dt.timedelta(hours=setting("SESSION_MAX_HOURS"))


@login.user_loader
def load(token: str) -> SignedIn | None:
    with sessions() as db:
        resumed = resume_session(db, token, IDLE, MAX_AGE)
    return None if resumed is None else SignedIn(resumed.principal, token, resumed.school_name)


@app.get("/form")
def form() -> str:
    return render_template("page.html", title="Sign in")


@app.get("/signed-in")
@login_required
def signed_in() -> str:
    return render_template("page.html", title="Your lesson")
