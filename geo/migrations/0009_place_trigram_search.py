"""The map's search matches places loosely (issue 27): pg_trgm, each place's name in its search form, and a GIN
trigram index for the word-similarity match (geo.places.search)."""

import re
import unicodedata

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

SAME_WORDS = {"jl": "jalan", "jln": "jalan", "gg": "gang", "kel": "kelurahan", "kec": "kecamatan", "mesjid": "masjid",
              "no": "", "nomor": ""}


def search_form(text):
    """geo.models.search_form, as it was."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = (SAME_WORDS.get(word, word) for word in re.findall(r"[a-z0-9]+", plain))
    return " ".join(word for word in words if word)


def fill(apps, schema_editor):
    Place = apps.get_model("geo", "Place")
    places = list(Place.objects.only("name"))
    for place in places:
        place.search_name = search_form(place.name)
    Place.objects.bulk_update(places, ["search_name"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('geo', '0008_indonesian_labels'),
    ]

    operations = [
        TrigramExtension(),
        migrations.AddField(
            model_name='place',
            name='search_name',
            field=models.CharField(default='', editable=False, max_length=300),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='place',
            name='source',
            field=models.CharField(choices=[('import', 'imported file'), ('geocoder', 'address from the geocoder'), ('admin', 'entered in the admin'), ('typed', 'address typed at filing'), ('verified', 'address of a verified report')], default='admin', max_length=10, verbose_name='source'),
        ),
        migrations.AddIndex(
            model_name='place',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass('search_name', name='gin_trgm_ops'), name='geo_place_search_trgm'),
        ),
    ]
