# Reserved for issue 8's access rules (filled in by the change that needs it).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_withdrawal")]

    operations = []
