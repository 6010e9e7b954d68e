"""The audit log says where each event came from, and keeps refused requests (capped)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import AuditEvent
from portal.services import audit
from portal.web.runtime import runtime
from tests.factories import make_class, make_parent, make_pupil, make_school, make_staff, sign_in_as

PASSWORD = "correct horse battery staple"


def events(db, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def behind_a_proxy(app):
    """The portal behind one nginx: the client's address comes from X-Forwarded-For."""
    from portal import create_app

    proxied = create_app({**app.config, "PROXY_HOPS": 1})
    proxied.test_client_class = type(app.test_client())
    yield proxied
    runtime(proxied).engine.dispose()


def test_audit_events_carry_the_clients_address_through_the_proxy(behind_a_proxy, db):
    staff = make_staff(db, make_school(db), password=PASSWORD)
    db.commit()
    client = behind_a_proxy.test_client()
    client.submit(
        "/sign-in/staff",
        {"email": staff.email, "password": "not the password"},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    [failed] = events(db, "sign-in-failed")
    assert failed.ip == "203.0.113.7"


def test_another_familys_child_asked_for_is_refused_and_logged(client, db):
    school = make_school(db)
    school_class = make_class(db, school)
    mine, theirs = make_pupil(db, school, school_class), make_pupil(db, school, school_class)
    parent = make_parent(db, school, [mine])
    teacher = make_staff(db, school)
    db.commit()
    sign_in_as(client, db, teacher)
    client.get("/parents/")  # a member of staff on a parent's page: 403
    sign_in_as(client, db, parent)
    response = client.get(f"/coverage/pupils/{theirs.id}")
    assert response.status_code in (403, 404)
    refused = events(db, "refused")
    assert [(e.actor_type, e.detail["status"]) for e in refused] == [
        ("staff", 403),
        ("parent", response.status_code),
    ]
    assert refused[1].detail["path"] == f"/coverage/pupils/{theirs.id}"
    assert refused[1].ip == "127.0.0.1"
    assert refused[1].school_id == school.id


def test_a_flood_of_refusals_is_capped_per_address(client, db, monkeypatch):
    monkeypatch.setattr(audit, "REFUSALS_PER_ADDRESS_PER_HOUR", 3)
    for number in range(10):
        assert client.get(f"/no/such/page/{number}").status_code == 404
    assert len(events(db, "refused")) == 3
    assert len(events(db, "refusals-capped")) == 1
    other = client.get("/no/such/page", environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert other.status_code == 404
    assert len(events(db, "refused")) == 4  # another address has its own allowance


def test_a_refused_page_helps_people_back(client):
    page = client.get("/no/such/page").get_data(as_text=True)
    assert "Page not found" in page
    assert 'href="/"' in page


def test_a_refused_link_token_is_not_written_to_the_log(client, db):
    client.get("/parents/link/a-real-looking-token-value/nothing")
    [refused] = events(db, "refused")
    assert "a-real-looking-token-value" not in refused.detail["path"]
