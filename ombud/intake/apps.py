from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class IntakeConfig(AppConfig):
    name = "ombud.intake"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ombud.directory import generation
        from ombud.intake import policy
        from ombud.intake.models import ProductLine

        def forget(**kwargs):
            policy.forget_cached_policy()

        post_save.connect(forget, sender=ProductLine, dispatch_uid="intake-policy-save")
        post_delete.connect(forget, sender=ProductLine, dispatch_uid="intake-policy-delete")

        # What the API's site cache holds (intake/services.py): a site with its campaign and
        # city, and that a user may record there (campaigns/queries.py may_record_at: a
        # bureau's jurisdiction, a roster entry, the site's companies). Companies are
        # organizations, watched by the directory already.
        for model in ("campaigns.Site", "campaigns.Campaign", "campaigns.SiteOrganization"):
            generation.watch(model)
        generation.watch("campaigns.RosterEntry", fields=("site", "staff"))  # not check-in times
        generation.watch("directory.Staff", fields=("user", "organization"))
        generation.watch("directory.Jurisdiction")
        generation.watch("directory.Region")
