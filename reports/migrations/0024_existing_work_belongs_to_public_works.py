"""Existing crews, infrastructure categories and their reports belong to the public-works office.

On a fresh database there is nothing to move (setup_city makes the offices and crews afterwards); on an
installation with data, the public-works office is made from the sample list if missing.
"""

from django.db import migrations

PUBLIC_WORKS = {"slug": "dinas-pupr", "kind": "dinas", "name": "Dinas Pekerjaan Umum dan Penataan Ruang",
                "short_name": "Dinas PUPR"}


def to_public_works(apps, schema_editor):
    Crew = apps.get_model("geo", "Crew")
    Category = apps.get_model("reports", "Category")
    Report = apps.get_model("reports", "Report")
    Office = apps.get_model("offices", "Office")
    if not (Crew.objects.exists() or Category.objects.exists()):
        return
    office, _ = Office.objects.get_or_create(slug=PUBLIC_WORKS["slug"], defaults=PUBLIC_WORKS)
    Crew.objects.filter(office=None).update(office=office)
    Category.objects.filter(office=None, routing="crew").update(office=office)
    Report.objects.filter(office=None).update(office=office)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0023_offices_and_service_complaints"),
    ]

    operations = [migrations.RunPython(to_public_works, migrations.RunPython.noop)]
