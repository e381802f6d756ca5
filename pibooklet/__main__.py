"""`python3 -m pibooklet VERB ...`, as the installed `pibooklet` command."""

from .cli import run

run()
