"""The month tallies, the all-time decision histograms and the answers on the case tallies
(cases/rollups.py); filled by oversight/0009, which also knows the call-backs they count. The
new columns of the case tallies have a constant default: no table rewrite on PostgreSQL."""

import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0004_model_names'),
        ('cases', '0024_tally_campaign_indexes'),
        ('directory', '0005_cache_generation'),
        ('intake', '0005_visit_list_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='CaseMonthTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('ratings_answers', models.IntegerField(default=0, verbose_name='ratings')),
                ('ratings_solved', models.IntegerField(default=0, verbose_name='ratings: solved')),
                ('ratings_solved_of', models.IntegerField(default=0, verbose_name='ratings: answered whether solved')),
                ('ratings_satisfied', models.IntegerField(default=0, verbose_name='ratings: satisfied')),
                ('ratings_satisfaction_of', models.IntegerField(default=0, verbose_name='ratings: answered how satisfied')),
                ('ratings_satisfaction_sum', models.IntegerField(default=0, verbose_name='ratings: satisfaction added up')),
                ('callbacks_answers', models.IntegerField(default=0, verbose_name='call-backs reached')),
                ('callbacks_solved', models.IntegerField(default=0, verbose_name='call-backs: solved')),
                ('callbacks_solved_of', models.IntegerField(default=0, verbose_name='call-backs: answered whether solved')),
                ('callbacks_satisfied', models.IntegerField(default=0, verbose_name='call-backs: satisfied')),
                ('callbacks_satisfaction_of', models.IntegerField(default=0, verbose_name='call-backs: answered how satisfied')),
                ('callbacks_satisfaction_sum', models.IntegerField(default=0, verbose_name='call-backs: satisfaction added up')),
                ('month', models.DateField(verbose_name='month')),
                ('opened', models.IntegerField(verbose_name='cases')),
                ('decisions', models.IntegerField(verbose_name='decided')),
                ('decisions_in_time', models.IntegerField(verbose_name='decided within the deadline')),
                ('reviews', models.IntegerField(verbose_name='went to review')),
                ('mediations', models.IntegerField(verbose_name='went to mediation')),
                ('responded', models.IntegerField(verbose_name='answered within the deadline')),
                ('owed', models.IntegerField(verbose_name='had to be answered')),
            ],
            options={
                'verbose_name': 'case month tally',
                'verbose_name_plural': 'case month tallies',
                'ordering': ['month', 'id'],
            },
        ),
        migrations.CreateModel(
            name='DecisionDays',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('days', models.IntegerField(verbose_name='days to decision (ten tenths)')),
                ('n', models.IntegerField(verbose_name='cases')),
            ],
            options={
                'verbose_name': 'decision days histogram',
                'verbose_name_plural': 'decision days histograms',
                'ordering': ['company_root', 'days', 'id'],
            },
        ),
        migrations.CreateModel(
            name='DecisionTenths',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tenth', models.IntegerField(verbose_name='days to decision (tenths, rounded half up)')),
                ('n', models.IntegerField(verbose_name='cases')),
            ],
            options={
                'verbose_name': 'decision tenths histogram',
                'verbose_name_plural': 'decision tenths histograms',
                'ordering': ['company_root', 'tenth', 'id'],
            },
        ),
        migrations.AddField(
            model_name='casetally',
            name='callbacks_answers',
            field=models.IntegerField(default=0, verbose_name='call-backs reached'),
        ),
        migrations.AddField(
            model_name='casetally',
            name='callbacks_satisfaction_of',
            field=models.IntegerField(default=0, verbose_name='call-backs: answered how satisfied'),
        ),
        migrations.AddField(
            model_name='casetally',
            name='callbacks_satisfaction_sum',
            field=models.IntegerField(default=0, verbose_name='call-backs: satisfaction added up'),
        ),
        migrations.AddField(
            model_name='casetally',
            name='callbacks_satisfied',
            field=models.IntegerField(default=0, verbose_name='call-backs: satisfied'),
        ),
        migrations.AddField(
            model_name='casetally',
            name='callbacks_solved',
            field=models.IntegerField(default=0, verbose_name='call-backs: solved'),
        ),
        migrations.AddField(
            model_name='casetally',
            name='callbacks_solved_of',
            field=models.IntegerField(default=0, verbose_name='call-backs: answered whether solved'),
        ),
        migrations.AddField(
            model_name='casetally',
            name='ratings_answers',
            field=models.IntegerField(default=0, verbose_name='ratings'),
        ),
        migrations.AddField(
            model_name='casetally',
            name='ratings_satisfaction_of',
            field=models.IntegerField(default=0, verbose_name='ratings: answered how satisfied'),
        ),
        migrations.AddField(
            model_name='casetally',
            name='ratings_satisfaction_sum',
            field=models.IntegerField(default=0, verbose_name='ratings: satisfaction added up'),
        ),
        migrations.AddField(
            model_name='casetally',
            name='ratings_satisfied',
            field=models.IntegerField(default=0, verbose_name='ratings: satisfied'),
        ),
        migrations.AddField(
            model_name='casetally',
            name='ratings_solved',
            field=models.IntegerField(default=0, verbose_name='ratings: solved'),
        ),
        migrations.AddField(
            model_name='casetally',
            name='ratings_solved_of',
            field=models.IntegerField(default=0, verbose_name='ratings: answered whether solved'),
        ),
        migrations.AddField(
            model_name='casemonthtally',
            name='bureau',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.organization'),
        ),
        migrations.AddField(
            model_name='casemonthtally',
            name='campaign',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='campaigns.campaign'),
        ),
        migrations.AddField(
            model_name='casemonthtally',
            name='city',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.region'),
        ),
        migrations.AddField(
            model_name='casemonthtally',
            name='company_root',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.organization'),
        ),
        migrations.AddField(
            model_name='casemonthtally',
            name='site',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='campaigns.site'),
        ),
        migrations.AddField(
            model_name='decisiondays',
            name='bureau',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.organization'),
        ),
        migrations.AddField(
            model_name='decisiondays',
            name='campaign',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='campaigns.campaign'),
        ),
        migrations.AddField(
            model_name='decisiondays',
            name='city',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.region'),
        ),
        migrations.AddField(
            model_name='decisiondays',
            name='company_root',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.organization'),
        ),
        migrations.AddField(
            model_name='decisiondays',
            name='site',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='campaigns.site'),
        ),
        migrations.AddField(
            model_name='decisiontenths',
            name='bureau',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.organization'),
        ),
        migrations.AddField(
            model_name='decisiontenths',
            name='campaign',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='campaigns.campaign'),
        ),
        migrations.AddField(
            model_name='decisiontenths',
            name='city',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.region'),
        ),
        migrations.AddField(
            model_name='decisiontenths',
            name='company_root',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.organization'),
        ),
        migrations.AddField(
            model_name='decisiontenths',
            name='site',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='campaigns.site'),
        ),
        migrations.AddIndex(
            model_name='casemonthtally',
            index=models.Index(fields=['company_root', 'month'], name='case_month_company_month'),
        ),
        migrations.AddIndex(
            model_name='casemonthtally',
            index=models.Index(condition=models.Q(('campaign__isnull', False)), fields=['campaign'], name='case_month_campaign'),
        ),
        migrations.AddConstraint(
            model_name='casemonthtally',
            constraint=models.UniqueConstraint(models.F('month'), models.F('company_root'), django.db.models.functions.comparison.Coalesce('city', models.Value('')), django.db.models.functions.comparison.Coalesce('bureau', models.Value(0)), django.db.models.functions.comparison.Coalesce('site', models.Value(0)), django.db.models.functions.comparison.Coalesce('campaign', models.Value(0)), name='case_month_tally_tuple'),
        ),
        migrations.AddConstraint(
            model_name='decisiondays',
            constraint=models.UniqueConstraint(models.F('company_root'), django.db.models.functions.comparison.Coalesce('city', models.Value('')), django.db.models.functions.comparison.Coalesce('bureau', models.Value(0)), django.db.models.functions.comparison.Coalesce('site', models.Value(0)), django.db.models.functions.comparison.Coalesce('campaign', models.Value(0)), models.F('days'), name='decision_days_tuple'),
        ),
        migrations.AddIndex(
            model_name='decisiontenths',
            index=models.Index(fields=['tenth'], name='decision_tenths_tenth'),
        ),
        migrations.AddConstraint(
            model_name='decisiontenths',
            constraint=models.UniqueConstraint(models.F('company_root'), django.db.models.functions.comparison.Coalesce('city', models.Value('')), django.db.models.functions.comparison.Coalesce('bureau', models.Value(0)), django.db.models.functions.comparison.Coalesce('site', models.Value(0)), django.db.models.functions.comparison.Coalesce('campaign', models.Value(0)), models.F('tenth'), name='decision_tenths_tuple'),
        ),
    ]
