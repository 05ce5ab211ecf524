"""Insight: text tools over complaints — for now the personal-data scrubber (scrubber.py).

A plain package (no models): classification, duplicate detection and answer suggestions
will live here too (DESIGN.md).
"""
