#!/usr/bin/env python3
"""Build every booklet under content/ into output/: `python build.py --help` for options."""

import sys

from pibooklet.cli import main

if __name__ == "__main__":
    sys.exit(main())
