"""Stylesheets parsed once a process, not once a layout.

WeasyPrint parses every stylesheet a document names each time it lays the document out. A
build lays out three to five times in one process (a "more from us" cover, each edition, the
copyfit's second looks), and our five stylesheets and the fonts' <style> take a tenth of a
second to parse. WeasyPrint builds each stylesheet through the name `CSS` in `weasyprint.css`;
`install()` points that name at `parsed_stylesheet`, which keeps what a parse made, by the
exact text parsed, and hands a later document a copy.

A parse is a pure function of the text, its URL and the media type, except for what it does to
the document it is parsed for: the @page rules it adds and the @font-face rules it loads (whose
files are fetched then). Both are done again for each document a copy goes to. A value that
uses var() is checked only when styles are computed, and warns once: each copy gets its own,
as a fresh parse would. A stylesheet that does anything else while parsed (logs a warning,
fetches a file, touches the document's layers, defines a counter style or a colour profile)
is never kept, nor one too long to be worth keeping.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import weasyprint
import weasyprint.css
from weasyprint.css.tokens import Pending
from weasyprint.urls import fetch

#: Kept by the length of their text, least recently used dropped first. Ours are 23 KB in all;
#: a content folder's own may each be up to 512 KB (limits.py), and a parsed stylesheet takes
#: about a hundred bytes of memory a character, so a longer one is parsed for each layout.
MAX_KEPT_CHARACTERS = 256 * 1024
MAX_KEPT_STYLESHEET = 64 * 1024

_WEASYPRINT_CSS = weasyprint.CSS
# What find_stylesheets passes besides the source; anything else (an @import's matcher or
# layer) is WeasyPrint's own business.
_KEPT_OPTIONS = {"url_fetcher", "base_url", "media_type", "font_config", "counter_style",
                 "color_profiles", "page_rules", "layers", "_check_mime_type"}
# cssselect2's Matcher, whose entries a copy renews: a stylesheet parsed into any other shape
# is not kept.
_MATCHER_TABLES = ("id_selectors", "class_selectors", "lower_local_name_selectors",
                   "namespace_selectors")
_MATCHER_LISTS = ("lang_attr_selectors", "other_selectors")
_MATCHER_ATTRIBUTES = {*_MATCHER_TABLES, *_MATCHER_LISTS, "order"}


@dataclass
class _Parsed:
    """What one parse made: the stylesheet, and what it did to its document."""

    sheet: weasyprint.CSS
    page_rules: list
    font_faces: list[dict] = field(default_factory=list)  # in the order they were loaded
    characters: int = 0
    pending: bool = False  # whether any value uses var()


_KEPT: OrderedDict[tuple, _Parsed] = OrderedDict()
_LOCK = threading.Lock()


def install() -> None:
    """Have WeasyPrint build the stylesheets it finds in a document with parsed_stylesheet."""
    weasyprint.css.CSS = parsed_stylesheet


def forget_stylesheets() -> None:
    """Drop every parsed stylesheet kept (for tests: the text is the key, so none is stale)."""
    with _LOCK:
        _KEPT.clear()


def parse_ahead(urls: list[str], fetcher) -> None:
    """Parse and keep the stylesheets a layout is about to name, while the process would
    otherwise wait (for the booklet's HTML): the layout then takes copies. Any problem is left
    for the layout to meet and report."""
    from weasyprint.css.counters import CounterStyle
    from weasyprint.text.fonts import FontConfiguration

    from .layout import weasyprint_problems

    with weasyprint_problems():  # a warning fails the layout, not this
        for url in urls:
            with contextlib.suppress(Exception):
                parsed_stylesheet(url=url, url_fetcher=fetcher, media_type="print",
                                  font_config=FontConfiguration(), counter_style=CounterStyle(),
                                  color_profiles={}, page_rules=[], layers=[],
                                  _check_mime_type=True)


def parsed_stylesheet(guess=None, *, url=None, string=None, **options) -> weasyprint.CSS:
    """Return the stylesheet WeasyPrint's CSS(...) would, from a copy of an earlier parse of
    the same text when there is one."""
    from .layout import ConfinedFetcher

    fetcher = options.get("url_fetcher")
    if guess is not None or (url is None) == (string is None) \
            or not set(options) <= _KEPT_OPTIONS or not isinstance(fetcher, ConfinedFetcher) \
            or any(options.get(name) is None for name in (
                "font_config", "counter_style", "color_profiles", "page_rules", "layers")):
        return _WEASYPRINT_CSS(guess, url=url, string=string, **options)
    check_type = options.pop("_check_mime_type", False)
    base_url = options.pop("base_url", None)
    if string is not None:
        text, source = string, {"string": string, "base_url": base_url}
    else:
        with fetch(fetcher, url) as response:  # raises what CSS(url=...) would
            if (check_type and response.content_type != "text/css") or response.charset:
                # WeasyPrint's own answer: an error logged, or the text decoded as it says.
                return _WEASYPRINT_CSS(url=url, base_url=base_url, _check_mime_type=check_type,
                                       **options)
            text = response.read()
        source = {"file_obj": io.BytesIO(text), "base_url": base_url or response.url}
    digest = hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()
    key = (digest, isinstance(text, str), source["base_url"], options["media_type"])
    with _LOCK:
        parsed = _KEPT.get(key)
        if parsed is not None:
            _KEPT.move_to_end(key)
    if parsed is None:
        return _parse(key, source, len(text), options)
    return _copy_for(parsed, options)


def _parse(key: tuple, source: dict, characters: int, options: dict) -> weasyprint.CSS:
    """Parse the stylesheet for its document, keeping the parse if nothing spoils it."""
    fetcher, page_rules, layers = options["url_fetcher"], options["page_rules"], options["layers"]
    counters, profiles = options["counter_style"], options["color_profiles"]
    before = (dict(counters), dict(profiles), fetcher.fetches)
    first_rule = len(page_rules)
    recorder = _Recorder(options["font_config"], fetcher)
    watched = _WatchedLayers(layers)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(recorder)
    try:
        sheet = _WEASYPRINT_CSS(**source, **{**options, "font_config": recorder,
                                             "layers": watched})
    finally:
        logger.removeHandler(recorder)
        touched = watched.touched
        layers[:] = list(watched)  # the document's own list, as if it had been given
    sheet.layers = layers
    own_rules = page_rules[first_rule:]
    spoilt = (recorder.warned or touched or characters > MAX_KEPT_STYLESHEET
              or not logger.isEnabledFor(logging.WARNING)  # its warnings went unheard
              or not _same(before[0], counters) or not _same(before[1], profiles)
              or fetcher.fetches - before[2] != recorder.fetches
              or set(vars(sheet.matcher)) != _MATCHER_ATTRIBUTES)
    if not spoilt:
        pending = _holds_pending(sheet.matcher, own_rules)
        kept = copy.copy(sheet)  # holds this stylesheet's own rules, not the document's
        kept.page_rules, kept.layers = own_rules, []
        with _LOCK:
            _KEPT[key] = _Parsed(kept, own_rules, recorder.font_faces, characters, pending)
            total = sum(parsed.characters for parsed in _KEPT.values())
            while total > MAX_KEPT_CHARACTERS:
                total -= _KEPT.popitem(last=False)[1].characters
    return sheet


def _copy_for(parsed: _Parsed, options: dict) -> weasyprint.CSS:
    """Return a copy of a kept stylesheet for a new document, doing to it what the parse did."""
    sheet = copy.copy(parsed.sheet)
    page_rules = parsed.page_rules
    if parsed.pending:
        sheet.matcher, page_rules = _renewed(parsed.sheet.matcher, page_rules)
    options["page_rules"].extend(page_rules)
    for descriptors in parsed.font_faces:
        options["font_config"].add_font_face(descriptors, options["url_fetcher"])
    # As WeasyPrint's own: a document's stylesheets share its lists of @page rules and layers.
    sheet.page_rules, sheet.layers = options["page_rules"], options["layers"]
    return sheet


def _holds_pending(matcher, page_rules: list) -> bool:
    """Return whether any declaration of the stylesheet has a var() value."""
    return any(isinstance(value, Pending) for declarations in _declarations(matcher, page_rules)
               for _, value, _ in declarations)


def _declarations(matcher, page_rules: list):
    for table in _MATCHER_TABLES:
        for entries in getattr(matcher, table).values():
            yield from (entry[4][0] for entry in entries)
    for name in _MATCHER_LISTS:
        yield from (entry[4][0] for entry in getattr(matcher, name))
    yield from (declarations for _, _, declarations in page_rules)


def _renewed(matcher, page_rules: list):
    """Return the matcher and @page rules with a value of their own for each var() value: one
    warns once for the document it is in (WeasyPrint marks it), and a copy is a new document.
    A value shared by several declarations (a shorthand's) stays shared."""
    values: dict[int, Pending] = {}
    lists: dict[int, list] = {}

    def renewed(declarations: list) -> list:
        if id(declarations) not in lists:
            lists[id(declarations)] = [
                (name, _fresh(value, values) if isinstance(value, Pending) else value, important)
                for name, value, important in declarations]
        return lists[id(declarations)]

    def entry(old: tuple) -> tuple:
        *match, (declarations, layer) = old
        return (*match, (renewed(declarations), layer))

    fresh = copy.copy(matcher)
    for table in _MATCHER_TABLES:
        setattr(fresh, table, {key: [entry(old) for old in entries]
                               for key, entries in getattr(matcher, table).items()})
    for name in _MATCHER_LISTS:
        setattr(fresh, name, [entry(old) for old in getattr(matcher, name)])
    return fresh, [(rule, selectors, renewed(declarations))
                   for rule, selectors, declarations in page_rules]


def _fresh(value: Pending, values: dict[int, Pending]) -> Pending:
    if id(value) not in values:
        values[id(value)] = copy.copy(value)
        values[id(value)]._reported_error = False
    return values[id(value)]


def _same(before: dict, after: dict) -> bool:
    return before.keys() == after.keys() and all(before[key] is after[key] for key in before)


class _WatchedLayers(list):
    """The document's cascade layers, as a parse sees them: any use marks the parse as one
    that depends on them."""

    touched = False

    def _use(self, method: str, *args):
        self.touched = True
        return getattr(super(), method)(*args)

    def __contains__(self, item) -> bool:
        return self._use("__contains__", item)

    def __len__(self) -> int:
        return self._use("__len__")

    def index(self, *args):
        """list.index, marked as a use."""
        return self._use("index", *args)

    def append(self, item) -> None:
        """list.append, marked as a use."""
        self._use("append", item)

    def insert(self, index, item) -> None:
        """list.insert, marked as a use."""
        self._use("insert", index, item)


class _Recorder(logging.Handler):
    """Stands in for the document's font configuration while a stylesheet is parsed, and
    hears WeasyPrint's log meanwhile: keeps, in order, each @font-face loaded, and notes any
    warning logged."""

    def __init__(self, font_config, fetcher):
        super().__init__(logging.WARNING)
        self._font_config, self._fetcher = font_config, fetcher
        self._thread = threading.get_ident()
        self.font_faces: list[dict] = []
        self.fetches = 0  # the files the fonts loaded fetched: all a parse may fetch
        self.warned = False

    def add_font_face(self, rule_descriptors, url_fetcher):
        """Load the font for the document, as WeasyPrint's own configuration does."""
        self.font_faces.append(rule_descriptors)
        before = self._fetcher.fetches
        try:
            return self._font_config.add_font_face(rule_descriptors, url_fetcher)
        finally:
            self.fetches += self._fetcher.fetches - before

    def emit(self, record: logging.LogRecord) -> None:
        # A warning fails the layout, and a parse that warned is not kept: the next layout
        # parses again and warns again. (Only this thread's: another may lay out meanwhile.)
        if record.thread == self._thread:
            self.warned = True
