"""The one front door for untrusted files: every file the build reads from a content folder.

A file is read only if it is a regular file (never a device or a pipe), lies inside the content
folder once links are followed, and is within the size limit for its kind. Text must be UTF-8
(a leading byte-order mark is dropped). Images are judged by their bytes, whatever they are
called: a raster image by its pixel count, read from its header; an SVG by size and elements.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.parsers import expat

from .errors import ContentError, Problem
from .limits import MAX_FILE_BYTES, MAX_IMAGE_MEGAPIXELS, MAX_SVG_ELEMENTS

_BOM = b"\xef\xbb\xbf"
#: The kind of file each name ending is read as; anything else is limited as an image.
_KINDS = {".yaml": "yaml", ".yml": "yaml", ".md": "markdown", ".html": "template",
          ".css": "stylesheet", ".svg": "svg", ".icc": "profile", ".icm": "profile",
          ".po": "catalogue"}
#: An @import at-keyword begins "@i", "@I", or "@" and a backslash (an escaped letter, as in
#: "@\69mport"): a stylesheet with none of them has no @import rule.
_MAYBE_IMPORT = re.compile(r"@[iI\\]")
#: How each raster format a booklet may use begins, and its usual name ending.
_RASTERS = ((b"\x89PNG\r\n\x1a\n", "PNG", ".png"), (b"\xff\xd8\xff", "JPEG", ".jpg"),
            (b"GIF87a", "GIF", ".gif"), (b"GIF89a", "GIF", ".gif"),
            (b"II*\x00", "TIFF", ".tif"), (b"MM\x00*", "TIFF", ".tif"), (b"BM", "BMP", ".bmp"))


#: Every file read through the front door while a job runs, with the digest of what was read
#: (None: not recording). A job's cache record keeps them, so a picture or cover read from
#: another booklet's folder is an input of the job like its own files, and a file changed
#: while the job ran is seen as changed.
READ: dict[Path, str] | None = None


@contextmanager
def recording_reads() -> Iterator[dict[Path, str]]:
    """Record the files read within this block, in the dict it yields; stop at its end (a
    job run in the build's own process must not record the check's reads after it). Within
    a recording block, the reads are the outer block's too."""
    global READ
    outer, READ = READ, {}
    try:
        yield READ
    finally:
        recorded, READ = READ, outer
        add_reads(recorded)


def add_reads(reads: dict[Path, str]) -> None:
    """Record reads made for this job in another process (the check's child rendered it)."""
    if READ is not None:
        READ.update(reads)


#: While a check reads a library (see reading_each_file_once): what each read of a file gave,
#: its bytes or its problem, by the path as asked for, its root and kind. None: not reading once.
_READ_ONCE: dict[tuple[str, str | None, str], bytes | ContentError] | None = None


@contextmanager
def reading_each_file_once() -> Iterator[None]:
    """Within this block a file asked for again is not read again: a check reads each content
    file three or four times over (its own checks, characters, addresses, unused files),
    and every read follows the path's links one part at a time."""
    global _READ_ONCE
    previous, _READ_ONCE = _READ_ONCE, {}
    try:
        yield
    finally:
        _READ_ONCE = previous


def kind_of_file(path: Path) -> str:
    """Return the limit kind of a file from its name ("yaml", "markdown", "svg", "image"...)."""
    return _KINDS.get(path.suffix.lower(), "image")


def read_content_bytes(path: Path, root: Path | None, kind: str | None = None) -> bytes:
    """Return a file's bytes if it is a regular file inside `root` within its kind's limit.

    `root` None is for a file the library already accepted from inside its folder: it is read
    again, still as a regular file within its limit.
    """
    path = Path(path)
    kind = kind or kind_of_file(path)
    if _READ_ONCE is None or READ is not None:  # a job records every read it makes
        return _read_bytes(path, root, kind)
    key = (str(path), None if root is None else str(root), kind)
    if key not in _READ_ONCE:
        try:
            _READ_ONCE[key] = _read_bytes(path, root, kind)
        except ContentError as problem:
            _READ_ONCE[key] = problem
    outcome = _READ_ONCE[key]
    if isinstance(outcome, ContentError):
        raise ContentError(outcome.problems)  # afresh: a caller may add to its problems
    return outcome


def _read_bytes(path: Path, root: Path | None, kind: str) -> bytes:
    """Read a file as read_content_bytes does."""
    limit = MAX_FILE_BYTES[kind]
    try:
        real = path.resolve(strict=True)
        is_regular = stat.S_ISREG(os.stat(real).st_mode)  # before opening: a FIFO would block
    except (OSError, RuntimeError):
        raise _problem(path, "not found, or a link that leads nowhere") from None
    if not is_regular:
        raise _problem(path, "is not a regular file (it is a device, pipe or folder); "
                             "replace it with an ordinary file")
    if root is not None and not real.is_relative_to(Path(root).resolve()):
        raise _problem(path, "is a link to a file outside the content folder; a build reads "
                             "only files inside it: copy the file in instead")
    try:
        # O_NONBLOCK: a pipe swapped in after the check cannot stall the build.
        descriptor = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as error:
        raise _problem(path, f"cannot be read: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise _problem(path, "is not a regular file; replace it with an ordinary file")
        data = file.read(limit + 1)  # never more: a growing file cannot exhaust memory
    if READ is not None:
        READ[real] = hashlib.sha256(data).hexdigest()
    if len(data) > limit:
        raise _problem(path, f"is larger than {_size(limit)}, the limit for a {kind} file: "
                             f"{_HOW_TO_SHRINK[kind]}")
    return data


def read_content_text(path: Path, root: Path | None, kind: str | None = None) -> str:
    """Return a content file as text: UTF-8, any leading byte-order mark dropped, no NUL."""
    return decode_text(read_content_bytes(path, root, kind), Path(path))


def decode_text(data: bytes, path: Path) -> str:
    """Decode UTF-8 content, reporting bad bytes and NUL characters at their own line."""
    data = data.removeprefix(_BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ContentError([Problem(path, line, f"is not UTF-8 text (byte 0x{data[error.start]:02X}"
                                                " on this line); save the file as UTF-8")]) \
            from None
    if "\0" in text:
        line = text[:text.index("\0")].count("\n") + 1
        raise ContentError([Problem(path, line, "a NUL character (U+0000) is in this line; "
                                                "delete it")])
    return text


def css_import_lines(css: str) -> list[int]:
    """Return the lines of a stylesheet's @import rules, escaped spellings included."""
    if not _MAYBE_IMPORT.search(css):
        return []  # most stylesheets: no need to parse them twice (the layout parses them too)
    import tinycss2  # here: the build reads its first files before its second core has work

    return [rule.source_line for rule in tinycss2.parse_stylesheet(
        css, skip_comments=True, skip_whitespace=True)
        if rule.type == "at-rule" and rule.lower_at_keyword == "import"]


def image_problem(path: Path, root: Path | None, name: str) -> str | None:
    """Return why the image file cannot be used, judging its bytes, or None when it can."""
    try:
        data = read_content_bytes(path, root, "image")
    except ContentError as error:
        return f"image '{name}' {error.problems[0].message}"
    return image_data_problem(data, Path(name), name)


def image_data_problem(data: bytes, path: Path, name: str) -> str | None:
    """Return why these image bytes cannot be used, whatever the file is called."""
    suffix = path.suffix.lower()
    raster = next(((format_, usual) for magic, format_, usual in _RASTERS
                   if data.startswith(magic)), None)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        raster = ("WebP", ".webp")
    if raster and suffix == ".svg":
        return (f"image '{name}' is a {raster[0]} image named .svg; rename it to "
                f"{path.stem}{raster[1]}")
    if raster:
        return _raster_problem(data, name)
    if data.removeprefix(_BOM).lstrip()[:1] == b"<":
        if suffix not in (".svg", ""):
            return f"image '{name}' is an SVG image named {suffix}; rename it to {path.stem}.svg"
        return svg_problem(data, name)
    return f"image '{name}' cannot be read as an image (it is not PNG, JPEG, GIF, WebP or SVG)"


def _raster_problem(data: bytes, name: str) -> str | None:
    from PIL import Image  # here, as tinycss2 above

    try:
        with warnings.catch_warnings():  # a bomb is reported below, not warned of on stderr
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:  # lazy: the pixels are not decoded
                width, height = image.size
    except Image.DecompressionBombError:
        return (f"image '{name}' has far more than {MAX_IMAGE_MEGAPIXELS} megapixels; resize "
                "it (a full A5 page at 300 ppi needs about 4.4)")
    except (OSError, ValueError) as error:
        return f"image '{name}' cannot be read as an image ({error})"
    megapixels = width * height / 1e6
    if megapixels > MAX_IMAGE_MEGAPIXELS:
        return (f"image '{name}' is {megapixels:.0f} megapixels ({width} x {height}); the "
                f"limit is {MAX_IMAGE_MEGAPIXELS}: resize it (a full A5 page at 300 ppi needs "
                "about 4.4)")
    return None


class _TooManyElements(Exception):
    pass


def svg_problem(data: bytes, name: str) -> str | None:
    """Return why an SVG cannot be used: too large, not UTF-8, malformed, @import, too detailed."""
    limit = MAX_FILE_BYTES["svg"]
    if len(data) > limit:
        return (f"image '{name}' is an SVG of {_size(len(data))}; the limit is {_size(limit)}: "
                "simplify the drawing or save it as a PNG")
    try:
        data.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        return (f"image '{name}' is not UTF-8 text (byte 0x{data[error.start]:02X} on its line "
                f"{line}); save the SVG as UTF-8, with no other encoding named in its first line")
    elements, open_styles, styles = 0, 0, []
    parser = expat.ParserCreate()  # expat 2.4+ refuses entity expansion bombs itself

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal elements, open_styles
        elements += 1
        open_styles += tag.rpartition(":")[2] == "style"
        if elements > MAX_SVG_ELEMENTS:
            raise _TooManyElements

    def end(tag: str) -> None:
        nonlocal open_styles
        open_styles -= tag.rpartition(":")[2] == "style"

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = lambda text: open_styles and styles.append(text)
    try:
        parser.Parse(data, True)
    except _TooManyElements:
        return (f"image '{name}' has more than {MAX_SVG_ELEMENTS} elements, the limit for an "
                "SVG: simplify the drawing or save it as a PNG")
    except expat.ExpatError as error:
        return (f"image '{name}' is not a well-formed SVG ({expat.errors.messages[error.code]} "
                f"on its line {error.lineno}); export it again from the drawing program")
    if "@import" in "".join(styles):
        return (f"image '{name}' uses @import in its <style>; a build never loads other "
                "stylesheets: copy those rules into the SVG's own <style>")
    return None


_HOW_TO_SHRINK = {"yaml": "split it up", "markdown": "split it into several sections",
                  "template": "split it into smaller templates",
                  "stylesheet": "remove unused rules",
                  "svg": "simplify the drawing or save it as a PNG",
                  "image": "resize or compress it", "profile": "use a standard ICC profile",
                  "catalogue": "remove entries that are not used",
                  "docx": "compress its pictures (in Word: Picture Format > Compress Pictures)"}


def _size(count: int) -> str:
    megabytes = round(count / 1024 / 1024, 1)
    return f"{megabytes:g} MB" if count >= 1024 * 1024 else f"{count // 1024} KB"


def _problem(path: Path, message: str) -> ContentError:
    return ContentError([Problem(path, None, message)])
