"""The policies the portal shows and records: loaded once at start from POLICIES_DIR (the same
folder the site is built from), with every published version recorded in the database."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from flask import Flask, current_app
from markupsafe import Markup

from ..content import Content, ContentErrors, load_content
from ..content.diff import readable_diff
from ..content.glossary import abbreviation_lines
from ..content.policies import PolicyVersion
from ..content.render import render_markdown
from ..services import agreements, policy_records

_HEADING = re.compile(r"<(/?)h([1-6])\b")


def init_app(app: Flask) -> None:
    """Load the policies and record their published versions; refuse to start on a problem."""
    folder = Path(app.config["POLICIES_DIR"])
    if not (folder / "school.yml").is_file():
        raise RuntimeError(
            f"There is no policies folder at {folder.resolve()} (it needs school.yml). Set "
            "ESAFETY_POLICIES_DIR to the folder the site is built from, or start the portal "
            "in the project folder."
        )
    try:
        content = load_content(folder)
    except ContentErrors as errors:
        raise RuntimeError(f"The policies have problems:\n{errors}") from errors
    app.extensions["esafety.content"] = content
    app.extensions["esafety.policy_html"] = {}
    record_policy_versions(app)


def record_policy_versions(app: Flask) -> int:
    """Record new published versions; raise ChangedVersionError if a recorded one changed.

    Before `esafety db upgrade` has made the tables there is nothing to compare with; that
    command records them once it has.
    """
    try:
        with app.extensions["esafety.sessions"]() as db:
            if not policy_records.schema_ready(db):
                return 0
            return policy_records.record_versions(db, app.extensions["esafety.content"])
    finally:
        # Hold no connection from start-up: a server that forks workers afterwards must not
        # share one, and an app that is built and thrown away leaves nothing open.
        app.extensions["esafety.engine"].dispose()


def content() -> Content:
    return current_app.extensions["esafety.content"]


def today() -> dt.date:
    return agreements.school_today()


def policy_html(version: PolicyVersion, top: int = 2) -> Markup:
    """A version's text as HTML, rendered like the site renders it (abbreviations explained,
    links to other pages of the site working).

    Its headings start at `##`; `top` moves them to fit under the page's own headings (3 puts
    them under an h2), so the page's outline stays right. The words are the same.
    """
    cache = current_app.extensions["esafety.policy_html"]
    key = (version.policy, version.version, top)
    if key not in cache:
        glossary = abbreviation_lines(list(content().glossary))
        html = render_markdown(
            f"{version.text}\n\n{glossary}\n" if glossary else version.text,
            site_url=current_app.config["SITE_URL"],  # its links go to the site, as there
            page=f"policies/{version.policy}/index.md",
        )
        if top != 2:
            html = _HEADING.sub(lambda m: f"<{m[1]}h{min(6, int(m[2]) + top - 2)}", html)
        cache[key] = Markup(html)  # noqa: S704 - the school's own policy files, as on the site
    return cache[key]


def changes_html(old: PolicyVersion, new: PolicyVersion) -> tuple[str, Markup]:
    """The diff's summary line and its HTML (marked in words, not colour alone)."""
    diff = readable_diff(old.text, new.text)
    return diff.summary, Markup(diff.html)  # noqa: S704 - readable_diff escapes every text


def local_time_filter(value: dt.datetime | None) -> str:
    """A UTC time from the database as people in England read it: 23 November 2026, 18:40."""
    if value is None:
        return ""
    local = agreements.local_time(value)
    return f"{local.day} {local:%B %Y}, {local:%H:%M}"
