"""The committed record of published versions: what people signed must never change."""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import Problems
from .policies import Policy, PolicyVersion, version_key
from .yamlfiles import load_yaml_file

RECORD_HEADER = """\
# Published policy versions and the SHA-256 of their text as people read it;
# "minor" after a hash marks a minor amendment, whose earlier agreements still count.
# Written by `esafety publish`; never edit a line by hand. The site build and
# `esafety check` fail if a version listed here changes or disappears.
"""
MINOR_MARK = " minor"


def load_record(path: Path, problems: Problems) -> dict[str, dict[str, str]]:
    if not path.is_file():
        return {}
    data = load_yaml_file(path, problems) or {}
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        problems.add(path, 1, "published.yml must list policies, each with 'version: hash' lines")
        return {}
    return {slug: {str(v): str(h) for v, h in versions.items()} for slug, versions in data.items()}


def check_unchanged(
    policies: list[Policy],
    record: dict[str, dict[str, str]],
    record_path: Path,
    problems: Problems,
) -> None:
    """Report any recorded version whose text changed, went back to draft or vanished."""
    by_slug = {policy.slug: policy for policy in policies}
    for slug, versions in record.items():
        policy = by_slug.get(slug)
        for version_id, recorded_hash in versions.items():
            version = policy.version(version_id) if policy else None
            if (
                version is None
                and policy is None
                and (record_path.parent / slug / f"{version_id}.md").is_file()
            ):
                continue  # the policy failed to load; its own errors are already listed
            if version is None:
                problems.add(
                    record_path,
                    None,
                    f"{slug} {version_id} was published but its file is gone; "
                    f"restore policies/{slug}/{version_id}.md",
                )
            elif not version.is_published:
                problems.add(
                    version.path,
                    1,
                    "this version was published and cannot go back to draft; "
                    "set status: published again",
                )
            elif version.content_hash != recorded_hash.removesuffix(MINOR_MARK):
                problems.add(
                    version.path,
                    1,
                    "this published version's text has changed since it was published "
                    f"(recorded {recorded_hash[:12]}, now {version.content_hash[:12]}). "
                    "People have signed it, so it cannot change: undo the edit and "
                    "publish a new version instead",
                )
            elif version.is_minor != recorded_hash.endswith(MINOR_MARK):
                problems.add(version.path, version.minor_line or 1, _minor_changed(version))


def _minor_changed(version: PolicyVersion) -> str:
    """Whether earlier agreements still count was settled when the version was published."""
    if version.is_minor:
        return (
            "this version was published as a new version that everyone agrees to again, so "
            "it cannot become a minor amendment now: remove the 'minor' line"
        )
    return (
        "this version was published as a minor amendment, so agreements to the version before "
        "it count for it; that cannot change now: put its 'minor' line back"
    )


def unrecorded(policies: list[Policy], record: dict[str, dict[str, str]]) -> list[PolicyVersion]:
    """Versions marked published that `esafety publish` has not recorded yet."""
    return [
        version
        for policy in policies
        for version in policy.published
        if version.version not in record.get(policy.slug, {})
    ]


def check_published(
    policies: list[Policy],
    record: dict[str, dict[str, str]],
    record_path: Path,
    problems: Problems,
) -> None:
    """Fail on any published text that changed, vanished, or was published without a record."""
    check_unchanged(policies, record, record_path, problems)
    for version in unrecorded(policies, record):
        problems.add(
            version.path,
            1,
            "this version is marked published but is not in policies/published.yml: "
            "run `esafety publish` to record it",
        )


def record_published(
    record_path: Path, record: dict[str, dict[str, str]], versions: list[PolicyVersion]
) -> None:
    """Add newly published versions to the record; existing lines are never rewritten."""
    merged = {slug: dict(hashes) for slug, hashes in record.items()}
    for version in versions:
        merged.setdefault(version.policy, {})[version.version] = version.content_hash + (
            MINOR_MARK if version.is_minor else ""
        )
    ordered = {
        slug: {v: merged[slug][v] for v in sorted(merged[slug], key=version_key)}
        for slug in sorted(merged)
    }
    record_path.write_text(
        RECORD_HEADER + yaml.safe_dump(ordered, sort_keys=False, default_flow_style=False),
        encoding="utf-8",
    )
