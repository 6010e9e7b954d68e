"""The Markdown of every generated site page, built from loaded content.

Links between generated pages are written from the site root (`/policies/x/index.md`); the site
resolves them per page (MkDocs `absolute_links: relative_to_docs`), so they stay right at any depth.

No page depends on the day it was built. Anything that says which version is in force (the
"current" version, a version's status, "not yet in force", the sign link, an overdue review) is
written once for each period, with the dates it is true between as `data-shown-from` and
`data-shown-until` (the until day excluded). `docs/javascripts/in-force.js` shows, in the reader's
browser, only what is true on the reader's day in England; the build day only chooses what a
browser without scripts shows. The rule is the portal's: the newest published version whose
`effective_from` has come.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape

from .calendar import day_after, day_before, format_day, in_force_on
from .diff import readable_diff
from .loader import Content
from .policies import ACCEPTED_BY, RENEW, Policy, PolicyVersion
from .tables import DataTable

# Each version's page and each list of changes repeat a policy's words: the site's search finds
# them on the policy's own page, and the search index every visitor downloads is half the size.
NOT_SEARCHED = "---\nsearch:\n  exclude: true\n---\n\n"


def site_pages(content: Content, as_of: dt.date, portal_url: str = "") -> dict[str, str]:
    """Map each generated page's path (as in docs/) to its Markdown."""
    pages = {"policies/index.md": policies_index(content, as_of)}
    for policy in content.policies:
        base = f"policies/{policy.slug}"
        pages[f"{base}/index.md"] = current_page(policy, as_of, portal_url)
        for version in policy.published:
            pages[f"{base}/{version.version}/index.md"] = NOT_SEARCHED + version_page(
                policy, version, as_of, portal_url
            )
            if policy.predecessor(version):
                pages[f"{base}/{version.version}/changes/index.md"] = NOT_SEARCHED + changes_page(
                    policy, version
                )
    pages["tables/index.md"] = tables_index(content)
    for table in content.tables:
        pages[f"tables/{table.name}/index.md"] = table_page(table)
    pages["glossary/index.md"] = glossary_page(content)
    return pages


def section_children(content: Content) -> dict[str, list[str]]:
    """For each generated section index, the pages to list under it in the site's navigation."""
    return {
        "policies/index.md": [f"policies/{policy.slug}/index.md" for policy in content.policies],
        "tables/index.md": [f"tables/{table.name}/index.md" for table in content.tables],
    }


def in_force_until(policy: Policy, version: PolicyVersion) -> dt.date | None:
    """The day the next published version takes over from `version` (None: none does yet)."""
    successor = policy.successor(version)
    return successor.effective_from if successor else None


def shown(
    inner: str,
    start: dt.date | None,
    end: dt.date | None,
    as_of: dt.date,
    tag: str = "span",
    css: str = "",
    block: bool = False,
) -> str:
    """`inner`, marked as true from `start` until (not on) `end`; hidden now if not true on as_of.

    The reader's browser shows or hides it again for the reader's own day (in-force.js).
    """
    attrs = f' class="{css}"' if css else ""
    if start is not None:
        attrs += f' data-shown-from="{start.isoformat()}"'
    if end is not None:
        attrs += f' data-shown-until="{end.isoformat()}"'
    if not in_force_on(start, end, as_of):
        attrs += " hidden"
    if block:
        return f'<{tag}{attrs} markdown="1">\n\n{inner}\n\n</{tag}>'
    return f"<{tag}{attrs}>{inner}</{tag}>"


def _per_version(
    policy: Policy, as_of: dt.date, cell: Callable[[PolicyVersion | None], str]
) -> str:
    """One cell for each period of the policy: before any version, then each version's own."""
    published = policy.published
    parts = []
    if published:
        parts.append(shown(cell(None), None, published[0].effective_from, as_of))
    for version in published:
        until = in_force_until(policy, version)
        parts.append(shown(cell(version), version.effective_from, until, as_of))
    return "".join(parts)


def who_accepts(policy: Policy) -> str:
    if not policy.accepted_by:
        return "Nobody signs it; it guides the school's work"
    groups = "; ".join(ACCEPTED_BY[key] for key in policy.accepted_by)
    renew = " and ".join(RENEW[key] for key in policy.renew)
    return f"{groups} (again {renew})" if renew else groups


def policies_index(content: Content, as_of: dt.date) -> str:
    rows = []
    for policy in content.policies:
        link = f"[{_cell(policy.title)}](/policies/{policy.slug}/index.md)"
        if not policy.published:
            rows.append(f"| {link} | None yet | draft | | {_cell(who_accepts(policy))} |")
            continue
        first = policy.published[0]

        def version_cell(version: PolicyVersion | None) -> str:
            return version.version if version else "None yet"

        def since_cell(version: PolicyVersion | None, first: PolicyVersion = first) -> str:
            if version is None:
                return f"comes into force {format_day(first.effective_from)}"
            return format_day(version.effective_from)

        def review_cell(version: PolicyVersion | None) -> str:
            if version is None:
                return ""
            overdue = shown(
                ' <strong class="overdue">Review overdue</strong>',
                day_after(version.review_by),
                None,
                as_of,
            )
            return format_day(version.review_by) + overdue

        rows.append(
            f"| {link} | {_per_version(policy, as_of, version_cell)} "
            f"| {_per_version(policy, as_of, since_cell)} "
            f"| {_per_version(policy, as_of, review_cell)} | {_cell(who_accepts(policy))} |"
        )
    return "\n".join(
        [
            "# Our policies",
            "",
            f"The policies of {content.profile.name} for keeping pupils, staff and information "
            "safe online. Each one shows the version in force today; older versions stay "
            "readable, with what changed, and a new version shows the day it comes into force.",
            "",
            "| Policy | Current version | In force since | Review by | Who must accept it |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
            "See also the [tables](/tables/index.md) behind these policies and the "
            "[glossary](/glossary/index.md) of abbreviations.",
            "",
        ]
    )


def current_page(policy: Policy, as_of: dt.date, portal_url: str) -> str:
    current = policy.current(as_of)
    lines = [f"# {policy.title}", "", policy.summary, ""]
    shown_text = current or (policy.published[0] if policy.published else None)
    later = [
        v
        for v in policy.published
        if (shown_text is None or v.sort_key > shown_text.sort_key)
        and not policy.replaced_before_start(v)
    ]
    for version in later:
        link = f"[Read version {version.version}]({_version_link(policy, version)})."
        coming = (
            f'<p class="admonition-title">Version {version.version} comes into force on '
            f"{format_day(version.effective_from)}</p>\n\n"
            + " ".join(filter(None, [amendment_note(policy, version), link]))
        )
        lines += [
            shown(
                coming, None, version.effective_from, as_of, "div", "admonition info", block=True
            ),
            "",
        ]
        if shown_text is not None:
            now_in_force = (
                f'<p class="admonition-title">Version {version.version} has been in force since '
                f"{format_day(version.effective_from)}</p>\n\nThis page still shows version "
                f"{shown_text.version}, which it replaces. {link}"
            )
            lines += [
                shown(
                    now_in_force,
                    version.effective_from,
                    None,
                    as_of,
                    "div",
                    "admonition warning",
                    block=True,
                ),
                "",
            ]
    if shown_text is None:
        lines += ["No version of this policy is in force yet.", ""]
    else:
        if current is None:
            lines += [
                shown(
                    "No version of this policy is in force yet. The text below comes into "
                    f"force on {format_day(shown_text.effective_from)}.",
                    None,
                    shown_text.effective_from,
                    as_of,
                    "p",
                ),
                "",
            ]
        lines += [
            *_facts(policy, shown_text, as_of),
            *_sign_link(policy, portal_url, shown_text, as_of),
            shown_text.text,
        ]
    return "\n".join([*lines, *_history(policy, as_of)])


def version_page(policy: Policy, version: PolicyVersion, as_of: dt.date, portal_url: str) -> str:
    successor = policy.successor(version)
    until = in_force_until(policy, version)
    lines = [f"# {policy.title}: version {version.version}", ""]
    if policy.replaced_before_start(version):
        corrected = _corrected_by(policy, version)
        note = (
            '<div class="admonition warning" markdown="1">\n\n'
            '<p class="admonition-title">This version never came into force</p>\n\n'
            f"{corrected[0].upper()}{corrected[1:]}. "
            f"[Read the current version](/policies/{policy.slug}/index.md).\n\n</div>"
        )
        lines += [note, "", *_facts(policy, version, as_of)]
        return "\n".join([*lines, version.text])
    banners = [
        (
            '<p class="admonition-title">Not yet in force</p>\n\n'
            f"This version comes into force on {format_day(version.effective_from)}.",
            None,
            version.effective_from,
            "admonition info",
        ),
        (
            '<p class="admonition-title">This is the current version</p>',
            version.effective_from,
            until,
            "admonition success",
        ),
    ]
    if successor is not None:
        banners.append(
            (
                '<p class="admonition-title">This version has been replaced</p>\n\n'
                f"Superseded by version {successor.version} on "
                f"{format_day(successor.effective_from)}. "
                f"[Read the current version](/policies/{policy.slug}/index.md).",
                successor.effective_from,
                None,
                "admonition warning",
            )
        )
    for inner, start, end, css in banners:
        lines += [shown(inner, start, end, as_of, "div", css, block=True), ""]
    lines += _facts(policy, version, as_of)
    lines += _sign_link(policy, portal_url, version, as_of)
    return "\n".join([*lines, version.text])


def amendment_note(policy: Policy, version: PolicyVersion) -> str:
    """For a minor amendment: what it amends and why, and, for a policy people sign, that their
    agreement to the version it amends still counts. Empty for any other version."""
    amended = policy.amended(version)
    if not amended:
        return ""
    note = (
        f"Version {version.version} is a minor amendment of version {amended[0].version}: "
        f"{_sentence(version.minor)}"
    )
    if policy.accepted_by:
        agreed = f"version {amended[-1].version}" + (" or later" if len(amended) > 1 else "")
        note += (
            f" If you agreed to {agreed}, your agreement still counts: you do not need to "
            "agree again."
        )
    return note


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _corrected_by(policy: Policy, version: PolicyVersion) -> str:
    successor = policy.successor(version)
    assert successor is not None
    return (
        f"version {successor.version} replaced it before its first day, and comes into force on "
        f"{format_day(successor.effective_from)} in its place"
    )


def changes_page(policy: Policy, version: PolicyVersion) -> str:
    previous = policy.predecessor(version)
    assert previous is not None
    diff = readable_diff(previous.text, version.text)
    return "\n".join(
        [
            f"# What changed in version {version.version}",
            "",
            f"{policy.title}: [version {version.version}]({_version_link(policy, version)}) "
            f"compared with [version {previous.version}]({_version_link(policy, previous)}).",
            "",
            *([f"**Amended.** {amendment_note(policy, version)}", ""] if version.is_minor else []),
            '!!! note "In short"',
            "",
            *[f"    {line}" for line in version.changes.splitlines()],
            "",
            f'**{diff.summary}.** Added words are underlined and start with "Added:"; removed '
            'words are struck through and start with "Removed:".',
            "",
            diff.html,
            "",
        ]
    )


def tables_index(content: Content) -> str:
    items = [f"- [{table.title}](/tables/{table.name}/index.md)" for table in content.tables]
    return "\n".join(
        [
            "# Tables",
            "",
            "The detail behind the policies: how information is classified, which technologies "
            "may be used, what is not allowed and what happens if rules are broken, and how the "
            "school checks its own risks.",
            "",
            *items,
            "",
        ]
    )


def table_page(table: DataTable) -> str:
    return "\n".join([f"# {table.title}", "", table.intro.strip(), "", table_html(table), ""])


def table_html(table: DataTable) -> str:
    """An accessible HTML table: caption, header scopes, first column as row headers."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in table.headers)
    body = []
    for row in table.rows:
        first, *rest = row
        cells = "".join(f"<td>{_cell_html(cell)}</td>" for cell in rest)
        body.append(f'<tr><th scope="row">{_cell_html(first)}</th>{cells}</tr>')
    return "\n".join(
        [
            f'<div class="data-table" role="region" aria-label="{escape(table.title)}" '
            'tabindex="0">',
            f'<table class="{escape(table.kind)}">',
            f"<caption>{escape(table.title)}</caption>",
            f"<thead><tr>{head}</tr></thead>",
            "<tbody>",
            *body,
            "</tbody>",
            "</table>",
            "</div>",
        ]
    )


def glossary_page(content: Content) -> str:
    rows = [
        f"| <dfn>{entry.term}</dfn> | {_cell(entry.stands_for)} | {_cell(entry.meaning)} |"
        for entry in content.glossary
    ]
    return "\n".join(
        [
            "# Glossary",
            "",
            "Abbreviations and words used in our policies. On every page, point at or tap an "
            "abbreviation to see what it stands for. The site is not built if a policy or table "
            "uses an abbreviation that is not explained here.",
            "",
            "| Term | Stands for | What it means |",
            "| --- | --- | --- |",
            *rows,
            "",
        ]
    )


def _facts(policy: Policy, version: PolicyVersion, as_of: dt.date) -> list[str]:
    overdue = shown(
        ' <strong class="overdue">Review overdue</strong>',
        day_after(version.review_by),
        in_force_until(policy, version),
        as_of,
    )
    until = in_force_until(policy, version)
    in_force = format_day(version.effective_from)
    if policy.replaced_before_start(version):
        in_force = f"never: {_corrected_by(policy, version)}"
    elif until is not None:
        in_force += f" until {format_day(day_before(until))}"
    facts = [
        ("Version", f"{version.version} (amended)" if version.is_minor else version.version),
        ("In force from", in_force),
        ("Approved by", f"{version.approved_by}, {format_day(version.approved_on)}"),
        ("Review by", format_day(version.review_by) + overdue),
        ("For", policy.audience),
        ("Who must accept it", who_accepts(policy)),
        ("Text fingerprint (SHA-256)", f"`{version.content_hash}`"),
    ]
    if version.is_minor:
        what_changed = f"[What changed]({_version_link(policy, version, 'changes/')})"
        facts.insert(1, ("Amended", f"{amendment_note(policy, version)} {what_changed}."))
    return [
        '<div class="policy-facts" markdown="1">',
        "",
        *[f"- **{label}:** {value}" for label, value in facts],
        "",
        "</div>",
        "",
    ]


def _sign_link(
    policy: Policy, portal_url: str, version: PolicyVersion, as_of: dt.date
) -> list[str]:
    """The sign link, shown only while `version` is the one in force (the one the portal asks)."""
    if not policy.accepted_by or not portal_url:
        return []
    url = f"{portal_url.rstrip('/')}/sign/{policy.slug}/"
    button = f"[Read and sign online]({url}){{ .md-button .md-button--primary .sign-link }}"
    until = in_force_until(policy, version)
    return [shown(button, version.effective_from, until, as_of, "div", block=True), ""]


STATUSES = ("Coming", "Current", "Superseded")
NEVER_IN_FORCE = "Corrected before its start"


def _history(policy: Policy, as_of: dt.date) -> list[str]:
    rows = []
    for version in reversed(policy.published):
        until = in_force_until(policy, version)
        status = (
            NEVER_IN_FORCE
            if policy.replaced_before_start(version)
            else "".join(
                [
                    shown("Coming", None, version.effective_from, as_of, css="status-coming"),
                    shown(
                        "Current",
                        version.effective_from,
                        until,
                        as_of,
                        css="status-current",
                    ),
                    shown("Superseded", until, None, as_of, css="status-superseded")
                    if until is not None
                    else "",
                ]
            )
        )
        link = f"[{version.version}]({_version_link(policy, version)})"
        summary = version.changes
        if version.is_minor:
            link += " (amended)"
            summary = f"Minor amendment: {_sentence(version.minor)} {summary}"
        changes = (
            f"[What changed]({_version_link(policy, version, 'changes/')})"
            if policy.predecessor(version)
            else "First version"
        )
        rows.append(
            f'| {link} | <span class="version-status" data-version="{version.version}">'
            f"{status}</span> | {format_day(version.effective_from)} "
            f"| {_cell(summary)} | {changes} |"
        )
    return [
        "",
        "## Version history",
        "",
        "| Version | Status | In force from | Summary of changes | Compare |",
        "| --- | --- | --- | --- | --- |",
        *rows,
        "",
    ]


def _version_link(policy: Policy, version: PolicyVersion, page: str = "") -> str:
    return f"/policies/{policy.slug}/{version.version}/{page}index.md"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _cell_html(cell: str | tuple[str, ...]) -> str:
    if isinstance(cell, tuple):
        return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in cell) + "</ul>"
    if cell == "":
        return '<span aria-hidden="true">&ndash;</span><span class="visually-hidden">No</span>'
    return escape(cell)
