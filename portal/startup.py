"""The checks that stop the portal starting in a way that is unsafe for real use.

Outside demo mode the portal will not start with a missing or well-known secret key, with
debug mode on, or with several server processes sharing an SQLite database through an SQLite
library that can corrupt it. Each refusal says what to set.
"""

from __future__ import annotations

from typing import Any

from .db import sqlite3

MIN_SECRET_KEY_LENGTH = 32

# Values people copy from examples and tutorials, or leave in place "for now".
WELL_KNOWN_SECRET_KEYS = frozenset(
    {
        "change-me",
        "change_me",
        "changeme",
        "default",
        "dev",
        "development",
        "insecure",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "test",
        "your-secret-key",
        "your_secret_key",
    }
)

HOW_TO_MAKE_A_KEY = (
    "Set ESAFETY_SECRET_KEY to a long random string, for example the output of: "
    "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
)


class UnsafeStart(RuntimeError):
    """The portal refuses to start; the message says what to set."""


def check_safe_to_start(settings: dict[str, Any], debug: bool) -> None:
    """Raise UnsafeStart naming every problem, each with what to set. Demo mode is exempt."""
    if settings["DEMO"]:
        return
    problems = []
    secret = settings["SECRET_KEY"]
    # Tests pass their own key and never serve anyone; a missing key there gets a random one.
    if not settings.get("TESTING"):
        problem = secret_key_problem(secret)
        if problem:
            problems.append(problem)
    if debug:
        problems.append(
            "Debug mode is on (FLASK_DEBUG is set, or DEBUG was passed). It shows the "
            "program's inner workings on error pages and must never face real users. "
            "Unset FLASK_DEBUG (or set FLASK_DEBUG=0). For a demonstration, set "
            "ESAFETY_DEMO=true instead."
        )
    if settings["PROXY_HOPS"] < 0:
        problems.append(
            f"ESAFETY_PROXY_HOPS is {settings['PROXY_HOPS']}. Set it to the number of reverse "
            "proxies in front of the portal: 0 for none, 1 behind one nginx."
        )
    workers = settings.get("SERVER_WORKERS", 1)
    problem = shared_sqlite_problem(settings["DATABASE_URL"], workers)
    if problem:
        problems.append(problem)
    if problems:
        raise UnsafeStart(
            "The portal will not start, because it would not be safe for real use:\n"
            + "\n".join(f"- {problem}" for problem in problems)
        )


def secret_key_problem(secret: str) -> str | None:
    if not secret:
        return f"ESAFETY_SECRET_KEY is not set. {HOW_TO_MAKE_A_KEY}"
    if secret.strip().lower() in WELL_KNOWN_SECRET_KEYS:
        return (
            f"ESAFETY_SECRET_KEY is {secret!r}, a well-known value anyone could guess, and with "
            f"it forge a signed-in session. {HOW_TO_MAKE_A_KEY}"
        )
    if len(secret) < MIN_SECRET_KEY_LENGTH:
        return (
            f"ESAFETY_SECRET_KEY is only {len(secret)} characters long; it needs at least "
            f"{MIN_SECRET_KEY_LENGTH}. {HOW_TO_MAKE_A_KEY}"
        )
    return None


def has_wal_reset_bug(version: tuple[int, int, int]) -> bool:
    """Whether this SQLite version has the WAL-reset bug.

    SQLite's own note (https://sqlite.org/wal.html#walresetbug): every version from 3.7.0
    (the first with WAL, 2010) through 3.51.2 can corrupt a WAL database when two or more
    connections, in other threads or processes, write or checkpoint at the same moment. It is
    fixed in 3.51.3 (2026-03-13) and in the patch releases 3.50.7 and 3.44.6. Every other
    version from 3.7.0 to 3.51.2, including 3.45 to 3.49, is affected.
    """
    if version < (3, 7, 0) or version >= (3, 51, 3):
        return False
    return not (version[:2] == (3, 50) and version >= (3, 50, 7)) and not (
        version[:2] == (3, 44) and version >= (3, 44, 6)
    )


def mail_sender_problem(
    database_url: str, version: tuple[int, int, int] | None = None
) -> str | None:
    """`esafety send-mail --watch` beside the server: a second process writing the database."""
    version = version or sqlite3.sqlite_version_info
    if not database_url.startswith("sqlite") or not has_wal_reset_bug(version):
        return None
    shown = ".".join(str(part) for part in version)
    return (
        "esafety send-mail --watch runs beside the portal's server, so two processes would "
        f"write the SQLite database, and this Python's SQLite library is version {shown}, which "
        "has SQLite's WAL-reset bug: processes writing at the same moment can corrupt the "
        "database. Use PostgreSQL (ESAFETY_DATABASE_URL=postgresql+psycopg://user@host/dbname) "
        "or a Python whose SQLite is 3.51.3 or later."
    )


def shared_sqlite_problem(
    database_url: str,
    workers: int,
    version: tuple[int, int, int] | None = None,
) -> str | None:
    """Several server processes writing one SQLite file through a library with the bug."""
    version = version or sqlite3.sqlite_version_info
    if workers <= 1 or not database_url.startswith("sqlite") or not has_wal_reset_bug(version):
        return None
    shown = ".".join(str(part) for part in version)
    return (
        f"{workers} server processes would share the SQLite database, and this Python's SQLite "
        f"library is version {shown}, which has SQLite's WAL-reset bug (versions 3.7.0 to "
        "3.51.2, except 3.44.6 and later 3.44 releases and 3.50.7 and later 3.50 releases): "
        "processes writing at the same moment can corrupt the database. Use PostgreSQL: set "
        "ESAFETY_DATABASE_URL=postgresql+psycopg://user@host/dbname. Or run one process: "
        "esafety serve --workers 1. Or use a Python whose SQLite is 3.51.3 or later."
    )
