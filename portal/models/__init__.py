"""The database tables, one module per concern; import them from here."""

from .agreements import (
    Acceptance,
    AcceptanceChain,
    ImageConsent,
    PolicyVersionRecord,
    ReminderSent,
)
from .kinds import KIND_LABELS, LEADS, ROLE_LABELS, PersonKind, StaffRole, VisitorKind
from .learning import LessonAssignment, LessonDone, OutcomeProgress, QuizAnswer, QuizAttempt
from .people import (
    PEOPLE,
    PRINCIPALS,
    ClassTeacher,
    Locking,
    Parent,
    ParentLink,
    Person,
    Principal,
    Pupil,
    School,
    SchoolClass,
    Staff,
    Visitor,
)
from .records import AuditEvent, OutboxMessage
from .sign_in import ClassSignIn, LinkToken, LoginSession

__all__ = [
    "KIND_LABELS",
    "LEADS",
    "PEOPLE",
    "PRINCIPALS",
    "ROLE_LABELS",
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
    "PersonKind",
    "PolicyVersionRecord",
    "Principal",
    "Pupil",
    "QuizAnswer",
    "QuizAttempt",
    "ReminderSent",
    "School",
    "SchoolClass",
    "Staff",
    "StaffRole",
    "Visitor",
    "VisitorKind",
]
