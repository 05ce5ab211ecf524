# One answer per verified phone and consultation; the SMS code hash fits its column (81 characters: it
# did not in 64 on PostgreSQL, where a varchar is checked; SQLite does not check).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0004_model_names'),
        ('portal', '0003_public_side'),
    ]

    operations = [
        migrations.AlterField(
            model_name='phonechallenge',
            name='code_hash',
            field=models.CharField(max_length=96),
        ),
        migrations.AddConstraint(
            model_name='consultationresponse',
            constraint=models.UniqueConstraint(condition=models.Q(('phone_index', ''), _negated=True), fields=('consultation', 'phone_index'), name='consultation_response_one_per_phone'),
        ),
    ]
