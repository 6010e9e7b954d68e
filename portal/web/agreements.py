"""Signing agreements: parents and carers for themselves and their children
(agreements_family.py), pupils aged 7 and over and staff for themselves (agreements_own.py),
photo choices (agreement_photos.py). Here: the blueprint they share, the site's "Read and sign
online" link, a member of staff's agreement asked for before any other page, and what
templates use to say who did what.

Opening a page never signs anything: only pressing "I agree" does, because mail scanners and
link previews open links. Every record is committed (services/signing.py) before the
confirmation is shown.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from ..content.languages import language_name
from ..content.policies import PolicyVersion
from ..models import LEADS, Acceptance, PersonKind
from ..services import agreements, on_behalf, people
from ..services.agreements import Rule
from ..services.signing import and_list, shown_key
from .access import PUBLIC, ROLES, STAFF, allow, current_view, here
from .database import get_db
from .policies import catalogue, changes_html, content, local_time_filter, policy_html, today

bp = Blueprint("agreements", __name__)

# Pages a member of staff may open while their staff agreement waits to be accepted.
BEFORE_AGREEING = {"agreements.mine", "agreements.decline_own", "auth.sign_out", "static"}
RECEIPT = "agreement_receipt"


def init_app(app: Flask) -> None:
    app.before_request(_staff_agree_first)
    app.add_template_global(to_sign_count, "agreements_to_sign")
    app.add_template_filter(local_time_filter, "school_time")
    app.add_template_filter(and_list)
    app.add_template_filter(language_name)
    # Globals, so macros imported by templates can use them too.
    template_globals: dict[str, Any] = {
        "policy_html": policy_html,
        "changes_html": changes_html,
        "changes_between": _changes_between,
        "who_did": who_did,
        "on_behalf_label": on_behalf.label,
        "recorded_for": _recorded_for,
        "agreement_statuses": agreements.STATUSES,
        "shown_key": shown_key,
    }
    app.jinja_env.globals.update(template_globals)


def all_rules() -> list[Rule]:
    return agreements.rules(
        catalogue(), today(), current_app.config.get("CARERS_DISAGREE", "agreed-stands")
    )


def to_sign_count() -> int:
    """How many agreements the signed-in person has still to sign (for home pages); one they
    said no to is not asked for again."""
    if not current_user.is_authenticated:
        return 0
    parts = agreements.parts_to_sign(get_db(), all_rules(), current_user.principal)
    return len({(part.rule.policy.slug, part.subject.id) for part in parts if not part.declined})


def _staff_agree_first():
    """A member of staff whose staff agreement is pending sees it before any other page."""
    view = current_view()  # first: a public page or file needs no look-up of who is asking
    if view is None or getattr(view, "allowed_roles", PUBLIC) == PUBLIC:
        return None
    if not current_user.is_authenticated or current_user.role not in STAFF:
        return None
    if request.endpoint in BEFORE_AGREEING:
        return None
    if not agreements.parts_to_sign(get_db(), all_rules(), current_user.principal):
        return None
    target = here() if request.method == "GET" else None
    return redirect(url_for("agreements.mine", next=target))


# --- The link from the site ------------------------------------------------------------------


@bp.get("/sign/<policy>/")
@allow(*ROLES)
def sign(policy: str):
    """The site's "Read and sign online": to what this person signs (sign-in comes first)."""
    found = content().policy(policy)
    if found is None or not found.accepted_by:
        abort(404)
    if current_user.role == PersonKind.PARENT:
        return redirect(url_for("agreements.family", _anchor=f"policy-{policy}"))
    rules = [rule for rule in all_rules() if rule.policy.slug == policy]
    if any(rule.applies_to(current_user.principal) for rule in rules):
        return redirect(url_for("agreements.mine"))
    if current_user.role in LEADS:  # who has signed it, rather
        return redirect(url_for("agreement_records.status", agreement=policy))
    flash(f"The {found.title} is not one you sign. Here is what you do sign.")
    return redirect(url_for("agreements.mine"))


# --- Shared pieces for templates -------------------------------------------------------------


def _changes_between(policy, earlier: PolicyVersion, version: PolicyVersion) -> list:
    """Each version after `earlier`, up to and including `version`, with its change summary."""
    return [v for v in policy.published if earlier.sort_key < v.sort_key <= version.sort_key]


def _recorded_for(record: Acceptance | None) -> str:
    """ "Paper slip, recorded by Ms Khan" for a record made for someone else."""
    return on_behalf.record_label(get_db(), record)


def who_did(record: Acceptance) -> str:
    """Who made a record, as the signed-in person reads it: "you", a name, or a member of staff
    with how the agreement reached them."""
    if (
        current_user.is_authenticated
        and record.actor_type == current_user.principal.person_kind
        and record.actor_id == current_user.principal.id
    ):
        return "you"
    actor = people.find(get_db(), record.actor_type, record.actor_id)
    name = actor.name if actor is not None else "someone who has left"
    if record.actor_type == PersonKind.STAFF:
        how = {"paper": "from a paper slip", "in-person": "in person"}.get(record.method, "")
        return f"{name} at school, {how}".rstrip(", ")
    return name


# The pages, by concern: each adds its routes to `bp` (imported last, as they import from here).
from . import agreement_photos, agreements_family, agreements_own  # noqa: E402, F401
