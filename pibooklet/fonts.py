"""The booklet's typefaces: installed as Python packages, embedded, never silently replaced.

The brand face sets the text; per script, declared fallbacks draw what it lacks (Welsh ŵ, Arabic).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools import unicodedata
from fontTools.ttLib import TTFont
from fontTools.unicodedata import Scripts

DEFAULT_TYPEFACE = "Atkinson Hyperlegible"
SCRIPT_NAMES = frozenset(Scripts.NAMES.values())  # Latin, Arabic, Bengali, Old_Italic …
# Scripts whose characters (digits, punctuation, marks) any face in the chain may draw.
SHARED_SCRIPTS = frozenset({"Common", "Inherited"})
# A package on PyPI (checked with `pip index versions`) that draws each script, and its family.
SCRIPT_PACKAGES = {
    "Latin": ("fontpkg-noto-sans", "Noto Sans"),
    "Greek": ("fontpkg-noto-sans", "Noto Sans"),
    "Cyrillic": ("fontpkg-noto-sans", "Noto Sans"),
    # Noto Sans Arabic shares dotless shapes between letters, which PDF text reads back
    # wrongly; IBM Plex Sans Arabic draws each letter whole.
    "Arabic": ("fontpkg-ibm-plex-sans-arabic", "IBM Plex Sans Arabic"),
    "Devanagari": ("fontpkg-noto-sans-devanagari", "Noto Sans Devanagari"),
    "Tamil": ("fontpkg-noto-sans-tamil", "Noto Sans Tamil"),
    "Telugu": ("fontpkg-noto-sans-telugu", "Noto Sans Telugu"),
    "Thai": ("fontpkg-noto-sans-thai", "Noto Sans Thai"),
    "Khmer": ("fontpkg-noto-sans-khmer", "Noto Sans Khmer"),
    # No Noto package for these two is on PyPI: Hind Siliguri and Heebo draw them.
    "Bengali": ("fontpkg-hind-siliguri", "Hind Siliguri"),
    "Hebrew": ("fontpkg-heebo", "Heebo"),
}
# Words Pango adds after the family in a PDF font name ("Noto-Sans-Bold-Italic").
_STYLE_WORDS = frozenset({
    "Thin", "Ultra", "Extra", "Light", "Semi", "Demi", "Book", "Regular", "Normal", "Medium",
    "Bold", "Heavy", "Black", "Italic", "Oblique", "Condensed", "Expanded", "Small", "All",
    "Petite", "Caps", "Unicase", "Title"})


class TypefaceMissing(LookupError):
    """The typeface named in the organisation data is not installed."""


@dataclass(frozen=True)
class Typeface:
    """A font family's files and the characters they cover."""

    family: str
    files: tuple[tuple[Path, str | None, str], ...]  # (path, CSS weight, style)
    characters: frozenset[int]

    @property
    def folders(self) -> frozenset[Path]:
        """Folders the layout may read font files from."""
        return frozenset(path.parent for path, _, _ in self.files)

    def font_face_css(self) -> str:
        """Return @font-face rules that load every file of the family."""
        rules = []
        for path, weight, style in self.files:
            # A variable font has no weight of its own: left out, Fontconfig reads the
            # font's weight axis and WeasyPrint instances the font at each weight used.
            weight_rule = f"font-weight: {weight}; " if weight else ""
            rules.append(
                f'@font-face {{ font-family: "{self.family}"; {weight_rule}'
                f'font-style: {style}; src: url("{path.as_uri()}"); }}')
        return "\n".join(rules)


@cache
def load_typeface(family: str) -> Typeface:
    """Find an installed fontpkg family by name and read what it covers."""
    import fontpkg  # here: the process that lays out only unpickles typefaces (0.01 s to load)

    try:
        found = fontpkg.family(family)
    except fontpkg.FontpkgError:
        raise TypefaceMissing(f"the typeface '{family}' is not installed; "
                              f"pip install fontpkg-{fontpkg.slugify(family)}") from None
    files = []
    characters: set[int] = set()
    for item in found.files:
        with TTFont(item.path, lazy=True) as font:
            characters.update(_characters(font))
            weight = _static_weight(font) if item.weight is None else str(item.weight)
        files.append((Path(item.path), weight, item.style))
    return Typeface(found.name, tuple(files), frozenset(characters))


def _characters(font: TTFont) -> set[int]:
    """Return the code points a font maps to a glyph, read from its best cmap subtable alone.

    Only the code points are wanted, not the glyph names: blank names stand in for them, so
    the 'post' table (some 40% of the read, for a large font) is never decoded.
    """
    font.setGlyphOrder([""] * font["maxp"].numGlyphs)
    return set(font.getBestCmap())


def _static_weight(font: TTFont) -> str | None:
    """Return the CSS weight of a font fontpkg gives no weight for; None if it has a weight axis.

    WeasyPrint 70 takes one weight in @font-face and ignores a range such as "100 900" with a
    warning, which fails the build; "None" crashed it the same way.
    """
    if "fvar" in font and any(axis.axisTag == "wght" for axis in font["fvar"].axes):
        return None
    return str(font["OS/2"].usWeightClass)


def script_of(char: str) -> str:
    """Return the Unicode script name of a character, as fallback_typefaces is keyed."""
    return unicodedata.script_name(unicodedata.script(char))


@dataclass(frozen=True)
class TypefaceChain:
    """The brand face, then per script the fallbacks that draw what it lacks, as declared."""

    brand: Typeface
    fallbacks: tuple[tuple[str, tuple[Typeface, ...]], ...] = ()  # (script, faces), in order

    @property
    def typefaces(self) -> tuple[Typeface, ...]:
        """Every face once: the brand face, then the fallbacks in declared order."""
        faces = {self.brand.family: self.brand}
        for _, declared in self.fallbacks:
            for face in declared:
                faces.setdefault(face.family, face)
        return tuple(faces.values())

    @property
    def families(self) -> tuple[str, ...]:
        """The family names, brand face first."""
        return tuple(face.family for face in self.typefaces)

    @property
    def folders(self) -> frozenset[Path]:
        """Folders the layout may read font files from."""
        return frozenset().union(*(face.folders for face in self.typefaces))

    def font_face_css(self) -> str:
        """Return @font-face rules that load every file of every family."""
        return "\n".join(face.font_face_css() for face in self.typefaces)

    def css_family_list(self) -> str:
        """Return the CSS font-family value: the brand face, then the fallbacks."""
        return ", ".join(f'"{family}"' for family in self.families)

    def candidates(self, char: str) -> tuple[Typeface, ...]:
        """Return the faces allowed to draw `char`: any, for digits and punctuation."""
        script = script_of(char)
        if script in SHARED_SCRIPTS:
            return self.typefaces
        faces = {self.brand.family: self.brand}
        for declared_for, declared in self.fallbacks:
            if declared_for == script:
                faces.update((face.family, face) for face in declared)
        return tuple(faces.values())

    def font_for(self, char: str) -> Typeface | None:
        """Return the face that draws `char`, or None when no face allowed to can."""
        return next((face for face in self.candidates(char) if ord(char) in face.characters),
                    None)

    def missing_characters(self, text: str) -> list[str]:
        """Return the characters of `text` that no face allowed to draw them has."""
        return sorted({char for char in text
                       if ord(char) not in self.brand.characters and not char.isspace()
                       and ord(char) >= 0x20 and self.font_for(char) is None})

    def family_of_pdf_font(self, base_font: str) -> str | None:
        """Return the family a PDF font ("ABCDEF+Noto-Sans-Bold") is in, or None if foreign."""
        name = base_font.lstrip("/").split("+", 1)[-1]
        for family in sorted(self.families, key=len, reverse=True):
            stem = family.replace(" ", "-")
            rest = name[len(stem):]
            if name.startswith(stem) and (not rest or rest[0] == "-") and all(
                    word in _STYLE_WORDS or word.isdigit() for word in rest.split("-")[1:]):
                return family
        return None

    def coverage_advice(self, char: str) -> str:
        """Return what to do about a character no allowed face draws."""
        script = script_of(char)
        faces = ", ".join(face.family for face in self.candidates(char))
        if script in SHARED_SCRIPTS:
            return (f"character '{char}' (U+{ord(char):04X}) is in none of the typefaces "
                    f"{faces}; replace it{_installed_face_drawing(char, self)}")
        where = (f"character '{char}' (U+{ord(char):04X}, {script} script) is in none of the "
                 f"typefaces {faces}")
        package, family = SCRIPT_PACKAGES.get(script, (None, None))
        if package is None or family in {face.family for face in self.candidates(char)}:
            slug = re.sub(r"[^a-z0-9]+", "-", script.lower()).strip("-")
            return (f"{where}; find a font package that draws the {script} script (search "
                    f"PyPI for a fontpkg Noto package, such as fontpkg-noto-sans-{slug}), "
                    f"install it and add it to organisation.yaml under fallback_typefaces: "
                    f"'{script}: [its family]'")
        return (f"{where}; pip install {package}, then add it to organisation.yaml under "
                f"fallback_typefaces: '{script}: [{family}]'")


def _installed_face_drawing(char: str, chain: TypefaceChain) -> str:
    """Return advice naming a known, installed package whose face draws a shared character."""
    for package, family in dict.fromkeys(SCRIPT_PACKAGES.values()):
        try:
            face = load_typeface(family)
        except TypefaceMissing:
            continue
        if ord(char) in face.characters and family not in chain.families:
            return (f", or draw it with {family} ({package}): add it to organisation.yaml "
                    f"under fallback_typefaces")
    return ""
