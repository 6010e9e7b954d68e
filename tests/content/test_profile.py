"""The school profile's badge: a picture beside school.yml, or an error naming the line."""

import pytest

from portal.content import ContentErrors
from tests.factories import SCHOOL


def with_badge(tree, badge: str):
    tree.write_yaml(
        tree.policies / "school.yml",
        SCHOOL | {"school": SCHOOL["school"] | {"badge": badge}},
    )


def test_a_profile_without_a_badge_has_none(tree):
    assert tree.load().profile.badge is None


def test_the_badge_is_the_picture_beside_school_yml(tree):
    (tree.policies / "badge.png").write_bytes(b"\x89PNG")
    with_badge(tree, "badge.png")
    assert tree.load().profile.badge == tree.policies / "badge.png"


@pytest.mark.parametrize(
    ("badge", "message"),
    [
        ("crest.svg", r"school\.yml:4: there is no badge picture at .*crest\.svg"),
        ("crest.gif", r"school\.yml:4: the badge must be an \.svg or \.png picture"),
    ],
)
def test_a_missing_or_unusable_badge_is_an_error_with_its_line(tree, badge, message):
    with_badge(tree, badge)
    with pytest.raises(ContentErrors, match=message):
        tree.load()
