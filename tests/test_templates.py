"""The template sandbox: templates compiled once a process, never stale."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from pibooklet import templates
from pibooklet.templates import render_template, sandboxed_environment


def _environment(folder: Path, filters: dict | None = None) -> jinja2.Environment:
    return sandboxed_environment((folder,), folder, filters or {}, lambda name: name)


@pytest.fixture
def compiles(monkeypatch) -> list[str]:
    """The name of each template compiled, from an emptied store."""
    compiled = []
    real = jinja2.Environment.compile

    def counted(self, source, name=None, filename=None, *args, **kwargs):
        compiled.append(name)
        return real(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(templates, "_COMPILED", templates._CompiledTemplates())
    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return compiled


def test_a_template_is_compiled_once_for_every_environment(tmp_path: Path,
                                                           compiles: list[str]) -> None:
    (tmp_path / "page.html").write_text("Hello {{ who }}", encoding="utf-8")
    for name in ("Ann", "Bea", "Cy"):
        assert render_template(_environment(tmp_path), "page.html", who=name) == \
            f"Hello {name}"
    assert compiles == ["page.html"]


def test_an_edited_template_is_compiled_again(tmp_path: Path, compiles: list[str]) -> None:
    page = tmp_path / "page.html"
    page.write_text("Hello {{ who }}", encoding="utf-8")
    assert render_template(_environment(tmp_path), "page.html", who="Ann") == "Hello Ann"
    page.write_text("Goodbye {{ who }}", encoding="utf-8")
    assert render_template(_environment(tmp_path), "page.html", who="Ann") == "Goodbye Ann"
    assert compiles == ["page.html", "page.html"]


def test_a_template_is_compiled_for_how_its_filters_are_called(tmp_path: Path,
                                                             compiles: list[str]) -> None:
    # Jinja compiles a call to a filter that takes the context differently from a call to
    # one that does not: code compiled for the one must not run with the other.
    (tmp_path / "page.html").write_text("{{ who | shout }}", encoding="utf-8")
    with_context = jinja2.pass_context(lambda context, text: text.upper())
    for shout in (with_context, str.upper):
        assert render_template(_environment(tmp_path, {"shout": shout}), "page.html",
                               who="ann") == "ANN"
    assert len(compiles) == 2


def test_compiled_templates_are_kept_up_to_a_size(tmp_path: Path, compiles: list[str],
                                                  monkeypatch) -> None:
    monkeypatch.setattr(templates, "_COMPILED", templates._CompiledTemplates(50))
    for name in ("a.html", "b.html"):
        (tmp_path / name).write_text(f"{name} says {{{{ who }}}} ....................",
                                     encoding="utf-8")
    (tmp_path / "long.html").write_text("x" * 60, encoding="utf-8")
    for name in ("a.html", "b.html", "a.html", "long.html", "long.html"):
        render_template(_environment(tmp_path), name, who="Ann")
    # Two are more than 50 characters: the first was dropped for the second; the long one
    # is never kept.
    assert compiles == ["a.html", "b.html", "a.html", "long.html", "long.html"]
