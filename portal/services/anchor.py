"""Anchors: the head of each school's agreement chain written down outside the database.

The chain (services/acceptance.py) shows any record that was changed, removed or reordered,
unless someone rewrote every later hash and the head as well. An anchor kept elsewhere (a file
the governors hold, an email) closes that gap: the chain must still pass through every head it
recorded, so a rewrite of anything before an anchor is found.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..content.calendar import utcnow
from ..models import Acceptance, AcceptanceChain, School


@dataclass(frozen=True)
class Head:
    school: str
    school_id: int
    records: int
    head: str


@dataclass(frozen=True)
class Anchor:
    at: str
    schools: tuple[Head, ...]

    def to_json(self) -> str:
        return json.dumps({"at": self.at, "schools": [asdict(h) for h in self.schools]})


class AnchorFileError(ValueError):
    """An anchor file that cannot be read; the message names the file and line."""


def take_anchor(db: Session, now: dt.datetime | None = None) -> Anchor:
    rows = db.execute(
        select(
            School.slug,
            AcceptanceChain.school_id,
            AcceptanceChain.length,
            AcceptanceChain.last_hash,
        )
        .join(School, School.id == AcceptanceChain.school_id)
        .order_by(AcceptanceChain.school_id)
    ).all()
    heads = tuple(Head(slug, school_id, length, head) for slug, school_id, length, head in rows)
    return Anchor(f"{(now or utcnow()).isoformat(timespec='seconds')}Z", heads)


def read_anchors(text: str, name: str) -> list[Anchor]:
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            heads = tuple(Head(**head) for head in data["schools"])
            anchors.append(Anchor(str(data["at"]), heads))
        except (ValueError, KeyError, TypeError) as error:
            raise AnchorFileError(
                f"{name}:{number}: not an anchor written by `esafety audit anchor` ({error})"
            ) from None
    return anchors


def check_anchor(db: Session, anchor: Anchor) -> list[str]:
    """What no longer matches: each school's chain must still hold the anchored head at the
    anchored length (it may have grown since)."""
    problems = []
    for head in anchor.schools:
        if head.records == 0:
            continue
        found = db.scalar(
            select(Acceptance.record_hash)
            .where(Acceptance.school_id == head.school_id)
            .order_by(Acceptance.id)
            .offset(head.records - 1)
            .limit(1)
        )
        if found is None:
            problems.append(
                f"{head.school}: the anchor of {anchor.at} saw {head.records} records; "
                "the database now has fewer, so records were removed"
            )
        elif found != head.head:
            problems.append(
                f"{head.school}: record number {head.records} no longer has the hash the anchor "
                f"of {anchor.at} saw ({head.head[:12]}...): the chain was rewritten"
            )
    return problems
