"""Build print-ready, accessible patient-information booklets from structured content."""

__version__ = "0.1.0"
