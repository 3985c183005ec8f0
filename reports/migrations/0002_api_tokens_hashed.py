"""API tokens move from DRF's authtoken (the token itself in the table) to django-rest-knox
(only a SHA-512 digest, and an expiry). Each existing token is carried over as its digest,
valid API_TOKEN_TTL_DAYS from now, so scripts keep working; the plain tokens are then deleted
(the old table stays, empty: its app is no longer installed, so nothing owns it any more)."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS

OLD_TABLE = "authtoken_token"


def carry_over(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    expiry = timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {OLD_TABLE}")  # noqa: S608 (a constant)
        AuthToken.objects.bulk_create(
            AuthToken(digest=hash_token(key), token_key=key[:CONSTANTS.TOKEN_KEY_LENGTH], user_id=user_id, expiry=expiry)
            for key, user_id in cursor.fetchall()
        )
        cursor.execute(f"DELETE FROM {OLD_TABLE}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_reminder_schedules"), ("knox", "0009_extend_authtoken_field")]
    operations = [migrations.RunPython(carry_over, migrations.RunPython.noop)]
