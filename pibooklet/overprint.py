"""Overprinting 100 % K in the press file: black text and rules print over the other inks.

A printer wants pure black (DeviceCMYK 0 0 0 1) to overprint: the cyan, magenta and yellow
beneath it are not knocked out, so a slight misregister never leaves a white halo round
black type on a tint. Every other colour must knock out, or it would mix with what is below.

The content streams are rewritten so that, before anything is painted, the overprint
flags in the graphics state match the current colours: /op for fills, /OP for strokes,
with /OPM 1 so that the zero C, M and Y of pure black leave the plates below untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from pikepdf import Dictionary, Name, Pdf

from .finish import content_bytes, content_operations

CMYK = "/DeviceCMYK"
FILL_COLOUR = {b"cs", b"sc", b"scn", b"k", b"g", b"rg"}
STROKE_COLOUR = {b"CS", b"SC", b"SCN", b"K", b"G", b"RG"}
DEVICE_SPACES = {b"k": CMYK, b"K": CMYK, b"g": "/DeviceGray", b"G": "/DeviceGray",
                 b"rg": "/DeviceRGB", b"RG": "/DeviceRGB"}
# The colour each space starts at when chosen with cs/CS.
INITIAL = {CMYK: (0.0, 0.0, 0.0, 1.0), "/DeviceGray": (0.0,), "/DeviceRGB": (0.0, 0.0, 0.0)}
FILLS = {b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}
STROKES = {b"S", b"s", b"B", b"B*", b"b", b"b*"}
TEXT = {b"Tj", b"TJ", b"'", b'"'}
# Text render modes that fill and that stroke the glyphs.
TEXT_FILLS, TEXT_STROKES = {0, 2, 4, 6}, {1, 2, 5, 6}


@dataclass(frozen=True)
class Ink:
    """A colour: its space and components; components None when not known."""

    space: str | None
    values: tuple[float, ...] | None

    @property
    def black(self) -> bool | None:
        """Whether this is pure 100 % K; None when the colour is not known."""
        if self.space is None:
            return None
        return self.space == CMYK and self.values == (0.0, 0.0, 0.0, 1.0)


UNKNOWN = Ink(None, None)
PAGE_START = Ink("/DeviceGray", (0.0,))


@dataclass(frozen=True)
class State:
    """The part of the graphics state overprinting depends on."""

    fill: Ink = PAGE_START
    stroke: Ink = PAGE_START
    op: bool | None = False   # overprint for fills (and text)
    OP: bool | None = False   # overprint for strokes
    render_mode: int = 0


def set_colour(state: State, operands: list, operator: bytes) -> State:
    """Return the state after a colour operator."""
    stroking = operator in STROKE_COLOUR
    current = state.stroke if stroking else state.fill
    if operator in DEVICE_SPACES:
        ink = Ink(DEVICE_SPACES[operator], tuple(float(value) for value in operands))
    elif operator in (b"cs", b"CS"):
        space = str(operands[0])
        ink = Ink(space, INITIAL.get(space))
    elif operands and isinstance(operands[-1], Name):  # a pattern
        ink = Ink(current.space, None)
    else:
        ink = Ink(current.space, tuple(float(value) for value in operands))
    if ink.space is not None and ink.space not in INITIAL:
        ink = Ink(ink.space, None)  # a named space: never pure DeviceCMYK black
    return replace(state, stroke=ink) if stroking else replace(state, fill=ink)


def apply_graphics_state(state: State, parameters: Dictionary) -> State:
    """Return the state after `gs` with these ExtGState parameters."""
    stroke = parameters.get("/OP")
    fill = parameters.get("/op", stroke)  # without /op, /OP sets both
    return replace(state, OP=state.OP if stroke is None else bool(stroke),
                   op=state.op if fill is None else bool(fill))


def _graphics_state(key: tuple[bool | None, bool]) -> Dictionary:
    stroke, fill = key
    parameters = Dictionary(Type=Name.ExtGState, op=fill, OPM=1)
    if stroke is not None:
        parameters.OP = stroke
    return parameters


def _needed(state: State) -> tuple[bool | None, bool] | None:
    """Return (OP, op) to set so overprint matches the colours, or None if nothing to do.

    OP is None when only the fill flag changes (an ExtGState with /op alone).
    """
    fill, stroke = state.fill.black, state.stroke.black
    fill_wrong = fill is not None and fill != state.op
    stroke_wrong = stroke is not None and stroke != state.OP
    if stroke_wrong:
        fill_value = fill if fill is not None else state.op
        if fill_value is None:
            return None  # cannot set OP without knowing op; the check reports it
        return (stroke, fill_value)
    if fill_wrong:
        return (None, fill)
    return None


class _Rewriter:
    """Rewrites the page and form content streams of one document."""

    def __init__(self, pdf: Pdf):
        self.pdf = pdf
        self.states: dict[tuple[bool | None, bool], object] = {}
        self.form_entries: dict[tuple[int, int], list[State]] = {}
        self.forms: dict[tuple[int, int], object] = {}

    def reference(self, key: tuple[bool | None, bool]):
        if key not in self.states:
            self.states[key] = self.pdf.make_indirect(_graphics_state(key))
        return self.states[key]

    def rewrite(self, content, resources: Dictionary, start: State
                ) -> tuple[bytes, dict[str, object]]:
        """Return the new content and the ExtGStates it uses; note each form's entry state."""
        state, saved, added = start, [], {}
        operations = []
        xobjects = resources.get("/XObject", Dictionary())
        for operands, operator in content_operations(content):
            if operator in FILL_COLOUR or operator in STROKE_COLOUR:
                state = set_colour(state, operands, operator)
            elif operator == b"Q":
                state = saved.pop() if saved else state
            else:
                needed = _needed(state)
                if needed is not None:
                    name = "/pibOP" + "".join("x" if flag is None else str(int(flag))
                                              for flag in needed)
                    added[name] = self.reference(needed)
                    operations.append(([Name(name)], b"gs"))
                    state = apply_graphics_state(state, _graphics_state(needed))
                if operator == b"q":
                    saved.append(state)
                elif operator == b"gs":
                    state = apply_graphics_state(state, resources.ExtGState[operands[0]])
                elif operator == b"Tr":
                    state = replace(state, render_mode=int(operands[0]))
                elif operator == b"Do" and operands[0] in xobjects:
                    form = xobjects[operands[0]]
                    if form.get("/Subtype") == Name.Form:
                        self.form_entries.setdefault(form.objgen, []).append(state)
                        self.forms[form.objgen] = form
            operations.append((operands, operator))
        return content_bytes(operations), added


def _with_states(resources: Dictionary, added: dict[str, object]) -> Dictionary:
    """Return a copy of the resources with these ExtGStates added (resources may be shared)."""
    copy = Dictionary({key: resources[key] for key in resources})
    states = resources.get("/ExtGState", Dictionary())
    states = Dictionary({key: states[key] for key in states})
    for name, value in added.items():
        states[name] = value
    copy.ExtGState = states
    return copy


def overprint_black(pdf: Pdf) -> None:
    """Make 100 % K fills and strokes overprint, and every other colour knock out."""
    rewriter = _Rewriter(pdf)
    for page in pdf.pages:
        resources = page.obj.get("/Resources", Dictionary())
        data, added = rewriter.rewrite(page, resources, State())
        page.obj.Contents = pdf.make_stream(data)
        if added:
            page.obj.Resources = _with_states(resources, added)
    done: set[tuple[int, int]] = set()
    while pending := sorted(set(rewriter.forms) - done):
        for number in pending:
            done.add(number)
            form = rewriter.forms[number]
            entries = set(rewriter.form_entries[number])
            # A form drawn in more than one state starts from what it inherits, unknown.
            start = entries.pop() if len(entries) == 1 else State(UNKNOWN, UNKNOWN, None, None)
            resources = form.get("/Resources", Dictionary())
            data, added = rewriter.rewrite(form, resources, start)
            form.write(data)
            if added:
                form.Resources = _with_states(resources, added)


def overprint_faults(page) -> list[str]:
    """Return paints whose overprint does not match their colour, following forms drawn."""
    faults: list[str] = []
    for colour, black, overprint in _paints(page, page.obj.get("/Resources"), State(), 0):
        if black and not overprint:
            faults.append(f"100% K {colour} knocks out; it must overprint")
        elif black is False and overprint:
            faults.append(f"a {colour} that is not 100% K overprints; it must knock out")
    return sorted(set(faults))


def _paints(content, resources, state: State, depth: int
            ) -> Iterator[tuple[str, bool | None, bool | None]]:
    """Yield (what, is pure black, overprint on) for each fill and stroke painted."""
    if content is None or depth > 8:
        return
    saved = []
    resources = resources if resources is not None else Dictionary()
    for operands, operator in content_operations(content):
        if operator in FILL_COLOUR or operator in STROKE_COLOUR:
            state = set_colour(state, operands, operator)
        elif operator == b"q":
            saved.append(state)
        elif operator == b"Q":
            state = saved.pop() if saved else state
        elif operator == b"gs":
            state = apply_graphics_state(state, resources.ExtGState[operands[0]])
        elif operator == b"Tr":
            state = replace(state, render_mode=int(operands[0]))
        elif operator in TEXT:
            if state.render_mode in TEXT_FILLS:
                yield "text", state.fill.black, state.op
            if state.render_mode in TEXT_STROKES:
                yield "text outline", state.stroke.black, state.OP
        elif operator in FILLS or operator in STROKES:
            if operator in FILLS:
                yield "fill", state.fill.black, state.op
            if operator in STROKES:
                yield "stroke", state.stroke.black, state.OP
        elif operator == b"Do":
            xobject = resources.get("/XObject", Dictionary()).get(operands[0])
            if xobject is not None and xobject.get("/Subtype") == Name.Form:
                yield from _paints(xobject, xobject.get("/Resources"), state, depth + 1)

