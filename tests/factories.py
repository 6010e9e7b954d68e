"""Small content trees written to a temporary folder, one factory call per file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from portal.content import Content, load_content
from portal.content.errors import Problems
from portal.content.published import load_record, record_published, unrecorded

SCHOOL = {
    "school": {"name": "Test School", "phone": "0100 000"},
    "roles": {"dsl": {"title": "Designated safeguarding lead", "name": "Ms Dee Ess"}},
    "choices": {"phones": "Phones stay in bags."},
}


class ContentTree:
    """A project folder with policies/, built up by the test that uses it."""

    def __init__(self, root: Path):
        self.root = root
        self.policies = root / "policies"
        (self.policies / "tables").mkdir(parents=True)
        self.write_yaml(self.policies / "school.yml", SCHOOL)

    @staticmethod
    def write_yaml(path: Path, data: Any) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    def policy(self, slug: str = "rules", **fields: Any) -> Path:
        meta = {
            "title": "Class rules",
            "summary": "How we use computers.",
            "audience": "Pupils",
            "order": 10,
            "accepted_by": ["pupils-11-plus"],
            "renew": ["new-version"],
        } | fields
        return self.write_yaml(self.policies / slug / "policy.yml", meta)

    def version(
        self,
        name: str = "2025.09",
        body: str = "## Rules\n\nBe kind online.\n",
        slug: str = "rules",
        **fields: Any,
    ) -> Path:
        """Write policies/<slug>/<name>.md; `fields` override the front matter."""
        year = int(name[:4])
        front = {
            "version": name,
            "status": "published",
            "approved_by": "Governors",
            "approved_on": dt.date(year, 7, 1),
            "effective_from": dt.date(year, 9, 1),
            "review_by": dt.date(year + 1, 7, 31),
            "changes": "First version.",
        } | fields
        path = self.policies / slug / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\n{yaml.safe_dump(front, sort_keys=False)}---\n{body}", "utf-8")
        return path

    def table(self, name: str, **data: Any) -> Path:
        return self.write_yaml(self.policies / "tables" / f"{name}.yml", data)

    def publish(self) -> None:
        content = load_content(self.policies, check_record=False)
        path = self.policies / "published.yml"
        record = load_record(path, Problems(self.root))
        record_published(path, record, unrecorded(list(content.policies), record))

    def mkdocs_yml(self, **plugin: Any) -> Path:
        """A small site around this tree: the project's Markdown extensions, the plugin."""
        config = {
            "site_name": "Test site",
            "markdown_extensions": ["abbr", "admonition", "attr_list", "md_in_html", "tables"],
            "plugins": [{"esafety": plugin}],
            "validation": {"absolute_links": "relative_to_docs"},
        }
        (self.root / "docs").mkdir(exist_ok=True)
        (self.root / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
        return self.write_yaml(self.root / "mkdocs.yml", config)

    def load(self) -> Content:
        return load_content(self.policies)
