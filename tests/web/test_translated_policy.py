"""A version written in another language than the school's (here Welsh, in an English school)
is shown marked with its language, and an agreement to it records that language, never the one
a form claims."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import Acceptance
from tests.factories import SCHOOL, ContentTree, make_pupil, make_school, sign_in_as


@pytest.fixture
def policies_dir(tmp_path):
    tree = ContentTree(tmp_path / "project")
    school = {**SCHOOL, "school": {**SCHOOL["school"], "language": "en-GB"}}
    tree.write_yaml(tree.policies / "school.yml", school)
    tree.policy("rheolau", title="Rheolau", summary="Y rheolau ar gyfer defnyddio cyfrifiaduron.")
    tree.version(slug="rheolau", body="## Rheolau\n\nByddwch yn garedig ar-lein.\n", language="cy")
    tree.publish()
    return tree.policies


def test_an_agreement_to_a_translation_records_its_language(client, db):
    pupil = make_pupil(db, make_school(db), year_group=9)
    db.commit()
    sign_in_as(client, db, pupil)
    page = client.get("/agreements/mine").get_data(as_text=True)
    assert 'lang="cy"' in page
    assert 'name="shown" type="hidden" value="rheolau:2025.09:cy"' in page
    claimed = {"shown": "rheolau:2025.09:en-GB", "own_words": "Byddaf yn garedig"}
    assert client.submit("/agreements/mine", claimed).status_code == 400
    assert db.scalars(select(Acceptance)).all() == []
    agreed = client.submit("/agreements/mine", {**claimed, "shown": "rheolau:2025.09:cy"})
    assert agreed.status_code == 302
    [record] = db.scalars(select(Acceptance)).all()
    assert record.language == "cy"
