"""Security headers Django does not set by itself."""

import contextlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
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
        if request.content_type == "application/json" and _small(request) and b"\\u0000" in request.body:
            # Malformed JSON (or JSON nested too deep, which JsonDepthLimitMiddleware refuses
            # before this runs): the API says so itself.
            with contextlib.suppress(ValueError, RecursionError):
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


def _small(request: HttpRequest) -> bool:
    """A body too big to read is the view's to refuse (413), not ours."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length <= (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


def _paths_with_nul(value: Any) -> list[str]:
    """Dotted paths (`rows.3.name`) of the strings, or keys, holding a NUL in parsed JSON.

    Walks with a stack of its own, not by recursion, so that no nesting can overflow it."""
    found: list[str] = []
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                found.append(path or "body")
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                if "\x00" in str(key):
                    found.append(child_path)
                else:
                    stack.append((child, child_path))
        elif isinstance(item, list):
            stack.extend((child, f"{path}.{i}" if path else str(i)) for i, child in enumerate(item))
    return sorted(found)


# ---- JSON nesting ------------------------------------------------------------------------------

# The deepest JSON nesting a request body may have (objects and arrays inside each other).
# Ombud's deepest body (`POST /api/v1/evaluation/figures`: body, rows, row) has three levels; 32 leaves room for
# any client and keeps every parser (json, pydantic, our own walks) far from Python's recursion
# limit, which a body nested 5,000 deep would otherwise hit (a 500).
MAX_JSON_DEPTH = 32

# A JSON string, escapes included: its brackets are text, not nesting.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def nested_deeper_than(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets nest more than `limit` deep in `body`, outside JSON strings. A byte scan
    that stops at the first level too deep, valid JSON or not: it runs before any parser."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif depth:
            depth -= 1
    return False


class JsonDepthLimitMiddleware:
    """A request body nested deeper than MAX_JSON_DEPTH is a 400 before anything parses it:
    `{"error": {"code": "too_deep", ...}}` on the API, Django's 400 page elsewhere.

    Every body is scanned except form submissions (Django's form parser does not nest) and
    bodies larger than DATA_UPLOAD_MAX_MEMORY_SIZE (refused with a 413 when read). Some
    handlers read JSON whatever the Content-Type says, so the type is not trusted."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method not in ("GET", "HEAD", "OPTIONS")
            and request.content_type not in _FORM_TYPES
            and _small(request)
            and nested_deeper_than(request.body)
        ):
            if not request.path.startswith("/api/"):
                raise BadRequest("JSON nested too deep")
            from ombud.api import error_response

            return error_response(
                request,
                400,
                "too_deep",
                _("The request body is nested too deeply (at most %(limit)d levels).") % {"limit": MAX_JSON_DEPTH},
            )
        return self.get_response(request)
