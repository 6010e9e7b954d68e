"""Recent refusals and withdrawals, for the designated safeguarding lead and the ICT lead to
follow up.
"""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from ..services import refusals
from .access import STAFF, allow
from .agreement_records import KIND_HEADINGS, PART_LABELS, bp
from .database import get_db
from .policies import content


def sees_refusals() -> bool:
    """Whether the signed-in member of staff may see the school's refusals."""
    dsl_email = content().profile.lookup("roles.dsl.email")
    return refusals.may_see_refusals(current_user.principal, dsl_email)


@bp.get("/refusals")
@allow(*STAFF)  # and of staff, only the ICT lead and the safeguarding lead (sees_refusals)
def refusal_list():
    """Who said no, or took an agreement back, recently: for the designated safeguarding lead
    and the ICT lead to follow up. Opening it is logged against each pupil listed."""
    if not sees_refusals():
        abort(403)
    lines = refusals.open_recent(get_db(), current_user.principal)
    return render_template(
        "agreement_records/refusals.html",
        lines=lines,
        days=refusals.RECENT.days,
        part_labels=PART_LABELS,
        kind_labels=KIND_HEADINGS,
    )
