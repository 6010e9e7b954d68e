"""The site and the portal agree on which version is in force, whatever day the site was built.

The site's pages mark each day-dependent part with the days it is true between, and
docs/javascripts/in-force.js shows the parts true on the reader's day (run here with Node.js).
The portal asks people to sign the version `agreements.rules` finds for the day. These tests build
the pages on one day and read them on days either side of a version's start date.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portal.content import calendar
from portal.content import load_content
from portal.content.pages import site_pages
from portal.services import agreements
from tests.factories import catalogue_of

PROJECT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT / "docs" / "javascripts" / "in-force.js"
BUILT_ON = dt.date(2026, 12, 2)  # the demo's "today": before the January versions start
START = dt.date(2027, 1, 4)  # when the January 2027 versions come into force
NODE = shutil.which("node") or shutil.which("nodejs")

pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js runs the site's in-force script")


def node(code: str, *args: str) -> object:
    script = f"const inForce = require({json.dumps(str(SCRIPT))});\n{code}"
    result = subprocess.run(
        [NODE, "-e", script, *args], capture_output=True, text=True, check=True, timeout=30
    )
    return json.loads(result.stdout)


class Marked(HTMLParser):
    """Every element carrying data-shown-from/-until, with its version (if any) and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict] = []
        self.open: list[dict | None] = []
        self.version: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        if "data-version" in values:
            self.version = values["data-version"]
        if "data-shown-from" in values or "data-shown-until" in values:
            item = {
                "from": values.get("data-shown-from"),
                "until": values.get("data-shown-until"),
                "version": self.version,
                "css": values.get("class") or "",
                "text": "",
            }
            self.items.append(item)
            self.open.append(item)
        elif tag in ("span", "div", "p"):
            self.open.append(None)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("span", "div", "p") and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for item in self.open:
            if item is not None:
                item["text"] += data


def seen_on(markdown: str, day: dt.date) -> list[dict]:
    """The marked parts the reader's browser shows on `day`, worked out by in-force.js."""
    parser = Marked()
    parser.feed(markdown)
    spans = [[item["from"], item["until"]] for item in parser.items]
    shown = node(
        "const [spans, today] = [JSON.parse(process.argv[1]), process.argv[2]];\n"
        "console.log(JSON.stringify(spans.map(([f, u]) => inForce.shownOn(f, u, today))));",
        json.dumps(spans),
        day.isoformat(),
    )
    return [item for item, visible in zip(parser.items, shown, strict=True) if visible]


def site_in_force(pages: dict[str, str], slug: str, day: dt.date) -> str | None:
    """The version the policy's page calls current on `day`, in the reader's browser."""
    current = [
        item["version"]
        for item in seen_on(pages[f"policies/{slug}/index.md"], day)
        if "status-current" in item["css"]
    ]
    assert len(current) <= 1, current
    return current[0] if current else None


@pytest.fixture
def policies_dir():
    """The demo school's own policies."""
    return PROJECT / "policies"


@pytest.fixture(scope="module")
def content():
    return load_content(PROJECT / "policies")


@pytest.mark.parametrize("day", [START - dt.timedelta(days=1), START, START.replace(month=3)])
def test_the_site_built_earlier_and_the_portal_agree_on_every_policy(app, db, content, day):
    pages = site_pages(content, BUILT_ON, "https://portal.example.org")
    asked = {
        rule.policy.slug: rule.current.version for rule in agreements.rules(catalogue_of(app), day)
    }
    for policy in content.policies:
        seen = site_in_force(pages, policy.slug, day)
        assert seen == (policy.current(day).version if policy.current(day) else None)
        if policy.accepted_by:
            assert seen == asked[policy.slug], policy.slug


def test_the_january_versions_take_over_on_their_start_day_and_not_before(content):
    pages = site_pages(content, BUILT_ON, "https://portal.example.org")
    before, on = START - dt.timedelta(days=1), START
    for slug, old, new in [
        ("e-safeguarding", "2026.09", "2027.01"),
        ("staff-aup", "2026.09", "2027.01"),
        # Corrected before its start: the correction, starting the same day, is what is shown.
        ("parent-agreement", "2026.09", "2027.01.1"),
        ("visitor-aup", "2025.09", "2027.01"),
    ]:
        assert site_in_force(pages, slug, before) == old
        assert site_in_force(pages, slug, on) == new


def test_a_version_corrected_before_its_first_day_is_never_announced_or_in_force(content):
    """The parent agreement's 2027.01 was replaced by 2027.01.1, starting the same day."""
    pages = site_pages(content, BUILT_ON, "https://portal.example.org")
    before, on = START - dt.timedelta(days=1), START
    current = pages["policies/parent-agreement/index.md"]
    for day in (before, on):
        announced = " ".join(item["text"] for item in seen_on(current, day))
        assert "Version 2027.01.1" in announced
        assert "Version 2027.01 " not in announced
    corrected = pages["policies/parent-agreement/2027.01/index.md"]
    assert "This version never came into force" in corrected  # on every day alike
    assert "never: version 2027.01.1 replaced it before its first day" in corrected
    for day in (before, on):
        shown_then = " ".join(item["text"] for item in seen_on(corrected, day))
        assert "Not yet in force" not in shown_then
        assert "current version" not in shown_then
        assert "Read and sign online" not in shown_then
    assert 'data-version="2027.01">Corrected before its start</span>' in current


def test_the_sign_link_and_banners_follow_the_day_not_the_build(content):
    pages = site_pages(content, BUILT_ON, "https://portal.example.org")
    new = pages["policies/staff-aup/2027.01/index.md"]
    old = pages["policies/staff-aup/2026.09/index.md"]
    before, on = START - dt.timedelta(days=1), START

    def texts(markdown, day):
        return " ".join(item["text"] for item in seen_on(markdown, day))

    assert "Not yet in force" in texts(new, before)
    assert "Read and sign online" not in texts(new, before)
    assert "Read and sign online" in texts(old, before)
    assert "This is the current version" in texts(new, on)
    assert "Read and sign online" in texts(new, on)
    assert "Read and sign online" not in texts(old, on)
    assert "This version has been replaced" in texts(old, on)
    current = pages["policies/staff-aup/index.md"]
    assert "comes into force on 4 January 2027" in texts(current, before)
    assert "has been in force since 4 January 2027" in texts(current, on)


def test_a_rebuild_on_any_day_says_the_same_as_the_earlier_build(content):
    for day in (START - dt.timedelta(days=1), START):
        early = site_pages(content, BUILT_ON, "")
        rebuilt = site_pages(content, day, "")
        for policy in content.policies:
            assert site_in_force(early, policy.slug, day) == site_in_force(
                rebuilt, policy.slug, day
            )


@pytest.mark.parametrize(
    "instant",
    [
        dt.datetime(2027, 1, 3, 23, 30),  # winter: England is on UTC
        dt.datetime(2027, 6, 30, 23, 30),  # summer: England is an hour ahead
    ],
)
def test_the_browser_uses_the_portals_clock(instant):
    day = node(
        "console.log(JSON.stringify(inForce.schoolToday(new Date(process.argv[1]))));",
        instant.isoformat() + "Z",
    )
    assert day == calendar.school_today(instant).isoformat()
