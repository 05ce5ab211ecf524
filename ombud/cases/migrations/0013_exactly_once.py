# Issue 8: idempotent transitions (TransitionKey), honest notification re-sends (Notification.interrupted,
# the NOTIFICATION_RESENT event type).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_access"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="interrupted",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="interrupted hand-overs"),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="type",
            field=models.CharField(
                choices=[
                    ("resolved_on_site", "resolved on site"),
                    ("promised", "resolution promised by a date"),
                    ("referred", "referred to the regulator for investigation"),
                    ("received", "received"),
                    ("accepted", "accepted"),
                    ("not_accepted", "not accepted"),
                    ("extended", "time limit extended"),
                    ("decided", "decided"),
                    ("informed", "consumer informed"),
                    ("closed", "closed"),
                    ("withdrawn", "withdrawn by the consumer"),
                    ("review_requested", "review requested"),
                    ("review_decided", "review decided"),
                    ("mediation_started", "mediation started"),
                    ("escalated", "escalated to the regulator"),
                    ("referred_for_enforcement", "suspected violation referred for enforcement"),
                    ("rerouted", "rerouted"),
                    ("reopened", "reopened after a spot check"),
                    ("reminded", "deadline reminder sent"),
                    ("overdue", "overdue: escalated to the executive and the regulator"),
                    ("notified", "notification sent"),
                    ("notification_failed", "notification failed"),
                    ("notification_resent", "notification handed over again"),
                    ("attached", "evidence attached"),
                    ("imported", "imported from the backlog"),
                ],
                max_length=32,
            ),
        ),
        migrations.CreateModel(
            name="TransitionKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=128)),
                ("fingerprint", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                (
                    "case",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="cases.case"),
                ),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="cases.caseevent"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
                "constraints": [models.UniqueConstraint(fields=("user", "key"), name="transition_key_unique")],
            },
        ),
    ]
