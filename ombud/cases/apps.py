from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "ombud.cases"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from ombud.cases import deadlines, services
        from ombud.cases.models import CalendarDay, CalendarYear
        from ombud.intake.services import open_cases_with

        # A complaint recorded by intake opens its case here (intake never imports cases).
        open_cases_with(services.CASE_OPENING)

        def forget(**kwargs):
            deadlines.forget_cached_calendar()

        # weak=False: `forget` is local to this method; a weak reference would let it be
        # collected as soon as ready() returns, and the signal would never reach it.
        for model in (CalendarDay, CalendarYear):
            post_save.connect(forget, sender=model, weak=False, dispatch_uid=f"calendar-save-{model.__name__}")
            post_delete.connect(forget, sender=model, weak=False, dispatch_uid=f"calendar-delete-{model.__name__}")
