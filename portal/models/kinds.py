"""Who a person is (their kind), what a member of staff may do (their role) and who a visitor is
to the school, with the words people read for them: defined once, here, where the tables that
store them are.

The values are what the database stores (`Acceptance.subject_type`, `LoginSession.principal_type`,
`AuditEvent.actor_type`, `Staff.role`, `Visitor.kind`, ...): a member is the plain string, so
it is compared and stored as one.
"""

from __future__ import annotations

from enum import StrEnum


class PersonKind(StrEnum):
    """Anyone an agreement, a session or an audit event can be by or about. Each table of
    people declares its own (`Pupil.person_kind`, ...)."""

    PUPIL = "pupil"
    PARENT = "parent"
    STAFF = "staff"
    VISITOR = "visitor"

    @property
    def label(self) -> str:
        """The kind in a sentence: "signed by Sam Patel (parent or carer)"."""
        return KIND_LABELS[self]


KIND_LABELS: dict[str, str] = {
    PersonKind.PUPIL: "pupil",
    PersonKind.PARENT: "parent or carer",
    PersonKind.STAFF: "staff",
    PersonKind.VISITOR: "visitor",
}


class StaffRole(StrEnum):
    """What a member of staff may do in the portal (`Staff.role`)."""

    STAFF = "staff"
    ICT_LEAD = "ict_lead"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """The role in a sentence: "made you ICT lead"."""
        return ROLE_LABELS[self]


ROLE_LABELS: dict[str, str] = {
    StaffRole.STAFF: "staff",
    StaffRole.ICT_LEAD: "ICT lead",
    StaffRole.ADMIN: "school admin",
}
# The roles that lead the school's e-safety: they see everyone's agreements and coverage, and
# record agreements for anyone.
LEADS = (StaffRole.ICT_LEAD, StaffRole.ADMIN)


class VisitorKind(StrEnum):
    """Who a visitor is to the school (`Visitor.kind`): governors agree to a code of their own."""

    VISITOR = "visitor"
    VOLUNTEER = "volunteer"
    GOVERNOR = "governor"

    @property
    def label(self) -> str:
        """One of them, as a choice or a heading: "Volunteer"."""
        return VISITOR_KIND_LABELS[self][0]

    @property
    def plural(self) -> str:
        """Several of them, as a group in a list: "Volunteers"."""
        return VISITOR_KIND_LABELS[self][1]


VISITOR_KIND_LABELS: dict[str, tuple[str, str]] = {
    VisitorKind.VISITOR: ("Visitor", "Visitors"),
    VisitorKind.VOLUNTEER: ("Volunteer", "Volunteers"),
    VisitorKind.GOVERNOR: ("Governor", "Governors"),
}
