"""Database triggers that refuse UPDATE and DELETE on the evidence tables.

The portal itself only ever adds agreement records and photo choices (see
services/acceptance.py). These triggers make the database refuse a change made around it, by
raw SQL or a database tool, so that rewriting evidence takes a deliberate, visible step: the
triggers must be dropped first, and an anchor kept outside the database (`esafety audit anchor`)
still shows the rewrite. Retention never changes these rows; the one documented way round the
triggers is `suspended`, for removing a whole test or demo database's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

GUARDED = ("acceptance", "image_consent")
MESSAGE = "agreement records and photo choices are never changed or deleted"


def create_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        statements = [
            "CREATE OR REPLACE FUNCTION esafety_refuse_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '%: {MESSAGE}', TG_TABLE_NAME; END $$"
        ]
        statements += [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION esafety_refuse_change()"
            for table in GUARDED
        ]
        return statements
    return [
        f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END"
        for table in GUARDED
        for verb in ("UPDATE", "DELETE")
    ]


def drop_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            *(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in GUARDED),
            "DROP FUNCTION IF EXISTS esafety_refuse_change()",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_{verb.lower()}"
        for table in GUARDED
        for verb in ("UPDATE", "DELETE")
    ]


def install(connection: Connection) -> None:
    for statement in create_statements(connection.dialect.name):
        connection.execute(text(statement))


def remove(connection: Connection) -> None:
    for statement in drop_statements(connection.dialect.name):
        connection.execute(text(statement))


@contextmanager
def suspended(connection: Connection) -> Iterator[Connection]:
    """Lift the guard inside this transaction only (both databases change schema
    transactionally), for clearing a test or demo database."""
    remove(connection)
    yield connection
    install(connection)
