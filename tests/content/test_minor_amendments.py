"""Minor amendments: a small correction whose earlier agreements still count, and the checks
that keep it small, each naming the file and the line of `minor:`."""

import datetime as dt

import pytest

from portal.content import ContentErrors
from portal.content.diff import words_changed

RULES = (
    "## Rules\n\n"
    "- I will be kind online and tell a grown-up if something worries me.\n"
    "- I will keep my password private and never use someone else's account.\n"
    "- I will ask before I share a photo of anyone, and I will not share it if they say no.\n\n"
    "## Help\n\n"
    "Talk to Mrs Helen Okafor, the head teacher, or to your class teacher about anything here.\n"
)
CORRECTED = RULES.replace("Mrs Helen Okafor", "Mrs Ellen Okafor")
REWRITTEN = RULES.replace(
    "I will be kind online and tell a grown-up if something worries me.",
    "I may use any website at all, without asking anyone first, at any time of day.",
)
MINOR = "Corrected the head teacher's name"
JANUARY = dt.date(2026, 1, 5)


def errors_of(tree) -> list[str]:
    """Every problem but the reminder to run `esafety publish`, which a refused version cannot
    be until it is put right."""
    with pytest.raises(ContentErrors) as caught:
        tree.load()
    return [str(error) for error in caught.value.errors if "esafety publish" not in str(error)]


def second_version(tree, body: str, **fields) -> None:
    """The policy's first version, 2025.09, and 2026.01 with `body` and front matter `fields`."""
    tree.policy()
    tree.version("2025.09", RULES)
    tree.version("2026.01", body, effective_from=JANUARY, **fields)


@pytest.fixture
def amended(tree):
    """2025.09, then 2026.01 and 2026.01.1, each a minor amendment of the one before."""
    second_version(tree, CORRECTED, minor=MINOR, changes="A name.")
    tree.version(
        "2026.01.1",
        CORRECTED.replace("anything here", "anything in these rules"),
        effective_from=JANUARY + dt.timedelta(days=7),
        minor="Clearer last sentence",
        changes="The last sentence is clearer.",
    )
    tree.publish()
    return tree


def test_a_minor_amendment_keeps_its_reason_and_amends_back_to_the_last_major_version(amended):
    policy = amended.load().policy("rules")
    first, second, third = policy.versions
    assert not first.is_minor
    assert (second.minor, third.minor) == (MINOR, "Clearer last sentence")
    assert policy.amended(third) == (second, first)
    assert policy.amended(second) == (first,)
    assert policy.amended(first) == ()


def test_a_major_version_after_minor_amendments_amends_nothing(amended):
    amended.version("2026.09", RULES.replace("kind", "kind and fair"), changes="A new rule.")
    amended.publish()
    policy = amended.load().policy("rules")
    assert policy.amended(policy.version("2026.09")) == ()


def test_a_first_version_marked_minor_is_refused_at_its_line(tree):
    tree.policy()
    tree.version("2025.09", RULES, minor=MINOR)
    assert errors_of(tree) == [
        "policies/rules/2025.09.md:9: version 2025.09 is marked minor, but there is no earlier "
        "published version for it to amend: a policy's first version is never a minor "
        "amendment. Remove the 'minor' line"
    ]


def test_a_minor_amendment_of_nothing_but_a_draft_is_refused(tree):
    tree.policy()
    tree.version("2025.09", RULES, status="draft")
    tree.version("2026.01", CORRECTED, effective_from=JANUARY, minor=MINOR)
    [message] = errors_of(tree)
    assert message.startswith("policies/rules/2026.01.md:9: version 2026.01 is marked minor")


@pytest.mark.parametrize("reason", [None, "", "  ", True, 5])
def test_a_minor_amendment_without_a_reason_is_refused_at_its_line(tree, reason):
    second_version(tree, CORRECTED, minor=reason)
    assert errors_of(tree) == [
        "policies/rules/2026.01.md:9: a minor amendment needs its reason, in words, such as "
        "'minor: Corrected the spelling of the head teacher's name'"
    ]


def test_a_minor_amendment_that_rewrites_a_rule_is_refused_with_its_share_of_words(tree):
    second_version(tree, REWRITTEN, minor=MINOR)
    assert errors_of(tree) == [
        "policies/rules/2026.01.md:9: this minor amendment changes 15 words, 22.7% of the 66 "
        "words of version 2025.09: more than the school's limit of 5% (minor_amendment_limit "
        "in policies/school.yml). A change this large is a new version that people agree to "
        "again: remove the 'minor' line"
    ]


def test_the_same_rewrite_is_a_new_version_when_not_marked_minor(tree):
    second_version(tree, REWRITTEN)
    tree.publish()
    assert [v.version for v in tree.load().policy("rules").published] == ["2025.09", "2026.01"]


def set_limit(tree, limit: str) -> None:
    school = tree.policies / "school.yml"
    school.write_text(
        school.read_text().replace("school:\n", f"school:\n  minor_amendment_limit: '{limit}'\n")
    )


def test_the_limit_is_the_schools_to_set(tree):
    changed, total = words_changed(RULES, REWRITTEN)
    set_limit(tree, "40%")
    second_version(tree, REWRITTEN, minor=MINOR)
    tree.publish()
    assert changed / total < 0.4
    assert tree.load().policy("rules").version("2026.01").is_minor


@pytest.mark.parametrize("limit", ["five", "5", "120%", "-1%"])
def test_a_limit_that_is_not_a_percentage_is_refused_at_its_line(tree, limit):
    set_limit(tree, limit)
    assert errors_of(tree) == [
        f"policies/school.yml:2: school.minor_amendment_limit is '{limit}': write a percentage "
        "from 0% to 100%, such as 5%"
    ]


def test_a_published_version_cannot_become_minor_afterwards(tree):
    second_version(tree, CORRECTED)
    tree.publish()
    tree.version("2026.01", CORRECTED, effective_from=JANUARY, minor=MINOR)
    [message] = errors_of(tree)
    assert message.startswith("policies/rules/2026.01.md:9: this version was published as a new")
    assert "remove the 'minor' line" in message


def test_a_published_minor_amendment_cannot_stop_being_one(amended):
    amended.version("2026.01", CORRECTED, effective_from=JANUARY, changes="A name.")
    messages = errors_of(amended)
    assert any(
        m.startswith("policies/rules/2026.01.md:1: this version was published as a minor")
        and "put its 'minor' line back" in m
        for m in messages
    ), messages


def test_publishing_records_that_a_version_is_minor(amended):
    record = (amended.policies / "published.yml").read_text()
    assert "2025.09" in record
    assert [line.endswith(" minor") for line in record.splitlines() if ":" in line][-3:] == [
        False,
        True,
        True,
    ]
