"""The `esafety` command: check and publish content, build the site, run the demo."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path

import click

from portal.content import ContentErrors, load_content
from portal.content.errors import Problems
from portal.content.published import check_unchanged, load_record, record_published, unrecorded

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


@main.command()
@root_option
def check(root: Path) -> None:
    """Validate every policy, table and glossary entry; list each problem as file:line."""
    try:
        content = load_content(root / "policies")
    except ContentErrors as errors:
        _fail(errors)
    versions = sum(len(policy.versions) for policy in content.policies)
    click.echo(
        f"OK: {len(content.policies)} policies ({versions} versions), "
        f"{len(content.tables)} tables, {len(content.glossary)} glossary terms."
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
    """Build the site from the demo school's policies and serve it on this computer."""
    site_dir = root / "site"
    _build_site(root, site_dir)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    click.echo(f"\nPolicy site:  http://127.0.0.1:{port}/\nPress Ctrl+C to stop.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.server_close()


def _build_site(root: Path, site_dir: Path) -> None:
    from portal.site.build import SiteBuildError, build_site

    try:
        build_site(root, site_dir)
    except SiteBuildError as error:
        raise click.ClickException(str(error)) from error


def _fail(errors: ContentErrors) -> None:
    for error in errors.errors:
        click.echo(str(error), err=True)
    raise SystemExit(1)
