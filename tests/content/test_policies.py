import datetime as dt

import pytest

from portal.content.hashing import content_hash


@pytest.fixture
def versioned(tree):
    tree.policy()
    tree.version("2024.09", "## Rules\n\nBe kind online.\n")
    tree.version(
        "2025.09",
        "## Rules\n\nBe kind online. Ask before sharing photos.\n",
        changes="Added a rule about photos.",
    )
    tree.version("2026.01", "## Rules\n\nDraft text.\n", status="draft")
    tree.publish()
    return tree.load().policy("rules")


def test_versions_are_ordered_and_the_newest_in_force_is_current(versioned):
    assert [v.version for v in versioned.versions] == ["2024.09", "2025.09", "2026.01"]
    assert versioned.current(dt.date(2025, 1, 1)).version == "2024.09"
    assert versioned.current(dt.date(2025, 9, 1)).version == "2025.09"


def test_a_published_version_not_yet_in_force_is_upcoming_not_current(tree):
    tree.policy()
    tree.version("2025.09")
    tree.version("2026.09", effective_from=dt.date(2026, 9, 1))
    tree.publish()
    policy = tree.load().policy("rules")
    assert policy.current(dt.date(2026, 8, 31)).version == "2025.09"
    assert [v.version for v in policy.upcoming(dt.date(2026, 8, 31))] == ["2026.09"]


def test_drafts_are_loaded_but_never_counted_as_published(versioned):
    assert [v.version for v in versioned.published] == ["2024.09", "2025.09"]
    assert versioned.current(dt.date(2030, 1, 1)).version == "2025.09"


def test_predecessor_and_successor_skip_drafts(versioned):
    first, second, draft = versioned.versions
    assert versioned.predecessor(second) is first
    assert versioned.successor(first) is second
    assert versioned.successor(second) is None
    assert versioned.predecessor(draft) is second


def test_placeholders_are_filled_from_the_school_profile(tree):
    tree.policy()
    tree.version(
        body="## Help\n\nTell {{ roles.dsl.name }} at {{ school.name }}.\n{{ choices.phones }}\n"
    )
    tree.publish()
    text = tree.load().policy("rules").versions[0].text
    assert "Tell Ms Dee Ess at Test School." in text
    assert "Phones stay in bags." in text
    assert "{{" not in text


def test_the_hash_is_of_the_text_people_read_with_values_filled_in(tree):
    tree.policy()
    tree.version(body="## Help\n\nAsk {{ roles.dsl.name }}.\n")
    tree.publish()
    version = tree.load().policy("rules").versions[0]
    assert version.content_hash == content_hash("## Help\n\nAsk Ms Dee Ess.\n")


def test_policy_metadata_is_typed(versioned):
    assert versioned.title == "Class rules"
    assert versioned.accepted_by == ("pupils-11-plus",)
    assert versioned.renew == ("new-version",)
    second = versioned.versions[1]
    assert second.effective_from == dt.date(2025, 9, 1)
    assert second.changes == "Added a rule about photos."


def test_the_demo_school_content_loads(project):
    from portal.content import load_content

    content = load_content(project / "policies")
    slugs = {policy.slug for policy in content.policies}
    assert {
        "e-safeguarding",
        "pupil-aup-4-7",
        "pupil-aup-7-11",
        "pupil-aup-11-18",
        "staff-aup",
        "visitor-aup",
        "parent-agreement",
    } <= slugs
    seven_to_eleven = content.policy("pupil-aup-7-11")
    assert len(seven_to_eleven.published) >= 2
    assert any(v.status == "draft" for v in seven_to_eleven.versions)
    kinds = {table.kind for table in content.tables}
    assert kinds == {
        "classification",
        "communication",
        "unsuitable-activities",
        "sanctions",
        "risk-assessment",
        "self-review",
    }
