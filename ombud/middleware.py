"""The pages' middleware, stepped over by requests to the API (`/api/`).

A bearer-token API call has no session, no flash messages and no signed-in page user:
running that middleware for it only costs time on every call (bench/README.md, "Intake").
Each class here is Django's own (or Ombud's) with one change: under `/api/` it hands the
request straight on, and its view and exception hooks do nothing. Everything else in
`MIDDLEWARE` runs for the API as before: Django's CSRF middleware (the API's views are
csrf_exempt, so it costs next to nothing, and Django's deployment checks know its name), the
security headers (SecurityMiddleware, X-Frame-Options, the Content-Security-Policy),
CommonMiddleware (allowed hosts), django-axes' lockout answer for `POST /api/v1/auth/token`,
the API's error format (JsonErrorsMiddleware), and the body guards (JSON depth, NUL bytes);
request size is Django's own DATA_UPLOAD_MAX_MEMORY_SIZE.

Two keep a little work for the API: the language (the cookie's choice or Chinese, as for pages,
so that messages are in the same language; without the response headers and redirects that
only pages need), and `request.user`, which is anonymous until `BearerToken` sets the token's
user (ombud/api.py) instead of a lazy session lookup.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.middleware import AuthenticationMiddleware as _AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware as _MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as _SessionMiddleware
from django.http import HttpRequest, HttpResponse

from ombud.directory.access import DomainErrorPageMiddleware as _DomainErrorPageMiddleware
from ombud.locale_choice import ChineseByDefaultLocaleMiddleware

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


M = TypeVar("M", bound=type)


def pages_only(cls: M) -> M:
    """A subclass of middleware `cls` that lets API requests through untouched."""

    def __call__(self: Any, request: HttpRequest) -> HttpResponse:
        if is_api(request):
            return self.get_response(request)
        return cls.__call__(self, request)

    namespace: dict[str, Any] = {
        "__call__": __call__,
        "__doc__": f"{cls.__name__}, for pages only (ombud/middleware.py).",
        "__module__": __name__,
        # Sync only: the override above does not carry MiddlewareMixin's async branch.
        "async_capable": False,
        "sync_capable": True,
    }
    if hasattr(cls, "process_view"):

        def process_view(self: Any, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse | None:
            return None if is_api(request) else cls.process_view(self, request, *args, **kwargs)

        namespace["process_view"] = process_view
    if hasattr(cls, "process_exception"):

        def process_exception(self: Any, request: HttpRequest, exception: Exception) -> HttpResponse | None:
            return None if is_api(request) else cls.process_exception(self, request, exception)

        namespace["process_exception"] = process_exception
    if hasattr(cls, "process_template_response"):

        def process_template_response(self: Any, request: HttpRequest, response: Any) -> Any:
            return response if is_api(request) else cls.process_template_response(self, request, response)

        namespace["process_template_response"] = process_template_response
    return type(cls.__name__, (cls,), namespace)  # type: ignore[return-value]


SessionMiddleware = pages_only(_SessionMiddleware)
MessageMiddleware = pages_only(_MessageMiddleware)
DomainErrorPageMiddleware = pages_only(_DomainErrorPageMiddleware)


class AuthenticationMiddleware(_AuthenticationMiddleware):
    """Django's, for pages; an API request starts anonymous (BearerToken sets the user)."""

    async_capable = False

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api(request):
            request.user = AnonymousUser()
            return self.get_response(request)
        return super().__call__(request)


class LocaleMiddleware(ChineseByDefaultLocaleMiddleware):
    """The language of every request (ombud/locale_choice.py); an API response skips the
    Content-Language and Vary headers and the language-prefix redirects of pages."""

    async_capable = False

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api(request):
            self.process_request(request)
            return self.get_response(request)
        return super().__call__(request)
