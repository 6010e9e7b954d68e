"""A running portal takes up changed policies without a restart: a newly published version, a
policy nobody is asked to sign any more and a new audience are asked for at the next look at
the folder (POLICY_CHECK_SECONDS after the change at the latest). Files with problems, or a
change to a version people signed, are not taken up: the portal goes on with what it had,
and logs the problem with its file and line."""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from portal.content.loader import folder_state
from portal.models import AuditEvent, PolicyVersionRecord
from portal.services.agreements import rules
from portal.services.live_catalogue import LiveCatalogue
from portal.web.runtime import runtime
from tests.conftest import TODAY
from tests.factories import ContentTree, make_pupil, make_school, sign_in_as
from tests.live_server import SHOWN, TOKEN, Browser, Gunicorn, portal_settings, session_cookie

NEW_TEXT = "## Rules\n\nBe kind online, and lock your screen when you leave it.\n"


@pytest.fixture
def tree(tmp_path) -> ContentTree:
    """Two policies in force: rules every pupil aged 11 and over signs, and staff guidance."""
    tree = ContentTree(tmp_path / "project")
    tree.policy("rules", accepted_by=["pupils-11-plus"])
    tree.version(slug="rules")
    tree.policy("guidance", title="Staff guidance", order=20, accepted_by=["staff"])
    tree.version(slug="guidance", body="## Guidance\n\nLock your screen.\n")
    tree.publish()
    return tree


@pytest.fixture
def policies_dir(tree, monkeypatch):
    # The portal built for each test looks at its folder on every request.
    monkeypatch.setenv("ESAFETY_POLICY_CHECK_SECONDS", "0")
    return tree.policies


@pytest.fixture
def pupil(db):
    pupil = make_pupil(db, make_school(db), year_group=8)
    db.commit()
    return pupil


def publish_new_rules(tree: ContentTree) -> None:
    """Version 2025.10 of the rules, in force since 1 October 2025."""
    tree.version(
        "2025.10",
        slug="rules",
        body=NEW_TEXT,
        effective_from=dt.date(2025, 10, 1),
        changes="Lock your screen.",
    )
    tree.publish()


def asked_for(page: str) -> str | None:
    """The policy and version the agreement page asks to be signed, as its form says (the form
    also names the language of the text shown, left out here)."""
    found = SHOWN.search(page)
    return ":".join(found.group(1).split(":")[:2]) if found else None


def live(app) -> LiveCatalogue:
    return runtime(app).catalogue


def test_a_published_version_is_asked_for_at_the_next_request(app, client, db, tree, pupil):
    sign_in_as(client, db, pupil)
    assert asked_for(client.get("/agreements/mine").get_data(as_text=True)) == "rules:2025.09"
    publish_new_rules(tree)
    page = client.get("/agreements/mine").get_data(as_text=True)
    assert asked_for(page) == "rules:2025.10"
    assert "lock your screen when you leave it" in page
    recorded = db.scalars(
        select(PolicyVersionRecord.version).where(PolicyVersionRecord.policy == "rules")
    )
    assert sorted(recorded) == ["2025.09", "2025.10"]


def test_a_change_to_a_signed_version_is_not_taken_up(app, client, db, tree, pupil, caplog):
    sign_in_as(client, db, pupil)
    served = live(app).current
    path = tree.policies / "rules" / "2025.09.md"
    path.write_text(path.read_text().replace("Be kind online", "Be nice online"))
    (tree.policies / "published.yml").unlink()
    tree.publish()  # as if someone wrote the new hash into published.yml by hand
    with caplog.at_level(logging.ERROR, "portal.services.live_catalogue"):
        page = client.get("/agreements/mine").get_data(as_text=True)
        client.get("/agreements/mine")
    assert asked_for(page) == "rules:2025.09"
    assert "Be kind online" in page
    assert "Be nice online" not in page
    assert live(app).current is served
    [logged] = caplog.messages  # once, not on every request
    assert "goes on with the ones it had" in logged
    assert "rules version 2025.09 (rules/2025.09.md) has changed since it was recorded" in logged
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "policies-refused"))
    assert "rules/2025.09.md" in event.detail["problems"][0]


def test_files_with_problems_are_named_with_their_line_and_not_taken_up(
    app, client, db, tree, pupil, caplog
):
    sign_in_as(client, db, pupil)
    served = live(app).current
    publish_new_rules(tree)
    tree.policy("guidance", title="Staff guidance", order=20, accepted_by=["everyone"])
    with caplog.at_level(logging.ERROR, "portal.services.live_catalogue"):
        page = client.get("/agreements/mine")
    assert page.status_code == 200
    assert asked_for(page.get_data(as_text=True)) == "rules:2025.09"
    assert live(app).current is served
    assert "policies/guidance/policy.yml:5: 'everyone' is not a value of 'accepted_by'" in (
        caplog.text
    )
    tree.policy("guidance", title="Staff guidance", order=20, accepted_by=["staff"])
    assert asked_for(client.get("/agreements/mine").get_data(as_text=True)) == "rules:2025.10"


def test_unchanged_files_keep_the_catalogue_and_changes_wait_for_the_interval(app, tree):
    served = live(app).current
    live(app).refresh_if_due()
    assert live(app).current is served  # nothing changed: nothing read again
    patient = LiveCatalogue(tree.policies, runtime(app).sessions, every=3600)
    publish_new_rules(tree)
    patient.refresh_if_due()
    assert [str(v) for v in patient.current.versions] == ["rules 2025.09", "guidance 2025.09"]
    patient.take_up(folder_state(tree.policies))
    assert "rules 2025.10" in [str(v) for v in patient.current.versions]
    in_force = rules(patient.current, TODAY)
    assert [rule.in_force.version.version for rule in in_force] == ["2025.10", "2025.09"]


# --- A running server -------------------------------------------------------------------------


def wait_until_asked(browser: Browser, expected: str | None, within: float = 30) -> str:
    """The agreement page, once it asks for `expected`; then every process asks for it."""
    deadline = time.monotonic() + within
    while True:
        page = browser.request("GET", "/agreements/mine")
        assert page.status == 200, page.status
        if asked_for(page.text) == expected:
            break
        assert time.monotonic() < deadline, f"still asked for {asked_for(page.text)}"
        time.sleep(0.2)
    time.sleep(1.2)  # past the interval: the other worker has looked again too
    for _ in range(6):
        assert asked_for(browser.request("GET", "/agreements/mine").text) == expected
    return page.text


def test_a_running_server_takes_up_new_versions_audiences_and_retirements(
    app, db, tree, pupil, project: Path, tmp_path, real_clock
):
    settings = portal_settings(
        app.config["DATABASE_URL"],
        project,
        app.config["SECRET_KEY"],
        POLICIES_DIR=str(tree.policies),
        POLICY_CHECK_SECONDS="1",
    )
    cookie = session_cookie(app, db, pupil)
    db.commit()
    (tmp_path / "server").mkdir()
    with Gunicorn(project, settings, tmp_path / "server", workers=2, threads=2) as server:
        browser = Browser(server.port, cookie)
        wait_until_asked(browser, "rules:2025.09")

        publish_new_rules(tree)
        page = wait_until_asked(browser, "rules:2025.10")
        assert "lock your screen when you leave it" in page
        signed = browser.request(
            "POST",
            "/agreements/mine",
            urlencode(
                {
                    "csrf_token": TOKEN.search(page).group(1),
                    "shown": SHOWN.search(page).group(1),
                    "own_words": "I lock my screen",
                }
            ),
        )
        assert signed.status == 302
        thanks = browser.request("GET", "/agreements/mine").text
        assert "You have signed your agreement" in thanks
        assert asked_for(thanks) is None

        # The staff guidance is now for pupils aged 11 and over as well.
        tree.policy(
            "guidance", title="Staff guidance", order=20, accepted_by=["staff", "pupils-11-plus"]
        )
        wait_until_asked(browser, "guidance:2025.09")

        # Then nobody is asked for it any more.
        tree.policy("guidance", title="Staff guidance", order=20, accepted_by=[])
        page = wait_until_asked(browser, None)
        assert "You have signed your agreement" in page
    assert "Traceback" not in (tmp_path / "server" / "server.log").read_text()
