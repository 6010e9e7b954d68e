"""Signing agreements in the portal, with the school's real policies: parents for their whole
family, pupils aged 7 and over, staff at sign-in; photo choices; nothing signed by opening a
page; each record once."""

from __future__ import annotations

import re
import threading

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from portal import create_app
from portal.content import calendar
from portal.models import (
    Acceptance,
    AuditEvent,
    ClassTeacher,
    ImageConsent,
    LinkToken,
    OutboxMessage,
    PolicyVersionRecord,
)
from portal.services import agreements
from portal.services.acceptance import Entry, Signature, record_and_commit
from portal.services.agreements import COUNTERSIGN, PARENT, SELF
from portal.services.tokens import normalise_letter_code, token_hash
from tests.factories import (
    accept_own_agreements,
    catalogue_of,
    make_class,
    make_parent,
    make_pupil,
    make_school,
    make_staff,
    sign_in_as,
)

PASSWORD = "correct horse battery staple"
LETTER_CODE = "MAPLE-TREES-73928"


@pytest.fixture
def policies_dir(project):
    return project / "policies"


@pytest.fixture
def family(db):
    """A Reception child and a Year 3 child with one parent; a teacher and the ICT lead."""
    school = make_school(db)
    reception = make_class(db, school, "Reception", 0)
    year3 = make_class(db, school, "3A", 3)
    little = named(make_pupil(db, school, reception), "Amira")
    junior = named(make_pupil(db, school, year3), "Ben")
    parent = named(make_parent(db, school, [little, junior]), "Sara Carer")
    db.commit()
    return {
        "school": school,
        "reception": reception,
        "year3": year3,
        "little": little,
        "junior": junior,
        "parent": parent,
    }


def named(person, name: str):
    """Give a person made by the factories a readable name."""
    if hasattr(person, "first_name"):
        person.first_name = name
    else:
        person.name = name
    return person


def html(response) -> str:
    return response.get_data(as_text=True)


def text(response) -> str:
    """The page's words without its tags (a fingerprint is shown in blocks of eight)."""
    return re.sub(r"<[^>]+>", "", html(response))


def records(db, **where) -> list[Acceptance]:
    db.expire_all()
    query = select(Acceptance).order_by(Acceptance.id)
    for name, value in where.items():
        query = query.where(getattr(Acceptance, name) == value)
    return list(db.scalars(query))


FAMILY = "/agreements/family"


def shown(client, page=FAMILY) -> str:
    match = re.search(r'name="shown" type="hidden" value="([^"]*)"', html(client.get(page)))
    assert match, f"no agreement to sign at {page}"
    return match.group(1)


def sign_family(client, children, name="Sara Carer", **extra):
    data = {"shown": shown(client), "signed_name": name}
    data |= {f"talked_{child.id}": "y" for child in children}
    return client.submit("/agreements/family", data | extra)


def current(app, slug: str):
    return catalogue_of(app).content.policy(slug).current(calendar.school_today())


def version_id(db, slug: str, version: str) -> int:
    return db.scalar(
        select(PolicyVersionRecord.id).where(
            PolicyVersionRecord.policy == slug, PolicyVersionRecord.version == version
        )
    )


# --- Parents and carers ----------------------------------------------------------------------


def test_opening_the_page_shows_each_child_and_signs_nothing(client, db, family, app):
    sign_in_as(client, db, family["parent"])
    page = text(client.get("/agreements/family"))
    assert "Amira" in page
    assert "Ben" in page
    for slug in ("pupil-aup-4-7", "pupil-aup-7-11", "parent-agreement"):
        version = current(app, slug)
        assert version.content_hash in page  # the exact version, with its fingerprint
    assert "I have talked these rules through with Amira" in page
    assert "I have talked these rules through with Ben" in page
    assert 'autocomplete="name"' in html(client.get("/agreements/family"))
    assert records(db) == []


def test_the_page_starts_with_each_person_the_ticks_and_the_signature(client, db, family, app):
    sign_in_as(client, db, family["parent"])
    page = text(client.get("/agreements/family"))
    order = [
        "Parent and carer agreement",
        catalogue_of(app).content.policy("parent-agreement").summary,
        "You agree to it for yourself: sign below.",
        "Amira Test, Reception",
        "You agree to it for Amira: tick the box and sign below.",
        "I have talked these rules through with Amira",
        "Ben Test, Year 3",
        "Ben signs this at school, with their teacher.",
        "You sign it too, for Ben: tick the box and sign below.",
        "I have talked these rules through with Ben",
        "Your full name",
        "I agree",
        "The agreements in full",
        "Read the full text of version",
    ]
    place = page.index("Agreements for your family")
    for words in order:  # each after the one before
        place = page.index(words, place)
    assert ") (" not in page


def test_each_full_text_is_on_the_page_a_tap_away(client, db, family, app):
    sign_in_as(client, db, family["parent"])
    page = html(client.get("/agreements/family"))
    for slug in ("pupil-aup-4-7", "pupil-aup-7-11", "parent-agreement"):
        section = page[page.index(f'id="policy-{slug}"') :]
        section = section[: section.index("</section>")]
        summary = catalogue_of(app).content.policy(slug).summary
        assert section.index(summary) < section.index("<details")  # its summary comes first
        assert 'class="policy-text"' in section[section.index("<details") :]
        assert section.count("<h4") > 0  # the text's headings sit under the policy's own


def test_photo_choices_are_made_in_the_same_flow_as_signing(client, db, family):
    sign_in_as(client, db, family["parent"])
    page = html(client.get("/agreements/family"))
    little, junior = family["little"].id, family["junior"].id
    assert f'name="photo_{little}_website" type="radio" value="yes"' in page
    assert "Photos of Amira: your choices, not answered yet" in text(client.get(FAMILY))
    unticked = sign_family(client, [family["little"]], **{f"photo_{little}_website": "yes"})
    assert unticked.status_code == 400
    kept = rf'<input checked id="photo_{little}_website-0" name="photo_{little}_website"'
    assert re.search(kept, html(unticked))  # kept while the parent puts the tick right
    assert db.scalars(select(ImageConsent)).all() == []
    signed = sign_family(
        client,
        [family["little"], family["junior"]],
        **{f"photo_{little}_website": "yes", f"photo_{junior}_press": "no"},
    )
    assert signed.status_code == 302
    db.expire_all()
    choices = db.scalars(select(ImageConsent).order_by(ImageConsent.id)).all()
    assert [(c.pupil_id, c.purpose, c.given) for c in choices] == [
        (little, "website", True),
        (junior, "press", False),
    ]
    assert len(records(db)) == 3  # and the agreements, as ever


def test_the_receipt_fits_a_phone_prints_and_shows_fingerprints_in_blocks(client, db, family):
    sign_in_as(client, db, family["parent"])
    sign_family(client, [family["little"], family["junior"]])
    page = html(client.get("/agreements/done"))
    for record in records(db):
        blocks = re.findall(r".{8}", record.content_hash)
        assert "".join(f"<span>{block}</span>" for block in blocks) in page
    assert "<table" not in page  # one card a policy, which wraps on a phone
    assert re.search(r"<button [^>]*data-print[^>]*>Print or save this receipt</button>", page)
    assert "Choose about photos" not in page


def test_the_text_is_rendered_from_the_same_source_as_the_site(client, db, family, app):
    sign_in_as(client, db, family["parent"])
    page = html(client.get("/agreements/family"))
    assert "<li>I will use school computers and tablets for my school work" in page
    assert "{{" not in page  # placeholders are filled in, as on the site
    assert "<abbr" in page  # glossary abbreviations are explained, as on the site


def test_a_parent_signs_for_all_their_children_at_once(client, db, family, app):
    sign_in_as(client, db, family["parent"])
    response = sign_family(client, [family["little"], family["junior"]])
    assert response.status_code == 302
    assert response.headers["Location"] == "/agreements/done"
    made = records(db)
    by_part = {(r.subject_type, r.subject_id, r.acting_as): r for r in made}
    little = by_part[("pupil", family["little"].id, PARENT)]
    junior = by_part[("pupil", family["junior"].id, COUNTERSIGN)]
    own = by_part[("parent", family["parent"].id, SELF)]
    assert len(made) == 3
    for record, slug in (
        (little, "pupil-aup-4-7"),
        (junior, "pupil-aup-7-11"),
        (own, "parent-agreement"),
    ):
        assert record.content_hash == current(app, slug).content_hash
        assert record.policy_version_id == version_id(db, slug, current(app, slug).version)
        assert (record.actor_type, record.actor_id) == ("parent", family["parent"].id)
        assert (record.method, record.signed_name, record.language) == (
            "online",
            "Sara Carer",
            "en-GB",  # the language of the text shown: the school's, from school.yml
        )
    assert little.talked_through is True
    assert junior.talked_through is True
    assert own.talked_through is None

    receipt = text(client.get("/agreements/done"))
    assert "You have agreed" in receipt
    for slug in ("pupil-aup-4-7", "pupil-aup-7-11", "parent-agreement"):
        assert current(app, slug).content_hash in receipt
    assert "countersigned for Ben Test" in receipt

    mail = db.scalars(select(OutboxMessage)).all()
    assert [m.to_address for m in mail] == [family["parent"].email]
    assert "receipt" in mail[0].subject
    for slug in ("pupil-aup-4-7", "pupil-aup-7-11", "parent-agreement"):
        version = current(app, slug)
        assert version.content_hash in mail[0].body
        assert f"Version {version.version}" in mail[0].body
    assert re.search(r"You agreed on \d+ \w+ \d{4}, \d\d:\d\d \(UK time\)", mail[0].body)


def test_the_family_page_then_shows_who_signed_what(client, db, family):
    sign_in_as(client, db, family["parent"])
    sign_family(client, [family["little"], family["junior"]])
    page = html(client.get("/agreements/family"))
    assert "There is nothing for you to sign" in page
    assert "signed by you on" in page
    assert "Ben signs this at school" in page  # the countersigned agreement waits for him


def test_each_child_must_be_ticked_and_the_name_typed(client, db, family):
    sign_in_as(client, db, family["parent"])
    response = sign_family(client, [family["little"]], name="")
    assert response.status_code == 400
    page = html(response)
    assert "There is a problem" in page
    assert "Tick the box to say you have talked the rules through with Ben." in page
    assert "Type your full name to sign." in page
    assert records(db) == []


def test_pressing_twice_records_once_and_shows_the_same_receipt(client, db, family):
    sign_in_as(client, db, family["parent"])
    data = {"shown": shown(client), "signed_name": "Sara Carer"}
    data |= {f"talked_{c.id}": "y" for c in (family["little"], family["junior"])}
    first = client.submit("/agreements/family", data)
    again = client.submit("/agreements/family", data)  # back, then press again
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == "/agreements/done"
    assert len(records(db)) == 3
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 1  # one receipt
    assert "You have agreed" in html(client.get("/agreements/done"))


def run_at_once(jobs) -> list:
    barrier = threading.Barrier(len(jobs))
    results: list = []

    def run(job):
        barrier.wait()
        results.append(job())

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_carers_signing_at_the_same_moment_are_both_recorded(app, db, family):
    other = named(make_parent(db, family["school"], [family["little"]]), "Sam Carer")
    db.commit()
    forms = []
    for carer, children in (
        (family["parent"], [family["little"], family["junior"]]),
        (other, [family["little"]]),
    ):
        client = app.test_client()
        sign_in_as(client, db, carer)
        data = {"shown": shown(client), "signed_name": carer.name}
        data |= {f"talked_{c.id}": "y" for c in children}
        token = client.csrf_token("/agreements/family")
        forms.append((client, data | {"csrf_token": token}))

    def post(client, data):
        return lambda: (
            client.post(
                "/agreements/family",
                data=data,
                headers={"Referer": "https://localhost/agreements/family"},
            ).status_code
        )

    assert run_at_once([post(c, d) for c, d in forms] * 2) == [302, 302, 302, 302]
    little = records(db, subject_id=family["little"].id, acting_as=PARENT)
    assert sorted(r.actor_id for r in little) == sorted([family["parent"].id, other.id])
    assert len(records(db)) == 5  # both carers for Amira, Ben once, each carer's own once


def test_a_new_version_while_the_page_was_open_signs_nothing(client, db, family):
    sign_in_as(client, db, family["parent"])
    data = {
        "shown": "pupil-aup-4-7:2025.01",
        "signed_name": "Sara Carer",
        f"talked_{family['little'].id}": "y",
    }
    response = client.submit("/agreements/family", data)
    assert response.status_code == 400
    assert "The agreement changed while you were reading" in html(response)
    assert records(db) == []


def test_a_parent_who_signed_an_earlier_version_sees_what_changed_first(client, db, family, app):
    older = catalogue_of(app).find("pupil-aup-7-11", "2025.09")
    record_and_commit(
        db,
        family["school"].id,
        [Entry.to(older, "pupil", family["junior"].id, COUNTERSIGN, talked_through=True)],
        Signature("parent", family["parent"].id, signed_name="Sara Carer"),
    )
    sign_in_as(client, db, family["parent"])
    page = html(client.get("/agreements/family"))
    section = page[page.index('id="policy-pupil-aup-7-11"') :]
    changes = section.index("What changed since you signed version 2025.09")
    assert "Three changes since the 2025 rules" in section  # the change summary
    assert "Added:" in section  # the marked-up differences
    assert changes < section.index("Read the full text of version 2026.09")


def test_the_sites_link_sends_each_person_to_what_they_sign(app, client, db, family):
    response = client.get("/sign/parent-agreement/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/sign/parent-agreement/"
    assert client.get("/sign/no-such-policy/").status_code == 302  # sign-in comes first

    parent = family["parent"]
    parent.letter_code_hash = token_hash(normalise_letter_code(LETTER_CODE))
    db.commit()
    client.get("/sign-in?next=/sign/parent-agreement/")
    signed_in = client.submit("/parents/sign-in", {"code": LETTER_CODE})
    assert signed_in.headers["Location"] == "/sign/parent-agreement/"
    onward = client.get("/sign/parent-agreement/")
    assert onward.headers["Location"] == "/agreements/family#policy-parent-agreement"
    assert client.get("/sign/no-such-policy/").status_code == 404

    pupil = app.test_client()
    sign_in_as(pupil, db, family["junior"])
    assert pupil.get("/sign/pupil-aup-7-11/").headers["Location"] == "/agreements/mine"
    lead = app.test_client()
    ict = make_staff(db, family["school"], "ict_lead")
    accept_own_agreements(app, db, ict)
    sign_in_as(lead, db, ict)
    assert lead.get("/sign/pupil-aup-7-11/").headers["Location"] == (
        "/agreements/status?agreement=pupil-aup-7-11"
    )


# --- Photos ----------------------------------------------------------------------------------


def test_photo_choices_are_separate_optional_and_can_change(app, client, db, family):
    sign_in_as(client, db, family["parent"])
    little = family["little"].id
    page = html(client.get("/agreements/photos"))
    for label in (
        "school website",
        "printed publications",
        "displays in school",
        "learning platform",
        "video",
        "national press",
        "displays outside school",
        "social media",
    ):
        assert label in page
    client.submit(
        "/agreements/photos", {f"photo_{little}_website": "yes", f"photo_{little}_press": "no"}
    )
    client.submit(
        "/agreements/photos", {f"photo_{little}_website": "no", f"photo_{little}_press": "no"}
    )
    rows = db.scalars(select(ImageConsent).order_by(ImageConsent.id)).all()
    assert [(r.purpose, r.given) for r in rows] == [
        ("website", True),
        ("press", False),
        ("website", False),
    ]
    assert all(r.actor_id == family["parent"].id for r in rows)
    assert records(db) == []  # photo choices are not the agreement

    teacher = make_staff(db, family["school"])
    accept_own_agreements(app, db, teacher)
    staff = app.test_client()
    sign_in_as(staff, db, teacher)
    found = html(staff.get("/agreements/photo-permissions?name=amira"))
    table = found[found.index("Amira") :]
    website = table[table.index("On the school website") :]
    assert website.index("No") < website.index("</tr>")
    assert "No answer: no" in table
    by_class = html(staff.get(f"/agreements/photo-permissions?class_id={family['reception'].id}"))
    assert "1 pupil found" in by_class
    assert (
        db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "photo-permissions-viewed")
        )
        == 2
    )


def test_a_parent_only_chooses_for_their_own_children(client, db, family):
    stranger = named(make_pupil(db, family["school"], family["reception"]), "Zed")
    db.commit()
    sign_in_as(client, db, family["parent"])
    assert "Zed" not in html(client.get("/agreements/photos"))
    client.submit("/agreements/photos", {f"photo_{stranger.id}_website": "yes"})
    assert db.scalars(select(ImageConsent)).all() == []


# --- Pupils ----------------------------------------------------------------------------------


def test_a_pupil_reads_with_read_it_to_me_and_agrees_in_their_own_words(app, client, db, family):
    sign_in_as(client, db, family["junior"])
    response = client.get("/agreements/mine")
    page = html(response)
    assert 'data-read="agreement-text"' in page
    assert 'id="agreement-text"' in page
    assert re.search(r'<script src="/static/portal\.js\?v=[0-9a-f]+" defer></script>', page)
    assert "<script>" not in page  # only our own script files: the CSP allows nothing else
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    with client.get("/static/portal.js") as served:
        assert served.status_code == 200
        script = served.get_data(as_text=True)
    assert "speechSynthesis" in script
    assert "data-read" in script
    assert ">I agree</button>" in page

    empty = client.submit(
        "/agreements/mine", {"shown": "pupil-aup-7-11:2026.09:en-GB", "own_words": ""}
    )
    assert empty.status_code == 400
    assert "Write what you agree to, in your own words." in html(empty)
    done = client.submit(
        "/agreements/mine",
        {
            "shown": "pupil-aup-7-11:2026.09:en-GB",
            "own_words": "I will tell my mum if I see something bad",
        },
    )
    assert done.status_code == 302
    [record] = records(db)
    assert (record.subject_id, record.actor_type, record.acting_as) == (
        family["junior"].id,
        "pupil",
        SELF,
    )
    assert record.remark == "I will tell my mum if I see something bad"
    thanked = text(client.get("/agreements/mine"))
    assert "Thank you, Ben. You have signed your agreement." in thanked
    assert thanked.count("Thank you") == 1  # one thank-you, not a message and a box
    assert agreements.STATUSES["awaiting-parent"]  # now waiting for a parent


def test_pupils_aged_4_to_7_do_not_sign_their_grown_up_does(client, db, family):
    sign_in_as(client, db, family["little"])
    page = html(client.get("/agreements/mine"))
    assert "Your grown-up agrees to the rules for you" in page
    assert "I agree" not in page


def test_pupils_aged_11_and_over_sign_their_own(client, db, family):
    teen = make_pupil(db, family["school"], year_group=9)
    db.commit()
    sign_in_as(client, db, teen)
    assert "pupil-aup-11-18:2026.09:en-GB" in shown(client, "/agreements/mine")


def test_links_in_a_policy_go_to_the_sites_pages(app, client, db, family):
    teen = make_pupil(db, family["school"], year_group=9)
    db.commit()
    sign_in_as(client, db, teen)
    page = html(client.get("/agreements/mine"))
    site = app.config["SITE_URL"].rstrip("/")
    assert f'<a href="{site}/tables/sanctions-pupils/">pupil sanctions table</a>' in page
    assert ".md" not in "".join(re.findall(r'href="([^"]+)"', page))


def test_lessons_never_wait_for_an_agreement(app, client, db, family):
    sign_in_as(client, db, family["junior"])
    assert client.get("/pupils/").status_code == 200
    assert "Read and sign my agreement" in html(client.get("/pupils/"))
    assert client.get("/lessons/").status_code == 200
    staff = make_staff(db, family["school"])
    teacher = app.test_client()
    sign_in_as(teacher, db, staff)
    assert teacher.get("/lessons/classes").status_code == 302  # staff sign theirs first


# --- Staff -----------------------------------------------------------------------------------


def test_staff_accept_their_agreement_at_sign_in_before_any_other_page(app, client, db, family):
    teacher = make_staff(db, family["school"], password=PASSWORD)
    db.commit()
    signed_in = client.submit("/sign-in/staff", {"email": teacher.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    home = client.get("/staff/")
    assert home.headers["Location"] == "/agreements/mine?next=/staff/"
    assert client.get("/pupils/cards").headers["Location"] == "/agreements/mine?next=/pupils/cards"
    page = text(client.get("/agreements/mine?next=/staff/"))
    assert "Staff acceptable use policy" in page
    assert current(app, "staff-aup").content_hash in page
    summary = catalogue_of(app).content.policy("staff-aup").summary
    assert page.index(f"In short: {escape(summary)}") < page.index("The full text")
    unnamed = client.submit("/agreements/mine?next=/staff/", {"shown": "staff-aup:2026.09:en-GB"})
    assert unnamed.status_code == 400
    agreed = client.submit(
        "/agreements/mine?next=/staff/",
        {"shown": "staff-aup:2026.09:en-GB", "signed_name": teacher.name},
    )
    assert agreed.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    [record] = records(db)
    assert (record.subject_type, record.acting_as, record.signed_name) == (
        "staff",
        SELF,
        teacher.name,
    )


def test_staff_can_always_sign_out(client, db, family):
    teacher = make_staff(db, family["school"])
    sign_in_as(client, db, teacher)
    response = client.submit("/agreements/mine", {}, action="/sign-out")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"


# --- Recording on someone's behalf -----------------------------------------------------------


@pytest.fixture
def teacher(app, client, db, family):
    """A teacher of both the family's classes: they may record their pupils' slips."""
    staff = named(make_staff(db, family["school"]), "Mr Paper")
    db.flush()
    for school_class in (family["reception"], family["year3"]):
        db.add(ClassTeacher(class_id=school_class.id, staff_id=staff.id))
    accept_own_agreements(app, db, staff)
    sign_in_as(client, db, staff)
    return staff


@pytest.fixture
def lead(app, client, db, family):
    staff = named(make_staff(db, family["school"], "ict_lead"), "Ms Lead")
    accept_own_agreements(app, db, staff)
    sign_in_as(client, db, staff)
    return staff


def test_staff_record_a_paper_slip_naming_the_method_themselves_and_a_remark(
    client, db, family, teacher
):
    junior = family["junior"]
    url = f"/agreements/people/pupil/{junior.id}"
    page = html(client.get(url))
    assert "Record an agreement for Ben Test" in page
    nothing = client.submit(url, {"method": "paper"})
    assert nothing.status_code == 400
    assert "Tick what they agreed to." in html(nothing)
    no_method = client.submit(url, {"part_pupil_aup_7_11_self": "y"})
    assert "Choose how they agreed." in html(no_method)
    response = client.submit(
        url,
        {
            "part_pupil_aup_7_11_self": "y",
            "part_pupil_aup_7_11_countersign": "y",
            "method": "paper",
            "signed_name": "S. Carer",
            "remark": "Slip handed in at the office",
            "acknowledged": "y",
        },
    )
    assert response.status_code == 302
    made = records(db, subject_type="pupil")
    assert {r.acting_as for r in made} == {SELF, COUNTERSIGN}
    for record in made:
        assert (record.actor_type, record.actor_id, record.method) == ("staff", teacher.id, "paper")
        assert record.remark == "Slip handed in at the office"
    history = html(client.get(url))
    assert "Mr Paper (staff)" in history
    assert "Signed paper slip" in history
    assert "Signed and countersigned" in history


def test_a_class_list_records_a_pile_of_returned_slips(app, client, db, family, teacher):
    year3 = family["year3"]
    signed_online = named(make_pupil(db, family["school"], year3), "Cal")
    untouched = named(make_pupil(db, family["school"], year3), "Dee")
    db.commit()
    pupil = app.test_client()
    sign_in_as(pupil, db, signed_online)
    pupil.submit(
        "/agreements/mine", {"shown": shown(pupil, "/agreements/mine"), "own_words": "Be kind"}
    )
    page = html(client.get(f"/agreements/slips?class_id={year3.id}"))
    assert "Returned slips: 3A" in page
    ticks = {
        "class_id": year3.id,
        f"slip_{signed_online.id}": "y",
        f"slip_{untouched.id}": "y",
        "remark": "parents' evening",
    }
    check = html(client.submit(f"/agreements/slips?class_id={year3.id}", ticks))
    assert "2 slips will be recorded" in check
    assert "Cal Test" in check
    assert "Dee Test" in check
    assert records(db, actor_type="staff", subject_type="pupil") == []  # not yet
    response = client.submit(f"/agreements/slips?class_id={year3.id}", {**ticks, "confirm": "yes"})
    assert response.status_code == 302
    by_staff = records(db, actor_type="staff", subject_type="pupil")
    assert sorted((r.subject_id, r.acting_as) for r in by_staff) == sorted(
        [(signed_online.id, COUNTERSIGN), (untouched.id, SELF), (untouched.id, COUNTERSIGN)]
    )
    assert all(r.method == "paper" and r.remark == "parents' evening" for r in by_staff)
    after = html(client.get(f"/agreements/slips?class_id={year3.id}"))
    assert after.count("Signed and countersigned") == 2
    assert "Recorded returned slips for 2 children." in after


def test_a_withdrawal_is_a_new_record_and_the_agreement_is_pending_again(
    client, db, family, teacher
):
    little = family["little"]
    url = f"/agreements/people/pupil/{little.id}"
    client.submit(url, {"part_pupil_aup_4_7_parent": "y", "method": "paper", "acknowledged": "y"})
    no_reason = client.submit(url, {"part": "part_pupil_aup_4_7_parent"}, action=f"{url}/withdraw")
    assert no_reason.status_code == 302
    assert len(records(db, subject_type="pupil")) == 1
    client.submit(
        url,
        {"part": "part_pupil_aup_4_7_parent", "remark": "Slip was for a sibling"},
        action=f"{url}/withdraw",
    )
    made = records(db, subject_type="pupil")
    assert [r.action for r in made] == ["accept", "withdraw"]
    assert made[1].remark == "Slip was for a sibling"
    page = html(client.get(url))
    assert "Record an agreement for Amira Test" in page
    assert "Withdrawn: Pupil acceptable use policy (ages 4 to 7)" in page


def test_visitors_volunteers_and_governors_are_added_and_their_agreement_recorded(
    client, db, family, lead
):
    added = client.submit(
        "/agreements/visitors",
        {"name": "Val Unteer", "kind": "volunteer", "organisation": "Reading helper"},
    )
    assert added.status_code == 302
    url = added.headers["Location"]
    page = html(client.get(url))
    assert "Code of conduct for visitors and volunteers" in page
    assert "Val Unteer is added as a volunteer." in page
    client.submit(
        url,
        {
            "part_visitor_aup_self": "y",
            "method": "in-person",
            "signed_name": "Val Unteer",
            "acknowledged": "y",
        },
    )
    [record] = records(db, subject_type="visitor")
    assert record.method == "in-person"
    listing = html(client.get("/agreements/visitors"))
    assert "Code of conduct for visitors and volunteers: Signed" in listing
    governor = client.submit("/agreements/visitors", {"name": "Gov Ernor", "kind": "governor"})
    page = html(client.get(governor.headers["Location"]))
    assert "Staff acceptable use policy" in page
    assert "Gov Ernor is added as a governor." in page


def test_another_schools_people_cannot_be_recorded(client, db, family, teacher):
    elsewhere = make_pupil(db, make_school(db, "Elsewhere"), year_group=4)
    db.commit()
    assert client.get(f"/agreements/people/pupil/{elsewhere.id}").status_code == 404
    assert client.get("/agreements/people/nobody/1").status_code == 404


def test_the_portal_will_not_start_without_its_policies(app, tmp_path):
    with pytest.raises(RuntimeError, match="There is no policies folder"):
        create_app({**app.config, "POLICIES_DIR": str(tmp_path / "nowhere")})


def test_the_sites_link_works_through_the_combined_server(app, db, family, tmp_path):
    """The site links to /portal/sign/<policy>/: after signing in, people come back under
    /portal, not to the site."""
    from werkzeug.test import Client

    from portal.wsgi import combine

    parent = family["parent"]
    parent.letter_code_hash = token_hash(normalise_letter_code(LETTER_CODE))
    db.commit()
    (tmp_path / "site").mkdir()
    browser = Client(combine(tmp_path / "site", app))
    first = browser.get("/portal/sign/parent-agreement/", base_url="https://localhost")
    assert first.headers["Location"] == "/portal/sign-in?next=/portal/sign/parent-agreement/"
    browser.get(first.headers["Location"], base_url="https://localhost")
    page = browser.get("/portal/parents/sign-in", base_url="https://localhost").get_data(
        as_text=True
    )
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    signed_in = browser.post(
        "/portal/parents/sign-in",
        data={"csrf_token": token, "code": LETTER_CODE},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/portal/parents/sign-in"},
    )
    assert signed_in.headers["Location"] == "/portal/sign/parent-agreement/"
    onward = browser.get("/portal/sign/parent-agreement/", base_url="https://localhost")
    assert onward.headers["Location"] == "/portal/agreements/family#policy-parent-agreement"


# --- A stale form, and how a parent was reached ---------------------------------------------


def test_a_stale_token_on_the_agreement_form_keeps_what_the_parent_typed(client, db, family):
    sign_in_as(client, db, family["parent"])
    data = {"shown": shown(client), "signed_name": "Sara Carer", "csrf_token": "an-old-token"}
    data[f"talked_{family['little'].id}"] = "y"
    response = client.post(
        "/agreements/family", data=data, headers={"Referer": "https://localhost/agreements/family"}
    )
    page = html(response)
    assert response.status_code == 400
    assert "This form was open too long or came from another page. Please try again." in page
    assert 'value="Sara Carer"' in page  # the typed name is still there
    assert f'<input checked id="talked_{family["little"].id}"' in page
    assert records(db) == []


def test_a_stale_token_elsewhere_gets_a_plain_page_not_a_bare_error(client, db, family):
    lead = make_staff(db, family["school"], "ict_lead")
    db.commit()
    sign_in_as(client, db, lead)
    response = client.post(
        "/agreements/visitors",
        data={"csrf_token": "stale", "name": "Val", "kind": "visitor"},
        headers={"Referer": "https://localhost/agreements/visitors"},
    )
    assert response.status_code == 400
    assert "Nothing was saved" in html(response)
    assert 'href="/agreements/visitors"' in html(response)


def test_a_parents_agreement_records_how_they_were_reached(app, client, db, family):
    from tests.mailbox import sent_body

    parent = family["parent"]
    parent.email = "sara@example.org"
    db.commit()
    client.submit("/parents/sign-in", {"email": parent.email})
    message = db.scalar(select(OutboxMessage))
    path = re.search(r"https://localhost(/parents/link/\S+)", sent_body(app, message)).group(1)
    client.submit(path, {})
    sign_family(client, [family["little"], family["junior"]])
    link = db.scalar(select(LinkToken))
    reached = {record.reached_by for record in records(db, actor_type="parent")}
    assert reached == {f"email link {link.id} sent to sara@example.org"}


def test_a_letter_code_is_recorded_as_how_the_parent_came(client, db, family):
    family["parent"].letter_code_hash = token_hash(normalise_letter_code(LETTER_CODE))
    db.commit()
    client.submit("/parents/sign-in", {"code": LETTER_CODE})
    sign_family(client, [family["little"], family["junior"]])
    reached = {record.reached_by for record in records(db, actor_type="parent")}
    assert reached == {"code on a letter home"}
