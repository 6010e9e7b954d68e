"""Parents and carers sign in with an emailed link or a code on a letter, never a password."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from portal.content.calendar import utcnow
from portal.models import AuditEvent, LinkToken, LoginSession, OutboxMessage
from portal.services import parents, tokens
from portal.services.tokens import new_letter_code, normalise_letter_code, token_hash
from tests.factories import make_class, make_parent, make_pupil, make_school, make_staff, sign_in_as
from tests.mailbox import sent_body

LINK = re.compile(r"https://localhost(/parents/link/[A-Za-z0-9_-]+)")


@pytest.fixture
def family(db):
    """A parent with a child in 3B, and another family's child in the same class."""
    school = make_school(db)
    school_class = make_class(db, school, "3B")
    child = make_pupil(db, school, school_class)
    neighbour = make_pupil(db, school, school_class)
    child.first_name, neighbour.first_name = "Amira", "Zachary"
    parent = make_parent(db, school, [child], email="Amira.Parent@Example.org")
    other_parent = make_parent(db, school, [neighbour])
    db.commit()
    return SimpleNamespace(
        school=school,
        school_class=school_class,
        child=child,
        neighbour=neighbour,
        parent=parent,
        other_parent=other_parent,
    )


def outbox(db) -> list[OutboxMessage]:
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def ask_for_link(client, db, email: str) -> str:
    response = client.submit("/parents/sign-in", {"email": email})
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    (message,) = outbox(db)
    return LINK.search(sent_body(client.application, message)).group(1)


def text(response) -> str:
    return response.get_data(as_text=True)


def signed_in(client) -> bool:
    return client.get("/parents/").status_code == 200


def test_the_sign_in_page_offers_both_ways_with_labelled_fields(client):
    html = text(client.get("/parents/sign-in"))
    assert "Email me a sign-in link" in html
    assert "I have a code on a letter" in html
    assert re.search(r'<label class="label" for="email">Email address</label>', html)
    assert re.search(r'<input[^>]*autocomplete="email"[^>]*id="email"', html)
    assert re.search(r'<label class="label" for="code">Code from your letter</label>', html)


def test_the_code_hint_shows_a_code_made_as_real_codes_are(client):
    html = text(client.get("/parents/sign-in"))
    example = re.search(r"It looks like ([A-Z0-9-]+):", html).group(1)
    real = tokens.new_letter_code()
    assert [len(group) for group in example.split("-")] == [len(g) for g in real.split("-")]
    assert set(example.replace("-", "")) <= set(tokens.LETTER_CODE_ALPHABET)
    assert any(ch.isdigit() for ch in example)
    assert any(ch.isalpha() for ch in example)
    assert parents.code_looks_right(example)


def test_a_parent_asks_for_a_link_and_it_waits_in_the_outbox(client, db, family):
    path = ask_for_link(client, db, "  amira.parent@EXAMPLE.org ")
    (message,) = outbox(db)
    assert message.to_address == "Amira.Parent@Example.org"
    assert message.school_id == family.school.id
    assert message.subject == "Sign in to Oakfield School"
    body = sent_body(client.application, message)
    assert f"Hello {family.parent.name}" in body
    assert f"https://localhost{path}" in body
    assert "works once, for 3 days" in body
    assert "sign-in" in body
    assert "ignore this email" in body
    link = db.scalar(select(LinkToken))
    assert link.purpose == "parent-sign-in"
    assert abs(link.expires_at - link.created_at - dt.timedelta(hours=72)) < dt.timedelta(seconds=5)
    assert path.rsplit("/", 1)[1] not in link.token_hash  # only the hash is kept


def test_an_unknown_address_gets_the_same_page_and_nothing_is_sent(client, db, family):
    known = client.submit("/parents/sign-in", {"email": family.parent.email})
    outbox(db)[0].sent_at = utcnow()  # out of the way
    db.commit()
    unknown = client.submit("/parents/sign-in", {"email": "stranger@example.org"})
    assert known.status_code == unknown.status_code == 200
    for response, email in ((known, family.parent.email), (unknown, "stranger@example.org")):
        assert text(response).replace(email, "ADDRESS") == text(known).replace(
            family.parent.email, "ADDRESS"
        )
    assert len(outbox(db)) == 1


def test_an_address_shared_by_two_parent_records_gets_a_link_for_each(client, db, family):
    other_school = make_school(db, "Birchwood")
    make_parent(db, other_school, [], email="amira.parent@example.org")
    db.commit()
    client.submit("/parents/sign-in", {"email": "amira.parent@example.org"})
    subjects = sorted(message.subject for message in outbox(db))
    assert subjects == ["Sign in to Birchwood School", "Sign in to Oakfield School"]


def test_a_missing_or_malformed_email_gets_an_error_summary(client, db, family):
    for email, message in (("", "Enter your email address."), ("nope", "like name@example.com")):
        response = client.submit("/parents/sign-in", {"email": email})
        html = text(response)
        assert "There is a problem" in html
        assert message in html
        assert html.startswith("<!doctype html>")
        assert "<title>Error: " in html
    assert outbox(db) == []


def test_opening_the_link_changes_nothing(client, db, family):
    path = ask_for_link(client, db, family.parent.email)
    for _ in range(2):  # a mail scanner, then the parent
        page = client.get(path)
        assert page.status_code == 200
        assert f"Sign in as {family.parent.name}?" in text(page)
        assert ">Continue</button>" in text(page)
    assert not signed_in(client)
    db.expire_all()
    assert db.scalar(select(LinkToken)).used_at is None
    assert db.scalar(select(func.count(LoginSession.id))) == 0


def test_pressing_continue_signs_in_and_shows_only_their_own_children(client, db, family):
    path = ask_for_link(client, db, family.parent.email)
    response = client.submit(path, {})
    assert response.status_code == 302
    home = client.get("/parents/")
    assert home.status_code == 200
    assert family.child.name in text(home)
    assert family.neighbour.name not in text(home)
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "signed-in", AuditEvent.actor_type == "parent"
        )
    )
    assert event.detail == {"how": "email link"}


def test_a_used_link_is_refused_with_a_way_to_get_a_new_one(app, client, db, family):
    path = ask_for_link(client, db, family.parent.email)
    client.submit(path, {})
    stranger = app.test_client()
    for response in (stranger.get(path), stranger.post(path, data={})):
        assert response.status_code == 410
        assert "This link no longer works" in text(response)
        assert 'href="/parents/sign-in"' in text(response)
    assert not signed_in(stranger)


def test_a_second_press_by_the_parent_now_signed_in_goes_to_their_home(client, db, family):
    path = ask_for_link(client, db, family.parent.email)
    token = client.csrf_token(path)
    first = client.post(path, data={"csrf_token": token})
    assert first.status_code == 302
    again = client.post(path, data={"csrf_token": token})  # the old page's token
    assert again.status_code == 302
    assert again.headers["Location"] == "/parents/"


def test_another_parent_signed_in_on_the_device_cannot_reuse_a_used_link(app, db, family):
    client = app.test_client()
    path = ask_for_link(client, db, family.parent.email)
    client.submit(path, {})
    other_device = app.test_client()
    sign_in_as(other_device, db, family.other_parent)
    response = other_device.submit("/parents/", {}, action=path)
    assert response.status_code == 410


def test_an_expired_link_is_refused(client, db, family):
    path = ask_for_link(client, db, family.parent.email)
    link = db.scalar(select(LinkToken))
    link.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.commit()
    assert client.get(path).status_code == 410
    assert client.post(path, data={}).status_code == 410
    assert not signed_in(client)


def test_a_parent_who_has_left_gets_no_link_and_cannot_use_one(client, db, family):
    path = ask_for_link(client, db, family.parent.email)
    family.parent.left_at = utcnow()
    db.commit()
    assert client.get(path).status_code == 410
    assert client.post(path, data={}).status_code == 410
    assert not signed_in(client)
    outbox(db)[0].sent_at = utcnow()
    db.commit()
    client.submit("/parents/sign-in", {"email": family.parent.email})
    assert len(outbox(db)) == 1  # nothing new


def test_a_post_without_the_pages_token_is_refused_and_the_link_kept(client, db, family):
    path = ask_for_link(client, db, family.parent.email)
    response = client.post(path, data={})
    assert response.status_code == 400
    assert "press Continue again" in text(response)
    assert not signed_in(client)
    assert client.submit(path, {}).status_code == 302


def give_letter_code(db, parent) -> str:
    code = new_letter_code()
    parent.letter_code_hash = token_hash(normalise_letter_code(code))
    db.commit()
    return code


def test_a_letter_code_typed_messily_signs_in(client, db, family):
    code = give_letter_code(db, family.parent)
    messy = "  " + code.lower().replace("-", " ")[:7] + code.lower().replace("-", "")[6:] + " "
    response = client.submit("/parents/sign-in", {"code": messy})
    assert response.status_code == 302
    home = client.get("/parents/")
    assert family.child.name in text(home)
    assert family.neighbour.name not in text(home)


def test_a_wrong_letter_code_gets_an_error_summary(client, db, family):
    code = give_letter_code(db, family.parent)
    wrong = ("A" if code[0] != "A" else "B") + code[1:]
    for attempt, message in (
        (wrong, "That code did not work"),
        ("ABC", "A code has 15 letters and numbers"),
        ("", "Enter the code from your letter."),
    ):
        response = client.submit("/parents/sign-in", {"code": attempt})
        assert response.status_code == 200
        html = text(response)
        assert "There is a problem" in html
        assert f'<a href="#code">{message}' in html
        assert 'aria-invalid="true"' in html
    assert not signed_in(client)


def test_a_parent_who_has_left_cannot_use_their_letter_code(client, db, family):
    code = give_letter_code(db, family.parent)
    family.parent.left_at = utcnow()
    db.commit()
    response = client.submit("/parents/sign-in", {"code": code})
    assert "That code did not work" in text(response)


def test_a_parent_never_sees_a_child_at_another_school(client, db, family):
    other_school = make_school(db, "Birchwood")
    elsewhere = make_pupil(db, other_school)
    elsewhere.first_name = "Elsewhere"
    family.parent.children = [family.child, elsewhere]  # a bad link in imported data
    db.commit()
    sign_in_as(client, db, family.parent)
    home = text(client.get("/parents/"))
    assert family.child.name in home
    assert elsewhere.name not in home


def test_link_requests_and_code_tries_are_rate_limited_separately(limited_client, db, family):
    client = limited_client
    for number in range(10):  # ten addresses: the limit per computer, not per address
        email = f"x{number}@example.org"
        assert client.submit("/parents/sign-in", {"email": email}).status_code == 200
    assert client.submit("/parents/sign-in", {"email": "y@example.org"}).status_code == 429
    code = give_letter_code(db, family.parent)
    assert client.submit("/parents/sign-in", {"code": code}).status_code == 302


# --- Letters home -----------------------------------------------------------------------------


@pytest.fixture
def admin(db, family):
    staff = make_staff(db, family.school, "admin")
    db.commit()
    return staff


def codes_on(page: str) -> list[str]:
    return re.findall(r'<p class="letter-code">([A-Z0-9-]+)</p>', page)


def test_the_letters_page_is_for_the_admin_and_ict_lead_only(app, db, family, admin):
    assert app.test_client().get("/parents/letters").status_code == 302  # to sign in
    for person in (make_staff(db, family.school, "staff"), family.parent, family.child):
        client = app.test_client()
        sign_in_as(client, db, person)
        assert client.get("/parents/letters").status_code == 403
        assert client.post("/parents/letters", data={}).status_code in (400, 403)
    lead = app.test_client()
    sign_in_as(lead, db, make_staff(db, family.school, "ict_lead"))
    assert lead.get("/parents/letters").status_code == 200


def test_the_staff_home_links_to_letters_for_the_admin(client, db, admin):
    sign_in_as(client, db, admin)
    assert 'href="/parents/letters"' in text(client.get("/staff/"))


def test_looking_at_the_letters_page_makes_no_codes_and_warns_first(client, db, family, admin):
    sign_in_as(client, db, admin)
    page = text(client.get("/parents/letters"))
    assert "3B" in page
    assert "stops working" in page
    db.expire_all()
    assert family.parent.letter_code_hash is None


def test_letters_show_codes_that_sign_in_and_new_letters_replace_them(app, client, db, family):
    no_email = make_parent(db, family.school, [family.child], email=None)
    db.commit()
    admin = make_staff(db, family.school, "admin")
    db.commit()
    sign_in_as(client, db, admin)
    response = client.submit("/parents/letters", {"class_id": family.school_class.id})
    assert response.status_code == 200
    page = text(response)
    # Every parent in the class, each with their own child's name and a code.
    assert len(codes_on(page)) == 3
    letters = page.split('<article class="letter"')[1:]
    ours = next(letter for letter in letters if no_email.name in letter)
    assert family.child.name in ours
    assert family.neighbour.name not in ours
    old_code = codes_on(ours)[0]

    parent_device = app.test_client()
    assert parent_device.submit("/parents/sign-in", {"code": old_code}).status_code == 302
    parent_device.submit("/parents/", {}, action="/sign-out")

    again = client.submit(
        "/parents/letters", {"class_id": family.school_class.id, "without_email_only": "y"}
    )
    (only,) = codes_on(text(again))  # only the parent with no email this time
    assert only != old_code
    refused = parent_device.submit("/parents/sign-in", {"code": old_code})
    assert "That code did not work" in text(refused)
    assert parent_device.submit("/parents/sign-in", {"code": only}).status_code == 302
    db.expire_all()
    assert family.parent.letter_code_hash is not None  # from the first round, still valid
    assert old_code not in no_email.letter_code_hash


def test_an_admin_cannot_make_letters_for_another_schools_class(client, db, family):
    other_admin = make_staff(db, make_school(db, "Birchwood"), "admin")
    db.commit()
    sign_in_as(client, db, other_admin)
    response = client.submit("/parents/letters", {"class_id": family.school_class.id})
    assert response.status_code == 200
    assert "Choose a class from the list." in text(response)
    db.expire_all()
    assert family.parent.letter_code_hash is None


def test_emailed_links_work_when_the_portal_is_served_under_a_prefix(app, db, family, tmp_path):
    """As in the demo and `esafety serve`: the site at /, the portal under /portal."""
    from werkzeug.test import Client

    from portal.wsgi import combine

    app.config["PUBLIC_URL"] = "https://school.example.org/portal"
    browser = Client(combine(tmp_path, app))
    page = browser.get("/portal/parents/sign-in", base_url="https://school.example.org")
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(page)).group(1)
    browser.post(
        "/portal/parents/sign-in",
        base_url="https://school.example.org",
        data={"csrf_token": token, "email": family.parent.email},
        headers={"Referer": "https://school.example.org/portal/parents/sign-in"},
    )
    (message,) = outbox(db)
    assert re.search(
        r"https://school\.example\.org/portal/parents/link/[\w-]+\n", sent_body(app, message)
    )
