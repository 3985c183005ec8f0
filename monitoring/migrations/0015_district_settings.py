"""Settings per district (DESIGN §2): the row without a district stays the region's defaults."""

import django.db.models.deletion
from django.db import migrations, models

from govpublic.migration_ops import sequence_reset


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0014_comment_alerts'),
        ('organizations', '0008_short_name_unique_in_district'),
    ]

    operations = [
        migrations.AddField(
            model_name='rulesettings',
            name='district',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='%(class)s', to='organizations.district', verbose_name='район'),
        ),
        migrations.AddField(
            model_name='rulesettings',
            name='due_dates',
            field=models.JSONField(blank=True, default=dict, verbose_name='сроки документов района'),
        ),
        sequence_reset("monitoring", "RuleSettings"),
    ]
