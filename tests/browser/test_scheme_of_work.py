"""A six-year-old reads an illustrated lesson and takes its quiz with every picture loaded and
"Read it to me" starting and stopping; a teacher opens the notes and the whole-class view. On a
phone (390 px) and a desktop (1280 px), with axe-core on every page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.services import demo
from portal.web.runtime import runtime
from tests.browser.test_portal import Visit as PortalVisit
from tests.factories import PROJECT_ROOT, CurriculumTree, true_false

pytestmark = pytest.mark.browser

PICTURES = ["or-friend-box", "or-nana", "or-ask-grown-up", "or-press-yes", "or-cat"]
STORY = """## Story

![A tablet showing a game with a box in the middle](../../images/or-friend-box.svg)

Zainab is playing a farm game. A box pops up.

![Zainab's grandmother smiling beside her](../../images/or-nana.svg)

Zainab takes the tablet to Nana. They press No together.

## Key ideas

- Stop and ask before you press a button.

## What to do

- Ask a grown-up you trust.

## Who to tell

- Nana, a carer or your teacher.
"""


def picture_question(number: int) -> dict:
    options = [
        ("Ask a grown-up", "or-ask-grown-up", "A child talking to a grown-up"),
        ("Press Yes", "or-press-yes", "A finger pressing a big green tick"),
        ("Play with the cat", "or-cat", "A cat on a cushion"),
    ]
    return {
        "id": f"p{number}",
        "type": "picture-choice",
        "outcome": "or-ey-1",
        "text": "A box pops up. What should Zainab do first?",
        "options": [
            {
                "text": text,
                "image": f"images/{image}.svg",
                "alt": alt,
                "correct": index == 0,
                "feedback": "Yes! A grown-up can help."
                if index == 0
                else "Not quite. Zainab should ask first.",
            }
            for index, (text, image, alt) in enumerate(options)
        ],
    }


@pytest.fixture(scope="module")
def lessons(tmp_path_factory) -> Path:
    """One illustrated Year 1 lesson, with the project's own pictures."""
    tree = CurriculumTree(tmp_path_factory.mktemp("lessons-project"))
    for name in PICTURES:
        source = PROJECT_ROOT / "curriculum" / "images" / f"{name}.svg"
        (tree.folder / "images" / f"{name}.svg").write_bytes(source.read_bytes())
    tree.lesson(
        "ey-or-farm-game",
        title="The farm game",
        year_groups=[1],
        body=STORY,
        questions=[picture_question(1), picture_question(2)] + [true_false(n) for n in range(3, 6)],
        notes={"sensitive": True, "sensitive_reason": "A pupil may have been contacted."},
    )
    return tree.folder


@pytest.fixture
def app(database_url, policies_dir, portal_app, lessons):
    """The portal reading that lesson."""
    return portal_app(database_url, POLICIES_DIR=str(policies_dir), CURRICULUM_DIR=str(lessons))


# Headless Chromium has no voices: a stand-in records what the page asks it to say.
SPEECH_STUB = """
(() => {
  const calls = [];
  let words = null;
  window.__speech = calls;
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  const speech = {
    speak(utterance) { calls.push(["speak", utterance.text]); words = utterance; },
    cancel() {
      calls.push(["cancel"]);
      const ended = words;
      words = null;
      if (ended && ended.onerror) { setTimeout(() => ended.onerror({ error: "interrupted" }), 0); }
    },
    finish() {
      const ended = words;
      words = null;
      if (ended && ended.onend) { ended.onend({}); }
    },
    getVoices() { return []; },
    pause() {},
    resume() {},
  };
  Object.defineProperty(window, "speechSynthesis", { value: speech, configurable: true });
})();
"""


class Visit(PortalVisit):
    """A visit that also records speech and checks that every picture loaded."""

    def __init__(self, browser, viewport):
        super().__init__(browser, viewport)
        self.context.add_init_script(SPEECH_STUB)

    def check(self) -> None:
        """axe-core, and every picture on the page loaded."""
        self.page.wait_for_load_state("load")
        super().check()
        broken = self.page.eval_on_selector_all(
            "img",
            "images => images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)",
        )
        self.problems += [f"{self.page.url}: picture did not load: {src}" for src in broken]

    def pictures(self) -> int:
        return self.page.locator("main img").count()

    def speech(self) -> list:
        return self.page.evaluate("window.__speech")

    def read_aloud_starts_and_stops(self) -> str:
        """Press the first "Read it to me": it reads and shows it; pressed again, it stops.
        Returns what it read."""
        button = self.page.locator("button.read-aloud").first
        assert button.is_visible()
        assert button.get_attribute("aria-pressed") == "false"
        button.click()
        assert button.get_attribute("aria-pressed") == "true"
        assert button.inner_text().strip() == "Stop reading"
        said = [call for call in self.speech() if call[0] == "speak"]
        assert said, "nothing was read"
        button.click()
        assert button.get_attribute("aria-pressed") == "false"
        assert button.inner_text().strip() == "Read it to me"
        assert self.speech()[-1] == ["cancel"]
        # Reading to the end lets go of the button by itself.
        button.click()
        self.page.evaluate("window.speechSynthesis.finish()")
        assert button.get_attribute("aria-pressed") == "false"
        return said[-1][1]


def sign_in_as_teacher(visit: Visit, url: str) -> None:
    visit.page.goto(f"{url}/sign-in/staff")
    visit.page.get_by_label("Email address", exact=True).fill("teacher@oakfield.example.org")
    visit.page.get_by_label("Password", exact=True).fill(demo.STAFF_PASSWORD)
    visit.press_button("Sign in")


def test_a_six_year_old_reads_an_illustrated_lesson_and_takes_its_quiz(
    browser, portal_url, app, viewport
):
    url, sign_ins = portal_url
    child = next(name for name, _, _ in sign_ins.pupils if name.endswith(", Year 1"))
    first_name = child.split(",")[0].split()[0]
    lesson = runtime(app).curriculum.lesson("ey-or-farm-game")
    visit = Visit(browser, viewport)
    sign_in_as_teacher(visit, url)
    visit.follow("Open a class sign-in")
    visit.press_button("Open class sign-in for 1A")
    visit.check()
    assert "Tap your name." in visit.read_aloud_starts_and_stops()
    visit.page.get_by_role("link", name=re.compile(f"^{first_name}")).focus()
    with visit.page.expect_navigation():
        visit.page.keyboard.press("Enter")
    visit.check()
    visit.read_aloud_starts_and_stops()
    for picture in demo.PICTURES:
        visit.page.get_by_role("button", name=picture.capitalize(), exact=True).click()
    visit.press_button("Go")
    visit.check()
    visit.read_aloud_starts_and_stops()
    visit.follow("My lessons")
    visit.check()
    visit.follow("The farm game")
    visit.check()
    assert visit.pictures() == 2  # the picture book: a picture with each part of the story
    assert "Zainab is playing a farm game." in visit.read_aloud_starts_and_stops()
    for _ in lesson.sections[1:]:
        visit.follow("Next")
        visit.check()
    visit.press_button("Start the quiz")
    for number, question in enumerate(lesson.questions, start=1):
        visit.check()
        if question.type == "picture-choice":
            assert visit.pictures() == 3
        [right] = question.correct_choices
        visit.page.locator(f'input[name="choice"][value="{right}"]').check()
        visit.press_button("Check my answer")
        assert "That's right!" in visit.page.content()
        visit.check()
        if number < len(lesson.questions):
            visit.follow("Next question")
    visit.press_button("See how I did")
    assert visit.page.get_by_role("heading", level=1).inner_text() == "Well done!"
    visit.check()
    assert "You got 5 out of 5 right." in visit.read_aloud_starts_and_stops()
    visit.close()
    assert visit.problems == []


def test_a_teacher_opens_the_notes_and_the_whole_class_view(browser, portal_url, viewport):
    url, _ = portal_url
    visit = Visit(browser, viewport)
    sign_in_as_teacher(visit, url)
    visit.page.goto(f"{url}/lessons/scheme")
    visit.check()
    assert "Year 1: 1 lesson" in visit.page.content()
    visit.follow("The farm game")
    visit.check()
    warning = visit.page.get_by_role("note")
    assert (
        "Tell your DSL before you teach this; some pupils may be affected" in warning.inner_text()
    )
    assert visit.page.get_by_role("button", name="Print the notes").is_visible()
    visit.page.emulate_media(media="print")
    assert not visit.page.get_by_role("button", name="Print the notes").is_visible()
    assert not visit.page.locator("header").is_visible()
    visit.page.emulate_media(media="screen")
    visit.follow("Teach it to the whole class")
    visit.check()
    assert visit.pictures() == 2
    assert visit.page.get_by_role("heading", level=1).inner_text() == "The farm game"
    assert visit.page.get_by_role("button", name="Print the lesson").is_visible()
    visit.close()
    assert visit.problems == []
