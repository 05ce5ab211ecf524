"""Pages of oversight: typical."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
