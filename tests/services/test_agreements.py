"""Who must sign what: age bands, countersigning, new versions, new school years, withdrawals,
and the school's counts, worked out in SQL."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.content import load_content
from portal.content.calendar import school_year_start
from portal.content.policies import ACCEPTED_BY
from portal.services import agreements
from portal.services.acceptance import Entry, Signature, append
from portal.services.agreements import (
    AUDIENCES,
    COUNTERSIGN,
    PARENT,
    SELF,
    parts_about,
    rules,
)
from portal.services.catalogue import build
from portal.services.policy_records import record_versions, recorded
from tests.factories import (
    ContentTree,
    catalogue_of,
    make_class,
    make_parent,
    make_pupil,
    make_school,
    make_staff,
)

AUTUMN = dt.date(2025, 10, 1)  # in the 2025 to 2026 school year
IN_AUTUMN = dt.datetime(2025, 10, 1, 9, 0)


@pytest.fixture
def agreement_tree(tmp_path) -> ContentTree:
    """One policy for each kind of audience, each with one published version (2025.09)."""
    tree = ContentTree(tmp_path / "project")
    for order, (slug, accepted_by, renew) in enumerate(
        [
            ("young", ["pupils-4-7-via-parent"], ["new-version", "school-year"]),
            ("junior", ["pupils-7-11-with-parent"], ["new-version", "school-year"]),
            ("senior", ["pupils-11-plus"], ["new-version"]),
            ("family", ["parents"], ["new-version"]),
            ("work", ["staff", "governors"], ["new-version", "school-year"]),
            ("guests", ["visitors"], []),
            ("guidance", [], []),
        ]
    ):
        tree.policy(
            slug, title=f"{slug.title()} rules", order=order, accepted_by=accepted_by, renew=renew
        )
        tree.version(slug=slug, body=f"## Rules\n\nThe {slug} rules, first version.\n")
    tree.publish()
    return tree


@pytest.fixture
def policies_dir(agreement_tree) -> object:
    return agreement_tree.policies


@pytest.fixture
def school(db):
    school = make_school(db)
    db.commit()
    return school


def rules_on(app, db, day: dt.date):
    return rules(catalogue_of(app), day)


def rule_of(all_rules, slug: str, audience: str | None = None):
    return next(
        r
        for r in all_rules
        if r.policy.slug == slug and (audience is None or r.audience.key == audience)
    )


def sign(db, school, rule, subject, part, actor, when=IN_AUTUMN, version_id=None, action="accept"):
    outcomes = append(
        db,
        school.id,
        [
            Entry(
                subject.person_kind,
                subject.id,
                part,
                version_id or rule.current_id,
                rule.versions_by_id[version_id or rule.current_id].content_hash,
                action=action,
            )
        ],
        Signature(actor.person_kind, actor.id),
        now=when,
    )
    db.commit()
    return outcomes[0].record


def status(db, rule, subject) -> str:
    db.expire_all()
    return agreements.status_of(db, rule, subject)


def test_every_accepted_by_value_has_an_audience():
    assert set(AUDIENCES) == set(ACCEPTED_BY)


@pytest.mark.parametrize(
    ("year_group", "policy", "parts"),
    [
        (0, "young", (PARENT,)),  # Reception: a parent or carer accepts for them
        (2, "young", (PARENT,)),
        (3, "junior", (SELF, COUNTERSIGN)),  # Year 3: the child signs, a parent countersigns
        (6, "junior", (SELF, COUNTERSIGN)),
        (7, "senior", (SELF,)),  # Year 7 and up: they sign for themselves
        (13, "senior", (SELF,)),
    ],
)
def test_the_age_band_decides_the_policy_and_who_signs(app, db, school, year_group, policy, parts):
    pupil = make_pupil(db, school, year_group=year_group)
    found = parts_about(db, rules_on(app, db, AUTUMN), pupil)
    assert {part.rule.policy.slug for part in found} == {policy}
    assert tuple(part.part for part in found) == parts
    assert all(not part.done for part in found)


def test_parents_staff_governors_and_visitors_sign_their_own(app, db, school):
    from portal.models import Visitor

    all_rules = rules_on(app, db, AUTUMN)
    parent = make_parent(db, school, [make_pupil(db, school, year_group=4)])
    staff = make_staff(db, school, "ict_lead")
    governor = Visitor(school_id=school.id, name="G. Overnor", kind="governor")
    volunteer = Visitor(school_id=school.id, name="V. Olunteer", kind="volunteer")
    db.add_all([governor, volunteer])
    db.flush()
    assert [p.rule.policy.slug for p in parts_about(db, all_rules, parent)] == ["family"]
    assert [p.rule.policy.slug for p in parts_about(db, all_rules, staff)] == ["work"]
    assert [
        (p.rule.policy.slug, p.rule.audience.key) for p in parts_about(db, all_rules, governor)
    ] == [("work", "governors")]
    assert [p.rule.policy.slug for p in parts_about(db, all_rules, volunteer)] == ["guests"]


def test_a_parent_accepting_completes_a_four_to_seven_agreement(app, db, school):
    child = make_pupil(db, school, year_group=1)
    parent = make_parent(db, school, [child])
    rule = rule_of(rules_on(app, db, AUTUMN), "young")
    assert status(db, rule, child) == "pending"
    sign(db, school, rule, child, PARENT, parent)
    assert status(db, rule, child) == "signed"


def test_seven_to_eleven_is_complete_only_with_the_child_and_a_parent(app, db, school):
    child = make_pupil(db, school, year_group=4)
    other = make_pupil(db, school, year_group=4)
    parent = make_parent(db, school, [child, other])
    rule = rule_of(rules_on(app, db, AUTUMN), "junior")
    sign(db, school, rule, child, SELF, child)
    assert status(db, rule, child) == "awaiting-parent"
    sign(db, school, rule, other, COUNTERSIGN, parent)
    assert status(db, rule, other) == "awaiting-pupil"
    sign(db, school, rule, child, COUNTERSIGN, parent)
    assert status(db, rule, child) == "countersigned"


def test_moving_up_a_band_brings_the_new_bands_policy(app, db, school):
    """Year 2 to Year 3: the 4 to 7 agreement no longer applies; the 7 to 11 one is pending."""
    child = make_pupil(db, school, year_group=2)
    parent = make_parent(db, school, [child])
    all_rules = rules_on(app, db, AUTUMN)
    sign(db, school, rule_of(all_rules, "young"), child, PARENT, parent)
    assert all(p.complete for p in parts_about(db, all_rules, child))
    child.year_group = 3
    db.commit()
    moved = parts_about(db, all_rules, child)
    assert {p.rule.policy.slug for p in moved} == {"junior"}
    assert [p.status for p in moved] == ["pending", "pending"]


def test_a_new_published_version_makes_it_pending_again(app, db, school, agreement_tree):
    child = make_pupil(db, school, year_group=8)
    first = rule_of(rules_on(app, db, AUTUMN), "senior")
    sign(db, school, first, child, SELF, child)
    assert status(db, first, child) == "signed"
    agreement_tree.version(
        "2026.01",
        slug="senior",
        body="## Rules\n\nThe senior rules, second version.\n",
        effective_from=dt.date(2026, 1, 5),
        changes="A second version.",
    )
    agreement_tree.publish()
    content = load_content(agreement_tree.policies)
    assert record_versions(db, content) == 1
    catalogue = build(db, content)
    before = rule_of(rules(catalogue, dt.date(2026, 1, 4)), "senior")
    after = rule_of(rules(catalogue, dt.date(2026, 1, 5)), "senior")
    assert before.current.version == "2025.09"
    assert status(db, before, child) == "signed"
    assert after.current.version == "2026.01"
    assert status(db, after, child) == "older"
    assert agreements.last_signed_version(db, after, "pupil", child.id).version == "2025.09"
    sign(db, school, after, child, SELF, child, when=dt.datetime(2026, 1, 6, 10))
    assert status(db, after, child) == "signed"
    assert agreements.last_signed_version(db, after, "pupil", child.id) is None


def test_a_new_school_year_makes_a_yearly_agreement_pending_again(app, db, school):
    staff = make_staff(db, school)
    rule = rule_of(rules_on(app, db, AUTUMN), "work", "staff")
    sign(db, school, rule, staff, SELF, staff, when=dt.datetime(2025, 9, 3, 8))
    assert status(db, rule_of(rules_on(app, db, dt.date(2026, 8, 31)), "work"), staff) == "signed"
    next_year = rule_of(rules_on(app, db, dt.date(2026, 9, 1)), "work")
    assert status(db, next_year, staff) == "older"


def test_the_school_year_starts_on_1_september_in_england(app, db, school):
    assert school_year_start(dt.date(2026, 8, 31)) == dt.date(2025, 9, 1)
    assert school_year_start(dt.date(2026, 9, 1)) == dt.date(2026, 9, 1)
    staff = make_staff(db, school)
    rule = rule_of(rules_on(app, db, dt.date(2026, 9, 1)), "work")
    # 23:30 UTC on 31 August is 00:30 on 1 September in London (summer time).
    sign(db, school, rule, staff, SELF, staff, when=dt.datetime(2026, 8, 31, 23, 30))
    assert status(db, rule, staff) == "signed"


def test_a_policy_that_does_not_renew_keeps_an_older_agreement(app, db, school, agreement_tree):
    from portal.models import Visitor

    visitor = Visitor(school_id=school.id, name="Vi Sitor", kind="visitor")
    db.add(visitor)
    db.flush()
    sign(
        db,
        school,
        rule_of(rules_on(app, db, AUTUMN), "guests"),
        visitor,
        SELF,
        make_staff(db, school),
    )
    agreement_tree.version("2026.01", slug="guests", effective_from=dt.date(2026, 1, 5))
    agreement_tree.publish()
    later = rule_of(rules(build(db, agreement_tree.load()), dt.date(2027, 1, 1)), "guests")
    assert later.current.version == "2026.01"
    assert status(db, later, visitor) == "signed"


def test_a_withdrawal_makes_it_pending_and_keeps_the_record(app, db, school):
    from sqlalchemy import func, select

    from portal.models import Acceptance

    child = make_pupil(db, school, year_group=1)
    parent = make_parent(db, school, [child])
    staff = make_staff(db, school)
    rule = rule_of(rules_on(app, db, AUTUMN), "young")
    sign(db, school, rule, child, PARENT, parent)
    sign(
        db,
        school,
        rule,
        child,
        PARENT,
        staff,
        when=IN_AUTUMN + dt.timedelta(hours=1),
        action="withdraw",
    )
    assert status(db, rule, child) == "pending"
    assert db.scalar(select(func.count()).select_from(Acceptance)) == 2
    # A carer who agrees again afterwards counts.
    other = make_parent(db, school, [child])
    sign(db, school, rule, child, PARENT, other, when=IN_AUTUMN + dt.timedelta(hours=2))
    assert status(db, rule, child) == "signed"


def test_older_versions_do_not_count_before_they_are_in_force(app, db, school):
    """Rules follow the version in force on the day, not the newest file."""
    catalogue = catalogue_of(app)
    assert rules(catalogue, dt.date(2025, 8, 31)) == []  # nothing in force yet
    assert {r.policy.slug for r in rules(catalogue, AUTUMN)} == {
        "young",
        "junior",
        "senior",
        "family",
        "work",
        "guests",
    }


def test_counts_and_percentages_by_class_come_from_sql(app, db, school):
    class_a, class_b = make_class(db, school, "4A", 4), make_class(db, school, "4B", 4)
    pupils_a = [make_pupil(db, school, class_a) for _ in range(3)]
    pupils_b = [make_pupil(db, school, class_b) for _ in range(2)]
    parent = make_parent(db, school, [pupils_a[0], pupils_b[0]])
    rule = rule_of(rules_on(app, db, AUTUMN), "junior")
    sign(db, school, rule, pupils_a[0], SELF, pupils_a[0])
    sign(db, school, rule, pupils_a[0], COUNTERSIGN, parent)
    sign(db, school, rule, pupils_a[1], SELF, pupils_a[1])
    sign(db, school, rule, pupils_b[0], COUNTERSIGN, parent)
    by_class, total = agreements.status_counts(db, rule, school.id)
    a, b = by_class
    assert (a.group_name, a.total, a.complete, a.complete_percent) == ("4A", 3, 1, 33)
    assert a.counts["awaiting-parent"] == 1
    assert a.counts["pending"] == 1
    assert a.percents["pending"] == 33
    assert (b.group_name, b.total, b.counts["awaiting-pupil"], b.percents["awaiting-pupil"]) == (
        "4B",
        2,
        1,
        50,
    )
    assert (total.total, total.complete, total.complete_percent) == (5, 1, 20)
    only_b, total_b = agreements.status_counts(db, rule, school.id, class_b.id)
    assert [g.group_name for g in only_b] == ["4B"]
    assert total_b.total == 2
    missing = agreements.missing(db, rule, school.id)
    assert [row.group_name for row in missing] == ["4A", "4A", "4B", "4B"]  # class by class
    assert {row.subject_id for row in missing} == {p.id for p in [*pupils_a[1:], *pupils_b]}
    pending = agreements.missing(db, rule, school.id, status="pending")
    assert {row.subject_id for row in pending} == {pupils_a[2].id, pupils_b[1].id}


def test_a_parent_with_children_in_two_classes_is_counted_once(app, db, school):
    class_a, class_b = make_class(db, school, "1A", 1), make_class(db, school, "5B", 5)
    parent = make_parent(
        db, school, [make_pupil(db, school, class_a), make_pupil(db, school, class_b)]
    )
    make_parent(db, school, [make_pupil(db, school, class_a)])
    rule = rule_of(rules_on(app, db, AUTUMN), "family")
    sign(db, school, rule, parent, SELF, parent)
    by_class, total = agreements.status_counts(db, rule, school.id)
    assert [(g.group_name, g.total, g.complete) for g in by_class] == [("1A", 2, 1), ("5B", 1, 1)]
    assert (total.total, total.complete, total.complete_percent) == (2, 1, 50)


def test_people_who_left_are_not_counted(app, db, school):
    from portal.content.calendar import utcnow

    make_pupil(db, school, year_group=8)
    make_pupil(db, school, year_group=8, left_at=utcnow())
    rule = rule_of(rules_on(app, db, AUTUMN), "senior")
    assert agreements.status_total(db, rule, school.id).total == 1


def test_version_ids_are_recorded_for_every_published_version(app, db):
    ids = {(v.slug, v.version.version): v.record_id for v in catalogue_of(app).versions}
    assert set(ids) == {
        (slug, "2025.09")
        for slug in ("young", "junior", "senior", "family", "work", "guests", "guidance")
    }
    assert ids == {(r.policy, r.version): r.id for r in recorded(db).values()}
