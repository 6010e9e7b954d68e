"""Fixtures for the portal: a migrated database (SQLite and PostgreSQL), the app, clients."""

from __future__ import annotations

import contextlib
import copy
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, delete, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal import create_app, ledger_guard
from portal.content.loader import folder_state
from portal.db import Base
from portal.migrate import upgrade
from portal.services import catalogue
from portal.web.runtime import runtime
from portal.web.security import limiter

POSTGRES_ADMIN_URL = os.environ.get(
    "ESAFETY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
__all__ = [
    "FormClient",
    "_built_apps",
    "app",
    "blank_database_url",
    "clear_database",
    "client",
    "database_url",
    "db",
    "empty_policies",
    "limited_client",
    "migrated_databases",
    "policies_dir",
    "portal_app",
]


@contextlib.contextmanager
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


@pytest.fixture(scope="session")
def migrated_databases(tmp_path_factory) -> Iterator[Callable[[str], str]]:
    """Each kind's migrated database, made when a test first asks for it and kept for the
    session: tests of both kinds then run in any order without making one again."""
    made: dict[str, str] = {}
    with contextlib.ExitStack() as stack:

        def database(kind: str) -> str:
            if kind not in made:
                if kind == "sqlite":
                    folder = stack.enter_context(_memory_folder(tmp_path_factory))
                    url = f"sqlite:///{folder / 'esafety.sqlite'}"
                else:
                    url = stack.enter_context(_postgres_database())
                upgrade(url)
                made[kind] = url
            return made[kind]

        yield database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, migrated_databases) -> str:
    """A migrated database of each kind (see `migrated_databases`); every portal test runs on
    both."""
    return migrated_databases(request.param)


@contextlib.contextmanager
def _memory_folder(tmp_path_factory) -> Iterator[Path]:
    """A folder in memory (/dev/shm) where the machine has one, else a temporary one. The portal
    syncs SQLite to disk on every commit (PRAGMA synchronous=FULL), which on a shared disk made
    SQLite tests several times slower than PostgreSQL ones; in memory the same code runs, and
    what the tests prove is the same: a killed process loses no commit either way."""
    memory = Path("/dev/shm")
    if not memory.is_dir() or not os.access(memory, os.W_OK):
        yield tmp_path_factory.mktemp("db")
        return
    with tempfile.TemporaryDirectory(prefix="esafety-test-", dir=memory) as folder:
        yield Path(folder)


@contextlib.contextmanager
def empty_database(kind: str, folder: Path) -> Iterator[str]:
    """A database of `kind` with nothing in it, not even the schema: an SQLite file in
    `folder`, or a new PostgreSQL database, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'esafety.sqlite'}"
        return
    with _postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_database_url(request, tmp_path) -> Iterator[str]:
    """A database of each kind with nothing in it, not even the schema: for migration tests."""
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def empty_policies(tmp_path_factory) -> Path:
    """A policies folder with nothing to sign, written once for the session."""
    from tests.factories import ContentTree

    return ContentTree(tmp_path_factory.mktemp("portal-policies")).policies


@pytest.fixture
def policies_dir(empty_policies: Path) -> Path:
    """The policies folder the app loads. By default one with nothing to sign, so no staff
    agreement stands in front of the pages other tests visit; tests of agreements override
    this fixture with a small tree of their own or the project's policies."""
    return empty_policies


@pytest.fixture(scope="session")
def _built_apps() -> Iterator[dict]:
    """Apps kept for the session (see `portal_app`), let go of at its end."""
    built: dict = {}
    yield built
    for app, _ in built.values():
        runtime(app).engine.dispose()


@pytest.fixture
def portal_app(_built_apps, tmp_path: Path):
    """Make the test app: `portal_app(database_url, POLICIES_DIR=..., **more settings)`.

    Building an app loads and checks every policy and routes 360 addresses, which took longer
    than most tests themselves; so an app whose folders outlive the test (the project's
    policies, the session's empty folder) is built once per database and settings, and
    handed to each test as a new one would be: an empty migrated database with the published
    versions recorded, its settings as built (mail to this test's own folder), no rendered
    policy kept from before (rate limits are off: `limited_client` counts from nothing). An app
    reading a folder the test wrote for itself is built for that test alone, as before."""
    used = []

    def make(database_url: str, **settings: Any):
        config = {**_TEST_SETTINGS, "DATABASE_URL": database_url, **settings}
        mail = f"file://{tmp_path / 'mail'}"
        own = [Path(config[k]) for k in _FOLDERS if k in config]
        if any(folder.is_relative_to(tmp_path) for folder in own):
            app = _build({**config, "SMTP_URL": mail})
            used.append((app, None))
            return app
        environment = sorted((k, v) for k, v in os.environ.items() if k.startswith("ESAFETY_"))
        key = (
            repr(sorted(config.items())),
            repr(environment),  # settings the test gave as ESAFETY_* variables
            folder_state(Path(config["POLICIES_DIR"])),
        )
        if key in _built_apps:
            app, built_config = _built_apps[key] = _built_apps.pop(key)  # now the newest
            record_versions_again(app)
        else:
            app = _build({**config, "SMTP_URL": mail})
            built_config = copy.deepcopy(dict(app.config))
            _built_apps[key] = (app, built_config)
            if len(_built_apps) > _KEEP_APPS:  # a database made again has a new address
                oldest = next(iter(_built_apps))
                runtime(_built_apps.pop(oldest)[0]).engine.dispose()
        app.config["SMTP_URL"] = mail
        used.append((app, built_config))
        return app

    yield make
    for app, built_config in used:
        clear_database(runtime(app).engine)
        if built_config is not None:
            app.config.clear()
            app.config.update(copy.deepcopy(built_config))
            runtime(app).policy_html.clear()
            runtime(app).name_before_sign_in = None
    if has_app_context():  # its `g`, database session included, would go to the next test
        raise AssertionError("the test left a Flask app context pushed (use `with`)")


_TEST_SETTINGS = {
    "TESTING": True,
    "SECRET_KEY": "test secret key",
    "RATELIMIT_ENABLED": False,
    "PUBLIC_URL": "https://localhost",
}
_FOLDERS = ("POLICIES_DIR", "CURRICULUM_DIR")
_KEEP_APPS = 8


def _build(config: dict[str, Any]):
    app = create_app(config)
    app.test_client_class = FormClient
    app.jinja_env.bytecode_cache = _TEMPLATES
    return app


def record_versions_again(app) -> None:
    """Record the published versions again in a database emptied (or filled) since, and serve
    them under the ids it holds, from the policies the app loaded when it was built."""
    parts = runtime(app)
    live = parts.catalogue
    try:
        with parts.sessions() as db:
            live.current = catalogue.build(db, live.current.content, live.current.fingerprint)
    finally:
        parts.engine.dispose()


@pytest.fixture
def app(database_url, tmp_path: Path, policies_dir: Path, portal_app):
    return portal_app(database_url, POLICIES_DIR=str(policies_dir))


class _SharedTemplateCode(BytecodeCache):
    """Compiled templates kept for the whole test run: tests build many apps, and compiling
    the same unchanged templates again for each was a large part of a test's time.
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
    session = runtime(app).sessions()
    yield session
    session.close()


@pytest.fixture
def client(app) -> FormClient:
    return app.test_client()


@pytest.fixture
def limited_client(app):
    """A client of an app with rate limits on (the usual test app has them off)."""
    was_enabled = limiter.enabled
    limited = create_app({**app.config, "RATELIMIT_ENABLED": True, "LINK_REQUESTS_PER_HOUR": 10})
    limited.test_client_class = FormClient
    limiter.reset()
    yield limited.test_client()
    limiter.reset()
    limiter.enabled = was_enabled
    runtime(limited).engine.dispose()


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
