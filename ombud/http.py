"""Request types for views and API handlers that only a signed-in user reaches.

`@page(...)` and the API's `BearerToken` let no anonymous request through, so a view
behind them may say `request: AuthedRequest` and use `request.user` as a `User`, and an
API handler may say `request: ApiRequest` and use `request.auth` as a `User`, without
a cast or an `isinstance` at every use. The types describe what the decorators ensure;
they check nothing at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from ombud.directory.models import User


class AuthedRequest(HttpRequest):
    """A page request behind `@page(...)`: `request.user` is a signed-in `User`."""

    user: User


class ApiRequest(HttpRequest):
    """An API request behind `BearerToken`: `request.auth` (and `request.user`) is the `User`."""

    user: User
    auth: User
    bearer_token: str  # the raw token this request came with (for DELETE /auth/token)
    cache_generation: int | None  # read at authentication (directory/generation.py); None: no caching
