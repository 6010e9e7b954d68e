"""The site and the portal from one server, and the demo school made afresh."""

from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.test import Client

from portal.models import Pupil, School
from portal.services.demo import SLUG, reset_demo_school
from portal.wsgi import combine


def fetch(server: Client, path: str, **kwargs) -> tuple[int, str]:
    response = server.get(path, **kwargs)
    try:
        return response.status_code, response.get_data(as_text=True)
    finally:
        response.close()


def test_the_site_is_at_the_root_and_the_portal_under_portal(app, demo_site):
    server = Client(combine(demo_site, app))
    status, home = fetch(server, "/")
    assert status == 200
    assert "Oakfield e-safety policies" in home
    assert fetch(server, "/policies/pupil-aup-7-11/2025.09/")[0] == 200
    assert fetch(server, "/no/such/page/")[0] == 404
    assert fetch(server, "/../pyproject.toml")[0] == 404
    status, portal = fetch(server, "/portal/sign-in", base_url="https://localhost")
    assert status == 200
    assert "Choose who you are" in portal
    assert fetch(server, "/portal/healthz") == (200, '{"database":"ok"}\n')


def test_the_demo_school_is_replaced_not_doubled(db):
    first = reset_demo_school(db)
    db.commit()
    second = reset_demo_school(db)
    db.commit()
    assert db.scalar(select(func.count()).select_from(School).where(School.slug == SLUG)) == 1
    school = db.scalar(select(School).where(School.slug == SLUG))
    pupils = db.scalar(select(func.count()).select_from(Pupil).where(Pupil.school_id == school.id))
    assert pupils == 48
    assert first.staff == second.staff
    assert {role for role, _, _ in second.staff} == {"staff", "ict_lead", "admin"}
    assert any(how.startswith("letter code") for _, how in second.parents)
