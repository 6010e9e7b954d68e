"""Problems found in content, each naming the file and line so an author can fix it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ContentError:
    """One problem: where it is and what to do about it."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class ContentErrors(Exception):
    """Every problem found in one load, so an author sees them all at once."""

    def __init__(self, errors: list[ContentError]):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


class Problems:
    """Collects problems while loading continues, so one bad file does not hide the next."""

    def __init__(self, root: Path):
        self.root = root
        self.errors: list[ContentError] = []

    def add(self, path: Path, line: int | None, message: str) -> None:
        self.errors.append(ContentError(self._relative(path), line, message))

    def raise_any(self) -> None:
        if self.errors:
            raise ContentErrors(self.errors)

    def _relative(self, path: Path) -> Path:
        try:
            return path.relative_to(self.root)
        except ValueError:
            return path
