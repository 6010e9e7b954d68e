"""The front door: send each person to their own home page; report health."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..content.policies import AUDIENCE_LABELS
from ..models import LEADS, PersonKind, StaffRole
from ..services import overview, refusals
from .access import STAFF, allow, public
from .agreement_records import rule_key
from .agreement_refusals import sees_refusals
from .agreements import all_rules
from .database import get_db
from .lessons import curriculum
from .policies import content, today

bp = Blueprint("home", __name__)

HOMES = {PersonKind.PUPIL: "pupils.home", PersonKind.PARENT: "parents.home"} | {
    role: "home.staff" for role in STAFF
}

# What each member of staff can do, by role: (endpoint, label, hint, roles).
STAFF_LINKS = (
    (
        "pupils.open_class_sign_in",
        "Open a class sign-in",
        "Let Reception to Year 2 sign in with pictures on this device.",
        STAFF,
    ),
    ("pupils.login_cards", "Print login cards", "Usernames and passwords for a class.", STAFF),
    (
        "lessons.classes",
        "Lessons for a class",
        "Set lessons and see who has passed, tried or not started.",
        STAFF,
    ),
    (
        "admin.people",
        "People and locked accounts",
        "Staff and pupils; unlock an account that is paused.",
        LEADS,
    ),
    (
        "admin.roster",
        "Import the roster",
        "Pupils, parents and staff from your MIS.",
        (StaffRole.ADMIN,),
    ),
    (
        "parents.letters",
        "Letters with sign-in codes",
        "For parents and carers the school has no email address for.",
        LEADS,
    ),
    (
        "agreement_records.status",
        "Who has signed",
        "Agreements by policy and class; remind families; CSV and printable lists.",
        LEADS,
    ),
    (
        "coverage.dashboard",
        "What has been taught and learnt",
        "Coverage by strand, year group and class; gaps; the report for governors.",
        LEADS,
    ),
    (
        "data_requests.index",
        "Copies of people's data",
        "Everything held about a pupil or a parent or carer, for a subject access request.",
        LEADS,
    ),
    (
        "agreement_records.class_slips",
        "Record returned slips",
        "Tick the signed paper agreements a class has brought back.",
        STAFF,
    ),
    (
        "agreement_records.photo_lookup",
        "Photo permissions",
        "Check where a pupil's photo may be used.",
        STAFF,
    ),
    (
        "agreement_records.visitors",
        "Visitors, volunteers and governors",
        "Add them and record their agreement to the code of conduct.",
        STAFF,
    ),
    ("agreements.mine", "Your staff agreement", "What you have agreed to, and when.", STAFF),
    ("auth.change_password", "Change your password", "", STAFF),
)
REFUSALS_LINK = (
    "agreement_records.refusal_list",
    "Refusals and withdrawals",
    f"Who said no to an agreement, or took one back, in the last {refusals.RECENT.days} days.",
)


@bp.get("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for(HOMES[current_user.role]))
    return redirect(url_for("auth.sign_in"))


@bp.get("/healthz")
@public
def healthz():
    try:
        get_db().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(database="unreachable"), 503
    return jsonify(database="ok")


@bp.get("/staff/")
@allow(*STAFF)
def staff():
    links = [
        (url_for(endpoint), label, hint)
        for endpoint, label, hint, roles in STAFF_LINKS
        if current_user.role in roles and endpoint in current_app.view_functions
    ]
    if sees_refusals():  # the ICT lead, and the safeguarding lead whatever their role
        endpoint, label, hint = REFUSALS_LINK
        links.insert(0, (url_for(endpoint), label, hint))
    links.append(_two_factor_link())
    figures = None
    if current_user.role in LEADS:
        figures = overview.overview(
            get_db(), content(), curriculum(), all_rules(), current_user.school_id, today()
        )
    return render_template(
        "home/staff.html",
        staff_links=links,
        figures=figures,
        rule_key=rule_key,
        audience_labels=AUDIENCE_LABELS,
    )


def _two_factor_link() -> tuple[str, str, str]:
    """Offer to turn two-factor sign-in on only to someone who does not have it yet."""
    url = url_for("auth.account_two_factor")
    if current_user.principal.totp_secret:
        return url, "Move two-factor sign-in to a new app", "For when you change your phone."
    return url, "Turn on two-factor sign-in", "A code from your phone as well as your password."
