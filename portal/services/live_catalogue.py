"""The catalogue a running portal serves (services/catalogue.py), built again whenever the
policies folder changes, so a newly published version, a policy nobody is asked to sign any
more or a policy's new audience needs no restart."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..content import ContentErrors, load_content
from ..content.loader import folder_state
from . import catalogue as catalogues
from .catalogue import Catalogue
from .policy_records import ChangedVersionError, record_refusal

log = logging.getLogger(__name__)


class LiveCatalogue:
    """The catalogue this server process serves, replaced whole when the policies change.

    At most once every `every` seconds, when asked (the web layer asks at the start of each
    request), it looks at the policies folder's files (names, sizes and times: cheap). When
    they have changed it loads them, records new versions, checks the recorded ones and swaps
    the new catalogue in. If the new files have problems, or change a version people have
    signed, it keeps serving the catalogue it has, and logs the problems (with their files and
    lines) and writes them to the audit log, once for each state of the files.
    """

    def __init__(self, folder: Path, sessions: sessionmaker[Session], every: float) -> None:
        self.folder, self.sessions, self.every = folder, sessions, every
        self._lock = threading.Lock()
        self._refused: tuple[object, ...] | None = None  # the files as they were when last refused
        self._checked = time.monotonic()
        self.current = self._load(folder_state(folder))  # a problem here stops the start

    def _load(self, fingerprint: tuple[object, ...]) -> Catalogue:
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

    def record_now(self) -> int:
        """Record the published versions now (after `esafety db upgrade` has made the tables)
        and serve them; returns how many more versions are served than before."""
        before = len(self.current.versions)
        self.take_up(folder_state(self.folder))
        return len(self.current.versions) - before

    def _reload(self, fingerprint: tuple[object, ...]) -> None:
        """Serve the catalogue of the files as they are now; on a problem keep the one served."""
        try:
            self.take_up(fingerprint)
        except (ContentErrors, ChangedVersionError) as problem:
            self._refused = fingerprint
            self._report(problem)
        except SQLAlchemyError:  # the database is away: look again next time
            log.exception("The changed policies could not be checked against the database")

    def take_up(self, fingerprint: tuple[object, ...]) -> None:
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
        try:
            with self.sessions() as db:
                record_refusal(db, lines)
        except SQLAlchemyError:
            log.exception("The refused policies could not be written to the audit log")
