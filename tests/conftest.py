from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import ContentTree
from tests.portal_fixtures import *  # noqa: F403 - database, app, client and people fixtures

pytest_plugins = ["tests.coverage_fixtures"]

PROJECT = Path(__file__).resolve().parent.parent


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
    build_site(project, site)
    return site
