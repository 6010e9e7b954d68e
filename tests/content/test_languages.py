"""The language of each version's text: the school's from school.yml, or the version's own (a
translation); a tag that is not one fails with its file and line."""

import pytest

from portal.content import ContentErrors
from portal.content.languages import language_name
from tests.factories import SCHOOL


def errors_of(tree):
    with pytest.raises(ContentErrors) as caught:
        tree.load()
    return [str(error) for error in caught.value.errors]


def school_speaking(tree, language):
    tree.write_yaml(
        tree.policies / "school.yml", {**SCHOOL, "school": {**SCHOOL["school"], **language}}
    )


def test_a_school_that_names_no_language_keeps_the_language_always_recorded(tree):
    tree.policy()
    tree.version()
    tree.publish()
    assert tree.load().policy("rules").versions[0].language == "en"


def test_versions_are_in_the_schools_language_unless_they_name_their_own(tree):
    school_speaking(tree, {"language": "en-GB"})
    tree.policy()
    tree.version("2025.09")
    tree.version("2025.10", body="## Rheolau\n\nByddwch yn garedig.\n", language="cy")
    tree.publish()
    english, welsh = tree.load().policy("rules").versions
    assert (english.language, welsh.language) == ("en-GB", "cy")


def test_a_bad_language_in_front_matter_names_its_file_and_line(tree):
    tree.policy()
    tree.version(language="English")
    assert errors_of(tree) == [
        "policies/rules/2025.09.md:9: language 'English' is not a language tag: write it as "
        "en-GB, cy or pl (at most 10 characters)"
    ]


def test_a_bad_language_in_the_school_profile_names_its_line(tree):
    school_speaking(tree, {"language": "en_GB"})
    tree.policy()
    tree.version()
    [message] = errors_of(tree)
    assert message.startswith("policies/school.yml:4: language 'en_GB' is not a language tag")


def test_an_unknown_field_lists_language_among_those_expected(tree):
    tree.policy()
    tree.version(lang="cy")
    [message] = errors_of(tree)
    assert "unknown field 'lang'" in message
    assert message.endswith("review_by, changes, minor, language")


@pytest.mark.parametrize(
    ("tag", "shown"),
    [("en-GB", "English (en-GB)"), ("cy", "Welsh (cy)"), ("pl", "Polish (pl)"), ("xh", "xh")],
)
def test_a_language_is_shown_by_name_when_known(tag, shown):
    assert language_name(tag) == shown
