"""Every setting in one table: its name, environment variable, default and meaning.

`load_settings` reads them, the administrator's guide lists them, and a test checks both agree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return f"ESAFETY_{self.name}"


SETTINGS = (
    Setting(
        "SECRET_KEY",
        "",
        "Signs session cookies. Required outside demo mode: a long random string, kept secret.",
    ),
    Setting(
        "DATABASE_URL",
        "",
        "SQLAlchemy URL of the database. Empty means an SQLite file "
        "`esafety.sqlite` in the instance folder; `postgresql+psycopg://...` for PostgreSQL.",
    ),
    Setting(
        "SMTP_URL",
        "",
        "Where email goes: `smtp://user:password@host:587` (STARTTLS), "
        "`smtps://...:465`, or `file:///path` to write each message as an .eml file.",
    ),
    Setting("MAIL_FROM", "eSafety <no-reply@localhost>", "The From address of every email."),
    Setting(
        "PUBLIC_URL",
        "http://127.0.0.1:8000/portal",
        "The portal's address as people reach it, used in emailed links.",
    ),
    Setting(
        "SITE_URL", "http://127.0.0.1:8000/", "The policy site's address, linked from the portal."
    ),
    Setting("LOCKOUT_ATTEMPTS", 5, "Failed password attempts before an account is locked."),
    Setting(
        "LOCKOUT_MINUTES",
        15,
        "How long a lock lasts before it lifts by itself (an admin can lift it sooner).",
    ),
    Setting("LINK_HOURS", 72, "How long an emailed sign-in link for a parent or carer works."),
    Setting("RESET_HOURS", 2, "How long a password reset link works."),
    Setting("CLASS_SIGN_IN_HOURS", 8, "How long a class sign-in stays open on a classroom device."),
    Setting("SESSION_HOURS", 12, "How long a signed-in session lasts without activity."),
    Setting(
        "SESSION_MAX_HOURS",
        16,
        "How long a signed-in session lasts at most, however busy: then everyone signs in "
        "again, so a session on a shared or lost device does not go on for ever.",
    ),
    Setting(
        "TWO_FACTOR_ROLES",
        "ict_lead admin",
        "Staff roles that must use a code from an authenticator app as well as a password, "
        "separated by spaces (`staff`, `ict_lead`, `admin`). Every member of staff can turn "
        "it on for themselves.",
    ),
    Setting(
        "PUPIL_SIGN_INS_PER_MINUTE",
        120,
        "Pupil sign-ins allowed from one address in a minute, per server process: four classes "
        "at once behind one school address. A school whose whole roll signs in within a minute "
        "or two raises it (600 pupils in two minutes: 300); each pupil's own account still "
        "locks after repeated wrong passwords.",
    ),
    Setting(
        "LINK_REQUESTS_PER_HOUR",
        60,
        "Sign-in link requests allowed from one address in an hour; a parents' evening on the "
        "school's wifi shares one address.",
    ),
    Setting(
        "LINK_REQUESTS_PER_ADDRESS",
        5,
        "Sign-in and password reset links one email address can be sent in an hour, from "
        "wherever they are asked for, so nobody can flood a parent's inbox.",
    ),
    Setting(
        "RATELIMIT_ENABLED",
        True,
        "Rate limits on sign-in and link requests. Turn off only for load tests.",
    ),
    Setting(
        "RATELIMIT_STORAGE_URI",
        "memory://",
        "Where rate-limit counters live; use a shared "
        "store such as `redis://host:6379` when running several server processes.",
    ),
    Setting(
        "PROXY_HOPS",
        0,
        "How many reverse proxies (such as nginx) stand in front of the portal. The portal "
        "trusts that many `X-Forwarded-For`, `-Proto`, `-Host` and `-Port` headers, to learn "
        "each visitor's own address and that they came over HTTPS. 0 trusts none; set 1 "
        "behind one nginx, and never more than the proxies you run.",
    ),
    Setting(
        "CURRICULUM_DIR",
        "curriculum",
        "The folder of lessons and quizzes (relative to where the portal starts); checked when "
        "the portal starts.",
    ),
    Setting(
        "POLICIES_DIR",
        "policies",
        "The folder of policies (relative to where the portal starts), the same one the site is "
        "built from. Each published version is recorded when the portal starts, and the portal "
        "will not start if the text of a recorded version has changed.",
    ),
    Setting(
        "POLICY_CHECK_SECONDS",
        60,
        "How often, at most, each server process looks for changes in the policies folder. A "
        "newly published version, a policy no longer asked for (`accepted_by: []`) or a new "
        "audience is taken into use without a restart, this long after the files change at "
        "the latest. Files with problems, or a change to a version people signed, are not "
        "taken up: the portal goes on with the policies it had and logs what to put right.",
    ),
    Setting(
        "RETAIN_LEARNING_DAYS",
        365,
        "Days a pupil's lessons done, quiz attempts and answers and outcome levels are kept "
        "after they leave; then `esafety retention` deletes them.",
    ),
    Setting(
        "RETAIN_AGREEMENTS_YEARS",
        6,
        "Years after a person leaves that their name is kept beside their agreement records, "
        "as evidence. The records themselves are never changed or deleted; once every "
        "retention period has passed since the person left, `esafety retention` anonymises "
        "them.",
    ),
    Setting(
        "RETAIN_SIGN_IN_DAYS",
        30,
        "Days a sign-in session is kept after it was last used, and a sign-in link or class "
        "sign-in after it expired.",
    ),
    Setting(
        "RETAIN_SENT_MAIL_DAYS",
        90,
        "Days a sent email (and the note of a reminder sent) is kept in the outbox.",
    ),
    Setting(
        "CARERS_DISAGREE",
        "agreed-stands",
        "What counts when two carers disagree about a child's agreement (one agreed, the other "
        "declined or took theirs back): `agreed-stands` keeps the agreement given, and each "
        "carer's no is recorded as theirs; `no-stands` lets the newer no count for the child "
        "until a carer agrees again.",
    ),
    Setting("RETAIN_AUDIT_YEARS", 2, "Years audit log events are kept."),
    Setting(
        "DEMO", False, "Demo mode: plain-HTTP cookies and mail written to files. Never in real use."
    ),
)


def load_settings(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Settings from ESAFETY_* variables, typed like their defaults, then `overrides` on top."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = os.environ.get(setting.env)
        values[setting.name] = setting.default if raw is None else _typed(raw, setting)
    values.update(overrides or {})
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{instance_path / 'esafety.sqlite'}"
    return values


def setting(name: str) -> Any:
    """One setting as the environment gives it, for what runs without the portal (the site
    build reads PUBLIC_URL to point "Read and sign online" at the portal)."""
    found = next(s for s in SETTINGS if s.name == name)
    raw = os.environ.get(found.env)
    return found.default if raw is None else _typed(raw, found)


def _typed(raw: str, setting: Setting) -> Any:
    if isinstance(setting.default, bool):
        if raw.lower() not in ("1", "0", "true", "false", "yes", "no"):
            raise ValueError(f"{setting.env} must be true or false, not {raw!r}")
        return raw.lower() in ("1", "true", "yes")
    if isinstance(setting.default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{setting.env} must be a whole number, not {raw!r}") from None
    return raw


TABLE_START = (
    "<!-- The settings table below is made from portal/settings.py by "
    "`python -m portal.settings --write FILE`: change a setting there, not here. -->"
)
TABLE_END = "<!-- End of the settings table. -->"


def settings_table() -> str:
    """Every setting as a Markdown table: variable, default and meaning."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    rows += [f"| `{s.env}` | {_shown(s.default)} | {s.help} |" for s in SETTINGS]
    return "\n".join(rows) + "\n"


def _shown(default: Any) -> str:
    if default == "":
        return "(empty)"
    return f"`{str(default).lower() if isinstance(default, bool) else default}`"


def write_settings_table(path: Path) -> None:
    """Replace the table between TABLE_START and TABLE_END in a Markdown file."""
    text = path.read_text()
    start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
    path.write_text(f"{text[:start]}\n\n{settings_table()}\n{text[end:]}")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Print or write the table of every setting.")
    parser.add_argument("--write", type=Path, help="a Markdown file holding the table markers")
    arguments = parser.parse_args()
    if arguments.write:
        write_settings_table(arguments.write)
    else:
        print(settings_table(), end="")
