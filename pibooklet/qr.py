"""QR codes for web addresses, so paper readers can scan what screen readers can click."""

from __future__ import annotations

import base64
import functools
import gettext
import math
from dataclasses import dataclass
from html import escape

from .links import contact_href

QUIET_ZONE_MODULES = 4
MIN_SYMBOL_MM = 15.0  # the code itself, without its quiet zone
MIN_MODULE_MM = 0.4   # smaller modules defeat many phone cameras


@dataclass(frozen=True)
class QrCode:
    """A vector QR code as an SVG data URI, and its printed width including the quiet zone."""

    data_uri: str
    width_mm: float
    error_level: str


# Each edition of a booklet draws the same codes: drawn once a process.
@functools.lru_cache(maxsize=64)
def make_qr(href: str, dark: str, light: str) -> QrCode:
    """Return a QR code for `href`, drawn in the given CSS colours (error correction M+)."""
    import segno  # here: most booklets print no QR code, and segno takes 0.015 s to load

    code = segno.make(href, error="m", micro=False)  # boosted above M when it costs no size
    modules = code.symbol_size(scale=1, border=0)[0]
    module_mm = max(MIN_MODULE_MM, MIN_SYMBOL_MM / modules)
    side = modules + 2 * QUIET_ZONE_MODULES
    width_mm = math.ceil(side * module_mm * 1000) / 1000  # never round below the minimum
    path = []
    for row, line in enumerate(code.matrix):
        column = 0
        while column < modules:
            if line[column]:
                start = column
                while column < modules and line[column]:
                    column += 1
                path.append(f"M{start + QUIET_ZONE_MODULES},{row + QUIET_ZONE_MODULES}"
                            f"h{column - start}v1h-{column - start}z")
            else:
                column += 1
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
           f'width="{width_mm}mm" height="{width_mm}mm" shape-rendering="crispEdges">'
           f'<rect width="{side}" height="{side}" fill="{light}"/>'
           f'<path fill="{dark}" d="{"".join(path)}"/></svg>')
    data = base64.b64encode(svg.encode()).decode()
    return QrCode(f"data:image/svg+xml;base64,{data}", width_mm, code.error)


def qr_markup(address: str, dark: str, light: str,
              translations: gettext.NullTranslations | None = None) -> str:
    """Return HTML for a QR code with its address printed beside it, in the booklet's language."""
    _ = (translations or gettext.NullTranslations()).gettext
    href = contact_href("web", address)
    code = make_qr(href, dark, light)
    alt = escape(_("QR code for %(address)s") % {"address": address})
    scan = escape(_("Scan the code, or visit"))
    # The SVG's own width (in mm) sizes the image: no style attribute is needed.
    return (f'<span class="qr-code"><img class="qr" src="{code.data_uri}" alt="{alt}">'
            f'<span class="qr-address">{scan}<br>'
            f'<a class="url" href="{escape(href)}">{escape(address)}</a></span></span>')
