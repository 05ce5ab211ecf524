"""The REST API under /api/v1/: one NinjaAPI, bearer-token auth, one error format.

Every error is `{"error": {"code", "message", "fields"}}` with a 4xx status (docs/api.md).
Handlers only parse, call a service and shape the answer; the rules are in services.
"""

from __future__ import annotations

import json
import logging
from typing import Any, cast

import orjson
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer

from ombud.api_docs import VendoredSwagger
from ombud.directory import generation
from ombud.directory.models import User
from ombud.directory.services import user_for_token
from ombud.errors import DomainError
from ombud.health import is_outage, unavailable_response
from ombud.http import ApiRequest

logger = logging.getLogger("ombud.api")


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        # The request's first query: the cache generation (it is the connection's health check
        # too), under which the token, site and company caches may answer (directory/generation.py).
        current = generation.read()
        user = user_for_token(token, generation=current)
        if user is not None:
            # From here on the request is an ApiRequest (ombud/http.py); django-ninja sets
            # `request.auth` to the user returned.
            authed = cast(ApiRequest, request)
            authed.user = user
            authed.bearer_token = token  # for DELETE /auth/token, which revokes this token
            authed.cache_generation = current
        return user


class OrjsonRenderer(JSONRenderer):
    """JSON out with orjson (several times faster than the standard library's encoder). Dates
    and times, decimals, lazy translations and the rest go through django-ninja's own encoder as
    before, so they read exactly as they did; Chinese text is UTF-8 instead of \\u escapes (the
    same JSON). A value orjson cannot take (an integer beyond 64 bits) falls back to the
    standard library."""

    _default = NinjaJSONEncoder().default
    _options = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        try:
            return orjson.dumps(data, default=self._default, option=self._options)
        except TypeError:  # orjson.JSONEncodeError
            return json.dumps(data, cls=NinjaJSONEncoder)


class OrjsonParser(Parser):
    """JSON in with orjson. Stricter than the standard library where JSON itself is: a lone
    UTF-16 surrogate, NaN or Infinity is malformed JSON (a 400), not a string PostgreSQL refuses
    later; an integer beyond 64 bits reads as a float (and fails the schema's range)."""

    def parse_body(self, request: HttpRequest) -> Any:
        return orjson.loads(request.body)


api = NinjaAPI(
    title="Ombud API",
    version="1",
    urls_namespace="api",
    auth=BearerToken(),
    renderer=OrjsonRenderer(),
    parser=OrjsonParser(),
    docs_url="/docs",
    docs=VendoredSwagger(),  # Swagger UI from our static files, under our CSP (ombud/api_docs.py)
    description="Reception-day intake, campaigns and statistics. Errors: "
    '`{"error": {"code", "message", "fields"}}` with a 4xx status.',
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, fields: dict[str, str] | None = None
) -> HttpResponse:
    return api.create_response(
        request, {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status
    )


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    retry_after = getattr(exc, "retry_after", None)  # a limit reached (portal/limits.py): 429
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for err in exc.errors:
        # loc is ("body", "payload", "visitor", "name") or ("query", "parent"): drop the
        # transport parts so that the field reads as the client wrote it.
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        fields[".".join(loc) or "body"] = err.get("msg", "invalid")
    return error_response(request, 400, "invalid", "The request is not valid.", fields)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(request, 401, "unauthenticated", "Send a valid token: Authorization: Bearer <token>.")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return error_response(request, 400, "malformed_json", "The request body is not valid JSON.")
    return error_response(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(request, 413, "too_large", "The request body is too large.")


@api.exception_handler(MultiPartParserError)
def _bad_form_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return error_response(request, 400, "malformed_body", "The request body does not match its Content-Type.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", "Not found.")


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def _database_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The database out of reach is a 503 with Retry-After; any other database error is a bug.
    if is_outage(exc):
        return unavailable_response(request, exc)
    return _unexpected(request, exc)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Never a traceback to a client; the log gets it (scrubbed of personal data).
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(request, 500, "server_error", "Something went wrong; it has been logged.")


def _register_routers() -> None:
    from ombud.campaigns.api import router as campaigns
    from ombud.cases.api import router as cases
    from ombud.directory.api import router as directory
    from ombud.intake.api import router as intake
    from ombud.oversight.callbacks.api import router as callbacks
    from ombud.oversight.evaluation.api import router as evaluation
    from ombud.oversight.spotchecks.api import router as spotchecks
    from ombud.oversight.typical.api import router as typical
    from ombud.portal.casepage.api import router as casepage
    from ombud.portal.consultations.api import router as consultations
    from ombud.portal.filing.api import router as filing
    from ombud.reports.publication.api import router as publication
    from ombud.reports.statistics.api import router as reports

    api.add_router("", directory)
    api.add_router("", campaigns)
    api.add_router("", intake)
    api.add_router("", reports)
    api.add_router("", cases)
    api.add_router("", spotchecks)
    api.add_router("", callbacks)
    api.add_router("", typical)
    api.add_router("", evaluation)
    api.add_router("", publication)
    api.add_router("", casepage)
    api.add_router("", filing)
    api.add_router("", consultations)


_register_routers()


_STATUS_CODES = {405: "method_not_allowed", 404: "not_found", 403: "forbidden", 413: "too_large"}


class JsonErrorsMiddleware:
    """Gives the API's error shape to errors produced outside the API's handlers (a 405 from
    the router for an unsupported method, Django's own 4xx), so that a client only ever has
    to parse one format."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            code = _STATUS_CODES.get(status, "error" if status >= 500 else "invalid")
            message = response.reason_phrase or "Error"
            replaced = error_response(request, status, code, message)
            if response.has_header("Allow"):
                replaced["Allow"] = response["Allow"]
            return replaced
        return response
