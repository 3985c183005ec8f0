"""A district's own letterhead (DESIGN §2); the row without a district stays the region's."""

import django.db.models.deletion
from django.db import migrations, models

from govpublic.migration_ops import sequence_reset


class Migration(migrations.Migration):

    dependencies = [
        ('organizations', '0008_short_name_unique_in_district'),
        ('reports', '0003_letterhead'),
    ]

    operations = [
        migrations.AddField(
            model_name='letterhead',
            name='district',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='%(class)s', to='organizations.district', verbose_name='район'),
        ),
        sequence_reset("reports", "Letterhead"),
    ]
