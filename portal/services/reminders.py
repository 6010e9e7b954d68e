"""Reminders to parents and carers who still have an agreement to sign: through the outbox, at
most one a week to each of them. Nobody is reminded of an agreement they declined."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import exists, func, select, union
from sqlalchemy.orm import Session

from ..content.calendar import utcnow
from ..models import Parent, ParentLink, PersonKind, ReminderSent, Staff
from . import audit, links, mail
from .acceptance import lock_chain
from .agreements import COMPLETE, COUNTERSIGN, PARENT, Rule, missing, parents_of, people

REMIND_EVERY = dt.timedelta(days=7)
# Statuses in which a parent or carer still has something to do.
PARENT_TO_DO = ("pending", "older", "awaiting-parent")

# Given the parent and the names of the children concerned (empty for their own agreement):
# the email's subject and body, with tokens.TOKEN_MARK where the sign-in link's token goes.
Compose = Callable[[Parent, list[str]], tuple[str, str]]


@dataclass(frozen=True)
class Family:
    parent: Parent
    children: list[str]


@dataclass(frozen=True)
class Reminded:
    sent: int
    recently: int  # had a reminder in the last week, so none now
    no_email: int  # need a letter instead


def families_to_remind(
    db: Session, rule: Rule, school_id: int, class_id: int | None = None
) -> list[Family]:
    """Parents and carers with something to sign for this rule (their child's, or their own)."""
    if rule.audience.subject == PersonKind.PARENT:
        rows = [row for row in missing(db, rule, school_id, class_id) if row.status != "declined"]
        parents = {
            p.id: p
            for p in db.scalars(
                select(Parent).where(Parent.id.in_({row.subject_id for row in rows}))
            )
        }
        return [Family(parents[pid], []) for pid in dict.fromkeys(r.subject_id for r in rows)]
    if rule.audience.subject != PersonKind.PUPIL or not {PARENT, COUNTERSIGN} & set(rule.parts):
        return []
    rows = [row for row in missing(db, rule, school_id, class_id) if row.status in PARENT_TO_DO]
    families: dict[int, Family] = {}
    parents_by_pupil = parents_of(db, [row.subject_id for row in rows])
    for row in rows:
        for parent in parents_by_pupil[row.subject_id]:
            families.setdefault(parent.id, Family(parent, [])).children.append(row.name)
    return sorted(families.values(), key=lambda family: family.parent.name)


def reminders_due(
    db: Session, rules: list[Rule], school_id: int, now: dt.datetime | None = None
) -> int:
    """How many parents and carers pressing every agreement's reminder button would email now:
    something to sign (their own or a child's), an email address, and no reminder this week.
    One aggregate query, however many families."""
    now = now or utcnow()
    asked = []
    for rule in rules:
        rows = people(rule, school_id).subquery()
        if rule.audience.subject == PersonKind.PARENT:
            asked.append(
                select(rows.c.subject_id.label("parent_id")).where(rows.c.status.not_in(COMPLETE))
            )
        elif rule.audience.subject == PersonKind.PUPIL and {PARENT, COUNTERSIGN} & set(rule.parts):
            asked.append(
                select(ParentLink.parent_id.label("parent_id"))
                .join(rows, rows.c.subject_id == ParentLink.pupil_id)
                .where(rows.c.status.in_(PARENT_TO_DO))
            )
    if not asked:
        return 0
    parent_ids = union(*asked).subquery()
    return db.scalars(
        select(func.count(Parent.id))
        .join(parent_ids, parent_ids.c.parent_id == Parent.id)
        .where(
            Parent.email.is_not(None),
            Parent.left_at.is_(None),
            ~exists().where(
                ReminderSent.parent_id == Parent.id,
                ReminderSent.sent_at > now - REMIND_EVERY,
            ),
        )
    ).one()


def send_reminders(
    db: Session,
    rule: Rule,
    school_id: int,
    compose: Compose,
    by: Staff,
    link: links.LinkTerms,
    class_id: int | None = None,
    now: dt.datetime | None = None,
) -> Reminded:
    """Queue a reminder to each family with something to sign and no reminder this week.

    One unit of work, which commits whatever the session held and starts afresh: taking the
    school's agreement lock is the first thing its transaction does, so pressing the button
    twice sends once. The reminders, their links and the audit event are committed together.
    """
    db.commit()
    lock_chain(db, school_id)
    now = now or utcnow()
    families = families_to_remind(db, rule, school_id, class_id)
    recent = set(
        db.scalars(
            select(ReminderSent.parent_id).where(
                ReminderSent.parent_id.in_([family.parent.id for family in families]),
                ReminderSent.sent_at > now - REMIND_EVERY,
            )
        )
    )
    sent = recently = no_email = 0
    for family in families:
        if not family.parent.email:
            no_email += 1
            continue
        if family.parent.id in recent:
            recently += 1
            continue
        issued = links.issue_link(
            db, "parent-sign-in", family.parent, link.lifetime, link.secret_key
        )
        subject, body = compose(family.parent, family.children)
        mail.queue_mail(
            db,
            to=family.parent.email,
            subject=subject,
            body=body,
            school_id=school_id,
            link_nonce=issued.nonce,
        )
        db.add(ReminderSent(school_id=school_id, parent_id=family.parent.id, sent_at=now))
        sent += 1
    audit.record(
        db,
        "agreement-reminders-sent",
        school_id=school_id,
        actor=by,
        policy=rule.policy.slug,
        sent=sent,
        recently=recently,
        no_email=no_email,
    )
    db.commit()
    return Reminded(sent, recently, no_email)
