import datetime as dt
import json
import re

import pytest

from portal.content import load_content
from portal.content.hashing import content_version
from portal.site.build import SiteBuildError, build_site
from portal.site.plugin import EsafetyPlugin
from tests.conftest import TODAY

HIDDEN = re.compile(r'<(span|div|p)\b[^>]*\shidden(?:="hidden")?>.*?</\1>', re.DOTALL)


def read_all(site, path):
    return (site / path / "index.html").read_text(encoding="utf-8")


def read(site, path):
    """What a reader sees without scripts: parts true on other days than the build's are hidden."""
    return HIDDEN.sub("", read_all(site, path))


def test_default_config_is_valid_and_documented_defaults_hold():
    plugin = EsafetyPlugin()
    errors, warnings = plugin.load_config({})
    assert (errors, warnings) == ([], [])
    assert plugin.config.enabled is True
    assert plugin.config.policies_dir == "policies"
    assert plugin.config.portal_url == ""


def test_the_index_lists_every_published_policy_with_its_current_version(demo_site, project):
    html = read(demo_site, "policies")
    for policy in load_content(project / "policies").policies:
        current = policy.current(TODAY)  # the day the site was built on
        assert policy.title in html
        assert re.search(rf"<td><span [^>]*>{re.escape(current.version)}</span></td>", html)


def test_an_overdue_review_is_marked_in_words(demo_site):
    html = read(demo_site, "policies")
    table = html[html.index("<table>") : html.index("</table>")]
    rows = table.split("<tr>")
    visitors = next(row for row in rows if "visitor-aup" in row)
    assert "Review overdue" in visitors
    assert "Review overdue" not in next(row for row in rows if "pupil-aup-7-11" in row)


def test_every_published_version_has_a_permalink_and_drafts_have_none(demo_site):
    assert (demo_site / "policies/pupil-aup-7-11/2025.09/index.html").is_file()
    assert (demo_site / "policies/pupil-aup-7-11/2026.09/index.html").is_file()
    assert not (demo_site / "policies/pupil-aup-7-11/2027.01").exists()
    assert "pupil-aup-7-11/2027.01" not in (demo_site / "search/search_index.json").read_text()


def test_search_finds_each_policys_words_once_on_its_own_page(demo_site, project):
    index = json.loads((demo_site / "search/search_index.json").read_text())
    pages = {entry["location"].split("#")[0] for entry in index["docs"]}
    slugs = [path.parent.name for path in (project / "policies").glob("*/policy.yml")]
    assert {f"policies/{slug}/" for slug in slugs} <= pages
    # Versions and their changes repeat those words: they are reached from the policy's page.
    assert [page for page in pages if re.match(r"policies/[^/]+/\d{4}\.", page)] == []
    # Still on the site, and found by following links.
    assert (demo_site / "policies/pupil-aup-7-11/2026.09/changes/index.html").is_file()


def test_a_superseded_version_says_so_and_links_to_the_current_one(demo_site):
    html = read(demo_site, "policies/pupil-aup-7-11/2025.09")
    assert "This version has been replaced" in html
    assert "Superseded by version 2026.09 on 1 September 2026" in html
    assert re.search(r'<a href="\.\./">Read the current version</a>', html)
    assert "This is the current version" in read(demo_site, "policies/pupil-aup-7-11/2026.09")


def test_the_what_changed_page_marks_insertions_and_deletions_in_words(demo_site):
    html = read(demo_site, "policies/pupil-aup-7-11/2026.09/changes")
    assert '<ins><span class="diff-label">Added:</span>' in html
    assert '<del><span class="diff-label">Removed:</span>' in html
    assert "AI chatbot" in html  # the change summary and the new rules


def test_the_history_table_links_every_version_and_its_changes(demo_site):
    html = read(demo_site, "policies/pupil-aup-7-11")
    assert 'href="2025.09/"' in html
    assert 'href="2026.09/"' in html
    assert 'href="2026.09/changes/"' in html


def test_each_version_page_shows_the_hash_the_loader_computes(demo_site, project):
    for policy in load_content(project / "policies").policies:
        for version in policy.published:
            html = read(demo_site, f"policies/{policy.slug}/{version.version}")
            assert version.content_hash in html


def test_policies_people_accept_link_to_the_portal_to_sign(demo_site):
    sign = 'href="http://127.0.0.1:8000/portal/sign/pupil-aup-7-11/"'
    assert sign in read(demo_site, "policies/pupil-aup-7-11")
    assert "Read and sign online" not in read(demo_site, "policies/e-safeguarding")
    assert "Read and sign online" not in read(demo_site, "policies/pupil-aup-7-11/2025.09")


def test_the_missing_page_names_the_school_and_offers_home_and_the_portal(demo_site):
    page = " ".join((demo_site / "404.html").read_text(encoding="utf-8").split())
    assert "Page not found" in page
    assert "the e-safety policy website of Oakfield Learning Community" in page
    assert re.search(r'<a href="/">Go to the home page</a>', page)
    assert '<a href="http://127.0.0.1:8000/portal/sign-in">Sign in to the portal</a>' in page


def test_data_tables_are_accessible_html(demo_site):
    html = read(demo_site, "tables/risk-assessment")
    assert "<caption>Risk assessment</caption>" in html
    assert '<th scope="col">Score (impact x likelihood)</th>' in html
    assert '<th scope="row">' in html
    assert re.search(r"<td>\d out of 9</td>", html)


def test_abbreviations_are_explained_on_every_page(demo_site):
    html = read(demo_site, "parents/what-the-aup-means")
    assert '<abbr title="Acceptable use policy">AUP</abbr>' in html


def test_pages_print_on_a4_without_navigation(demo_site):
    css = (demo_site / "stylesheets/esafety.css").read_text()
    assert "@page { size: A4" in css
    assert re.search(r"@media print \{\s*\.md-header", css)


def test_bad_content_fails_the_build_with_file_and_line(tree):
    tree.policy()
    tree.version(body="## Rules\n\nAsk {{ roles.nobody.name }}.\n")
    tree.mkdocs_yml()
    with pytest.raises(
        SiteBuildError, match=r"policies/rules/2025\.09\.md:12: unknown placeholder"
    ):
        build_site(tree.root, tree.root / "site")


def test_a_changed_published_version_fails_the_build(tree):
    tree.policy()
    path = tree.version()
    tree.publish()
    path.write_text(path.read_text().replace("Be kind", "Be nice"))
    tree.mkdocs_yml()
    with pytest.raises(
        SiteBuildError, match=r"policies/rules/2025\.09\.md:1: .*new version instead"
    ):
        build_site(tree.root, tree.root / "site")


def test_a_version_not_yet_in_force_is_announced_on_the_current_page(tree):
    tree.policy()
    tree.version("2025.09")
    tree.version("2099.09", body="## Rules\n\nFuture rules.\n")
    tree.publish()
    tree.mkdocs_yml()
    build_site(tree.root, tree.root / "site")
    current = read(tree.root / "site", "policies/rules")
    assert "Version 2099.09 comes into force on 1 September 2099" in current
    assert "Future rules" not in current
    assert "This version comes into force on 1 September 2099" in read(
        tree.root / "site", "policies/rules/2099.09"
    )


def test_a_hand_written_page_may_not_hide_a_generated_one(tree):
    tree.policy()
    tree.version()
    tree.publish()
    tree.mkdocs_yml()
    (tree.root / "docs" / "glossary").mkdir()
    (tree.root / "docs" / "glossary" / "index.md").write_text("# Mine\n")
    with pytest.raises(
        SiteBuildError, match=r"docs/glossary/index\.md would hide a generated page"
    ):
        build_site(tree.root, tree.root / "site")


def test_the_plugin_can_be_turned_off(tree):
    tree.mkdocs_yml(enabled=False)
    build_site(tree.root, tree.root / "site")
    assert not (tree.root / "site" / "policies").exists()


def test_the_navigation_lists_every_policy_under_policies(demo_site, project):
    html = read(demo_site, "policies")
    nav = html[html.index('class="md-nav md-nav--primary"') :]
    for policy in load_content(project / "policies").policies:
        assert f'href="{policy.slug}/"' in nav
    footer = read(demo_site, "policies/e-safeguarding")
    assert "Previous" in footer
    assert "Next" in footer


def test_the_site_wears_the_schools_name_colours_and_badge(demo_site, project):
    brand = load_content(project / "policies").profile.brand
    css = (demo_site / "stylesheets/school.css").read_text()
    assert f"--md-primary-fg-color: {brand.primary};" in css
    assert (demo_site / "assets/school-badge.svg").read_bytes() == brand.badge.read_bytes()
    home = (demo_site / "index.html").read_text(encoding="utf-8")
    # Each address names its file's content, so a browser keeps it until it changes.
    css_version = content_version((demo_site / "stylesheets/school.css").read_bytes())
    assert f'href="stylesheets/school.css?v={css_version}"' in home
    badge = f"assets/school-badge.svg?v={content_version(brand.badge.read_bytes())}"
    assert f'<img src="{badge}" alt="{brand.name} badge">' in home
    assert f"<title>Home - {brand.short_name} e-safety policies</title>" in home
