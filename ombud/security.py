"""Security headers Django does not set by itself."""

import contextlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

# Everything is served from this origin: htmx and ECharts are vendored static files, so no
# CDN is allowed. 'unsafe-inline' styles are needed by ECharts' generated markup.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        return response


class RejectNulBytesMiddleware:
    """A NUL character in a query parameter or a JSON body is a 400, before any view runs.

    PostgreSQL text cannot hold NUL (psycopg raises DataError), so without this a `?q=%00` or a
    `"\\u0000"` in a JSON string would be a 500 on PostgreSQL and silently stored on SQLite.
    Django's forms already refuse NUL in submitted fields; this covers what forms do not parse.
    API clients get the JSON error shape naming each offending field (`visitor.name`); pages
    get Django's 400.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = {key: "" for key, values in request.GET.lists() if "\x00" in key or any("\x00" in v for v in values)}
        if request.content_type == "application/json" and self._small(request) and b"\\u0000" in request.body:
            with contextlib.suppress(ValueError):  # malformed JSON: the API says so itself
                fields.update(dict.fromkeys(_paths_with_nul(json.loads(request.body)), ""))
        if not fields:
            return self.get_response(request)
        if not request.path.startswith("/api/"):
            raise SuspiciousOperation("NUL character in the request")
        from ombud.api import error_response

        message = _("Remove the NUL character (U+0000): it is not allowed in text.")
        return error_response(
            request, 400, "invalid", _("The request holds a NUL character."), dict.fromkeys(fields, message)
        )

    @staticmethod
    def _small(request: HttpRequest) -> bool:
        """A body too big to read is the view's to refuse (413), not ours."""
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        return length <= (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


def _paths_with_nul(value: Any, path: str = "") -> list[str]:
    """Dotted paths (`rows.3.name`) of the strings, or keys, holding a NUL in parsed JSON."""
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            found += [child] if "\x00" in str(key) else _paths_with_nul(item, child)
        return found
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _paths_with_nul(item, f"{path}.{i}" if path else str(i))]
    return []
