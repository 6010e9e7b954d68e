"""Periods of school time (this year, this term, last term) and a pupil's level on an outcome
within one, worked out in SQL from their `outcome_progress` row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case
from sqlalchemy.orm import InstrumentedAttribute

from ...content.calendar import day_before, format_day, school_year_start, term_start, utc_midnight
from ...models import OutcomeProgress

LEVELS = {"not-taught": "Not taught", "taught": "Taught", "secure": "Secure"}


@dataclass(frozen=True)
class Period:
    """Work done from `start` (or ever) until `end` (or now); times in UTC."""

    key: str
    label: str
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    began: dt.date | None = None  # the first day, as the school's calendar shows it


def periods(today: dt.date) -> dict[str, Period]:
    term = term_start(today)
    last_term = term_start(day_before(term))
    year = school_year_start(today)
    return {
        period.key: period
        for period in (
            Period("all", "Everything so far"),
            Period(
                "year",
                f"This school year (from {format_day(year)})",
                utc_midnight(year),
                None,
                year,
            ),
            Period("term", f"This term (from {format_day(term)})", utc_midnight(term), None, term),
            Period(
                "last-term",
                f"Last term ({last_term:%-d %B} to {format_day(day_before(term))})",
                utc_midnight(last_term),
                utc_midnight(term),
                last_term,
            ),
        )
    }


def until(moment: dt.datetime) -> Period:
    return Period("until", f"Up to {format_day(moment)}", None, moment)


def _within(period: Period, when: InstrumentedAttribute[dt.datetime | None]) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [when.is_not(None)]
    if period.start is not None:
        conditions.append(when >= period.start)
    if period.end is not None:
        conditions.append(when < period.end)
    return and_(*conditions)


def level_in(period: Period) -> ColumnElement[str]:
    """SQL: a pupil's level on an outcome in the period, from their outcome_progress row."""
    return case(
        (_within(period, OutcomeProgress.secured_at), "secure"),
        (_within(period, OutcomeProgress.taught_at), "taught"),
        else_="not-taught",
    )
