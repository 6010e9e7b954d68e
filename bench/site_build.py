"""Time a full site build on a synthetic school: 50 policies x 10 published versions.

Run: make bench  (or .venv/bin/python bench/site_build.py [--policies N --versions N --runs N])
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from portal.content import load_content
from portal.content.errors import Problems
from portal.content.published import load_record, record_published, unrecorded
from portal.site.build import build_site

PROJECT = Path(__file__).resolve().parent.parent
PARAGRAPH = (
    "Pupils use school devices for learning and ask a member of staff before going online. "
    "They keep passwords private, tell a trusted adult about anything upsetting, and treat "
    "others with kindness in every chat, game and message."
)


def make_project(root: Path, policies: int, versions: int) -> None:
    """Copy the real project (site setup, docs, policies); add synthetic policies to it."""
    shutil.copy(PROJECT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(PROJECT / "docs", root / "docs")
    folder = root / "policies"
    shutil.copytree(PROJECT / "policies", folder)
    for number in range(policies):
        slug = f"policy-{number:02d}"
        (folder / slug).mkdir(parents=True)
        meta = {
            "title": f"Policy {number}",
            "summary": "A synthetic policy.",
            "audience": "Everyone",
            "order": number,
            "accepted_by": ["staff"],
            "renew": ["new-version"],
        }
        (folder / slug / "policy.yml").write_text(yaml.safe_dump(meta))
        for index in range(versions):
            year = 2010 + index
            front = {
                "version": f"{year}.09",
                "status": "published",
                "approved_by": "Governors",
                "approved_on": dt.date(year, 7, 1),
                "effective_from": dt.date(year, 9, 1),
                "review_by": dt.date(year + 1, 7, 31),
                "changes": f"Revision {index}.",
            }
            sections = "\n\n".join(
                f"## Section {s}\n\n{PARAGRAPH} Rule {s}.{index if s % 3 == 0 else 0}."
                for s in range(12)
            )
            (folder / slug / f"{year}.09.md").write_text(
                f"---\n{yaml.safe_dump(front)}---\n{sections}\n"
            )
    content = load_content(folder, check_record=False)
    record_path = folder / "published.yml"
    record = load_record(record_path, Problems(root))
    record_published(record_path, record, unrecorded(list(content.policies), record))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--policies", type=int, default=50)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        make_project(root, args.policies, args.versions)
        timings = []
        for _ in range(args.runs):
            site = root / "site"
            shutil.rmtree(site, ignore_errors=True)
            start = time.perf_counter()
            build_site(root, site)
            timings.append(time.perf_counter() - start)
        pages = sum(1 for _ in site.rglob("index.html"))
    median = statistics.median(timings)
    print(
        f"{args.policies} synthetic policies x {args.versions} versions, plus the demo "
        f"school's own: {pages} pages"
    )
    print(
        f"build time: median {median:.2f} s over {args.runs} runs "
        f"(min {min(timings):.2f} s, max {max(timings):.2f} s)"
    )
    print(f"pages per second: {pages / median:.0f}")


if __name__ == "__main__":
    main()
