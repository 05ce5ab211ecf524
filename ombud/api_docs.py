"""The API's browsable documentation (/api/v1/docs): Swagger UI served from Ombud's own static
files (`static/vendor/swagger-ui/`, see VENDORED.md), started by a static script with its
settings in a JSON block. Nothing comes from a CDN and nothing runs inline, so the page works
under Ombud's Content-Security-Policy (`script-src 'self'`, ombud/security.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger


class VendoredSwagger(Swagger):
    template = "api_docs.html"
    default_settings = {
        "layout": "BaseLayout",
        "deepLinking": True,
        # No badge fetched from validator.swagger.io (another origin, and a leak of the schema's URL).
        "validatorUrl": None,
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, self.template, {"swagger_settings": settings, "api": api})
