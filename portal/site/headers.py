"""The security headers of the built site, worked out from the pages themselves.

Material for MkDocs writes two small scripts into every page (where the site is, and which tab
the address opens). Rather than allow every inline script, the build lists the SHA-256 of each
one it wrote, and the site is served with a policy that allows exactly those: an injected script
runs nowhere. The build writes the policy twice, for the portal's own server and for nginx, so
both serve the same headers.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

POLICY_FILE = "content-security-policy.txt"  # read by portal/wsgi.py
NGINX_FILE = "nginx-security-headers.conf"  # `include`d by the nginx block in the guide
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.DOTALL)
DATA_TYPE = re.compile(r"""\btype=["']?application/(?:ld\+)?json""")

OTHER_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def script_hashes(pages: Iterable[str]) -> list[str]:
    """The CSP source of every inline script that runs (JSON data blocks do not)."""
    found = set()
    for html in pages:
        for match in INLINE_SCRIPT.finditer(html):
            if DATA_TYPE.search(match.group(1)):
                continue
            digest = hashlib.sha256(match.group(2).encode("utf-8")).digest()
            found.add(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return sorted(found)


def policy(hashes: Iterable[str]) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "img-src 'self' data:",
            "style-src 'self' 'unsafe-inline'",  # Material sets style attributes
            " ".join(["script-src 'self'", *hashes]),
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


def write_headers(site_dir: Path) -> str:
    """Work out the policy from the built pages and write it for both servers."""
    pages = (path.read_text(encoding="utf-8") for path in sorted(site_dir.rglob("*.html")))
    text = policy(script_hashes(pages))
    (site_dir / POLICY_FILE).write_text(text + "\n", encoding="utf-8")
    lines = [f'add_header Content-Security-Policy "{text}" always;']
    lines += [f'add_header {name} "{value}" always;' for name, value in OTHER_HEADERS.items()]
    lines.append(
        'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;'
    )
    (site_dir / NGINX_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return text


def read_policy(site_dir: Path) -> str:
    """The policy the build wrote; a site built without it allows no inline script at all."""
    path = site_dir / POLICY_FILE
    return path.read_text(encoding="utf-8").strip() if path.is_file() else policy([])
