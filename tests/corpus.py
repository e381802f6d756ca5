"""A seeded generator of varied booklets, for testing pagination on more than our two samples.

Each seed writes a content library (organisation, directory, one booklet) into a folder. The
booklet mixes section lengths, sub-headings, lists, callouts, pull quotes, questions, stories,
figures of several shapes, directory sizes, new-page sections and the hyphenation setting.

To test a new kind of block, add a function to BLOCKS (and a weight to WEIGHTS): it takes the
random generator and the booklet being written, and returns Markdown.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_CONTENT = Path(__file__).resolve().parent.parent / "content"
SLUG = "generated"

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
    """A highlighted statement of one to three sentences."""
    return "::: callout\n" + " ".join(sentence(rng) for _ in range(rng.randint(1, 3))) + "\n:::"


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
    """A picture, landscape, square or portrait, with a caption."""
    width, height = rng.choice(((400, 200), (300, 300), (240, 360)))
    return (f"![A simple drawing of a circle on a pale background]"
            f"({draft.image(rng, width, height)} \"{sentence(rng, 3, 8)[:-1]}\")")


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
    "story": story,
}
WEIGHTS = {"paragraph": 10, "subheading": 4, "list": 3, "callout": 2, "quote": 1,
           "questions": 1, "figure": 1, "story": 1}


def section(rng: random.Random, draft: Draft, number: int) -> str:
    """Return one section file: front matter, then a varied run of blocks."""
    title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(2, 5))).capitalize()
    layout = "new-page" if number > 1 and rng.random() < 0.2 else "standard"
    kinds = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()),
                        k=rng.choice((1, 2, 4, 7, 12)))
    body = [paragraph(rng, draft)] + [BLOCKS[kind](rng, draft) for kind in kinds]
    return (f"---\ntitle: {title} {number}\nlayout: {layout}\n---\n" + "\n\n".join(body)
            + "\n")


def write_library(root: Path, seed: int) -> Path:
    """Write a library with one generated booklet under root; return the content folder."""
    rng = random.Random(seed)
    content = root / "content"
    (content / "images").mkdir(parents=True)
    shutil.copy(SAMPLE_CONTENT / "images" / "logo.svg", content / "images" / "logo.svg")
    organisation = (SAMPLE_CONTENT / "organisation.yaml").read_text(encoding="utf-8")
    if seed % 3 == 0:  # a third of the corpus is hyphenated, to test the hyphenation rules
        organisation += "hyphenation:\n  enabled: true\n  exceptions:\n    en-GB: [temper-ature]\n"
    (content / "organisation.yaml").write_text(organisation, encoding="utf-8")
    support = [f"help-{index}" for index in range(rng.randint(1, 12))]
    (content / "directory.yaml").write_text("".join(
        f"{entry}:\n  name: {rng.choice(_NAMES)} {rng.choice(_LONG_WORDS).capitalize()} Line\n"
        f"  phone: \"0300 123 45{index:02d}\"\n"
        + (f"  web: www.example.org.uk/{entry}\n" if rng.random() < 0.5 else "")
        + f"  description: {sentence(rng, 4, 18)}\n"
        for index, entry in enumerate(support)), encoding="utf-8")
    folder = content / SLUG
    folder.mkdir()
    draft = Draft(folder)
    names = []
    for number in range(1, rng.randint(2, 10) + 1):
        name = f"{number:02d}-section.md"
        (folder / name).write_text(section(rng, draft, number), encoding="utf-8")
        names.append(name)
    (folder / "booklet.yaml").write_text(
        f"title: Generated booklet {seed}\n"
        "subtitle: For testing how pages are laid out\n"
        "edition: 2025-06\nnext_review: 2028-06\n"
        "reviewers:\n  - name: A Reviewer\n    role: Nurse\n    organisation: A Hospital\n"
        "disclaimer: This booklet is made up, for testing.\n"
        "feedback: Email publications@cclg.org.uk.\n"
        "sections:\n" + "".join(f"  - {name}\n" for name in names)
        + "support:\n" + "".join(f"  - {entry}\n" for entry in support),
        encoding="utf-8")
    return content
