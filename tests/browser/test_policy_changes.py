"""In Chromium: the school publishes a new version of the staff agreement while the portal runs,
and a teacher who had signed the old one is asked for the new one on their next page, with what
changed, without the portal being restarted. axe-core checks every page on the way."""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner

from portal.cli import main
from portal.content import load_content
from portal.content.calendar import school_today
from tests.browser.conftest import PHONE
from tests.browser.test_agreements import sign_in_staff
from tests.browser.test_page_widths import agree_as_staff, sign_in_as_teacher
from tests.browser.test_portal import Visit

pytestmark = pytest.mark.browser
NEW_PROMISE = "Lock your screen whenever you leave your computer, even for a minute."


@pytest.fixture
def policies_dir(tmp_path, project, monkeypatch):
    """A copy of the demo school's policies, which the test publishes to; the portal looks at
    them on every request."""
    monkeypatch.setenv("ESAFETY_POLICY_CHECK_SECONDS", "0")
    return shutil.copytree(project / "policies", tmp_path / "school" / "policies")


def publish_staff_version(policies) -> str:
    """A new version of the staff agreement, in force from today, published as a school does
    it (`esafety publish`). Returns its version id."""
    today = school_today()
    current = load_content(policies).policy("staff-aup").current(today)
    new = f"{today:%Y.%m}.9"
    text = current.path.read_text(encoding="utf-8")
    front, body = text.split("\n---\n", 1)
    front = re.sub(r'version: "[^"]+"', f'version: "{new}"', front)
    for field in ("approved_on", "effective_from"):
        front = re.sub(rf"{field}: \S+", f"{field}: {today.isoformat()}", front)
    front = re.sub(r"review_by: \S+", f"review_by: {today.replace(year=today.year + 1)}", front)
    front = re.sub(
        r"changes: >-\n(  .*\n?)+", "changes: >-\n  A new promise about locking screens.\n", front
    )
    body += f"\n## Screens\n\n{NEW_PROMISE}\n"
    (policies / "staff-aup" / f"{new}.md").write_text(f"{front}\n---\n{body}", encoding="utf-8")
    published = CliRunner().invoke(main, ["publish", "--root", str(policies.parent)])
    assert published.exit_code == 0, published.output
    assert f"Published staff-aup {new}" in published.output
    return new


def test_a_teacher_is_asked_for_a_version_published_while_the_portal_runs(
    browser, portal_url, policies_dir
):
    url, _ = portal_url
    visit = Visit(browser, PHONE)
    sign_in_as_teacher(visit, url, "Tom Teacher")  # the staff agreement comes first
    assert visit.page.get_by_role("heading", level=1).inner_text().startswith("Hello")
    assert NEW_PROMISE not in visit.page.content()

    new = publish_staff_version(policies_dir)
    visit.page.reload()
    assert "/agreements/mine" in visit.page.url
    assert visit.page.get_by_text("it has changed since you signed it").is_visible()
    assert visit.page.get_by_text(f"you agree to version {new} of this policy").is_visible()
    assert visit.page.get_by_text(NEW_PROMISE).first.is_visible()
    visit.check()
    agree_as_staff(visit, "Tom Teacher")
    assert visit.page.get_by_role("heading", level=1).inner_text().startswith("Hello")
    visit.check()
    visit.close()
    assert visit.problems == []


def test_the_ict_lead_sees_who_is_still_on_the_version_before(browser, portal_url, policies_dir):
    url, _ = portal_url
    teacher = Visit(browser, PHONE)
    sign_in_as_teacher(teacher, url, "Tom Teacher")
    teacher.close()
    old = load_content(policies_dir).policy("staff-aup").current(school_today()).version
    new = publish_staff_version(policies_dir)

    lead = Visit(browser, PHONE)
    sign_in_staff(lead, url, "ict@oakfield.example.org", "ict_lead")
    agree_as_staff(lead, "Ivy Lead")  # the new version, asked of the lead too
    lead.page.goto(f"{url}/agreements/status?agreement=staff-aup")
    versions = lead.page.get_by_role("region", name="People by the version they last agreed to")
    rows = [row.inner_text().split("\t") for row in versions.get_by_role("row").all()[1:]]
    assert rows == [[new, "Current", "1"], [old, "Superseded", "1"]]
    still = lead.page.get_by_role("heading", name=f"Still on version {old} (superseded): 1")
    assert still.is_visible()
    on_old = lead.page.get_by_role("listitem").get_by_role("link", name="Mr Sam Reid")
    assert on_old.is_visible()  # the demo teacher, listed under the version they signed
    lead.check()
    lead.close()
    assert teacher.problems == []
    assert lead.problems == []
