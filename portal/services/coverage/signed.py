"""Acceptance beside learning: for each year group, the share of pupils whose current agreement
they, and a parent, have signed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CTE, ColumnElement, Integer, func, literal, or_, select
from sqlalchemy.orm import Session

from ...models import Pupil
from ..agreements import COUNTERSIGN, PARENT, SELF, Rule, agreement_state


@dataclass(frozen=True)
class Signed:
    """For one year group: the share of pupils whose current AUP they, and a parent, signed."""

    year_group: int
    pupils: int
    by_pupil: int | None  # None: their agreement has no part for pupils (or parents)
    by_parent: int | None

    def percent(self, number: int | None) -> int | None:
        if number is None or not self.pupils:
            return None
        return round(100 * number / self.pupils)


def _parts_done(rule: Rule, state: CTE, *parts: str) -> ColumnElement[Any]:
    """SQL: how many pupils have any of these parts of the rule done (None: not its parts)."""
    flags = [state.c[f"done_{part}"] == 1 for part in parts if part in rule.parts]
    return func.count().filter(or_(*flags)) if flags else literal(None, Integer)


def signed_by_year(db: Session, pupil_rules: Iterable[Rule], school_id: int) -> dict[int, Signed]:
    """One aggregate query per pupil agreement (one per age band)."""
    found: dict[int, Signed] = {}
    for rule in pupil_rules:
        state = agreement_state(rule, school_id)
        rows: Sequence[tuple[int, int, int | None, int | None]] = db.execute(
            select(
                Pupil.year_group,
                func.count(),
                _parts_done(rule, state, SELF),
                _parts_done(rule, state, PARENT, COUNTERSIGN),
            )
            .outerjoin(state, state.c.subject_id == Pupil.id)
            .where(
                Pupil.school_id == school_id,
                Pupil.left_at.is_(None),
                Pupil.year_group.in_(rule.audience.years),
            )
            .group_by(Pupil.year_group)
        ).all()
        for year_group, pupils, by_pupil, by_parent in rows:
            found[year_group] = Signed(year_group, pupils, by_pupil, by_parent)
    return found


def signed_total(rows: Iterable[Signed]) -> tuple[int | None, int | None]:
    """The whole school's percentages signed by pupils and by parents, counting only the
    pupils whose agreement has that part."""

    def percent(part: str) -> int | None:
        counted = [row for row in rows if getattr(row, part) is not None]
        pupils = sum(row.pupils for row in counted)
        return round(100 * sum(getattr(row, part) for row in counted) / pupils) if pupils else None

    rows = list(rows)
    return percent("by_pupil"), percent("by_parent")
