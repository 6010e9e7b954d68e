"""The policies a request shows and records: the catalogue the portal serves (built when it
starts from POLICIES_DIR, the folder the site is built from, and again whenever that folder
changes: services/live_catalogue.py), pinned for the request, and its versions as HTML."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask, current_app, g
from markupsafe import Markup

from ..content import Content
from ..content.calendar import local_time, school_today
from ..content.diff import readable_diff
from ..content.glossary import abbreviation_lines
from ..content.policies import PolicyVersion
from ..content.render import render_markdown
from ..services.catalogue import Catalogue
from .runtime import runtime

_HEADING = re.compile(r"<(/?)h([1-6])\b")


def init_app(app: Flask) -> None:
    """Look for changed policy files at the start of a request (at most once in a while)."""
    app.before_request(runtime(app).catalogue.refresh_if_due)


def catalogue() -> Catalogue:
    """The catalogue this request began with: the same one to its end, even if a newer one is
    taken into use meanwhile."""
    if "catalogue" not in g:
        g.catalogue = runtime().catalogue.current
    return g.catalogue


def content() -> Content:
    return catalogue().content


def today() -> dt.date:
    return school_today()


def policy_html(version: PolicyVersion, top: int = 2) -> Markup:
    """A version's text as HTML, rendered like the site renders it (abbreviations explained,
    links to other pages of the site working).

    Its headings start at `##`; `top` moves them to fit under the page's own headings (3 puts
    them under an h2), so the page's outline stays right. The words are the same.
    """
    cache = runtime().policy_html
    # A published version's text never changes; the glossary explaining it may, while the
    # portal runs, so the key holds it too.
    key = (version.policy, version.version, top, content().glossary)
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
    local = local_time(value)
    return f"{local.day} {local:%B %Y}, {local:%H:%M}"
