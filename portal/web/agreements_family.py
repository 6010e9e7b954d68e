"""Parents and carers: one page to sign for themselves and their children (with each child's
photo choices), say no or take an agreement back, and the receipt of what was recorded.

Opening the page never signs anything: only pressing "I agree" does, because mail scanners and
link previews open links. The form carries the versions it showed (`shown_key`); what is signed
is what the server shows now, and only when the two are the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired

from ..models import Acceptance, Parent, Person, PersonKind, Pupil, School
from ..services import agreement_history, agreements, consents, parents, refusals, signing
from ..services.acceptance import Outcome
from ..services.agreements import COUNTERSIGN, PARENT, SELF, Part, Rule
from ..services.catalogue import CatalogueVersion
from ..services.signing import PolicyToSign, policies_to_sign, shown_key
from .access import allow
from .agreement_photos import add_photo_fields, save_photo_choices
from .agreements import RECEIPT, all_rules, bp
from .auth import REACHED_BY
from .database import get_db
from .forms import SignedNameForm, strip
from .policies import catalogue, local_time_filter
from .security import csrf
from .urls import public_url


def _family_form(children: list[Pupil], photo_children: list[Pupil], now: dict) -> FlaskForm:
    """The name, one tick per child the page asks about, and each child's photo choices."""

    class FamilyForm(SignedNameForm):
        pass

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
    add_photo_fields(FamilyForm, photo_children, now)
    return FamilyForm()


def _children(policies: list[PolicyToSign]) -> list[Pupil]:
    return list({child.id: child for p in policies for child in p.children}.values())


@bp.route("/agreements/family", methods=["GET", "POST"])
@allow(PersonKind.PARENT)
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
                save_photo_choices(form, parent, children)
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

    person: Parent | Pupil
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
    people: list[Parent | Pupil] = [parent, *parents.visible_children(parent)]
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
            child = part.subject if isinstance(part.subject, Pupil) else None
            about = "for yourself" if child is None else f"for {child.first_name}"
            key = f"{part.rule.policy.slug}:{part.subject.person_kind}:{part.subject.id}"
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
@allow(PersonKind.PARENT)
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
@allow(PersonKind.PARENT)
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
    subjects: dict[tuple[str, int], Person] = {
        (PersonKind.PUPIL, child.id): child for child in parents.visible_children(parent)
    }
    subjects[(PersonKind.PARENT, parent.id)] = parent
    school = get_db().get_one(School, parent.school_id)
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
            about = "for yourself" if record.subject_type == PersonKind.PARENT else ""
        elif subject is not None:
            countersign = record.acting_as == COUNTERSIGN
            about = f"{'countersigned ' if countersign else ''}for {subject.name}"
        else:
            about = ""
        signed = catalogue().get(record.policy_version_id)
        assert signed is not None, "an agreement always names a recorded version"
        lines.append(ReceiptLine(record, signed, about))
    return lines


@bp.get("/agreements/done")
@allow(PersonKind.PARENT)
def receipt():
    """What was just recorded: policy, version, content hash and time."""
    ids = session.get(RECEIPT) or []
    parent = current_user.principal
    records = agreement_history.made_by_parent(get_db(), parent.id, ids)
    if not records:
        return redirect(url_for("agreements.family"))
    subjects = {(PersonKind.PUPIL, child.id): child for child in parents.visible_children(parent)}
    subjects[(PersonKind.PARENT, parent.id)] = parent
    return render_template(
        "agreements/receipt.html",
        lines=_receipt_lines(records, subjects),
        signed_at=records[0].created_at,
        signed_name=records[0].signed_name,
        emailed=parent.email,
    )
