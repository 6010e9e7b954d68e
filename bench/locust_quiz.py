"""Locust users for bench/quiz_load.py: pupils who sign in (counted: the morning's burst),
then take quizzes again and again (start, answer every question, finish), as a class does in
a lesson. The server runs for real use, so its session cookie is marked Secure; over the
benchmark's plain HTTP each pupil carries it by hand, as a browser would over HTTPS."""

import os
import re
from pathlib import Path

from locust import FastHttpUser, between, constant, task

from portal.content import load_lessons

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
COOKIE = re.compile(r"((?:__Host-)?esafety_session=[^;]*)")
PUPILS = int(os.environ.get("BENCH_PUPILS", "600"))
PASSWORD = os.environ.get("BENCH_PASSWORD", "")
PREFIX = os.environ.get("BENCH_PREFIX", "")  # where the portal is on the server
CURRICULUM = load_lessons(Path(__file__).resolve().parent.parent / "curriculum")
_next_pupil = iter(range(10**9))


class QuizTaker(FastHttpUser):
    wait_time = between(5, 15)  # a pupil reads the question, thinks, then chooses

    def on_start(self) -> None:
        self.cookie = ""
        number = next(_next_pupil) % PUPILS
        page = self.get("/pupils/sign-in", "sign-in page")
        signed_in = self.post(
            "/pupils/sign-in",
            "sign in (password checked)",
            page.text,
            username=f"pupil{number}",
            password=PASSWORD,
        )
        if signed_in.status_code != 302:
            signed_in.failure(f"not signed in: {signed_in.status_code}")
        year = 3 + number % 7
        self.lesson = CURRICULUM.lessons_for(CURRICULUM.band_of_year(year).id)[0]

    def _keep_cookie(self, response):
        found = COOKIE.search(response.headers.get("Set-Cookie", ""))
        if found:
            self.cookie = found[1]
        return response

    def get(self, path: str, name: str):
        with self.client.get(
            PREFIX + path, name=name, headers={"Cookie": self.cookie}, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            return self._keep_cookie(response)

    def post(self, path: str, name: str, page_text: str, **data):
        token = TOKEN.search(page_text or "")
        with self.client.post(
            PREFIX + path,
            name=name,
            data={"csrf_token": token[1] if token else "", **data},
            headers={"Referer": f"{self.host}{PREFIX}{path}", "Cookie": self.cookie},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code}")
            return self._keep_cookie(response)

    @task
    def take_quiz(self) -> None:
        lesson = self.lesson
        last = f"/lessons/{lesson.id}/{len(lesson.sections)}"
        last_part = self.get(last, "read lesson page")
        started = self.post(f"/lessons/{lesson.id}/quiz", "start quiz", last_part.text)
        path = started.headers.get("Location", "").rsplit("/", 1)[0]
        path = path[path.find("/lessons/") :]  # without the prefix, as the others
        question = self.get(f"{path}/1", "question page")
        for number, item in enumerate(lesson.questions, start=1):
            self.wait()  # reading the question before answering it
            correct = min(item.correct_choices)
            self.post(f"{path}/{number}", "answer a question", question.text, choice=str(correct))
            feedback = self.get(f"{path}/{number}", "question page (feedback)")
            if number < len(lesson.questions):
                question = self.get(f"{path}/{number + 1}", "question page")
        self.post(f"{path}/done", "finish quiz", feedback.text)


class QuizTakerNoWait(QuizTaker):
    """The same pupils answering with no thought at all: the server's capacity."""

    wait_time = constant(0)
