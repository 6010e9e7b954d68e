"""The site labels a minor amendment "amended", with its reason, and still shows what changed."""

import datetime as dt
import re

import pytest

from portal.site.build import SiteBuildError, build_site
from tests.content.test_minor_amendments import CORRECTED, MINOR, REWRITTEN, RULES
from tests.site.test_plugin import read


def words(html: str) -> str:
    """The page's words as a reader meets them, tags gone and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def site(tree):
    tree.policy()
    tree.version("2025.09", RULES)
    tree.version(
        "2026.01",
        CORRECTED,
        effective_from=dt.date(2026, 1, 5),
        changes="The head teacher's name was spelt wrongly. Nothing else has changed.",
        minor=MINOR,
    )
    tree.publish()
    tree.mkdocs_yml()
    build_site(tree.root, tree.root / "site")
    return tree.root / "site"


NOTE = (
    "Version 2026.01 is a minor amendment of version 2025.09: Corrected the head teacher's "
    "name. If you agreed to version 2025.09, your agreement still counts: you do not need to "
    "agree again."
)


def test_the_amended_version_is_labelled_with_its_reason_on_its_page(site):
    for path in ("policies/rules", "policies/rules/2026.01"):
        page = words(read(site, path))
        assert "Version: 2026.01 (amended)" in page, path
        assert f"Amended: {NOTE} What changed" in page, path


def test_the_history_marks_the_amended_version_and_still_links_its_changes(site):
    page = read(site, "policies/rules")
    assert "2026.01</a> (amended)" in page
    assert f"Minor amendment: {MINOR}. The head teacher" in words(page)
    assert '<a href="2026.01/changes/">What changed</a>' in page


def test_the_what_changed_page_says_amended_and_shows_the_diff(site):
    page = words(read(site, "policies/rules/2026.01/changes"))
    assert f"Amended. {NOTE}" in page
    assert "1 part changed" in page
    assert "Removed: Helen Added: Ellen" in page


def test_the_earlier_version_is_not_labelled_amended(site):
    page = words(read(site, "policies/rules/2025.09"))
    assert "(amended)" not in page
    assert "Amended:" not in page


def test_the_strict_build_refuses_a_minor_amendment_that_rewrites_the_rules(tree):
    tree.policy()
    tree.version("2025.09", RULES)
    tree.version("2026.01", REWRITTEN, effective_from=dt.date(2026, 1, 5), minor=MINOR)
    tree.mkdocs_yml()
    with pytest.raises(SiteBuildError, match=r"policies/rules/2026\.01\.md:9: this minor amend"):
        build_site(tree.root, tree.root / "site")
