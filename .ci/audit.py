"""`make audit`: pip-audit over the installed environment, failing loudly on any known
vulnerability, and on any package it could not check.

pip-audit asks PyPI, for each installed release, which known vulnerabilities affect it. A
package it could not look up is only "skipped", and pip-audit still says "No known
vulnerabilities found" and exits 0. Here a package that was not checked fails the audit: a
check that did not happen must never look like a pass. The project itself, installed in
editable mode, is not on PyPI and is left out.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


def main() -> int:
    own_name = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]["name"]
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "pip-audit.json"
        run = subprocess.run(  # noqa: S603 - our own pip-audit, fixed arguments
            [
                str(PIP_AUDIT),
                "--skip-editable",
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--output",
                str(output),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            report = json.loads(output.read_text())
        except (OSError, ValueError):
            report = None
    if run.returncode not in (0, 1) or report is None:
        last = (run.stderr.strip().splitlines() or ["(pip-audit printed nothing)"])[-1]
        return fail(
            "PyPI's vulnerability service could not be reached, so no package was checked.",
            [last],
            "Check that this machine can reach https://pypi.org/, then run make audit again.",
        )

    checked, unchecked, vulnerable = [], [], []
    for package in report["dependencies"]:
        if "skip_reason" in package:
            if package["name"] != own_name:
                unchecked.append(f"{package['name']}: {package['skip_reason']}")
        elif package["vulns"]:
            vulnerable.append(package)
        else:
            checked.append(package)

    problems = 0
    if vulnerable:
        problems += fail(
            f"{len(vulnerable)} installed packages have known vulnerabilities:",
            [describe(package) for package in vulnerable],
            "Raise each one's lower bound in pyproject.toml to a fixed version, reinstall "
            "(make install), and run make audit again.",
        )
    if unchecked:
        total = len(unchecked) + len(checked) + len(vulnerable)
        problems += fail(
            f"PyPI's vulnerability service did not answer for {len(unchecked)} of {total} "
            "installed packages, so they were not checked:",
            unchecked,
            "A proxy or mirror that serves PyPI's package index but not its per-release data "
            "(https://pypi.org/pypi/NAME/VERSION/json) causes this. Run make audit where PyPI "
            "itself can be reached.",
        )
    if problems:
        return 1
    print(f"make audit: no known vulnerabilities in {len(checked)} installed packages.")
    return 0


def describe(package: dict) -> str:
    found = "; ".join(
        f"{vuln['id']}"
        + (f" (fixed in {', '.join(vuln['fix_versions'])})" if vuln["fix_versions"] else "")
        for vuln in package["vulns"]
    )
    return f"{package['name']} {package['version']}: {found}"


def fail(headline: str, lines: list[str], advice: str, shown: int = 12) -> int:
    print(f"make audit FAILED: {headline}", file=sys.stderr)
    for line in lines[:shown]:
        print(f"  {line}", file=sys.stderr)
    if len(lines) > shown:
        print(f"  ... and {len(lines) - shown} more", file=sys.stderr)
    print(advice, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
