"""Benchmark of filing a report with a 12-megapixel phone photo, and of the map page's weight.

    .venv/bin/python bench/submission_bench.py [--reports 20] [--seed 7]

Starts gunicorn (one worker, DEBUG off, static files compressed by WhiteNoise) on
127.0.0.1 against the database in DATABASE_URL, posts reports with a generated
12 MP JPEG (4000 x 3000, noisy like a real photo, so it compresses like one), and
measures the server's time per submission (p50, p95) and the worker's peak memory.
The reference, in the same run, is Pillow alone doing the same decode, resize and
encode in this process. The reports it files are deleted at the end.

Then it loads `/` as a phone would on first visit (gzip accepted) and adds up the
bytes transferred for the page and every script, style sheet and image it names.
Figures are printed and saved to bench/results/submission.json.
"""

import argparse
import gzip
import http.client
import json
import os
import re
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from bench.common import ROOT, gunicorn, percentiles, phone_photo  # noqa: E402
from reports import photos  # noqa: E402
from reports.models import Report  # noqa: E402

GANTING = (-0.460738, 100.417659)


def multipart(fields, photo):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="foto.jpg"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode() + photo + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def worker_peak_mib(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    status = Path(f"/proc/{children[0]}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def page_weight(port):
    """Bytes on the wire for / and the scripts, styles and images it names, gzip accepted."""
    client = http.client.HTTPConnection("127.0.0.1", port)

    def fetch(path):
        client.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = client.getresponse()
        body = response.read()
        assert response.status == 200, (path, response.status)
        plain = gzip.decompress(body) if response.getheader("Content-Encoding") == "gzip" else body
        return len(body), plain

    total, html = fetch("/")
    files = {"/": total}
    for path in re.findall(rb'(?:src|href)="(/static/[^"]+)"', html):
        files[path.decode()] = fetch(path.decode())[0]
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    photo = phone_photo(args.seed)
    print(f"Photo: 4000 x 3000 JPEG, {len(photo) / 1e6:.1f} MB")

    reference = []
    for _ in range(args.reports):
        start = time.perf_counter()
        photos.process(django_upload(photo), "bench")
        reference.append(time.perf_counter() - start)
    print("  Pillow alone: done")

    env = {"REPORTS_PER_HOUR": "100000", "GEOCODER_URL": ""}
    filed, times = [], []
    try:
        with gunicorn(**env) as (port, server):
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            for index in range(1, args.reports + 1):
                client_uuid = str(uuid.uuid4())
                body, content_type = multipart({
                    "category": "jalan-berlubang", "lat": GANTING[0], "lon": GANTING[1],
                    "description": "Lubang besar di jalan, benchmark.", "client_uuid": client_uuid,
                }, photo)
                start = time.perf_counter()
                client.request("POST", "/api/v1/reports", body=body, headers={"Content-Type": content_type})
                response = client.getresponse()
                answer = response.read()
                times.append(time.perf_counter() - start)
                assert response.status == 201, answer[:300]
                filed.append(client_uuid)
                if index % max(1, args.reports // 4) == 0:
                    print(f"  POST /api/v1/reports: {index}/{args.reports}", flush=True)
            peak = worker_peak_mib(server.pid)
            weights = page_weight(port)
    finally:
        removed = 0
        for report in Report.objects.filter(client_uuid__in=filed):
            for stored in report.photos.all():
                stored.image.delete(save=False)
                stored.thumbnail.delete(save=False)
            report.delete()
            removed += 1
        print(f"  removed the {removed} benchmark reports")

    results = {
        "reports": args.reports,
        "photo_bytes": len(photo),
        "pillow_alone": percentiles(reference),
        "api_submission": percentiles(times),
        "worker_peak_mib": peak,
        "page_weight_bytes": weights,
        "page_weight_total": sum(weights.values()),
    }
    ratio = results["api_submission"]["p50_ms"] / results["pillow_alone"]["p50_ms"]
    print(f"\n{'':32}{'p50 ms':>10}{'p95 ms':>10}")
    for label, key in [("Pillow alone (reference)", "pillow_alone"), ("POST /api/v1/reports", "api_submission")]:
        print(f"{label:32}{results[key]['p50_ms']:10.0f}{results[key]['p95_ms']:10.0f}")
    print(f"The API takes {ratio:.2f}x Pillow alone at p50")
    print(f"Worker peak memory: {peak:.0f} MiB")
    print(f"First load of / : {results['page_weight_total'] / 1024:.0f} KiB transferred in {len(weights)} files")
    for path, size in sorted(weights.items(), key=lambda item: -item[1]):
        print(f"  {size / 1024:8.1f} KiB  {path}")
    out = ROOT / "bench" / "results" / "submission.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


def django_upload(content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("foto.jpg", content, content_type="image/jpeg")


if __name__ == "__main__":
    main()
