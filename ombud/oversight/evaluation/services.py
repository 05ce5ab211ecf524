"""The writes of the company evaluation: the premium and policy figures a regulator imports."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.directory.models import Organization, User
from ombud.errors import InvalidInput
from ombud.oversight.evaluation.queries import Period, figures_bureau
from ombud.oversight.models import CompanyFigures


@dataclass(frozen=True)
class FiguresInput:
    company_id: int
    premium: Decimal
    policies: int
    insured_persons: int | None = None
    source: str = ""


@transaction.atomic
def import_figures(actor: User, period: Period, rows: list[FiguresInput]) -> int:
    """Replace the figures of the listed companies for the period; all rows or none.

    Errors name the row (0-based index) and field, e.g. `rows.3.premium`.
    """
    bureau_id = figures_bureau(actor)  # 403 unless a regulator; a bureau writes only its own
    errors: dict[str, str] = {}
    heads = set(
        Organization.objects.filter(
            pk__in=[r.company_id for r in rows],
            kind__in=[Organization.Kind.INSURER, Organization.Kind.INTERMEDIARY],
            parent__isnull=True,
        ).values_list("pk", flat=True)
    )
    seen: set[int] = set()
    for i, r in enumerate(rows):
        if r.company_id not in heads:
            errors[f"rows.{i}.company_id"] = _("Not an insurer's head office.")
        elif r.company_id in seen:
            errors[f"rows.{i}.company_id"] = _("This company is listed twice.")
        seen.add(r.company_id)
        if r.premium <= 0 or r.premium >= Decimal("1e16"):
            errors[f"rows.{i}.premium"] = _("Give the premium income in yuan, more than zero.")
        if r.policies <= 0:
            errors[f"rows.{i}.policies"] = _("Give the number of policies, more than zero.")
        if r.insured_persons is not None and r.insured_persons < 0:
            errors[f"rows.{i}.insured_persons"] = _("The number of insured persons cannot be negative.")
    if not rows:
        errors["rows"] = _("Give at least one company's figures.")
    if errors:
        raise InvalidInput(_("The figures were not imported."), fields=errors)
    now = timezone.now()
    for r in rows:
        CompanyFigures.objects.update_or_create(
            bureau_id=bureau_id,
            company_id=r.company_id,
            period_start=period.start,
            period_end=period.end,
            defaults={
                "premium": r.premium.quantize(Decimal("0.01")),
                "policies": r.policies,
                "insured_persons": r.insured_persons,
                "source": r.source[:200],
                "imported_at": now,
            },
        )
    return len(rows)
