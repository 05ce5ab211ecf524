# Issue 8: only a superuser or a regulator admin with the explicit nationwide flag sees every
# bureau's records. Existing accounts are not granted the flag: `ombud check` (ombud.W001)
# lists regulator accounts that now see nothing, for an admin to give a bureau or the flag.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_load_regions")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="nationwide",
            field=models.BooleanField(
                default=False,
                help_text="A regulator admin who sees every bureau's records; ignored for every other role.",
                verbose_name="nationwide",
            ),
        ),
    ]
