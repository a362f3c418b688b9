"""The default crews that `setup_city` creates on a fresh installation."""

from django.db import transaction

from geo.models import Crew, Kecamatan
from offices.models import Office
from offices.sample import PUBLIC_WORKS

# Road and drainage crews work per kecamatan; one lighting crew covers the city.
PER_KECAMATAN = [("Tim Jalan", "jalan"), ("Tim Drainase", "drainase")]
CITY_WIDE = [("Tim Penerangan Jalan Kota", "penerangan-jalan")]


@transaction.atomic
def ensure_default_crews(categories):
    """Create the default crews if there are none yet; returns how many were created.

    `categories` maps a category slug to its Category. Once any crew exists the
    crews belong to the admin: edits and deletions there are never undone here.
    """
    if Crew.objects.exists():
        return 0
    created = 0
    office = Office.objects.filter(slug=PUBLIC_WORKS).first()
    for kecamatan in Kecamatan.objects.all():
        for name, slug in PER_KECAMATAN:
            crew = Crew.objects.create(name=f"{name} {kecamatan.name}", area=Crew.Area.KECAMATAN, kecamatan=kecamatan,
                                       office=office)
            crew.categories.set([categories[slug]])
            created += 1
    for name, slug in CITY_WIDE:
        crew = Crew.objects.create(name=name, area=Crew.Area.CITY, office=office)
        crew.categories.set([categories[slug]])
        created += 1
    return created
