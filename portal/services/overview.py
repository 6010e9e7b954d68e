"""The figures the ICT lead and the office see first on their home page: who has signed each
agreement, how much of the curriculum is secure, which policy reviews are overdue and how many
families a reminder would go to. Each comes from the same aggregate queries as the page it
links to, so the home page and that page always agree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..content import Content
from ..content.curriculum import Curriculum
from ..content.policies import Policy
from . import coverage, reminders
from .agreements import Counts, Rule, status_total


@dataclass(frozen=True)
class Overview:
    signed: list[tuple[Rule, Counts]]  # each agreement in force, with the whole school's counts
    secure: coverage.Share  # every pupil-outcome pair on roll today, counting all work so far
    overdue: list[Policy]  # policies whose version in force is past its review date
    reminders_due: int  # parents and carers a reminder would go to now


def overdue_reviews(content: Content, as_of: dt.date) -> list[Policy]:
    """Policies whose version in force should have been reviewed before `as_of`."""
    return [
        policy
        for policy in content.policies
        if (version := policy.current(as_of)) is not None and version.review_by < as_of
    ]


def overview(
    db: Session,
    content: Content,
    curriculum: Curriculum,
    rules: list[Rule],
    school_id: int,
    as_of: dt.date,
) -> Overview:
    return Overview(
        signed=[(rule, status_total(db, rule, school_id)) for rule in rules],
        secure=coverage.heatmap(db, curriculum, school_id).total,
        overdue=overdue_reviews(content, as_of),
        reminders_due=reminders.reminders_due(db, rules, school_id),
    )
