"""Shared test configuration: the personas and the small world live in ombud/testing.py."""

pytest_plugins = ["ombud.testing"]
