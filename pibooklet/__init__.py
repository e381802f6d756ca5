"""Build print-ready, accessible patient-information booklets from structured content."""

__version__ = "0.1.0"

#: What a build can make for each booklet; the default is all of them.
OUTPUTS = ("screen", "large-print", "press", "office", "spec")
