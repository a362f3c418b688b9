"""The default report categories that `setup_city` creates."""

from django.db import transaction

from reports.models import Category

DEFAULT_CATEGORIES = [
    {
        "slug": "jalan", "name_id": "Jalan", "name_en": "Road",
        "duplicate_radius_m": 30, "response_days": 10, "photo_required": True,
        "children": [
            ("jalan-berlubang", "Berlubang", "Potholes"),
            ("jalan-retak-amblas", "Retak atau amblas", "Cracked or subsided"),
            ("trotoar-rusak", "Trotoar rusak", "Broken pavement"),
        ],
    },
    {
        "slug": "drainase", "name_id": "Drainase", "name_en": "Drainage",
        "duplicate_radius_m": 50, "response_days": 5, "photo_required": True,
        "children": [
            ("saluran-tersumbat", "Saluran tersumbat", "Blocked drain"),
            ("genangan-banjir", "Genangan atau banjir", "Standing water or flooding"),
            ("gorong-gorong-rusak", "Gorong-gorong rusak", "Broken culvert"),
        ],
    },
    {
        # Lighting faults are mostly seen at night, when a photo shows little.
        "slug": "penerangan-jalan", "name_id": "Penerangan Jalan", "name_en": "Street lighting",
        "duplicate_radius_m": 25, "response_days": 3, "photo_required": False,
        "children": [
            ("lampu-mati", "Lampu mati", "Light out"),
            ("lampu-menyala-siang", "Menyala siang hari", "On in daytime"),
            ("tiang-kabel-rusak", "Tiang atau kabel rusak", "Damaged pole or cable"),
        ],
    },
]


@transaction.atomic
def ensure_default_categories():
    """Create the default categories that are missing; never overwrite an admin's edits.

    Returns the number of categories created.
    """
    created = 0
    for order, spec in enumerate(DEFAULT_CATEGORIES):
        fields = {key: value for key, value in spec.items() if key not in ("slug", "children")}
        parent, made = Category.objects.get_or_create(slug=spec["slug"], defaults=dict(fields, sort_order=order * 10))
        created += made
        for child_order, (slug, name_id, name_en) in enumerate(spec["children"], start=1):
            child = dict(fields, name_id=name_id, name_en=name_en, parent=parent, sort_order=order * 10 + child_order)
            created += Category.objects.get_or_create(slug=slug, defaults=child)[1]
    return created
