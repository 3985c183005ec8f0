"""The one thresholds row exists from the start (DESIGN §3.2 defaults)."""

from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("monitoring", "RuleSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_nightly_schedule")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
