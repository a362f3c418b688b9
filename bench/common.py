"""What the benchmarks share: a gunicorn of the project on a free local port, percentiles, a phone photo."""

import io
import math
import os
import socket
import statistics
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def percentiles(seconds):
    """p50, p95 and p99 of a list of durations in seconds, in milliseconds (nearest rank: never below the median)."""
    ordered = sorted(seconds)
    return {"p50_ms": statistics.median(ordered) * 1000,
            "p95_ms": ordered[math.ceil(len(ordered) * 0.95) - 1] * 1000,
            "p99_ms": ordered[math.ceil(len(ordered) * 0.99) - 1] * 1000}


def phone_photo(seed):
    """A 4000 x 3000 JPEG (quality 90, about 2 MB) that compresses like a photo of a street, made from `seed`.

    A drawn scene: a sky's gradient, houses with roofs and windows, a road in perspective with its centre line, a
    pothole, a street light (smooth areas and hard edges); 100,000 pebbles of gravel and tufts of grass, bigger
    towards the phone, and a tree of 60,000 leaves (the fine, high-contrast detail that makes a real photo's
    bytes); softened like a lens, lit unevenly, stained, with a sensor's faint per-pixel noise. Shrunk to 1600 px
    at JPEG quality 82 it is about 320 KB, inside the 250-450 KB of a phone's photo of a street at that size
    (issue 30). Per-pixel noise alone, as this bench used before, is what no codec compresses, and what SSIM
    punishes a codec for smoothing: neither is what a photo of a street does.
    """
    import numpy as np
    from PIL import ImageDraw, ImageFilter

    rng = np.random.default_rng(seed)
    width, height = 4000, 3000
    horizon, ground = int(height * 0.45), int(height * 0.5)
    scene = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(scene)
    for y in range(horizon):
        t = y / horizon
        draw.line([(0, y), (width, y)], fill=(int(120 + 80 * t), int(160 + 60 * t), int(215 + 25 * t)))
    x = 0
    while x < width:  # houses along the horizon, each with its roof and rows of windows
        w, h = int(rng.integers(width // 12, width // 5)), int(rng.integers(height // 10, height // 3))
        colour = tuple(int(c) for c in rng.integers(90, 230, 3))
        draw.rectangle([x, horizon - h, x + w, ground], fill=colour)
        draw.polygon([(x - 20, horizon - h), (x + w // 2, horizon - h - h // 4), (x + w + 20, horizon - h)],
                     fill=tuple(max(0, c - 60) for c in colour))
        for wx in range(x + w // 10, x + w - w // 8, max(1, w // 5)):
            for wy in range(horizon - h + h // 8, horizon, max(1, h // 4)):
                draw.rectangle([wx, wy, wx + w // 10, wy + h // 8], fill=(40, 50, 60))
        x += w + int(rng.integers(10, 80))
    draw.rectangle([0, ground, width, height], fill=(110, 140, 70))
    draw.polygon([(width * 0.42, ground), (width * 0.58, ground), (width * 1.1, height), (-width * 0.1, height)],
                 fill=(95, 95, 98))
    for _ in range(100_000):  # gravel on the road, grass on the verges
        depth = rng.random() ** 0.7
        x0, y0, r, grey = rng.random() * width, ground + (height - ground) * depth, 2 + 14 * depth * rng.random(), \
            int(rng.integers(50, 160))
        on_road = abs(x0 - width / 2) < width * (0.08 + 0.52 * depth)
        fill = (grey, grey, grey + 4) if on_road else (grey // 2, int(grey * 0.8) + 40, int(grey * 0.3))
        draw.ellipse([x0 - r, y0 - r * 0.6, x0 + r, y0 + r * 0.6], fill=fill)
    for _ in range(60_000):  # a tree's leaves
        cx, cy, r, green = rng.normal(width * 0.12, width * 0.07), rng.normal(horizon * 0.7, horizon * 0.2), \
            rng.uniform(4, 14), int(rng.integers(60, 170))
        draw.ellipse([cx - r, cy - r / 2, cx + r, cy + r / 2], fill=(int(green * 0.4), green, int(green * 0.3)))
    for i in range(8):  # the centre line's dashes, longer and wider towards the phone
        t0, t1 = i / 8, i / 8 + 0.05
        y0, y1 = ground + (height - horizon) * t0 ** 1.5, ground + (height - horizon) * t1 ** 1.5
        draw.polygon([(width / 2 - 4 - 30 * t0, y0), (width / 2 + 4 + 30 * t0, y0),
                      (width / 2 + 4 + 30 * t1, y1), (width / 2 - 4 - 30 * t1, y1)], fill=(230, 230, 220))
    draw.ellipse([width * 0.3, height * 0.72, width * 0.55, height * 0.86], fill=(55, 50, 45), outline=(80, 75, 70),
                 width=25)
    draw.rectangle([width * 0.8, height * 0.15, width * 0.8 + 40, height * 0.8], fill=(70, 70, 75))
    draw.line([(width * 0.8 + 20, height * 0.15), (width * 0.7, height * 0.13)], fill=(70, 70, 75), width=30)
    pixels = np.asarray(scene.filter(ImageFilter.GaussianBlur(1.5)), dtype=np.float32)

    def value_noise(cell):
        """Random values on a grid of `cell`-pixel squares, resized smoothly to the photo: -0.5 to 0.5."""
        grid = rng.random((height // cell, width // cell), dtype=np.float32)
        return np.asarray(Image.fromarray(grid, "F").resize((width, height), Image.BICUBIC)) - 0.5

    light, stains = 1 + 0.3 * value_noise(600), 18 * value_noise(40)
    pixels = (pixels * light[..., None] + stains[..., None]
              + 3 * rng.standard_normal((height, width, 3), dtype=np.float32))
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=90)
    return out.getvalue()


def browser_photo(photo):
    """`photo` (JPEG bytes) as static/js/report.js sends it: 1600 px WebP at the first of its qualities whose file
    fits its 200 KB, else 1280 px at the last (Pillow's libwebp standing in for the browser's encoder)."""
    with Image.open(io.BytesIO(photo)) as original:
        original.load()
        for edge, quality in ((1600, 80), (1600, 65), (1280, 65)):
            image = original.copy()
            image.thumbnail((edge, edge))
            out = io.BytesIO()
            image.save(out, "WEBP", quality=quality)
            if out.tell() <= 200 * 1024:
                break
    return out.getvalue()


def connect(url, options=None):
    """A psycopg2 connection to the database at `url`; `options` its session settings (say "-c jit=off", as the
    app's own connections run)."""
    import dj_database_url
    import psycopg2

    from config.ensure_database import server_keywords  # reads the settings: only once the bench's are set
    params = dj_database_url.parse(url)
    return psycopg2.connect(dbname=params["NAME"], options=options, **server_keywords(params))


def wait_for_port(port, seconds):
    """Return once something accepts connections on 127.0.0.1:`port`; stop the bench after `seconds`."""
    for _ in range(round(seconds * 10)):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing answered on port {port} in {seconds} s")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(port=None, workers=1, threads=2, log=None, root=ROOT, **env):
    """gunicorn of the project on 127.0.0.1 (on `port`, or a free one) with DEBUG off, one worker of two
    threads unless told otherwise; its output goes to `log` (an open file) if given. Yields (port, master process).
    `root`: another checkout of the project to serve (a bench's --beside, measured in the same run).

    Static files are collected first, as `make run` does: with DEBUG off, pages name the hashed files.
    """
    port = port or free_port()
    settings = dict(os.environ, DEBUG="false", SECRET_KEY="bench-only", ALLOWED_HOSTS="127.0.0.1",
                    LOG_LEVEL="ERROR", **env)
    root = Path(root)
    subprocess.run([str(root / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=root, env=settings, check=True)
    server = subprocess.Popen(
        [str(root / ".venv/bin/gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--worker-class", "gthread", "--threads", str(threads), "--log-level", "warning"],
        cwd=root, env=settings, stdout=log, stderr=log,
    )
    try:
        wait_for_port(port, 10)
        yield port, server
    finally:
        server.terminate()
        server.wait()


def prepare_city(url, env):
    """The bench's own database at `url`, migrated, with the city set up (`env`: the bench's settings)."""
    import sys

    from config.ensure_database import ensure_database  # reads the settings: only once the bench's are set

    ensure_database(url)
    for command in (["migrate", "-v0"], ["setup_city", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)


def start_worker(env, *options):
    """A `run_worker` process with `env` and `options`, returned once it is up (it says so on its first line)."""
    import sys

    worker = subprocess.Popen([sys.executable, "manage.py", "run_worker", *options], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, text=True)
    worker.stdout.readline()
    return worker


def lapor_bench_start():
    """No jobs, forwardings or reports; the route of "jalan" to LAPOR!; the dispatcher who verifies."""
    from django.contrib.auth.models import User

    from forwarding.delivery import lapor_link
    from forwarding.models import Forwarding, Route
    from jobs.models import Job
    from reports.models import Category, Report

    Job.objects.all().delete()
    Forwarding.objects.all().delete()
    Report.objects.all().delete()
    Route.objects.get_or_create(category=Category.objects.get(slug="jalan"), link=lapor_link(),
                                defaults={"code": "T-JALAN"})
    return User.objects.get_or_create(username="bench-dispatcher", is_superuser=True)[0]


def file_reports(count):
    """`count` reports filed at one point in Ganting, the way every report is filed."""
    import uuid

    from reports.filing import file_report
    from reports.models import Category

    category = Category.objects.get(slug="jalan-berlubang")
    return [file_report(client_uuid=uuid.uuid4(), category=category, lat=-0.460738, lon=100.417659,
                        description="Laporan bangku uji.", photos=[])[0] for _ in range(count)]
