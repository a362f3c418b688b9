"""The default report categories that `setup_city` creates: infrastructure routed to the public-works crews, and
the city's services routed to the office that owns them (fixtures/offices/)."""

from django.db import transaction

from offices.models import Office
from offices.sample import PUBLIC_WORKS
from reports.models import Category, CategoryAttribute

SERVICE = {"routing": Category.Routing.OFFICE, "location_mode": Category.LocationMode.NOT_ASKED,
           "public_by_default": False, "photo_required": False, "duplicate_radius_m": 0}

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
    # The city's services: complaints about an office's service, often about a person, not public when filed.
    dict(SERVICE, **{
        "slug": "administrasi-kependudukan", "name_id": "Administrasi kependudukan", "name_en": "Civil registration",
        "office": "disdukcapil", "response_days": 5,
        "children": [
            ("ktp-el", "KTP elektronik", "Electronic ID card"),
            ("kartu-keluarga", "Kartu keluarga", "Family card"),
            ("akta-catatan-sipil", "Akta kelahiran atau kematian", "Birth or death certificate"),
        ],
    }),
    dict(SERVICE, **{
        "slug": "layanan-kesehatan", "name_id": "Layanan kesehatan", "name_en": "Health services",
        "office": "dinas-kesehatan", "response_days": 5, "location_mode": Category.LocationMode.OPTIONAL,
        "children": [
            ("pelayanan-puskesmas", "Pelayanan puskesmas", "Puskesmas service"),
            ("pelayanan-rumah-sakit", "Pelayanan rumah sakit", "Hospital service"),
        ],
    }),
    dict(SERVICE, **{
        "slug": "persampahan", "name_id": "Persampahan", "name_en": "Rubbish collection",
        "office": "dinas-lingkungan-hidup", "response_days": 3, "location_mode": Category.LocationMode.OPTIONAL,
        "children": [
            ("sampah-tidak-diangkut", "Sampah tidak diangkut", "Rubbish not collected"),
            ("tempat-sampah-liar", "Tempat sampah liar", "Illegal dumping"),
        ],
    }),
    dict(SERVICE, **{
        "slug": "perizinan", "name_id": "Perizinan", "name_en": "Permits and licences",
        "office": "dpmptsp", "response_days": 5,
        "children": [
            ("izin-usaha", "Izin usaha", "Business permit"),
            ("persetujuan-bangunan", "Persetujuan bangunan gedung", "Building approval"),
        ],
    }),
    dict(SERVICE, **{
        "slug": "pendidikan", "name_id": "Pendidikan", "name_en": "Education",
        "office": "dinas-pendidikan", "response_days": 5, "location_mode": Category.LocationMode.OPTIONAL,
        "children": [
            ("biaya-sekolah", "Biaya atau pungutan sekolah", "School fees or charges"),
            ("penerimaan-murid-baru", "Penerimaan murid baru", "School admissions"),
        ],
    }),
    dict(SERVICE, **{
        # Answered by the office of the kelurahan where it happened: the place decides (offices.routing).
        "slug": "layanan-kelurahan", "name_id": "Pelayanan kantor kelurahan", "name_en": "Kelurahan office services",
        "routing": Category.Routing.KELURAHAN_OFFICE, "office": None, "response_days": 3,
        "location_mode": Category.LocationMode.OPTIONAL,
        "children": [
            ("surat-keterangan", "Surat keterangan atau pengantar", "Certificates and letters"),
            ("sikap-petugas", "Sikap petugas", "Staff conduct"),
        ],
    }),
    dict(SERVICE, **{
        "slug": "layanan-lainnya", "name_id": "Layanan lainnya", "name_en": "Other services",
        "office": "sekretariat-daerah", "response_days": 5, "children": [],
    }),
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
    offices = {office.slug: office for office in Office.objects.all()}
    for order, spec in enumerate(DEFAULT_CATEGORIES):
        fields = {key: value for key, value in spec.items() if key not in ("slug", "children")}
        fields["office"] = offices.get(spec.get("office", PUBLIC_WORKS))
        parent, made = Category.objects.get_or_create(slug=spec["slug"], defaults=dict(fields, sort_order=order * 10))
        created += made
        for child_order, (slug, name_id, name_en) in enumerate(spec["children"], start=1):
            child = dict(fields, name_id=name_id, name_en=name_en, parent=parent, sort_order=order * 10 + child_order)
            category, made = Category.objects.get_or_create(slug=slug, defaults=child)
            created += made
            for position, question in enumerate(DEFAULT_QUESTIONS.get(slug, []) if made else []):
                CategoryAttribute.objects.create(category=category, order=position, **question)
    return created
