"""Generate a content library of many booklets from the samples, for the library benchmarks
and the tests that build many booklets: copies of the English samples under new slugs."""

from __future__ import annotations

import shutil
from pathlib import Path

#: The sample booklets copied, in turn, to make up a library.
SAMPLES = ("clinical-trials", "relapsed-cancer")


def write_library(content: Path, source: Path, booklets: int,
                  samples: tuple[str, ...] = SAMPLES) -> list[str]:
    """Copy the sample library into `content` without its booklets and add `booklets`
    booklets, each a copy of a sample with its own slug and title; return the slugs.

    The samples' links to each other are kept: each copy still links to the sample it names
    (the samples are copied, English only, as the library's first two booklets).
    """
    shutil.copytree(source, content, ignore=lambda folder, names: [
        name for name in names
        if Path(folder) != source and (Path(folder) / name / "booklet.yaml").is_file()])
    slugs = []
    for number in range(1, booklets + 1):
        sample = samples[(number - 1) % len(samples)]
        slug = f"{sample}-{number:03}"
        folder = content / slug
        shutil.copytree(source / sample, folder,
                        ignore=lambda _, names, sample=sample: [
                            name for name in names
                            if (source / sample / name / "booklet.yaml")
                            .is_file()])
        manifest = folder / "booklet.yaml"
        text = manifest.read_text(encoding="utf-8")
        title = next(line for line in text.splitlines() if line.startswith("title:"))
        manifest.write_text(text.replace(title, f"{title} (copy {number})", 1),
                            encoding="utf-8")
        slugs.append(slug)
    return slugs
