"""Downloads of the school's personal data leave a trace: each export is logged (who, what, how
many rows) and the log committed before the file is made, so no download goes unrecorded."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import Staff
from . import audit


def log_coverage_export(db: Session, by: Staff, rows: str, period: str) -> None:
    """`by` exported the school's coverage (`rows`: pupils, classes or years) over the period
    keyed `period`: one unit of work that commits the log."""
    audit.record(
        db, "coverage-exported", school_id=by.school_id, actor=by, rows=rows, period=period
    )
    db.commit()


def log_agreements_export(db: Session, by: Staff, policy: str, listed: str, rows: int) -> None:
    """`by` exported `rows` people of one agreement's list (`listed`: a status, everyone, or
    not-finished): one unit of work that commits the log."""
    audit.record(
        db,
        "agreements-exported",
        school_id=by.school_id,
        actor=by,
        policy=policy,
        listed=listed,
        rows=rows,
    )
    db.commit()
