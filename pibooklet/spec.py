"""The print specification: the facts a commercial printer needs to quote for a print run."""

from __future__ import annotations

import gettext
import hashlib
import io
import json

import pikepdf
from PIL import ImageCms

from .content import DEFAULT_PAPER, Booklet, Organisation
from .direction import is_right_to_left
from .press import BLEED_MM
from .render import month_year


def print_specification(booklet: Booklet, organisation: Organisation, press_pdf: bytes,
                        press_file: str,
                        translations: gettext.NullTranslations | None = None,
                        language: str | None = None) -> dict[str, object]:
    """Return the specification of the press file, read back from the file itself, its
    sentences in `language` (the printer's: the organisation's), as `translations` give."""
    _ = (translations or gettext.NullTranslations()).gettext
    with pikepdf.open(io.BytesIO(press_pdf)) as reader:
        pages = len(reader.pages)
        [intent] = reader.Root.OutputIntents
        description = _profile_description(intent.DestOutputProfile.read_bytes())
        condition = str(intent.OutputConditionIdentifier)
    right_to_left = is_right_to_left(booklet.language)
    return {
        "title": booklet.title,
        "publisher": organisation.name,
        "contact": {"phone": organisation.phone, "email": organisation.email},
        "edition": month_year(booklet.edition, language or booklet.language),
        "next_review": month_year(booklet.next_review, language or booklet.language),
        "finished_size": _("A5 portrait, 148 x 210 mm (trimmed)"),
        "pages": pages,
        "sheets_per_copy": pages // 4,
        "binding": _("saddle-stitched: 2 wire stitches on the spine")
                   + (_("; bound on the right-hand edge (the booklet reads right to left)")
                      if right_to_left else ""),
        "reading_direction": "right to left" if right_to_left else "left to right",
        "colours": _("4/4 process CMYK (four colours both sides)"),
        "bleed": (_("%(bleed)s mm on every edge; crop marks outside the bleed")
                  if organisation.print.crop_marks
                  else _("%(bleed)s mm on every edge; no crop marks")) % {"bleed": f"{BLEED_MM:g}"},
        "pdf_standard": "PDF/X-4",
        "colour_profile": {
            "name": description,
            # The printing condition the file was made for, as its OutputIntent names it.
            "output_condition": condition,
            "output_condition_named": organisation.print.output_condition is not None,
            "file": organisation.print.colour_profile.name,
        },
        "paper": _(DEFAULT_PAPER) if organisation.print.paper == DEFAULT_PAPER
        else organisation.print.paper,
        "file": {"name": press_file, "bytes": len(press_pdf),
                 "sha256": hashlib.sha256(press_pdf).hexdigest()},
        "pages_supplied": _("single pages in reading order, cover as page 1")
                          + (_("; pages run right to left: in each spread the even page is "
                               "on the right") if right_to_left else ""),
    }


def _profile_description(profile: bytes) -> str:
    return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile))).strip()


def specification_text(specification: dict[str, object],
                       translations: gettext.NullTranslations | None = None) -> str:
    """Return the specification as a short plain-text sheet a printer can quote from."""
    translations = translations or gettext.NullTranslations()
    _, ngettext = translations.gettext, translations.ngettext
    profile = specification["colour_profile"]
    file = specification["file"]
    contact = specification["contact"]
    rows = [
        (_("Title"), specification["title"]),
        (_("Publisher"), f"{specification['publisher']} ({contact['phone']}, "
                         f"{contact['email']})"),
        (_("Edition"), _("%(edition)s (next review %(next_review)s)") % {
            "edition": specification["edition"], "next_review": specification["next_review"]}),
        (_("Finished size"), specification["finished_size"]),
        (_("Pages"), ngettext("%(pages)s including covers (%(num)s sheet per copy)",
                              "%(pages)s including covers (%(num)s sheets per copy)",
                              specification["sheets_per_copy"])
         % {"pages": specification["pages"], "num": specification["sheets_per_copy"]}),
        (_("Binding"), specification["binding"]),
        *([(_("Format"), specification["format"])] if "format" in specification else []),
        (_("Colours"), specification["colours"]),
        (_("Bleed"), specification["bleed"]),
        (_("PDF standard"), specification["pdf_standard"]),
        (_("Made for"), profile["output_condition"] if profile["output_condition_named"]
         else _("%(condition)s (the profile's own description)")
         % {"condition": profile["output_condition"]}),
        (_("Colour profile"), _("%(name)s (%(file)s, embedded in the PDF/X OutputIntent)")
         % {"name": profile["name"], "file": profile["file"]}),
        (_("Paper"), specification["paper"]),
        (_("Pages supplied"), specification["pages_supplied"]),
        (_("File"), _("%(name)s (%(bytes)s bytes)") % {"name": file["name"],
                                                       "bytes": f"{file['bytes']:,}"}),
        ("SHA-256", file["sha256"]),
    ]
    width = max(len(label) for label, _value in rows)
    lines = [_("PRINT SPECIFICATION"), ""]
    lines += [f"{label + ':':<{width + 1}} {value}" for label, value in rows]
    lines += ["", _("Quantity and delivery: to be confirmed with the order.")]
    return "\n".join(lines) + "\n"


def specification_json(specification: dict[str, object]) -> str:
    """Return the specification as JSON."""
    return json.dumps(specification, indent=2, ensure_ascii=False) + "\n"
