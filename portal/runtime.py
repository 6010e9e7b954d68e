"""What a running portal holds for its whole life, in one typed object: the database engine and
its sessions, the live policy catalogue, the lessons and the school's profile as at start.

Built once when the portal starts (`start`); a problem in the policies or lessons stops the
start with its file and line. The web layer keeps it on the Flask app (web/runtime.py), and
the `esafety` command reads it from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .content import ContentErrors, Curriculum, load_lessons
from .content.profile import SchoolProfile
from .db import make_engine, make_session_factory
from .services.live_catalogue import LiveCatalogue
from .services.policy_records import ChangedVersionError

if TYPE_CHECKING:
    from markupsafe import Markup


@dataclass
class Runtime:
    engine: Engine
    sessions: sessionmaker[Session]
    catalogue: LiveCatalogue
    curriculum: Curriculum
    # The school's name, colours and badge as they were at start: the pages' security policy
    # allows exactly that one style (web/security.py), so a change to them takes a restart.
    profile: SchoolProfile
    # Each policy version's text as HTML, by what it was rendered from (web/policies.py).
    policy_html: dict[tuple[object, ...], Markup] = field(default_factory=dict)
    # The name pages show before anyone signs in, and when it was read (web/school.py).
    name_before_sign_in: tuple[float, str] | None = None


def start(
    database_url: str, policies_dir: Path, curriculum_dir: Path, check_seconds: float
) -> Runtime:
    """Record the published policy versions and load the lessons; refuse to start, holding
    nothing open, on a problem. `check_seconds`: how often the policies are looked at again."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        catalogue = _live_catalogue(policies_dir, sessions, check_seconds)
        curriculum = _lessons(curriculum_dir)
    finally:
        # Hold no connection from start-up: a server that forks workers afterwards must not
        # share one, and a portal that is built and thrown away (or will not start) leaves
        # nothing open.
        engine.dispose()
    return Runtime(engine, sessions, catalogue, curriculum, catalogue.current.content.profile)


def _live_catalogue(folder: Path, sessions: sessionmaker[Session], every: float) -> LiveCatalogue:
    if not (folder / "school.yml").is_file():
        raise RuntimeError(
            f"There is no policies folder at {folder.resolve()} (it needs school.yml). Set "
            "ESAFETY_POLICIES_DIR to the folder the site is built from, or start the portal "
            "in the project folder."
        )
    try:
        return LiveCatalogue(folder, sessions, every)
    except ContentErrors as errors:
        raise RuntimeError(f"The policies have problems:\n{errors}") from errors
    except ChangedVersionError as changed:
        raise ChangedVersionError(
            changed.problems,
            "The portal will not start, because a policy version people have signed has changed",
        ) from None


def _lessons(folder: Path) -> Curriculum:
    """Each lesson is checked; the scheme as a whole (every year group of every strand...) is
    `esafety check`'s to refuse, while the portal shows its gaps to the ICT lead."""
    try:
        return load_lessons(folder, whole_scheme=False)
    except ContentErrors as errors:
        raise RuntimeError(f"The lessons have problems:\n{errors}") from errors
