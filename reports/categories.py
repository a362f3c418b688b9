"""The default report categories that `setup_city` creates."""

from django.db import transaction

from reports.models import Category, CategoryAttribute

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

# Questions some categories ask (Open311 attributes): what helps the crew find and size the job.
DEFAULT_QUESTIONS = {
    "jalan-berlubang": [{
        "code": "ukuran", "label_id": "Seberapa besar lubangnya?", "label_en": "How large is the pothole?",
        "datatype": CategoryAttribute.Datatype.SINGLE,
        "choices": "kecil | Kecil (kurang dari 30 cm) | Small (under 30 cm)\n"
                   "sedang | Sedang (30 cm sampai 1 m) | Medium (30 cm to 1 m)\n"
                   "besar | Besar (lebih dari 1 m) | Large (over 1 m)",
    }],
    "lampu-mati": [{
        "code": "nomor-tiang", "label_id": "Nomor tiang (tertulis di tiang, jika ada)",
        "label_en": "Pole number (written on the pole, if any)", "datatype": CategoryAttribute.Datatype.STRING,
    }],
}


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
            category, made = Category.objects.get_or_create(slug=slug, defaults=child)
            created += made
            for position, question in enumerate(DEFAULT_QUESTIONS.get(slug, []) if made else []):
                CategoryAttribute.objects.create(category=category, order=position, **question)
    return created
