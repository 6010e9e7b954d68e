"""The `esafety` command: check and publish content, build the site, run the demo."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from portal.content import (
    Content,
    ContentError,
    ContentErrors,
    Curriculum,
    load_content,
    load_lessons,
)
from portal.content.errors import Problems
from portal.content.published import check_unchanged, load_record, record_published, unrecorded

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The project folder, holding policies/ and mkdocs.yml.",
)


@click.group()
def main() -> None:
    """eSafety: a school's e-safety policies, agreements and lessons."""


@contextmanager
def portal_session(**overrides) -> Iterator[tuple[Flask, Session]]:
    """The portal app, with settings from the environment (and `overrides`), and a database
    session for a command; the session is closed and the engine let go of afterwards."""
    from portal import create_app
    from portal.startup import UnsafeStart
    from portal.web.runtime import runtime

    try:
        app = create_app(overrides or None)
    except UnsafeStart as refusal:
        raise click.ClickException(str(refusal)) from refusal
    try:
        with runtime(app).sessions() as db:
            yield app, db
    finally:
        runtime(app).engine.dispose()


@main.group()
def db() -> None:
    """Manage the portal's database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the latest schema (safe to run at any time)."""
    from portal.migrate import upgrade
    from portal.web.runtime import runtime

    with portal_session() as (app, _db):
        upgrade(app.config["DATABASE_URL"])
        # The tables may be new: record what people sign.
        recorded = runtime(app).catalogue.record_now()
    click.echo("The database is up to date.")
    if recorded:
        click.echo(f"Recorded {recorded} published policy versions.")


@main.group()
def audit() -> None:
    """Check the evidence the portal keeps."""


@audit.command("verify")
@click.option(
    "--anchor",
    "anchor_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A file written by `esafety audit anchor`: the chain must still pass through every "
    "head it recorded.",
)
def audit_verify(anchor_file: Path | None) -> None:
    """Recompute the hash chain of agreement records; name the first record altered, removed
    or inserted out of order, and exit 1 if there is one. Only reads: no secret key needed."""
    from portal.services.acceptance import verify_chains
    from portal.services.anchor import AnchorFileError, check_anchor, read_anchors

    try:
        anchors = read_anchors(anchor_file.read_text(), str(anchor_file)) if anchor_file else []
    except AnchorFileError as error:
        raise click.ClickException(str(error)) from error
    with _read_only_session() as db:
        report = verify_chains(db)
        problems = [str(problem) for problem in report.problems]
        for anchor in anchors:
            problems += check_anchor(db, anchor)
    for problem in problems:
        click.echo(f"BROKEN {problem}", err=True)
    if problems:
        raise SystemExit(1)
    anchored = f" It still extends {len(anchors)} anchor(s)." if anchors else ""
    click.echo(
        f"OK: {report.records} agreement records in {report.schools} "
        f"{'school' if report.schools == 1 else 'schools'}; every chain is intact.{anchored}"
    )


@audit.command("anchor")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Add the anchor as a line to this file (kept away from the server); without it, print.",
)
def audit_anchor(out: Path | None) -> None:
    """Write down each school's chain head (its length and newest hash) with the time, to keep
    outside the database: `audit verify --anchor` then finds any rewrite before it."""
    from portal.services.anchor import take_anchor

    with _read_only_session() as db:
        line = take_anchor(db).to_json()
    if out is None:
        click.echo(line)
        return
    with out.open("a", encoding="utf-8") as file:
        file.write(line + "\n")
    click.echo(f"Anchor added to {out}. Keep a copy away from the server (the governors' email).")


@contextmanager
def _read_only_session():
    """A database session from the settings alone: reading needs no secret key, policies or
    lessons, so an inspector can check evidence on a copy."""
    from portal.db import make_engine, make_session_factory

    engine = make_engine(_database_url())
    try:
        with make_session_factory(engine)() as db:
            yield db
    finally:
        engine.dispose()


@main.command()
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
def backup(dest: Path) -> None:
    """Copy the database while the portal is in use, check the copy, and write a manifest
    beside it (DEST.manifest.json); exit 1 if a check fails."""
    from portal.operations.backup import backup as take_backup
    from portal.operations.backup_checks import BackupError

    try:
        report = take_backup(_database_url(), dest)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    manifest = report.manifest
    click.echo(
        f"Backed up the {manifest['source']['kind']} database (schema revision "
        f"{manifest['schema_revision']}) to {dest}"
    )
    click.echo(f"Manifest: {report.manifest_path} (SHA-256 {manifest['sha256']})")
    _echo_checks(report)
    click.echo(
        "The backup holds children's personal data: store it encrypted, where only the people "
        "who look after the portal can read it."
    )
    if not report.ok:
        click.echo("The backup was written but failed a check above: do not rely on it.", err=True)
        raise SystemExit(1)


@main.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
def restore(source: Path) -> None:
    """Bring a backup back into the configured database, which must be empty; check the
    result and exit 1 if a check fails."""
    from sqlalchemy.engine import make_url

    from portal.operations.backup_checks import BackupError
    from portal.operations.restore import restore as bring_back

    url = _database_url()
    try:
        report = bring_back(source, url)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    manifest = report.manifest
    click.echo(
        f"Restored {source} (made {manifest['created_at']}, schema revision "
        f"{manifest['schema_revision']}) into {make_url(url).render_as_string()}"
    )
    _echo_checks(report)
    if not report.ok:
        click.echo("The restore failed a check above: do not start the portal on it.", err=True)
        raise SystemExit(1)


def _database_url() -> str:
    """The configured database, without building the portal (no policies or lessons needed)."""
    return _settings()["DATABASE_URL"]


def _settings() -> dict:
    """The portal's settings, read without starting it, for commands that only read."""
    from flask import Flask

    from portal.settings import load_settings

    instance = Path(Flask("portal", instance_relative_config=True).instance_path)
    return load_settings(instance)


def _echo_checks(report) -> None:
    for check in report.checks:
        click.echo(f"  {check}")
    for note in report.notes:
        click.echo(note)


@main.group()
def coverage() -> None:
    """Curriculum coverage across every school in the database."""


@coverage.command("summary")
def coverage_summary() -> None:
    """Each school's pupils on roll and the share of outcomes taught and secure (a trust's
    view, when one database holds several schools). Only reads: no secret key needed."""
    from portal.services.coverage import trust_summary

    try:  # read the lessons as the portal does, without starting it: no secret key needed
        lessons = load_lessons(Path(_settings()["CURRICULUM_DIR"]), whole_scheme=False)
    except ContentErrors as errors:
        _fail(errors)
    with _read_only_session() as db:
        schools = trust_summary(db, lessons)
    click.echo(f"{'school':40} {'pupils':>7} {'taught':>7} {'secure':>7}")
    for school in schools:
        share = school.share
        click.echo(
            f"{school.name[:40]:40} {school.pupils:>7} "
            f"{_percent(share.percent_taught):>7} {_percent(share.percent_secure):>7}"
        )


def _percent(value: int | None) -> str:
    return "-" if value is None else f"{value}%"


@coverage.command("rebuild")
def coverage_rebuild() -> None:
    """Work out every pupil's level on every outcome again from the stored lessons and
    answers: run it after changing which outcomes a lesson teaches or asks about."""
    from sqlalchemy import select

    from portal.models import School
    from portal.services.coverage import refresh_school
    from portal.web.runtime import runtime

    with portal_session() as (app, db):
        for school_id in db.scalars(select(School.id)).all():
            refresh_school(db, runtime(app).curriculum, school_id)
        db.commit()
    click.echo("OK: coverage worked out again for every school.")


@main.command()
@click.option("--dry-run", is_flag=True, help="List what would go, and change nothing.")
def retention(dry_run: bool) -> None:
    """Remove or anonymise personal data past its retention period (ESAFETY_RETAIN_*);
    agreement records are never changed."""
    from portal.services import retention as schedule

    try:
        with portal_session() as (app, db):
            periods = schedule.Periods.from_config(app.config)
            plan = (schedule.plan if dry_run else schedule.run)(db, periods)
            names = schedule.school_names(db, plan.school_ids())
            if not dry_run:
                db.commit()
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    _echo_retention(plan, names)
    if plan.empty:
        click.echo("Nothing is past its retention period.")
    if dry_run:
        click.echo("Dry run: nothing was changed.")
    else:
        removed, people = sum(plan.totals().values()), len(plan.people)
        click.echo(
            f"Removed {removed} rows and anonymised {people} "
            f"{'person' if people == 1 else 'people'}; the run is in the audit log."
        )


def _echo_retention(plan, names) -> None:
    periods = plan.periods
    click.echo(
        f"Kept: learning {periods.learning_days} days after a pupil leaves; names beside "
        f"agreements {periods.agreements_years} years after a person leaves; sign-ins "
        f"{periods.sign_in_days} days; sent email {periods.sent_mail_days} days; audit log "
        f"{periods.audit_years} years."
    )
    for school_id in plan.school_ids():
        click.echo(names.get(school_id, f"school {school_id}"))
        for table, count in plan.rows_of(school_id).items():
            click.echo(f"  {table:20} {count:>7}")
        for person in plan.people:
            if person.school_id == school_id:
                click.echo(
                    f"  anonymise {person.kind} {person.id}: {person.name} "
                    f"(left {person.left_at:%Y-%m-%d})"
                )
        kept = plan.named_agreements.get(school_id)
        if kept:
            click.echo(
                f"  {kept} agreement records by or about people past every period are kept "
                "unchanged, with the name typed when agreeing or a remark"
            )


@main.command("send-mail")
@click.option("--watch", is_flag=True, help="Keep sending every few seconds until Ctrl+C.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between runs.")
def send_mail(watch: bool, interval: float) -> None:
    """Send the emails waiting in the outbox (sign-in links, password resets)."""
    import time

    from portal.services.mail import outbox_counts
    from portal.startup import mail_sender_problem
    from portal.web.mailer import mail_sender

    with portal_session() as (app, db):
        if watch and (problem := mail_sender_problem(app.config["DATABASE_URL"])):
            raise click.ClickException(problem)
        try:
            sender = mail_sender(app)
        except (RuntimeError, ValueError) as error:
            raise click.ClickException(str(error)) from error

        def run_once(quiet: bool) -> None:
            sent = sender.deliver_once()
            counts = outbox_counts(db)
            db.rollback()  # end the read, so the next run sees the outbox anew
            if sent or not quiet:
                failing = f" ({counts.failing} after a failed try)" if counts.failing else ""
                click.echo(f"Sent {sent}. Waiting: {counts.waiting}{failing}.")

        try:
            run_once(quiet=False)
            if watch:
                click.echo(f"Checking every {interval:g} seconds. Press Ctrl+C to stop.")
                while True:
                    time.sleep(interval)
                    run_once(quiet=True)
        except KeyboardInterrupt:
            click.echo("Stopped.")


@main.command("import-roster")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--school", "slug", required=True, help="The school's short name (its slug).")
@click.option("--dry-run", is_flag=True, help="Show what would change, and change nothing.")
def import_roster(file: Path, slug: str, dry_run: bool) -> None:
    """Import pupils with their parents and carers, or staff, from an MIS export (CSV)."""
    from sqlalchemy import select

    from portal.models import School
    from portal.services.roster import apply_import, plan_import, read_roster

    with portal_session() as (_app, db):
        school = db.scalar(select(School).where(School.slug == slug))
        if school is None:
            raise click.ClickException(f'There is no school with the short name "{slug}".')
        roster = read_roster(file.read_bytes())
        plan = (plan_import if dry_run else apply_import)(db, school.id, roster)
        for error in plan.errors:
            click.echo(f"{file}:{error.line}: {error.reason}", err=True)
        if plan.errors:
            raise SystemExit(1)
        if roster.ignored:
            click.echo(f"Columns left out, not stored: {', '.join(roster.ignored)}")
        _echo_plan(plan)
        if not dry_run:
            db.commit()
    click.echo("Dry run: nothing was changed." if dry_run else f"Imported into {school.name}.")


def _echo_plan(plan) -> None:
    for section in plan.sections:
        counts = section.counts()
        click.echo(
            f"{section.title}: {counts['added']} new, {counts['changed']} changed, "
            f"{counts['left']} marked as left"
        )
        for label, entries in (
            ("new", section.added),
            ("changed", section.changed),
            ("left", section.left),
        ):
            for entry in entries:
                shown_as = f" ({entry.shown_as})" if entry.shown_as else ""
                details = f": {'; '.join(entry.details)}" if entry.details else ""
                click.echo(f"  {label:8} {entry.name}{shown_as}{details}")


@main.command()
@root_option
def check(root: Path) -> None:
    """Validate every policy, table, glossary entry, lesson and quiz; list each problem as
    file:line, and each lesson's reading level."""
    errors: list[ContentError] = []
    content: Content | None = None
    curriculum: Curriculum | None = None
    try:
        content = load_content(root / "policies")
    except ContentErrors as found:
        errors += found.errors
    try:
        if (root / "curriculum").is_dir():
            curriculum = load_lessons(root / "curriculum")
    except ContentErrors as found:
        errors += found.errors
    if errors:
        _fail(ContentErrors(errors))
    assert content is not None  # loaded, or its problems failed the check above
    lessons = curriculum.lessons if curriculum else ()
    for lesson in lessons:
        click.echo(
            f"  {lesson.id:40} ages {lesson.band:5} reading grade {lesson.reading_grade:4.1f}"
        )
    versions = sum(len(policy.versions) for policy in content.policies)
    click.echo(
        f"OK: {len(content.policies)} policies ({versions} versions), "
        f"{len(content.tables)} tables, {len(content.glossary)} glossary terms, "
        f"{len(lessons)} lessons, {len(curriculum.outcomes) if curriculum else 0} outcomes."
    )


@main.command()
@root_option
def publish(root: Path) -> None:
    """Record the hash of each newly published version, so its text can never change."""
    folder = root / "policies"
    try:
        content = load_content(folder, check_record=False)
    except ContentErrors as errors:
        _fail(errors)
    record_path = folder / "published.yml"
    problems = Problems(root)
    record = load_record(record_path, problems)
    check_unchanged(list(content.policies), record, record_path, problems)
    if problems.errors:
        _fail(ContentErrors(problems.errors))
    new = unrecorded(list(content.policies), record)
    if not new:
        click.echo("Nothing new to publish.")
        return
    record_published(record_path, record, new)
    for version in new:
        click.echo(f"Published {version.policy} {version.version}  sha256:{version.content_hash}")


@main.command()
@root_option
@click.option(
    "--site-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the site (default: site/ in the project).",
)
def build(root: Path, site_dir: Path | None) -> None:
    """Build the policy site, failing on any content error or warning."""
    _build_site(root, site_dir or root / "site")
    click.echo(f"Built the site in {site_dir or root / 'site'}")


@main.command()
@root_option
@click.option("--port", default=8000, show_default=True, help="Port to serve on.")
def demo(root: Path, port: int) -> None:
    """Build the site, set up the demo school and serve site and portal on this computer."""
    from werkzeug.serving import run_simple

    from portal.migrate import upgrade
    from portal.services.demo import reset_demo_school
    from portal.services.mail import FileTransport
    from portal.services.mail_sender import start_mail_thread
    from portal.web.mailer import mail_sender
    from portal.web.redact import redacted_request_handler
    from portal.web.runtime import runtime
    from portal.wsgi import PORTAL_PREFIX, combine

    base = f"http://127.0.0.1:{port}"
    site_dir = root / "site"
    _build_site(root, site_dir, portal_url=base + PORTAL_PREFIX)
    with portal_session(
        DEMO=True,
        PUBLIC_URL=base + PORTAL_PREFIX,
        SITE_URL=base + "/",
        POLICIES_DIR=str(root / "policies"),
    ) as (app, db):
        app.config["SMTP_URL"] = f"file://{Path(app.instance_path) / 'mail'}"
        upgrade(app.config["DATABASE_URL"])
        runtime(app).catalogue.record_now()
        with app.app_context():
            sign_ins = reset_demo_school(db, runtime(app).curriculum)
            db.commit()
    _print_demo(base, app, sign_ins)
    # Writes each queued email to the mail folder within seconds, and says where.
    start_mail_thread(mail_sender(app, FileTransport(mail_folder(app), announce=announce_email)))
    run_simple(
        "127.0.0.1",
        port,
        combine(site_dir, app),
        threaded=True,
        request_handler=redacted_request_handler(),
    )


def mail_folder(app) -> Path:
    return Path(app.config["SMTP_URL"].removeprefix("file://"))


def announce_email(path: Path) -> None:
    """The demo's emails hold its sign-in links: say where each new one is."""
    click.echo(f"New email (the newest; its link is inside): {path}")


def _print_demo(base: str, app, sign_ins) -> None:
    from portal.services.demo import TOTP_SECRETS

    lines = [
        "",
        f"Policy site:  {base}/",
        f"Portal:       {base}/portal/",
        f"Emails:       written as .eml files to {mail_folder(app)}; the newest sorts last, "
        "and each new one's file is shown here",
        "",
        "Demo sign-ins",
    ]
    for role, email, password in sign_ins.staff:
        extra = (
            (
                f"  (two-factor key {TOTP_SECRETS[role]}; `esafety demo-code {email}` shows the "
                "current code)"
            )
            if role in TOTP_SECRETS
            else ""
        )
        lines.append(f"  {role:9} {email} / {password}{extra}")
    for name, username, password in sign_ins.pupils:
        lines.append(f"  pupil     {name}: {username} / {password}")
    for name, how in sign_ins.parents:
        lines.append(f"  parent    {name}: {how}")
    lines += ["", "Press Ctrl+C to stop."]
    click.echo("\n".join(lines))


@main.command()
@root_option
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
@click.option("--workers", default=2, show_default=True, help="Server processes (gunicorn).")
def serve(root: Path, bind: str, workers: int) -> None:
    """Serve the built site and the portal for real use (gunicorn where installed)."""
    import os
    import shutil
    import sys

    site_dir = (root / "site").resolve()
    if not site_dir.is_dir():
        raise click.ClickException("Build the site first: esafety build")
    os.environ["ESAFETY_SITE_DIR"] = str(site_dir)
    # The portal shows and records the same policies the site was built from.
    os.environ.setdefault("ESAFETY_POLICIES_DIR", str((root / "policies").resolve()))
    # Fail now, with its message, if a setting is wrong or the workers would share an
    # SQLite database through a library that can corrupt it.
    with portal_session(SERVER_WORKERS=workers):
        pass
    # gunicorn beside this Python first: a service started by its full path has no venv on PATH.
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which(
        "gunicorn"
    )
    if gunicorn:
        arguments = [gunicorn, "--workers", str(workers), "--bind", bind, "portal.wsgi:create()"]
        os.execv(gunicorn, arguments)  # noqa: S606 - gunicorn takes over this process
    from werkzeug.serving import run_simple

    from portal.web.redact import redacted_request_handler
    from portal.wsgi import create

    host, port = bind.rsplit(":", 1)
    run_simple(host, int(port), create(), threaded=True, request_handler=redacted_request_handler())


@main.command("demo-code")
@click.argument("email")
def demo_code(email: str) -> None:
    """Show the current two-factor code of a demo account (demo school only)."""
    import pyotp

    from portal.services.demo import STAFF, TOTP_SECRETS

    role = next((role for _, address, role in STAFF if address == email), None)
    if role not in TOTP_SECRETS:
        raise click.ClickException(f"{email} is not a demo account with two-factor sign-in")
    click.echo(pyotp.TOTP(TOTP_SECRETS[role]).now())


def _build_site(root: Path, site_dir: Path, portal_url: str | None = None) -> None:
    from portal.site.build import SiteBuildError, build_site

    try:
        build_site(root, site_dir, portal_url)
    except SiteBuildError as error:
        raise click.ClickException(str(error)) from error


def _fail(errors: ContentErrors) -> NoReturn:
    for error in errors.errors:
        click.echo(str(error), err=True)
    raise SystemExit(1)
