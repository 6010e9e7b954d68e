"""Who a person is (their kind) and what a member of staff may do (their role), with the words
people read for them: defined once, here, where the tables that store them are.

The values are what the database stores (`Acceptance.subject_type`, `LoginSession.principal_type`,
`AuditEvent.actor_type`, `Staff.role`, ...): a member is the plain string, so it is compared and
stored as one.
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
