"""API routes of oversight: typical."""

from ninja import Router

router = Router(tags=["oversight"])
