from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from portal.content import calendar
from tests.factories import ContentTree
from tests.portal_fixtures import *  # noqa: F403 - database, app, client and people fixtures

pytest_plugins = ["tests.coverage_fixtures"]

PROJECT = Path(__file__).resolve().parent.parent
# The day every test runs on, in England: the demo's "today", with the September 2026 versions
# in force and the January 2027 ones coming. A test of another day says which.
TODAY = dt.date(2026, 12, 2)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `long` first: the run's workers share out what is left after them, instead
    of one worker finishing a long test alone while the other has nothing to do."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(autouse=True)
def pinned_day(request, monkeypatch) -> None:
    """The school's clock (portal.calendar.clock) moved by whole days to TODAY, still running,
    for the portal and the site's build alike, so no test passes or fails by the day it is run.
    A test that starts the portal in another process, which keeps the real clock, asks for
    `real_clock` and must not depend on the day."""
    if "real_clock" not in request.fixturenames:
        monkeypatch.setattr(calendar, "clock", clock_on(TODAY))


def clock_on(day: dt.date) -> Callable[[], dt.datetime]:
    """The real clock, moved by whole days so that it is `day` in England."""
    real = calendar.clock
    shift = dt.timedelta(days=(day - calendar.school_today(real().replace(tzinfo=None))).days)
    return lambda: real() + shift


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
        patch.setattr(calendar, "clock", clock_on(TODAY))
        build_site(project, site)
    return site
