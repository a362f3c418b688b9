"""How much the map's search finds of what residents type, after it learnt from 100 filings (issue 27).

    .venv/bin/python bench/search_bench.py [--seed 27]

Runs against the database in DATABASE_URL (`make setup`), in a transaction it rolls back: nothing stays.

The addresses are generated from a seeded list: STREETS (street names as Padang Panjang has them, some with
diacritics or the old spelling) x house numbers 1-60 x KELURAHAN; 100 of them, drawn with the seed, are filed
the way an Open311 client files them (an `address_string`, geo.places learns it as typed). A second list, also
seeded, types each filed street as residents do: "jl"/"jln."/"Jalan", lower and upper case, one letter swapped
or dropped (a typo), the diacritics left out, the house number or kelurahan missing. A variant is found when a
place of its street is among the search's first five answers (reports.search.find_on_map, no geocoder). The
reference, in the same run on the same places: the search as it was before (every typed word in the name,
ILIKE). Figures are printed and saved to bench/results/search.json.
"""

import argparse
import json
import os
import random
import sys
import time
import unicodedata
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Q  # noqa: E402

from geo.models import Place, search_form  # noqa: E402
from reports.filing import file_report  # noqa: E402
from reports.models import Category  # noqa: E402
from reports.search import find_on_map  # noqa: E402

STREETS = ["Sudirman", "Imam Bonjol", "Soekarno-Hatta", "Haji Agus Salim", "Diponegoro", "Thamrin", "Syech Djamil",
           "K.H. Ahmad Dahlan", "Sutan Syahrir", "Anas Malik", "Hamka", "Tan Malaka", "Pasar Usang", "Café Minang",
           "Mohammad Yamin", "Kartini", "Rasuna Saïd", "Lubuk Mata Kucing", "Bundo Kanduang", "Silaing Bawah"]
KELURAHAN = ["Ganting", "Balai-Balai", "Pasar Baru", "Silaing Atas", "Kampung Manggis", "Bukit Surungan"]
CENTRE = (-0.4607, 100.4170)  # lat, lon: Padang Panjang's centre, inside the city


def addresses(rng, count=100):
    """`count` distinct "Jalan <street> No. <n>, <kelurahan>" with their street."""
    found = {}
    while len(found) < count:
        street = rng.choice(STREETS)
        found.setdefault(f"Jalan {street} No. {rng.randint(1, 60)}, {rng.choice(KELURAHAN)}", street)
    return list(found.items())


def typo(rng, word):
    """One letter dropped, or two neighbours swapped, inside a word of five letters or more."""
    if len(word) < 5:
        return word
    at = rng.randint(1, len(word) - 3)
    return word[:at] + word[at + 1] + word[at] + word[at + 2:] if rng.random() < 0.5 else word[:at] + word[at + 1:]


def plain(text):
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def variants(rng, address, street):
    """What residents type for a filed address: six ways, each seeded."""
    number = address.split("No. ")[1].split(",")[0]
    longest = max(street.split(), key=len)
    return [
        f"jl {street.lower()}",
        f"Jln. {street} {number}",
        f"JALAN {plain(street).upper()}",
        f"jl. {street.replace(longest, typo(rng, longest))}",
        plain(street).lower(),
        f"{rng.choice(['Jl', 'jln', 'Jalan'])} {plain(street.replace(longest, typo(rng, longest)))} no {number}",
    ]


def old_search(text, limit=5):
    """The reference: places holding every typed word (the search before issue 27)."""
    condition = Q()
    for word in text.split():
        condition &= Q(name__icontains=word)
    return [place.name for place in Place.objects.filter(condition).order_by("name")[:limit]]


def found_street(names, street):
    return any(search_form(street) in search_form(name) for name in names)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=27)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    settings.GEOCODER_URL = ""  # ours only: what the city has without a geocoder
    category = Category.objects.get(slug="jalan-berlubang")
    with transaction.atomic():
        filed = addresses(rng)
        for n, (address, _) in enumerate(filed):
            file_report(client_uuid=uuid.uuid4(), category=category, lat=CENTRE[0] + (n % 10) * 0.0003,
                        lon=CENTRE[1] + (n // 10) * 0.0003, description="Jalan berlubang (bench).", photos=[],
                        address=address)
        typed = [(text, street) for address, street in filed for text in variants(rng, address, street)]
        started = time.perf_counter()
        new = sum(found_street([name for name, _, _ in find_on_map(text)], street) for text, street in typed)
        seconds = time.perf_counter() - started
        old = sum(found_street(old_search(text), street) for text, street in typed)
        transaction.set_rollback(True)
    result = {"filings": len(filed), "variants": len(typed), "found": new, "found_fraction": round(new / len(typed), 3),
              "reference_found": old, "reference_fraction": round(old / len(typed), 3),
              "ms_per_search": round(seconds * 1000 / len(typed), 2), "seed": args.seed}
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "search.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
