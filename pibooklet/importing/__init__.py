"""Importing a Word (.docx) or Markdown (.md) booklet into a booklet folder of the content
folder: read the source (docx, markdown), map it (booklet), write the folder whole (here)."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..content import DIRECTORY_FILE, MANIFEST_FILE, SupportEntry, _read_directory
from ..errors import ContentError, Problem, Problems, display_path
from ..output import _umask
from ..schema import Invalid, identifier
from .blocks import Note
from .booklet import RESERVED_SLUGS, Imported, Plan, plan_booklet, slug_from
from .docx import read_docx
from .markdown import read_markdown

#: The kinds of file `pibooklet import` reads, by name ending.
SOURCES = (".docx", ".md")


@dataclass
class Result:
    """A booklet folder written, and the report of everything that was not mapped."""

    folder: Path
    plan: Plan
    source: Path

    def where(self, note: Note) -> str:
        """Return a note's place in the source: `FILE: paragraph N` or `FILE:LINE`."""
        name = display_path(self.source)
        if note.where is None:
            return name
        return f"{name}:{note.where}" if self.source.suffix.lower() == ".md" \
            else f"{name}: paragraph {note.where}"

    def report(self) -> list[str]:
        """Return the report's lines, one a note, in the order of the source."""
        ordered = sorted(self.plan.notes, key=lambda note: (note.where is not None,
                                                            note.where or 0))
        return [f"{self.where(note)}: {note.message}" for note in ordered]


def import_booklet(source: Path, content: Path, slug: str | None, force: bool) -> Result:
    """Read a .docx or .md booklet and write it as CONTENT/SLUG/; ContentError if it cannot be."""
    if source.suffix.lower() not in SOURCES:
        raise ContentError([Problem(source, None, "is not a Word document (.docx) or a Markdown "
                                                  "file (.md); in Word, save it as Word "
                                                  "Document (.docx); nothing was written")])
    if not content.is_dir():
        raise ContentError([Problem(content, None, "the content folder is not there; give "
                                                   "--content the folder that holds "
                                                   "organisation.yaml; nothing was written")])
    if slug is not None:
        _check_slug(slug, content)
    folder_before = content / slug if slug else None
    if folder_before is not None:
        _check_target(folder_before, force)  # before reading: a refusal costs nothing
    if source.suffix.lower() == ".md":
        document = read_markdown(source)
        imported = Imported(document.blocks, document.pictures, "", document.front,
                            document.notes)
    else:
        word = read_docx(source)
        imported = Imported(word.blocks, word.pictures, word.title, {}, word.notes)
    plan = plan_booklet(imported, source.stem.replace("_", " ").replace("-", " "), slug,
                        _directory(content), source)
    if slug is None:
        _check_slug(plan.slug, content)
    folder = content / plan.slug
    _check_target(folder, force)
    write_folder(folder, plan.files)
    return Result(folder, plan, source)


def _directory(content: Path) -> dict[str, SupportEntry]:
    """Return the content folder's support directory (its problems are the check's to report)."""
    return _read_directory(content / DIRECTORY_FILE, Problems(), content)[0]


def _check_slug(slug: str, content: Path) -> None:
    try:
        identifier(slug, None)
    except Invalid as error:
        raise ContentError([Problem(content / slug, None, f"--slug {error.message}; nothing "
                                                          "was written")]) from None
    if slug in RESERVED_SLUGS:
        raise ContentError([Problem(content / slug, None, f"'{slug}' is a folder the content "
                                                          "folder uses itself; choose another "
                                                          "--slug; nothing was written")])
    if slug != slug_from(slug):
        raise ContentError([Problem(content / slug, None, "--slug must be lower-case words "
                                                          "joined by hyphens; nothing was "
                                                          "written")])


def _check_target(folder: Path, force: bool) -> None:
    """Refuse to overwrite a booklet unless forced, and never replace anything but a booklet."""
    if not (folder.exists() or folder.is_symlink()):
        return
    if folder.is_symlink() or not folder.is_dir():
        raise ContentError([Problem(folder, None, "is there and is not a booklet folder; "
                                                  "choose another --slug; nothing was written")])
    if not force:
        raise ContentError([Problem(folder, None, "is there already; give --force to replace "
                                                  "it, or choose another --slug; nothing was "
                                                  "written")])
    if any(folder.iterdir()) and not (folder / MANIFEST_FILE).is_file():
        raise ContentError([Problem(folder, None, f"is there and has no {MANIFEST_FILE}, so it "
                                                  "is not a booklet that --force may replace; "
                                                  "choose another --slug; nothing was written")])


def write_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Write a whole folder at once: made under a hidden name, then renamed into place (an
    earlier folder of that name is replaced only once the new one is complete)."""
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.import-", dir=folder.parent))
    try:
        mode = 0o777 & ~_umask()
        os.chmod(staging, mode)
        for name, data in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if folder.exists():
            old = folder.parent / f".{folder.name}.replaced-{secrets.token_hex(4)}"
            os.rename(folder, old)
            os.rename(staging, folder)
            shutil.rmtree(old)
        else:
            os.rename(staging, folder)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(staging)
        raise
