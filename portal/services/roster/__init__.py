"""Roster import: pupils with their parents and carers, or staff, from a school's MIS export.

The file is the school's list as it stands: people in it are added or updated, people missing
from it are marked as left (their records stay, their sessions end) and come back if they
reappear. Only names, year groups, classes, references, emails and roles are kept.

An import goes in three steps, one module each: `reading` checks the whole file (every bad row
at once, with its line), `planning` compares it with the school's records and makes a `Plan`
(`plan`: immutable, and what the preview shows), and `applying` writes exactly that plan.
"""

from .applying import PlanOutdated, apply_import, import_previewed
from .plan import Plan
from .planning import plan_import
from .reading import Roster, read_roster
from .rows import RowError

__all__ = [
    "Plan",
    "PlanOutdated",
    "Roster",
    "RowError",
    "apply_import",
    "import_previewed",
    "plan_import",
    "read_roster",
]
