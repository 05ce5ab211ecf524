"""What the filing pages and the public API read: the company search and the cities a consumer
may file from (docs/portal.md, "Filing online").

The company search matches what a consumer types against each company's name and short name,
their pinyin initials (「中国人寿」 → "zgrs") and their full pinyin ("pingan"), computed with
`pypinyin`. The keys are kept per process, not stored: about a thousand companies take a few
milliseconds to index and a few hundred kilobytes to hold, the table needs no migration and
can never be stale in the database. The index is rebuilt when the companies change: at most
every `CHECK_SECONDS` a process compares the companies' count and latest `updated_at` with the
index's (one cheap aggregate), so an edit in the admin shows within a minute.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q
from pypinyin import Style, lazy_pinyin

from ombud.directory.models import Jurisdiction, Organization, Region

MAX_RESULTS = 20
QUERY_MAX = 40
CHECK_SECONDS = 60.0
COMPANY_KINDS = (Organization.Kind.INSURER, Organization.Kind.INTERMEDIARY)


@dataclass(frozen=True)
class CompanyHit:
    id: int
    name: str
    short_name: str
    head_office: bool


@dataclass(frozen=True)
class _Entry:
    hit: CompanyHit
    texts: tuple[str, ...]  # name and short name, lower case
    initials: tuple[str, ...]  # pinyin initials of each
    spelled: tuple[str, ...]  # full pinyin of each, without spaces


@dataclass
class _Index:
    version: tuple[int, datetime | None]
    entries: list[_Entry]
    checked: float


_index: _Index | None = None
_lock = threading.Lock()


def search_keys(text: str) -> tuple[str, str]:
    """(initials, full pinyin) of a name, lower case; letters and digits stay as they are."""
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")).lower()
    spelled = "".join(lazy_pinyin(text, errors="default")).lower()
    return initials.replace(" ", ""), spelled.replace(" ", "")


def _companies():
    return Organization.objects.filter(kind__in=COMPANY_KINDS, is_active=True)


def _version() -> tuple[int, datetime | None]:
    row = _companies().aggregate(n=Count("id"), latest=Max("updated_at"))
    return row["n"], row["latest"]


def _build(version: tuple[int, datetime | None]) -> _Index:
    entries = []
    for pk, name, short_name, parent_id in (
        _companies().order_by("name").values_list("id", "name", "short_name", "parent_id")
    ):
        texts = tuple(t.lower() for t in (name, short_name) if t)
        keys = [search_keys(t) for t in (name, short_name) if t]
        entries.append(
            _Entry(
                hit=CompanyHit(id=pk, name=name, short_name=short_name, head_office=parent_id is None),
                texts=texts,
                initials=tuple(k[0] for k in keys),
                spelled=tuple(k[1] for k in keys),
            )
        )
    return _Index(version=version, entries=entries, checked=time.monotonic())


def _current() -> _Index:
    global _index
    with _lock:
        index = _index
        if index is not None and time.monotonic() - index.checked < CHECK_SECONDS:
            return index
        version = _version()
        if index is None or index.version != version:
            index = _build(version)
        else:
            index.checked = time.monotonic()
        _index = index
        return index


def forget_company_index() -> None:
    """Drop the index (tests that add companies)."""
    global _index
    with _lock:
        _index = None


def _rank(entry: _Entry, q: str) -> int | None:
    """Lower is better; None: no match."""
    for rank, keys in ((0, entry.texts), (2, entry.initials), (4, entry.spelled)):
        if any(k.startswith(q) for k in keys):
            return rank
        if any(q in k for k in keys):
            return rank + 1
    return None


def search_companies(q: str, limit: int = MAX_RESULTS) -> list[CompanyHit]:
    """Companies (insurers and intermediaries, active) whose name or short name holds `q`, or
    whose pinyin initials or full pinyin do: 「平安」, 「人寿」, "pa", "zgrs", "pingan". Best
    first: a match at the start before one inside, characters before initials before full
    pinyin, head offices before branches, shorter names first. At most `limit` (20)."""
    q = "".join(q.split()).lower()[:QUERY_MAX]
    if not q:
        return []
    found = []
    for entry in _current().entries:
        rank = _rank(entry, q)
        if rank is not None:
            found.append((rank, not entry.hit.head_office, len(entry.hit.name), entry.hit.name, entry.hit))
    found.sort(key=lambda row: row[:4])
    return [row[4] for row in found[:limit]]


def company_name(company_id: int) -> str | None:
    """The name of a company the search can find (for a form shown again)."""
    return _companies().filter(pk=company_id).values_list("name", flat=True).first()


def filing_cities() -> list[tuple[str, str]]:
    """(code, name) of the prefecture-level cities inside some bureau's area, by code: those a
    jurisdiction names, and the cities of a province a bureau holds whole (the rule of
    `directory.access.bureau_holding`, for every city at once)."""
    named = Jurisdiction.objects.values_list("region_id", flat=True)
    return list(
        Region.objects.filter(level=Region.Level.PREFECTURE)
        .filter(Q(code__in=named) | Q(parent_id__in=named))
        .order_by("code")
        .values_list("code", "name")
    )
