"""Every test runs on one fixed day (tests/conftest.py `pinned_day`), whatever day it is run."""

import datetime as dt

from portal.content.calendar import school_today, utcnow
from tests.conftest import TODAY


def test_the_portal_reads_the_pinned_day_with_the_clock_running():
    first = utcnow()
    assert school_today() == TODAY
    assert dt.timedelta(0) <= utcnow() - first < dt.timedelta(seconds=5)


def test_a_test_that_asks_for_the_real_clock_gets_it(real_clock):
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert abs(utcnow() - now) < dt.timedelta(seconds=5)
