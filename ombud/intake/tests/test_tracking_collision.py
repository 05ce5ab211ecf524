"""A tracking number that collides is drawn again, also inside a caller's transaction.

Ten random digits a day collide about once in a hundred reception days of 15,307 visits. The
retry must work where the demo and imports record visits, inside their own transaction: on
PostgreSQL a failed INSERT without a savepoint aborts that transaction, and the retry (and the
rest of the demo) fails with it.
"""

import pytest
from django.db import transaction

from ombud.intake import services
from ombud.intake.models import Visit
from ombud.intake.services import VisitInput, record_visit

pytestmark = pytest.mark.django_db


def _consultation(world) -> VisitInput:
    return VisitInput(kind=Visit.Kind.CONSULTATION, site_id=world.site_mm.pk, visitor_name="李秀英", summary="咨询")


@pytest.mark.parametrize("in_transaction", [False, True], ids=["alone", "inside-a-transaction"])
def test_a_colliding_tracking_number_is_drawn_again(world, monkeypatch, in_transaction):
    first = record_visit(world.staff_mm, _consultation(world)).visit
    fresh = iter([first.tracking_no, first.tracking_no[:6] + "0000000001"])
    monkeypatch.setattr(services, "new_tracking_no", lambda received_at: next(fresh))
    if in_transaction:
        with transaction.atomic():
            second = record_visit(world.staff_mm, _consultation(world)).visit
            assert Visit.objects.count() == 2  # the transaction goes on after the retry
    else:
        second = record_visit(world.staff_mm, _consultation(world)).visit
    assert second.tracking_no == first.tracking_no[:6] + "0000000001"
    assert Visit.objects.filter(tracking_no=first.tracking_no).count() == 1
