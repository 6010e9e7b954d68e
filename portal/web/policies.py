"""The policies the portal shows and records, as one catalogue (services/catalogue.py): built
when the portal starts from POLICIES_DIR (the folder the site is built from), and built again
while it runs whenever that folder changes, so a newly published version, a policy nobody is
asked to sign any more or a policy's new audience needs no restart."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from pathlib import Path

from flask import Flask, current_app, g
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..content import Content, ContentErrors, load_content
from ..content.calendar import local_time, school_today
from ..content.diff import readable_diff
from ..content.glossary import abbreviation_lines
from ..content.loader import folder_state
from ..content.policies import PolicyVersion
from ..content.render import render_markdown
from ..services import audit
from ..services import catalogue as catalogues
from ..services.catalogue import Catalogue
from ..services.policy_records import ChangedVersionError

_HEADING = re.compile(r"<(/?)h([1-6])\b")
log = logging.getLogger(__name__)


class LiveCatalogue:
    """The catalogue this server process serves, replaced whole when the policies change.

    At most once every POLICY_CHECK_SECONDS, at the start of a request, it looks at the
    policies folder's files (names, sizes and times: cheap). When they have changed it loads
    them, records new versions, checks the recorded ones and swaps the new catalogue in. If the
    new files have problems, or change a version people have signed, it keeps serving the
    catalogue it has, and logs the problems (with their files and lines) and writes them to the
    audit log, once for each state of the files.
    """

    def __init__(self, folder: Path, sessions: sessionmaker[Session], every: float) -> None:
        self.folder, self.sessions, self.every = folder, sessions, every
        self._lock = threading.Lock()
        self._refused: tuple | None = None  # the files as they were when last refused
        self._checked = time.monotonic()
        self.current = self._load(folder_state(folder))  # a problem here stops the start

    def _load(self, fingerprint: tuple) -> Catalogue:
        with self.sessions() as db:
            return catalogues.build(db, load_content(self.folder), fingerprint)

    def refresh_if_due(self) -> None:
        """Take changed policy files into use, if the last look was long enough ago. Other
        requests meanwhile go on with the catalogue they have, without waiting."""
        if time.monotonic() - self._checked < self.every or not self._lock.acquire(False):
            return
        try:
            self._checked = time.monotonic()
            fingerprint = folder_state(self.folder)
            if self.current.recorded and fingerprint in (self.current.fingerprint, self._refused):
                return
            self._reload(fingerprint)
        finally:
            self._lock.release()

    def _reload(self, fingerprint: tuple) -> None:
        """Serve the catalogue of the files as they are now; on a problem keep the one served."""
        try:
            self.take_up(fingerprint)
        except (ContentErrors, ChangedVersionError) as problem:
            self._refused = fingerprint
            self._report(problem)
        except SQLAlchemyError:  # the database is away: look again next time
            log.exception("The changed policies could not be checked against the database")

    def take_up(self, fingerprint: tuple) -> None:
        """Build the catalogue of the files as they are now and serve it; raises ContentErrors
        or ChangedVersionError, serving the old one still, if they have problems."""
        new = self._load(fingerprint)
        old, self.current = self.current, new
        if old.recorded:
            added = [str(v) for v in new.versions if old.get(v.record_id) is None]
            log.info(
                "The changed policies in %s are in use%s",
                self.folder,
                f", with the new versions {', '.join(added)}" if added else "",
            )

    def _report(self, problem: ContentErrors | ChangedVersionError) -> None:
        lines = (
            [str(error) for error in problem.errors]
            if isinstance(problem, ContentErrors)
            else problem.problems
        )
        log.error(
            "The policies in %s changed, but the portal goes on with the ones it had until "
            "these problems are put right:\n%s",
            self.folder,
            "\n".join(f"- {line}" for line in lines),
        )
        address = audit.client_address.set(None)  # not the doing of whoever asked for a page
        try:
            with self.sessions() as db:
                audit.record(db, "policies-refused", school_id=None, problems=lines)
                db.commit()
        except SQLAlchemyError:
            log.exception("The refused policies could not be written to the audit log")
        finally:
            audit.client_address.reset(address)


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
        live = LiveCatalogue(
            folder, app.extensions["esafety.sessions"], app.config["POLICY_CHECK_SECONDS"]
        )
    except ContentErrors as errors:
        raise RuntimeError(f"The policies have problems:\n{errors}") from errors
    except ChangedVersionError as changed:
        raise ChangedVersionError(
            changed.problems,
            "The portal will not start, because a policy version people have signed has changed",
        ) from None
    finally:
        # Hold no connection from start-up: a server that forks workers afterwards must not
        # share one, and an app that is built and thrown away leaves nothing open.
        app.extensions["esafety.engine"].dispose()
    app.extensions["esafety.catalogue"] = live
    # The school's name, colours and badge as they were at start: the pages' security policy
    # allows exactly that one style (web/security.py), so a change to them takes a restart.
    app.extensions["esafety.profile"] = live.current.content.profile
    app.extensions["esafety.policy_html"] = {}
    app.before_request(live.refresh_if_due)


def record_policy_versions(app: Flask) -> int:
    """Record the published versions now (after `esafety db upgrade` has made the tables) and
    serve them; returns how many more versions are served than before."""
    live = app.extensions["esafety.catalogue"]
    before = len(live.current.versions)
    try:
        live.take_up(folder_state(live.folder))
    finally:
        app.extensions["esafety.engine"].dispose()
    return len(live.current.versions) - before


def catalogue() -> Catalogue:
    """The catalogue this request began with: the same one to its end, even if a newer one is
    taken into use meanwhile."""
    if "catalogue" not in g:
        g.catalogue = current_app.extensions["esafety.catalogue"].current
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
    cache = current_app.extensions["esafety.policy_html"]
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
