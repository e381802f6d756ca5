"""The booklet typeface: installed as a Python package, embedded, and never silently replaced."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import fontpkg
from fontTools.ttLib import TTFont

DEFAULT_TYPEFACE = "Atkinson Hyperlegible"


class TypefaceMissing(LookupError):
    """The typeface named in the organisation data is not installed."""


@dataclass(frozen=True)
class Typeface:
    """A font family's files, the characters they cover and their PostScript names."""

    family: str
    files: tuple[tuple[Path, int, str], ...]  # (path, weight, style)
    characters: frozenset[int]
    postscript_names: frozenset[str]

    @property
    def folders(self) -> frozenset[Path]:
        """Folders the layout may read font files from."""
        return frozenset(path.parent for path, _, _ in self.files)

    def font_face_css(self) -> str:
        """Return @font-face rules that load every file of the family."""
        rules = []
        for path, weight, style in self.files:
            # WeasyPrint 70 refuses a weight range ("100 900"); a variable font's rule without
            # one still draws every weight: Pango sets its wght axis to the weight asked for.
            weight_rule = "" if " " in weight else f"font-weight: {weight}; "
            rules.append(
                f'@font-face {{ font-family: "{self.family}"; {weight_rule}'
                f'font-style: {style}; src: url("{path.as_uri()}"); }}')
        return "\n".join(rules)

    def missing_characters(self, text: str) -> list[str]:
        """Return the characters of `text` that no file of the family can draw."""
        return sorted({char for char in text
                       if ord(char) not in self.characters and not char.isspace()
                       and ord(char) >= 0x20})


@cache
def load_typeface(family: str) -> Typeface:
    """Find an installed fontpkg family by name and read what it covers."""
    try:
        found = fontpkg.family(family)
    except fontpkg.FontpkgError:
        raise TypefaceMissing(
            f"the typeface '{family}' is not installed; install its package "
            f"(for example: pip install fontpkg-{fontpkg.slugify(family)})") from None
    files = []
    characters: set[int] = set()
    names: set[str] = set()
    for item in found.files:
        with TTFont(item.path, lazy=True) as font:
            characters.update(font.getBestCmap())
            names.add(font["name"].getDebugName(6))
            weights = _instances(font) if item.weight is None else (item.weight,)
        files += [(Path(item.path), weight, item.style) for weight in weights]
    return Typeface(found.name, tuple(files), frozenset(characters), frozenset(names))


#: The weights the styles use: regular text and bold.
_WEIGHTS_USED = (400, 700)


def _instances(font: TTFont) -> tuple[int, ...]:
    """Return the weights a variable font is declared at (fontpkg gives its weight as None).

    WeasyPrint 70 refuses a weight range in @font-face, so the file is declared once per weight
    the styles use that its 'wght' axis reaches; each is drawn from its own instance.
    """
    for axis in font["fvar"].axes if "fvar" in font else ():
        if axis.axisTag == "wght":
            return tuple(weight for weight in _WEIGHTS_USED
                         if axis.minValue <= weight <= axis.maxValue)
    return (font["OS/2"].usWeightClass,)
