"""The content core stays free of web and site frameworks (see portal/content/README.md)."""

import subprocess
import sys


def test_content_core_imports_no_framework():
    code = (
        "import sys, portal.content, portal.content.pages, portal.content.diff\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'flask', 'mkdocs', 'sqlalchemy', 'material', 'portal.site'})\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
