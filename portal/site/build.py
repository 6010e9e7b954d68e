"""Build the policy site programmatically, for the `esafety` command and the tests."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, ConfigurationError, PluginError


class SiteBuildError(Exception):
    """The site could not be built; the message says why (content errors name file and line)."""


class _Collect(logging.Handler):
    """MkDocs logs the reason for an aborted build; keep it for the exception's message."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_site(project: Path, site_dir: Path, portal_url: str | None = None) -> None:
    """Build `project`/mkdocs.yml into `site_dir`, strictly: any warning fails the build.

    `portal_url` is where "Read and sign online" points, for a portal served somewhere its
    settings do not say (the demo on another port)."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # the theme's notice is not a site problem
    collect = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collect)
    try:
        config = load_config(str(project / "mkdocs.yml"), site_dir=str(site_dir), strict=True)
        if portal_url is not None and "esafety" in config.plugins:
            config.plugins["esafety"].config.portal_url = portal_url
        build(config)
    except (Abort, ConfigurationError, PluginError) as error:
        raise SiteBuildError("\n".join([*collect.messages, str(error)])) from error
    finally:
        logger.removeHandler(collect)
