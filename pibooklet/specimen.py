"""A specimen section of every kind of block, laid out by `check` to foresee colour contrast.

The build measures the contrast of every piece of text as laid out. The check lays out no
booklet, so it sets one short section of each kind of block our styles give (and a content
folder's own styles restyle) in the library's brand colours, with the booklet's cover, inside
cover and back cover around it: a colour pair that fails there fails in every booklet.
"""

from __future__ import annotations

from dataclasses import replace

from .content import Booklet, Section

SPECIMEN_ANCHOR = "specimen"
# Our own words; every block a section can hold that has a colour of its own.
SPECIMEN_MARKDOWN = """\
A paragraph of body text with **bold words**, *a phrase in italics* and a web address,
www.example.org.uk, an email address, help@example.org.uk, and a phone number, 0808 808 0000.

## A sub-heading

- **A bold lead-in** – and the rest of a list item
- A plain list item

::: callout
A plain callout: a short statement in a tinted box.
:::

::: callout key
A key message, set a little larger.
:::

::: callout important
An important message, on its own band.
:::

::: callout tip
A tip, between two rules.
:::

::: quote
A short pull quote, as a family might say it.
-- A name, a role
:::

::: story
A family's story, set apart from the text around it.
-- A name, a relation
:::

::: questions
- A question to ask the team?
:::
"""


def specimen_booklet(booklet: Booklet) -> Booklet:
    """Return `booklet` with the specimen as its one section and one notes page."""
    section = Section(path=booklet.manifest, anchor=SPECIMEN_ANCHOR, title="Specimen",
                      listed=True, layout="standard", body=SPECIMEN_MARKDOWN, body_line=1,
                      contents_title="Specimen")
    return replace(booklet, sections=(section,), notes_pages=1, related=())
