"""The Markdown of every generated site page, built from loaded content.

Links between generated pages are written from the site root (`/policies/x/index.md`); the site
resolves them per page (MkDocs `absolute_links: relative_to_docs`), so they stay right at any depth.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from .diff import readable_diff
from .loader import Content
from .policies import ACCEPTED_BY, RENEW, Policy, PolicyVersion
from .tables import DataTable


def site_pages(content: Content, as_of: dt.date, portal_url: str = "") -> dict[str, str]:
    """Map each generated page's path (as in docs/) to its Markdown."""
    pages = {"policies/index.md": policies_index(content, as_of)}
    for policy in content.policies:
        base = f"policies/{policy.slug}"
        pages[f"{base}/index.md"] = current_page(policy, as_of, portal_url)
        for version in policy.published:
            pages[f"{base}/{version.version}/index.md"] = version_page(
                policy, version, as_of, portal_url
            )
            if policy.predecessor(version):
                pages[f"{base}/{version.version}/changes/index.md"] = changes_page(policy, version)
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


def format_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def who_accepts(policy: Policy) -> str:
    if not policy.accepted_by:
        return "Nobody signs it; it guides the school's work"
    groups = "; ".join(ACCEPTED_BY[key] for key in policy.accepted_by)
    renew = " and ".join(RENEW[key] for key in policy.renew)
    return f"{groups} (again {renew})" if renew else groups


def review_overdue(version: PolicyVersion, as_of: dt.date) -> bool:
    return version.review_by < as_of


def policies_index(content: Content, as_of: dt.date) -> str:
    rows = []
    for policy in content.policies:
        current = policy.current(as_of)
        link = f"[{_cell(policy.title)}](/policies/{policy.slug}/index.md)"
        if current is None:
            first = policy.published[0] if policy.published else None
            starts = f"comes into force {format_date(first.effective_from)}" if first else "draft"
            rows.append(f"| {link} | None yet | {starts} | | {_cell(who_accepts(policy))} |")
            continue
        review = format_date(current.review_by)
        if review_overdue(current, as_of):
            review += ' <strong class="overdue">Review overdue</strong>'
        rows.append(
            f"| {link} | {current.version} | {format_date(current.effective_from)} "
            f"| {review} | {_cell(who_accepts(policy))} |"
        )
    return "\n".join(
        [
            "# Our policies",
            "",
            f"The policies of {content.profile.name} for keeping pupils, staff and information "
            "safe online. Each one shows its current version; older versions stay readable, "
            "with what changed.",
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
    for version in policy.upcoming(as_of):
        lines += [
            f'!!! info "Version {version.version} comes into force on '
            f'{format_date(version.effective_from)}"',
            "",
            f"    [Read version {version.version}]({_version_link(policy, version)}).",
            "",
        ]
    if current is None:
        lines += ["No version of this policy is in force yet.", ""]
    else:
        lines += [*_facts(policy, current, as_of), *_sign_link(policy, portal_url), current.text]
    return "\n".join([*lines, *_history(policy, as_of)])


def version_page(policy: Policy, version: PolicyVersion, as_of: dt.date, portal_url: str) -> str:
    current = policy.current(as_of)
    successor = policy.successor(version)
    lines = [f"# {policy.title}: version {version.version}", ""]
    if version.effective_from > as_of:
        lines += [
            '!!! info "Not yet in force"',
            "",
            f"    This version comes into force on {format_date(version.effective_from)}.",
            "",
        ]
    elif version is current:
        lines += ['!!! success "This is the current version"', ""]
    elif successor is not None:
        lines += [
            '!!! warning "This version has been replaced"',
            "",
            f"    Superseded by version {successor.version} on "
            f"{format_date(successor.effective_from)}. "
            f"[Read the current version](/policies/{policy.slug}/index.md).",
            "",
        ]
    lines += _facts(policy, version, as_of)
    if version is current:
        lines += _sign_link(policy, portal_url)
    return "\n".join([*lines, version.text])


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
            "Abbreviations used in our policies. On every page, point at or tap an abbreviation "
            "to see what it stands for.",
            "",
            "| Term | Stands for | What it means |",
            "| --- | --- | --- |",
            *rows,
            "",
        ]
    )


def _facts(policy: Policy, version: PolicyVersion, as_of: dt.date) -> list[str]:
    review = format_date(version.review_by)
    if review_overdue(version, as_of) and version is policy.current(as_of):
        review += ' <strong class="overdue">Review overdue</strong>'
    facts = [
        ("Version", version.version),
        ("In force from", format_date(version.effective_from)),
        ("Approved by", f"{version.approved_by}, {format_date(version.approved_on)}"),
        ("Review by", review),
        ("For", policy.audience),
        ("Who must accept it", who_accepts(policy)),
        ("Text fingerprint (SHA-256)", f"`{version.content_hash}`"),
    ]
    return [
        '<div class="policy-facts" markdown="1">',
        "",
        *[f"- **{label}:** {value}" for label, value in facts],
        "",
        "</div>",
        "",
    ]


def _sign_link(policy: Policy, portal_url: str) -> list[str]:
    if not policy.accepted_by or not portal_url:
        return []
    url = f"{portal_url.rstrip('/')}/sign/{policy.slug}/"
    return [f"[Read and sign online]({url}){{ .md-button .md-button--primary .sign-link }}", ""]


def _history(policy: Policy, as_of: dt.date) -> list[str]:
    current = policy.current(as_of)
    rows = []
    for version in reversed(policy.published):
        status = (
            "Current"
            if version is current
            else "Coming"
            if version.effective_from > as_of
            else "Superseded"
        )
        link = f"[{version.version}]({_version_link(policy, version)})"
        changes = (
            f"[What changed]({_version_link(policy, version, 'changes/')})"
            if policy.predecessor(version)
            else "First version"
        )
        rows.append(
            f"| {link} | {status} | {format_date(version.effective_from)} "
            f"| {_cell(version.changes)} | {changes} |"
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
