"""Operations more than one app's migrations use."""

from django.core.management.color import no_style
from django.db import migrations


def sequence_reset(app_label: str, model_name: str) -> migrations.RunPython:
    """Bring the table's id sequence past its rows: a row created with an explicit id (the
    region's settings row) is not counted by PostgreSQL's sequence, so the next row would be
    given that id again."""

    def reset(apps, schema_editor):
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [apps.get_model(app_label, model_name)]):
                cursor.execute(sql)

    return migrations.RunPython(reset, migrations.RunPython.noop)
