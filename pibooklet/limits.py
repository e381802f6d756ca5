"""Every limit the build puts on untrusted content, decided once, here.

A content folder comes from many hands, so each limit is set far above what any real booklet
needs and far below what would exhaust the machine. The README lists them; a file or structure
past one is a content error at its `path:line`, reported before anything is laid out.
"""

from __future__ import annotations

# Files -------------------------------------------------------------------------------------

#: Largest file of each kind a content folder may hold, in bytes. A whole 24-page booklet's
#: text is about 40 KB; a press-quality A5 photograph is 2 to 8 MB.
MAX_FILE_BYTES: dict[str, int] = {
    "yaml": 512 * 1024,        # manifests, organisation.yaml, directory.yaml
    "markdown": 128 * 1024,    # one section: about 60 pages of text
    "template": 256 * 1024,    # a content folder's own Jinja template
    "stylesheet": 512 * 1024,  # a content folder's own CSS
    "svg": 2 * 1024 * 1024,    # logos, icons, diagrams
    "image": 30 * 1024 * 1024,  # PNG and JPEG photographs
    "profile": 10 * 1024 * 1024,  # an ICC output profile
    "catalogue": 512 * 1024,   # a gettext .po catalogue: ours are about 20 KB
}

#: Largest raster image, in millions of pixels, judged by the file's content whatever it is
#: called: a full A5 page at 300 ppi needs about 4.4.
MAX_IMAGE_MEGAPIXELS = 25

#: Most elements an SVG may have: a detailed logo or diagram has a few hundred.
MAX_SVG_ELEMENTS = 20_000

#: Most files one edition's layout may ask for: the 24-page sample asks for about 50
#: (stylesheets, fonts, pictures). A stylesheet that imports itself, or two that import each
#: other twice over, would otherwise have the layout fetch without end.
MAX_FILES_FETCHED = 2_000

#: Most pages one layout may make: the longest real booklets run to about 100 pages, and a
#: 300-page test booklet is built. A content stylesheet that breaks the page after every
#: paragraph would otherwise have the layout run for minutes.
MAX_PAGES = 600

# YAML --------------------------------------------------------------------------------------

#: Deepest nesting of lists and maps a YAML file may use: real content needs four or five;
#: deeper nesting only serves to exhaust the parser's recursion.
MAX_YAML_DEPTH = 20
#: Most aliases (*name) a YAML file may use: each can copy a whole structure, so a few levels
#: of them expand exponentially (a "billion laughs").
MAX_YAML_ALIASES = 20
#: Most values (items, keys and texts) a YAML file may hold once its aliases are expanded: a
#: 512 KB directory.yaml written out in full holds about 60,000.
MAX_YAML_VALUES = 200_000

# Markdown ----------------------------------------------------------------------------------

#: Deepest nesting of Markdown blocks (::: blocks, > quotes and lists, counted together): a
#: real booklet uses three at most, and each level narrows the column.
MAX_MARKDOWN_NESTING = 6

#: Longest line of Markdown, in characters, that the pattern-matching stages will read: a long
#: paragraph written on one line is about 4,000.
MAX_LINE_CHARACTERS = 20_000

#: Longest paragraph (lines with no blank line between them), in characters, and most markup
#: characters ([ < * _ `) in one. Python-Markdown reads a paragraph's inline markup in time
#: that grows with its length times its markup, and nests emphasis by recursion, so both are
#: bounded: a long real paragraph is about 1,500 characters with a dozen links or bold words
#: (the samples' largest: 435 and 16). At these limits the worst paragraph measured renders in
#: about one second.
MAX_PARAGRAPH_CHARACTERS = 10_000
MAX_PARAGRAPH_MARKUP = 100

# Templates ---------------------------------------------------------------------------------

#: Longest string or list a template may make (by `*`, `~`, a filter or a call), and the
#: largest number it may pass to a call: a whole booklet's HTML is about 300,000 characters,
#: and a template only joins short pieces of it.
MAX_TEMPLATE_STRING = 1_000_000
#: Most numbers all of a render's range() loops may count through together: our templates
#: count a few hundred notes lines; Jinja's sandbox caps one range at 100,000, but nested
#: loops would multiply.
MAX_TEMPLATE_LOOP_ITEMS = 200_000
#: Most lines of a content folder's own templates one render may run: a real back cover runs
#: a few hundred; five million take a few seconds, so a loop or recursion without end stops.
MAX_TEMPLATE_STEPS = 5_000_000
#: Longest a render may run a content folder's own templates, in seconds: ours render a
#: booklet in well under one; the time in one filter (a sort, a join) counts too.
MAX_TEMPLATE_SECONDS = 10
#: Most characters of HTML one render may make: the 24-page sample is about 300,000.
MAX_RENDERED_HTML_BYTES = 20_000_000

# The page ----------------------------------------------------------------------------------

#: How far, in points, text or a picture may stray past its page's text area before the build
#: refuses it as drawn off the page: enough for rounding and a glyph's overhang, far less than
#: a letter.
OFF_PAGE_TOLERANCE_PT = 1.0

# Jobs and the output folder ----------------------------------------------------------------

#: Age in seconds after which a build's temporary `.part` file is removed whatever its process
#: id says: a live build keeps one for milliseconds, so a day-old one was left by a build killed
#: on another machine or before the process id was reused.
STALE_TEMPORARY_SECONDS = 24 * 60 * 60

#: Longest exception text, in characters, put in the one-line message about a crash; the whole
#: traceback is in the crash report file.
MAX_CRASH_SUMMARY_CHARACTERS = 200

#: Most files a content folder may hold for a build to fingerprint them: a library of 200
#: booklets in five languages with twenty files each holds 20,000.
MAX_CONTENT_FILES = 100_000
#: Most bytes its files may add up to: 200 booklets with ten press photographs each hold
#: about 10 GiB. Every file is hashed once (then known by its size and times): 16 GiB take
#: about half a minute.
MAX_CONTENT_BYTES = 16 * 2**30
#: Deepest a content folder's folders may nest: a translation's images are four deep.
MAX_FOLDER_DEPTH = 32

# The preview ---------------------------------------------------------------------------------

#: Most preview pages that may follow a rebuild at once (each holds an event stream and a
#: thread): a writer has one or two open; more only tie up the server.
MAX_PREVIEW_STREAMS = 16
