"""Signing agreements: parents and carers for themselves and their children, pupils aged 7 and
over for themselves, staff for themselves (asked at sign-in, before any other page).

Opening a page never signs anything: only pressing "I agree" does, because mail scanners and
link previews open links. Every record is committed before the confirmation is shown.

Each form carries the versions it showed, with the language of their text (`shown_key`); what is
recorded is what the server shows now, and only when the two are the same, so a record always
names the language that was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..content.languages import language_name
from ..content.policies import PolicyVersion
from ..models import Acceptance, Parent, Pupil, School
from ..services import (
    agreement_history,
    agreements,
    consents,
    on_behalf,
    parents,
    photo_choices,
    refusals,
    signing,
)
from ..services.acceptance import Outcome
from ..services.agreements import COUNTERSIGN, PARENT, SELF, Part, Rule
from ..services.catalogue import CatalogueVersion
from ..services.signing import PolicyToSign, and_list, policies_to_sign, shown_key
from .access import PUBLIC, ROLES, STAFF, allow, current_view, here
from .auth import REACHED_BY, safe_next
from .database import get_db
from .forms import choices, strip
from .policies import catalogue, changes_html, content, local_time_filter, policy_html, today
from .security import csrf
from .urls import public_url

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
    for name, value in {
        "policy_html": policy_html,
        "changes_html": changes_html,
        "changes_between": _changes_between,
        "who_did": who_did,
        "on_behalf_label": on_behalf.label,
        "recorded_for": _recorded_for,
        "agreement_statuses": agreements.STATUSES,
        "shown_key": shown_key,
    }.items():
        app.add_template_global(value, name)


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
    if current_user.role == "parent":
        return redirect(url_for("agreements.family", _anchor=f"policy-{policy}"))
    rules = [rule for rule in all_rules() if rule.policy.slug == policy]
    if any(rule.applies_to(current_user.principal) for rule in rules):
        return redirect(url_for("agreements.mine"))
    if current_user.role in ("ict_lead", "admin"):  # who has signed it, rather
        return redirect(url_for("agreement_records.status", agreement=policy))
    flash(f"The {found.title} is not one you sign. Here is what you do sign.")
    return redirect(url_for("agreements.mine"))


# --- Parents and carers ----------------------------------------------------------------------


def _family_form(children: list[Pupil], photo_children: list[Pupil], now: dict) -> FlaskForm:
    """The name, one tick per child the page asks about, and each child's photo choices."""

    class FamilyForm(FlaskForm):
        shown = HiddenField()
        signed_name = StringField(
            "Your full name",
            filters=[strip],
            validators=[
                DataRequired("Type your full name to sign."),
                Length(min=2, max=200, message="Type your full name, as you would sign it."),
            ],
        )

    for child in children:
        setattr(
            FamilyForm,
            f"talked_{child.id}",
            BooleanField(
                f"I have talked these rules through with {child.first_name}",
                validators=[
                    DataRequired(
                        f"Tick the box to say you have talked the rules through with "
                        f"{child.first_name}."
                    )
                ],
            ),
        )
    _add_photo_fields(FamilyForm, photo_children, now)
    return FamilyForm()


def _children(policies: list[PolicyToSign]) -> list[Pupil]:
    return list({child.id: child for p in policies for child in p.children}.values())


@bp.route("/agreements/family", methods=["GET", "POST"])
@allow("parent")
@csrf.exempt  # the form checks its own token, so a stale one keeps what the parent typed
def family():
    """First each person with what they agree to and what is left to do, one tick per child and
    each child's photo choices, then the one signature; below it the exact text of each version.

    A submission signs exactly the versions the page showed, then records any photo choices
    that changed (they stay separate from the agreement records). Pressing twice, or going back and
    pressing again, records nothing new and shows the same receipt; a second carer signing at
    the same moment is recorded too.
    """
    parent = current_user.principal
    cards = _overview(parent, all_rules())
    parts = [
        part
        for card in cards
        for part in card.parts
        if part.part in (PARENT, COUNTERSIGN) or card.person is parent
    ]
    pending = policies_to_sign(get_db(), parent, [part for part in parts if not part.done])
    children = parents.visible_children(parent)
    now = consents.current(get_db(), [child.id for child in children])
    changed = False
    if request.method == "POST":
        shown = {key for key in (request.form.get("shown") or "").split(",") if key}
        if not shown:
            return redirect(url_for("agreements.family"))
        # What the page showed, even if someone has signed part of it since.
        policies = policies_to_sign(
            get_db(), parent, [p for p in parts if shown_key(p.rule) in shown]
        )
        changed = {shown_key(p.rule) for p in policies} != shown
        if not changed:
            form = _family_form(_children(policies), children, now)
            if form.validate_on_submit():
                outcomes = _sign_for_family(parent, policies, form.signed_name.data)
                _save_photo_choices(form, parent, children)
                session[RECEIPT] = [outcome.record.id for outcome in outcomes]
                return redirect(url_for("agreements.receipt"))
    if request.method == "GET" or changed:
        # The rules changed while the page was open (a new version came into force): show
        # the new ones, and sign nothing.
        form = _family_form(_children(pending), children, now)
        policies = pending
    form.shown.data = ",".join(shown_key(p.rule) for p in policies)
    page = render_template(
        "agreements/family.html",
        form=form,
        policies=policies,
        cards=cards,
        minds=_minds(parent, cards),
        changed=changed,
        purposes=consents.PURPOSES,
        now=now,
        own_views=consents.current(get_db(), [child.id for child in children], consents.PUPIL),
        asks_pupil=consents.asks_pupil,
    )
    return page, 400 if (form.errors or changed) else 200


@dataclass
class Card:
    """One person on the family page (the parent, or a child) and the agreements about them."""

    person: Any
    parts: list[Part]

    @property
    def agreements(self) -> list[list[Part]]:
        """The parts grouped by agreement, in the policies' order: a child aged 7 to 11 signs
        and the parent countersigns one agreement."""
        grouped: dict[str, list[Part]] = {}
        for part in self.parts:
            grouped.setdefault(part.rule.policy.slug, []).append(part)
        return list(grouped.values())


def _overview(parent: Parent, rules: list[Rule]) -> list[Card]:
    """Every part of every agreement about the parent, then about each child, done or not."""
    db = get_db()
    people = [parent, *parents.visible_children(parent)]
    return [Card(person, agreements.parts_about(db, rules, person)) for person in people]


@dataclass(frozen=True)
class Mind:
    """One part a parent may say no to, or take their agreement back from."""

    key: str
    part: Part
    about: str  # "for yourself", "for Amira"
    own: bool  # their own agreement stands: they may take it back


def _minds(parent: Parent, cards: list[Card]) -> list[Mind]:
    db = get_db()
    found = []
    for card in cards:
        for part in card.parts:
            if part.part == SELF and card.person is not parent:
                continue  # the child's own signature, given at school
            own = refusals.own_agreement(db, part, parent) is not None
            if part.done and not own:
                continue  # agreed by the other carer, or by the school from a slip
            about = "for yourself" if card.person is parent else f"for {part.subject.first_name}"
            key = f"{part.rule.policy.slug}:{agreements.kind_of(part.subject)}:{part.subject.id}"
            found.append(Mind(f"{key}:{part.part}", part, about, own))
    return found


def _mind_chosen(parent: Parent) -> Mind:
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    wanted = request.form.get("part", "")
    minds = _minds(parent, _overview(parent, all_rules()))
    return next((mind for mind in minds if mind.key == wanted), None) or abort(404)


@bp.post("/agreements/family/no")
@allow("parent")
def decline():
    """A parent or carer says no, for themselves or for a child: shown as Declined, and no
    more reminders, until someone agrees."""
    parent = current_user.principal
    mind = _mind_chosen(parent)
    if request.form.get("shown") != shown_key(mind.part.rule):
        flash(CHANGED_NOTHING_RECORDED)
        return redirect(url_for("agreements.family", _anchor="change-your-mind"))
    try:
        refusals.decline(
            get_db(),
            mind.part,
            parent,
            remark=(strip(request.form.get("why")) or "")[:1000] or None,
            reached_by=session.get(REACHED_BY),
        )
    except refusals.RefusalError as error:
        flash(str(error))
    else:
        flash(
            f"We have recorded that you do not agree to the {mind.part.rule.policy.title} "
            f"{mind.about}. You can still agree on this page if you change your mind."
        )
    return redirect(url_for("agreements.family", _anchor="change-your-mind"))


CHANGED_NOTHING_RECORDED = (
    "The agreement changed while you were reading, so nothing was recorded. Please read it again."
)


@bp.post("/agreements/family/take-back")
@allow("parent")
def take_back():
    """A parent or carer withdraws an agreement they gave: the withdrawal is theirs."""
    parent = current_user.principal
    mind = _mind_chosen(parent)
    try:
        refusals.withdraw_own(get_db(), mind.part, parent, reached_by=session.get(REACHED_BY))
    except refusals.RefusalError as error:
        flash(str(error))
    else:
        title = mind.part.rule.policy.title
        flash(f"You have taken back your agreement to the {title} {mind.about}.")
    return redirect(url_for("agreements.family", _anchor="change-your-mind"))


def _sign_for_family(parent: Parent, policies: list[PolicyToSign], name: str) -> list[Outcome]:
    subjects = {("pupil", child.id): child for child in parents.visible_children(parent)}
    subjects[("parent", parent.id)] = parent
    school = get_db().get(School, parent.school_id)
    return signing.sign_for_family(
        get_db(),
        parent,
        [part for policy in policies for part in policy.parts],
        name,
        reached_by=session.get(REACHED_BY),
        receipt=lambda records: _receipt_mail(parent, school, records, subjects),
    )


def _receipt_mail(
    parent: Parent, school: School, records: list[Acceptance], subjects
) -> tuple[str, str]:
    """The receipt email's subject and body."""
    lines = _receipt_lines(records, subjects)
    body = render_template(
        "mail/agreement_receipt.txt",
        parent=parent,
        school=school,
        lines=lines,
        signed_name=records[0].signed_name,
        signed_at=local_time_filter(records[0].created_at),
        site_url=current_app.config["SITE_URL"].rstrip("/"),
        link=public_url("agreements.family"),
    )
    return f"Your agreement with {school.name}: your receipt", body


@dataclass(frozen=True)
class ReceiptLine:
    record: Acceptance
    signed: CatalogueVersion  # the version the record is an agreement to
    about: str

    @property
    def title(self) -> str:
        return self.signed.policy.title

    @property
    def policy(self) -> str:
        return self.signed.slug

    @property
    def version(self) -> str:
        return self.signed.version.version


def _receipt_lines(records: list[Acceptance], subjects: dict) -> list[ReceiptLine]:
    lines = []
    for record in records:
        subject = subjects.get((record.subject_type, record.subject_id))
        if record.acting_as == SELF:
            about = "for yourself" if record.subject_type == "parent" else ""
        elif subject is not None:
            countersign = record.acting_as == COUNTERSIGN
            about = f"{'countersigned ' if countersign else ''}for {subject.name}"
        else:
            about = ""
        lines.append(ReceiptLine(record, catalogue().get(record.policy_version_id), about))
    return lines


@bp.get("/agreements/done")
@allow("parent")
def receipt():
    """What was just recorded: policy, version, content hash and time."""
    ids = session.get(RECEIPT) or []
    parent = current_user.principal
    records = agreement_history.made_by_parent(get_db(), parent.id, ids)
    if not records:
        return redirect(url_for("agreements.family"))
    subjects = {("pupil", child.id): child for child in parents.visible_children(parent)}
    subjects[("parent", parent.id)] = parent
    return render_template(
        "agreements/receipt.html",
        lines=_receipt_lines(records, subjects),
        signed_at=records[0].created_at,
        signed_name=records[0].signed_name,
        emailed=parent.email,
    )


# --- Photos ----------------------------------------------------------------------------------


YES_NO = choices([("yes", "Yes"), ("no", "No")])


def _add_photo_fields(form_class: type[FlaskForm], children: list[Pupil], now: dict) -> None:
    """One yes-or-no question per child and use, each starting at the current answer."""
    for child in children:
        for purpose, label in consents.PURPOSES.items():
            choice = now[child.id][purpose]
            setattr(
                form_class,
                f"photo_{child.id}_{purpose}",
                RadioField(
                    label,
                    choices=YES_NO,
                    default=None if choice is None else ("yes" if choice.given else "no"),
                    validators=[Optional()],
                ),
            )


def _photos_form(children: list[Pupil], now: dict) -> FlaskForm:
    class PhotosForm(FlaskForm):
        pass

    _add_photo_fields(PhotosForm, children, now)
    return PhotosForm()


def _photo_answers(form: FlaskForm, child: Pupil) -> dict[str, bool]:
    """The uses answered for one child (a use left unanswered keeps its current answer)."""
    return {
        purpose: form[f"photo_{child.id}_{purpose}"].data == "yes"
        for purpose in consents.PURPOSES
        if form[f"photo_{child.id}_{purpose}"].data in ("yes", "no")
    }


def _save_photo_choices(form: FlaskForm, parent: Parent, children: list[Pupil]) -> int:
    """Record what changed, committed; how many answers changed."""
    answers = [(child, _photo_answers(form, child)) for child in children]
    return photo_choices.save_for_children(get_db(), parent, answers)


@bp.route("/agreements/photos", methods=["GET", "POST"])
@allow("parent")
def photos():
    """Optional: where the school may use each child's photo. Change it at any time."""
    parent = current_user.principal
    children = parents.visible_children(parent)
    db = get_db()
    now = consents.current(db, [child.id for child in children])
    form = _photos_form(children, now)
    if form.validate_on_submit():
        changed = _save_photo_choices(form, parent, children)
        flash(
            "Your choices are saved. You can change them here at any time."
            if changed
            else "Nothing was changed."
        )
        return redirect(url_for("agreements.photos"))
    return render_template(
        "agreements/photos.html",
        form=form,
        children=children,
        purposes=consents.PURPOSES,
        now=now,
        own_views=consents.current(db, [child.id for child in children], consents.PUPIL),
        asks_pupil=consents.asks_pupil,
        from_year=consents.PUPIL_VIEW_FROM_YEAR,
    )


@bp.route("/agreements/my-photos", methods=["GET", "POST"])
@allow("pupil")
def my_photos():
    """From Year 8, a pupil's own view on each use of their photo, beside their parents'."""
    pupil = current_user.principal
    if not consents.asks_pupil(pupil):
        abort(404)
    db = get_db()
    now = consents.current(db, [pupil.id], consents.PUPIL)
    form = _photos_form([pupil], now)
    if form.validate_on_submit():
        changed = photo_choices.save_own(db, pupil, _photo_answers(form, pupil))
        flash(
            "Your answers are saved. You can change them here at any time."
            if changed
            else "Nothing was changed."
        )
        return redirect(url_for("agreements.my_photos"))
    return render_template(
        "agreements/my_photos.html",
        form=form,
        pupil=pupil,
        purposes=consents.PURPOSES,
        now=now[pupil.id],
    )


# --- Pupils and staff: their own agreement ---------------------------------------------------


class PupilAgreeForm(FlaskForm):
    shown = HiddenField()
    own_words = TextAreaField(
        "Now say it in your own words",
        filters=[strip],
        validators=[
            DataRequired("Write what you agree to, in your own words."),
            Length(min=3, max=500, message="Write a short sentence, in your own words."),
        ],
    )


class StaffAgreeForm(FlaskForm):
    shown = HiddenField()
    signed_name = StringField(
        "Your full name",
        filters=[strip],
        validators=[
            DataRequired("Type your full name to sign."),
            Length(min=2, max=200, message="Type your full name, as you would sign it."),
        ],
    )


def _decline_form(is_pupil: bool) -> FlaskForm:
    """Saying no on one's own page: a pupil may say why; a member of staff must."""

    class DeclineOwnForm(FlaskForm):
        said_no_to = HiddenField()  # the version shown, as `shown_key` writes it
        why = TextAreaField(
            "Why not? You do not have to say." if is_pupil else "Why do you not accept it?",
            filters=[strip],
            validators=[
                Optional() if is_pupil else DataRequired("Say why you do not accept it."),
                Length(max=500 if is_pupil else 1000, message="Write a shorter answer."),
            ],
        )

    return DeclineOwnForm()


def _showing(to_sign: list[Part]) -> Part | None:
    """The part a person's own page shows: the first they have not answered, else the first
    they said no to (they may still agree)."""
    return next((part for part in to_sign if not part.declined), to_sign[0] if to_sign else None)


@bp.route("/agreements/mine", methods=["GET", "POST"])
@allow("pupil", *STAFF)
@csrf.exempt  # the form checks its own token, so a stale one keeps what was typed
def mine():
    """A pupil's or a member of staff's own agreement: read it, then agree, or say no."""
    person = current_user.principal
    to_sign = agreements.parts_to_sign(get_db(), all_rules(), person)
    is_pupil = isinstance(person, Pupil)
    form = PupilAgreeForm() if is_pupil else StaffAgreeForm()
    part = _showing(to_sign)
    changed = False
    if request.method == "POST" and part is not None:
        if form.shown.data != shown_key(part.rule):
            changed = True
        elif form.validate_on_submit():
            _sign_own(person, part, form)
            if is_pupil:  # the page then thanks them, once
                return redirect(url_for("agreements.mine"))
            flash(f"Thank you. You have agreed to the {part.rule.policy.title}.")
            more = len(to_sign) > 1
            target = safe_next(request.args.get("next"))
            if more:
                return redirect(url_for("agreements.mine", next=target))
            return redirect(target or url_for("home.index"))
    elif request.method == "POST":
        return redirect(url_for("agreements.mine"))
    return _own_page(person, part, form, _decline_form(is_pupil), changed)


@bp.post("/agreements/mine/no")
@allow("pupil", *STAFF)
@csrf.exempt  # the form checks its own token, so a stale one keeps what was typed
def decline_own():
    """A pupil or a member of staff says no to their own agreement: shown as Declined, and
    not asked for again, until they agree. A member of staff says why."""
    person = current_user.principal
    is_pupil = isinstance(person, Pupil)
    to_sign = agreements.parts_to_sign(get_db(), all_rules(), person)
    no_form = _decline_form(is_pupil)
    part = next(
        (p for p in to_sign if not p.declined and shown_key(p.rule) == no_form.said_no_to.data),
        None,
    )
    if part is None:
        if any(not p.declined for p in to_sign):  # a new version came in while they read
            form = PupilAgreeForm() if is_pupil else StaffAgreeForm()
            return _own_page(person, _showing(to_sign), form, no_form, changed=True)
        return redirect(url_for("agreements.mine"))  # said already, or nothing to say no to
    if not no_form.validate_on_submit():
        form = PupilAgreeForm(formdata=None) if is_pupil else StaffAgreeForm(formdata=None)
        return _own_page(person, part, form, no_form)
    refusals.decline(get_db(), part, person, remark=no_form.why.data or None)
    flash(
        "Thank you for telling us. A teacher will talk with you about it."
        if is_pupil
        else "Your answer is recorded. The ICT lead or the designated safeguarding lead will "
        "talk to you about it."
    )
    return redirect(url_for("agreements.mine", next=request.args.get("next")))


def _own_page(
    person: Any, part: Part | None, form: FlaskForm, no_form: FlaskForm, changed: bool = False
):
    """A pupil's or a member of staff's own page: the agreement to read and sign (with how to
    say no), or thanks and what they have signed."""
    db = get_db()
    rules = all_rules()
    is_pupil = isinstance(person, Pupil)
    earlier = None
    if part is not None:
        form.shown.data = no_form.said_no_to.data = shown_key(part.rule)
        earlier = agreements.last_signed_version(
            db, part.rule, agreements.kind_of(person), person.id
        )
    signed = [p for p in agreements.parts_about(db, rules, person) if p.part == SELF and p.done]
    page = render_template(
        "agreements/mine_pupil.html" if is_pupil else "agreements/mine_staff.html",
        form=form,
        no_form=no_form,
        part=part,
        refusal=refusals.standing_refusal(db, part) if part is not None else None,
        earlier=earlier,
        signed=signed,
        changed=changed,
        parents_sign=is_pupil and _parent_signs_for(person, rules),
        own_photo_view=is_pupil and consents.asks_pupil(person),
    )
    return page, 400 if (form.errors or no_form.errors or changed) else 200


def _parent_signs_for(pupil: Pupil, rules: list[Rule]) -> bool:
    return any(rule.applies_to(pupil) and rule.parts == (PARENT,) for rule in rules)


def _sign_own(person: Any, part: Part, form: FlaskForm) -> None:
    if isinstance(person, Pupil):
        signing.sign_own(get_db(), person, part, own_words=form.own_words.data)
    else:
        signing.sign_own(get_db(), person, part, signed_name=form.signed_name.data)


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
        and record.actor_type == agreements.kind_of(current_user.principal)
        and record.actor_id == current_user.principal.id
    ):
        return "you"
    model = agreements.SUBJECTS.get(record.actor_type)
    actor = get_db().get(model, record.actor_id) if model else None
    name = actor.name if actor is not None else "someone who has left"
    if record.actor_type == "staff":
        how = {"paper": "from a paper slip", "in-person": "in person"}.get(record.method, "")
        return f"{name} at school, {how}".rstrip(", ")
    return name
