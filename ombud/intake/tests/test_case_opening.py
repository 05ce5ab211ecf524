"""Intake opens a complaint's case through the cases app's `CaseOpening`, never by importing
cases (the import-linter contract in pyproject forbids it): registered when the app loads,
and without it no complaint is recorded."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from ombud.cases import services as case_services
from ombud.cases.models import Case, Nature
from ombud.intake import services
from ombud.intake.models import Visit
from ombud.intake.services import VisitInput, record_visit

pytestmark = pytest.mark.django_db


def _complaint(world, **extra) -> VisitInput:
    return VisitInput(
        kind=Visit.Kind.COMPLAINT,
        site_id=world.site_mm.pk,
        visitor_name="李秀英",
        summary="理赔被拒。",
        company_id=world.company_a_maoming.pk,
        outcome=Visit.Outcome.RESOLVED_ON_SITE,
        **extra,
    )


def test_the_cases_app_registers_its_case_opening_when_it_loads():
    assert services.case_opening() is case_services.CASE_OPENING
    assert services.case_opening().natures == tuple(Nature.values)


def test_a_complaint_opens_its_case_through_it(world):
    recorded = record_visit(world.staff_mm, _complaint(world))
    assert Case.objects.get(pk=recorded.case_id).visit_id == recorded.visit.pk


def test_without_the_cases_app_no_complaint_is_recorded(world, monkeypatch):
    monkeypatch.setattr(services, "_case_opening", None)
    with pytest.raises(ImproperlyConfigured):
        record_visit(world.staff_mm, _complaint(world))
    assert not Visit.objects.exists()
    # A consultation needs no case: it is recorded as before.
    consultation = VisitInput(
        kind=Visit.Kind.CONSULTATION, site_id=world.site_mm.pk, visitor_name="李秀英", summary="咨询"
    )
    assert record_visit(world.staff_mm, consultation).case_id is None
