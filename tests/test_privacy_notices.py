"""The privacy notices: one for parents and carers, one for staff and one per age band, each in
words its readers can manage, in the site's menu, true to the retention settings, and saying
plainly that parents cannot see quiz results in the portal."""

from __future__ import annotations

import re

import pytest
import yaml

from portal.content.readability import plain_words, reading_grade
from portal.settings import SETTINGS
from portal.years import AGE_BANDS

DEFAULTS = {setting.name: setting.default for setting in SETTINGS}
PARENTS_GRADE = 6  # the parents' pages are written plainly; the notice is no harder


@pytest.fixture(scope="module")
def notices(project):
    return project / "docs" / "privacy"


@pytest.fixture(scope="module")
def bands(project):
    framework = yaml.safe_load((project / "curriculum" / "framework.yml").read_text())
    return {band["id"]: band for band in framework["bands"]}


def read(notices, name: str) -> str:
    return (notices / f"{name}.md").read_text(encoding="utf-8")


def one_line(text: str) -> str:
    """The words as read, on one line: no Markdown marks such as **bold**."""
    return re.sub(r"\s+", " ", plain_words(text))


@pytest.mark.parametrize("band", list(AGE_BANDS))
def test_each_age_band_has_a_notice_no_harder_than_its_lessons(notices, bands, band):
    """The portal's footer links pupils to privacy/pupils-<band>/, so each must exist."""
    text = read(notices, f"pupils-{band}")
    assert reading_grade(text) <= bands[band]["max_grade"]


@pytest.mark.parametrize("name", ["index", "parents", "staff"])
def test_the_other_notices_exist_and_the_parents_one_reads_plainly(notices, name):
    text = read(notices, name)
    if name in ("index", "parents"):
        assert reading_grade(text) <= PARENTS_GRADE


@pytest.mark.parametrize("band", list(AGE_BANDS))
def test_pupils_are_told_truthfully_that_parents_cannot_see_quiz_answers(notices, band):
    text = one_line(read(notices, f"pupils-{band}"))
    assert re.search(r"cannot see your quiz answers", text)
    assert re.search(r"ask the school for a copy", text)
    assert re.search(r"birthday|date of birth", text)
    assert re.search(r"where you live|address", text)


def test_the_parents_notice_gives_every_retention_default(notices):
    text = one_line(read(notices, "parents"))
    assert f"{DEFAULTS['RETAIN_LEARNING_DAYS']} days" in text
    assert f"{DEFAULTS['RETAIN_AGREEMENTS_YEARS']} years" in text
    assert f"{DEFAULTS['RETAIN_SIGN_IN_DAYS']} days" in text
    assert f"{DEFAULTS['RETAIN_SENT_MAIL_DAYS']} days" in text
    assert f"{DEFAULTS['RETAIN_AUDIT_YEARS']} years" in text
    assert "cannot see your child's quiz answers" in text
    assert "never changes or deletes agreement records" in text


@pytest.mark.parametrize("band", list(AGE_BANDS))
def test_pupils_notices_give_the_learning_and_name_periods(notices, band):
    assert DEFAULTS["RETAIN_LEARNING_DAYS"] == 365  # written as "1 year" for children
    text = one_line(read(notices, f"pupils-{band}"))
    assert "1 year" in text
    assert f"{DEFAULTS['RETAIN_AGREEMENTS_YEARS']} years" in text


def test_every_notice_is_in_the_sites_menu(project, notices):
    config = (project / "mkdocs.yml").read_text()
    for page in notices.glob("*.md"):
        assert f"privacy/{page.name}" in config, page.name


def test_the_notices_are_built_into_the_site(demo_site):
    pupils = [f"privacy/pupils-{band}" for band in AGE_BANDS]
    for page in ["privacy", "privacy/parents", "privacy/staff", *pupils]:
        assert (demo_site / page / "index.html").is_file(), page
