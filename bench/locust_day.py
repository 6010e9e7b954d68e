"""Locust users for bench/school_day.py: a school day with everyone at once.

- Pupils take quizzes exactly as in bench/locust_quiz.py (signed in once, 5 to 15 seconds of
  thought before each answer).
- Parents and carers arrive over the first 40% of the measured time, each once: they open the
  sign-in link from the school's email (or type the code from their letter), look at their home
  page, read the agreements, talk them through, then agree once for all their children and see
  the receipt.
- The ICT lead, signed in already (their two-factor sign-in happened before the run), reloads the
  coverage dashboard and the agreements status page every few seconds.

The measured time starts once every pupil has signed in: statistics are reset then, and the run
ends BENCH_SECONDS later. Problems before that (a pupil's sign-in failing) would be wiped out
by the reset, so they are counted separately and written to BENCH_SUMMARY with the parents'
progress.
"""

import json
import os
import random
import re
from http.cookiejar import Cookie
from urllib.parse import urlsplit

import gevent
from gevent.event import Event
from locust import FastHttpUser, between, events, task
from locust_quiz import QuizTaker

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SHOWN = re.compile(r'name="shown" type="hidden" value="([^"]*)"')
TALKED = re.compile(r'name="(talked_\d+)"')
PUPILS = int(os.environ.get("BENCH_PUPILS", "600"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "120"))
PARENTS = json.loads(os.environ.get("BENCH_PARENTS", "[]"))
ICT_COOKIE = os.environ.get("BENCH_ICT_COOKIE", "")
SUMMARY = os.environ.get("BENCH_SUMMARY", "")
AGREEMENTS = ("parent-agreement", "pupil-aup-4-7", "pupil-aup-7-11")
# Each request on its own connection, as nginx passes requests to gunicorn (docs/administrators.md).
# Straight to gunicorn with keep-alive, a request sent just as gunicorn closes an idle connection
# (after its 2-second keep-alive) is reset; browsers resend it, locust does not.
BEHIND_NGINX = {"Connection": "close"}

everyone_in = Event()
progress = {"pupils signed in": 0, "pupil sign-ins failed": 0, "parents signed": 0}
_environment = None
_next_parent = iter(range(10**9))


@events.init.add_listener
def _remember(environment, **_kwargs) -> None:
    global _environment
    _environment = environment


@events.quit.add_listener
def _write_summary(**_kwargs) -> None:
    if SUMMARY:
        with open(SUMMARY, "w") as summary:
            json.dump(progress | {"measured": everyone_in.is_set()}, summary)


def _signed_in(ok: bool) -> None:
    """A pupil has signed in (or failed to); the last one starts the measured time."""
    progress["pupils signed in" if ok else "pupil sign-ins failed"] += 1
    if sum(progress[k] for k in ("pupils signed in", "pupil sign-ins failed")) == PUPILS:
        _environment.runner.stats.reset_all()
        everyone_in.set()
        gevent.spawn_later(SECONDS, _environment.runner.quit)


class Pupil(QuizTaker):
    fixed_count = PUPILS
    default_headers = BEHIND_NGINX

    def on_start(self) -> None:
        super().on_start()
        home = self.client.get("/pupils/", name="(setting up: pupil home)")
        _signed_in(home.status_code == 200 and "/sign-in" not in home.url)


class Parent(FastHttpUser):
    """One parent or carer, who signs once during the measured time."""

    fixed_count = len(PARENTS)
    default_headers = BEHIND_NGINX
    wait_time = between(1, 2)  # unused: each parent does their one visit and stays

    def on_start(self) -> None:
        self.me = PARENTS[next(_next_parent) % len(PARENTS)]

    def think(self, low: float, high: float) -> None:
        gevent.sleep(random.uniform(low, high))

    def post(self, path: str, page_text: str, name: str, **data):
        return self.client.post(
            path,
            name=name,
            data={"csrf_token": TOKEN.search(page_text).group(1), **data},
            headers={"Referer": f"{self.host}{path}"},
            allow_redirects=False,
            catch_response=True,
        )

    def sign_in(self) -> None:
        if self.me["how"] == "link":
            path = f"/parents/link/{self.me['token']}"
            page = self.client.get(path, name="parent: open the emailed link")
            self.think(2, 5)
            with self.post(path, page.text, "parent: continue (signs in)") as response:
                if response.status_code != 302:
                    response.failure(f"link sign-in answered {answer(response)}")
        else:
            page = self.client.get("/parents/sign-in", name="parent: sign-in page")
            self.think(5, 15)  # typing the code from the letter
            name = "parent: letter code (signs in)"
            with self.post("/parents/sign-in", page.text, name, code=self.me["code"]) as response:
                if response.status_code != 302:
                    response.failure(f"letter code answered {answer(response)}")

    @task
    def sign_once(self) -> None:
        everyone_in.wait()
        self.think(0, 0.4 * SECONDS)  # when they open the email or find the letter
        self.sign_in()
        self.client.get("/parents/", name="parent: home")
        self.think(2, 5)
        page = self.client.get("/agreements/family", name="parent: read the agreements")
        self.think(0.1 * SECONDS, 0.25 * SECONDS)  # reading, and talking it through
        talked = {field: "y" for field in TALKED.findall(page.text)}
        shown = SHOWN.search(page.text).group(1)
        name = "parent: I agree (records and commits)"
        form = {"shown": shown, "signed_name": self.me["name"], **talked}
        with self.post("/agreements/family", page.text, name, **form) as response:
            if not response.headers.get("Location", "").endswith("/agreements/done"):
                response.failure(f"signing answered {answer(response)}")
                return
        with self.client.get(
            "/agreements/done", name="parent: receipt", catch_response=True
        ) as receipt:
            if "You have agreed" not in receipt.text:
                receipt.failure("no receipt")
                return
        progress["parents signed"] += 1
        while True:  # done: they close the page
            gevent.sleep(3600)


class IctLead(FastHttpUser):
    """The ICT lead, keeping an eye on coverage and on who has signed."""

    fixed_count = 1
    default_headers = BEHIND_NGINX
    wait_time = between(3, 6)

    def on_start(self) -> None:
        host = urlsplit(self.host).hostname
        self.client.cookiejar.set_cookie(session_cookie(host, ICT_COOKIE))
        self.agreements = iter(AGREEMENTS * 10**6)
        everyone_in.wait()

    @task
    def dashboard(self) -> None:
        self.client.get("/coverage/", name="ICT lead: coverage dashboard")

    @task
    def status(self) -> None:
        agreement = next(self.agreements)
        self.client.get(
            f"/agreements/status?agreement={agreement}", name="ICT lead: agreements status"
        )


def answer(response) -> str:
    """The status, or for no answer at all, what went wrong (a reset, a timeout)."""
    return str(response.status_code) if response.status_code else repr(response.error)


def session_cookie(host: str, value: str) -> Cookie:
    return Cookie(
        *(0, "esafety_session", value, None, False, host, False, False, "/", True),
        *(False, None, False, None, None, {}),
    )
