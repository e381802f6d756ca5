"""Every limit the build puts on untrusted content, decided once, here.

A content folder comes from many hands, so each limit is set far above what any real booklet
needs and far below what would exhaust the machine. The README lists them; a file or structure
past one is a content error at its `path:line`, reported before anything is laid out.
"""

from __future__ import annotations

#: Largest file of each kind a content folder may hold, in bytes. A whole 24-page booklet's
#: text is about 40 KB; a press-quality A5 photograph is 2 to 8 MB.
MAX_FILE_BYTES: dict[str, int] = {
    "yaml": 512 * 1024,        # manifests, organisation.yaml, directory.yaml
    "markdown": 512 * 1024,    # one section
    "template": 256 * 1024,    # a content folder's own Jinja template
    "stylesheet": 512 * 1024,  # a content folder's own CSS
    "svg": 2 * 1024 * 1024,    # logos, icons, diagrams
    "image": 30 * 1024 * 1024,  # PNG and JPEG photographs
    "profile": 10 * 1024 * 1024,  # an ICC output profile
}

#: Largest raster image, in millions of pixels, judged by the file's content whatever it is
#: called: a full A5 page at 300 ppi needs about 4.4.
MAX_IMAGE_MEGAPIXELS = 25

#: Most elements an SVG may have: a detailed logo or diagram has a few hundred.
MAX_SVG_ELEMENTS = 20_000

#: Deepest nesting of lists and maps a YAML file may use: real content needs four or five;
#: deeper nesting only serves to exhaust the parser's recursion.
MAX_YAML_DEPTH = 20
#: Most aliases (*name) a YAML file may use: each can copy a whole structure, so a few levels
#: of them expand exponentially (a "billion laughs").
MAX_YAML_ALIASES = 20

#: Deepest nesting of Markdown blocks (::: blocks, > quotes and lists, counted together): a
#: real booklet uses three at most, and each level narrows the column.
MAX_MARKDOWN_NESTING = 6

#: Longest line of Markdown, in characters, that the pattern-matching stages will read: a long
#: paragraph written on one line is about 4,000.
MAX_LINE_CHARACTERS = 20_000

#: Longest paragraph (lines with no blank line between them), in characters, and most markup
#: characters ([ < * _ `) in one. Python-Markdown reads a paragraph's inline markup in time
#: that grows with its length times its markup, and nests emphasis by recursion, so both are
#: bounded: a long real paragraph is about
#: 1,500 characters with a dozen links or bold words (the samples' largest: 435 and 16). At
#: these limits the worst paragraph measured renders in about one second.
MAX_PARAGRAPH_CHARACTERS = 10_000
MAX_PARAGRAPH_MARKUP = 100
