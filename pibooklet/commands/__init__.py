"""The verbs of `pibooklet VERB` beyond build and check, one module each (see cli.VERBS)."""
