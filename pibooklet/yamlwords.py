"""YAML syntax errors in plain words: what is wrong on the line and what to write instead.

PyYAML's own messages ("expected <block end>, but found '<block mapping start>'") name the
parser's states; a publications officer needs the line and the fix.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import yaml

_KEY = re.compile(r"^(\s*)(- )?[^\s:#'\"][^:#]*:(\s|$)")


def explain(error: yaml.MarkedYAMLError, text: str) -> tuple[int, str]:
    """Return the 0-based line to report and the plain-words reason for a syntax error."""
    problem, context = error.problem or "", error.context or ""
    mark = error.problem_mark or error.context_mark
    line = mark.line if mark else 0
    lines = text.splitlines() or [""]
    started = min(error.context_mark.line if error.context_mark else line, len(lines) - 1)
    if "quoted scalar" in context and "end of stream" in problem:
        quote = '"' if "double" in context or '"' in lines[started] else "'"
        return started, (f"the quote {quote} opened on this line is never closed: end the "
                         f"value with {quote}, or leave the quotes out")
    if "unknown escape character" in problem:
        return line, ("a backslash (\\) inside double quotes starts a code: use single quotes "
                      "around this value, or write the backslash twice (\\\\)")
    if "that cannot start any token" in problem:
        character = problem.split("'")[1] if "'" in problem else "?"
        if character == "\\t":
            return line, "a tab: indent with spaces only, lined up with the lines around it"
        return line, (f"a value cannot begin with {character}: put the whole value in quotes, "
                      f"for example \"{character}...\"")
    if "mapping values are not allowed" in problem:
        return line, _stray_colon(lines, line)
    if "could not find expected ':'" in problem:
        return started + 1 if started + 1 < len(lines) else started, (
            "a line without 'key: value' inside a set of keys: give it a key, indent it "
            "under the key whose text it continues, or start that text with > on the "
            "key's own line")
    if "flow sequence" in context:
        return started, ("a list in square brackets is not closed, or one of its items holds "
                         "a colon or comma: end it with ], and put such items in quotes")
    if "flow mapping" in context:
        return started, ("a set of keys in curly brackets is not closed, or a value holds a "
                         "colon or comma: end it with }, and put such values in quotes")
    if "found '?'" in problem:
        return line, ("a 'key: value' line inside a list: start it with '- ' if it is one of "
                      "the list's items, or move it left to line up with the other keys")
    if "block sequence start" in problem or "'-'" in problem:
        return line, ("a list item ('- ...') that is not lined up with the lines above: "
                      "indent it like the list's other items, under its key")
    if "block mapping start" in problem or "block end" in problem:
        return line, ("this line is indented more than the key above it, which already has "
                      "a value: line it up with the other keys, or give the key above no "
                      "value on its own line if this belongs under it")
    if "undefined alias" in problem:
        return line, ("a value starting with * names an anchor (&name) that is not there: "
                      "write the value out, or put it in quotes if the * is meant")
    if "another document" in problem:
        return line, ("a line of three dashes (---) ends the settings here: remove it, or "
                      "keep everything after it in a file of its own")
    return line, f"{problem or context or 'not valid YAML'}: check the indentation, colons " \
                 "and quotes on this line"


def _stray_colon(lines: list[str], line: int) -> str:
    """Explain 'mapping values are not allowed here': a key indented under a value, or a
    value that holds ': '."""
    here = lines[line] if line < len(lines) else ""
    above = next((lines[index] for index in range(line - 1, -1, -1)
                  if lines[index].strip() and not lines[index].lstrip().startswith("#")), "")
    indent = len(here) - len(here.lstrip())
    if _KEY.match(here) and indent > len(above) - len(above.lstrip()) \
            and not above.rstrip().endswith(":"):
        return ("this key is indented under the line above, which already has a value: "
                "line it up with the keys above it")
    return ("the value holds ': ' (a colon and a space), which YAML reads as a new key: put "
            "the whole value in quotes, for example title: \"Phase I: what it means\"")
