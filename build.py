#!/usr/bin/env python3
"""Build every booklet under content/ into output/: `python build.py --help` for options."""

import sys

try:
    from pibooklet.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python loads the build: nothing was written yet
    print("build.py: interrupted; nothing was written", file=sys.stderr)
    sys.exit(130)

if __name__ == "__main__":
    sys.exit(main())
