"""An agreement confirmed to someone is never lost: the record is committed before the
confirmation. A real server (gunicorn, two worker processes, an SQLite file) is killed outright
in the middle of a burst of submissions; afterwards every submission that was confirmed is in
the database, and the hash chain is whole."""

from __future__ import annotations

import threading

from sqlalchemy import select

from portal import create_app
from portal.migrate import upgrade
from portal.models import Acceptance
from portal.services.acceptance import verify_chains
from portal.web.runtime import runtime
from tests.factories import make_class, make_parent, make_pupil, make_school
from tests.live_server import Browser, Gunicorn, confirms, portal_settings, session_cookie

SECRET = "durability test secret"
FAMILIES = 40
KILL_AFTER = 12  # confirmations seen before the server is killed


def test_every_confirmed_agreement_survives_killing_the_server(tmp_path, project, real_clock):
    url = f"sqlite:///{tmp_path / 'portal.sqlite'}"
    upgrade(url)
    settings = portal_settings(url, project, SECRET)
    app = create_app({"TESTING": True, **settings})
    families = []
    with runtime(app).sessions() as db:
        school = make_school(db)
        reception = make_class(db, school, "R", 0)
        for _ in range(FAMILIES):
            child = make_pupil(db, school, reception)
            parent = make_parent(db, school, [child])
            families.append((parent.id, child.id, session_cookie(app, db, parent)))
        db.commit()
    runtime(app).engine.dispose()

    server = Gunicorn(project, settings, tmp_path)
    server.start()
    try:
        browsers = [Browser(server.port, cookie) for *_, cookie in families]
        for browser, (_, child_id, _) in zip(browsers, families, strict=True):
            browser.open_family_form([child_id])

        confirmed: list[int] = []
        lock, enough = threading.Lock(), threading.Event()
        start = threading.Barrier(len(browsers) + 1)

        def burst(index: int) -> None:
            start.wait()
            try:
                ok = confirms(browsers[index].submit_family_form())
            except OSError:
                return  # the server died first: nothing was confirmed
            if ok:
                with lock:
                    confirmed.append(index)
                    if len(confirmed) >= KILL_AFTER:
                        enough.set()

        threads = [threading.Thread(target=burst, args=(i,)) for i in range(len(browsers))]
        for thread in threads:
            thread.start()
        start.wait()
        enough.wait(60)
        server.kill()  # no clean shutdown: as if the power went
        for thread in threads:
            thread.join(60)
        with lock:
            confirmed_now = list(confirmed)
    finally:
        server.kill()

    assert len(confirmed_now) >= KILL_AFTER
    assert len(confirmed_now) < FAMILIES, "the burst finished before the kill; send more"
    after = create_app({"TESTING": True, **settings})
    with runtime(after).sessions() as db:
        signed = set(
            db.scalars(
                select(Acceptance.actor_id).where(
                    Acceptance.subject_type == "pupil", Acceptance.actor_type == "parent"
                )
            )
        )
        for index in confirmed_now:
            parent_id, child_id, _ = families[index]
            assert parent_id in signed, f"confirmed agreement of family {index} was lost"
        report = verify_chains(db)
        assert report.problems == []
        assert report.records >= 2 * len(confirmed_now)  # each family: the child's and their own
    runtime(after).engine.dispose()
