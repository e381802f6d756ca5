"""Problems in content, each tied to a file and line, reported all at once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def display_path(path: Path) -> str:
    """Return the path relative to the working directory when it is inside it."""
    inside = Path(path).resolve().is_relative_to(Path.cwd())
    return os.path.relpath(path) if inside else str(path)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, and where."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = display_path(self.path)
        return f"{where}:{self.line}: {self.message}" if self.line else f"{where}: {self.message}"


class ContentError(Exception):
    """Raised after reading, carrying every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class BuildError(Exception):
    """A booklet could not be made for a reason that is not in one content line."""


@dataclass
class Problems:
    """Collects problems so that all of them are reported before the run stops."""

    items: list[Problem] = field(default_factory=list)

    def add(self, path: Path, line: int | None, message: str) -> None:
        """Record one problem."""
        self.items.append(Problem(Path(path), line, message))

    def extend(self, problems: list[Problem]) -> None:
        """Record problems found elsewhere."""
        self.items.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """Raise ContentError when anything was recorded."""
        if self.items:
            raise ContentError(self.items)
