"""The documentation covers every command, setting and content field that exists."""

import re

import pytest

from portal.cli import main
from portal.content.policies import ACCEPTED_BY, POLICY_FIELDS, RENEW, VERSION_FIELDS
from portal.content.tables import TABLE_KINDS
from portal.settings import SETTINGS, TABLE_END, TABLE_START, settings_table
from portal.site.headers import NGINX_FILE, OTHER_HEADERS
from portal.site.plugin import EsafetyConfig


@pytest.fixture(scope="module")
def readme(project):
    return (project / "README.md").read_text()


@pytest.fixture(scope="module")
def authors_guide(project):
    return (project / "policies" / "README.md").read_text()


def test_readme_gives_the_two_commands_first(readme):
    first_block = re.search(r"```sh\n(.*?)```", readme, re.DOTALL).group(1)
    assert first_block.startswith("make demo")
    assert "\nmake test" in first_block


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_cli_command_is_documented(readme, command):
    assert re.search(rf"`esafety {command}[ `]", readme)


@pytest.mark.parametrize("option", [name for name, _ in EsafetyConfig._schema])
def test_every_plugin_setting_is_documented(readme, option):
    assert f"| `{option}` |" in readme


@pytest.mark.parametrize("field", POLICY_FIELDS + VERSION_FIELDS)
def test_every_content_field_is_documented(authors_guide, field):
    assert re.search(rf"^{field}:", authors_guide, re.MULTILINE)


def test_the_minor_amendment_limit_in_the_school_profile_is_documented(authors_guide):
    assert re.search(r"^  minor_amendment_limit: \d+%$", authors_guide, re.MULTILINE)
    assert "## Minor amendments" in authors_guide


@pytest.mark.parametrize("value", [*ACCEPTED_BY, *RENEW])
def test_every_acceptance_value_is_documented(authors_guide, value):
    assert f"`{value}`" in authors_guide


@pytest.mark.parametrize("kind", sorted(TABLE_KINDS))
def test_every_table_kind_and_its_fields_are_documented(authors_guide, kind):
    row = next(line for line in authors_guide.splitlines() if line.startswith(f"| `{kind}` |"))
    for field in TABLE_KINDS[kind].fields:
        assert f"`{field.name}`" in row


@pytest.mark.parametrize("setting", [setting.env for setting in SETTINGS])
def test_every_portal_setting_is_documented(readme, setting):
    assert f"| `{setting}` |" in readme


@pytest.fixture(scope="module")
def admin_guide(project):
    return (project / "docs" / "administrators.md").read_text()


def test_the_administrators_guide_has_the_settings_table_made_from_settings_py(admin_guide):
    start = admin_guide.index(TABLE_START) + len(TABLE_START)
    table = admin_guide[start : admin_guide.index(TABLE_END)]
    assert table.strip() == settings_table().strip(), (
        "The settings table in docs/administrators.md is out of date: run "
        "`.venv/bin/python -m portal.settings --write docs/administrators.md`"
    )


@pytest.mark.parametrize("setting", [setting.env for setting in SETTINGS])
def test_every_portal_setting_is_in_the_administrators_guide(admin_guide, setting):
    assert f"| `{setting}` |" in admin_guide


def test_the_guides_nginx_snippet_includes_the_headers_the_build_writes(admin_guide):
    assert f"include /srv/esafety/site/{NGINX_FILE};" in admin_guide


@pytest.mark.parametrize("header", sorted(OTHER_HEADERS))
def test_the_guide_explains_each_header_the_site_sends(admin_guide, header):
    assert f"| `{header}` | `{OTHER_HEADERS[header]}` |" in admin_guide


def test_every_command_the_administrators_guide_names_exists(admin_guide):
    named = re.findall(r"(?:`|bin/)esafety ([a-z-]+)(?: ([a-z-]+))?", admin_guide)
    assert len(named) > 10
    for command, word in named:
        assert command in main.commands, f"esafety {command}"
        group = main.commands[command]
        if hasattr(group, "commands"):
            assert word in group.commands, f"esafety {command} {word}"


def test_the_administrators_guide_is_on_the_site(project):
    assert "- For administrators: administrators.md" in (project / "mkdocs.yml").read_text()
