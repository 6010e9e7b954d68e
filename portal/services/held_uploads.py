"""Uploads held between a preview and the press of its import button.

Each is a JSON file in a folder (the app's instance folder), named by the hash of a random
token that only the uploader's page knows, and carrying the SHA-256 of its content so a damaged
or altered file is never imported. Pressing import claims the file by renaming it, which only
one request can do: a double-click or a resubmitted form imports once. After the import only a
receipt with the counts is kept. Anything a day old is removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..content.calendar import utcnow
from .tokens import new_token, token_hash

LIFETIME = dt.timedelta(days=1)
WAITING, IMPORTING, IMPORTED = "waiting", "importing", "imported"
_SUFFIXES = {WAITING: ".json", IMPORTING: ".importing", IMPORTED: ".done"}


@dataclass(frozen=True)
class HeldUpload:
    state: str
    school_id: int
    filename: str
    content: str  # empty once imported
    receipt: dict[str, Any]  # what the import did, once imported


def hold(folder: Path, *, school_id: int, filename: str, content: str) -> str:
    """Keep `content` for a while; returns the token that finds it again."""
    folder.mkdir(parents=True, exist_ok=True)
    _remove_old(folder)
    token = new_token()
    record = {
        "school_id": school_id,
        "filename": filename,
        "created_at": utcnow().isoformat(),
        "sha256": _sha256(content),
        "content": content,
    }
    _write(_path(folder, token, WAITING), record)
    return token


def find(folder: Path, token: str, school_id: int) -> HeldUpload | None:
    """The upload behind `token`, if it is this school's, recent and undamaged."""
    for state in (WAITING, IMPORTING, IMPORTED):
        record = _read(_path(folder, token, state))
        if record is not None:
            return _checked(record, state, school_id)
    return None


def claim(folder: Path, token: str) -> bool:
    """Take a waiting upload for importing; of two presses at once, exactly one gets True."""
    try:
        _path(folder, token, WAITING).rename(_path(folder, token, IMPORTING))
    except FileNotFoundError:
        return False
    return True


def release(folder: Path, token: str) -> None:
    """Put a claimed upload back, when its import did not happen."""
    _path(folder, token, IMPORTING).rename(_path(folder, token, WAITING))


def finish(folder: Path, token: str, receipt: dict[str, Any]) -> None:
    """Replace the content of an imported upload by a receipt of what the import did."""
    claimed = _path(folder, token, IMPORTING)
    record = _read(claimed) or {}
    record.update(content="", sha256=_sha256(""), receipt=receipt)
    _write(_path(folder, token, IMPORTED), record)
    claimed.unlink()


def _checked(record: dict[str, Any], state: str, school_id: int) -> HeldUpload | None:
    created = dt.datetime.fromisoformat(record["created_at"])
    if (
        record["school_id"] != school_id
        or utcnow() - created > LIFETIME
        or _sha256(record["content"]) != record["sha256"]
    ):
        return None
    return HeldUpload(
        state, school_id, record["filename"], record["content"], record.get("receipt", {})
    )


def _path(folder: Path, token: str, state: str) -> Path:
    return folder / (token_hash(token) + _SUFFIXES[state])


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    except (FileNotFoundError, ValueError):
        return None


def _write(path: Path, record: dict[str, Any]) -> None:
    """Write whole or not at all, so a crash never leaves half a file to be imported."""
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(record), encoding="utf-8")
    os.replace(partial, path)


def _remove_old(folder: Path) -> None:
    cutoff = time.time() - LIFETIME.total_seconds()
    for path in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):  # another request removed it first
            if path.stat().st_mtime < cutoff:
                path.unlink()
