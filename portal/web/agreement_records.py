"""The school's side of agreements: who has signed (the ICT lead's view, with reminders, a CSV
export and a printable list), recording an agreement on someone's behalf (a paper slip, in
person, or a whole class's returned slips), the recent refusals for the safeguarding lead,
visitors, volunteers and governors (marked as left when they stop coming), and one-step
look-up of a pupil's photo permissions."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..models import (
    Parent,
    Pupil,
    School,
    SchoolClass,
    Visitor,
)
from ..services import (
    agreement_history,
    agreements,
    audit,
    consents,
    on_behalf,
    parents,
    refusals,
    reminders,
    signing,
)
from ..services import visitors as visitor_service
from ..services.acceptance import METHODS
from ..services.agreements import (
    COUNTERSIGN,
    PARENT,
    SELF,
    STATUSES,
    SUBJECTS,
    Rule,
)
from ..services.tokens import TOKEN_MARK
from ..years import year_label
from .access import STAFF, allow
from .agreements import all_rules
from .database import get_db
from .downloads import csv_download
from .forms import choices, strip
from .ids import record_id
from .policies import content, local_time_filter, today
from .urls import how_long, link_terms, public_url

bp = Blueprint("agreement_records", __name__, url_prefix="/agreements")
LEADS = ("ict_lead", "admin")
PART_LABELS = {
    SELF: "their own signature",
    PARENT: "a parent or carer, for the child",
    COUNTERSIGN: "a parent's or carer's countersignature",
}
KIND_LABELS = {"pupil": "Pupil", "parent": "Parent or carer", "staff": "Staff", "visitor": ""}
EVERYONE = "everyone"  # the list's filter that shows everyone, signed or not
ACKNOWLEDGE = (
    "I hold their signed slip (paper), or they told me themselves that they agree (in person)"
)
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
    return f"{rule.policy.title} ({agreements.AUDIENCE_LABELS[rule.audience.key]})"


def _chosen(rules: list[Rule]) -> Rule:
    if not rules:
        abort(404)
    wanted = request.values.get("agreement")
    return next((rule for rule in rules if rule_key(rule) == wanted), rules[0])


def _classes() -> list[SchoolClass]:
    return parents.school_classes(get_db(), current_user.school_id)


def _chosen_class(rule: Rule | None = None) -> SchoolClass | None:
    if rule is not None and rule.audience.subject not in ("pupil", "parent"):
        return None
    class_id = request.values.get("class_id", type=record_id)
    if not class_id:
        return None
    return parents.class_of_school(get_db(), current_user.school_id, class_id)


def _filters(rule: Rule, school_class: SchoolClass | None, **more: Any) -> dict[str, Any]:
    values = {"agreement": rule_key(rule), **more}
    if school_class is not None:
        values["class_id"] = school_class.id
    return values


# --- The ICT lead's view ---------------------------------------------------------------------


@bp.get("/status")
@allow(*LEADS)
def status():
    db = get_db()
    school_id = current_user.school_id
    rules = all_rules()
    if not rules:
        return render_template("agreement_records/status.html", rule=None, rules=[])
    rule = _chosen(rules)
    school_class = _chosen_class(rule)
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
        classes=_classes(),
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
        filters=_filters(rule, school_class, show=show),
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
    if rule.audience.subject != "pupil":
        return {}
    return agreements.parents_of(get_db(), [row.subject_id for row in rows])


@bp.post("/status/remind")
@allow(*LEADS)
def remind():
    """Email each family still to sign, at most once a week, through the outbox."""
    db = get_db()
    rule = _chosen(all_rules())
    school_class = _chosen_class(rule)
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

    db.commit()  # start afresh: the reminder lock is the first thing this transaction does
    done = reminders.send_reminders(
        db,
        rule,
        school.id,
        compose,
        by=current_user.principal,
        link=link_terms(hours),
        class_id=school_class.id if school_class else None,
    )
    db.commit()
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
    return redirect(url_for("agreement_records.status", **_filters(rule, school_class)))


def _families(number: int) -> str:
    return f"{number} {'family' if number == 1 else 'families'}"


@bp.get("/status.csv")
@allow(*LEADS)
def export_csv():
    db = get_db()
    rule = _chosen(all_rules())
    school_class = _chosen_class(rule)
    show = _show()
    rows = _listed(rule, school_class, show)
    carers = _parents_for(rule, rows)
    audit.record(
        db,
        "agreements-exported",
        school_id=current_user.school_id,
        actor=current_user.principal,
        policy=rule.policy.slug,
        listed=show or "not-finished",
        rows=len(rows),
    )
    db.commit()
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
    rule = _chosen(all_rules())
    school_class = _chosen_class(rule)
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
        filters=_filters(rule, school_class, show=show),
    )


# --- One person: their agreements, and recording one on their behalf -------------------------


def _person(kind: str, person_id: int) -> Any:
    model = SUBJECTS.get(kind) or abort(404)
    person = get_db().get(model, person_id)
    if person is None or person.school_id != current_user.school_id:
        abort(404)
    return person


def _part_key(part) -> str:
    return f"part_{part.rule.policy.slug.replace('-', '_')}_{part.part}"


def _record_form(to_do: list) -> FlaskForm:
    class RecordForm(FlaskForm):
        method = RadioField(
            "How did they agree?",
            choices=choices([("paper", METHODS["paper"]), ("in-person", METHODS["in-person"])]),
            validators=[InputRequired("Choose how they agreed.")],
        )
        signed_name = StringField(
            "Name as signed (optional)",
            filters=[strip],
            validators=[Optional(), Length(max=200)],
        )
        remark = TextAreaField(
            "Remark (optional)",
            filters=[strip],
            validators=[Optional(), Length(max=1000)],
        )
        acknowledged = BooleanField(
            ACKNOWLEDGE,
            validators=[
                DataRequired("Tick to confirm you hold the signed slip, or heard them agree.")
            ],
        )

    for part in to_do:
        setattr(
            RecordForm,
            _part_key(part),
            BooleanField(
                f"{part.rule.policy.title}, version {part.rule.current.version}: "
                f"{PART_LABELS[part.part]}"
            ),
        )
    return RecordForm()


class WithdrawForm(FlaskForm):
    part = HiddenField()
    remark = TextAreaField(
        "Why is it withdrawn?",
        filters=[strip],
        validators=[
            DataRequired("Say why, for example: the slip was for another child."),
            Length(max=1000),
        ],
    )


@bp.route("/people/<kind>/<int:person_id>", methods=["GET", "POST"])
@allow(*STAFF)
def person(kind: str, person_id: int):
    """Everything agreed about one person, and a form to record a paper slip or an agreement
    given in person. The record names the member of staff who made it."""
    person = _person(kind, person_id)
    db = get_db()
    staff = current_user.principal
    may_record = on_behalf.may_record_for(db, staff, kind, person)
    if request.method == "POST" and not may_record:
        abort(403)
    rules = all_rules()
    parts = agreements.parts_about(db, rules, person)
    to_do = [part for part in parts if not part.done]
    form = _record_form(to_do)
    needs_remark = on_behalf.remark_required(staff, kind, person)
    to_read = list({part.rule.policy.slug: part.rule for part in to_do}.values())
    if request.method == "POST" and not to_do:
        flash(f"Nothing was recorded: {person.name} has nothing left to agree to.")
        return redirect(url_for("agreement_records.person", kind=kind, person_id=person_id))
    chosen = [part for part in to_do if form[_part_key(part)].data] if to_do else []
    if form.is_submitted():
        valid = form.validate()  # every problem at once, the acknowledgement's too
        if not chosen:
            form[_part_key(to_do[0])].errors.append("Tick what they agreed to.")
        elif needs_remark and not form.remark.data:
            form.remark.errors.append(
                "Say why you are recording a colleague's own agreement for them."
            )
        elif valid:
            signing.record_for(
                db,
                staff,
                person,
                chosen,
                form.method.data,
                signed_name=form.signed_name.data or None,
                remark=form.remark.data or None,
            )
            flash(f"Recorded for {person.name}.")
            return redirect(url_for("agreement_records.person", kind=kind, person_id=person_id))
    page = render_template(
        "agreement_records/person.html",
        person=person,
        kind=kind,
        kind_label=KIND_LABELS[kind] or person.kind.capitalize(),
        parts=parts,
        to_do=to_do,
        form=form,
        part_key=_part_key,
        part_labels=PART_LABELS,
        history=agreement_history.history(db, kind, person.id),
        methods=METHODS,
        may_record=may_record,
        needs_remark=needs_remark,
        to_read=to_read if may_record else [],
        manages_visitors=kind == "visitor" and visitor_service.may_manage(staff),
    )
    return page, 400 if form.errors else 200


@bp.post("/people/<kind>/<int:person_id>/withdraw")
@allow(*STAFF)
def withdraw(kind: str, person_id: int):
    """Withdraw an agreement (recorded in error, or taken back): a new record; the old one
    stays, and the agreement is pending again."""
    person = _person(kind, person_id)
    db = get_db()
    if not on_behalf.may_record_for(db, current_user.principal, kind, person):
        abort(403)
    form = WithdrawForm()
    done = {
        _part_key(part): part
        for part in agreements.parts_about(db, all_rules(), person)
        if part.done
    }
    part = done.get(form.part.data or "")
    if part is None:
        abort(404)
    if not form.validate_on_submit():
        flash("Nothing was withdrawn: say why it is withdrawn.")
        return redirect(url_for("agreement_records.person", kind=kind, person_id=person_id))
    signing.withdraw_for(db, current_user.principal, person, part, form.remark.data)
    flash(f"Withdrawn. {person.name}'s agreement is pending again.")
    return redirect(url_for("agreement_records.person", kind=kind, person_id=person_id))


class DeclineForm(FlaskForm):
    part = HiddenField()
    method = RadioField(
        "How did they tell you?",
        choices=choices([("paper", METHODS["paper"]), ("in-person", METHODS["in-person"])]),
        validators=[InputRequired("Choose how they told you.")],
    )
    remark = TextAreaField(
        "What did they say?",
        filters=[strip],
        validators=[DataRequired("Say how they told you."), Length(max=1000)],
    )


@bp.post("/people/<kind>/<int:person_id>/decline")
@allow(*STAFF)
def decline(kind: str, person_id: int):
    """Record a refusal given on paper or in person: shown as Declined, with the remark."""
    person = _person(kind, person_id)
    db = get_db()
    if not on_behalf.may_record_for(db, current_user.principal, kind, person):
        abort(403)
    form = DeclineForm()
    to_do = {_part_key(p): p for p in agreements.parts_about(db, all_rules(), person) if not p.done}
    part = to_do.get(form.part.data or "") or abort(404)
    back = redirect(url_for("agreement_records.person", kind=kind, person_id=person_id))
    if not form.validate_on_submit():
        flash("Nothing was recorded: choose how they told you, and say what they said.")
        return back
    try:
        refusals.decline(
            db, part, current_user.principal, method=form.method.data, remark=form.remark.data
        )
    except refusals.RefusalError as error:
        flash(f"Nothing was recorded: {error}")
        return back
    flash(f"Recorded: {person.name} declined the {part.rule.policy.title}.")
    return back


# --- Refusals, for the safeguarding lead ------------------------------------------------------


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
    db = get_db()
    lines = refusals.recent(db, current_user.school_id)
    audit.record(
        db,
        "refusals-viewed",
        school_id=current_user.school_id,
        actor=current_user.principal,
        pupils=sorted({line.record.subject_id for line in lines if line.kind == "pupil"}),
        listed=len(lines),
    )
    db.commit()
    return render_template(
        "agreement_records/refusals.html",
        lines=lines,
        days=refusals.RECENT.days,
        part_labels=PART_LABELS,
        kind_labels=KIND_LABELS,
    )


# --- A class's returned slips ----------------------------------------------------------------


@bp.route("/slips", methods=["GET", "POST"])
@allow(*STAFF)
def class_slips():
    """A class list with a tick per child: record a pile of returned paper slips at once.

    A Years 3 to 6 slip carries the child's signature and a parent's, so it records both (or
    whichever is still missing)."""
    db = get_db()
    staff = current_user.principal
    school_class = _chosen_class()
    if school_class is None:
        classes = [c for c in _classes() if on_behalf.may_record_for_class(db, staff, c.id)]
        return render_template("agreement_records/slips_choose.html", classes=classes)
    if not on_behalf.may_record_for_class(db, staff, school_class.id):
        abort(403)
    pupil_rules = [r for r in all_rules() if r.audience.subject == "pupil"]
    rows = []
    for rule in pupil_rules:
        for row in agreements.everyone(db, rule, current_user.school_id, school_class.id):
            rows.append((rule, row))
    rows.sort(key=lambda item: item[1].sort_name)
    form = _slips_form([row for rule, row in rows if row.status not in agreements.COMPLETE])
    if form.validate_on_submit():
        ticked = [
            (rule, row)
            for rule, row in rows
            if row.status not in agreements.COMPLETE and form[f"slip_{row.subject_id}"].data
        ]
        if not ticked:
            flash("Nothing was recorded: tick the children whose slips came back.")
            return redirect(url_for("agreement_records.class_slips", class_id=school_class.id))
        if request.form.get("confirm") != "yes":  # first show who will be recorded
            return render_template(
                "agreement_records/slips_confirm.html",
                form=form,
                school_class=school_class,
                ticked=[(rule, row, signing.still_to_do(rule, row.status)) for rule, row in ticked],
                part_labels=PART_LABELS,
            )
        outcomes = signing.record_slips(
            db, staff, school_class, ticked, remark=form.remark.data or None
        )
        new = len({o.record.subject_id for o in outcomes if o.new})
        flash(f"Recorded returned slips for {new} {'child' if new == 1 else 'children'}.")
        return redirect(url_for("agreement_records.class_slips", class_id=school_class.id))
    return render_template(
        "agreement_records/slips.html",
        form=form,
        school_class=school_class,
        rows=rows,
        complete=agreements.COMPLETE,
    )


def _slips_form(rows: list[Any]) -> FlaskForm:
    class SlipsForm(FlaskForm):
        class_id = HiddenField()
        remark = StringField(
            "Remark (optional)",
            filters=[strip],
            validators=[Optional(), Length(max=1000)],
        )

    for row in rows:
        setattr(SlipsForm, f"slip_{row.subject_id}", BooleanField(f"Slip back: {row.name}"))
    return SlipsForm()


# --- Visitors, volunteers and governors ------------------------------------------------------


class VisitorForm(FlaskForm):
    name = StringField(
        "Full name",
        filters=[strip],
        validators=[DataRequired("Enter their full name."), Length(max=200)],
    )
    kind = RadioField(
        "They are a",
        choices=choices(
            [("visitor", "Visitor"), ("volunteer", "Volunteer"), ("governor", "Governor")]
        ),
        validators=[InputRequired("Choose visitor, volunteer or governor.")],
    )
    organisation = StringField(
        "Organisation or reason for visiting (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=200)],
    )


@bp.route("/visitors", methods=["GET", "POST"])
@allow(*STAFF)
def visitors():
    """Visitors, volunteers and governors, with whether they have agreed; add one, then
    record their agreement on their own page."""
    db = get_db()
    school_id = current_user.school_id
    form = VisitorForm()
    may_add = visitor_service.may_manage(current_user.principal)
    if request.method == "POST" and not may_add:
        abort(403)
    if form.validate_on_submit():
        visitor = visitor_service.add(
            db,
            current_user.principal,
            form.name.data,
            form.kind.data,
            form.organisation.data or None,
        )
        db.commit()
        flash(f"{visitor.name} is added as a {visitor.kind}. Now record their agreement below.")
        return redirect(url_for("agreement_records.person", kind="visitor", person_id=visitor.id))
    statuses: dict[int, list[tuple[Rule, str]]] = {}
    for rule in all_rules():
        if rule.audience.subject == "visitor":
            for row in agreements.everyone(db, rule, school_id):
                statuses.setdefault(row.subject_id, []).append((rule, row.status))
    listed = visitor_service.listed(db, school_id)
    page = render_template(
        "agreement_records/visitors.html",
        form=form,
        people=listed.here,
        left=listed.left,
        statuses=statuses,
        may_add=may_add,
    )
    return page, 400 if form.errors else 200


def _visitor_to_manage(person_id: int) -> Visitor:
    """A visitor of this school, for a form that checks its own token."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    return _person("visitor", person_id)


@bp.post("/people/visitor/<int:person_id>/left")
@allow(*on_behalf.LEADS)
def visitor_left(person_id: int):
    """They no longer come in: kept, with their records, but no longer counted as not signed."""
    visitor = _visitor_to_manage(person_id)
    if visitor_service.mark_left(get_db(), current_user.principal, visitor):
        get_db().commit()
        flash(
            f"{visitor.name} is marked as left on {local_time_filter(visitor.left_at)}. They are "
            'no longer counted as not signed. Pressed by mistake? Press "Undo" below.'
        )
    return redirect(url_for("agreement_records.person", kind="visitor", person_id=person_id))


@bp.post("/people/visitor/<int:person_id>/back")
@allow(*on_behalf.LEADS)
def visitor_back(person_id: int):
    """Undo "Mark as left"."""
    visitor = _visitor_to_manage(person_id)
    if visitor_service.mark_back(get_db(), current_user.principal, visitor):
        get_db().commit()
        flash(f"{visitor.name} is no longer marked as left.")
    return redirect(url_for("agreement_records.person", kind="visitor", person_id=person_id))


# --- Photo permissions -----------------------------------------------------------------------


@bp.get("/photo-permissions")
@allow(*STAFF)
def photo_lookup():
    """Type a name (or choose a class): each pupil found is shown with every permission."""
    db = get_db()
    name = (request.args.get("name") or "").strip()[:100]
    school_class = _chosen_class()
    pupils: list[Pupil] = []
    searched = bool(name or school_class)
    if searched:
        pupils = consents.find_pupils(
            db, current_user.school_id, name, school_class.id if school_class else None
        )
        audit.record(
            db,
            "photo-permissions-viewed",
            school_id=current_user.school_id,
            actor=current_user.principal,
            pupils=[pupil.id for pupil in pupils],
        )
        db.commit()
    return render_template(
        "agreement_records/photo_lookup.html",
        name=name,
        classes=_classes(),
        school_class=school_class,
        pupils=pupils,
        searched=searched,
        answers=consents.views(db, pupils),
        asks_pupil=consents.asks_pupil,
        purposes=consents.PURPOSES,
        year_label=year_label,
    )
