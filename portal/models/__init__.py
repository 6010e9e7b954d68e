"""The database tables, one module per concern; import them from here."""

from .agreements import (
    Acceptance,
    AcceptanceChain,
    ImageConsent,
    PolicyVersionRecord,
    ReminderSent,
)
from .learning import LessonAssignment, LessonDone, OutcomeProgress, QuizAnswer, QuizAttempt
from .people import (
    ClassTeacher,
    Locking,
    Parent,
    ParentLink,
    Person,
    Pupil,
    School,
    SchoolClass,
    Staff,
    Visitor,
    utcnow,
)
from .records import AuditEvent, OutboxMessage
from .sign_in import ClassSignIn, LinkToken, LoginSession

__all__ = [
    "Acceptance",
    "AcceptanceChain",
    "AuditEvent",
    "ClassSignIn",
    "ClassTeacher",
    "ImageConsent",
    "LessonAssignment",
    "LessonDone",
    "LinkToken",
    "Locking",
    "LoginSession",
    "OutboxMessage",
    "OutcomeProgress",
    "Parent",
    "ParentLink",
    "Person",
    "PolicyVersionRecord",
    "Pupil",
    "QuizAnswer",
    "QuizAttempt",
    "ReminderSent",
    "School",
    "SchoolClass",
    "Staff",
    "Visitor",
    "utcnow",
]
