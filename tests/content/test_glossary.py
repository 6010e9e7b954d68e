"""Every abbreviation a reader meets in a policy or table is explained in the glossary."""

import pytest

from portal.content import ContentErrors
from portal.content.glossary import undefined_abbreviations
from portal.site.build import SiteBuildError, build_site


def glossary(tree, *terms):
    tree.write_yaml(
        tree.policies / "glossary.yml",
        [{"term": t, "stands_for": f"{t} in full", "meaning": "A thing."} for t in terms],
    )


def messages(tree):
    with pytest.raises(ContentErrors) as caught:
        tree.load()
    return [str(error) for error in caught.value.errors]


def test_an_undefined_abbreviation_in_a_policy_names_the_file_and_line(tree):
    glossary(tree, "DSL")
    tree.policy()
    tree.version(
        body="## Help\n\nTell the DSL.\n\nThe LADO is told within a day.\n", status="draft"
    )
    [message] = messages(tree)
    assert message.startswith("policies/rules/2025.09.md:14: 'LADO' is an abbreviation")
    assert "glossary.yml" in message


def test_an_undefined_abbreviation_in_a_table_names_the_file_and_line(tree):
    glossary(tree)
    tree.table(
        "comms",
        kind="communication",
        title="Tech",
        intro="Who may use what.",
        rows=[
            {
                "technology": "Using a VPN",
                "staff": "allowed",
                "primary": "not-allowed",
                "secondary": "not-allowed",
            }
        ],
    )
    [message] = messages(tree)
    assert message.startswith("policies/tables/comms.yml:")
    assert "'VPN'" in message


def test_defined_terms_plurals_placeholders_addresses_and_everyday_words_pass(tree):
    glossary(tree, "AUP", "KS1")
    tree.policy()
    body = (
        "## Rules\n\nSign the AUPs in KS1. Ask {{ roles.dsl.name }}. It is OK.\n\n"
        "See [the form](https://example.org/FORM/ABC) or `CODE`. DfE and SENCo are mixed case.\n"
    )
    tree.version(body=body, status="draft")
    assert tree.load().policies


def test_the_finder_reports_each_use_with_its_line():
    text = "First line\nThe DSL and the DPO.\nThe DSLs again, and HTTPS://X.Y too.\n"
    assert undefined_abbreviations(text, {"DPO"}) == [(2, "DSL"), (3, "DSL")]


def test_the_strict_build_fails_on_an_undefined_abbreviation(tree):
    glossary(tree)
    tree.policy()
    tree.version(body="## Help\n\nCall CEOP.\n", status="draft")
    tree.mkdocs_yml()
    with pytest.raises(SiteBuildError, match=r"policies/rules/2025\.09\.md:12: 'CEOP'"):
        build_site(tree.root, tree.root / "site")


def test_the_demo_school_defines_every_abbreviation_it_uses(project):
    from portal.content import load_content

    content = load_content(project / "policies")
    assert len(content.glossary) >= 50
    assert {"LADO", "CEOP", "KCSIE", "UKCIS", "ICO", "IWF", "Prevent", "Channel"} <= {
        entry.term for entry in content.glossary
    }
