"""Alembic, driven from code: the `esafety db` commands and the tests call these."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from .db import make_engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "portal:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    _migrate(url, command.upgrade, revision)


def downgrade(url: str, revision: str) -> None:
    _migrate(url, command.downgrade, revision)


def _migrate(url: str, step, revision: str) -> None:
    """Run migrations in one transaction. On SQLite, batch mode alters a table by copying it
    and dropping the old one, which foreign keys would refuse while other tables point at it:
    they are off during the run (only for this connection) and checked in full before commit."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            config = alembic_config(url)
            config.attributes["connection"] = connection
            step(config, revision)
            if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
                raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")
    finally:
        engine.dispose()


def draft_revision(url: str, message: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True, rev_id=None)
