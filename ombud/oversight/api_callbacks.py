"""API routes of oversight: callbacks."""

from ninja import Router

router = Router(tags=["oversight"])
