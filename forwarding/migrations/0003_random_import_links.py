"""Reports imported from LAPOR! got a submission id made from their public tracking ID (uuid5 of a namespace in
this repository), and the API answers a known submission id with the report's private link: anyone could work it
out. Imports now get random ones (forwarding.inbound); this gives the reports imported before a new private token
and a new random submission id, so the old private links and the computable ids lead nowhere."""

import secrets
import uuid

from django.db import migrations


def rotate(apps, schema_editor):
    Forwarding = apps.get_model("forwarding", "Forwarding")
    Report = apps.get_model("reports", "Report")
    imported = Forwarding.objects.filter(inbound=True, link__kind="lapor").values_list("report_id", flat=True)
    for report_id in imported.iterator():
        Report.objects.filter(pk=report_id).update(private_token=secrets.token_urlsafe(32), client_uuid=uuid.uuid4())


class Migration(migrations.Migration):

    dependencies = [
        ("forwarding", "0002_partners_get_no_contact"),
        ("reports", "0014_privacy"),
    ]

    operations = [
        migrations.RunPython(rotate, migrations.RunPython.noop),
    ]
