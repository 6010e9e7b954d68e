"""Policies and their versions, loaded from `policies/<policy>/`."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .calendar import in_force_on
from .diff import words_changed
from .errors import Problems
from .hashing import content_hash, normalise_text
from .languages import check_language
from .profile import SchoolProfile
from .yamlfiles import LineDict, load_yaml_file, split_front_matter


class AcceptedBy(StrEnum):
    """Who a policy is accepted by: the values its `accepted_by` may list."""

    PUPILS_4_7 = "pupils-4-7-via-parent"
    PUPILS_7_11 = "pupils-7-11-with-parent"
    PUPILS_11_PLUS = "pupils-11-plus"
    PARENTS = "parents"
    STAFF = "staff"
    VISITORS = "visitors"
    GOVERNORS = "governors"


# How each is named on the policy's page ("Who must accept it")...
ACCEPTED_BY = {
    AcceptedBy.PUPILS_4_7: "Pupils aged 4 to 7, through a parent or carer",
    AcceptedBy.PUPILS_7_11: "Pupils aged 7 to 11, countersigned by a parent or carer",
    AcceptedBy.PUPILS_11_PLUS: "Pupils aged 11 and over",
    AcceptedBy.PARENTS: "Parents and carers",
    AcceptedBy.STAFF: "Staff",
    AcceptedBy.VISITORS: "Visitors and volunteers",
    AcceptedBy.GOVERNORS: "Governors",
}
# ...and in the portal, after an agreement's title, where the 7-to-11 agreement is the pupil's
# own signature with a parent's or carer's beside it.
AUDIENCE_LABELS = {
    AcceptedBy.PUPILS_4_7: "pupils aged 4 to 7, through a parent or carer",
    AcceptedBy.PUPILS_7_11: "pupils aged 7 to 11, with a parent or carer",
    AcceptedBy.PUPILS_11_PLUS: "pupils aged 11 and over",
    AcceptedBy.PARENTS: "parents and carers",
    AcceptedBy.STAFF: "staff",
    AcceptedBy.VISITORS: "visitors and volunteers",
    AcceptedBy.GOVERNORS: "governors",
}
RENEW = {"new-version": "each new version", "school-year": "each school year"}
STATUSES = ("draft", "published")
POLICY_FIELDS = ("title", "summary", "audience", "order", "accepted_by", "renew")
VERSION_FIELDS = (
    "version",
    "status",
    "approved_by",
    "approved_on",
    "effective_from",
    "review_by",
    "changes",
)
# Optional: a minor amendment says why; a version in another language than the school's (a
# translation) says which.
OPTIONAL_VERSION_FIELDS = ("minor", "language")
VERSION_ID = re.compile(r"^\d{4}\.(0[1-9]|1[0-2])(\.[1-9]\d*)?$")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
HEADING_1 = re.compile(r"^# ", re.MULTILINE)


@dataclass(frozen=True)
class PolicyVersion:
    """One version of a policy, with its text as people read it and that text's hash."""

    policy: str
    version: str
    status: str
    approved_by: str
    approved_on: dt.date
    effective_from: dt.date
    review_by: dt.date
    changes: str
    text: str
    content_hash: str
    path: Path
    language: str  # the language of `text`: the version's own, or the school's
    minor: str = ""  # why this version is a minor amendment of the one before; "" if it is not
    minor_line: int | None = None  # the line of `minor:` in the file, for errors

    @property
    def sort_key(self) -> tuple[int, ...]:
        return version_key(self.version)

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def is_minor(self) -> bool:
        return bool(self.minor)


@dataclass(frozen=True)
class Policy:
    """A policy and all its versions, oldest first."""

    slug: str
    title: str
    summary: str
    audience: str
    order: int
    accepted_by: tuple[AcceptedBy, ...]
    renew: tuple[str, ...]
    versions: tuple[PolicyVersion, ...]

    @property
    def published(self) -> tuple[PolicyVersion, ...]:
        return tuple(v for v in self.versions if v.is_published)

    def current(self, as_of: dt.date) -> PolicyVersion | None:
        """The newest published version in force on the given day."""
        in_force = [v for v in self.published if in_force_on(v.effective_from, None, as_of)]
        return in_force[-1] if in_force else None

    def upcoming(self, as_of: dt.date) -> tuple[PolicyVersion, ...]:
        """Versions still to come into force (one corrected before its first day never will)."""
        return tuple(
            v
            for v in self.published
            if v.effective_from > as_of and not self.replaced_before_start(v)
        )

    def replaced_before_start(self, version: PolicyVersion) -> bool:
        """A later version starts on or before this one's first day: it never comes into force,
        so it is not announced, though its page stays readable."""
        after = self.successor(version)
        return after is not None and after.effective_from <= version.effective_from

    def predecessor(self, version: PolicyVersion) -> PolicyVersion | None:
        earlier = [v for v in self.published if v.sort_key < version.sort_key]
        return earlier[-1] if earlier else None

    def successor(self, version: PolicyVersion) -> PolicyVersion | None:
        later = [v for v in self.published if v.sort_key > version.sort_key]
        return later[0] if later else None

    def version(self, version_id: str) -> PolicyVersion | None:
        return next((v for v in self.versions if v.version == version_id), None)

    def amended(self, version: PolicyVersion) -> tuple[PolicyVersion, ...]:
        """The earlier versions `version` amends, newest first: back through consecutive minor
        amendments to the last major version. An agreement to any of them still counts as an
        agreement to `version`, because nothing that matters to the signer changed."""
        found: list[PolicyVersion] = []
        while version.is_minor and (earlier := self.predecessor(version)) is not None:
            found.append(earlier)
            version = earlier
        return tuple(found)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def load_policies(folder: Path, profile: SchoolProfile, problems: Problems) -> list[Policy]:
    """Every policy folder under `folder` (one holding policy.yml), ordered for the index."""
    policies = []
    for meta_path in sorted(folder.glob("*/policy.yml")):
        policy = _load_policy(meta_path, profile, problems)
        if policy is not None:
            policies.append(policy)
    return sorted(policies, key=lambda p: (p.order, p.title))


def _load_policy(meta_path: Path, profile: SchoolProfile, problems: Problems) -> Policy | None:
    slug = meta_path.parent.name
    if not SLUG.match(slug):
        problems.add(
            meta_path.parent, None, "policy folder names are lower case words joined by hyphens"
        )
        return None
    meta = load_yaml_file(meta_path, problems)
    if not isinstance(meta, LineDict):
        if meta is not None:
            problems.add(meta_path, 1, "policy.yml must be a set of 'field: value' lines")
        return None
    errors_before = len(problems.errors)
    _check_fields(meta, POLICY_FIELDS, meta_path, problems, "policy.yml")
    accepted_by = _choices(meta, "accepted_by", ACCEPTED_BY, meta_path, problems)
    renew = _choices(meta, "renew", RENEW, meta_path, problems)
    if "order" in meta and not isinstance(meta["order"], int):
        problems.add(meta_path, meta.line_of("order"), "'order' must be a whole number")
    paths = sorted(meta_path.parent.glob("*.md"))
    versions = [
        version for path in paths if (version := _load_version(path, profile, problems)) is not None
    ]
    if not paths:
        problems.add(meta_path, None, "this policy has no version files (such as 2025.09.md)")
    if len(problems.errors) > errors_before:
        return None
    versions.sort(key=lambda v: v.sort_key)
    _check_minor_amendments(versions, profile.minor_amendment_limit, problems)
    return Policy(
        slug=slug,
        title=str(meta["title"]),
        summary=str(meta["summary"]),
        audience=str(meta["audience"]),
        order=meta["order"],
        accepted_by=tuple(AcceptedBy(value) for value in accepted_by),
        renew=renew,
        versions=tuple(versions),
    )


def _load_version(path: Path, profile: SchoolProfile, problems: Problems) -> PolicyVersion | None:
    meta, body, body_line = split_front_matter(path, problems)
    if meta is None:
        return None
    errors_before = len(problems.errors)
    _check_fields(
        meta, VERSION_FIELDS, path, problems, "a version's front matter", OPTIONAL_VERSION_FIELDS
    )
    minor = meta.get("minor")
    if "minor" in meta and (not isinstance(minor, str) or not minor.strip()):
        problems.add(
            path,
            meta.line_of("minor"),
            "a minor amendment needs its reason, in words, such as "
            "'minor: Corrected the spelling of the head teacher's name'",
        )
    if "language" in meta:
        check_language(meta["language"], path, meta.line_of("language"), problems)
    version = meta.get("version")
    if "version" in meta and not isinstance(version, str):
        problems.add(
            path, meta.line_of("version"), f'write the version in quotes, as version: "{path.stem}"'
        )
    elif isinstance(version, str) and not VERSION_ID.match(version):
        problems.add(
            path,
            meta.line_of("version"),
            f"version '{version}' must be the year and month, such as 2025.09",
        )
    elif isinstance(version, str) and version != path.stem:
        problems.add(
            path,
            meta.line_of("version"),
            f"version '{version}' does not match the file name; "
            f"rename the file to {version}.md or correct the version",
        )
    if "status" in meta and meta["status"] not in STATUSES:
        problems.add(
            path,
            meta.line_of("status"),
            f"status must be draft or published, not '{meta['status']}'",
        )
    for field in ("approved_on", "effective_from", "review_by"):
        # A date, without a time: a datetime cannot be compared with the days policies use.
        if field in meta and (
            not isinstance(meta[field], dt.date) or isinstance(meta[field], dt.datetime)
        ):
            problems.add(path, meta.line_of(field), f"'{field}' must be a date as YYYY-MM-DD")
    for match in HEADING_1.finditer(body):
        problems.add(
            path,
            body_line + body.count("\n", 0, match.start()),
            "the page title comes from policy.yml: start headings at '##'",
        )
    text = normalise_text(profile.fill(body, path, body_line, problems))
    if len(problems.errors) > errors_before:
        return None
    if meta["review_by"] <= meta["effective_from"]:
        problems.add(
            path, meta.line_of("review_by"), "'review_by' must come after 'effective_from'"
        )
        return None
    return PolicyVersion(
        policy=path.parent.name,
        version=str(version),
        status=meta["status"],
        approved_by=str(meta["approved_by"]),
        approved_on=meta["approved_on"],
        effective_from=meta["effective_from"],
        review_by=meta["review_by"],
        changes=str(meta["changes"]).strip(),
        text=text,
        content_hash=content_hash(text),
        path=path,
        language=str(meta.get("language") or profile.language),
        minor=" ".join(minor.split()) if isinstance(minor, str) else "",
        minor_line=meta.line_of("minor") if "minor" in meta else None,
    )


def _check_minor_amendments(
    versions: list[PolicyVersion], limit: float, problems: Problems
) -> None:
    """A minor amendment must amend an earlier published version, and change no more of its
    words than the school allows: people's agreements to that version carry over, so a larger
    change must be agreed to again."""
    for version in versions:
        if not version.is_minor:
            continue
        earlier = [v for v in versions if v.is_published and v.sort_key < version.sort_key]
        if not earlier:
            problems.add(
                version.path,
                version.minor_line,
                f"version {version.version} is marked minor, but there is no earlier published "
                "version for it to amend: a policy's first version is never a minor amendment. "
                "Remove the 'minor' line",
            )
            continue
        amended = earlier[-1]
        changed, total = words_changed(amended.text, version.text)
        if changed > limit * total:
            problems.add(
                version.path,
                version.minor_line,
                f"this minor amendment changes {changed} words, "
                f"{percent(changed / max(total, 1))} of the {total} words of version "
                f"{amended.version}: more than the school's limit of {percent(limit)} "
                "(minor_amendment_limit in policies/school.yml). A change this large is a new "
                "version that people agree to again: remove the 'minor' line",
            )


def percent(share: float) -> str:
    """0.05 as "5%", 0.125 as "12.5%"."""
    return f"{100 * share:.1f}".removesuffix(".0") + "%"


def _check_fields(
    meta: LineDict,
    fields: tuple[str, ...],
    path: Path,
    problems: Problems,
    what: str,
    optional: tuple[str, ...] = (),
) -> None:
    for field in fields:
        if field in optional:
            continue
        if field not in meta or meta[field] in (None, ""):
            problems.add(path, meta.line or 1, f"{what} is missing '{field}'")
    for field in meta:
        if field not in fields + optional:
            problems.add(
                path,
                meta.line_of(field),
                f"unknown field '{field}' in {what}; expected {', '.join(fields + optional)}",
            )


def _choices(
    meta: LineDict, field: str, allowed: Collection[str], path: Path, problems: Problems
) -> tuple[str, ...]:
    values = meta.get(field) or []
    if not isinstance(values, list):
        problems.add(path, meta.line_of(field), f"'{field}' must be a list")
        return ()
    for value in values:
        if not isinstance(value, str) or value not in allowed:
            problems.add(
                path,
                meta.line_of(field),
                f"'{value}' is not a value of '{field}'; use one of {', '.join(allowed)}",
            )
    return tuple(values)
