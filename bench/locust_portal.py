"""Locust users for bench/portal_load.py: staff signing in, and signed-in staff reading a page."""

import os
import random
import re

from locust import FastHttpUser, between, task

STAFF_COUNT = int(os.environ.get("BENCH_STAFF", "200"))
PASSWORD = os.environ.get("BENCH_PASSWORD", "benchmark staff password")
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class SigningIn(FastHttpUser):
    """Opens the sign-in page and signs in, again and again."""

    wait_time = between(0, 0.1)

    @task
    def sign_in(self) -> None:
        number = random.randrange(STAFF_COUNT)
        page = self.client.get("/sign-in/staff", name="sign-in page")
        token = TOKEN.search(page.text).group(1)
        self.client.post(
            "/sign-in/staff",
            data={
                "csrf_token": token,
                "email": f"staff{number}@bench.example",
                "password": PASSWORD,
            },
            headers={"Referer": f"{self.host}/sign-in/staff"},
            allow_redirects=False,
            name="sign-in (password checked)",
        )
        self.client.cookiejar.clear()


class SignedIn(FastHttpUser):
    """Signs in once, then reads the staff home page."""

    wait_time = between(0, 0.1)

    def on_start(self) -> None:
        page = self.client.get("/sign-in/staff", name="(setting up: sign-in page)")
        token = TOKEN.search(page.text).group(1)
        number = random.randrange(STAFF_COUNT)
        self.client.post(
            "/sign-in/staff",
            data={
                "csrf_token": token,
                "email": f"staff{number}@bench.example",
                "password": PASSWORD,
            },
            headers={"Referer": f"{self.host}/sign-in/staff"},
            name="(setting up: sign-in)",
        )

    @task
    def staff_home(self) -> None:
        self.client.get("/staff/", name="staff home, signed in")


class Hello(FastHttpUser):
    """The bare Flask ceiling."""

    wait_time = between(0, 0.1)

    @task
    def hello(self) -> None:
        self.client.get("/", name="hello (bare Flask)")
