"""API routes of oversight: spotchecks."""

from ninja import Router

router = Router(tags=["oversight"])
