"""Reading a Word booklet (.docx): its zip checked against the limits, then mammoth's HTML.

A .docx is untrusted: it may be a zip bomb, hold macros or embedded programs, link to pictures
on the web or on the machine, or not be a Word file at all. Every part is unpacked with its size
bounded before mammoth sees it; only the document's XML and pictures reach mammoth, from a copy
made in memory; XML with a DTD (which Word never writes) is refused; mammoth never fetches a
linked picture (external file access off), and nothing runs.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import mammoth

from ..errors import ContentError, Problem
from ..intake import read_content_bytes
from ..limits import (
    MAX_DOCX_PARTS,
    MAX_DOCX_UNPACKED_BYTES,
    MAX_DOCX_XML_BYTES,
    MAX_FILE_BYTES,
    MAX_IMPORT_IMAGES,
)
from .blocks import Block, Note, blocks_from_html

#: Word's styles that mean something to a booklet, beyond mammoth's own headings and lists.
STYLE_MAP = "\n".join([
    "p[style-name='Title'] => h1.title:fresh",
    "p[style-name='Subtitle'] => p.subtitle:fresh",
    "p[style-name='TOC Heading'] => p.toc-heading:fresh",
    *(f"p[style-name='{case} {level}'] => p.toc:fresh"
      for level in range(1, 10) for case in ("toc", "TOC")),
])
_OLE = b"\xd0\xcf\x11\xe0"  # how a Word 97-2003 .doc, or an encrypted .docx, begins
_MACROS = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml)$|/activeX/", re.IGNORECASE)


@dataclass
class Picture:
    """A picture of the document: its bytes, or why they could not be had."""

    alt: str
    content_type: str
    data: bytes | None
    problem: str | None = None


@dataclass
class WordDocument:
    """What mammoth read from a .docx: its blocks, pictures, title and notes for the report."""

    blocks: list[Block]
    pictures: list[Picture]
    title: str
    notes: list[Note]


def read_docx(path: Path) -> WordDocument:
    """Return the blocks of a Word booklet; ContentError (one line, `path: ...`) if unusable."""
    data = read_content_bytes(path, None, "docx")
    notes: list[Note] = []
    parts = _unpack(path, data, notes)
    pictures: list[Picture] = []

    def picture(image) -> dict[str, str]:
        alt = (image.alt_text or "").strip()
        pictures.append(_read_picture(image, alt, len(pictures)))
        return {"src": f"pibooklet-image:{len(pictures) - 1}", "alt": alt}

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(_repack(parts)), style_map=STYLE_MAP, ignore_empty_paragraphs=False,
            include_embedded_style_map=False, external_file_access=False,
            convert_image=mammoth.images.img_element(picture))
        blocks, more = blocks_from_html(result.value)
    except RecursionError:
        raise _unusable(path, "is nested too deeply to read") from None
    except Exception as error:  # mammoth on a malformed part: say so in one line
        raise _unusable(path, f"could not be read as a Word document ({_short(error)})") \
            from None
    notes += more
    notes += [Note(None, f"Word: {message.message}") for message in result.messages
              if not message.message.startswith("Unrecognised")]
    return WordDocument(blocks, pictures, _core_title(parts), notes)


def _unpack(path: Path, data: bytes, notes: list[Note]) -> dict[str, bytes]:
    """Return the parts mammoth needs, each read within its limit; refuse a bomb or a non-docx."""
    if data.startswith(_OLE):
        raise _unusable(path, "is a Word 97-2003 document or a password-protected one; open it "
                              "in Word, remove any password and save it as Word Document (.docx)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _unusable(path, "is not a Word document (.docx): open it in Word and save it as "
                              "Word Document (.docx)") from None
    if len(infos) > MAX_DOCX_PARTS:
        raise _unusable(path, f"holds {len(infos)} parts; a Word booklet has a few dozen (the "
                              f"limit is {MAX_DOCX_PARTS})")
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or not any(name.startswith("word/") for name in names):
        raise _unusable(path, "is a zip file but not a Word document (.docx): open it in Word "
                              "and save it as Word Document (.docx)")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_DOCX_UNPACKED_BYTES:
        raise _unusable(path, f"would unpack to {unpacked // 2**20} MB, more than the "
                              f"{MAX_DOCX_UNPACKED_BYTES // 2**20} MB a Word booklet may: "
                              "compress its pictures, or split it")
    parts: dict[str, bytes] = {}
    dropped: set[str] = set()
    for info in infos:
        name = info.filename
        if info.flag_bits & 0x1:
            raise _unusable(path, "is encrypted; save it without a password as .docx")
        if _MACROS.search(name):
            dropped.add("macros or controls (they were not run, and are not kept)")
            continue
        if "/embeddings/" in name:
            dropped.add("embedded objects such as spreadsheets (copy what they show into the "
                        "text)")
            continue
        xml = name.endswith((".xml", ".rels"))
        if not xml and "/media/" not in name:
            continue  # fonts, thumbnails, printer settings: nothing a booklet uses
        limit = MAX_DOCX_XML_BYTES if xml else MAX_FILE_BYTES["image"]
        if info.file_size > limit:
            if not xml:
                continue  # the picture is reported where it stands, as unreadable
            raise _unusable(path, f"has a part ({name}) of {info.file_size // 2**20} MB; the "
                                  f"limit is {limit // 2**20} MB")
        try:
            with archive.open(info) as member:
                body = member.read(limit + 1)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError):
            raise _unusable(path, f"is damaged (its part {name} cannot be unpacked); open it in "
                                  "Word and save it again") from None
        if len(body) > limit:
            raise _unusable(path, f"has a part ({name}) larger than it says; it is damaged or "
                                  "made to exhaust memory")
        if xml and (b"<!DOCTYPE" in body or b"<!ENTITY" in body):
            raise _unusable(path, f"has a part ({name}) with a DTD, which Word never writes; "
                                  "open it in Word and save it again")
        parts[name] = body
    notes += [Note(None, f"the document holds {what}; they were left out") for what in
              sorted(dropped)]
    return parts


def _repack(parts: dict[str, bytes]) -> bytes:
    """Return the checked parts as a new zip, stored: mammoth reads only what was checked."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def _read_picture(image, alt: str, index: int) -> Picture:
    """Return a picture's bytes within the image limit, or why it cannot be had."""
    content_type = image.content_type or ""
    if index >= MAX_IMPORT_IMAGES:
        return Picture(alt, content_type, None, f"is past the {MAX_IMPORT_IMAGES} pictures an "
                                                "import takes")
    limit = MAX_FILE_BYTES["image"]
    try:
        with image.open() as file:
            data = file.read(limit + 1)
    except mammoth.docx.files.InvalidFileReferenceError as error:
        found = re.search(r"image '([^']*)'", str(error))
        target = _short(found[1] if found else "", 80)
        return Picture(alt, content_type, None, f"is linked from outside the document "
                                                f"('{target}'), so it was never fetched: insert "
                                                "the picture itself in Word (Insert > Pictures)")
    except (KeyError, OSError, zipfile.BadZipFile, zlib.error):
        return Picture(alt, content_type, None, "cannot be read from the document (it is "
                                                f"missing, or larger than {limit // 2**20} MB)")
    if len(data) > limit:
        return Picture(alt, content_type, None, f"is larger than {limit // 2**20} MB")
    return Picture(alt, content_type, data)


def _core_title(parts: dict[str, bytes]) -> str:
    """Return the title in the document's properties (File > Info), or ""."""
    try:
        root = ElementTree.fromstring(parts.get("docProps/core.xml", b"<x/>"))
    except ElementTree.ParseError:
        return ""
    found = root.find("{http://purl.org/dc/elements/1.1/}title")
    return " ".join((found.text or "").split()) if found is not None else ""


def _short(value: object, length: int = 120) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= length else text[:length - 1] + "…"


def _unusable(path: Path, message: str) -> ContentError:
    return ContentError([Problem(path, None, f"{message}; nothing was written")])
