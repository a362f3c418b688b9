"""Benchmark of the messages to residents (notify/): time from a status change to its delivery at stand-in gateways
on 127.0.0.1 (an SMTP server, WhatsApp's Cloud API or an SMS gateway, a browser push service), per channel, and
messages per second through one worker, against the same worker running empty jobs in the same run.

    .venv/bin/python bench/notify_bench.py [--reports 200] [--compare-poll]

It works in a database of its own (DATABASE_URL's name + "_notify_bench"). Each report has three followers: its
reporter by e-mail, a neighbour by the phone gateway, a browser by web push; every report then changes status at
once, and one worker (`manage.py run_worker`) sends. No batching window and no quiet hours here: what is measured
is the path from the change to the gateway. Run once with the WhatsApp gateway and once with SMS (with
`--compare-poll`, each also with a worker that only polls, `run_worker --no-listen`). Saved to
bench/results/notify.json.
"""

import argparse
import json
import os
import signal
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# This process loads the settings on the benchmark's own database: set before config.settings is read.
DATABASE_URL = os.environ.get("DATABASE_URL", "postgis://127.0.0.1:5432/padangpanjang")
BENCH_URL = DATABASE_URL.rsplit("/", 1)[0] + "/" + dj_database_url.parse(DATABASE_URL)["NAME"] + "_notify_bench"
ENV = dict(os.environ, DATABASE_URL=BENCH_URL, CACHE_PREFIX="notify-bench", DEBUG="false", LOG_LEVEL="WARNING",
           SECRET_KEY="bench-only-" + "x" * 50, NOTIFY_BATCH_SECONDS="0", NOTIFY_QUIET_FROM="00:00",
           NOTIFY_QUIET_UNTIL="00:00", EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
           EMAIL_HOST="127.0.0.1", SITE_URL="https://lapor.example.org",
           OUTSIDE_URLS_ALLOW_PRIVATE="true")  # the push service stands in on 127.0.0.1 (config/outbound.py)
os.environ.update(ENV)

from bench.common import percentiles  # noqa: E402
from config.ensure_database import ensure_database  # noqa: E402


class SmtpStandIn(socketserver.ThreadingTCPServer):
    """Just enough SMTP to take a message and note when it arrived (the end of DATA)."""

    daemon_threads = allow_reuse_address = True

    def __init__(self):
        self.received = []
        server = self

        class Session(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 bench ESMTP\r\n")
                while line := self.rfile.readline():
                    verb = line[:4].upper()
                    if verb == b"DATA":
                        self.wfile.write(b"354 go on\r\n")
                        lines = []
                        while (part := self.rfile.readline()) not in (b".\r\n", b""):
                            lines.append(part)
                        server.received.append({"at": time.time(), "text": b"".join(lines).decode(errors="replace")})
                        self.wfile.write(b"250 queued\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    elif verb == b"EHLO":
                        self.wfile.write(b"250 bench\r\n")
                    else:
                        self.wfile.write(b"250 ok\r\n")

        super().__init__(("127.0.0.1", 0), Session)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


def start_worker(env, *options):
    """One worker process (`options`: run_worker's), returned once it is up (it says so on its first line)."""
    worker = subprocess.Popen([sys.executable, "manage.py", "run_worker", "--tasks", "bench.job_tasks", *options],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    worker.stdout.readline()
    return worker


def run_worker(env, done, worker=None):
    """One worker (started here unless given) until `done()` says all is delivered; returns seconds taken."""
    worker = worker or start_worker(env)
    started, shown = time.monotonic(), time.monotonic()
    while not done():
        if time.monotonic() - shown > 2:
            print(f"  {time.monotonic() - started:.0f} s", flush=True)
            shown = time.monotonic()
        time.sleep(0.05)
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=60)
    return time.monotonic() - started


def measure(gateway_name, count, options=()):
    from django.conf import settings
    from django.contrib.auth.models import Group, User

    from jobs.models import Job
    from notify import subscriptions
    from notify.channels import new_vapid_keys
    from notify.models import Allowance, Message, Notice, Subscription
    from reports import workflow
    from reports.filing import file_report
    from reports.models import Category, Report
    from tests.gateways import FakePushService, FakeSms, FakeWhatsApp

    smtp = SmtpStandIn()
    phone = FakeWhatsApp() if gateway_name == "whatsapp" else FakeSms()
    public, private = new_vapid_keys()
    push = FakePushService(public)
    env = dict(ENV, EMAIL_PORT=str(smtp.server_address[1]), PHONE_GATEWAY=gateway_name,
               WHATSAPP_API_URL=phone.url + "/v21.0", WHATSAPP_PHONE_NUMBER_ID=FakeWhatsApp.phone_number_id,
               WHATSAPP_TOKEN=phone.token, SMS_GATEWAY_URL=phone.url + "/send", SMS_GATEWAY_TOKEN=phone.token,
               WEBPUSH_VAPID_PUBLIC_KEY=public, WEBPUSH_VAPID_PRIVATE_KEY=private)
    settings.PHONE_GATEWAY, settings.WEBPUSH_VAPID_PUBLIC_KEY, settings.WEBPUSH_VAPID_PRIVATE_KEY = (
        gateway_name, public, private)
    Job.objects.all().delete()
    Subscription.objects.all().delete()
    Allowance.objects.all().delete()  # each number's confirmation links per day: the earlier measures' are not these
    category = Category.objects.get(slug="jalan-berlubang")
    dispatcher, _ = User.objects.get_or_create(username="bench-dispatcher")
    dispatcher.groups.add(Group.objects.get(name="dispatcher"))
    print(f"{gateway_name}: {count} reports, each followed by e-mail, {gateway_name} and web push")
    reports = []
    for n in range(count):
        report, _ = file_report(client_uuid=uuid.uuid4(), category=category, lat=-0.4605 + (n % 20) * 0.0002,
                                lon=100.4176 + (n // 20) * 0.0002, description=f"Bench report {n}.", photos=[],
                                email=f"warga{n}@example.org")
        follower = subscriptions.follow(report, gateway_name, f"0812{n:08d}")
        subscriptions.confirm(follower)
        subscriptions.follow_by_push(report, **push.subscription(f"device-{n}"))
        reports.append(report)
    # The confirmation links are not what is measured: the changes below to a waiting worker are.
    Job.objects.all().delete()
    Notice.objects.update(state=Notice.State.DROPPED)
    worker, changed = start_worker(env, *options), {}
    print(f"  {count} status changes, one after another, to a waiting worker")
    for report in reports:
        change = workflow.change_status(report, "diverifikasi", dispatcher, version=report.version)
        changed[report.code] = change.created.timestamp()
    expected = 3 * count
    took = run_worker(env, lambda: len(smtp.received) + len(phone.received) + len(push.received) >= expected,
                      worker)
    arrivals = {"email": [(m["at"], m["text"]) for m in smtp.received],
                gateway_name: [(r["at"], json.dumps(r["json"])) for r in phone.received],
                "push": [(r["at"], json.dumps(r["json"])) for r in push.received]}
    result = {"messages": expected, "seconds": round(took, 2)}
    for channel, received in arrivals.items():
        waits = [at - changed[code] for at, text in received for code in [find_code(text)] if code]
        result[channel] = {key: round(value) for key, value in percentiles(waits).items()}
    every = sorted(at for received in arrivals.values() for at, _ in received)
    result["messages_per_s"] = round(len(every) / (every[-1] - min(changed.values())), 1)
    result["failed"] = Message.objects.filter(state="failed").count()
    assert Report.objects.count() >= count
    for server in (phone, push):
        server.close()
    smtp.shutdown()
    return result


def find_code(text):
    start = text.find("PP-")
    return text[start:start + 9] if start >= 0 else None


def empty_jobs(count):
    """The reference: the same worker running `count` empty jobs."""
    from jobs.models import Job
    from jobs.queue import enqueue

    Job.objects.all().delete()
    for n in range(count):
        enqueue("bench.noop", n=n)
    took = run_worker(ENV, lambda: not Job.objects.filter(task="bench.noop", state="queued").exists())
    return round(count / took, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--compare-poll", action="store_true",
                        help="Also measure each gateway with a worker that only polls (run_worker --no-listen).")
    args = parser.parse_args()
    ensure_database(BENCH_URL)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=ENV, check=True)
    subprocess.run([sys.executable, "manage.py", "setup_city"], cwd=ROOT, env=ENV, check=True,
                   stdout=subprocess.DEVNULL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    results = {"reference_empty_jobs_per_s": empty_jobs(3 * args.reports)}
    print(f"Reference: one worker, empty jobs: {results['reference_empty_jobs_per_s']} jobs/s")
    runs = [(gateway, gateway, ()) for gateway in ("whatsapp", "sms")]
    if args.compare_poll:  # interleaved: whatsapp listening, whatsapp polling, sms polling, sms listening
        runs = [runs[0], ("whatsapp", "whatsapp_poll", ("--no-listen",)), ("sms", "sms_poll", ("--no-listen",)),
                runs[1]]
    for gateway, name, options in runs:
        found = results[name] = measure(gateway, args.reports, options)
        ratio = found["messages_per_s"] / results["reference_empty_jobs_per_s"]
        print(f"  {name}: {found['messages_per_s']} messages/s ({ratio:.2f}x empty jobs), failed {found['failed']}; "
              + "; ".join(f"{channel} p50 {found[channel]['p50_ms']} ms, p95 {found[channel]['p95_ms']} ms"
                          for channel in ("email", gateway, "push")))
    out = ROOT / "bench" / "results" / "notify.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
