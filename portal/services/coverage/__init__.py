"""Curriculum coverage: what has been taught and learnt, by strand, year group and class.

A pupil is at one of three levels on each learning outcome of their own age band:

- not taught: they have not finished a lesson that teaches it;
- taught: they have finished such a lesson;
- secure: in a quiz they passed, they answered at least two questions on the outcome
  correctly, or every question on it where the quiz has fewer than two.

`outcome_progress` holds one row per pupil and taught outcome, kept up to date by `progress`.
Every figure is an aggregate query over those rows: the work grows with the number of groups
shown, not with the number of pupils. One module per report: `heatmaps` (and its gaps),
`drilldown` (behind a cell), `signed` (agreements beside learning), `schools` (a trust's
schools) and `export`; `groups` says who is counted and `terms` over which period.
"""

from .drilldown import OutcomeRow, PupilLevel, outcome_rows, pupil_levels
from .export import pupil_outcome_rows
from .groups import NOTHING, Column, Share, find_column
from .heatmaps import (
    Gap,
    Heatmap,
    gaps_below,
    heatmap,
    planned_outcomes,
    set_threshold,
    untaught_outcomes,
)
from .progress import SECURE_ANSWERS, refresh_pupil, refresh_school
from .schools import SchoolSummary, trust_summary
from .signed import Signed, signed_by_year, signed_total
from .terms import LEVELS, Period, periods, until

__all__ = [
    "LEVELS",
    "NOTHING",
    "SECURE_ANSWERS",
    "Column",
    "Gap",
    "Heatmap",
    "OutcomeRow",
    "Period",
    "PupilLevel",
    "SchoolSummary",
    "Share",
    "Signed",
    "find_column",
    "gaps_below",
    "heatmap",
    "outcome_rows",
    "periods",
    "planned_outcomes",
    "pupil_levels",
    "pupil_outcome_rows",
    "refresh_pupil",
    "refresh_school",
    "set_threshold",
    "signed_by_year",
    "signed_total",
    "trust_summary",
    "untaught_outcomes",
    "until",
]
