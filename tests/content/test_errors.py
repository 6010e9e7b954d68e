"""Every kind of bad content fails with the file, the line and what to do."""

import datetime as dt

import pytest

from portal.content import ContentErrors


def errors_of(tree):
    with pytest.raises(ContentErrors) as caught:
        tree.load()
    return [str(error) for error in caught.value.errors]


def test_an_unknown_placeholder_names_its_line(tree):
    tree.policy()
    tree.version(body="## Rules\n\nBe kind.\n\nAsk {{ roles.head.name }}.\n")
    assert errors_of(tree) == [
        "policies/rules/2025.09.md:14: unknown placeholder {{ roles.head.name }}: "
        "add it to policies/school.yml or correct the name"
    ]


def test_a_placeholder_naming_a_section_asks_for_one_value(tree):
    tree.policy()
    tree.version(body="## Rules\n\nAsk {{ roles.dsl }}.\n")
    [message] = errors_of(tree)
    assert "names a whole section" in message
    assert "{{ roles.dsl.name }}" in message


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"status": "final"}, ":3: status must be draft or published, not 'final'"),
        ({"version": "2025.9"}, ":2: version '2025.9' must be the year and month"),
        ({"version": 2025.09}, ':2: write the version in quotes, as version: "2025.09"'),
        ({"version": "2025.10"}, ":2: version '2025.10' does not match the file name"),
        ({"effective_from": "next September"}, ":6: 'effective_from' must be a date"),
        ({"review_by": dt.date(2025, 1, 1)}, ":7: 'review_by' must come after 'effective_from'"),
        ({"changes": None}, ":2: a version's front matter is missing 'changes'"),
        ({"signed_by": "me"}, ":9: unknown field 'signed_by' in a version's front matter"),
    ],
)
def test_bad_front_matter_names_the_field(tree, fields, expected):
    tree.policy()
    tree.version(**fields)
    assert any(
        message.startswith("policies/rules/2025.09.md") and expected in message
        for message in errors_of(tree)
    ), errors_of(tree)


def test_a_version_file_without_front_matter(tree):
    tree.policy()
    (tree.policies / "rules" / "2025.09.md").write_text("## Rules\n")
    assert (
        "policies/rules/2025.09.md:1: a version file must start with front matter"
        in (errors_of(tree)[0])
    )


def test_a_heading_1_in_a_version_is_refused(tree):
    tree.policy()
    tree.version(body="# Class rules\n\nBe kind.\n")
    assert errors_of(tree) == [
        "policies/rules/2025.09.md:10: the page title comes from policy.yml: start headings at '##'"
    ]


def test_yaml_syntax_errors_name_the_line(tree):
    tree.policy()
    (tree.policies / "rules" / "policy.yml").write_text("title: Rules\nsummary: [unclosed\n")
    [message] = errors_of(tree)
    assert message.startswith("policies/rules/policy.yml:")
    assert "invalid YAML" in message


def test_a_key_written_twice_is_refused(tree):
    tree.policy()
    path = tree.policies / "rules" / "policy.yml"
    path.write_text(path.read_text() + "title: Again\n")
    [message] = errors_of(tree)
    assert message.startswith("policies/rules/policy.yml:")
    assert "'title' appears twice" in message


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"accepted_by": ["pupils"]}, "'pupils' is not a value of 'accepted_by'"),
        ({"renew": ["monthly"]}, "'monthly' is not a value of 'renew'"),
        ({"order": "first"}, "'order' must be a whole number"),
        ({"owner": "me"}, "unknown field 'owner' in policy.yml"),
    ],
)
def test_bad_policy_metadata_names_the_field(tree, fields, expected):
    tree.policy(**fields)
    tree.version()
    messages = errors_of(tree)
    assert any(m.startswith("policies/rules/policy.yml:") and expected in m for m in messages)


def test_every_problem_is_listed_not_just_the_first(tree):
    tree.policy(slug="one")
    tree.version(slug="one", status="final")
    tree.policy(slug="two")
    tree.version(slug="two", body="## Rules\n\n{{ nope }}\n")
    files = {message.split(":")[0] for message in errors_of(tree)}
    assert files == {"policies/one/2025.09.md", "policies/two/2025.09.md"}


def test_a_missing_school_profile_is_explained(tree):
    (tree.policies / "school.yml").unlink()
    assert errors_of(tree) == [
        "policies/school.yml: the school profile is missing: create policies/school.yml"
    ]


def test_an_empty_school_profile_is_explained(tree):
    (tree.policies / "school.yml").write_text("")
    assert errors_of(tree) == [
        "policies/school.yml:1: the school profile must have sections school, roles and choices"
    ]


def test_a_role_without_a_name_is_refused(tree):
    school = tree.policies / "school.yml"
    school.write_text(school.read_text().replace("    name: Ms Dee Ess\n", ""))
    [message] = errors_of(tree)
    assert message.startswith("policies/school.yml:")
    assert "role 'dsl' is missing 'name'" in message


def test_a_glossary_entry_with_a_missing_field_names_its_line(tree):
    tree.write_yaml(
        tree.policies / "glossary.yml",
        [
            {"term": "AUP", "stands_for": "Acceptable use policy", "meaning": "Rules."},
            {"term": "DSL", "meaning": "The safeguarding lead."},
        ],
    )
    assert errors_of(tree) == ["policies/glossary.yml:4: entry 2: missing 'stands_for'"]


def test_a_glossary_term_written_twice_is_refused(tree):
    entry = {"term": "AUP", "stands_for": "Acceptable use policy", "meaning": "Rules."}
    tree.write_yaml(tree.policies / "glossary.yml", [entry, dict(entry)])
    assert errors_of(tree) == [
        "policies/glossary.yml:4: entry 2: 'AUP' must be one word, written once"
    ]
