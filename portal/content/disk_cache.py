"""Checked lessons kept on disk, so that each new process does not check them all again.

Loading and checking over a hundred lessons (YAML with line numbers, reading levels) takes about
a second; every gunicorn worker, every `esafety` command and every restart paid it. A result is
kept under a key made from every byte of every file it was read from, the code that read it and
the versions of the libraries that judge reading level, so an edited lesson, a changed check or
an upgraded library is always loaded afresh. Only a load that passed is kept: a folder with
problems is read (and its problems reported) every time.

The folder is ESAFETY_CACHE_DIR, else the user's cache folder ($XDG_CACHE_HOME/esafety or
~/.cache/esafety). A file that cannot be read or written there is ignored: the lessons are then
loaded the slow way, never wrongly."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TypeVar, cast

CACHE_ENV = "ESAFETY_CACHE_DIR"
KEEP = 64  # files last used most recently; test runs load many small folders of their own
Loaded = TypeVar("Loaded")


def cache_folder() -> Path:
    if chosen := os.environ.get(CACHE_ENV):
        return Path(chosen)
    home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(home) / "esafety"


def kept(
    kind: str, folders: Iterable[Path], settings: object, load: Callable[[], Loaded]
) -> Loaded:
    """`load()`'s result for these `folders` and `settings`, from disk when an earlier process
    loaded exactly the same files with exactly the same code; else loaded and kept."""
    path = cache_folder() / f"{kind}-{_key(folders, settings)}.pickle"
    found = _read(path)
    if found is not _MISSING:
        return cast(Loaded, found)
    result = load()
    _write(path, result)
    return result


_MISSING = object()


def _read(path: Path) -> object:
    """What an earlier process kept at `path`, or _MISSING."""
    try:
        with path.open("rb") as file:
            found = pickle.load(file)  # noqa: S301 - written by this code, in the user's own folder
    except Exception:  # missing, damaged or unreadable: loaded again and written over
        return _MISSING
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: the last to be let go of
    return found


def _key(folders: Iterable[Path], settings: object) -> str:
    digest = hashlib.sha256(_code_fingerprint().encode())
    digest.update(repr(settings).encode())
    for folder in folders:
        digest.update(f"\0folder {folder.resolve()}".encode())
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.is_file():
                digest.update(f"\0{path.relative_to(folder)}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


@functools.cache
def _code_fingerprint() -> str:
    """This package's source and the versions of what judges the lessons."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(source.read_bytes())
    for package in ("textstat", "pyphen", "PyYAML", "Markdown", "pymdown-extensions"):
        digest.update(f"{package} {_version(package)}".encode())
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "none"


def _write(path: Path, result: object) -> None:
    """Write whole or not at all (a rename), then let go of all but the files used most recently."""
    partial: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".partial", delete=False) as file:
            partial = file.name
            pickle.dump(result, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
        partial = None
        old = sorted(path.parent.glob("*.pickle"), key=_modified, reverse=True)[KEEP:]
        for stale in old:
            stale.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only or full disk: the next process loads the lessons again
    finally:
        if partial is not None:
            Path(partial).unlink(missing_ok=True)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
