"""Problems in content, each tied to a file and line, reported all at once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def display_path(path: Path) -> str:
    """Return the path relative to the working directory when it is inside it."""
    inside = Path(path).resolve().is_relative_to(Path.cwd())
    return os.path.relpath(path) if inside else str(path)


ERROR, WARNING, NOTE = "error", "warning", "note"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with (or worth knowing about) the content, and where."""

    path: Path
    line: int | None
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = display_path(self.path)
        message = self.message if self.severity == ERROR else f"{self.severity}: {self.message}"
        return f"{where}:{self.line}: {message}" if self.line else f"{where}: {message}"

    def as_dict(self) -> dict[str, object]:
        """Return the problem for JSON reports."""
        return {"path": display_path(self.path), "line": self.line,
                "severity": self.severity, "message": self.message}


class ContentError(Exception):
    """Raised after reading, carrying every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class BuildError(Exception):
    """A booklet could not be made for a reason that is not in one content line."""


class OutputError(Exception):
    """The output folder cannot take a file: the run stops, saying what was and was not written."""


@dataclass
class Problems:
    """Collects problems so that all of them are reported before the run stops."""

    items: list[Problem] = field(default_factory=list)

    def add(self, path: Path, line: int | None, message: str, severity: str = ERROR) -> None:
        """Record one problem."""
        self.items.append(Problem(Path(path), line, message, severity))

    def errors(self) -> list[Problem]:
        """Return the problems that stop a build."""
        return [problem for problem in self.items if problem.severity == ERROR]

    def extend(self, problems: list[Problem]) -> None:
        """Record problems found elsewhere."""
        self.items.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.errors())

    def raise_if_any(self) -> None:
        """Raise ContentError when any error was recorded."""
        if self.errors():
            raise ContentError(self.errors())
