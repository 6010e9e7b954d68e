"""The school's side of agreements, under /agreements: who has signed (agreement_status.py),
one person's agreements and recording one on their behalf (agreement_people.py), a class's
returned slips (agreement_slips.py), recent refusals for the safeguarding lead
(agreement_refusals.py), visitors, volunteers and governors (visitors.py), and a pupil's photo
permissions (photo_permissions.py). Here: the blueprint they share, and choosing an agreement,
a class or a person from the request."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request
from flask_login import current_user

from ..content.policies import AUDIENCE_LABELS
from ..models import KIND_LABELS, Person, PersonKind, SchoolClass
from ..services import parents, people
from ..services.agreements import COUNTERSIGN, PARENT, SELF, Rule
from .database import get_db
from .ids import record_id

bp = Blueprint("agreement_records", __name__, url_prefix="/agreements")
PART_LABELS = {
    SELF: "their own signature",
    PARENT: "a parent or carer, for the child",
    COUNTERSIGN: "a parent's or carer's countersignature",
}
# A person's kind at the head of their page, or under their name in a list.
KIND_HEADINGS = {kind: label.capitalize() for kind, label in KIND_LABELS.items()}


# --- Choosing an agreement -------------------------------------------------------------------


def rule_key(rule: Rule) -> str:
    """A policy's slug; with the audience too when the policy has more than one."""
    first = rule.policy.accepted_by[0]
    return (
        rule.policy.slug
        if rule.audience.key == first
        else f"{rule.policy.slug}:{rule.audience.key}"
    )


def rule_label(rule: Rule) -> str:
    if len(rule.policy.accepted_by) == 1:
        return rule.policy.title
    return f"{rule.policy.title} ({AUDIENCE_LABELS[rule.audience.key]})"


def chosen_rule(rules: list[Rule]) -> Rule:
    if not rules:
        abort(404)
    wanted = request.values.get("agreement")
    return next((rule for rule in rules if rule_key(rule) == wanted), rules[0])


def school_classes_here() -> list[SchoolClass]:
    return parents.school_classes(get_db(), current_user.school_id)


def chosen_class(rule: Rule | None = None) -> SchoolClass | None:
    if rule is not None and rule.audience.subject not in (PersonKind.PUPIL, PersonKind.PARENT):
        return None
    class_id = request.values.get("class_id", type=record_id)
    if not class_id:
        return None
    return parents.class_of_school(get_db(), current_user.school_id, class_id)


def list_filters(rule: Rule, school_class: SchoolClass | None, **more: Any) -> dict[str, Any]:
    values = {"agreement": rule_key(rule), **more}
    if school_class is not None:
        values["class_id"] = school_class.id
    return values


def person_in_school(kind: str, person_id: int) -> Person:
    person = people.find(get_db(), kind, person_id)
    if person is None or person.school_id != current_user.school_id:
        abort(404)
    return person


# The pages, by concern: each adds its routes to `bp` (imported last, as they import from here).
from . import (  # noqa: E402, F401
    agreement_people,
    agreement_refusals,
    agreement_slips,
    agreement_status,
    photo_permissions,
    visitors,
)
