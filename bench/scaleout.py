"""Rehearsal of several machines on this one: a PostgreSQL primary and its streaming replica, an S3 server, two
app servers behind nginx, residents filing with photos and reading, and one app server lost under load.

    .venv/bin/python bench/scaleout.py [--replica | --no-replica] [--residents 8] [--filings 12]
                                       [--reports 20000] [--seed 7]

Everything it uses it starts itself, in a folder of its own under /tmp, and stops at the end: PostgreSQL
clusters made with initdb (the primary) and pg_basebackup (the replica, streaming) on free ports, run as the
`postgres` user (the machine's own cluster is not touched); moto's S3 server; two gunicorns (2 workers x 4
threads each, DEBUG off, MEDIA_STORAGE=s3, DATABASE_REPLICA_URL with --replica); nginx from
config/nginx.conf.template over TLS (a self-signed certificate) in front of both. The primary gets --reports
generated reports (bench/nearby_bench.py's generator), so exports and statistics have something to read.

Each resident then does --filings rounds of: file a report with a photo (a 1600 px JPEG, as the map page sends
it; a failed attempt is sent again with the same client_uuid, as the phone's queue does), read it back at once
(the primary must answer: read-your-writes), fetch its photo, and one heavy read in turn: the GeoJSON export,
the statistics, a page of OGC API items, the Open311 list. When a third of the filings are acknowledged, app
server A is killed (SIGKILL, its whole process group) and started again 5 s later.

It reports requests, errors (status >= 400 or no answer) per kind, reports acknowledged against reports stored
(must be equal), photos stored in the bucket against photos readable through nginx, the replica's lag
(pg_stat_replication.replay_lag, sampled every 0.5 s), and the rows each database read (pg_stat_database), so a
run with --replica against one without shows what the router moves off the primary. Saved to
bench/results/scaleout-<replica|primary-only>.json.
"""

import argparse
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import psycopg2
import redis
import urllib3
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port, percentiles, phone_photo  # noqa: E402
from bench.nearby_bench import fill  # noqa: E402
from config import nginx  # noqa: E402
from config.settings import CACHES  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DATABASE = "lapor"
BUCKET = "lapor-photos"
CENTRE = (-0.4665, 100.405)
HEAVY_READS = [("export", "/api/v1/reports.geojson"), ("statistics", "/api/v1/stats.json"),
               ("ogc items", "/ogcapi/collections/reports/items?limit=100"),
               ("open311 list", "/open311/v2/requests.json")]
RESTART_AFTER_S = 5
FILING_ATTEMPTS = 6
TIMEOUT = urllib3.Timeout(connect=5, read=60)
MAIN_NGINX = """\
user root;
pid nginx.pid;
error_log error.log;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log access.log;
    client_body_temp_path body;
    proxy_temp_path proxy;
    fastcgi_temp_path fastcgi;
    uwsgi_temp_path uwsgi;
    scgi_temp_path scgi;
    include site.conf;
}
"""


def as_postgres(*command, **options):
    return subprocess.run(["runuser", "-u", "postgres", "--", *map(str, command)], check=True,
                          capture_output=True, text=True, **options)


class Cluster:
    """A PostgreSQL cluster of this run, in `folder` (owned by postgres), on `port`."""

    def __init__(self, folder, port):
        self.folder, self.port = folder, port

    def start(self, *settings):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}"
        options += "".join(f" -c {setting}" for setting in settings)
        as_postgres(PG_BIN / "pg_ctl", "start", "-w", "-D", self.folder / "data", "-l", self.folder / "log",
                    "-o", options)

    def stop(self):
        as_postgres(PG_BIN / "pg_ctl", "stop", "-w", "-m", "fast", "-D", self.folder / "data")

    def url(self, database=DATABASE):
        return f"postgis://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database=DATABASE):
        db = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database)
        db.autocommit = True
        return db


def make_primary(work):
    folder = work / "primary"
    folder.mkdir()
    shutil.chown(folder, "postgres", "postgres")
    as_postgres(PG_BIN / "initdb", "-D", folder / "data", "-U", "postgres", "--auth=trust", "-E", "UTF8")
    cluster = Cluster(folder, free_port())
    cluster.start("shared_buffers=128MB", "max_wal_senders=4", "wal_level=replica")
    return cluster


def make_replica(work, primary):
    """pg_basebackup of the running primary, started as a hot standby that streams from it (-R)."""
    folder = work / "replica"
    folder.mkdir()
    shutil.chown(folder, "postgres", "postgres")
    as_postgres(PG_BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres",
                "-D", folder / "data", "-R", "-X", "stream", "-c", "fast")
    cluster = Cluster(folder, free_port())
    cluster.start("shared_buffers=128MB", "hot_standby=on", "hot_standby_feedback=on")
    return cluster


def wait_for_port(port, what, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib3.PoolManager().request("GET", f"http://127.0.0.1:{port}/", retries=False, timeout=1)
            return
        except urllib3.exceptions.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"{what} did not start on port {port}")


class AppServer:
    """A gunicorn of the project in its own process group: killed whole by that group's id."""

    def __init__(self, name, env, log):
        self.name, self.env, self.log, self.port, self.process = name, env, log, free_port(), None

    def start(self):
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
             "--worker-class", "gthread", "--threads", "4", "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib3.PoolManager().request("GET", f"http://127.0.0.1:{self.port}/healthz", retries=False,
                                                 timeout=2).status == 200:
                    return
            except urllib3.exceptions.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"app server {self.name} did not answer /healthz")

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def browser_photo(seed):
    """A 12 MP phone photo as the map page uploads it: shrunk to 1600 px, JPEG 82."""
    with Image.open(io.BytesIO(phone_photo(seed))) as image:
        image.thumbnail((1600, 1600))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=82)
    return out.getvalue()


class Run:
    """What the residents did, shared between their threads."""

    def __init__(self, pool, photo, filings_total):
        self.pool, self.photo, self.filings_total = pool, photo, filings_total
        self.records, self.acknowledged, self.lock = [], set(), threading.Lock()
        self.third_filed = threading.Event()

    def request(self, kind, method, path, **options):
        start = time.perf_counter()
        try:
            response = self.pool.request(method, path, retries=False, timeout=TIMEOUT, **options)
            error = f"HTTP {response.status}" if response.status >= 400 else None
        except urllib3.exceptions.HTTPError as failure:
            response, error = None, type(failure).__name__
        self.records.append((kind, time.perf_counter() - start, error))
        return response if error is None else None

    def file(self, rng):
        """File one report, sending it again (same client_uuid) until it is acknowledged: its code, or None."""
        lat = CENTRE[0] + rng.uniform(-0.005, 0.005)
        lon = CENTRE[1] + rng.uniform(-0.005, 0.005)
        fields = {"client_uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "category": "jalan-berlubang",
                  "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "description": "Lubang di jalan (bench/scaleout.py).",
                  "photos": ("foto-1.jpg", self.photo, "image/jpeg")}
        for attempt in range(FILING_ATTEMPTS):
            answer = self.request("file report", "POST", "/api/v1/reports", fields=fields)
            if answer is not None:
                code = answer.json()["code"]
                with self.lock:
                    self.acknowledged.add(code)
                    if len(self.acknowledged) >= self.filings_total / 3:
                        self.third_filed.set()
                return code
            time.sleep(1 + attempt)  # the phone's queue waits a little longer each time
        return None

    def resident(self, index, filings, seed):
        rng = random.Random(f"{seed}-{index}")
        for round_ in range(filings):
            code = self.file(rng)
            if code:
                mine = self.request("own report", "GET", f"/api/v1/reports/{code}")
                if mine is not None:
                    photo = mine.json()["properties"]["photos"][0]["url"]
                    self.request("photo", "GET", urlsplit(photo).path)
            kind, path = HEAVY_READS[(index + round_) % len(HEAVY_READS)]
            self.request(kind, "GET", path)


def sample_lag(primary, stop, samples):
    """pg_stat_replication.replay_lag of the replica, every 0.5 s (NULL, an idle standby, counts as 0)."""
    db = primary.connect()
    with db.cursor() as cursor:
        while not stop.wait(0.5):
            cursor.execute("SELECT coalesce(extract(epoch FROM max(replay_lag)), 0)::float FROM pg_stat_replication")
            samples.append(cursor.fetchone()[0])
    db.close()


def rows_read(cluster):
    """Rows this database's queries returned and fetched so far, and its transactions."""
    db = cluster.connect()
    with db.cursor() as cursor:
        cursor.execute("SELECT tup_returned + tup_fetched, xact_commit + xact_rollback FROM pg_stat_database "
                       "WHERE datname = %s", [DATABASE])
        rows, transactions = cursor.fetchone()
    db.close()
    return {"rows": rows, "transactions": transactions}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replica", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--residents", type=int, default=8)
    parser.add_argument("--filings", type=int, default=12, help="reports each resident files")
    parser.add_argument("--reports", type=int, default=20_000, help="generated reports on the primary to read")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    label = "replica" if args.replica else "primary-only"
    results = {"replica": args.replica, "residents": args.residents, "filings_each": args.filings,
               "generated_reports": args.reports, "cpu_cores": os.cpu_count()}

    signal.signal(signal.SIGTERM, lambda *_: sys.exit("Stopped (SIGTERM): stopping what this run started"))
    work = Path(tempfile.mkdtemp(prefix="lapor-scaleout-"))
    os.chmod(work, 0o755)  # postgres's folders are inside
    print(f"Working in {work} ({os.cpu_count()} cores for everything)", flush=True)
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        primary = make_primary(work)
        stack.callback(primary.stop)
        print(f"Primary: PostgreSQL on port {primary.port}", flush=True)
        env = dict(os.environ, DATABASE_URL=primary.url(), DEBUG="false", SECRET_KEY="bench-only",
                   ALLOWED_HOSTS="127.0.0.1", BEHIND_TLS_PROXY="true", TRUSTED_PROXIES="127.0.0.1",
                   CSRF_TRUSTED_ORIGINS="https://127.0.0.1", REPORTS_PER_HOUR="1000000", LOG_LEVEL="WARNING",
                   STATIC_ROOT=str(work / "static"), MEDIA_ROOT=str(work / "media"), GEOCODER_URL="",
                   BASEMAP_URL="http://127.0.0.1:9/{z}/{x}/{y}.png", CACHE_PREFIX=f"scaleout-{work.name}")
        cache = redis.Redis.from_url(CACHES["default"]["LOCATION"])  # REDIS_URL's, shared as a cache
        stack.callback(lambda: [cache.delete(key) for key in cache.scan_iter(f"{env['CACHE_PREFIX']}:*")])
        subprocess.run([PYTHON, "-m", "config.ensure_database"], cwd=ROOT, env=env, check=True, capture_output=True)
        for command in (["migrate", "--noinput", "-v0"], ["setup_city"], ["collectstatic", "--noinput", "-v0"]):
            subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
        db = primary.connect()
        db.autocommit = False
        fill(db, args.reports, args.seed)
        db.close()

        replica = None
        if args.replica:
            replica = make_replica(work, primary)
            stack.callback(replica.stop)
            env["DATABASE_REPLICA_URL"] = replica.url()
            print(f"Replica: streaming from the primary, on port {replica.port}", flush=True)

        s3_port = free_port()
        moto_log = stack.enter_context(open(work / "moto.log", "wb"))
        moto = subprocess.Popen([PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)],
                                stdout=moto_log, stderr=moto_log)
        stack.callback(moto.wait)
        stack.callback(moto.terminate)
        wait_for_port(s3_port, "moto")
        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{s3_port}", region_name="us-east-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench")
        s3.create_bucket(Bucket=BUCKET)
        env.update(MEDIA_STORAGE="s3", S3_BUCKET=BUCKET, S3_ENDPOINT_URL=f"http://127.0.0.1:{s3_port}",
                   S3_REGION="us-east-1", S3_ACCESS_KEY_ID="bench", S3_SECRET_ACCESS_KEY="bench")
        print(f"S3: moto's server on port {s3_port}, bucket {BUCKET}", flush=True)

        app_log = stack.enter_context(open(work / "app.log", "ab"))
        servers = [AppServer(name, env, app_log) for name in ("A", "B")]
        for server in servers:
            server.start()
            stack.callback(server.stop)
        print(f"App servers: A on {servers[0].port}, B on {servers[1].port}", flush=True)

        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", work / "key.pem", "-out", work / "cert.pem"], check=True, capture_output=True)
        https = free_port()
        (work / "site.conf").write_text(nginx.render({
            **env, "SERVER_NAME": "127.0.0.1", "UPSTREAM": ",".join(f"127.0.0.1:{s.port}" for s in servers),
            "TLS_CERT": str(work / "cert.pem"), "TLS_KEY": str(work / "key.pem"), "ACME_ROOT": str(work / "acme"),
            "HTTP_LISTEN": f"127.0.0.1:{free_port()}", "HTTPS_LISTEN": f"127.0.0.1:{https}",
            "MEDIA_ACCEL_REDIRECT": "/_media/"}))  # the template's disk location; unused with a bucket
        (work / "nginx.conf").write_text(MAIN_NGINX)
        proxy = subprocess.Popen(["/usr/sbin/nginx", "-p", f"{work}/", "-c", "nginx.conf", "-g", "daemon off;"],
                                 stdout=app_log, stderr=app_log)
        stack.callback(proxy.wait)
        stack.callback(proxy.terminate)
        pool = urllib3.HTTPSConnectionPool("127.0.0.1", https, maxsize=args.residents, block=True,
                                           ca_certs=str(work / "cert.pem"), assert_hostname=False,
                                           headers={"Accept": "application/json", "Accept-Encoding": "gzip"})
        for _ in range(100):
            try:
                pool.request("GET", "/healthz", retries=False, timeout=1)
                break
            except urllib3.exceptions.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"nginx did not start: {work / 'error.log'}")
        print(f"nginx: https://127.0.0.1:{https}/ in front of both", flush=True)

        run = Run(pool, browser_photo(args.seed), args.residents * args.filings)
        before = {"primary": rows_read(primary), **({"replica": rows_read(replica)} if replica else {})}
        lags, stop_sampling = [], threading.Event()
        sampler = threading.Thread(target=sample_lag, args=(primary, stop_sampling, lags)) if replica else None
        if sampler:
            sampler.start()
        residents = [threading.Thread(target=run.resident, args=(index, args.filings, args.seed))
                     for index in range(args.residents)]
        started = time.monotonic()
        for thread in residents:
            thread.start()
        print(f"Load: {args.residents} residents x {args.filings} filings, each with reads", flush=True)
        if not run.third_filed.wait(timeout=600):
            raise SystemExit("No third of the filings acknowledged in 10 minutes: see the logs in " + str(work))
        servers[0].kill()
        killed_at = time.monotonic() - started
        print(f"  {killed_at:5.1f} s  app server A killed ({len(run.acknowledged)} reports acknowledged)", flush=True)
        time.sleep(RESTART_AFTER_S)
        servers[0].start()
        back_at = time.monotonic() - started
        print(f"  {back_at:5.1f} s  app server A answers again", flush=True)
        while any(thread.is_alive() for thread in residents):
            time.sleep(5)
            print(f"  {time.monotonic() - started:5.1f} s  {len(run.records)} requests, "
                  f"{len(run.acknowledged)} reports acknowledged", flush=True)
        seconds = time.monotonic() - started
        if sampler:
            stop_sampling.set()
            sampler.join()

        after = {"primary": rows_read(primary), **({"replica": rows_read(replica)} if replica else {})}
        db = primary.connect()
        with db.cursor() as cursor:
            cursor.execute("SELECT code FROM reports_report WHERE description = 'Lubang di jalan (bench/scaleout.py).'")
            stored = {row[0] for row in cursor.fetchall()}
            cursor.execute("SELECT image, thumbnail FROM reports_photo")
            photo_files = [name for pair in cursor.fetchall() for name in pair]
        db.close()
        in_bucket = {item["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
                     for item in page.get("Contents", ())}
        readable = sum(1 for name in photo_files
                       if pool.request("GET", f"/media/{name}", retries=False, timeout=30).status == 200)

    kinds = sorted({row[0] for row in run.records})
    results.update(
        seconds=round(seconds, 1), killed_at_s=round(killed_at, 1), back_at_s=round(back_at, 1),
        requests=len(run.records), errors=sum(1 for row in run.records if row[2]),
        kinds={kind: {"requests": sum(1 for r in run.records if r[0] == kind),
                      "errors": sum(1 for r in run.records if r[0] == kind and r[2]),
                      **{k: round(v, 1) for k, v in percentiles([r[1] for r in run.records if r[0] == kind]).items()}}
               for kind in kinds},
        error_kinds={f"{kind}: {error}": n for (kind, error), n in Counter((r[0], r[2]) for r in run.records
                                                                             if r[2]).items()},
        acknowledged=len(run.acknowledged), stored=len(stored), acknowledged_not_stored=len(run.acknowledged - stored),
        photo_files=len(photo_files), in_bucket=len(in_bucket), photo_files_readable=readable,
        replica_lag_s=({"samples": len(lags), "median": round(sorted(lags)[len(lags) // 2], 3) if lags else None,
                        "max": round(max(lags), 3) if lags else None} if args.replica else None),
        rows_read={name: after[name]["rows"] - before[name]["rows"] for name in after},
        transactions={name: after[name]["transactions"] - before[name]["transactions"] for name in after},
    )
    print(json.dumps(results, indent=2))
    out = ROOT / "bench" / "results" / f"scaleout-{label}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}; everything this run started is stopped")


if __name__ == "__main__":
    main()
