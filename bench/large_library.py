"""Generate a content folder holding one very long booklet, for the large-input benchmark
and the test that such a booklet builds within bounded memory."""

from __future__ import annotations

import shutil
from pathlib import Path

PARAGRAPH = ("Your child's team will explain each step of treatment and answer your questions. "
             "Write down what you want to ask before each visit, and bring someone with you "
             "if you can. It is fine to ask the same question more than once. ")


def write_long_booklet(content: Path, source: Path, sections: int) -> Path:
    """Copy the sample library into content/ and add a booklet of `sections` long sections."""
    shutil.copytree(source, content)
    folder = content / "long-booklet"
    shutil.copytree(source / "clinical-trials", folder)
    for translation in [sub for sub in folder.iterdir() if (sub / "booklet.yaml").is_file()]:
        shutil.rmtree(translation)  # the long booklet's sections have no translations
    manifest = (folder / "booklet.yaml").read_text(encoding="utf-8")
    head = manifest[:manifest.index("sections:")]
    names = []
    for number in range(1, sections + 1):
        name = f"{number:03}-part.md"
        body = "\n\n".join([PARAGRAPH * 3] * 6)
        (folder / name).write_text(f"---\ntitle: Part {number}\n---\n{body}\n## More about "
                                   f"part {number}\n\n{body}\n", encoding="utf-8")
        names.append(name)
    listed = "".join(f"  - {name}\n" for name in names)
    (folder / "booklet.yaml").write_text(
        head.replace("title: Taking part in a clinical trial", "title: A very long booklet")
        + f"sections:\n{listed}notes_pages: 1\nsupport: [young-lives-vs-cancer]\n",
        encoding="utf-8")
    for old in folder.glob("0*-*.md"):
        if old.name not in names:
            old.unlink()
    return content
