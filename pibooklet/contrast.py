"""Colour contrast of every piece of text as laid out, against WCAG 2.1 AA."""

from __future__ import annotations

from dataclasses import dataclass

from . import loader  # noqa: F401 - first: it loads WeasyPrint faster

# isort: split
from weasyprint.formatting_structure import boxes

from .errors import Problem

AA_NORMAL = 4.5
AA_LARGE = 3.0
PX_PER_PT = 96 / 72


@dataclass(frozen=True)
class ColourPair:
    """Text colour on background colour, as sRGB hex, and whether the text is large."""

    text: str
    background: str
    large: bool

    @property
    def ratio(self) -> float:
        """Return the WCAG contrast ratio."""
        lighter, darker = sorted((luminance(self.text), luminance(self.background)), reverse=True)
        return (lighter + 0.05) / (darker + 0.05)

    @property
    def required(self) -> float:
        """Return the ratio WCAG AA requires for this size of text."""
        return AA_LARGE if self.large else AA_NORMAL


def luminance(hex_colour: str) -> float:
    """Return the WCAG relative luminance of an sRGB colour written #RRGGBB."""
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4
    red, green, blue = (int(hex_colour[index:index + 2], 16) for index in (1, 3, 5))
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def text_colour_pairs(document) -> dict[ColourPair, str]:
    """Return every text/background pair in a laid-out document, with a sample of its text."""
    pairs: dict[ColourPair, str] = {}
    for page in document.pages:
        page_box = page._page_box  # WeasyPrint has no public box walker
        _collect(page_box, _hex(page_box.style["background_color"]) or "#FFFFFF", pairs)
    return pairs


def _collect(box, background: str, pairs: dict[ColourPair, str]) -> None:
    background = _hex(box.style["background_color"]) or background
    if isinstance(box, boxes.TextBox) and box.text.strip():
        size_pt = box.style["font_size"] / PX_PER_PT
        bold = box.style["font_weight"] >= 700
        colour = _hex(box.style["color"])
        if colour:
            large = size_pt >= 18 or (bold and size_pt >= 14)
            pairs.setdefault(ColourPair(colour, background, large), box.text.strip()[:40])
    for child in getattr(box, "children", ()):
        _collect(child, background, pairs)


def _hex(colour) -> str | None:
    """Return an opaque sRGB colour as #RRGGBB, or None when transparent."""
    if colour is None or getattr(colour, "alpha", 1) == 0:
        return None
    red, green, blue = (round(max(0.0, min(1.0, value)) * 255)
                        for value in colour.to("srgb").coordinates)
    return f"#{red:02X}{green:02X}{blue:02X}"


def contrast_failures(document) -> list[tuple[ColourPair, str]]:
    """Return the text/background pairs that fall short of WCAG AA, with sample text."""
    return sorted(((pair, sample) for pair, sample in text_colour_pairs(document).items()
                   if pair.ratio < pair.required), key=lambda item: item[0].ratio)


def contrast_problems(document, organisation) -> list[Problem]:
    """Return a problem at the brand colour's line in organisation.yaml for each text colour
    on its background, as laid out in `document`, that falls short of WCAG AA."""
    names = {colour.screen: name for name, colour in organisation.colours.items()}
    source = organisation.source
    problems = []
    for pair, sample in contrast_failures(document):
        text_name = names.get(pair.text, pair.text)
        line = source["colours"].line_of(text_name) if "colours" in source and \
            text_name in source["colours"] else source.line_of("colours")
        problems.append(Problem(organisation.path, line, (
            f"{text_name} text ({pair.text}) on "
            f"{names.get(pair.background, pair.background)} ({pair.background}) has a contrast "
            f"of {pair.ratio:.2f}:1; WCAG AA needs {pair.required:g}:1 (for example "
            f"\"{sample}\"): choose a darker or lighter colour")))
    return problems
