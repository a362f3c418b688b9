"""Benchmark of a resident's journeys on a phone over 3G: Playwright drives Chromium (360 x 740) with DevTools'
network throttling (300 ms latency, 1.6 Mbit/s down, 750 kbit/s up) and CPU 4x slower, and reads the
`performance` marks our pages set (static/js/report.js, keep-link.js):

- first load of / until the kelurahan outlines are drawn (lapor:outlines-drawn), cold (new profile) and warm
  (the same profile again: HTTP cache and service worker); the bytes the page transferred, cold;
- a tap on the map until its kelurahan is shown (lapor:tap -> lapor:kelurahan-shown);
- the reference, in the same run on the same throttled phone: a cold load of the offline page (/luring/: the HTML
  and our style sheet), what any page of ours costs at the least over this network;
- filing with one 12-megapixel photo of a street (bench.common.phone_photo), then another with two: from the tap
  on "Kirim" until the confirmation page is shown (lapor:confirmation-shown, on the next page: both times read on
  the wall clock through performance.timeOrigin; the tap once the photos are shrunk, as a resident sees them
  listed), in two parts: sending (the upload, the server, until the confirmation page's navigation begins) and
  that page's load; apart, the shrinking in the browser (lapor:photo-picked until the last lapor:photo-ready);
- what was stored: each photo's long edge, its bytes as sent, and its SSIM (scikit-image, Wang et al.'s Gaussian
  window) against the original scaled to the same size.

    .venv/bin/python bench/journeys_bench.py [--runs 5] [--reports 300] [--seed 7]

It works in a database of its own (DATABASE_URL's name + "_journeys_bench"), filled with `--reports` public reports
at seeded random places in the city; gunicorn as `make run` starts it (DEBUG off, hashed and compressed static
files); the basemap's upstream is a stand-in on 127.0.0.1 serving one blank PNG (tests/deployed.py BlankTiles), so
its bytes are not a real map's: they are counted apart. The goals of issues 16 and 30 are printed beside each
median.
Saved to bench/results/journeys.json.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("DATABASE_URL", "postgis://127.0.0.1:5432/padangpanjang")
BENCH_NAME = dj_database_url.parse(DATABASE_URL)["NAME"] + "_journeys_bench"
BENCH_URL = DATABASE_URL.rsplit("/", 1)[0] + "/" + BENCH_NAME
# The cache's keys after the bench's database, so two checkouts' benches on one Redis never share tiles.
ENV = dict(os.environ, DATABASE_URL=BENCH_URL, CACHE_PREFIX=BENCH_NAME, DEBUG="false", LOG_LEVEL="WARNING",
           SECRET_KEY="bench-only-" + "x" * 50, REPORTS_PER_HOUR="1000")  # every run files from 127.0.0.1
os.environ.update(ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The stored photos are read between two steps of Playwright's sync API, which runs an event loop in this thread:
# Django's ORM is called synchronously there, as the browser tests do.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from bench.common import gunicorn, phone_photo  # noqa: E402
from config.ensure_database import ensure_database  # noqa: E402

THROTTLE = {"offline": False, "latency": 300, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
CPU_SLOWDOWN = 4
GOALS = {"cold_ms": 2000, "warm_ms": 700, "cold_kb": 250, "tap_ms": 500, "filing_ms": 6000, "filing_2_ms": 9000}
FLOORS = {"long_edge": 1280, "ssim": 0.9}  # issue 30: the stored photo at least this big and this alike
CENTRE = (-0.4665, 100.405)  # LEAFLET_CONFIG's DEFAULT_CENTER, where the map opens


def fill(count, seed):
    """`count` public reports at random places in the city (seeded), each in the kelurahan the lookup gives."""
    import django

    django.setup()
    from django.contrib.gis.geos import Point

    from geo import lookup
    from reports.models import Category, Report

    Report.objects.all().delete()
    rng, categories, statuses = random.Random(seed), list(Category.objects.exclude(parent=None)), \
        ["baru", "diverifikasi", "dikerjakan", "selesai", "ditolak"]
    reports = []
    while len(reports) < count:
        where = Point(CENTRE[1] + rng.uniform(-0.03, 0.03), CENTRE[0] + rng.uniform(-0.03, 0.03), srid=4326)
        try:
            kelurahan = lookup.locate(where).kelurahan
        except lookup.OutsideCity:
            continue
        reports.append(Report(code=f"B-{len(reports)}", client_uuid=uuid.uuid4(), private_token="b",
                              category=rng.choice(categories), kelurahan=kelurahan, status=rng.choice(statuses),
                              description="Generated for the benchmark.", due_date="2030-01-01", location=where))
    Report.objects.bulk_create(reports)
    print(f"{count} reports in the city")


def phone(browser):
    """A new phone profile (empty cache), throttled like 3G on a slow phone."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", THROTTLE)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    transferred = []
    cdp.on("Network.responseReceived", lambda e: transferred.append([e["requestId"], e["response"]["url"], 0]))
    cdp.on("Network.loadingFinished", lambda e: [row.__setitem__(2, e["encodedDataLength"])
                                                 for row in transferred if row[0] == e["requestId"]])
    return context, page, transferred


def mark(page, name):
    """The mark's time since the page's navigation started, in ms, once it is set."""
    page.wait_for_function(f"() => performance.getEntriesByName({name!r}).length", timeout=60000)
    return page.evaluate(f"performance.getEntriesByName({name!r})[0].startTime")


def wall(page, name):
    """The mark's wall-clock time in ms (for marks on different pages)."""
    mark(page, name)
    return page.evaluate(f"performance.timeOrigin + performance.getEntriesByName({name!r})[0].startTime")


# The first point near the map's centre with no marker, cluster or control on it: a tap there places the pin.
FREE_SPOT = """() => {
    const box = document.getElementById("map").getBoundingClientRect(), spots = [];
    for (let dx = -60; dx <= 60; dx += 6) for (let dy = -60; dy <= 60; dy += 6) spots.push([dx, dy]);
    spots.sort((a, b) => a[0] * a[0] + a[1] * a[1] - b[0] * b[0] - b[1] * b[1]);
    const taken = ".leaflet-interactive, .leaflet-marker-icon, .report-tile > div, .leaflet-control, .legend";
    for (const [dx, dy] of spots) {
        const x = box.x + box.width / 2 + dx, y = box.y + box.height / 2 + dy, hit = document.elementFromPoint(x, y);
        if (hit && hit.closest("#map") && !hit.closest(taken)) return [x, y];
    }
}"""


def background(page):
    """Where to tap on the map's background, once the reports are drawn."""
    page.wait_for_function("() => document.querySelector('#map .report-tile > div')")
    return page.evaluate(FREE_SPOT)


def filing(page, url, photos, media):
    """Place a pin, fill the form, pick `photos` (JPEG bytes), tap "Kirim" once they are shrunk: the times in ms,
    and each stored photo's long edge, bytes as sent and SSIM against its original."""
    page.mouse.click(*background(page))
    page.wait_for_selector("#place.ok, #place.refused")
    page.select_option("#id_category", "lampu-mati")
    page.fill("#id_description", "Lampu jalan mati sejak tiga malam.")
    page.set_input_files("#id_photos", files=[{"name": f"foto-{i}.jpg", "mimeType": "image/jpeg", "buffer": photo}
                                              for i, photo in enumerate(photos, 1)])
    picked = wall(page, "lapor:photo-picked")
    page.wait_for_function(f"() => performance.getEntriesByName('lapor:photo-ready').length == {len(photos)}")
    ready = page.evaluate("performance.timeOrigin + performance.getEntriesByName('lapor:photo-ready').pop().startTime")
    sent = page.evaluate("[...document.querySelectorAll('#photo-list li span')].map(s => s.textContent)")
    tapped = page.evaluate("performance.timeOrigin + performance.now()")
    page.click("#send")
    page.wait_for_url("**/?terkirim=1", timeout=60000)
    confirmed = wall(page, "lapor:confirmation-shown")
    arrived = page.evaluate("performance.timeOrigin")  # the confirmation page's navigation began
    kept = photos_of(page.url.split("/laporan/")[1].split("/")[0])
    return {"ms": confirmed - tapped, "shrink_ms": ready - picked, "sent": sent, "sending_ms": arrived - tapped,
            "page_ms": confirmed - arrived,
            "stored": [stored(photo, original, media) for photo, original in zip(kept, photos, strict=True)]}


def photos_of(code):
    from reports.models import Photo

    return list(Photo.objects.filter(report__code=code).order_by("position", "id"))


def stored(photo, original, media):
    """The stored photo's long edge and its SSIM against `original` scaled to the stored size (Lanczos): RGB,
    Gaussian window of sigma 1.5, as Wang et al. (scikit-image's structural_similarity)."""
    import io

    import numpy as np
    from PIL import Image
    from skimage.metrics import structural_similarity

    kept = Image.open(media / photo.image.name).convert("RGB")
    reference = Image.open(io.BytesIO(original)).convert("RGB").resize(kept.size, Image.LANCZOS)
    ssim = structural_similarity(np.asarray(reference), np.asarray(kept), channel_axis=2, data_range=255,
                                 gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
    return {"long_edge": max(kept.size), "ssim": float(ssim)}


def journey(browser, url, photos, media):
    """One phone's first visit, its second, a tap, a report with one photo and one with two: figures in ms and
    bytes, and what was stored."""
    # The reference, on the same throttled phone: the offline page (HTML and our style sheet), cold, until loaded.
    context, page, _ = phone(browser)
    page.goto(url + "/luring/")
    reference = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    context.close()
    context, page, transferred = phone(browser)
    page.goto(url + "/")
    cold = mark(page, "lapor:outlines-drawn")
    page.wait_for_load_state("networkidle")
    ours = sum(size for _, address, size in transferred if "/tiles/basemap/" not in address)
    tiles = [size for _, address, size in transferred if "/tiles/basemap/" in address]
    page.wait_for_function("() => navigator.serviceWorker.controller")
    page.goto(url + "/")
    warm = mark(page, "lapor:outlines-drawn")
    page.mouse.click(*background(page))
    page.wait_for_selector("#place.ok, #place.refused")
    tap = mark(page, "lapor:kelurahan-shown") - mark(page, "lapor:tap")
    page.reload()
    mark(page, "lapor:outlines-drawn")
    one = filing(page, url, photos[:1], media)
    page.goto(url + "/")
    mark(page, "lapor:outlines-drawn")
    two = filing(page, url, photos[:2], media)
    context.close()
    kept = one["stored"] + two["stored"]
    return {"reference_ms": reference, "cold_ms": cold, "warm_ms": warm, "cold_kb": ours / 1024, "tiles": len(tiles),
            "tiles_kb": sum(tiles) / 1024, "tap_ms": tap, "filing_ms": one["ms"], "filing_2_ms": two["ms"],
            "sending_ms": one["sending_ms"], "confirmation_page_ms": one["page_ms"],
            "sending_2_ms": two["sending_ms"], "confirmation_page_2_ms": two["page_ms"],
            "shrink_ms": one["shrink_ms"], "shrink_2_ms": two["shrink_ms"],
            "long_edge": min(photo["long_edge"] for photo in kept), "ssim": min(photo["ssim"] for photo in kept),
            "sent": one["sent"] + two["sent"]}


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    ensure_database(BENCH_URL)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=ENV, check=True)
    subprocess.run([sys.executable, "manage.py", "setup_city"], cwd=ROOT, env=ENV, check=True,
                   stdout=subprocess.DEVNULL)
    fill(args.reports, args.seed)
    photos = [phone_photo(args.seed), phone_photo(args.seed + 1)]
    print("Photos: 4000 x 3000 JPEG, " + ", ".join(f"{len(photo) / 1e6:.1f} MB" for photo in photos))

    from playwright.sync_api import sync_playwright

    from tests.deployed import CHROMIUM, CHROMIUM_ARGS, BlankTiles

    upstream = BlankTiles()
    runs = []
    with tempfile.TemporaryDirectory() as work, \
            gunicorn(workers=2, BASEMAP_URL=upstream.url, BASEMAP_CACHE_DIR=f"{work}/basemap",
                     MEDIA_ROOT=f"{work}/media") as (port, _), sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for run in range(1, args.runs + 1):
            runs.append(journey(browser, f"http://127.0.0.1:{port}", photos, Path(work) / "media"))
            print(f"run {run}/{args.runs}: " + ", ".join(
                f"{k} {v:.3f}" if k == "ssim" else f"{k} {v}" if k == "sent" else f"{k} {v:.0f}"
                for k, v in runs[-1].items()), flush=True)
        browser.close()
    upstream.close()
    figures = {key: median([run[key] for run in runs]) for key in runs[0] if key != "sent"}
    print("\nMedian of", args.runs, "runs (goal):")
    for key, value in figures.items():
        verdict = ""
        if key in GOALS:
            verdict = f"  (<= {GOALS[key]}: {'met' if value <= GOALS[key] else 'NOT met'})"
        elif key in FLOORS:  # a floor is met by every run, not by the median
            worst = min(run[key] for run in runs)
            verdict = f"  (every run >= {FLOORS[key]}: {'met' if worst >= FLOORS[key] else 'NOT met'}, " \
                      f"least {worst:.3f})"
        print(f"  {key:12} {value:9.3f}{verdict}" if key == "ssim" else f"  {key:12} {value:9.0f}{verdict}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "journeys.json").write_text(json.dumps({"runs": runs, "median": figures, "goals": GOALS, "floors": FLOORS},
                                                  indent=2))


if __name__ == "__main__":
    main()
