"""Benchmark of forwarding to LAPOR! (forwarding/): time from a dispatcher's verification to the complaint's
arrival at a fake LAPOR! with a worker running, and LAPOR! down while reports are verified.

    .venv/bin/python bench/lapor_bench.py [--reports 100] [--outage-seconds 600] [--outage-reports 200]

It works in a database of its own (DATABASE_URL's name + "_lapor_bench"), with the fake LAPOR! of the tests
(tests/fake_lapor.py) on 127.0.0.1 and one `run_worker` process. The reference, measured in the same run, is the
same complaint POSTed straight to the fake by this process. During the outage the fake closes every connection
unanswered; afterwards it answers again, and the bench waits for every complaint. Saved to
bench/results/lapor.json.
"""

import argparse
import json
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_lapor import TOKEN, FakeLapor  # noqa: E402

# Not from config.settings: importing it here would fix the settings before the bench's own are set below.
DATABASE_URL = os.environ.get("DATABASE_URL", "postgis://127.0.0.1:5432/padangpanjang")
BENCH_URL = DATABASE_URL.rsplit("/", 1)[0] + "/" + dj_database_url.parse(DATABASE_URL)["NAME"] + "_lapor_bench"
LAPOR = FakeLapor()
ENV = dict(os.environ, DATABASE_URL=BENCH_URL, CACHE_PREFIX="lapor-bench", DEBUG="false", LOG_LEVEL="ERROR",
           SECRET_KEY="bench-only-" + "x" * 50, LAPOR_URL=LAPOR.url, LAPOR_TOKEN=TOKEN, FORWARDING_TIMEOUT_S="5")
os.environ.update(ENV)
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"

from bench.common import file_reports, lapor_bench_start, prepare_city, start_worker  # noqa: E402


def verify_spread(reports, seconds, dispatcher, label):
    """Verify the reports one by one, evenly over `seconds`; {code: when its verification committed}."""
    from reports import workflow

    verified, started = {}, time.monotonic()
    gap = seconds / len(reports)
    for n, report in enumerate(reports):
        workflow.change_status(report, "diverifikasi", dispatcher, version=report.version)
        verified[report.code] = time.time()
        if n % 50 == 49:
            print(f"  {label}: {n + 1} verified, {time.monotonic() - started:.0f} s", flush=True)
        time.sleep(max(0.0, started + (n + 1) * gap - time.monotonic()))
    return verified


def wait_for(codes, limit_s, label):
    started, shown = time.monotonic(), 0.0
    while (left := len(set(codes) - set(LAPOR.arrivals))) and time.monotonic() - started < limit_s:
        if time.monotonic() - shown > 5:
            print(f"  {label}: {left} not yet at LAPOR!, {time.monotonic() - started:.0f} s", flush=True)
            shown = time.monotonic()
        time.sleep(0.05)


def reference(count):
    """The same complaint straight from this process to the fake: seconds per POST."""
    from forwarding.lapor import complaint
    from forwarding.models import Forwarding

    body = complaint(Forwarding.objects.first())
    times = []
    for n in range(count):
        request = urllib.request.Request(f"{LAPOR.url}/complaints", method="POST", headers={
            "Authorization": f"Token {TOKEN}", "Content-Type": "application/json"},
            data=json.dumps(dict(body, source_id=f"REF-{n}")).encode())
        started = time.monotonic()
        urllib.request.urlopen(request).read()
        times.append(time.monotonic() - started)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--spread-seconds", type=float, default=30)
    parser.add_argument("--outage-seconds", type=float, default=600)
    parser.add_argument("--outage-reports", type=int, default=200)
    args = parser.parse_args()
    prepare_city(BENCH_URL, ENV)
    import django

    django.setup()
    from bench.common import percentiles
    from jobs.models import Job

    dispatcher = lapor_bench_start()
    print(f"Filing {args.reports + args.outage_reports} reports", flush=True)
    reports = file_reports(args.reports + args.outage_reports)
    results = {}
    worker = start_worker(ENV)
    try:
        print(f"End to end: {args.reports} verifications over {args.spread_seconds:.0f} s, worker running", flush=True)
        verified = verify_spread(reports[:args.reports], args.spread_seconds, dispatcher, "verifying")
        wait_for(verified, 120, "end to end")
        e2e = percentiles([LAPOR.arrivals[code] - at for code, at in verified.items() if code in LAPOR.arrivals])
        ref = percentiles(reference(args.reports))
        results["end_to_end"] = {"verified": len(verified), "arrived": len(set(verified) & set(LAPOR.arrivals)),
                                 **{k: round(v, 1) for k, v in e2e.items()},
                                 "reference_direct_post": {k: round(v, 1) for k, v in ref.items()}}
        print(f"  verification to LAPOR!'s receipt: p50 {e2e['p50_ms']:.0f} ms, p95 {e2e['p95_ms']:.0f} ms "
              f"(a direct POST: p95 {ref['p95_ms']:.1f} ms)", flush=True)

        print(f"Outage: LAPOR! closes every connection for {args.outage_seconds:.0f} s while "
              f"{args.outage_reports} reports are verified", flush=True)
        posts_before = LAPOR.received
        LAPOR.fail = "hangup"
        down = verify_spread(reports[args.reports:], args.outage_seconds, dispatcher, "verifying, LAPOR! down")
        LAPOR.fail = None
        back = time.time()
        print("  LAPOR! answers again", flush=True)
        wait_for(down, 600, "after the outage")
        arrived = [LAPOR.arrivals[code] for code in down if code in LAPOR.arrivals]
        posts = LAPOR.received - posts_before
        results["outage"] = {
            "outage_seconds": args.outage_seconds, "verified": len(down), "arrived": len(arrived),
            "lost": len(down) - len(arrived), "complaints_posted": posts, "sent_twice": posts - len(arrived),
            "last_arrival_after_return_s": round(max(arrived) - back, 1) if arrived else None,
            "attempts_max": max(Job.objects.filter(task="forwarding.deliver").values_list("attempts", flat=True)),
        }
        print(f"  {len(arrived)} of {len(down)} arrived, the last {results['outage']['last_arrival_after_return_s']} s "
              f"after LAPOR!'s return; {results['outage']['lost']} lost, {results['outage']['sent_twice']} sent twice",
              flush=True)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        LAPOR.close()
    out = ROOT / "bench" / "results" / "lapor.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
