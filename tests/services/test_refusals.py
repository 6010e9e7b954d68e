"""Saying no: a refusal shows as Declined, stops reminders and gives way to a later agreement;
a carer takes back only their own agreement, unless the school's rule lets the newer no stand;
the records join the chain and keep verifying."""

from __future__ import annotations

import pytest

from portal.services import agreements, refusals, reminders
from portal.services.acceptance import verify_chains
from portal.services.agreements import PARENT, SELF, parts_about, rules
from portal.services.refusals import RefusalError
from tests.factories import catalogue_of, make_parent, make_pupil, make_school, make_staff
from tests.services.test_agreements import (  # noqa: F401 (fixtures)
    AUTUMN,
    agreement_tree,
    policies_dir,
    rule_of,
    rules_on,
    sign,
    status,
)


@pytest.fixture
def school(db):
    school = make_school(db)
    db.commit()
    return school


def part_of(db, all_rules, subject, slug, part):
    return next(
        p
        for p in parts_about(db, all_rules, subject)
        if p.rule.policy.slug == slug and p.part == part
    )


def test_a_parent_declining_shows_declined_stops_reminders_and_a_later_yes_wins(app, db, school):
    parent = make_parent(db, school, [make_pupil(db, school, year_group=1)], email="p@x.org")
    all_rules = rules_on(app, db, AUTUMN)
    rule = rule_of(all_rules, "family")
    assert [f.parent.id for f in reminders.families_to_remind(db, rule, school.id)] == [parent.id]

    refusals.decline(db, part_of(db, all_rules, parent, "family", SELF), parent)
    assert status(db, rule, parent) == "declined"
    assert reminders.families_to_remind(db, rule, school.id) == []
    _, total = agreements.status_counts(db, rule, school.id)
    assert total.counts["declined"] == 1

    sign(db, school, rule, parent, SELF, parent, when=None)
    assert status(db, rule, parent) == "signed"
    assert verify_chains(db).problems == []


def test_a_carer_declines_for_a_child_and_staff_need_a_remark(app, db, school):
    child = make_pupil(db, school, year_group=1)
    make_parent(db, school, [child], email="p@x.org")
    staff = make_staff(db, school, role="ict_lead")
    all_rules = rules_on(app, db, AUTUMN)
    rule = rule_of(all_rules, "young")
    part = part_of(db, all_rules, child, "young", PARENT)
    with pytest.raises(RefusalError, match="Say how they told you"):
        refusals.decline(db, part, staff, method="paper")
    refusals.decline(db, part, staff, method="paper", remark="Slip came back marked no")
    assert status(db, rule, child) == "declined"
    assert reminders.families_to_remind(db, rule, school.id) == []
    row = db.execute(agreements.people(rule, school.id, subject_id=child.id)).one()
    assert (row.method, row.recorded_by) == ("paper", staff.name)


@pytest.mark.parametrize(
    ("carers", "expected"), [("agreed-stands", "signed"), ("no-stands", "pending")]
)
def test_one_carer_withdraws_their_own_and_the_school_rule_decides(
    app, db, school, carers, expected
):
    child = make_pupil(db, school, year_group=1)
    mum, dad = make_parent(db, school, [child]), make_parent(db, school, [child])
    all_rules = rules(catalogue_of(app), AUTUMN, carers)
    rule = rule_of(all_rules, "young")
    sign(db, school, rule, child, PARENT, mum, when=None)
    sign(db, school, rule, child, PARENT, dad, when=None)
    db.expire_all()
    outcome = refusals.withdraw_own(db, part_of(db, all_rules, child, "young", PARENT), dad)
    assert (outcome[0].record.actor_type, outcome[0].record.actor_id) == ("parent", dad.id)
    assert outcome[0].record.action == "withdraw"
    assert status(db, rule, child) == expected
    with pytest.raises(RefusalError, match="no agreement of yours"):
        refusals.withdraw_own(db, part_of(db, all_rules, child, "young", PARENT), dad)
    assert verify_chains(db).problems == []


def test_a_carer_who_agreed_is_told_to_take_it_back_rather_than_decline(app, db, school):
    parent = make_parent(db, school, [make_pupil(db, school, year_group=1)])
    all_rules = rules_on(app, db, AUTUMN)
    sign(db, school, rule_of(all_rules, "family"), parent, SELF, parent, when=None)
    db.expire_all()
    with pytest.raises(RefusalError, match="take back"):
        refusals.decline(db, part_of(db, all_rules, parent, "family", SELF), parent)


def test_an_unknown_rule_for_carers_is_refused(app, db, school):
    with pytest.raises(ValueError, match="carers who disagree"):
        rules(catalogue_of(app), AUTUMN, "maybe")
