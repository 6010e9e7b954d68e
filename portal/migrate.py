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
    engine = make_engine(url)
    with engine.begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    engine.dispose()


def draft_revision(url: str, message: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True, rev_id=None)
