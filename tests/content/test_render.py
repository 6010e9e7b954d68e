"""Links in policy text, as written for the site's build, point at the site's pages when the
portal shows the text."""

import pytest

from portal.content.render import render_markdown, site_address

SITE = "https://policies.example.org/"


@pytest.mark.parametrize(
    ("href", "address"),
    [
        ("/tables/sanctions-pupils/index.md", f"{SITE}tables/sanctions-pupils/"),
        ("/incidents.md", f"{SITE}incidents/"),
        ("/parents/sextortion.md#help", f"{SITE}parents/sextortion/#help"),
        ("/index.md", SITE),
        ("../pupil-aup-4-7/index.md", f"{SITE}policies/pupil-aup-4-7/"),
        ("https://www.gov.uk/guide.md", "https://www.gov.uk/guide.md"),
        ("#rules", "#rules"),
        ("mailto:office@example.org", "mailto:office@example.org"),
    ],
)
def test_a_link_to_a_site_page_becomes_its_address_on_the_site(href, address):
    assert site_address(href, SITE, "policies/pupil-aup-7-11/index.md") == address


def test_rendering_for_the_portal_rewrites_links_and_nothing_else():
    text = "The [pupil sanctions table](/tables/sanctions-pupils/index.md) sets out the steps."
    assert f'<a href="{SITE}tables/sanctions-pupils/">pupil sanctions table</a>' in render_markdown(
        text, site_url=SITE
    )
    assert 'href="/tables/sanctions-pupils/index.md"' in render_markdown(text)  # the site's own
