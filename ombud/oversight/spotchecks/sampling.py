"""The sampler of spot checks (抽查): pure functions, no database — the reference.

A draw runs inside the database (`queries.draw_sample`: ranks, counts and picks in SQL, and
fetches only the sample); `select` here is the rule written in Python, which the tests
(test_sampling_sql.py) require the SQL draw to equal on SQLite and PostgreSQL.

How a sample is drawn (docs/spot-checks.md has the full argument):

- The population is the handled cases of the drawer's jurisdiction, of a campaign and/or
  received in a period (`queries.population`).
- Strata are (company head office, outcome) (`queries.outcome_of`).
- Every case gets a rank: the SHA-256 hex digest of "<seed>/<tracking number>" (UTF-8). In
  each stratum the cases with the smallest ranks are the sample. The rank of a case depends
  only on the seed and its own tracking number, so the sample depends neither on the order
  the database returns rows in, nor on its collation, nor on the Python version (SHA-256 is
  a standard; Python's `random` guarantees only `random()` across versions, not `sample()`),
  and anyone can recompute it with `sha256sum`. A case added to one stratum never changes the
  sample of another.
- Size per stratum: `count` → min(size, stratum size); `percent` → ceil(stratum size × p /
  100), which is at least 1 for a non-empty stratum and never more than the stratum.
- Items are numbered 1, 2, … stratum by stratum, strata sorted by (company id, outcome in
  OUTCOMES order), and by rank within a stratum.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

from ombud.oversight.models import SpotCheck

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# The outcome strata, in the order strata are listed and items numbered.
OUTCOMES: dict[str, StrPromise] = {
    "resolved_on_site": gettext_lazy("resolved on site"),
    "time_limited": gettext_lazy("time-limited"),
    "upheld": gettext_lazy("upheld"),
    "partly_upheld": gettext_lazy("partly upheld"),
    "not_upheld": gettext_lazy("not upheld"),
    "not_accepted": gettext_lazy("not accepted"),
}
OUTCOME_ORDER = {o: i for i, o in enumerate(OUTCOMES)}


@dataclass(frozen=True)
class Member:
    """One case of a spot check's population, with its stratum."""

    case_id: int
    tracking_no: str
    company_id: int
    outcome: str


def rank(seed: str, tracking_no: str) -> str:
    """The position of a case in every draw with `seed`: smaller ranks are drawn first."""
    return hashlib.sha256(f"{seed}/{tracking_no}".encode()).hexdigest()


def stratum_sample_size(stratum_size: int, size_mode: str, size_value: int) -> int:
    if stratum_size <= 0:
        return 0
    if size_mode == SpotCheck.SizeMode.PERCENT:
        return min(stratum_size, -(-stratum_size * size_value // 100))  # ceil, integers only
    return min(stratum_size, size_value)


@dataclass
class Stratum:
    company_id: int
    outcome: str
    population: int = 0
    sample: list[Member] = field(default_factory=list)


def select(members: list[Member], seed: str, size_mode: str, size_value: int) -> list[Stratum]:
    """Split `members` into strata and pick each stratum's sample (see the module docstring).
    Strata come sorted by (company id, outcome); each sample is sorted by rank."""
    groups: dict[tuple[int, str], list[Member]] = defaultdict(list)
    for m in members:
        groups[(m.company_id, m.outcome)].append(m)
    strata = []
    for company_id, outcome in sorted(groups, key=lambda k: (k[0], OUTCOME_ORDER.get(k[1], 99), k[1])):
        group = groups[(company_id, outcome)]
        k = stratum_sample_size(len(group), size_mode, size_value)
        ranked = sorted(group, key=lambda m: (rank(seed, m.tracking_no), m.tracking_no))
        strata.append(Stratum(company_id, outcome, len(group), ranked[:k]))
    return strata


def new_seed() -> str:
    """Eight digits, easy to read out and type again; from `secrets`, so not guessable."""
    return f"{secrets.randbelow(10**8):08d}"
