"""Ombud: insurance consumer reception and complaint resolution."""
