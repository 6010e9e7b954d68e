"""`make audit` fails on a known vulnerability and on any package it could not check; it passes
only when every installed package was checked and none is vulnerable."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from tests.conftest import PROJECT

FAKE_PIP_AUDIT = f"""#!{sys.executable}
import json, os, sys
if os.environ["FAKE_REPORT"] != "crash":
    output = sys.argv[sys.argv.index("--output") + 1]
    with open(output, "w") as file:
        file.write(os.environ["FAKE_REPORT"])
    sys.exit(int(os.environ["FAKE_EXIT"]))
print("requests.exceptions.ConnectionError: Max retries exceeded", file=sys.stderr)
sys.exit(1)
"""
CLEAN = {"name": "flask", "version": "3.1.3", "vulns": []}
OWN = {"name": "esafety", "skip_reason": "distribution marked as editable"}


@pytest.fixture
def audit(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("ci_audit", PROJECT / ".ci" / "audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fake = tmp_path / "pip-audit"
    fake.write_text(FAKE_PIP_AUDIT)
    fake.chmod(0o755)
    monkeypatch.setattr(module, "PIP_AUDIT", fake)

    def run(dependencies: list[dict] | None, exit_code: int = 0) -> int:
        report = "crash" if dependencies is None else json.dumps({"dependencies": dependencies})
        monkeypatch.setenv("FAKE_REPORT", report)
        monkeypatch.setenv("FAKE_EXIT", str(exit_code))
        return module.main()

    return run


def test_passes_when_every_package_was_checked_and_none_is_vulnerable(audit, capsys):
    assert audit([CLEAN, OWN]) == 0
    assert "no known vulnerabilities in 1 installed packages" in capsys.readouterr().out


def test_fails_on_a_known_vulnerability_naming_the_fix(audit, capsys):
    vulnerable = {
        "name": "werkzeug",
        "version": "3.0.0",
        "vulns": [{"id": "GHSA-xxxx", "fix_versions": ["3.0.6"], "aliases": []}],
    }
    assert audit([CLEAN, vulnerable], exit_code=1) == 1
    error = capsys.readouterr().err
    assert "make audit FAILED: 1 installed packages have known vulnerabilities:" in error
    assert "werkzeug 3.0.0: GHSA-xxxx (fixed in 3.0.6)" in error
    assert "Raise each one's lower bound in pyproject.toml" in error


def test_fails_loudly_when_a_package_could_not_be_checked(audit, capsys):
    skipped = {"name": "alembic", "skip_reason": "Dependency not found on PyPI"}
    assert audit([CLEAN, skipped, OWN]) == 1
    error = capsys.readouterr().err
    assert "did not answer for 1 of 2 installed packages, so they were not checked" in error
    assert "alembic: Dependency not found on PyPI" in error


def test_fails_loudly_when_pypi_cannot_be_reached(audit, capsys):
    assert audit(None) == 1
    error = capsys.readouterr().err
    assert "PyPI's vulnerability service could not be reached, so no package was checked" in error
    assert "ConnectionError: Max retries exceeded" in error
