"""Visitors marked as left: kept with their records, no longer counted as not signed in the
report or the figures at a glance, listed apart with the date, and put back in one step."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.models import AuditEvent
from portal.services import agreements, overview, visitors
from portal.web.runtime import runtime
from tests.factories import catalogue_of, make_school, make_staff
from tests.services.test_agreements import (  # noqa: F401 (fixtures)
    AUTUMN,
    agreement_tree,
    policies_dir,
    rule_of,
    rules_on,
)

LEFT_ON = dt.datetime(2025, 11, 3, 15, 30)


@pytest.fixture
def lead(db):
    lead = make_staff(db, make_school(db), role="ict_lead")
    db.commit()
    return lead


def figures(app, db, school_id, rule):
    found = overview.overview(
        db,
        catalogue_of(app).content,
        runtime(app).curriculum,
        [rule],
        school_id,
        AUTUMN,
    )
    [(_, counts)] = found.signed
    return counts.total, counts.counts["pending"]


def test_a_visitor_marked_as_left_no_longer_counts_until_put_back(app, db, lead):
    rule = rule_of(rules_on(app, db, AUTUMN), "guests")
    gone = visitors.add(db, lead, "Pat Plumber", "visitor", "Pipes Ltd")
    stays = visitors.add(db, lead, "Val Volunteer", "volunteer")
    db.commit()
    assert figures(app, db, lead.school_id, rule) == (2, 2)

    assert visitors.mark_left(db, lead, gone, now=LEFT_ON)
    db.commit()
    assert figures(app, db, lead.school_id, rule) == (1, 1)
    assert [row.name for row in agreements.missing(db, rule, lead.school_id)] == ["Val Volunteer"]
    listed = visitors.listed(db, lead.school_id)
    assert (listed.here, listed.left) == ([stays], [gone])
    assert not visitors.mark_left(db, lead, gone)  # pressed twice: the first date stays
    assert gone.left_at == LEFT_ON

    assert visitors.mark_back(db, lead, gone)
    db.commit()
    assert figures(app, db, lead.school_id, rule) == (2, 2)
    assert not visitors.mark_back(db, lead, gone)
    logged = db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.subject_type == "visitor", AuditEvent.subject_id == gone.id)
        .order_by(AuditEvent.id)
    ).all()
    assert logged == ["visitor-added", "visitor-left", "visitor-left-undone"]


def test_a_visitor_of_an_unknown_kind_is_refused(db, lead):
    with pytest.raises(ValueError, match="visitor, volunteer, governor"):
        visitors.add(db, lead, "Sam", "contractor")
