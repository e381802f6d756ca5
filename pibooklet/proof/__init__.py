"""Comparing two editions of a booklet: what changed, where, on which plates (pibooklet diff).

The stages, in order: `pages` reads each edition's pages (size, words, pixels) within the
limits; `compare` pairs old and new pages and finds the changed regions and text; `plates`
tells a printer which sheet sides and inks changed; `document` writes the proof PDF; `report`
prints the changes for a person or a CI; `revisions` builds two git revisions of a booklet to
compare; `confine` runs a comparison in a process of its own, bounded in time and memory.
"""


class ProofError(Exception):
    """Two editions cannot be compared (unreadable, past a limit, no such revision): one line."""
