"""Fixtures for the portal: a migrated database (SQLite and PostgreSQL), the app, clients."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, delete, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal import create_app, ledger_guard
from portal.db import Base
from portal.migrate import upgrade

POSTGRES_ADMIN_URL = os.environ.get(
    "ESAFETY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
__all__ = [
    "FormClient",
    "app",
    "blank_database_url",
    "clear_database",
    "client",
    "database_url",
    "db",
    "limited_client",
    "policies_dir",
]


def _postgres_database() -> Iterator[str]:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            name = f"esafety_test_{uuid.uuid4().hex[:10]}"
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        pytest.skip(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({error.orig}); "
            "its run of the portal tests is skipped"
        )
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A migrated database, once per test session and kind; every portal test runs on both."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'esafety.sqlite'}"
        upgrade(url)
        yield url
        return
    for url in _postgres_database():
        upgrade(url)
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_database_url(request, tmp_path) -> Iterator[str]:
    """A database of each kind with nothing in it, not even the schema: for migration tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.sqlite'}"
        return
    yield from _postgres_database()


@pytest.fixture
def policies_dir(tmp_path: Path) -> Path:
    """The policies folder the app loads. By default one with nothing to sign, so no staff
    agreement stands in front of the pages other tests visit; tests of agreements override
    this fixture with a small tree of their own or the project's policies."""
    from tests.factories import ContentTree

    return ContentTree(tmp_path / "portal-policies").policies


@pytest.fixture
def app(database_url, tmp_path: Path, policies_dir: Path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "POLICIES_DIR": str(policies_dir),
            "SECRET_KEY": "test secret key",
            "RATELIMIT_ENABLED": False,
            "SMTP_URL": f"file://{tmp_path / 'mail'}",
            "PUBLIC_URL": "https://localhost",
        }
    )
    app.test_client_class = FormClient
    app.jinja_env.bytecode_cache = _TEMPLATES
    yield app
    clear_database(app.extensions["esafety.engine"])


class _SharedTemplateCode(BytecodeCache):
    """Compiled templates kept for the whole test run: each test builds a new app, and
    compiling the same unchanged templates again for each was a large part of a test's time.
    Jinja keys the code by the template's source, so an edited template is compiled afresh."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _SharedTemplateCode()


def clear_database(engine) -> None:
    """Remove every row a test left, evidence included (the guard lifted for it), and let go of
    the connections, so the next test starts from an empty migrated database."""
    with engine.begin() as connection, ledger_guard.suspended(connection):
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))
    engine.dispose()


@pytest.fixture
def db(app) -> Iterator[Session]:
    """A session for arranging and checking data, outside any request."""
    session = app.extensions["esafety.sessions"]()
    yield session
    session.close()


@pytest.fixture
def client(app) -> FormClient:
    return app.test_client()


@pytest.fixture
def limited_client(app):
    """A client of an app with rate limits on (the usual test app has them off)."""
    from portal.web.security import limiter

    was_enabled = limiter.enabled
    limited = create_app({**app.config, "RATELIMIT_ENABLED": True, "LINK_REQUESTS_PER_HOUR": 10})
    limited.test_client_class = FormClient
    limiter.reset()
    yield limited.test_client()
    limiter.reset()
    limiter.enabled = was_enabled
    limited.extensions["esafety.engine"].dispose()


class FormClient(FlaskClient):
    """Flask's test client over HTTPS, with a helper that posts forms as a browser would."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", "https://localhost")
        return super().open(*args, **kwargs)

    def csrf_token(self, page_url: str) -> str:
        page = self.get(page_url)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
        assert match, f"no form with a CSRF token at {page_url} ({page.status})"
        return match.group(1)

    def submit(self, page_url: str, data: dict, action: str | None = None, **kwargs):
        """Open the page, then post its form with the page's CSRF token and `data`."""
        token = self.csrf_token(page_url)
        headers = {"Referer": f"https://localhost{page_url}", **kwargs.pop("headers", {})}
        return self.post(
            action or page_url, data={"csrf_token": token, **data}, headers=headers, **kwargs
        )
