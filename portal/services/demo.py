"""The demo school: a fictional all-through school with a class in every year from Reception to
Year 11, pupils, parents with and without email, and staff in every role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .. import ledger_guard
from ..content.calendar import utcnow
from ..content.curriculum import Curriculum
from ..db import Base
from ..models import (
    ClassTeacher,
    ImageConsent,
    LessonDone,
    Parent,
    ParentLink,
    PersonKind,
    PolicyVersionRecord,
    Pupil,
    QuizAttempt,
    School,
    SchoolClass,
    Staff,
    StaffRole,
)
from ..years import year_label
from . import acceptance, consents, coverage, lessons
from .passwords import hash_password
from .pictures import picture_password_hash
from .tokens import normalise_letter_code, token_hash

SLUG = "oakfield"
NAME = "Oakfield Learning Community"
STAFF_PASSWORD = "oakfield demo staff"  # noqa: S105 - printed for the demo on purpose
PUPIL_PASSWORD = "green-tiger-42"  # noqa: S105
PICTURES = ("cat", "sun", "star")
# Fixed secrets so the demo's two-factor codes can be shown; real accounts get random ones.
TOTP_SECRETS = {
    StaffRole.ADMIN: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    StaffRole.ICT_LEAD: "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
}
LETTER_CODE = "MAPLE-TREES-73928"

FIRST_NAMES = (
    "Amira",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Finn",
    "Grace",
    "Hamza",
    "Isla",
    "Jack",
    "Kai",
    "Layla",
    "Mason",
    "Nia",
    "Oscar",
    "Priya",
    "Reuben",
    "Sofia",
    "Theo",
    "Zara",
    "Yusuf",
    "Ruby",
    "Leo",
    "Maya",
)
LAST_NAMES = (
    "Ahmed",
    "Brown",
    "Clarke",
    "Davies",
    "Evans",
    "Fraser",
    "Green",
    "Hussain",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Murphy",
    "Nowak",
    "Okafor",
    "Patel",
    "Quinn",
    "Roberts",
    "Singh",
    "Taylor",
    "Walker",
    "Wilson",
    "Young",
    "Zhang",
)
TEACHER_EMAIL = "teacher@oakfield.example.org"
STAFF = (
    ("Miss Grace Lin", "ict@oakfield.example.org", StaffRole.ICT_LEAD),
    ("Mrs Jo Baker", "admin@oakfield.example.org", StaffRole.ADMIN),
    ("Mr Sam Reid", TEACHER_EMAIL, StaffRole.STAFF),
    # The designated safeguarding lead: school.yml gives this address as the DSL's, so she
    # sees the refusals list.
    ("Ms Priya Shah", "safeguarding@oakfield.example.org", StaffRole.STAFF),
)
PUPILS_PER_CLASS = 4
SECOND_CHILD = 12  # the Year 3 pupil the first demo parent also cares for


@dataclass
class DemoSignIns:
    """What `esafety demo` prints so a person can try every role."""

    staff: list[tuple[str, str, str]] = field(default_factory=list)
    pupils: list[tuple[str, str, str]] = field(default_factory=list)
    parents: list[tuple[str, str]] = field(default_factory=list)


TEACHER_CLASSES = (0, 3)  # Reception and Year 3: the demo family's two children's classes


def reset_demo_school(db: Session, curriculum: Curriculum | None = None) -> DemoSignIns:
    """Create the demo school, replacing any earlier copy of it and everything it held. With a
    curriculum, pupils have also done some lessons and quizzes, this term and last."""
    old = db.scalar(select(School).where(School.slug == SLUG))
    if old is not None:
        _delete_school(db, old.id)
    school = School(name=NAME, slug=SLUG)
    db.add(school)
    db.flush()
    sign_ins = DemoSignIns()
    for name, email, role in STAFF:
        db.add(
            Staff(
                school_id=school.id,
                name=name,
                email=email,
                role=role,
                password_hash=_hashed(STAFF_PASSWORD),
                totp_secret=TOTP_SECRETS.get(role),
            )
        )
        sign_ins.staff.append((role, email, STAFF_PASSWORD))
    number = 0
    first_parents: dict[int, Parent] = {}
    pupils: dict[int, Pupil] = {}
    teacher = db.scalars(
        select(Staff).where(Staff.school_id == school.id, Staff.email == TEACHER_EMAIL)
    ).one()
    for year in range(0, 12):
        school_class = SchoolClass(school_id=school.id, name=_class_name(year), year_group=year)
        db.add(school_class)
        db.flush()
        if year in TEACHER_CLASSES:  # the demo teacher records these classes' slips
            db.add(ClassTeacher(class_id=school_class.id, staff_id=teacher.id))
        for _ in range(PUPILS_PER_CLASS):
            pupil = _pupil(school, school_class, number)
            db.add(pupil)
            db.flush()
            pupils[number] = pupil
            first_parents[number] = _parents(db, school, pupil, number, sign_ins)
            if number % PUPILS_PER_CLASS == 0:
                if pupil.username:
                    login, secret = pupil.username, PUPIL_PASSWORD
                else:
                    login, secret = "class sign-in", f"pictures {', '.join(PICTURES)}"
                sign_ins.pupils.append((f"{pupil.name}, {year_label(year)}", login, secret))
            number += 1
    # One family with two children, in Reception and Year 3: the first parent also cares for
    # pupil 12 (who has another carer too), so one signing covers a 4 to 7 and a 7 to 11 child.
    parent, child = first_parents[0], pupils[SECOND_CHILD]
    db.add(ParentLink(parent_id=parent.id, pupil_id=child.id, relationship_to_pupil="Parent"))
    db.flush()
    if curriculum is not None:
        _learning(db, curriculum, school, list(pupils.values()))
    _photo_choices(db, school, pupils, first_parents)
    _earlier_agreements(db, school, first_parents)
    return sign_ins


# Families (by pupil number) whose parent agreed to the September 2026 parent agreement in the
# autumn term. The families the demo prints (0, 4 and the second child's) are left to sign for
# themselves. When the January 2027 version comes into force these parents are asked again, and
# the portal shows them what changed since they signed.
EARLIER_SIGNERS = (1, 3, 6, 9, 13, 19, 27, 33, 38, 41)
EARLIER_POLICY, EARLIER_VERSION = "parent-agreement", "2026.09"


def _earlier_agreements(db: Session, school: School, first_parents: dict[int, Parent]) -> None:
    """Some parents signed the parent agreement in September; only if the portal has recorded
    that version (the demo records the published versions before it makes the school)."""
    record = db.scalar(
        select(PolicyVersionRecord).where(
            PolicyVersionRecord.policy == EARLIER_POLICY,
            PolicyVersionRecord.version == EARLIER_VERSION,
        )
    )
    if record is None:
        return
    signed_on = utcnow() - dt.timedelta(days=75)
    for number in EARLIER_SIGNERS:
        parent = first_parents.get(number)
        if parent is None or number == SECOND_CHILD:
            continue
        acceptance.append(
            db,
            school.id,
            [
                acceptance.Entry(
                    subject_type=PersonKind.PARENT,
                    subject_id=parent.id,
                    acting_as="self",
                    policy_version_id=record.id,
                    content_hash=record.content_hash,
                )
            ],
            acceptance.Signature(PersonKind.PARENT, parent.id, signed_name=parent.name),
            now=signed_on,
        )


def _photo_choices(
    db: Session, school: School, pupils: dict[int, Pupil], first_parents: dict[int, Parent]
) -> None:
    """Photo choices for about half the families; from Year 8 the pupils' own views too, with
    one pupil in each of those classes saying no to social media where the parent said yes."""
    when = utcnow() - dt.timedelta(days=60)
    for number, pupil in pupils.items():
        if number % 2 == 0 or number in (0, 4, SECOND_CHILD):
            continue
        parent = first_parents[number]
        for purpose in consents.PURPOSES:
            given = purpose != "press" or number % 3 == 0
            db.add(_choice(school, pupil, purpose, given, consents.PARENT, parent.id, when))
        if consents.asks_pupil(pupil):
            for purpose in ("website", "display", "social", "video"):
                given = not (purpose == "social" and number % 4 == 1)
                db.add(_choice(school, pupil, purpose, given, consents.PUPIL, pupil.id, when))
    db.flush()


def _choice(
    school: School,
    pupil: Pupil,
    purpose: str,
    given: bool,
    voice: str,
    actor_id: int,
    when: dt.datetime,
) -> ImageConsent:
    return ImageConsent(
        school_id=school.id,
        pupil_id=pupil.id,
        purpose=purpose,
        given=given,
        voice=voice,
        actor_type=voice,
        actor_id=actor_id,
        created_at=when,
    )


def _learning(db: Session, curriculum: Curriculum, school: School, pupils: list[Pupil]) -> None:
    """Some pupils have done nothing yet, others up to eight lessons; most quizzes are passed.
    Every other pupil did their work last term, so the governors' report shows a change."""
    last_term = utcnow() - dt.timedelta(days=120)
    for number, pupil in enumerate(pupils):
        band_lessons = curriculum.lessons_for(curriculum.band_of_year(pupil.year_group).id)
        for lesson in band_lessons[: number % 9]:
            lessons.mark_done(db, curriculum, pupil, lesson)
            attempt = lessons.start_attempt(db, pupil, lesson)
            for index, question in enumerate(lesson.questions):
                right = (number + index) % 6 != 0
                options = range(len(question.options))
                wrong = [i for i in options if i not in question.correct_choices][:1]
                chosen = sorted(question.correct_choices) if right or not wrong else wrong
                lessons.record_answer(db, attempt, question, chosen)
            lessons.finish_attempt(db, curriculum, attempt)
    db.flush()
    earlier = [pupil.id for number, pupil in enumerate(pupils) if number % 2 == 0]
    db.execute(update(LessonDone).where(LessonDone.pupil_id.in_(earlier)).values(done_at=last_term))
    db.execute(
        update(QuizAttempt)
        .where(QuizAttempt.pupil_id.in_(earlier))
        .values(started_at=last_term, finished_at=last_term)
    )
    coverage.refresh_school(db, curriculum, school.id)


@cache
def _hashed(secret: str | tuple[str, ...]) -> str:
    """Every demo account shares its password, so hash each one once; real ones never share."""
    if isinstance(secret, tuple):
        return picture_password_hash(secret)
    return hash_password(secret)


def _class_name(year: int) -> str:
    return "Reception" if year == 0 else f"{year}A"


def _pupil(school: School, school_class: SchoolClass, number: int) -> Pupil:
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    last = LAST_NAMES[(number * 7 + number // len(FIRST_NAMES)) % len(LAST_NAMES)]
    pupil = Pupil(
        school_id=school.id,
        reference=f"OAK{1000 + number}",
        first_name=first,
        last_name=last,
        year_group=school_class.year_group,
        class_id=school_class.id,
    )
    if school_class.year_group >= 3:
        pupil.username = f"{first}{last[0]}{number:02d}".lower()
        pupil.password_hash = _hashed(PUPIL_PASSWORD)
    else:
        pupil.picture_password_hash = _hashed(PICTURES)
    return pupil


def _parents(
    db: Session, school: School, pupil: Pupil, number: int, sign_ins: DemoSignIns
) -> Parent:
    """One carer per pupil; every fifth family has no email and signs in with a letter code."""
    with_email = number % 5 != 4
    email = f"parent{number}@oakfield.example.org" if with_email else None
    parent = Parent(
        school_id=school.id,
        reference=f"C{2000 + number}",
        name=f"{'Ms' if number % 2 else 'Mr'} {pupil.last_name}",
        email=email,
    )
    if number == 4:
        parent.letter_code_hash = token_hash(normalise_letter_code(LETTER_CODE))
        sign_ins.parents.append((f"{parent.name} (no email)", f"letter code {LETTER_CODE}"))
    elif number == 0:
        sign_ins.parents.append((f"{parent.name} (two children)", f"email link to {email}"))
    db.add(parent)
    db.flush()
    db.add(ParentLink(parent_id=parent.id, pupil_id=pupil.id, relationship_to_pupil="Parent"))
    return parent


def _delete_school(db: Session, school_id: int) -> None:
    """Remove the demo school with its evidence: the one use of lifting the evidence guard
    outside tests (portal/ledger_guard.py), and only for the made-up demo school."""
    pupils = select(Pupil.id).where(Pupil.school_id == school_id)
    staff = select(Staff.id).where(Staff.school_id == school_id)
    with ledger_guard.suspended(db.connection()):
        db.execute(delete(ParentLink).where(ParentLink.pupil_id.in_(pupils)))
        db.execute(delete(ClassTeacher).where(ClassTeacher.staff_id.in_(staff)))
        for table in reversed(Base.metadata.sorted_tables):
            if "school_id" in table.c:
                db.execute(delete(table).where(table.c.school_id == school_id))
        db.execute(delete(School).where(School.id == school_id))
