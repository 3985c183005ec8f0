"""A district inherits the region's rule settings value by value (DESIGN §2): its row names the
values it set (`own`). A row written before held all of a district's values; its own are those
that differ from the region's, and the rest follow the region from now on."""

from django.db import migrations, models

# The values a district may set for itself, as they stand in this migration.
DISTRICT_VALUES = [
    "weeks", "posts_per_week_min", "posts_per_week_target", "posts_total_min", "max_required",
    "rating_mark", "rating_info", "rating_regularity", "rating_from_community", "rating_audience",
    "rating_views", "rating_engagement", "rating_answers",
]


def own_values(district: dict, region: dict) -> list[str]:
    """The values a district's row holds as its own: those that differ from the region's."""
    return [name for name in DISTRICT_VALUES if district[name] != region[name]]


def mark_own(apps, schema_editor):
    RuleSettings = apps.get_model("monitoring", "RuleSettings")
    region = RuleSettings.objects.filter(district=None).order_by("pk").values(*DISTRICT_VALUES).first()
    for row in RuleSettings.objects.exclude(district=None).values("pk", *DISTRICT_VALUES):
        # Without a region row the district's values were all there was: all its own.
        own = own_values(row, region) if region else list(DISTRICT_VALUES)
        RuleSettings.objects.filter(pk=row["pk"]).update(own=own)


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0015_district_settings'),
    ]

    operations = [
        migrations.AddField(
            model_name='rulesettings',
            name='own',
            field=models.JSONField(blank=True, default=list, editable=False, verbose_name='свои значения района'),
        ),
        migrations.RunPython(mark_own, migrations.RunPython.noop),
    ]
