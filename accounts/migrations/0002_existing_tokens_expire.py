"""Tokens issued before tokens expired get their expiry: API_TOKEN_DAYS from the day this migration runs, a grace
period in which their holders ask an administrator for a new one (docs/workflow.md, "API tokens")."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def give_grace(apps, schema_editor):
    Token, TokenExpiry = apps.get_model("authtoken", "Token"), apps.get_model("accounts", "TokenExpiry")
    expires = timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)
    keys = Token.objects.filter(expiry=None).values_list("pk", flat=True)
    TokenExpiry.objects.bulk_create([TokenExpiry(token_id=key, expires=expires) for key in keys])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("authtoken", "0004_alter_tokenproxy_options")]

    operations = [migrations.RunPython(give_grace, migrations.RunPython.noop)]
