"""The ICT lead's coverage reports: a heatmap of strands against year groups or classes, the
outcomes and pupils behind each cell, gaps, agreements beside learning, a pupil's whole record,
CSV exports and a printable termly report for governors."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from ..models import LEADS, PersonKind, Pupil, School
from ..services import consents, coverage, exports
from ..services.agreements import Rule
from ..services.coverage import Column, Period
from ..services.pupil_record import pupil_record
from .access import allow
from .agreements import all_rules
from .database import get_db, log_access
from .downloads import csv_download, json_download
from .lessons import curriculum
from .policies import local_time_filter, today

bp = Blueprint("coverage", __name__, url_prefix="/coverage")


@bp.context_processor
def _names() -> dict:
    return {"levels": coverage.LEVELS, "photo_purposes": consents.PURPOSES}


COLUMN_KINDS = ("year", "class")


class ThresholdForm(FlaskForm):
    threshold = IntegerField(
        "List as a gap below this percentage secure",
        validators=[
            InputRequired("Enter a percentage from 0 to 100."),
            NumberRange(0, 100, "Enter a percentage from 0 to 100."),
        ],
    )


def _school() -> School:
    return get_db().get_one(School, current_user.school_id)


def _period() -> Period:
    periods = coverage.periods(today())
    return periods.get(request.args.get("period", "all")) or abort(404)


def _column(by: str, column_id: int) -> Column:
    if by not in COLUMN_KINDS:
        abort(404)
    return coverage.find_column(get_db(), current_user.school_id, by, column_id) or abort(404)


def _pupil_rules() -> list[Rule]:
    return [rule for rule in all_rules() if rule.audience.subject == PersonKind.PUPIL]


def _signed_by_year() -> dict:
    return coverage.signed_by_year(get_db(), _pupil_rules(), current_user.school_id)


@bp.get("/")
@allow(*LEADS)
def dashboard():
    by = request.args.get("by", "year")
    if by not in COLUMN_KINDS:
        abort(404)
    period = _period()
    school = _school()
    heatmap = coverage.heatmap(get_db(), curriculum(), school.id, by=by, period=period)
    return render_template(
        "coverage/dashboard.html",
        by=by,
        period=period,
        periods=coverage.periods(today()),
        heatmap=heatmap,
        gaps=coverage.gaps_below(heatmap, school.coverage_threshold),
        untaught=coverage.untaught_outcomes(curriculum()),
        strand_names={strand.id: strand.name for strand in curriculum().strands},
        signed=_signed_by_year() if by == "year" else {},
        school=school,
        form=ThresholdForm(threshold=school.coverage_threshold),
    )


@bp.post("/threshold")
@allow(*LEADS)
def set_threshold():
    form = ThresholdForm()
    school = _school()
    if form.validate_on_submit():
        coverage.set_threshold(get_db(), school, current_user.principal, form.threshold.data)
        flash(f"Gaps are now listed below {form.threshold.data}% secure.")
    else:
        flash(" ".join(form.threshold.errors) or "That form was out of date. Please try again.")
    return redirect(url_for("coverage.dashboard") + "#gaps")


@bp.get("/<by>/<int:column_id>")
@allow(*LEADS)
def column(by: str, column_id: int):
    """The outcomes behind one cell (with ?strand=) or a whole year group or class."""
    group = _column(by, column_id)
    strand = request.args.get("strand") or None
    strands = {s.id: s for s in curriculum().strands}
    if strand is not None and strand not in strands:
        abort(404)
    period = _period()
    rows = coverage.outcome_rows(
        get_db(), curriculum(), current_user.school_id, group, strand, period
    )
    return render_template(
        "coverage/column.html",
        group=group,
        strand=strands[strand] if strand is not None else None,
        strands=strands,
        rows=rows,
        period=period,
    )


@bp.get("/<by>/<int:column_id>/<outcome_id>")
@allow(*LEADS)
def outcome(by: str, column_id: int, outcome_id: str):
    group = _column(by, column_id)
    found = next((o for o in curriculum().outcomes if o.id == outcome_id), None) or abort(404)
    period = _period()
    pupils = coverage.pupil_levels(
        get_db(), curriculum(), current_user.school_id, group, found, period
    )
    strand = next(s for s in curriculum().strands if s.id == found.strand)
    return render_template(
        "coverage/outcome.html",
        group=group,
        outcome=found,
        strand=strand,
        pupils=pupils,
        period=period,
    )


def _own_pupil(pupil_id: int) -> Pupil:
    pupil = get_db().get(Pupil, pupil_id)
    if pupil is None or pupil.school_id != current_user.school_id:
        abort(404)
    return pupil


@bp.get("/pupils/<int:pupil_id>")
@allow(*LEADS)
def pupil(pupil_id: int):
    pupil = _own_pupil(pupil_id)
    record = pupil_record(get_db(), curriculum(), pupil)
    log_access(pupil, "pupil-record-viewed")
    return render_template(
        "coverage/pupil.html",
        record=record,
        strand_names={strand.id: strand.name for strand in curriculum().strands},
    )


@bp.get("/pupils/<int:pupil_id>.json")
@allow(*LEADS)
def pupil_file(pupil_id: int):
    """The pupil's record as a file, for a subject access request."""
    pupil = _own_pupil(pupil_id)
    record = pupil_record(get_db(), curriculum(), pupil)
    log_access(pupil, "pupil-record-exported")
    name = f"pupil-{pupil.reference}-{today().isoformat()}.json"
    return json_download(name, record.as_data())


@bp.get("/export.csv")
@allow(*LEADS)
def export_csv():
    """?rows=pupils: one row per pupil and outcome; ?rows=classes or ?rows=years: one per
    class or year group and strand, as the dashboard's columns. The period is the page's."""
    period = _period()
    school_id = current_user.school_id
    kind = request.args.get("rows", "pupils")
    if kind not in ("pupils", *GROUP_ROWS):
        abort(404)  # before the audit log records an export that never happened
    exports.log_coverage_export(get_db(), current_user.principal, kind, period.key)
    name = f"coverage-{kind}-{period.key}-{today().isoformat()}.csv"
    if kind in GROUP_ROWS:
        by = GROUP_ROWS[kind]
        header = [COLUMN_HEADINGS[by], *GROUP_HEADER]
        return csv_download(name, header, _group_rows(school_id, by, period))
    rows = coverage.pupil_outcome_rows(get_db(), curriculum(), school_id, period)
    return csv_download(name, PUPIL_HEADER, _pupil_lines(rows))


PUPIL_HEADER = [
    "Pupil reference",
    "First name",
    "Last name",
    "Year group",
    "Class",
    "Strand",
    "Outcome",
    "Level",
    "First taught (UK time)",
    "First secure (UK time)",
]
GROUP_ROWS = {"classes": "class", "years": "year"}  # ?rows= for each kind of column
COLUMN_HEADINGS = {"class": "Class", "year": "Year group"}
GROUP_HEADER = ["Pupils", "Strand", "Outcomes", "Taught %", "Secure %"]


def _pupil_lines(rows):
    strands = {strand.id: strand.name for strand in curriculum().strands}
    for ref, first, last, year, class_name, strand, outcome_id, level, taught, secure in rows:
        yield (
            ref,
            first,
            last,
            year,
            class_name,
            strands[strand],
            outcome_id,
            coverage.LEVELS[level],
            local_time_filter(taught) if level != "not-taught" else "",
            local_time_filter(secure) if level == "secure" else "",
        )


def _group_rows(school_id: int, by: str, period: Period):
    heatmap = coverage.heatmap(get_db(), curriculum(), school_id, by=by, period=period)
    for group in heatmap.columns:
        for strand in heatmap.strands:
            share = heatmap.cell(strand.id, group.id)
            if share.possible:
                yield (
                    group.name,
                    group.pupils,
                    strand.name,
                    share.possible // group.pupils if group.pupils else 0,
                    share.percent_taught,
                    share.percent_secure,
                )


@bp.get("/report")
@allow(*LEADS)
def report():
    """One printable page for governors: the headline figures and the change since last term."""
    db = get_db()
    school = _school()
    periods = coverage.periods(today())
    period = _period() if "period" in request.args else periods["term"]
    term = periods["term"]
    heatmap = coverage.heatmap(db, curriculum(), school.id, period=period)
    now = coverage.heatmap(db, curriculum(), school.id)
    before = coverage.heatmap(db, curriculum(), school.id, period=coverage.until(term.start))
    signed = _signed_by_year()
    return render_template(
        "coverage/report.html",
        school=school,
        period=period,
        periods=periods,
        heatmap=heatmap,
        now=now,
        before=before,
        term_began=term.began,
        gaps=coverage.gaps_below(heatmap, school.coverage_threshold),
        untaught=coverage.untaught_outcomes(curriculum()),
        signed=signed,
        signed_total=coverage.signed_total(signed.values()),
        strand_names={strand.id: strand.name for strand in curriculum().strands},
        printed_on=today(),
    )
