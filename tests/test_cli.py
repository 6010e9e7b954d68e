import datetime as dt
import re

import click
from click.testing import CliRunner

from portal.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args])


def test_check_passes_on_the_demo_school(project):
    result = run("check", "--root", project)
    assert result.exit_code == 0, result.output
    assert "OK: 7 policies (15 versions), 8 tables, 57 glossary terms" in result.output
    assert "112 lessons" in result.output  # a full scheme: 8 strands x 14 year groups
    assert "ey-si-bunny-ears" in result.output  # each lesson's reading grade is reported


def test_check_only_reads_so_needs_no_secret_key(project, monkeypatch):
    for name in ("SECRET_KEY", "DEMO", "DATABASE_URL"):
        monkeypatch.delenv(f"ESAFETY_{name}", raising=False)
    result = run("check", "--root", project)
    assert result.exit_code == 0, result.output
    assert "SECRET_KEY" not in result.output


def test_check_lists_every_problem_and_exits_non_zero(tree):
    tree.policy()
    tree.version(body="## Rules\n\n{{ nope }}\n", status="final")
    result = run("check", "--root", tree.root)
    assert result.exit_code == 1
    assert "policies/rules/2025.09.md:3: status must be draft or published" in result.output
    assert "policies/rules/2025.09.md:12: unknown placeholder {{ nope }}" in result.output


def test_check_and_the_site_build_refuse_a_minor_amendment_that_rewrites_the_rules(tree):
    tree.policy()
    tree.version(body="## Rules\n\nBe kind online.\n")
    tree.version(
        "2026.01",
        body="## Rules\n\nSay what you like online.\n",
        minor="Corrected a spelling",
        effective_from=dt.date(2026, 1, 5),
    )
    tree.mkdocs_yml()
    for command in ("check", "build"):
        result = run(command, "--root", tree.root)
        assert result.exit_code == 1
        assert "policies/rules/2026.01.md:9: this minor amendment changes 4 words" in result.output
    assert not (tree.root / "site").exists()


def test_publish_records_new_versions_once(tree):
    tree.policy()
    version = tree.version()
    first = run("publish", "--root", tree.root)
    assert first.exit_code == 0
    assert "Published rules 2025.09" in first.output
    assert run("check", "--root", tree.root).exit_code == 0
    again = run("publish", "--root", tree.root)
    assert again.output == "Nothing new to publish.\n"
    assert version.read_text()  # the version file itself is never touched


def test_publish_refuses_to_re_record_a_changed_version(tree):
    tree.policy()
    path = tree.version()
    run("publish", "--root", tree.root)
    record = (tree.policies / "published.yml").read_text()
    path.write_text(path.read_text().replace("Be kind", "Be nice"))
    result = run("publish", "--root", tree.root)
    assert result.exit_code == 1
    assert "publish a new version instead" in result.output
    assert (tree.policies / "published.yml").read_text() == record


def test_build_writes_the_site_and_reports_content_errors(tree):
    tree.policy()
    tree.version()
    tree.mkdocs_yml()
    failed = run("build", "--root", tree.root)
    assert failed.exit_code == 1
    assert "run `esafety publish` to record it" in failed.output
    run("publish", "--root", tree.root)
    built = run("build", "--root", tree.root)
    assert built.exit_code == 0, built.output
    assert (tree.root / "site" / "policies" / "rules" / "2025.09" / "index.html").is_file()


def built_sign_link(tree) -> str:
    page = (tree.root / "site" / "policies" / "rules" / "index.html").read_text()
    return re.search(r'href="([^"]+)"[^>]*>Read and sign online', page).group(1)


def test_the_demo_builds_the_site_for_the_port_it_serves_on(tree, monkeypatch):
    tree.policy()
    tree.version()
    tree.publish()
    tree.mkdocs_yml()

    def stop(**settings):  # the site is built by now; the portal is another test's
        raise click.ClickException("stopped after the build")

    monkeypatch.setattr("portal.cli.portal_session", stop)
    result = run("demo", "--root", tree.root, "--port", 8123)
    assert "stopped after the build" in result.output
    assert built_sign_link(tree) == "http://127.0.0.1:8123/portal/sign/rules/"


def test_the_site_points_at_the_portal_address_in_the_settings(tree, monkeypatch):
    tree.policy()
    tree.version()
    tree.publish()
    tree.mkdocs_yml()
    monkeypatch.setenv("ESAFETY_PUBLIC_URL", "https://portal.oakfield.example.org/portal/")
    assert run("build", "--root", tree.root).exit_code == 0
    assert built_sign_link(tree) == "https://portal.oakfield.example.org/portal/sign/rules/"
