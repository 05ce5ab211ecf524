"""Keyset ("seek") pagination: constant cost on any page, unlike OFFSET or COUNT(*).

A cursor is an opaque token holding the sort key of the last row of the previous page. Lists
sort newest first by (timestamp, id), which their indexes cover (each list's composite index
ends in the timestamp and the id, so page 1 and a deep page read only the rows they return).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from ombud.errors import InvalidInput

MAX_LIMIT = 200


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


def encode_cursor(at: datetime, pk: int) -> str:
    raw = json.dumps([at.isoformat(), pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, pk = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(at), int(pk)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise InvalidInput(_("Bad cursor."), fields={"cursor": _("not a cursor this server issued")}) from None


def newest_first(qs: QuerySet, *, field: str, cursor: str | None, limit: int) -> Page:
    """One page of `qs` ordered by (`field`, id) descending, after `cursor`."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(_("Bad limit."), fields={"limit": _("between 1 and %d") % MAX_LIMIT})
    if cursor:
        at, pk = decode_cursor(cursor)
        # The row-wise (field, id) < (at, pk), written so that PostgreSQL can use it as an index
        # condition: the OR alone is a filter applied to every row of the index (a deep page of
        # a million cases read half the index); the redundant `field <= at` bounds the scan.
        qs = qs.filter(Q(**{f"{field}__lte": at}), Q(**{f"{field}__lt": at}) | Q(**{field: at, "pk__lt": pk}))
    rows = list(qs.order_by(f"-{field}", "-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(getattr(rows[-1], field), rows[-1].pk) if more and rows else None
    return Page(items=rows, next_cursor=next_cursor)


def page_links(query: QueryDict, page: Page | None) -> tuple[str | None, str | None]:
    """The query strings of a list page's "next" and "first page" links: the current filters
    with the cursor replaced, or dropped. None where there is no such page."""
    next_query = first_query = None
    if page is not None and page.next_cursor:
        params = query.copy()
        params["cursor"] = page.next_cursor
        next_query = params.urlencode()
    if query.get("cursor"):
        params = query.copy()
        del params["cursor"]
        first_query = params.urlencode()
    return next_query, first_query
