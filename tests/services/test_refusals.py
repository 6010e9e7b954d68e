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


# --- A pupil or a member of staff says no to their own -----------------------------------------


def test_a_pupil_says_no_to_their_own_is_not_asked_again_and_a_later_yes_wins(app, db, school):
    pupil = make_pupil(db, school, year_group=8)
    all_rules = rules_on(app, db, AUTUMN)
    rule = rule_of(all_rules, "senior")
    refusals.decline(db, part_of(db, all_rules, pupil, "senior", SELF), pupil)
    assert status(db, rule, pupil) == "declined"
    [part] = agreements.parts_to_sign(db, all_rules, pupil)
    assert part.declined  # still theirs to agree to, but answered
    said = refusals.standing_refusal(db, part)
    assert (said.actor_type, said.actor_id, said.remark) == ("pupil", pupil.id, None)
    _, total = agreements.status_counts(db, rule, school.id)
    assert total.counts["declined"] == 1

    sign(db, school, rule, pupil, SELF, pupil, when=None)
    assert status(db, rule, pupil) == "signed"
    assert not part_of(db, all_rules, pupil, "senior", SELF).declined
    assert agreements.parts_to_sign(db, all_rules, pupil) == []
    assert verify_chains(db).problems == []


def test_a_member_of_staff_says_no_to_their_own_only_with_a_reason(app, db, school):
    teacher = make_staff(db, school)
    all_rules = rules_on(app, db, AUTUMN)
    part = part_of(db, all_rules, teacher, "work", SELF)
    with pytest.raises(RefusalError, match="Say why you do not accept it"):
        refusals.decline(db, part, teacher)
    [outcome] = refusals.decline(db, part, teacher, remark="I will not be monitored at home")
    assert outcome.record.language == part.rule.current.language  # the language of the text
    assert status(db, rule_of(all_rules, "work", "staff"), teacher) == "declined"
    assert verify_chains(db).problems == []


# --- The list the safeguarding lead sees --------------------------------------------------------


def test_the_list_shows_recent_refusals_and_withdrawals_newest_first(app, db, school):
    child = make_pupil(db, school, year_group=1, first_name="Amira", last_name="Ahmed")
    teen = make_pupil(db, school, year_group=9, first_name="Theo", last_name="Lee")
    mum = make_parent(db, school, [child])
    mum.name = "Sara Carer"
    lead = make_staff(db, school, role="ict_lead")
    lead.name = "Ms Khan"
    elsewhere = make_school(db, "Elsewhere")
    stranger = make_pupil(db, elsewhere, year_group=9)
    all_rules = rules_on(app, db, AUTUMN)
    senior, young = rule_of(all_rules, "senior"), rule_of(all_rules, "young")
    earlier = make_pupil(db, school, year_group=9)
    sign(db, school, senior, earlier, SELF, earlier, action="decline")  # in 2025: long ago
    sign(db, elsewhere, senior, stranger, SELF, stranger, when=None, action="decline")

    refusals.decline(db, part_of(db, all_rules, teen, "senior", SELF), teen, remark="Not fair")
    sign(db, school, young, child, PARENT, mum, when=None)
    db.expire_all()
    refusals.withdraw_own(db, part_of(db, all_rules, child, "young", PARENT), mum)
    refusals.decline(
        db, part_of(db, all_rules, child, "young", PARENT), lead, method="paper", remark="Slip: no"
    )
    sign(db, school, senior, teen, SELF, teen, when=None)  # Theo agrees after all

    lines = refusals.recent(db, school.id)
    assert [(line.name, line.withdrawn, line.by, line.record.remark) for line in lines] == [
        ("Amira Ahmed", False, "Ms Khan (staff)", "Slip: no"),
        ("Amira Ahmed", True, "Sara Carer (parent or carer)", None),
        ("Theo Lee", False, "themselves", "Not fair"),
    ]
    assert [line.agreed_since for line in lines] == [False, False, True]
    assert lines[0].title == "Young rules"
    assert lines[0].version == "2025.09"


def test_the_ict_lead_and_the_safeguarding_lead_see_the_list(db, school):
    dsl = "Safeguarding@Example.org"
    safeguarding = make_staff(db, school)
    safeguarding.email = "safeguarding@example.org"
    assert refusals.may_see_refusals(make_staff(db, school, role="ict_lead"), dsl)
    assert refusals.may_see_refusals(safeguarding, dsl)
    assert not refusals.may_see_refusals(make_staff(db, school, role="admin"), dsl)
    assert not refusals.may_see_refusals(make_staff(db, school), dsl)
    assert not refusals.may_see_refusals(make_staff(db, school), None)
