"""The site's generated pages for a small fixed content tree, compared whole with the files kept
in tests/content/golden/, so any change in what readers see shows as a diff in review.

After an intended change, write the files again and read the diff before committing:

    ESAFETY_UPDATE_GOLDEN=1 PYTHONPATH=$PWD .venv/bin/pytest tests/content/test_pages_golden.py

A page no longer made has its file removed, and a new page gets one.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from pathlib import Path

import pytest

from portal.content.pages import site_pages
from tests.factories import ContentTree

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("ESAFETY_UPDATE_GOLDEN") == "1"
BUILT_ON = dt.date(2026, 12, 2)  # after the 2026.09 versions start, before the 2027.01 ones
PORTAL_URL = "https://portal.example.org"

FIRST = """## Rules

Be kind online. Tell a grown-up if something online worries you.

## Devices

Use school tablets only in lessons.
"""
SECOND = """## Rules

Be kind online. Tell a trusted adult if something online worries you.

## Devices

Use school tablets only in lessons. Phones stay in bags all day.
"""
NEXT_YEAR = SECOND.replace("all day.", "all day.\n\n## Photos\n\nAsk before you take one.\n")


def write_tree(root: Path) -> ContentTree:
    """Two policies: one with a superseded version, a current one amended in a minor way and a
    coming one; one whose coming version was corrected before its first day. A glossary term
    and two tables."""
    tree = ContentTree(root)
    tree.write_yaml(
        tree.policies / "glossary.yml",
        [{"term": "AUP", "stands_for": "Acceptable use policy", "meaning": "Rules to sign."}],
    )
    tree.policy("rules", title="Class rules", summary="How we use computers.")
    tree.version("2025.09", FIRST, slug="rules")
    tree.version("2026.09", SECOND, slug="rules", changes="Trusted adult; phones in bags.")
    tree.version(
        "2026.09.1",
        SECOND.replace("all day", "all school day"),
        slug="rules",
        effective_from=dt.date(2026, 11, 2),
        changes="Phones stay in bags all school day.",
        minor="One word, to say when.",
    )
    tree.version(
        "2027.01",
        NEXT_YEAR,
        slug="rules",
        effective_from=dt.date(2027, 1, 4),
        changes="A rule about photos.",
    )
    tree.policy(
        "staff-aup",
        title="Staff AUP",
        summary="What staff agree to.",
        audience="Staff",
        order=20,
        accepted_by=["staff"],
    )
    staff = "## Email\n\nUse your school account for school work.\n"
    tree.version("2026.09", staff, slug="staff-aup")
    starts = {"effective_from": dt.date(2027, 1, 4), "approved_on": dt.date(2026, 11, 1)}
    tree.version("2027.01", staff + "\nLock your screen.\n", slug="staff-aup", **starts)
    corrected = staff + "\nLock your screen when you leave it.\n"
    tree.version("2027.01.1", corrected, slug="staff-aup", changes="Clearer wording.", **starts)
    tree.table(
        "risk",
        kind="risk-assessment",
        title="Risks",
        intro="How we score risks.",
        rows=[
            {"threat": "Lost laptop", "impact": 2, "likelihood": 3, "action": "Encrypt it"},
            {"threat": "Shared password", "impact": 3, "likelihood": 1, "action": "Teach"},
        ],
    )
    tree.table(
        "comms",
        kind="communication",
        title="Technology",
        intro="Who may use what.",
        rows=[
            {
                "technology": "Phones",
                "staff": "allowed",
                "primary": "not-allowed",
                "secondary": "allowed",
            }
        ],
    )
    tree.publish()
    return tree


def test_every_generated_page_is_as_kept(tmp_path):
    pages = site_pages(write_tree(tmp_path).load(), BUILT_ON, PORTAL_URL)
    kept = {str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*.md")} if GOLDEN.exists() else set()
    if UPDATE:
        for page in kept - set(pages):
            (GOLDEN / page).unlink()
        for page, markdown in pages.items():
            (GOLDEN / page).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / page).write_text(markdown, encoding="utf-8")
        return
    assert sorted(pages) == sorted(kept), "pages made and files kept differ (see the docstring)"
    differences = []
    for page, markdown in sorted(pages.items()):
        expected = (GOLDEN / page).read_text(encoding="utf-8")
        if markdown != expected:
            differences += difflib.unified_diff(
                expected.splitlines(keepends=True),
                markdown.splitlines(keepends=True),
                f"kept/{page}",
                f"made/{page}",
            )
    if differences:
        pytest.fail("".join(differences) + "\n(see the docstring to accept the change)")


def test_a_changed_page_shows_as_a_diff_naming_it(tmp_path, monkeypatch):
    """The comparison itself: one word changed in a kept copy fails with a readable diff."""
    monkeypatch.setattr("tests.content.test_pages_golden.UPDATE", False)
    copy = tmp_path / "golden"
    for path in GOLDEN.rglob("*.md"):
        target = copy / path.relative_to(GOLDEN)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    page = copy / "policies" / "rules" / "index.md"
    page.write_text(page.read_text(encoding="utf-8").replace("Class rules", "Klass rules", 1))
    monkeypatch.setattr("tests.content.test_pages_golden.GOLDEN", copy)
    with pytest.raises(pytest.fail.Exception) as failed:
        test_every_generated_page_is_as_kept(tmp_path / "tree")
    message = str(failed.value)
    assert "--- kept/policies/rules/index.md\n+++ made/policies/rules/index.md\n" in message
    assert "\n-# Klass rules\n+# Class rules\n" in message
    assert "kept/policies/index.md" not in message  # only the changed page is shown
