from django.db import migrations, models


def copy_current_names(apps, schema_editor):
    """Existing boundaries take the names their kelurahan and kecamatan have now."""
    KelurahanBoundary = apps.get_model("geo", "KelurahanBoundary")
    for boundary in KelurahanBoundary.objects.select_related("kelurahan__kecamatan"):
        boundary.name = boundary.kelurahan.name
        boundary.kecamatan_name = boundary.kelurahan.kecamatan.name
        boundary.save(update_fields=["name", "kecamatan_name"])


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="kelurahanboundary",
            name="name",
            field=models.CharField(default="", max_length=100, verbose_name="name"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="kelurahanboundary",
            name="kecamatan_name",
            field=models.CharField(default="", max_length=100, verbose_name="kecamatan name"),
            preserve_default=False,
        ),
        migrations.RunPython(copy_current_names, migrations.RunPython.noop),
    ]
