import pytest

from portal.content import ContentErrors


def messages(tree):
    with pytest.raises(ContentErrors) as caught:
        tree.load()
    return [str(error) for error in caught.value.errors]


def test_changing_a_published_version_fails_and_names_the_file(tree):
    tree.policy()
    path = tree.version(body="## Rules\n\nBe kind online.\n")
    tree.publish()
    path.write_text(path.read_text().replace("Be kind online.", "Be nice online."))
    [message] = messages(tree)
    assert message.startswith("policies/rules/2025.09.md:1: ")
    assert "publish a new version instead" in message


def test_a_new_head_teacher_in_the_profile_changes_published_text(tree):
    tree.policy()
    tree.version(body="## Help\n\nAsk {{ roles.dsl.name }}.\n")
    tree.publish()
    school = tree.policies / "school.yml"
    school.write_text(school.read_text().replace("Ms Dee Ess", "Mr New Person"))
    [message] = messages(tree)
    assert "policies/rules/2025.09.md" in message
    assert "has changed" in message


def test_a_version_marked_published_but_not_recorded_fails(tree):
    tree.policy()
    tree.version()
    [message] = messages(tree)
    assert message == (
        "policies/rules/2025.09.md:1: this version is marked published but is "
        "not in policies/published.yml: run `esafety publish` to record it"
    )


def test_a_published_version_cannot_go_back_to_draft(tree):
    tree.policy()
    tree.version()
    tree.publish()
    tree.version(status="draft")
    [message] = messages(tree)
    assert "cannot go back to draft" in message


def test_a_published_version_cannot_be_deleted(tree):
    tree.policy()
    tree.version("2024.09")
    path = tree.version("2025.09")
    tree.publish()
    path.unlink()
    [message] = messages(tree)
    assert message.startswith("policies/published.yml: rules 2025.09 was published")


def test_drafts_can_change_freely_and_are_not_recorded(tree):
    tree.policy()
    tree.version("2025.09")
    tree.version("2026.01", status="draft")
    tree.publish()
    tree.version("2026.01", body="## Rules\n\nA changed draft.\n", status="draft")
    content = tree.load()
    assert "2026.01" not in (tree.policies / "published.yml").read_text()
    assert content.policy("rules").versions[-1].text == "## Rules\n\nA changed draft.\n"


def test_publishing_again_keeps_every_recorded_hash(tree):
    tree.policy()
    tree.version("2025.09")
    tree.publish()
    before = (tree.policies / "published.yml").read_text()
    tree.version("2026.09", body="## Rules\n\nNew rules.\n")
    tree.publish()
    after = (tree.policies / "published.yml").read_text()
    assert before.splitlines()[-1] in after
    assert "'2026.09'" in after
