"""Locust users for bench/quiz_load.py: pupils signed in once, then taking quizzes again and
again (start, answer every question, finish), as a class does in a lesson."""

import os
import re
from pathlib import Path

from locust import FastHttpUser, between, task

from portal.content import load_lessons

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PUPILS = int(os.environ.get("BENCH_PUPILS", "600"))
PASSWORD = os.environ.get("BENCH_PASSWORD", "")
CURRICULUM = load_lessons(Path(__file__).resolve().parent.parent / "curriculum")
_next_pupil = iter(range(10**9))


class QuizTaker(FastHttpUser):
    wait_time = between(5, 15)  # a pupil reads the question, thinks, then chooses

    def on_start(self) -> None:
        number = next(_next_pupil) % PUPILS
        page = self.client.get("/pupils/sign-in", name="(setting up: sign-in page)")
        self.client.post(
            "/pupils/sign-in",
            name="(setting up: sign-in)",
            data={
                "csrf_token": TOKEN.search(page.text).group(1),
                "username": f"pupil{number}",
                "password": PASSWORD,
            },
            headers={"Referer": f"{self.host}/pupils/sign-in"},
        )
        year = 3 + number % 7
        self.lesson = CURRICULUM.lessons_for(CURRICULUM.band_of_year(year).id)[0]

    def post(self, path: str, name: str, page_text: str, **data) -> object:
        token = TOKEN.search(page_text).group(1)
        return self.client.post(
            path,
            name=name,
            data={"csrf_token": token, **data},
            headers={"Referer": f"{self.host}{path}"},
        )

    @task
    def take_quiz(self) -> None:
        lesson = self.lesson
        last_part = self.client.get(
            f"/lessons/{lesson.id}/{len(lesson.sections)}", name="read lesson page"
        )
        question = self.post(f"/lessons/{lesson.id}/quiz", "start quiz", last_part.text)
        attempt_url = question.url.rsplit("/", 1)[0]
        path = attempt_url[attempt_url.index("/lessons/") :]
        for number, item in enumerate(lesson.questions, start=1):
            self.wait()  # reading the question before answering it
            correct = min(item.correct_choices)
            feedback = self.post(
                f"{path}/{number}", "answer a question", question.text, choice=str(correct)
            )
            if number < len(lesson.questions):
                question = self.client.get(f"{path}/{number + 1}", name="question page")
        self.post(f"{path}/done", "finish quiz", feedback.text)
