"""The report counts people by the version they last agreed to, and lists those still on a
superseded version under it."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.services import agreements
from portal.services.agreements import SELF, rules
from portal.services.catalogue import build
from tests.factories import make_pupil, make_school
from tests.services.test_agreements import (  # noqa: F401 (fixtures)
    AUTUMN,
    agreement_tree,
    policies_dir,
    rule_of,
    rules_on,
    sign,
)


@pytest.fixture
def school(db):
    school = make_school(db)
    db.commit()
    return school


def test_a_count_per_version_and_who_is_on_a_superseded_one(app, db, school, request):
    tree = request.getfixturevalue("agreement_tree")
    early, late, never = (make_pupil(db, school, year_group=8) for _ in range(3))
    early.first_name, late.first_name, never.first_name = "Early", "Late", "Never"
    db.commit()
    first = rule_of(rules_on(app, db, AUTUMN), "senior")
    sign(db, school, first, early, SELF, early)
    sign(db, school, first, late, SELF, late)
    tree.version(
        "2026.01",
        slug="senior",
        body="## Rules\n\nThe senior rules, second version.\n",
        effective_from=dt.date(2026, 1, 5),
        changes="A second version.",
    )
    tree.publish()
    after = rule_of(rules(build(db, tree.load()), dt.date(2026, 1, 5)), "senior")
    sign(db, school, after, late, SELF, late, when=dt.datetime(2026, 1, 6, 10))

    counts = agreements.version_counts(db, after, school.id)
    assert [(v.version.version, v.count, v.superseded) for v in counts] == [
        ("2026.01", 1, False),
        ("2025.09", 1, True),
    ]
    older = agreements.on_superseded(db, after, school.id)
    assert [row.name for rows in older.values() for row in rows] == [early.name]
