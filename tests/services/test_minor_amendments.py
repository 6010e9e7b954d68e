"""A minor amendment carries agreements over: a person who agreed to the version it amends is
not asked again and counts as signed, through a chain of minor amendments, until a major
version asks everyone again. Every record still names the version it agreed to."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.content import load_content
from portal.models import Acceptance
from portal.services import agreements
from portal.services.acceptance import verify_chains
from portal.services.agreements import COUNTERSIGN, PARENT, SELF, parts_to_sign, rules
from portal.services.catalogue import build
from tests.content.test_minor_amendments import CORRECTED, RULES
from tests.factories import (
    ContentTree,
    catalogue_of,
    make_parent,
    make_pupil,
    make_school,
    make_staff,
)
from tests.services.test_agreements import IN_AUTUMN, rule_of, sign, status

JANUARY = dt.date(2026, 1, 5)
IN_JANUARY = dt.datetime(2026, 1, 6, 10)
TWICE_CORRECTED = CORRECTED.replace("anything here", "anything in these rules")


@pytest.fixture
def amend_tree(tmp_path) -> ContentTree:
    """Policies for parents, children aged 4 to 7, staff and pupils aged 7 to 11, each with a
    2025.09 version long enough for a one-word correction to be minor."""
    tree = ContentTree(tmp_path / "project")
    for order, (slug, accepted_by, renew) in enumerate(
        [
            ("family", ["parents"], ["new-version"]),
            ("young", ["pupils-4-7-via-parent"], ["new-version"]),
            ("junior", ["pupils-7-11-with-parent"], ["new-version", "school-year"]),
            ("work", ["staff"], ["new-version", "school-year"]),
        ]
    ):
        tree.policy(slug, title=f"{slug} rules", order=order, accepted_by=accepted_by, renew=renew)
        tree.version(slug=slug, body=RULES)
    tree.publish()
    return tree


@pytest.fixture
def policies_dir(amend_tree):
    return amend_tree.policies


def publish(db, tree: ContentTree, slug: str, name: str, body: str, day: dt.date, **fields):
    """Publish a new version of `slug`, record it as the portal does, and return the catalogue."""
    tree.version(name, slug=slug, body=body, effective_from=day, changes="Changed.", **fields)
    tree.publish()
    return build(db, load_content(tree.policies))


def rules_of(catalogue, day: dt.date, slug: str):
    return rule_of(rules(catalogue, day), slug)


def family_and_rule(app, db, year_group: int, slug: str):
    """A school with a child in `year_group` and their parent, and the rule of `slug` before
    any amendment."""
    school = make_school(db)
    child = make_pupil(db, school, year_group=year_group)
    parent = make_parent(db, school, [child])
    return school, child, parent, rules_of(catalogue_of(app), JANUARY, slug)


def test_a_parent_who_signed_the_amended_version_counts_as_signed_and_is_not_asked(
    app, db, amend_tree
):
    school = make_school(db)
    parent = make_parent(db, school, [make_pupil(db, school, year_group=4)])
    first = rules_of(catalogue_of(app), JANUARY, "family")
    record = sign(db, school, first, parent, SELF, parent)
    content = publish(db, amend_tree, "family", "2026.01", CORRECTED, JANUARY, minor="A name")
    amended = rules_of(content, JANUARY, "family")
    assert amended.current.version == "2026.01"
    assert status(db, amended, parent) == "signed"
    to_sign = parts_to_sign(db, rules(content, JANUARY), parent)
    assert [p.rule.policy.slug for p in to_sign if p.part == SELF] == []
    [part] = agreements.parts_about(db, [amended], parent)
    assert part.done_by.id == record.id
    assert part.signed_version.version == "2025.09"


def test_agreements_carry_over_through_a_chain_of_minor_amendments(app, db, amend_tree):
    school = make_school(db)
    staff = make_staff(db, school)
    first = rules_of(catalogue_of(app), JANUARY, "work")
    sign(db, school, first, staff, SELF, staff)
    publish(db, amend_tree, "work", "2026.01", CORRECTED, JANUARY, minor="A name")
    later = JANUARY + dt.timedelta(days=14)
    content = publish(db, amend_tree, "work", "2026.01.1", TWICE_CORRECTED, later, minor="Wording")
    rule = rules_of(content, later, "work")
    assert rule.current.version == "2026.01.1"
    assert status(db, rule, staff) == "signed"
    assert agreements.parts_to_sign(db, [rule], staff) == []


def test_a_major_version_after_a_minor_amendment_asks_everyone_again(app, db, amend_tree):
    school, child, parent, first = family_and_rule(app, db, 1, "young")
    sign(db, school, first, child, PARENT, parent)
    publish(db, amend_tree, "young", "2026.01", CORRECTED, JANUARY, minor="A name")
    spring = dt.date(2026, 4, 13)
    content = publish(
        db, amend_tree, "young", "2026.04", CORRECTED.replace("kind", "kind and fair"), spring
    )
    assert status(db, rules_of(content, JANUARY, "young"), child) == "signed"
    major = rules_of(content, spring, "young")
    assert status(db, major, child) == "older"
    [part] = agreements.parts_to_sign(db, [major], parent)
    assert (part.subject.id, part.part) == (child.id, PARENT)
    # "What changed since you signed" compares with the version they really signed.
    assert agreements.last_signed_version(db, major, "parent", parent.id).version == "2025.09"


def test_a_new_school_year_still_asks_again_after_a_minor_amendment(app, db, amend_tree):
    school, child, parent, first = family_and_rule(app, db, 4, "junior")
    sign(db, school, first, child, SELF, child)
    sign(db, school, first, child, COUNTERSIGN, parent)
    content = publish(db, amend_tree, "junior", "2026.01", CORRECTED, JANUARY, minor="A name")
    assert status(db, rules_of(content, JANUARY, "junior"), child) == "countersigned"
    next_year = rules_of(content, dt.date(2026, 9, 1), "junior")
    assert status(db, next_year, child) == "older"


def test_the_report_counts_the_amended_version_as_still_counting(app, db, amend_tree):
    school = make_school(db)
    early, late, none = (make_staff(db, school) for _ in range(3))
    first = rules_of(catalogue_of(app), JANUARY, "work")
    sign(db, school, first, early, SELF, early)
    content = publish(db, amend_tree, "work", "2026.01", CORRECTED, JANUARY, minor="A name")
    rule = rules_of(content, JANUARY, "work")
    sign(db, school, rule, late, SELF, late, when=IN_JANUARY)
    assert [
        (v.version.version, v.count, v.superseded, [a.version for a in v.amended_by])
        for v in agreements.version_counts(db, rule, school.id)
    ] == [("2026.01", 1, False, []), ("2025.09", 1, False, ["2026.01"])]
    assert agreements.on_superseded(db, rule, school.id) == {}
    total = agreements.status_total(db, rule, school.id)
    assert (total.total, total.complete, total.counts["pending"]) == (3, 2, 1)
    assert [row.subject_id for row in agreements.missing(db, rule, school.id)] == [none.id]


def test_every_record_names_the_version_it_agreed_to_and_the_chain_verifies(app, db, amend_tree):
    school = make_school(db)
    early, late = make_staff(db, school), make_staff(db, school)
    first = rules_of(catalogue_of(app), JANUARY, "work")
    sign(db, school, first, early, SELF, early, when=IN_AUTUMN)
    content = publish(db, amend_tree, "work", "2026.01", CORRECTED, JANUARY, minor="A name")
    rule = rules_of(content, JANUARY, "work")
    sign(db, school, rule, late, SELF, late, when=IN_JANUARY)
    by_version = {v.version: i for i, v in rule.versions_by_id.items()}
    hashes = {v.version: v.content_hash for v in rule.versions_by_id.values()}
    records = db.query(Acceptance).order_by(Acceptance.id).all()
    assert [(r.policy_version_id, r.content_hash) for r in records] == [
        (by_version["2025.09"], hashes["2025.09"]),
        (by_version["2026.01"], hashes["2026.01"]),
    ]
    report = verify_chains(db)
    assert (report.records, report.problems) == (2, [])
