"""Filing availability while the job worker is killed every 10 s under `make run`'s supervision (config/serve.sh).

    .venv/bin/python bench/supervision_bench.py [--seconds 60] [--filers 4] [--kill-every 10] [--seed 7]

Works in a database of its own (DATABASE_URL's name + "_faults"), made, migrated and loaded with the city on the
first run. Starts config/serve.sh as `make run` does (DEBUG off, gunicorn with 2 workers, the supervised job
worker) and lets `--filers` phones file reports (a 640 x 480 photo each) for `--seconds`, twice: first with the
worker left alone (the reference, in the same run), then with the worker killed (SIGKILL) every `--kill-every`
seconds. A phone retries a filing that got no answer or a 5xx with the same client_uuid, as the map's outbox
does, up to ATTEMPTS times, waiting Retry-After (else a second) between. Afterwards every acknowledged
submission is looked up: lost (acknowledged, not stored) and stored twice are counted.
Figures are printed and saved to bench/results/supervision.json.
"""

import argparse
import io
import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import dj_database_url
import psycopg2
import requests
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port, percentiles  # noqa: E402
from config.ensure_database import ensure_database, server_keywords  # noqa: E402
from config.settings import DATABASE_URL  # noqa: E402

BENCH_URL = DATABASE_URL.rsplit("/", 1)[0] + "/" + dj_database_url.parse(DATABASE_URL)["NAME"] + "_faults"
ATTEMPTS = 5
GANTING = (-0.460738, 100.417659)
STARTED = re.compile(r"serve: job worker started \(pid (\d+)\)")


def environment(media):
    return dict(os.environ, DATABASE_URL=BENCH_URL, DEBUG="false", SECRET_KEY="bench-only-" + "k" * 40,
                ALLOWED_HOSTS="127.0.0.1", LOG_LEVEL="ERROR", CACHE_PREFIX="bench-faults", MEDIA_ROOT=media,
                STATIC_ROOT=str(Path(media).parent / "static"), REPORTS_PER_HOUR="100000", PY=sys.executable)


def prepare(env):
    ensure_database(BENCH_URL)
    for step in (["manage.py", "migrate", "--noinput", "-v0"], ["manage.py", "setup_city"],
                 ["manage.py", "collectstatic", "--noinput", "-v0"]):
        subprocess.run([sys.executable, *step], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


class Site:
    """config/serve.sh on a free port; the pids of the job workers it starts, as it names them."""

    def __init__(self, env):
        self.port = free_port()
        command = ["bash", "config/serve.sh", f"127.0.0.1:{self.port}", "2", "--no-control-socket"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        self.workers = queue.Queue()
        threading.Thread(target=self.read, daemon=True).start()
        self.worker = self.workers.get(timeout=60)
        for _ in range(600):  # gunicorn takes a few seconds to import the project
            try:
                requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=60)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise SystemExit("gunicorn did not start")

    def read(self):
        for line in self.process.stdout:
            if found := STARTED.match(line):
                self.workers.put(int(found[1]))

    def kill_worker(self):
        os.kill(self.worker, signal.SIGKILL)
        self.worker = self.workers.get(timeout=60)  # the supervisor's next one

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)


def small_photo(seed):
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (seed % 256, 90, 160)).save(out, "JPEG", quality=85)
    return out.getvalue()


def file_one(port, number):
    """One submission as the outbox sends it: (acknowledged client_uuid or None, seconds to the answer, attempts)."""
    client_uuid, started = str(uuid.uuid4()), time.monotonic()
    fields = {"client_uuid": client_uuid, "category": "jalan-berlubang", "lat": str(GANTING[0]),
              "lon": str(GANTING[1]), "description": f"Lubang nomor {number} di jalan ini."}
    for attempt in range(1, ATTEMPTS + 1):
        try:
            answer = requests.post(f"http://127.0.0.1:{port}/api/v1/reports", data=fields,
                                   files={"photos": ("foto.jpg", small_photo(number), "image/jpeg")}, timeout=30)
            if answer.status_code in (200, 201):
                return client_uuid, time.monotonic() - started, attempt
            wait = float(answer.headers.get("Retry-After", 1)) if answer.status_code >= 500 else None
        except requests.RequestException:
            wait = 1.0
        if wait is None:  # a 4xx: the phone shows it, nothing to retry
            return None, time.monotonic() - started, attempt
        time.sleep(min(wait, 5))
    return None, time.monotonic() - started, ATTEMPTS


def phase(site, seconds, filers, kill_every):
    """Filers file until `seconds` pass; the worker is killed every `kill_every` s (0: never)."""
    results, counter, lock = [], iter(range(10**9)), threading.Lock()
    deadline = time.monotonic() + seconds

    def filer():
        while time.monotonic() < deadline:
            with lock:
                number = next(counter)
            outcome = file_one(site.port, number)
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=filer) for _ in range(filers)]
    for thread in threads:
        thread.start()
    kills = 0
    while kill_every and time.monotonic() + kill_every < deadline:
        time.sleep(kill_every)
        site.kill_worker()
        kills += 1
    for thread in threads:
        thread.join()
    return results, kills


def stored_counts(client_uuids):
    params = dj_database_url.parse(BENCH_URL)
    database = psycopg2.connect(dbname=params["NAME"], **server_keywords(params))
    with database.cursor() as cursor:
        cursor.execute("SELECT client_uuid::text, count(*) FROM reports_report WHERE client_uuid::text = ANY(%s) "
                       "GROUP BY 1", [list(client_uuids)])
        found = dict(cursor.fetchall())
    database.close()
    return found


def summary(results, kills):
    acknowledged = [uuid_ for uuid_, _, _ in results if uuid_]
    stored = stored_counts(acknowledged)
    return {"filings": len(results), "acknowledged": len(acknowledged),
            "acknowledged_pct": round(100 * len(acknowledged) / max(1, len(results)), 2),
            "lost": sum(1 for uuid_ in acknowledged if uuid_ not in stored),
            "stored_twice": sum(1 for count in stored.values() if count > 1),
            "retried": sum(1 for _, _, attempts in results if attempts > 1), "worker_kills": kills,
            **{key: round(value, 1) for key, value in percentiles([s for u, s, _ in results if u] or [0]).items()}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--filers", type=int, default=4)
    parser.add_argument("--kill-every", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lapor-faults-") as work:
        env = environment(str(Path(work) / "media"))
        prepare(env)
        site = Site(env)
        try:
            reference = summary(*phase(site, args.seconds, args.filers, 0))
            killed = summary(*phase(site, args.seconds, args.filers, args.kill_every))
        finally:
            site.stop()
    figures = {"seconds": args.seconds, "filers": args.filers, "kill_every_s": args.kill_every,
               "reference": reference, "worker_killed": killed,
               "p95_ratio": round(killed["p95_ms"] / reference["p95_ms"], 2) if reference["p95_ms"] else None}
    print(json.dumps(figures, indent=2))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "supervision.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
