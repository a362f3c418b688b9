"""What the benchmarks share: a gunicorn of the project on a free local port, percentiles, a phone photo."""

import io
import math
import os
import random
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
    """A 4000 x 3000 JPEG with per-pixel noise over a gradient: about the size of a real 12 MP photo."""
    rng = random.Random(seed)
    noise = Image.frombytes("L", (4000, 3000), rng.randbytes(4000 * 3000))
    gradient = Image.linear_gradient("L").resize((4000, 3000))
    image = Image.merge("RGB", (noise, gradient, Image.blend(noise, gradient, 0.5)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


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
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not start")
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
