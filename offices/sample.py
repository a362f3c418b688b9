"""The sample offices that `setup_city` loads (fixtures/offices/): to be confirmed by the city."""

import json

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from geo.models import Kecamatan, Kelurahan
from offices.models import Office

# The office whose field teams the crews are: infrastructure reports are its complaints.
PUBLIC_WORKS = "dinas-pupr"


def sample_list():
    with open(settings.BASE_DIR / "fixtures" / "offices" / "padangpanjang.json", encoding="utf-8") as file:
        return json.load(file)["offices"]


@transaction.atomic
def ensure_sample_offices():
    """Create the listed offices, and one office per kecamatan and kelurahan, that are missing; never overwrite an
    administrator's edits. Returns the number created."""
    created = 0
    for entry in sample_list():
        created += Office.objects.get_or_create(slug=entry["slug"], defaults=entry)[1]
    for kecamatan in Kecamatan.objects.all():
        created += Office.objects.get_or_create(
            slug=slugify(f"kecamatan {kecamatan.name}"),
            defaults={"kind": Office.Kind.KECAMATAN, "name": f"Kantor Camat {kecamatan.name}", "kecamatan": kecamatan},
        )[1]
    for kelurahan in Kelurahan.objects.all():
        created += Office.objects.get_or_create(
            slug=slugify(f"kelurahan {kelurahan.name}"),
            defaults={"kind": Office.Kind.KELURAHAN, "name": f"Kantor Lurah {kelurahan.name}", "kelurahan": kelurahan},
        )[1]
    return created
