"""A seeded generator of varied booklets, for testing pagination on more than our two samples.

Each seed writes a content library (organisation, directory, one booklet) into a folder. The
booklet mixes section lengths, sub-headings, lists, callouts of every style, pull quotes,
questions, stories, figures (SVG drawings and PNG or JPEG photographs, sized, floated, full
column or full bleed, with credits), "more from us" blocks pointing at a second, tiny booklet,
untitled and heading-less sections and contents entries of their own words, a shared section,
directory sizes from none to many with sub-headings and texts between entries, reviewers as a
list or one running sentence, new-page sections and the hyphenation setting.

To test a new kind of block, add a function to BLOCKS (and a weight to WEIGHTS): it takes the
random generator and the booklet being written, and returns Markdown.
"""

from __future__ import annotations

import io
import math
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw

SAMPLE_CONTENT = Path(__file__).resolve().parent.parent / "content"
SLUG = "generated"
OTHER = "other"  # the tiny second booklet that "more from us" blocks point at
COLUMN_MM = 113  # the standard edition's text column (pibooklet.markup.STANDARD_COLUMN_MM)
BLEED_MM = 148 + 2 * 3  # an A5 page's width and its bleed either side
PPI = 300  # the press file's least resolution for a photograph at its printed size

_PROSE = (
    "the team will talk with you about what happens next and how long it may take "
    "your child can bring a toy or a book to help them feel at home on the ward "
    "many families find it helps to write down questions before they meet the doctor "
    "nurses can explain each step again if you need them to and that is fine "
    "some days are harder than others and it is normal to feel tired or worried "
    "ask about help with travel costs parking and meals while you are in hospital"
)
_WORDS = _PROSE.split()
_LONG_WORDS = ("treatment", "appointment", "information", "understanding", "specialist",
               "physiotherapist", "neighbourhood", "recommendation", "radiotherapy",
               "chemotherapy", "consultant", "diagnosis", "temperature", "medication",
               "independence", "conversation", "arrangements", "unfortunately",
               "accommodation", "responsibilities")
_NAMES = ("Amira", "Ben", "Chloe", "Dev", "Ellie", "Finn", "Grace", "Harun", "Isla", "Jack")


@dataclass
class Draft:
    """The booklet being written: its folder, and what its blocks have added so far."""

    folder: Path
    images: list[str] = field(default_factory=list)

    def image(self, rng: random.Random, width: int, height: int) -> str:
        """Write an SVG picture of the given shape; return its path in Markdown."""
        name = f"picture-{len(self.images) + 1}.svg"
        (self.folder / "images").mkdir(exist_ok=True)
        hue = rng.choice(("#5B2A86", "#00766C", "#B04A2F"))
        (self.folder / "images" / name).write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><rect width="{width}" height="{height}" '
            f'fill="#F1EAF7"/><circle cx="{width // 2}" cy="{height // 2}" '
            f'r="{min(width, height) // 3}" fill="{hue}"/></svg>\n', encoding="utf-8")
        self.images.append(name)
        return f"images/{name}"

    def photo(self, rng: random.Random, printed_mm: float, shape: tuple[int, int]) -> str:
        """Write a small PNG or JPEG 'photograph' with 300 ppi at its printed width; return
        its path in Markdown."""
        pixels = math.ceil(printed_mm / 25.4 * PPI)
        width, height = pixels, math.ceil(pixels * shape[1] / shape[0])
        picture = Image.new("RGB", (width, height), rng.choice(
            ((214, 196, 170), (160, 190, 205), (190, 210, 170))))
        pen = ImageDraw.Draw(picture)
        for _ in range(rng.randint(2, 5)):  # a few soft shapes: something to look at, cheap
            x, y = rng.randrange(width), rng.randrange(height)
            radius = rng.randint(width // 10, width // 3)
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=tuple(
                rng.randint(60, 230) for _ in range(3)))
        kind = "jpg" if rng.random() < 0.5 else "png"
        name = f"photo-{len(self.images) + 1}.{kind}"
        (self.folder / "images").mkdir(exist_ok=True)
        data = io.BytesIO()
        if kind == "jpg":
            picture.save(data, "JPEG", quality=60, optimize=True)
        else:
            picture.quantize(16).save(data, "PNG", optimize=True)
        (self.folder / "images" / name).write_bytes(data.getvalue())
        self.images.append(name)
        return f"images/{name}"


def sentence(rng: random.Random, low: int = 6, high: int = 16) -> str:
    """Return one plain sentence of our own words, with a few long ones to break."""
    words = [rng.choice(_LONG_WORDS) if rng.random() < 0.18 else rng.choice(_WORDS)
             for _ in range(rng.randint(low, high))]
    return (" ".join(words)).capitalize() + "."


def paragraph(rng: random.Random, draft: Draft) -> str:
    """A paragraph of one to six sentences, wrapped as people write Markdown."""
    return " ".join(sentence(rng) for _ in range(rng.randint(1, 6)))


def subheading(rng: random.Random, draft: Draft) -> str:
    """A sub-heading followed by its text."""
    title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(2, 6))).capitalize()
    return f"## {title}\n\n{paragraph(rng, draft)}"


def bullet_list(rng: random.Random, draft: Draft) -> str:
    """A list, some items with a bold lead-in and some long enough to wrap."""
    items = []
    for _ in range(rng.randint(2, 7)):
        text = sentence(rng, 3, 30)
        if rng.random() < 0.4:
            text = f"**{rng.choice(_LONG_WORDS).capitalize()}** – {text[0].lower()}{text[1:]}"
        items.append(f"- {text}")
    return "\n".join(items)


def callout(rng: random.Random, draft: Draft) -> str:
    """A highlighted statement of one to three sentences, plain or key, important or tip; its
    body is plain text, with a word in bold now and then."""
    style = rng.choice(("", " key", " important", " tip"))
    words = " ".join(sentence(rng) for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.3:
        words = f"**{rng.choice(_LONG_WORDS).capitalize()}** {words[0].lower()}{words[1:]}"
    return f"::: callout{style}\n{words}\n:::"


def quote(rng: random.Random, draft: Draft) -> str:
    """A pull quote with its attribution."""
    words = " ".join(sentence(rng) for _ in range(rng.randint(1, 3)))
    return (f"::: quote\n“{words}”\n-- {rng.choice(_NAMES)} {rng.choice(_NAMES)}, "
            "Consultant, Example Children's Hospital\n:::")


def questions(rng: random.Random, draft: Draft) -> str:
    """Questions to ask, each with lines to write the answer on."""
    items = [f"- {sentence(rng, 4, 14)[:-1]}?" for _ in range(rng.randint(2, 8))]
    return "::: questions\n" + "\n".join(items) + "\n:::"


def figure(rng: random.Random, draft: Draft) -> str:
    """A picture, landscape, square or portrait, drawing or photograph, with a caption; maybe
    with a width, floated left or right or across the column, and a credit."""
    width, height = rng.choice(((400, 200), (300, 300), (240, 360)))
    place = rng.choice((None, None, "left", "right", "column"))
    size = None
    if place != "column" and rng.random() < 0.6:
        size = rng.choice((f"{rng.randint(6, 9) * 5}mm", f"{rng.randint(3, 10) * 10}%"))
    attributes = [f"width={size}"] if size else []
    attributes += [f"place={place}"] if place else []
    if rng.random() < 0.5:
        attributes.append(f'credit="Photo: {rng.choice(_NAMES)} {rng.choice(_NAMES)}son"')
    if rng.random() < 0.5:
        printed = COLUMN_MM * (0.45 if place in ("left", "right") else 1.0)
        if size:
            printed = float(size[:-2]) if size.endswith("mm") else COLUMN_MM * int(
                size[:-1]) / 100
        source = draft.photo(rng, printed, (width, height))
        alt = "A photograph of soft coloured shapes"
    else:
        source = draft.image(rng, width, height)
        alt = "A simple drawing of a circle on a pale background"
    braces = "{" + " ".join(attributes) + "}" if attributes else ""
    return f"![{alt}]({source} \"{sentence(rng, 3, 8)[:-1]}\"){braces}"


def bleed(rng: random.Random, draft: Draft) -> str:
    """A photograph on a page of its own, running off the page, with its caption and credit."""
    source = draft.photo(rng, BLEED_MM, rng.choice(((3, 2), (4, 3), (1, 1))))
    credit = f' credit="Photo: {rng.choice(_NAMES)} {rng.choice(_NAMES)}son"' \
        if rng.random() < 0.7 else ""
    return (f"![A photograph of soft coloured shapes]({source} "
            f"\"{sentence(rng, 3, 10)[:-1]}\"){{place=bleed{credit}}}")


def more(rng: random.Random, draft: Draft) -> str:
    """"More from us": the library's other booklet, with how to get it."""
    return f"::: more {OTHER}\n{paragraph(rng, draft)}\n:::"


def story(rng: random.Random, draft: Draft) -> str:
    """A family's story: paragraphs, maybe a picture, and who told it."""
    parts = [figure(rng, draft)] if rng.random() < 0.5 else []
    parts += [paragraph(rng, draft) for _ in range(rng.randint(1, 4))]
    name, child = rng.sample(_NAMES, 2)
    parts.append(f"-- {name}, parent of {child}")
    return "::: story\n" + "\n\n".join(parts) + "\n:::"


BLOCKS: dict[str, Callable[[random.Random, Draft], str]] = {
    "paragraph": paragraph, "subheading": subheading, "list": bullet_list,
    "callout": callout, "quote": quote, "questions": questions, "figure": figure,
    "story": story, "bleed": bleed, "more": more,
}
WEIGHTS = {"paragraph": 10, "subheading": 4, "list": 3, "callout": 2, "quote": 1,
           "questions": 1, "figure": 1.5, "story": 1, "bleed": 0, "more": 0.3}
# Each seed draws its own mix: some lean on one kind of block, and some have bleed pictures.
VARIED = ("callout", "quote", "questions", "figure", "story", "list")


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(low, high))).capitalize()


def front_matter(rng: random.Random, number: int) -> str:
    """A section's front matter: titled or not, its heading printed or not, its contents entry
    the title, its own words or none."""
    title = f"{_words(rng, 2, 5)} {number}"
    layout = "new-page" if number > 1 and rng.random() < 0.2 else "standard"
    roll = rng.random()
    if number == 1 and roll < 0.4:  # an introduction under the contents list
        keys = ["contents: false"]
    elif roll < 0.08:  # untitled, but listed in the contents
        keys = [f"contents: {_words(rng, 1, 3)} {number}"]
    elif roll < 0.16:
        keys = [f"title: {title}", "heading: false"]
    elif roll < 0.3:
        keys = [f"title: {title}", f"contents: {_words(rng, 1, 3)} {number}"]
    else:
        keys = [f"title: {title}"]
    return "---\n" + "\n".join([*keys, f"layout: {layout}"]) + "\n---\n"


def section(rng: random.Random, draft: Draft, number: int, weights: dict[str, float]) -> str:
    """Return one section file: front matter, then a varied run of blocks."""
    kinds = rng.choices(list(weights), weights=list(weights.values()),
                        k=rng.choice((1, 2, 4, 7, 12)))
    body = [paragraph(rng, draft)] + [BLOCKS[kind](rng, draft) for kind in kinds]
    return front_matter(rng, number) + "\n\n".join(body) + "\n"


def _directory(rng: random.Random) -> tuple[str, list[str]]:
    """Return directory.yaml and a booklet's support items: none to many entries, some with
    no description, web address or phone, with sub-headings and texts between them."""
    size = rng.choice((0, 1, 2, rng.randint(3, 8), rng.randint(9, 16), rng.randint(17, 26)))
    entries, items = [], []
    for index in range(size):
        entry = f"help-{index}"
        lines = [f"{entry}:",
                 f"  name: {rng.choice(_NAMES)} {rng.choice(_LONG_WORDS).capitalize()} Line"]
        if rng.random() < 0.8:
            lines.append(f"  phone: \"0300 123 {4500 + index}\"")
        if rng.random() < 0.5 or len(lines) == 2:
            lines.append(f"  web: www.example.org.uk/{entry}")
        if rng.random() < 0.75:
            lines.append(f"  description: {sentence(rng, 4, 18)}")
        entries.append("\n".join(lines) + "\n")
        if rng.random() < 0.15:
            items.append(f"heading: {_words(rng, 2, 5)}")
        if rng.random() < 0.08:
            items.append(f"text: {' '.join(sentence(rng) for _ in range(rng.randint(1, 3)))}")
        items.append(entry)
    if items and rng.random() < 0.4:
        items.insert(0, f"text: {' '.join(sentence(rng) for _ in range(rng.randint(1, 2)))}")
    if items and rng.random() < 0.2:
        items.append(f"text: {sentence(rng)}")
    return "".join(entries) or "{}\n", items


def _reviewers(rng: random.Random) -> str:
    """The reviewers, as a list or as one running sentence."""
    if rng.random() < 0.5:
        return "reviewers:\n  - name: A Reviewer\n    role: Nurse\n    organisation: A Hospital\n"
    people = [f"{rng.choice(_NAMES)} {rng.choice(_NAMES)}son, {rng.choice(_LONG_WORDS)} "
              f"nurse, {rng.choice(_NAMES)}'s Hospital" for _ in range(rng.randint(1, 3))]
    return ("reviewers: >-\n  This booklet was reviewed by " + ", and ".join(people)
            + ", with our information advisory group of parents and professionals.\n")


def _other_booklet(content: Path) -> None:
    """Write the tiny booklet that "more from us" blocks point at."""
    folder = content / OTHER
    folder.mkdir()
    (folder / "01-section.md").write_text(
        "---\ntitle: About this other booklet\n---\nIt is short, for testing.\n",
        encoding="utf-8")
    (folder / "booklet.yaml").write_text(
        "title: Another generated booklet\nedition: 2025-06\nnext_review: 2028-06\n"
        "reviewers:\n  - name: A Reviewer\n    role: Nurse\n    organisation: A Hospital\n"
        "disclaimer: This booklet is made up, for testing.\n"
        "feedback: Email publications@cclg.org.uk.\n"
        "sections:\n  - 01-section.md\n", encoding="utf-8")


def write_library(root: Path, seed: int) -> Path:
    """Write a library with one generated booklet under root; return the content folder."""
    rng = random.Random(seed)
    content = root / "content"
    # The library's shared images: the logo and the trust marks organisation.yaml declares.
    shutil.copytree(SAMPLE_CONTENT / "images", content / "images")
    organisation = (SAMPLE_CONTENT / "organisation.yaml").read_text(encoding="utf-8")
    if seed % 3 == 0:  # a third of the corpus is hyphenated, to test the hyphenation rules
        organisation += "hyphenation:\n  enabled: true\n  exceptions:\n    en-GB: [temper-ature]\n"
    (content / "organisation.yaml").write_text(organisation, encoding="utf-8")
    directory, support = _directory(rng)
    (content / "directory.yaml").write_text(directory, encoding="utf-8")
    _other_booklet(content)
    folder = content / SLUG
    folder.mkdir()
    draft = Draft(folder)
    weights = {kind: weight * rng.choice((0.5, 1, 1, 2)) if kind in VARIED else weight
               for kind, weight in WEIGHTS.items()}
    if seed % 4 == 1:  # a quarter of the corpus has full-bleed pictures
        weights["bleed"] = 0.4
    names = []
    for number in range(1, rng.randint(2, 10) + 1):
        name = f"{number:02d}-section.md"
        (folder / name).write_text(section(rng, draft, number, weights), encoding="utf-8")
        names.append(name)
    if rng.random() < 0.3:  # a shared section, from the library's shared folder
        (content / "shared").mkdir()
        shutil.copy(SAMPLE_CONTENT / "shared" / "help-with-costs.md", content / "shared")
        names.insert(rng.randint(1, len(names)), "shared/help-with-costs.md")
    (folder / "booklet.yaml").write_text(
        f"title: Generated booklet {seed}\n"
        "subtitle: For testing how pages are laid out\n"
        "edition: 2025-06\nnext_review: 2028-06\n" + _reviewers(rng)
        + "disclaimer: This booklet is made up, for testing.\n"
        "feedback: Email publications@cclg.org.uk.\n"
        "sections:\n" + "".join(f"  - {name}\n" for name in names)
        + "support:" + ("".join(f"\n  - {_quoted(item)}" for item in support) or " []")
        + "\n", encoding="utf-8")
    return content


def _quoted(item: str) -> str:
    """A support item as YAML: an id, or a one-key mapping with its value quoted."""
    key, _, value = item.partition(": ")
    return f"{key}: \"{value}\"" if value else item
