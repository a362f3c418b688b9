"""Existing supports counted by the rule of issue 27: a confirmed follow's support is known by its contact (the
channel and address), a contact counts once per report, the reporter's own contact never; then every report's
support_count is recounted from its supports."""

import re

from django.db import migrations
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def phone_number(text):
    """notify.channels.phone_number, as it was."""
    digits = re.sub(r"\D", "", text or "")
    return "62" + digits[1:] if digits.startswith("0") else digits


def reporters_own(subscription):
    report = subscription.report
    if subscription.channel in ("whatsapp", "sms"):
        return bool(report.reporter_phone) and phone_number(report.reporter_phone) == subscription.address
    return bool(report.reporter_email) and report.reporter_email.strip().lower() == subscription.address


def recount(apps, schema_editor):
    Support = apps.get_model("reports", "Support")
    Subscription = apps.get_model("notify", "Subscription")
    Report = apps.get_model("reports", "Report")
    for support in Support.objects.filter(supporter__startswith="notify:").order_by("created", "pk"):
        subscription = (Subscription.objects.select_related("report")
                        .filter(pk=int(support.supporter.removeprefix("notify:"))).first())
        if subscription is None:
            continue  # its follow is gone: the support stays as it was counted
        contact = f"{subscription.channel}:{subscription.address}"
        if reporters_own(subscription) or Support.objects.filter(report_id=support.report_id,
                                                                 contact=contact).exists():
            support.delete()
            continue
        support.supporter, support.contact = subscription.device, contact
        support.save(update_fields=["supporter", "contact"])
    counted = Support.objects.filter(report=OuterRef("pk")).values("report").annotate(n=Count("pk")).values("n")
    Report.objects.update(support_count=Coalesce(Subquery(counted), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0005_subscription_device"),
        ("reports", "0019_one_support_per_person_schema"),
    ]

    operations = [migrations.RunPython(recount, migrations.RunPython.noop)]
