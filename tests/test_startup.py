"""Outside demo mode the portal refuses to start unsafely, and says what to set; demo mode and
the tests' configuration still start. Behind a proxy it trusts exactly PROXY_HOPS proxies."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask import request

from portal import create_app
from portal.cli import main
from portal.startup import UnsafeStart, has_wal_reset_bug, shared_sqlite_problem
from portal.web.runtime import runtime

REAL_KEY = "k" * 20 + "-a-long-random-string-0123456789"
BUGGY_SQLITE = (3, 40, 1)
FIXED_SQLITE = (3, 51, 3)


@pytest.fixture
def start(app):
    """Start another portal on the test database with `app`'s settings outside test mode, plus
    changes; the `app` fixture empties the database afterwards."""
    started = []

    def start(**changes):
        settings = {
            name: app.config[name]
            for name in ("DATABASE_URL", "POLICIES_DIR", "SMTP_URL", "PUBLIC_URL")
        }
        portal = create_app(
            {**settings, "SECRET_KEY": REAL_KEY, "RATELIMIT_ENABLED": False, **changes}
        )
        started.append(portal)
        return portal

    yield start
    for portal in started:
        runtime(portal).engine.dispose()


@pytest.fixture
def buggy_sqlite(monkeypatch):
    monkeypatch.setattr("portal.startup.sqlite3.sqlite_version_info", BUGGY_SQLITE)


def refusal(start, **changes) -> str:
    with pytest.raises(UnsafeStart) as refused:
        start(**changes)
    message = str(refused.value)
    assert message.startswith("The portal will not start, because it would not be safe")
    return message


def test_a_real_key_starts_outside_demo_mode(start):
    portal = start()
    assert portal.config["SECRET_KEY"] == REAL_KEY
    assert not portal.debug


def test_refuses_without_a_secret_key(start):
    message = refusal(start, SECRET_KEY="")
    assert "ESAFETY_SECRET_KEY is not set. Set ESAFETY_SECRET_KEY to a long random string" in (
        message
    )
    assert "secrets.token_urlsafe(48)" in message


@pytest.mark.parametrize("key", ["changeme", "secret", "dev", " Change-Me "])
def test_refuses_a_well_known_secret_key(start, key):
    message = refusal(start, SECRET_KEY=key)
    assert f"ESAFETY_SECRET_KEY is {key!r}, a well-known value anyone could guess" in message
    assert "Set ESAFETY_SECRET_KEY to a long random string" in message


def test_refuses_a_short_secret_key(start):
    message = refusal(start, SECRET_KEY="x" * 31)
    assert "ESAFETY_SECRET_KEY is only 31 characters long; it needs at least 32." in message
    start(SECRET_KEY="x" * 32)  # long enough


def test_refuses_debug_mode_from_flask_debug(start, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    message = refusal(start)
    assert "Debug mode is on (FLASK_DEBUG is set, or DEBUG was passed)" in message
    assert "Unset FLASK_DEBUG (or set FLASK_DEBUG=0)" in message
    assert "set ESAFETY_DEMO=true instead" in message


def test_refuses_debug_mode_passed_in(start):
    assert "Debug mode is on" in refusal(start, DEBUG=True)


def test_refuses_a_negative_proxy_hops(start):
    assert "ESAFETY_PROXY_HOPS is -1. Set it to the number of reverse proxies" in refusal(
        start, PROXY_HOPS=-1
    )


def test_names_every_problem_at_once(start, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    message = refusal(start, SECRET_KEY="")
    assert "ESAFETY_SECRET_KEY is not set" in message
    assert "Debug mode is on" in message


def test_refuses_several_workers_on_an_sqlite_with_the_wal_reset_bug(start, buggy_sqlite):
    message = refusal(start, DATABASE_URL="sqlite:////nowhere/esafety.sqlite", SERVER_WORKERS=2)
    assert "2 server processes would share the SQLite database" in message
    assert "version 3.40.1, which has SQLite's WAL-reset bug (versions 3.7.0 to 3.51.2" in message
    assert "set ESAFETY_DATABASE_URL=postgresql+psycopg://user@host/dbname" in message
    assert "esafety serve --workers 1" in message
    assert "SQLite is 3.51.3 or later" in message


def test_several_workers_start_where_the_database_allows_it(
    start, database_url, buggy_sqlite, monkeypatch
):
    """PostgreSQL with any number of workers; SQLite with one worker; a fixed SQLite."""
    if database_url.startswith("postgresql"):
        start(SERVER_WORKERS=4)
        return
    start(SERVER_WORKERS=1)
    monkeypatch.setattr("portal.startup.sqlite3.sqlite_version_info", FIXED_SQLITE)
    start(SERVER_WORKERS=4)


@pytest.mark.parametrize(
    ("version", "buggy"),
    [
        ((3, 6, 23), False),  # before WAL existed
        ((3, 7, 0), True),
        ((3, 40, 1), True),
        ((3, 44, 5), True),
        ((3, 44, 6), False),  # patch release with the fix
        ((3, 45, 0), True),
        ((3, 49, 2), True),
        ((3, 50, 6), True),
        ((3, 50, 7), False),  # patch release with the fix
        ((3, 51, 2), True),
        ((3, 51, 3), False),  # the fix
        ((3, 53, 0), False),
    ],
)
def test_knows_which_sqlite_versions_have_the_wal_reset_bug(version, buggy):
    assert has_wal_reset_bug(version) is buggy


def test_one_worker_or_postgresql_never_meets_the_wal_reset_check():
    assert shared_sqlite_problem("sqlite:///x.sqlite", 1, BUGGY_SQLITE) is None
    assert shared_sqlite_problem("postgresql+psycopg://h/db", 8, BUGGY_SQLITE) is None
    assert shared_sqlite_problem("sqlite:///x.sqlite", 2, BUGGY_SQLITE)


def test_demo_mode_starts_without_a_key_with_debug_and_with_shared_sqlite(
    start, buggy_sqlite, monkeypatch
):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    portal = start(DEMO=True, SECRET_KEY="", SERVER_WORKERS=4)
    assert portal.config["SECRET_KEY"]  # a random key kept in the instance folder


def test_the_test_configuration_starts(app):
    assert app.config["TESTING"]
    assert app.config["SECRET_KEY"] == "test secret key"


def test_serve_refuses_several_workers_on_a_buggy_sqlite(tmp_path, monkeypatch, buggy_sqlite):
    (tmp_path / "site").mkdir()
    for name, value in {
        "ESAFETY_SITE_DIR": "",
        "ESAFETY_POLICIES_DIR": "",
        "ESAFETY_SECRET_KEY": REAL_KEY,
        "ESAFETY_DATABASE_URL": f"sqlite:///{tmp_path / 'esafety.sqlite'}",
    }.items():
        monkeypatch.setenv(name, value)  # serve sets some of these; monkeypatch restores them
    result = CliRunner().invoke(main, ["serve", "--root", str(tmp_path), "--workers", "3"])
    assert result.exit_code == 1
    assert "Error: The portal will not start" in result.output
    assert "3 server processes would share the SQLite database" in result.output
    assert "esafety serve --workers 1" in result.output


@pytest.mark.parametrize("hops", [0, 1])
def test_the_portal_trusts_forwarded_headers_only_from_proxy_hops_proxies(start, hops):
    portal = start(PROXY_HOPS=hops)
    seen = {}

    @portal.before_request
    def look():
        seen.update(address=request.remote_addr, secure=request.is_secure, host=request.host)

    response = portal.test_client().get(
        "/healthz",
        base_url="http://127.0.0.1:8000",
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
        headers={
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "esafety.example.org",
            "X-Forwarded-Port": "443",
        },
    )
    assert response.status_code == 200
    if hops:
        assert seen == {"address": "203.0.113.7", "secure": True, "host": "esafety.example.org"}
        assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    else:
        assert seen == {"address": "127.0.0.1", "secure": False, "host": "127.0.0.1:8000"}
        assert "Strict-Transport-Security" not in response.headers


def test_send_mail_watch_refuses_an_sqlite_with_the_wal_reset_bug(app, buggy_sqlite, monkeypatch):
    from click.testing import CliRunner

    from portal.cli import main

    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("the WAL-reset bug is SQLite's; PostgreSQL never meets this check")
    for name, value in (
        ("DATABASE_URL", app.config["DATABASE_URL"]),
        ("SECRET_KEY", REAL_KEY),
        ("SMTP_URL", app.config["SMTP_URL"]),
        ("POLICIES_DIR", app.config["POLICIES_DIR"]),
    ):
        monkeypatch.setenv(f"ESAFETY_{name}", value)
    result = CliRunner().invoke(main, ["send-mail", "--watch"])
    assert result.exit_code == 1
    assert "esafety send-mail --watch runs beside the portal's server" in result.output
    assert "WAL-reset bug" in result.output
    once = CliRunner().invoke(main, ["send-mail"])  # one run, as a test or by hand, is fine
    assert once.exit_code == 0, once.output
