"""The ICT lead's view of who has signed each agreement: counts by group and version, the
list of who is missing (on screen, as a CSV, or printed), and reminders to families.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from ..models import LEADS, Parent, PersonKind, School, SchoolClass
from ..services import agreements, exports, on_behalf, reminders
from ..services.agreements import STATUSES, Rule
from ..services.tokens import TOKEN_MARK
from .access import allow
from .agreement_records import (
    bp,
    chosen_class,
    chosen_rule,
    list_filters,
    rule_key,
    rule_label,
    school_classes_here,
)
from .agreements import all_rules
from .database import get_db
from .downloads import csv_download
from .policies import local_time_filter, today
from .urls import how_long, link_terms, public_url

EVERYONE = "everyone"  # the list's filter that shows everyone, signed or not
# Column headings for the counts table (the full words are in the list below it).
HEADINGS = {
    "signed": "Signed",
    "countersigned": "Both signed",
    "awaiting-parent": "Only the pupil",
    "awaiting-pupil": "Only a parent",
    "older": "Earlier version",
    "declined": "Declined",
    "pending": "Not signed",
}


@bp.get("/status")
@allow(*LEADS)
def status():
    db = get_db()
    school_id = current_user.school_id
    rules = all_rules()
    if not rules:
        return render_template("agreement_records/status.html", rule=None, rules=[])
    rule = chosen_rule(rules)
    school_class = chosen_class(rule)
    class_id = school_class.id if school_class else None
    show = _show()
    by_group, total = agreements.status_counts(
        db, rule, school_id, school_class.id if school_class else None
    )
    rows = _listed(rule, school_class, show)
    families = reminders.families_to_remind(
        db, rule, school_id, school_class.id if school_class else None
    )
    return render_template(
        "agreement_records/status.html",
        rule=rule,
        rules=rules,
        rule_key=rule_key,
        rule_label=rule_label,
        overview=[(r, agreements.status_total(db, r, school_id)) for r in rules],
        classes=school_classes_here(),
        school_class=school_class,
        show=show,
        by_group=by_group,
        total=total,
        rows=rows,
        parents=_parents_for(rule, rows),
        families=[family for family in families if family.parent.email],
        no_email=sum(1 for family in families if not family.parent.email),
        columns=_columns(rule),
        headings=HEADINGS,
        list_title=_list_title(show, "Who is missing"),
        filters=list_filters(rule, school_class, show=show),
        versions=agreements.version_counts(db, rule, school_id, class_id),
        superseded=agreements.on_superseded(db, rule, school_id, class_id),
    )


def _show() -> str | None:
    """Who the list shows: everyone (EVERYONE), those in one status, or (None) everyone who
    has not finished."""
    show = request.args.get("show")
    return show if show in STATUSES or show == EVERYONE else None


def _listed(rule: Rule, school_class: SchoolClass | None, show: str | None) -> list[Any]:
    """The people listed under the filters: the same rows on screen, in the CSV and printed."""
    class_id = school_class.id if school_class else None
    if show == EVERYONE:
        return agreements.everyone(get_db(), rule, current_user.school_id, class_id)
    return agreements.missing(get_db(), rule, current_user.school_id, class_id, show)


def _list_title(show: str | None, unfinished: str) -> str:
    if show == EVERYONE:
        return "Everyone, signed or not"
    return STATUSES[show] if show else unfinished


def _columns(rule: Rule) -> list[str]:
    """The statuses an agreement's people can be in, for its table."""
    if rule.two_part:
        return [
            "countersigned",
            "awaiting-parent",
            "awaiting-pupil",
            "older",
            "declined",
            "pending",
        ]
    return ["signed", "older", "declined", "pending"]


def _parents_for(rule: Rule, rows: list[Any]) -> dict[int, list[Parent]]:
    if rule.audience.subject != PersonKind.PUPIL:
        return {}
    return agreements.parents_of(get_db(), [row.subject_id for row in rows])


@bp.post("/status/remind")
@allow(*LEADS)
def remind():
    """Email each family still to sign, at most once a week, through the outbox."""
    db = get_db()
    rule = chosen_rule(all_rules())
    school_class = chosen_class(rule)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    school = db.get(School, current_user.school_id)
    hours = current_app.config["LINK_HOURS"]

    def compose(parent: Parent, children: list[str]) -> tuple[str, str]:
        body = render_template(
            "mail/agreement_reminder.txt",
            parent=parent,
            school=school,
            title=rule.policy.title,
            children=children,
            link=public_url("parents.link", token=TOKEN_MARK, next=url_for("agreements.family")),
            sign_in_url=public_url("parents.sign_in"),
            how_long=how_long(hours),
        )
        return f"Please read and sign: {rule.policy.title}", body

    done = reminders.send_reminders(
        db,
        rule,
        school.id,
        compose,
        by=current_user.principal,
        link=link_terms(hours),
        class_id=school_class.id if school_class else None,
    )
    parts = [f"Reminders queued: {done.sent}."]
    if done.recently:
        parts.append(
            f"{_families(done.recently)} had a reminder in the last week, so "
            f"{'it was' if done.recently == 1 else 'they were'} not sent another."
        )
    if done.no_email:
        parts.append(
            f"{_families(done.no_email)} {'has' if done.no_email == 1 else 'have'} no email "
            "address: print letters with sign-in codes for them."
        )
    flash(" ".join(parts))
    return redirect(url_for("agreement_records.status", **list_filters(rule, school_class)))


def _families(number: int) -> str:
    return f"{number} {'family' if number == 1 else 'families'}"


@bp.get("/status.csv")
@allow(*LEADS)
def export_csv():
    db = get_db()
    rule = chosen_rule(all_rules())
    school_class = chosen_class(rule)
    show = _show()
    rows = _listed(rule, school_class, show)
    carers = _parents_for(rule, rows)
    exports.log_agreements_export(
        db, current_user.principal, rule.policy.slug, show or "not-finished", len(rows)
    )
    return csv_download(
        f"agreements-{rule_key(rule).replace(':', '-')}-{today().isoformat()}.csv",
        [
            "Policy",
            "Version",
            "Group",
            "Name",
            "Status",
            "Last signed (UK time)",
            "Recorded for them",
            "Parents and carers",
        ],
        (
            (
                rule_label(rule),
                rule.current.version,
                row.group_name,
                row.name,
                STATUSES[row.status],
                local_time_filter(row.last_signed),
                on_behalf.label(row.method, row.recorded_by),
                "; ".join(parent.name for parent in carers.get(row.subject_id, [])),
            )
            for row in rows
        ),
    )


@bp.get("/status/print")
@allow(*LEADS)
def print_list():
    db = get_db()
    rule = chosen_rule(all_rules())
    school_class = chosen_class(rule)
    class_id = school_class.id if school_class else None
    show = _show()
    rows = _listed(rule, school_class, show)
    by_group, total = agreements.status_counts(db, rule, current_user.school_id, class_id)
    return render_template(
        "agreement_records/status_print.html",
        rule=rule,
        rule_label=rule_label,
        school_class=school_class,
        rows=rows,
        parents=_parents_for(rule, rows),
        total=total,
        by_group=by_group,
        printed_on=today(),
        show=show,
        list_title=_list_title(show, "Still to sign"),
        filters=list_filters(rule, school_class, show=show),
    )
