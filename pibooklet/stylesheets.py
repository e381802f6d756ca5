"""Stylesheets parsed once a process, not once a layout.

WeasyPrint parses every stylesheet a document names each time it lays the document out. A
build lays out three to five times in one process (a "more from us" cover, each edition, the
copyfit's second looks), and our five stylesheets and the fonts' <style> take a tenth of a
second to parse. WeasyPrint builds each stylesheet through the name `CSS` in `weasyprint.css`;
`install()` points that name at `parsed_stylesheet`, which keeps what a parse made, by the
exact text parsed, and hands a later layout a copy.

A parse is a pure function of the text, its URL and the media type, except for what it does to
the document it is parsed for: the @page rules it adds, the @font-face rules it loads (whose
files are fetched then), and the warnings it logs. Each is kept and done again, in order, for
each document the copy goes to, so a document gets what a fresh parse gives it. A stylesheet
that does anything else while parsed (fetches a file, defines a counter style, a colour profile
or a layer) is never kept.
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
from weasyprint.urls import fetch

#: Kept by the length of their text, least recently used dropped first: a content folder's own
#: stylesheets may each be up to 512 KB (limits.py), ours are 23 KB in all.
MAX_KEPT_CHARACTERS = 4 * 1024 * 1024

_WEASYPRINT_CSS = weasyprint.CSS
# What find_stylesheets passes besides the source; anything else (an @import's matcher or
# layer) is WeasyPrint's own business.
_KEPT_OPTIONS = {"url_fetcher", "base_url", "media_type", "font_config", "counter_style",
                 "color_profiles", "page_rules", "layers", "_check_mime_type"}


@dataclass
class _Parsed:
    """What one parse made: the stylesheet, and what it did to its document, in order."""

    sheet: weasyprint.CSS
    page_rules: list
    # ("font", descriptors) for an @font-face loaded, ("log", record) for a warning logged.
    effects: list[tuple[str, object]] = field(default_factory=list)
    characters: int = 0


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
    fetcher, page_rules = options["url_fetcher"], options["page_rules"]
    counters, profiles = options["counter_style"], options["color_profiles"]
    before = (dict(counters), dict(profiles), list(options["layers"]), fetcher.fetches)
    first_rule = len(page_rules)
    recorder = _Recorder(options["font_config"], fetcher)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(recorder)
    try:
        sheet = _WEASYPRINT_CSS(**source, **{**options, "font_config": recorder})
    finally:
        logger.removeHandler(recorder)
    spoilt = (not _same(before[0], counters) or not _same(before[1], profiles)
              or before[2] != options["layers"]
              or fetcher.fetches - before[3] != recorder.fetches
              or not logger.isEnabledFor(logging.WARNING))  # its warnings were not all seen
    if not spoilt:
        with _LOCK:
            _KEPT[key] = _Parsed(sheet, page_rules[first_rule:], recorder.effects, characters)
            total = sum(parsed.characters for parsed in _KEPT.values())
            while total > MAX_KEPT_CHARACTERS and len(_KEPT) > 1:
                total -= _KEPT.popitem(last=False)[1].characters
    return sheet


def _copy_for(parsed: _Parsed, options: dict) -> weasyprint.CSS:
    """Return a copy of a kept stylesheet for a new document, doing to it what the parse did."""
    options["page_rules"].extend(parsed.page_rules)
    for kind, effect in parsed.effects:
        if kind == "font":
            options["font_config"].add_font_face(effect, options["url_fetcher"])
        else:
            logger = logging.getLogger(effect.name)
            if logger.isEnabledFor(effect.levelno):
                logger.handle(effect)
    sheet = copy.copy(parsed.sheet)
    # As WeasyPrint's own: a document's stylesheets share its lists of @page rules and layers.
    sheet.page_rules, sheet.layers = options["page_rules"], options["layers"]
    return sheet


def _same(before: dict, after: dict) -> bool:
    return before.keys() == after.keys() and all(before[key] is after[key] for key in before)


class _Recorder(logging.Handler):
    """Stands in for the document's font configuration while a stylesheet is parsed, and
    hears WeasyPrint's log meanwhile: keeps, in order, each @font-face loaded and each warning
    the parse itself logged."""

    def __init__(self, font_config, fetcher):
        super().__init__(logging.WARNING)
        self._font_config, self._fetcher = font_config, fetcher
        self._thread = threading.get_ident()
        self._loading = False
        self.effects: list[tuple[str, object]] = []
        self.fetches = 0  # the files the fonts loaded fetched: all a parse may fetch

    def add_font_face(self, rule_descriptors, url_fetcher):
        """Load the font for the document, as WeasyPrint's own configuration does."""
        self.effects.append(("font", rule_descriptors))
        before, self._loading = self._fetcher.fetches, True
        try:
            return self._font_config.add_font_face(rule_descriptors, url_fetcher)
        finally:
            self._loading = False
            self.fetches += self._fetcher.fetches - before

    def emit(self, record: logging.LogRecord) -> None:
        # What loading a font logs is logged again when the font is loaded again.
        if record.thread == self._thread and not self._loading:
            self.effects.append(("log", record))
