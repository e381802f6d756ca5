"""The sandbox every template renders in, and the loader that reads templates from a search path.

A content folder's templates/ are untrusted: they come from many hands. They render in Jinja's
ImmutableSandboxedEnvironment with a documented set of globals and filters, may read only
regular UTF-8 files inside their folder, and are bounded in steps, string size and output size.
Every problem becomes a TemplateProblem naming the template's `path:line`, never a traceback.
"""

from __future__ import annotations

import gettext
import hashlib
import os
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path, PurePath

import jinja2
from jinja2.bccache import Bucket
from jinja2.compiler import CodeGenerator
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError, safe_range
from markupsafe import Markup

from .errors import BuildError, ContentError, Problem
from .intake import css_import_lines, read_content_text
from .limits import (
    MAX_RENDERED_HTML_BYTES,
    MAX_TEMPLATE_LOOP_ITEMS,
    MAX_TEMPLATE_SECONDS,
    MAX_TEMPLATE_STEPS,
    MAX_TEMPLATE_STRING,
)

#: Jinja's own filters a template may use, besides ours. Left out: those that pad or repeat
#: text by a number (center, indent, wordwrap, format), that are random (random, shuffle) or
#: that reach into objects (attr, xmlattr, pprint, tojson).
ALLOWED_JINJA_FILTERS = frozenset({
    "abs", "capitalize", "default", "d", "e", "escape", "first", "float", "int", "join",
    "last", "length", "count", "list", "lower", "map", "reject", "rejectattr", "replace",
    "safe", "select", "selectattr", "sort", "string", "striptags", "title", "trim",
    "truncate", "upper", "round", "batch", "reverse", "unique", "dictsort", "items",
})

#: Names a template can use besides the variables it is given: Jinja's lipsum, cycler,
#: joiner, namespace and dict are left out (namespace lets a loop grow a string without bound).
#: _, gettext and ngettext give the booklet language's fixed words ({% trans %} uses them).
ALLOWED_GLOBALS = ("range", "asset", "_", "gettext", "ngettext")

#: String methods that pad, format or translate by amounts a template controls.
_GROWING_STR_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "format",
                                  "format_map", "translate"})

#: Largest number, in bits, a template may make: a booklet needs page counts, not 1,000 digits.
_MOST_NUMBER_BITS = 4096

#: What a link may point to: the addresses a reader can use, and the booklet's own pages.
_LINK_TARGETS = ("https://", "mailto:", "tel:", "#")

# A width or precision of 1000 or more, after a %(name) too: "%(a)999999999s" is 1 GB.
_WIDE_FORMAT = re.compile(r"%(\([^)]*\))?[-#0 +]*(\*|\d{4,})"
                          r"|%(\([^)]*\))?[-#0 +]*\d*\.(\*|\d{4,})")


class TemplateProblem(BuildError):
    """A template that cannot be read or rendered, at its path and line."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        self.path, self.line, self.message = Path(path), line, message
        super().__init__(str(self.problem()))

    def problem(self) -> Problem:
        """Return this as a content problem for --check."""
        return Problem(self.path, self.line, self.message)


def read_template(path: Path, folder: Path, kind: str = "template") -> str:
    """Return a template's (or stylesheet's) text, read through the front door: a regular
    UTF-8 file inside `folder`, within the size limit for its kind."""
    try:
        return read_content_text(path, folder, kind)
    except ContentError as error:
        problem = error.problems[0]
        raise TemplateProblem(problem.path, problem.line, problem.message) from None


class SearchPathLoader(jinja2.BaseLoader):
    """Loads a template from the first folder that has it, through read_template."""

    def __init__(self, folders: tuple[Path, ...], trusted: Path):
        self.folders = folders
        self.trusted = trusted.resolve()
        self.untrusted_files: set[str] = set()  # filenames of content templates loaded

    @property
    def has_untrusted(self) -> bool:
        """Return whether any folder on the path is not ours."""
        return any(not folder.resolve().is_relative_to(self.trusted) for folder in self.folders)

    def get_source(self, environment: jinja2.Environment, template: str
                   ) -> tuple[str, str, Callable[[], bool]]:
        """Return the template's source, its filename and a freshness check."""
        pieces = split_template_path(template)  # refuses ".." and empty parts
        for folder in self.folders:
            path = folder.joinpath(*pieces)
            if os.path.lexists(path):
                source = read_template(path, folder)
                if not folder.resolve().is_relative_to(self.trusted):
                    self.untrusted_files.add(str(path))
                return source, str(path), lambda: True
        raise jinja2.TemplateNotFound(template)


class _BoundedGenerator(CodeGenerator):
    """Compiles `a ~ b` so that the sandbox checks the joined string's size."""

    def visit_Concat(self, node, frame) -> None:  # noqa: N802 (Jinja's visitor name)
        self.write("environment.bounded(")
        super().visit_Concat(node, frame)
        self.write(")")


class _Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with operators, calls and loops that cannot grow without bound."""

    code_generator_class = _BoundedGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options) -> None:
        # {% trans %} and _() in every template, ours and content's: fixed words are translated.
        super().__init__(extensions=["jinja2.ext.i18n"], **options)

    def bounded(self, value):
        """Return `value`, refusing a string or sequence too long for a template to make."""
        if isinstance(value, (str, list, tuple)) and len(value) > MAX_TEMPLATE_STRING:
            raise SecurityError(f"the template made a value of {len(value)} characters or "
                                f"items; at most {MAX_TEMPLATE_STRING} are allowed")
        return value

    def is_safe_attribute(self, obj, attr: str, value) -> bool:
        """Refuse every attribute of a path: its methods read, write and delete files."""
        if isinstance(obj, (PurePath, os.PathLike)):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def getattr(self, obj, attribute: str):
        """Look up an attribute; of an undefined name, say it is undefined (the real fault)."""
        if isinstance(obj, jinja2.Undefined):
            obj._fail_with_undefined_error()
        if isinstance(obj, str) and attribute in _GROWING_STR_METHODS:
            raise SecurityError(f"the string method {attribute}() is not allowed in a template")
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        """Look up an item; of an undefined name, say it is undefined (the real fault)."""
        if isinstance(obj, jinja2.Undefined):
            obj._fail_with_undefined_error()
        if isinstance(obj, str) and argument in _GROWING_STR_METHODS:
            raise SecurityError(f"the string method {argument}() is not allowed in a template")
        return super().getitem(obj, argument)

    def call_binop(self, context, operator: str, left, right):
        """Refuse `"x" * 10**9`, `10 ** 10**9` and `"%999999999d" % 1` before computing."""
        if operator == "*":
            for text, count in ((left, right), (right, left)):
                if isinstance(text, (str, list, tuple)) and isinstance(count, int) \
                        and _size(text) * max(count, 0) > MAX_TEMPLATE_STRING:
                    raise SecurityError(f"repeating a value {count} times makes it longer than "
                                        f"the {MAX_TEMPLATE_STRING} characters allowed")
            if isinstance(left, int) and isinstance(right, int) \
                    and left.bit_length() + right.bit_length() > _MOST_NUMBER_BITS:
                raise SecurityError("multiplying these numbers makes one too large for a "
                                    "template")
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) \
                and abs(left) > 1 and right * abs(left).bit_length() > _MOST_NUMBER_BITS:
            raise SecurityError(f"{left} ** {right} is too large a number for a template")
        elif operator == "%" and isinstance(left, str) and _WIDE_FORMAT.search(left):
            raise SecurityError("a % format with a width of 1000 or more, or *, is not "
                                "allowed in a template")
        return self.bounded(super().call_binop(context, operator, left, right))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's signature)
        """Call from sandboxed code: refuse huge numeric arguments, bound the result."""
        for value in (*args, *kwargs.values()):
            if isinstance(value, int) and abs(value) > MAX_TEMPLATE_STRING:
                raise SecurityError(f"calling {getattr(__obj, '__name__', 'a function')} with "
                                    f"{value} is not allowed; numbers passed to a call in a "
                                    f"template are at most {MAX_TEMPLATE_STRING}")
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):  # a string method: refuse one that could grow it hugely
            name = getattr(__obj, "__name__", "")
            if name in _GROWING_STR_METHODS:
                raise SecurityError(f"the string method {name}() is not allowed in a template")
            if name in ("replace", "join") and (len(owner) + 1) * sum(
                    _size(value) for value in args) > MAX_TEMPLATE_STRING:
                raise SecurityError(f"{name}() would make a string longer than the "
                                    f"{MAX_TEMPLATE_STRING} characters allowed")
        return __self.bounded(super().call(__context, __obj, *args, **kwargs))


def _size(value) -> int:
    """Return a string's length, or a list's total length of strings (others count 1)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple)):
        return sum(len(item) if isinstance(item, str) else 1 for item in value)
    return 1


def _bounded_join(environment: _Sandbox, join: Callable) -> Callable:
    """Return Jinja's join filter, refusing to join more text than a template may make."""
    def bounded(eval_ctx, value, d="", attribute=None):
        items = list(value) if isinstance(value, (list, tuple)) else value
        if isinstance(items, list) and _size(items) + len(items) * len(str(d)) \
                > MAX_TEMPLATE_STRING:
            raise SecurityError(f"joining these items makes more than the "
                                f"{MAX_TEMPLATE_STRING} characters allowed")
        return environment.bounded(join(eval_ctx, items, d, attribute))
    bounded.jinja_pass_arg = join.jinja_pass_arg
    return bounded


def _bounded_filter(environment: _Sandbox, function: Callable) -> Callable:
    """Return a filter that refuses results too large, keeping Jinja's pass_* markers."""
    def bounded(*args, **kwargs):
        for value in (*args, *kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) \
                    and abs(value) > MAX_TEMPLATE_STRING:
                raise SecurityError(f"a filter given {value} is not allowed; numbers passed to "
                                    f"a filter in a template are at most {MAX_TEMPLATE_STRING}")
        strings = [value for value in args if isinstance(value, str)]
        if getattr(function, "__name__", "") == "do_replace" and len(strings) >= 3:
            text, old, new = strings[-3:]
            count = text.count(old) if old else len(text) + 1
            if len(text) + count * len(new) > MAX_TEMPLATE_STRING:
                raise SecurityError(f"replace would make a string longer than the "
                                    f"{MAX_TEMPLATE_STRING} characters allowed")
        return environment.bounded(function(*args, **kwargs))
    for marker in ("jinja_pass_arg",):
        if hasattr(function, marker):
            setattr(bounded, marker, getattr(function, marker))
    return bounded


class _LoopBudget:
    """Counts the items of every range() a render makes, so nested loops stay bounded."""

    def __init__(self) -> None:
        self.items = 0

    def range(self, *args: int) -> range:
        """Return a sandboxed range, refusing one that takes the render past the budget."""
        numbers = safe_range(*args)  # the sandbox refuses one over MAX_RANGE (100,000) items
        self.items += len(numbers)
        if self.items > MAX_TEMPLATE_LOOP_ITEMS:
            raise SecurityError(f"the templates' loops run over more than "
                                f"{MAX_TEMPLATE_LOOP_ITEMS} numbers in all")
        return numbers


def _bounded_gettext(environment: _Sandbox, translations: gettext.NullTranslations
                     ) -> tuple[Callable, Callable]:
    """Return gettext and ngettext as Jinja's newstyle i18n makes them (placeholders filled and
    escaped), refusing a result too large: a template chooses the values put in."""
    def filled(context, text: str, variables: dict) -> str:
        text = environment.bounded(text)
        longest = max((len(str(value)) for value in variables.values()), default=0)
        if _WIDE_FORMAT.search(text) or len(text) + text.count("%") * longest \
                > MAX_TEMPLATE_STRING:
            raise SecurityError(f"filling in this message would make more than the "
                                f"{MAX_TEMPLATE_STRING} characters allowed")
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    @jinja2.pass_context
    def translated(__context, __string: str, **variables) -> str:
        return filled(__context, translations.gettext(str(__string)), variables)

    @jinja2.pass_context
    def translated_plural(__context, __singular: str, __plural: str, __num: int,
                          **variables) -> str:
        variables.setdefault("num", __num)
        return filled(__context, translations.ngettext(str(__singular), str(__plural),
                                                       int(__num)), variables)
    return translated, translated_plural


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once a process, not once an environment: every edition and cover
    renders in an environment of its own, and compiling ours took 0.07 s each time.

    A template is known by its name, its file, and what the compiler reads from the
    environment (the filters and tests, and how each is called); its source's checksum is
    compared at every load, so an edited template is compiled again.
    """

    def __init__(self, most_characters: int = 1024 * 1024):
        # Compiled code takes some thirty times its source's size: a content folder's own
        # templates, each up to its size limit, are kept up to a megabyte of source in all.
        self._most = most_characters
        self._code: dict[str, tuple[str, object, int]] = {}
        self._lock = threading.Lock()

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None,
                   source: str) -> Bucket:
        """Return the bucket of this template in this kind of environment."""
        compiled_with = [(kind, sorted((key, repr(getattr(value, "jinja_pass_arg", None)))
                                       for key, value in names.items()))
                         for kind, names in (("filters", environment.filters),
                                             ("tests", environment.tests))]
        key = hashlib.sha256(repr((name, filename, type(environment).__name__,
                                   environment.autoescape, environment.newstyle_gettext,
                                   compiled_with)).encode()).hexdigest()
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        bucket.characters = len(source)
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        """Give the bucket the code kept for it, if its source is the one compiled."""
        checksum, code, _ = self._code.get(bucket.key, (None, None, 0))
        if checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep the bucket's code (code objects are immutable: environments share them),
        dropping the oldest kept past the size."""
        if bucket.characters > self._most:
            return
        with self._lock:
            self._code.pop(bucket.key, None)
            self._code[bucket.key] = bucket.checksum, bucket.code, bucket.characters
            while sum(size for _, _, size in self._code.values()) > self._most:
                self._code.pop(next(iter(self._code)))


_COMPILED = _CompiledTemplates()


def sandboxed_environment(template_dirs: tuple[Path, ...], trusted: Path,
                          filters: dict[str, Callable], asset: Callable,
                          translations: gettext.NullTranslations | None = None
                          ) -> jinja2.Environment:
    """Return the sandbox templates render in: autoescaped, StrictUndefined, documented names,
    and the fixed words of the booklet's language (English without `translations`)."""
    environment = _Sandbox(
        loader=SearchPathLoader(template_dirs, trusted),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        bytecode_cache=_COMPILED,
    )
    kept = {name: environment.filters[name] for name in ALLOWED_JINJA_FILTERS}
    environment.filters.clear()
    environment.filters.update({name: _bounded_filter(environment, function)
                                for name, function in {**kept, **filters}.items()})
    environment.filters["join"] = _bounded_join(environment, kept["join"])
    environment.globals.clear()
    environment.globals.update(range=_LoopBudget().range, asset=asset)
    environment.newstyle_gettext = True  # {% trans %} passes its variables to gettext
    translated, translated_plural = _bounded_gettext(
        environment, translations or gettext.NullTranslations())
    environment.globals.update(_=translated, gettext=translated, ngettext=translated_plural)
    return environment


class _StepLimit(Exception):
    """Raised inside a content template's frame when it has run too many steps."""


@contextmanager
def _counting_steps(files: set[str], watched: bool) -> Iterator[None]:
    """Count the lines run in content templates' code; stop past MAX_TEMPLATE_STEPS."""
    if not watched:  # only our own templates: nothing to watch
        yield
        return
    steps = 0
    deadline = time.monotonic() + MAX_TEMPLATE_SECONDS
    tripped = False

    def local(frame, event, argument):
        nonlocal steps, tripped
        steps += 1
        if tripped or steps > MAX_TEMPLATE_STEPS or time.monotonic() > deadline:
            # Raising unsets the tracer. Where the raise is swallowed (a generator closed
            # inside the template, "Exception ignored"), the template would then run on
            # unwatched: a random template ran for 428 s. The next call puts it back.
            tripped = True
            sys.setprofile(rearm)
            raise _StepLimit()
        return local

    def watch(frame, event, argument):
        return local if frame.f_code.co_filename in files else None

    def rearm(frame, event, argument):
        if sys.gettrace() is None:
            sys.settrace(watch)

    def unraisable(report) -> None:  # the limit, swallowed on purpose: no traceback
        if not isinstance(report.exc_value, _StepLimit):
            previous_hook(report)

    previous, previous_profile = sys.gettrace(), sys.getprofile()
    previous_hook, sys.unraisablehook = sys.unraisablehook, unraisable
    sys.settrace(watch)
    try:
        yield
    finally:
        sys.setprofile(previous_profile)
        sys.settrace(previous)
        sys.unraisablehook = previous_hook


def render_template(environment: jinja2.Environment, name: str, **variables) -> str:
    """Render a template in the sandbox; a content problem raises TemplateProblem."""
    loader = environment.loader
    try:
        template = environment.get_template(name)
        pieces, size = [], 0
        with _counting_steps(loader.untrusted_files, loader.has_untrusted):
            for piece in template.generate(**variables):
                size += len(piece)
                if size > MAX_RENDERED_HTML_BYTES:
                    raise SecurityError(f"the templates made more than "
                                        f"{MAX_RENDERED_HTML_BYTES} characters of HTML")
                pieces.append(piece)
        html = "".join(pieces)
        if loader.untrusted_files:
            _refuse_links(html, loader.untrusted_files)
        return html
    except TemplateProblem:
        raise
    except Exception as error:  # turned into path:line below, or re-raised
        problem = template_problem(error, loader.untrusted_files)
        if problem is None:
            raise
        raise problem from None


class _Links(HTMLParser):
    """Collects each link target and attachment an HTML page asks for."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refused: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if "attachment" in (values.get("rel") or "").lower().split():
            self.refused.append(values.get("href") or "")  # it would embed a file in the PDF
        elif tag in ("a", "area") and values.get("href") is not None:
            href = (values["href"] or "").strip()
            if not href.lower().startswith(_LINK_TARGETS):
                self.refused.append(href)


def _refuse_links(html: str, untrusted: set[str]) -> None:
    """Refuse a link a content template writes to anything but https:, mailto:, tel: or a page
    of the booklet, and any file attachment; at the template line that has it, if one does."""
    links = _Links()
    links.feed(html)
    for href in links.refused:
        message = (f"a template links to '{href[:80]}': links go only to https://, mailto: or "
                   "tel: addresses or a page of the booklet, and a file is never attached")
        for filename in sorted(untrusted):
            try:
                text = read_content_text(Path(filename), None, "template")
            except ContentError:
                text = ""
            if href and href in text:
                raise TemplateProblem(filename, text[:text.index(href)].count("\n") + 1, message)
        raise TemplateProblem(sorted(untrusted)[0], None, message)


def compile_template(path: Path, folder: Path) -> TemplateProblem | None:
    """Return the problem reading or compiling one template file, if it has one."""
    try:
        source = read_template(path, folder)
        _Sandbox().parse(source, path.name, str(path))
    except TemplateProblem as problem:
        return problem
    except jinja2.TemplateSyntaxError as error:
        return TemplateProblem(path, error.lineno, _explained(error))
    return None


def template_problem(error: BaseException, untrusted: set[str]) -> TemplateProblem | None:
    """Return a rendering error as a problem at its template line; None if it is not one."""
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        return TemplateProblem(error.filename, error.lineno, _explained(error))
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename.endswith(".html")]
    in_content = [frame for frame in frames if frame.filename in untrusted]
    if not isinstance(error, (jinja2.TemplateError, _StepLimit, RecursionError)) \
            and not in_content:
        return None  # a fault in our own code, not in a template
    # Only a content template's code is counted, so a runaway is in one even when the line
    # cannot be told (the time ran out inside a filter it called).
    where = (in_content or ([] if isinstance(error, _StepLimit) else frames) or [None])[-1]
    if where is None:
        return TemplateProblem(next(iter(untrusted), "templates"), None, _explained(error))
    return TemplateProblem(where.filename, where.lineno, _explained(error))


def _explained(error: BaseException) -> str:
    """Return what went wrong and how to fix it."""
    if isinstance(error, _StepLimit):
        return (f"the template ran more than {MAX_TEMPLATE_STEPS} steps or "
                f"{MAX_TEMPLATE_SECONDS} seconds; a template must not loop or recurse without "
                "end, or sort or join large lists over and over")
    if isinstance(error, RecursionError):
        return "the template calls itself too deeply (a macro or include without end)"
    if isinstance(error, jinja2.TemplateSyntaxError):
        hint = ("; the filters a template may use are listed in the README"
                if "No filter named" in str(error.message) else "")
        return f"template syntax error: {str(error.message).rstrip('.')}{hint}"
    if isinstance(error, jinja2.UndefinedError):
        return (f"{error.message}: a template can use only the variables it is given and the "
                "documented filters (see the README)")
    if isinstance(error, SecurityError):
        return f"not allowed in a template: {str(error).rstrip('.')}; templates run in a sandbox"
    if isinstance(error, jinja2.TemplateNotFound):
        return f"template {error.name!r} not found in the templates folders"
    return f"template error: {type(error).__name__}: {error}"


def check_content_templates(folder: Path) -> list[Problem]:
    """Return the problems in every template file under a content folder's templates/."""
    if not folder.is_dir():
        return []
    problems = []
    for path in sorted(folder.rglob("*.html")):
        if path.is_symlink() or path.is_file():
            problem = compile_template(path, folder)
            if problem:
                problems.append(problem.problem())
    return problems



def check_content_styles(folder: Path) -> list[Problem]:
    """Return the problems in every stylesheet under a content folder's styles/: each is read
    as a template is, and may not @import (a few files importing each other twice each would
    make WeasyPrint fetch them millions of times)."""
    if not folder.is_dir():
        return []
    problems = []
    for path in sorted(folder.rglob("*.css")):
        try:
            source = read_template(path, folder, "stylesheet")
        except TemplateProblem as problem:
            problems.append(problem.problem())
            continue
        for line in css_import_lines(source):
            problems.append(Problem(path, line, "@import is not allowed in a content "
                                                "stylesheet: copy the rules into this file"))
    return problems
