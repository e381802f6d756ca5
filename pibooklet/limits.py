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
    # A Word booklet given to `pibooklet import` (not kept in the folder): text and pictures,
    # zipped; a 24-page booklet with photographs is 2 to 15 MB.
    "docx": 30 * 1024 * 1024,
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

#: Most files beside a missing one compared with its name for "did you mean": a folder holds
#: tens; a hostile one with thousands is not worth scanning for a hint.
MAX_SUGGESTION_CANDIDATES = 500

# Importing a Word or Markdown booklet (pibooklet import) ----------------------------------

#: Most parts (files) a .docx may hold: a booklet with fifty pictures holds about eighty.
MAX_DOCX_PARTS = 1_000
#: Most bytes a .docx's parts may unpack to, all together: a zip bomb unpacks a few KB into
#: gigabytes. Pictures are most of a real booklet's 2 to 20 MB.
MAX_DOCX_UNPACKED_BYTES = 200 * 1024 * 1024
#: Largest XML part (the document's text, styles, numbering): a 24-page booklet's
#: word/document.xml is about 150 KB, a 300-page one about 3 MB; 2 MB (9,000
#: paragraphs) imports in about 5 s and 85 MB.
MAX_DOCX_XML_BYTES = 5 * 1024 * 1024
#: Most headings that start a section, and most pictures, an import will write: a real
#: booklet has 10 to 30 sections and a few dozen pictures.
MAX_IMPORT_SECTIONS = 200
MAX_IMPORT_IMAGES = 200

# Comparing two editions (pibooklet diff) -----------------------------------------------------

#: Largest PDF `pibooklet diff` opens, in bytes: a 24-page press file is about 200 KB, a
#: 300-page one with press photographs a few tens of MB.
MAX_DIFF_INPUT_BYTES = 512 * 2**20
#: Most pages each edition compared may have: as many as one layout may make.
MAX_DIFF_PAGES = MAX_PAGES
#: Resolution pages are compared and shown at, in pixels per inch: at 100 an A5 page is
#: 583 x 827 pixels, enough to see a changed comma, and a 24-page comparison takes seconds.
DIFF_RESOLUTION_PPI = 100
#: Most pixels one page is rendered at, whatever its size says: a page drawn 5 m wide is
#: shown at less than DIFF_RESOLUTION_PPI instead of exhausting the memory.
MAX_DIFF_PAGE_PIXELS = 4_000_000
#: Most marked regions on one page: more (a page laid out anew) are marked as one.
MAX_DIFF_REGIONS = 40
#: Longest a comparison may run, in seconds, and most memory (address space) it may use: two
#: 300-page editions are compared in about 20 s and 120 MB; a PDF bomb stops at either.
MAX_DIFF_SECONDS = 600
MAX_DIFF_MEMORY_BYTES = 6 * 2**30
#: Longest one page's separations may take to render for the plate list, in seconds.
MAX_PLATE_RENDER_SECONDS = 60

# The preview ---------------------------------------------------------------------------------

#: Most preview pages that may follow a rebuild at once (each holds an event stream and a
#: thread): a writer has one or two open; more only tie up the server.
MAX_PREVIEW_STREAMS = 16
