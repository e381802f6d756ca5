"""The live preview: a local server that shows a booklet's screen edition as spreads, rebuilt
each time a content, template or style file is saved (see `pibooklet preview`)."""
