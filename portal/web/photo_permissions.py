"""One-step look-up of a pupil's photo permissions, by name or by class. Each look-up is
logged against the pupils shown.
"""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from ..models import Pupil
from ..services import consents, photo_choices
from ..years import year_label
from .access import STAFF, allow
from .agreement_records import bp, chosen_class, school_classes_here
from .database import get_db


@bp.get("/photo-permissions")
@allow(*STAFF)
def photo_lookup():
    """Type a name (or choose a class): each pupil found is shown with every permission."""
    db = get_db()
    name = (request.args.get("name") or "").strip()[:100]
    school_class = chosen_class()
    pupils: list[Pupil] = []
    searched = bool(name or school_class)
    if searched:
        pupils = photo_choices.look_up(
            db, current_user.principal, name, school_class.id if school_class else None
        )
    return render_template(
        "agreement_records/photo_lookup.html",
        name=name,
        classes=school_classes_here(),
        school_class=school_class,
        pupils=pupils,
        searched=searched,
        answers=consents.views(db, pupils),
        asks_pupil=consents.asks_pupil,
        purposes=consents.PURPOSES,
        year_label=year_label,
    )
