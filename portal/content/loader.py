"""One call that loads and checks everything in `policies/`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .curriculum import Curriculum, load_curriculum
from .disk_cache import kept
from .errors import Problems
from .glossary import GlossaryEntry, check_abbreviations, load_glossary
from .policies import Policy, load_policies
from .profile import SchoolProfile, load_profile
from .published import check_published, load_record
from .tables import DataTable, load_tables


@dataclass(frozen=True)
class Content:
    profile: SchoolProfile
    policies: tuple[Policy, ...]
    tables: tuple[DataTable, ...]
    glossary: tuple[GlossaryEntry, ...]

    def policy(self, slug: str) -> Policy | None:
        return next((p for p in self.policies if p.slug == slug), None)


def load_content(policies_dir: Path, *, check_record: bool = True) -> Content:
    """Load and validate `policies_dir`; raise ContentErrors listing every problem found.

    `check_record=False` skips the published-hash check, for `esafety publish` itself.
    """
    problems = Problems(policies_dir.parent)
    profile = load_profile(policies_dir / "school.yml", problems)
    if profile is None:
        problems.raise_any()
        raise AssertionError("a missing profile is always a recorded problem")
    policies = load_policies(policies_dir, profile, problems)
    tables = load_tables(policies_dir / "tables", profile, problems)
    glossary = load_glossary(policies_dir / "glossary.yml", problems)
    if not problems.errors:
        read_by_people = [
            policies_dir / "school.yml",
            *(version.path for policy in policies for version in policy.versions),
            *sorted((policies_dir / "tables").glob("*.yml")),
        ]
        check_abbreviations(read_by_people, glossary, policies_dir / "glossary.yml", problems)
    if check_record:
        record_path = policies_dir / "published.yml"
        check_published(policies, load_record(record_path, problems), record_path, problems)
    problems.raise_any()
    return Content(profile, tuple(policies), tuple(tables), tuple(glossary))


# Curricula already loaded in this process, by folder and the state of every file read. Loading
# and checking over a hundred lessons takes about a second (YAML, reading levels), and the
# portal, the site build and every test that starts the portal ask for the same folder again; a
# changed, added or removed file changes the key, so an edit is always seen. Another process
# finds them on disk (disk_cache.py), under a key of every byte read.
_loaded: dict[tuple[object, ...], Curriculum] = {}
_KEEP = 8


def load_lessons(
    curriculum_dir: Path, *, docs_dir: Path | None = None, whole_scheme: bool = True
) -> Curriculum:
    """Load and validate `curriculum_dir`; raise ContentErrors listing every problem found.

    `docs_dir` is the site's page folder that parent guides are checked against (default:
    docs/ beside the curriculum). `whole_scheme=False` leaves out the checks of the scheme as a
    whole (see content/scheme.py): the portal starts with a scheme still being written and
    shows its gaps, while `esafety check` refuses it."""
    docs = docs_dir or curriculum_dir.parent / "docs"
    key = (
        curriculum_dir.resolve(),
        docs,
        whole_scheme,
        folder_state(curriculum_dir),
        folder_state(docs),
    )
    if key in _loaded:
        return _loaded[key]

    def load_and_check() -> Curriculum:
        problems = Problems(curriculum_dir.parent)
        found = load_curriculum(curriculum_dir, problems, docs=docs_dir, whole_scheme=whole_scheme)
        problems.raise_any()
        assert found is not None, "no curriculum only when problems were raised"
        return found

    curriculum = kept("lessons", (curriculum_dir, docs), whole_scheme, load_and_check)
    if len(_loaded) >= _KEEP:
        _loaded.pop(next(iter(_loaded)))
    _loaded[key] = curriculum
    return curriculum


def folder_state(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Every file below `folder` with its modification time and size: cheap to read, and
    different after any file is edited, added or removed."""
    found = []
    for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
        if path.is_file():
            stat = path.stat()
            found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(found)
