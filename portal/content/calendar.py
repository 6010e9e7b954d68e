"""The school's calendar: what day it is in England, the school year and its terms, and days as
people read them.

One module for it, in content, which every layer may use: so the policy site (which version is
in force on the day it is built), the portal (which agreements count this school year, the time
each record is stamped with) and coverage (this term) all reckon with the same days. The time is
read in one place, `clock`, so a test sets the day everything runs on by replacing it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SCHOOL_TIME = ZoneInfo("Europe/London")
SCHOOL_YEAR_STARTS = (9, 1)  # 1 September
# Autumn from 1 September, spring from 1 January, summer from 1 April (month, day), latest first.
TERM_STARTS = ((9, 1), (4, 1), (1, 1))


def clock() -> dt.datetime:
    """Now, in UTC: every reading of the time goes through here."""
    return dt.datetime.now(dt.UTC)


def utcnow() -> dt.datetime:
    """Now in UTC without a zone, as the database keeps times."""
    return clock().replace(tzinfo=None)


def school_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in England, from a UTC time (as the database keeps them)."""
    return local_time(now or utcnow()).date()


def local_time(utc: dt.datetime) -> dt.datetime:
    """A UTC time without a zone, as the database keeps it, as a clock in England shows it."""
    return utc.replace(tzinfo=dt.UTC).astimezone(SCHOOL_TIME)


def utc_midnight(day: dt.date) -> dt.datetime:
    """The start of a day in England, in UTC without a zone (to compare with stored times)."""
    local = dt.datetime(day.year, day.month, day.day, tzinfo=SCHOOL_TIME)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def school_year_start(day: dt.date) -> dt.date:
    """The first day of the school year `day` is in."""
    month, first = SCHOOL_YEAR_STARTS
    year = day.year if (day.month, day.day) >= SCHOOL_YEAR_STARTS else day.year - 1
    return dt.date(year, month, first)


def term_start(day: dt.date) -> dt.date:
    """The first day of the term `day` is in."""
    month, first = next(start for start in TERM_STARTS if (day.month, day.day) >= start)
    return dt.date(day.year, month, first)


def day_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=1)


def day_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=1)


def in_force_on(starts: dt.date | None, until: dt.date | None, day: dt.date) -> bool:
    """Whether something in force from `starts` (or always) until the day before `until` (or for
    good) is in force on `day`."""
    return (starts is None or starts <= day) and (until is None or day < until)


def format_day(day: dt.date) -> str:
    """A day as people in England write it: 2 December 2026."""
    return f"{day.day} {day:%B %Y}"
