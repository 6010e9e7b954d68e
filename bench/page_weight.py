"""What a page costs a phone on a slow connection: Debian's Chromium, driven by Playwright,
under a slow-4G profile (Lighthouse's: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up),
loads the parent's signing page, a pupil's lesson page and the site's home page from the
portal served as `esafety serve` serves it (gunicorn, `portal.wsgi:create()`, the built site).

Counted from Chromium's own network events: bytes over the wire (compressed, with headers),
requests that reached the server on a first visit (empty cache), and requests that reached
it on a second visit (a navigation to the same page, as following a link does).

Run: make bench-pages  (or .venv/bin/python bench/page_weight.py)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from flask import session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from portal import create_app
from portal.migrate import upgrade
from portal.models import Parent, Pupil
from portal.services.demo import reset_demo_school
from portal.services.sessions import start_session
from portal.web.runtime import runtime

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
SLOW_4G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6 * 1024 * 1024 / 8,
    "uploadThroughput": 750 * 1024 / 8,
}
GOALS = {  # page: (most kilobytes on a first visit, most requests then)
    "parent's signing page": (20, 3),
    "lesson page": (20, 3),
    "site home page": (120, None),
}


def cookie_for(app, db, person) -> str:
    """A signed session cookie for `person`, as signing in would give them."""
    token = start_session(db, person)
    db.commit()
    with app.test_request_context():
        session.update({"_user_id": token, "_fresh": True})
        generate_csrf()
        return app.session_interface.get_signing_serializer(app).dumps(dict(session))


def prepare(url: str, env: dict[str, str]) -> dict[str, tuple[str, str]]:
    """The demo school; returns each page's address and the cookie to open it with."""
    upgrade(url)
    app = create_app(
        {
            key.removeprefix("ESAFETY_"): value
            for key, value in env.items()
            if key.startswith("ESAFETY_")
        }
        | {"DATABASE_URL": url}
    )
    runtime(app).catalogue.record_now()
    db = runtime(app).sessions()
    curriculum = runtime(app).curriculum
    reset_demo_school(db, curriculum)
    db.commit()
    parent = db.scalars(select(Parent).order_by(Parent.id)).first()
    pupil = db.scalars(select(Pupil).where(Pupil.year_group == 4)).first()
    lesson = curriculum.lessons_for(curriculum.band_of_year(4).id)[0]
    pages = {
        "parent's signing page": ("/portal/agreements/family", cookie_for(app, db, parent)),
        "lesson page": (f"/portal/lessons/{lesson.id}/1", cookie_for(app, db, pupil)),
        "site home page": ("/", ""),
    }
    db.close()
    runtime(app).engine.dispose()
    return pages


def visit(context, address: str) -> dict:
    """Load the page in this browser context; what crossed the network."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    sent: dict[str, str] = {}
    from_cache: set[str] = set()
    wire: dict[str, int] = {}
    cdp.on(
        "Network.requestWillBeSent", lambda e: sent.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on("Network.requestServedFromCache", lambda e: from_cache.add(e["requestId"]))
    cdp.on(
        "Network.responseReceived",
        lambda e: (
            from_cache.add(e["requestId"])
            if e["response"].get("fromDiskCache") or e["response"].get("fromMemoryCache")
            else None
        ),
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: wire.__setitem__(e["requestId"], int(e["encodedDataLength"])),
    )
    started = time.perf_counter()
    page.goto(address, wait_until="networkidle")
    seconds = time.perf_counter() - started
    # A response that crossed the network has at least its headers: nothing on the wire means
    # the browser's cache answered (a web worker's script is reported so, not as from cache).
    fetched = {
        url: wire[rid] for rid, url in sent.items() if rid not in from_cache and wire.get(rid, 0)
    }
    page.close()
    return {
        "kb": sum(wire.values()) / 1024,
        "requests": len(fetched),
        "urls": fetched,
        "s": seconds,
    }


def main() -> None:
    from playwright.sync_api import sync_playwright

    port = 8320
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as temp:
        url = f"sqlite:///{Path(temp) / 'pages.sqlite'}"
        env = {
            **os.environ,
            "ESAFETY_DATABASE_URL": url,
            "ESAFETY_SECRET_KEY": "bench-pages-secret-key-0123456789abcdef",
            "ESAFETY_DEMO": "true",  # plain-HTTP cookies; the pages are the same
            "ESAFETY_POLICIES_DIR": str(ROOT / "policies"),
            "ESAFETY_SITE_DIR": str(ROOT / "site"),
        }
        if not (ROOT / "site" / "index.html").is_file():
            subprocess.run([str(BIN / "esafety"), "build"], cwd=ROOT, check=True)
        pages = prepare(url, env)
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "portal.wsgi:create()",
            ],
            env=env,
            cwd=ROOT,
        )
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            rows = []
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox"]
                )
                for name, (path, cookie) in pages.items():
                    context = browser.new_context()
                    if cookie:
                        context.add_cookies(
                            [{"name": "esafety_session", "value": cookie, "url": base}]
                        )
                    cold = visit(context, base + path)
                    warm = visit(context, base + path)
                    rows.append((name, cold, warm))
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait()
    print("\nChromium, slow 4G (150 ms, 1.6 Mbit/s down); KB as sent over the wire (compressed)")
    print(
        f"{'page':24} {'cold KB':>8} {'goal':>5} {'requests':>8} {'goal':>5} {'load s':>7} "
        f"{'warm requests':>13} {'warm static':>11}"
    )
    for name, cold, warm in rows:
        most_kb, most_requests = GOALS[name]
        static = len([u for u in warm["urls"] if "/static/" in u or "/assets/" in u])
        print(
            f"{name:24} {cold['kb']:8.1f} {most_kb:>5} {cold['requests']:>8} "
            f"{most_requests or '':>5} {cold['s']:7.2f} {warm['requests']:>13} {static:>11}"
        )
    for name, cold, warm in rows:
        for visit_name, seen in (("first visit", cold), ("second visit", warm)):
            listed = ", ".join(
                f"/{url.split('/', 3)[-1]} {size / 1024:.1f} KB"
                for url, size in seen["urls"].items()
            )
            print(f"\n{name}, {visit_name}: {listed}")


if __name__ == "__main__":
    main()
