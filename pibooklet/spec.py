"""The print specification: the facts a commercial printer needs to quote for a print run."""

from __future__ import annotations

import hashlib
import io
import json

from PIL import ImageCms
from pypdf import PdfReader

from .content import Booklet, Organisation
from .direction import is_right_to_left
from .press import BLEED_MM
from .render import month_year


def print_specification(booklet: Booklet, organisation: Organisation, press_pdf: bytes,
                        press_file: str) -> dict[str, object]:
    """Return the specification of the press file, read back from the file itself."""
    reader = PdfReader(io.BytesIO(press_pdf))
    pages = len(reader.pages)
    [intent] = [item.get_object() for item in reader.trailer["/Root"]["/OutputIntents"]]
    description = _profile_description(intent["/DestOutputProfile"].get_data())
    right_to_left = is_right_to_left(booklet.language)
    return {
        "title": booklet.title,
        "publisher": organisation.name,
        "contact": {"phone": organisation.phone, "email": organisation.email},
        "edition": month_year(booklet.edition),
        "next_review": month_year(booklet.next_review),
        "finished_size": "A5 portrait, 148 x 210 mm (trimmed)",
        "pages": pages,
        "sheets_per_copy": pages // 4,
        "binding": "saddle-stitched: 2 wire stitches on the spine"
                   + ("; bound on the right-hand edge (the booklet reads right to left)"
                      if right_to_left else ""),
        "reading_direction": "right to left" if right_to_left else "left to right",
        "colours": "4/4 process CMYK (four colours both sides)",
        "bleed": f"{BLEED_MM:g} mm on every edge"
                 + ("; crop marks outside the bleed" if organisation.print.crop_marks
                    else "; no crop marks"),
        "pdf_standard": "PDF/X-4",
        "colour_profile": {
            "name": description,
            # The printing condition the file was made for, as its OutputIntent names it.
            "output_condition": str(intent["/OutputConditionIdentifier"]),
            "output_condition_named": organisation.print.output_condition is not None,
            "file": organisation.print.colour_profile.name,
        },
        "paper": organisation.print.paper,
        "file": {"name": press_file, "bytes": len(press_pdf),
                 "sha256": hashlib.sha256(press_pdf).hexdigest()},
        "pages_supplied": "single pages in reading order, cover as page 1"
                          + ("; pages run right to left: in each spread the even page is "
                             "on the right"
                             if right_to_left else ""),
    }


def _profile_description(profile: bytes) -> str:
    return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile))).strip()


def specification_text(specification: dict[str, object]) -> str:
    """Return the specification as a short plain-text sheet a printer can quote from."""
    profile = specification["colour_profile"]
    file = specification["file"]
    contact = specification["contact"]
    rows = [
        ("Title", specification["title"]),
        ("Publisher", f"{specification['publisher']} ({contact['phone']}, {contact['email']})"),
        ("Edition", f"{specification['edition']} (next review {specification['next_review']})"),
        ("Finished size", specification["finished_size"]),
        ("Pages", f"{specification['pages']} including covers "
                  f"({specification['sheets_per_copy']} sheets per copy)"),
        ("Binding", specification["binding"]),
        ("Colours", specification["colours"]),
        ("Bleed", specification["bleed"]),
        ("PDF standard", specification["pdf_standard"]),
        ("Made for", profile["output_condition"] + (
            "" if profile["output_condition_named"] else " (the profile's own description)")),
        ("Colour profile", f"{profile['name']} ({profile['file']}, embedded in the "
                           "PDF/X OutputIntent)"),
        ("Paper", specification["paper"]),
        ("Pages supplied", specification["pages_supplied"]),
        ("File", f"{file['name']} ({file['bytes']:,} bytes)"),
        ("SHA-256", file["sha256"]),
    ]
    width = max(len(label) for label, _ in rows)
    lines = ["PRINT SPECIFICATION", ""]
    lines += [f"{label + ':':<{width + 1}} {value}" for label, value in rows]
    lines += ["", "Quantity and delivery: to be confirmed with the order."]
    return "\n".join(lines) + "\n"


def specification_json(specification: dict[str, object]) -> str:
    """Return the specification as JSON."""
    return json.dumps(specification, indent=2, ensure_ascii=False) + "\n"
