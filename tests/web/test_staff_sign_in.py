import pytest

from tests.factories import make_school, make_staff

PASSWORD = "correct horse battery staple"


@pytest.fixture
def teacher(db):
    staff = make_staff(db, make_school(db), password=PASSWORD)
    db.commit()
    return staff


def test_a_teacher_signs_in_with_email_and_password(client, teacher):
    response = client.submit("/sign-in/staff", {"email": teacher.email, "password": PASSWORD})
    assert response.status_code == 302
    home = client.get("/staff/")
    assert f"Hello, {teacher.name}" in home.get_data(as_text=True)


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client, teacher):
    wrong = client.submit("/sign-in/staff", {"email": teacher.email, "password": "nope nope"})
    unknown = client.submit("/sign-in/staff", {"email": "nobody@example.org", "password": "x"})
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        html = response.get_data(as_text=True)
        assert "There is a problem" in html
        assert "Those details did not work" in html


def test_five_failures_pause_the_account_even_with_the_right_password(client, db, teacher):
    for _ in range(5):
        client.submit("/sign-in/staff", {"email": teacher.email, "password": "wrong guess"})
    right = client.submit("/sign-in/staff", {"email": teacher.email, "password": PASSWORD})
    assert right.status_code == 200
    assert client.get("/staff/").status_code == 302
    db.refresh(teacher)
    assert teacher.locked_until is not None


def test_forms_without_a_csrf_token_are_refused(client, teacher):
    response = client.post("/sign-in/staff", data={"email": teacher.email, "password": PASSWORD})
    assert response.status_code == 400
