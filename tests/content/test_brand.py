"""The school's colours and badge from its profile: contrast checked by WCAG's formula, and
every problem named by its field, in `esafety check` and the site build alike."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from portal.cli import main
from portal.content import ContentErrors
from portal.content.brand import contrast_ratio, portal_css, relative_luminance, site_css
from portal.site.build import SiteBuildError, build_site
from tests.factories import SCHOOL


def with_look(tree, colours=None, badge=None):
    school = dict(SCHOOL["school"])
    if colours is not None:
        school["colours"] = colours
    if badge is not None:
        school["badge"] = badge
    tree.write_yaml(tree.policies / "school.yml", {**SCHOOL, "school": school})


def test_the_contrast_ratio_follows_wcag():
    assert relative_luminance("#000000") == 0
    assert relative_luminance("#ffffff") == pytest.approx(1)
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # just AA
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # just not
    assert contrast_ratio("#2e6b3f", "#ffffff") == contrast_ratio("#ffffff", "#2e6b3f")


def test_a_profile_without_a_look_keeps_the_portals_own(tree):
    brand = tree.load().profile.brand
    assert (brand.primary, brand.badge) == ("#1d3a8a", None)


def test_the_schools_colours_and_badge_become_css_for_site_and_portal(tree):
    (tree.policies / "crest.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    with_look(tree, {"primary": "#2E6B3F", "accent": "#8a4b08"}, "crest.svg")
    brand = tree.load().profile.brand
    assert brand.badge == tree.policies / "crest.svg"
    assert "--md-primary-fg-color: #2e6b3f;" in site_css(brand)
    assert "--md-accent-fg-color: #8a4b08;" in site_css(brand)
    assert "--brand: #2e6b3f;" in portal_css(brand)


@pytest.mark.parametrize(
    ("colours", "field", "why"),
    [
        ({"primary": "#ffcc00", "accent": "#8a4b08"}, "primary", "white text on it"),
        ({"primary": "#2e6b3f", "accent": "#f5a623"}, "accent", "as text on white"),
    ],
)
def test_colours_that_fail_wcag_aa_are_refused_naming_the_field(tree, colours, field, why):
    with_look(tree, colours)
    with pytest.raises(ContentErrors) as refused:
        tree.load()
    message = str(refused.value)
    assert "policies/school.yml:" in message
    assert f"school.colours.{field} {colours[field]} is too light to read {why}" in message
    assert "WCAG AA needs at least 4.5:1" in message


def test_esafety_check_and_the_site_build_fail_on_a_colour_too_light(tree):
    with_look(tree, {"primary": "#7fb2e5"})
    checked = CliRunner().invoke(main, ["check", "--root", str(tree.root)])
    assert checked.exit_code == 1
    assert "school.colours.primary #7fb2e5 is too light" in checked.output
    tree.mkdocs_yml()
    with pytest.raises(SiteBuildError, match=r"school\.colours\.primary #7fb2e5 is too light"):
        build_site(tree.root, tree.root / "site")


@pytest.mark.parametrize(
    ("colours", "badge", "expected"),
    [
        ({"primary": "green"}, None, "school.colours.primary is 'green': write a colour as #"),
        (None, "missing.png", "school.badge names missing.png: put an .svg or .png file there"),
        (None, "huge.png", "school.badge huge.png is 40 KB: a badge shown on every page must"),
    ],
)
def test_a_bad_colour_or_badge_is_named(tree, colours, badge, expected):
    (tree.policies / "huge.png").write_bytes(bytes(40 * 1024))
    with_look(tree, colours, badge)
    with pytest.raises(ContentErrors, match=expected):
        tree.load()
