"""Benchmark of reporting by WhatsApp (chat/): from a resident's message at the webhook to the chat's reply at the
stand-in Cloud API on 127.0.0.1, with gunicorn and one job worker running, and the messages one worker answers a
second; against the same worker's empty jobs (enqueued to done, and per second) measured in the same rounds.

    .venv/bin/python bench/whatsapp_bench.py [--residents 20] [--rounds 3]

Its own database (DATABASE_URL's server, database `bench_whatsapp`). Each resident goes through a whole
conversation (greeting, category, shared location, a 12-megapixel photo, description, consent, confirm: seven
messages, the last one filing the report). Latency: residents one after another, each message posted, signed, to
gunicorn's webhook once the previous reply came, timed until its last reply arrives. Throughput: all residents at
once, each step posted for every resident together; messages answered per second over the time from each step's
first post to its last reply. Rounds interleave the chat and the reference; min/median/max over the rounds.
Saved to bench/results/whatsapp.json.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("DATABASE_URL", "postgis://127.0.0.1:5432/padangpanjang")
BENCH_URL = DATABASE_URL.rsplit("/", 1)[0] + "/bench_whatsapp"
assert dj_database_url.parse(BENCH_URL)["NAME"] == "bench_whatsapp"
SECRET = "bench-app-secret"
ENV = dict(os.environ, DATABASE_URL=BENCH_URL, CACHE_PREFIX="whatsapp-bench", DEBUG="false", LOG_LEVEL="WARNING",
           SECRET_KEY="bench-only", SITE_URL="https://lapor.example.org", PHONE_GATEWAY="whatsapp",
           WHATSAPP_APP_SECRET=SECRET, WHATSAPP_VERIFY_TOKEN="bench-verify", OUTSIDE_URLS_ALLOW_PRIVATE="true",
           REPORTS_PER_HOUR="100000", DJANGO_SETTINGS_MODULE="config.settings",
           MEDIA_ROOT=tempfile.mkdtemp(prefix="bench-whatsapp-media-"))
os.environ.update(ENV)

from bench.common import gunicorn, percentiles, phone_photo, prepare_city  # noqa: E402
from tests.gateways import FakeWhatsApp  # noqa: E402

GANTING = {"latitude": -0.460738, "longitude": 100.417659}


def conversation(gateway, photo, n):
    """The seven messages of one resident's conversation: (kind, message, replies expected)."""
    return [("text", {"text": "Halo, saya mau lapor"}, 2), ("text", {"text": "1"}, 1),
            # Each resident 44 m from the next (a grid of 10 x 12 around Ganting): no report of another nearby
            # (--residents at most 60).
            ("location", {"location": {"latitude": GANTING["latitude"] + (n % 10) * 0.0004,
                                       "longitude": GANTING["longitude"] + (n // 10 % 12) * 0.0004}}, 1),
            ("image", {"image": {"id": gateway.add_media(photo)}}, 1),
            ("text", {"text": f"Lubang besar nomor {n}"}, 1), ("text", {"text": "2"}, 1), ("text", {"text": "1"}, 1)]


class Webhook:
    def __init__(self, port, gateway):
        self.url, self.gateway, self.count = f"http://127.0.0.1:{port}/pemberitahuan/whatsapp/", gateway, 0

    def post(self, phone, kind, message):
        self.count += 1
        body = FakeWhatsApp.webhook(phone, f"wamid.BENCH{time.time_ns()}.{self.count}", time.time(), kind, **message)
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json",
                                                          "X-Hub-Signature-256": FakeWhatsApp.signature(body, SECRET)})
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200

    def replies(self, phone):
        return sum(1 for r in list(self.gateway.received) if r["json"] and r["json"].get("to") == phone
                   and r["json"].get("type") == "text")

    def wait(self, expected, timeout=120):
        """Until every phone of `expected` ({phone: replies}) has its replies; the moment the last arrived."""
        started = time.monotonic()
        while any(self.replies(phone) < count for phone, count in expected.items()):
            if time.monotonic() - started > timeout:
                raise SystemExit(f"replies missing after {timeout} s")
            time.sleep(0.005)
        return max(r["at"] for r in list(self.gateway.received)
                   if r["json"] and r["json"].get("to") in expected)


def chat_latency(hook, photo, residents, first):
    """Residents one after another, each message once the last reply came: seconds from the post to the reply,
    {"text": [...], "photo": [...]} (a photo is fetched from the stand-in and checked before its answer)."""
    waits = {"text": [], "photo": []}
    for n in range(first, first + residents):
        phone = f"62812{n:08d}"
        for kind, message, replies in conversation(hook.gateway, photo, n):
            expected = {phone: hook.replies(phone) + replies}
            started = time.time()
            hook.post(phone, kind, message)
            waits["photo" if kind == "image" else "text"].append(hook.wait(expected) - started)
    return waits


def chat_throughput(hook, photo, residents, first):
    """All residents at once, step by step: messages answered per second."""
    phones = [f"62813{n:08d}" for n in range(first, first + residents)]
    steps = [conversation(hook.gateway, photo, n) for n in range(first, first + residents)]
    busy, handled = 0.0, 0
    with ThreadPoolExecutor(8) as pool:
        for step in range(len(steps[0])):
            expected = {phone: hook.replies(phone) + steps[i][step][2] for i, phone in enumerate(phones)}
            started = time.time()
            list(pool.map(lambda i, step=step: hook.post(phones[i], *steps[i][step][:2]), range(residents)))
            busy += hook.wait(expected) - started
            handled += residents
    return handled / busy


def start_worker(env):
    """One `run_worker` with the bench's empty task, returned once it is up (it says so on its first line)."""
    worker = subprocess.Popen([sys.executable, "manage.py", "run_worker", "--tasks", "bench.job_tasks"], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, text=True)
    worker.stdout.readline()
    return worker


def empty_jobs(count, one_by_one):
    """The reference, on the same worker: `count` empty jobs; enqueue-to-done seconds of each one at a time, or
    jobs per second of them all at once."""
    from jobs.models import Job
    from jobs.queue import enqueue

    if one_by_one:
        waits = []
        for n in range(count):
            job = enqueue("bench.noop", n=n)
            while not Job.objects.filter(pk=job.pk, state="done").exists():
                time.sleep(0.005)
            waits.append(time.time() - job.created.timestamp())
        return waits
    started = time.time()
    jobs = [enqueue("bench.noop", n=n).pk for n in range(count)]
    while Job.objects.filter(pk__in=jobs).exclude(state="done").exists():
        time.sleep(0.01)
    return count / (time.time() - started)


def spread(values, digits=1):
    return {"min": round(min(values), digits), "median": round(statistics.median(values), digits),
            "max": round(max(values), digits)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print("Preparing bench_whatsapp (migrate, setup_city)", flush=True)
    prepare_city(BENCH_URL, ENV)
    import django

    django.setup()
    from jobs.models import Job
    from reports.models import Report

    gateway = FakeWhatsApp()
    env = dict(ENV, WHATSAPP_API_URL=gateway.url + "/v21.0", WHATSAPP_PHONE_NUMBER_ID=gateway.phone_number_id,
               WHATSAPP_TOKEN=gateway.token)
    Job.objects.all().delete()
    photo = phone_photo(7)
    rounds = []
    worker = start_worker(env)
    try:
        with gunicorn(**{key: env[key] for key in ("WHATSAPP_API_URL", "WHATSAPP_PHONE_NUMBER_ID",
                                                   "WHATSAPP_TOKEN")}) as (port, _server):
            hook = Webhook(port, gateway)
            for number in range(args.rounds):
                Report.objects.all().delete()  # no report of an earlier round nearby (the grid has 120 places)
                first = number * args.residents * 2
                reference_waits = empty_jobs(args.residents * 7, one_by_one=True)
                waits = chat_latency(hook, photo, args.residents, first)
                reference_rate = empty_jobs(args.residents * 7 * 4, one_by_one=False)
                rate = chat_throughput(hook, photo, args.residents, first + args.residents)
                every = waits["text"] + waits["photo"]
                found = {"reply_p95_ms": percentiles(every)["p95_ms"], "reply_p50_ms": percentiles(every)["p50_ms"],
                         "text_reply_p95_ms": percentiles(waits["text"])["p95_ms"],
                         "photo_reply_p95_ms": percentiles(waits["photo"])["p95_ms"],
                         "empty_job_p95_ms": percentiles(reference_waits)["p95_ms"],
                         "empty_job_p50_ms": percentiles(reference_waits)["p50_ms"],
                         "messages_per_s": rate, "empty_jobs_per_s": reference_rate}
                found["p95_ratio"] = found["reply_p95_ms"] / found["empty_job_p95_ms"]
                found["rate_ratio"] = rate / reference_rate
                rounds.append(found)
                print(f"round {number + 1}/{args.rounds}: reply p95 {found['reply_p95_ms']:.0f} ms (text "
                      f"{found['text_reply_p95_ms']:.0f}, photo {found['photo_reply_p95_ms']:.0f}) "
                      f"({found['p95_ratio']:.1f}x an empty job's {found['empty_job_p95_ms']:.0f} ms); "
                      f"{rate:.1f} messages/s ({found['rate_ratio']:.2f}x {reference_rate:.0f} empty jobs/s)",
                      flush=True)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        gateway.close()
    filed = Report.objects.count()  # the last round's
    assert filed == 2 * args.residents, f"{filed} reports filed in the last round, not {2 * args.residents}"
    result = {"residents": args.residents, "rounds": args.rounds,
              **{key: spread([r[key] for r in rounds], 2 if "ratio" in key else 1) for key in rounds[0]}}
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "whatsapp.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
