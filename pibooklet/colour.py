"""Brand colours defined once for screen and print, and converting artwork to CMYK for press."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from PIL import Image, ImageCms

# Installed by setup from Debian's libgs-common (Ghostscript's profiles, AGPL-3+, freely
# redistributable). A printer's own profile (e.g. FOGRA39) replaces it: see organisation.yaml.
DEFAULT_CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")

_NAMED = {"white": "#FFFFFF", "black": "#000000"}
_SVG_COLOUR = re.compile(
    r"(?P<key>\b(?:fill|stroke|stop-color|flood-color|lighting-color|color)\s*[=:]\s*[\"']?)"
    r"(?P<value>#[0-9A-Fa-f]{3,6}\b|white\b|black\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Colour:
    """One brand colour: sRGB for screens, CMYK percentages for print."""

    screen: str
    print: tuple[int, int, int, int]

    def css(self, press: bool) -> str:
        """Return the CSS value for the screen or the press edition."""
        return cmyk_css(self.print) if press else self.screen


def cmyk_css(cmyk: tuple[float, float, float, float]) -> str:
    """Return `device-cmyk()` for percentages."""
    return "device-cmyk({})".format(" ".join(f"{value / 100:g}" for value in cmyk))


@dataclass(frozen=True)
class PressConverter:
    """Turns sRGB artwork into CMYK for the press edition, honouring the brand's own values."""

    profile: Path
    brand: tuple[Colour, ...]

    @cached_property
    def _transform(self) -> ImageCms.ImageCmsTransform:
        return ImageCms.buildTransform(ImageCms.createProfile("sRGB"),
                                       ImageCms.getOpenProfile(str(self.profile)),
                                       "RGB", "CMYK", ImageCms.Intent.RELATIVE_COLORIMETRIC)

    def cmyk(self, hex_colour: str) -> tuple[float, float, float, float]:
        """Return CMYK percentages for an sRGB colour written #RGB or #RRGGBB."""
        hex_colour = _expand(hex_colour)
        for colour in self.brand:
            if colour.screen.upper() == hex_colour:
                return colour.print
        red, green, blue = (int(hex_colour[index:index + 2], 16) for index in (1, 3, 5))
        if red == green == blue:
            # Greys print in black ink alone: crisp lines, no registration fringes.
            return (0, 0, 0, round(100 - red / 2.55, 1))
        pixel = Image.new("RGB", (1, 1), (red, green, blue))
        converted = ImageCms.applyTransform(pixel, self._transform).getpixel((0, 0))
        return tuple(round(channel / 2.55, 1) for channel in converted)

    def svg(self, data: bytes) -> bytes:
        """Return the SVG with every fill and stroke colour written as device-cmyk()."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:  # the content checks refuse these first
            raise ValueError(f"the SVG is not UTF-8 text (byte 0x{data[error.start]:02X}); "
                             "save it as UTF-8") from None

        def replace(match: re.Match[str]) -> str:
            value = _NAMED.get(match["value"].lower(), match["value"])
            return match["key"] + cmyk_css(self.cmyk(value))

        return _SVG_COLOUR.sub(replace, text).encode("utf-8")

    def raster(self, data: bytes) -> bytes:
        """Return a raster image as a CMYK JPEG (transparency flattened onto white paper)."""
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.mode == "CMYK":
                return data
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                paper = Image.new("RGBA", image.size, (255, 255, 255, 255))
                image = Image.alpha_composite(paper, image)
            converted = ImageCms.applyTransform(image.convert("RGB"), self._transform)
            output = io.BytesIO()
            converted.save(output, format="JPEG", quality=95, subsampling=0,
                           dpi=image.info.get("dpi", (72, 72)))
            return output.getvalue()


def _expand(hex_colour: str) -> str:
    value = hex_colour.upper()
    if len(value) == 4:
        value = "#" + "".join(char * 2 for char in value[1:])
    return value

