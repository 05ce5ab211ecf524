"""The scoring rule of the company evaluation: metric values → points → score → rank.

Each metric is scaled to 0..1 across the companies that have a value for it (min–max; 1 for
all when they are equal; lower-is-better metrics are reversed); a company's points for a
metric are weight × scaled value; its score is its points over the weights of the metrics it
has a value for, × 100, so a company is not punished for a figure nobody holds (no call-backs
yet, say). The missing metrics are shown as such. Ranking: score descending, then company
name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ombud.oversight.models import EvaluationWeight

FOUR_PLACES = Decimal("0.0001")


@dataclass
class MetricScore:
    value: Decimal | None
    scaled: Decimal | None = None
    points: Decimal | None = None


@dataclass
class CompanyScore:
    company_id: int
    company_name: str
    complaints: int
    metrics: dict[str, MetricScore] = field(default_factory=dict)
    # The three rates (三率) beside the score, not weighted into it (cases.queries.three_rates).
    rates: dict = field(default_factory=dict)
    score: Decimal = Decimal(0)
    rank: int = 0


def score(rows: list[CompanyScore], weights: list[EvaluationWeight]) -> None:
    """Fill in each row's scaled values, points, score and rank, and sort the rows by rank."""
    for w in weights:
        present = [value for r in rows if (value := r.metrics[w.metric].value) is not None]
        if not present:
            continue
        low, high = min(present), max(present)
        for r in rows:
            m = r.metrics[w.metric]
            if m.value is None:
                continue
            if high == low:
                scaled = Decimal(1)
            elif w.higher_is_better:
                scaled = (m.value - low) / (high - low)
            else:
                scaled = (high - m.value) / (high - low)
            m.scaled = scaled.quantize(FOUR_PLACES, ROUND_HALF_UP)
            m.points = (w.weight * m.scaled).quantize(FOUR_PLACES, ROUND_HALF_UP)
    for r in rows:
        scored = [(w.weight, points) for w in weights if (points := r.metrics[w.metric].points) is not None]
        available = sum((weight for weight, _points in scored), Decimal(0))
        points = sum((p for _weight, p in scored), Decimal(0))
        r.score = (points / available * 100).quantize(Decimal("0.1"), ROUND_HALF_UP) if available else Decimal(0)
    rows.sort(key=lambda r: (-r.score, r.company_name, r.company_id))
    for i, r in enumerate(rows, 1):
        r.rank = i
