"""The demo school has real agreement data: parents who signed the September 2026 parent
agreement are asked again once the January 2027 version is in force, and pupils from Year 8 have
their own photo views."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.models import Parent, Pupil, School
from portal.services import agreements, consents
from portal.services.demo import EARLIER_SIGNERS, SLUG, reset_demo_school
from tests.factories import catalogue_of

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def policies_dir():
    """The demo school's own policies."""
    return PROJECT / "policies"


def test_parents_who_signed_in_september_are_asked_again_in_january(app, db):
    reset_demo_school(db)
    db.commit()
    catalogue = catalogue_of(app)
    parents = db.scalars(select(Parent).order_by(Parent.reference)).all()
    signer = next(p for p in parents if p.reference == f"C{2000 + EARLIER_SIGNERS[0]}")
    before = next(
        r
        for r in agreements.rules(catalogue, dt.date(2027, 1, 3))
        if r.policy.slug == "parent-agreement"
    )
    after = next(
        r
        for r in agreements.rules(catalogue, dt.date(2027, 1, 4))
        if r.policy.slug == "parent-agreement"
    )
    assert before.current.version == "2026.09"
    assert after.current.version == "2027.01.1"  # 2027.01, corrected before its first day
    assert agreements.status_of(db, before, signer) == "signed"
    assert agreements.status_of(db, after, signer) == "older"  # signed an earlier version
    assert agreements.last_signed_version(db, after, "parent", signer.id).version == "2026.09"
    assert agreements.status_of(db, before, parents[0]) == "pending"


def test_demo_pupils_from_year_8_have_their_own_photo_views(app, db):
    reset_demo_school(db)
    db.commit()
    pupils = db.scalars(select(Pupil).where(Pupil.year_group >= 8)).all()
    views = consents.views(db, pupils)
    own = [v for pupil in pupils for v in views[pupil.id].values() if v.pupil is not None]
    assert own
    assert any(v.parent.given and not v.pupil.given and not v.allowed for v in own)
    db.expunge_all()
    reset_demo_school(db)  # made afresh on every start, agreement records and all
    db.commit()
    assert len(db.scalars(select(School).where(School.slug == SLUG)).all()) == 1
