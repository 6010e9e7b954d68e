from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from portal.models import people
from portal.services.agreements import school_today
from portal.site import plugin
from tests.factories import ContentTree
from tests.portal_fixtures import *  # noqa: F403 - database, app, client and people fixtures

pytest_plugins = ["tests.coverage_fixtures"]

PROJECT = Path(__file__).resolve().parent.parent
# The day every test runs on, in England: the demo's "today", with the September 2026 versions
# in force and the January 2027 ones coming. A test of another day says which.
TODAY = dt.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def pinned_day(request, monkeypatch) -> None:
    """The portal's clock (models.people.clock) moved by whole days to TODAY, still running, and
    sites built as on TODAY, so no test passes or fails by the day it is run. A test that starts
    the portal in another process, which keeps the real clock, asks for `real_clock` and must
    not depend on the day."""
    if "real_clock" in request.fixturenames:
        return
    real = people.clock
    shift = dt.timedelta(days=(TODAY - school_today(real().replace(tzinfo=None))).days)
    monkeypatch.setattr(people, "clock", lambda: real() + shift)
    monkeypatch.setattr(plugin, "build_day", lambda: TODAY)


@pytest.fixture
def real_clock() -> None:
    """The real clock for this test (see `pinned_day`)."""


@pytest.fixture
def tree(tmp_path: Path) -> ContentTree:
    return ContentTree(tmp_path)


@pytest.fixture(scope="session")
def project() -> Path:
    """The real project folder, with the demo school's policies."""
    return PROJECT


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory, project) -> Path:
    """The demo school's site, built once with the project's own mkdocs.yml."""
    from portal.site.build import build_site

    site = tmp_path_factory.mktemp("site")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plugin, "build_day", lambda: TODAY)
        build_site(project, site)
    return site
