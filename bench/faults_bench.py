"""Benchmark of the queue under faults (issue 29): a resident's message delivery while LAPOR! hangs against the
same while it answers, and complaints and follow-ups across worker kills and answers later than our timeout.

    .venv/bin/python bench/faults_bench.py [--rounds 3] [--messages 100] [--deliveries 40] [--kills 20] [--late 20]

It works in a database of its own (DATABASE_URL's name + "_faults_bench") with the city set up, the fake LAPOR!
of the tests (tests/fake_lapor.py) on 127.0.0.1 and real `run_worker` processes (every queue, the default
threads). Messages are real `notify.deliver` jobs (a confirmation link by e-mail, to files), enqueued one every
0.1 s while `--deliveries` complaints wait for LAPOR!; their time from enqueue to done is measured with LAPOR!
answering (the reference, same round) and with LAPOR! hanging (it answers nothing for 30 s; our calls give up
after FORWARDING_TIMEOUT_S, 10 s). Each round does so twice, with a worker woken by LISTEN/NOTIFY and with one
that only polls (`--no-listen`), in alternating order. Kills: a worker is SIGKILLed while LAPOR! has kept a
complaint or follow-up and not yet answered; late answers: LAPOR! answers each after our 1 s timeout. Saved to
bench/results/faults.json."""

import argparse
import json
import os
import signal
import statistics
import sys
import time
import uuid
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_lapor import TOKEN, FakeLapor  # noqa: E402

# Not from config.settings: importing it here would fix the settings before the bench's own are set below.
DATABASE_URL = os.environ.get("DATABASE_URL", "postgis://127.0.0.1:5432/padangpanjang")
BENCH_URL = DATABASE_URL.rsplit("/", 1)[0] + "/" + dj_database_url.parse(DATABASE_URL)["NAME"] + "_faults_bench"
LAPOR = FakeLapor()
ENV = dict(os.environ, DATABASE_URL=BENCH_URL, CACHE_PREFIX="faults-bench", DEBUG="false", LOG_LEVEL="ERROR",
           SECRET_KEY="bench-only-" + "x" * 50, LAPOR_URL=LAPOR.url, LAPOR_TOKEN=TOKEN, FORWARDING_TIMEOUT_S="10",
           EMAIL_FILE_PATH=str(ROOT / "var" / "faults-bench-mail"))
os.environ.update(ENV)
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"

from bench.common import file_reports, lapor_bench_start, prepare_city, start_worker  # noqa: E402


def stop(worker):
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=120)


def until(condition, limit_s, label):
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > limit_s:
            raise SystemExit(f"{label}: not within {limit_s} s")
        time.sleep(0.02)



def move(report, status, dispatcher):
    from reports import workflow

    report.refresh_from_db()
    workflow.change_status(report, status, dispatcher, version=report.version)


def messages_while(reports, count, dispatcher, label):
    """Verify `reports` (their complaints queue up for LAPOR!), then enqueue `count` messages one every 0.1 s;
    each message job's seconds from enqueue to its claim (the wait) and from its claim to done (the run)."""
    from django.utils import timezone

    from jobs.models import Job
    from jobs.queue import enqueue
    from notify.models import Notice, Subscription

    for report in reports:
        move(report, "diverifikasi", dispatcher)
    jobs, started = [], time.monotonic()
    for n in range(count):
        subscription = Subscription.objects.create(role="follower", report=reports[n % len(reports)],
                                                   channel="email", address=f"warga{uuid.uuid4().hex}@example.org")
        Notice.objects.create(subscription=subscription, key="confirm:1", kind=Notice.Kind.CONFIRM,
                              send_after=timezone.now(), report=subscription.report)
        jobs.append(enqueue("notify.deliver", key=f"notify.deliver:{subscription.pk}",
                            subscription_id=subscription.pk).pk)
        time.sleep(max(0.0, started + (n + 1) * 0.1 - time.monotonic()))
    until(lambda: Job.objects.filter(pk__in=jobs, state="done").count() == len(jobs), 300, label)
    return [((started - created).total_seconds(), (finished - started).total_seconds())
            for created, started, finished in Job.objects.filter(pk__in=jobs).values_list("created", "started",
                                                                                        "finished")]


def message_round(reports, count, dispatcher, options, label):
    """One worker (`options`: run_worker's): `count` messages while half of `reports` go to a LAPOR! that answers,
    then as many while the other half meet it hanging; p50/p95/p99 of each and the ratio of the p95s."""
    from bench.common import percentiles
    from jobs.models import Breaker

    def figures(times):
        """Enqueue to done, and its two parts (enqueue to claim, claim to done), with the load at the end."""
        found = {k: round(v, 1) for k, v in percentiles([wait + run for wait, run in times]).items()}
        found["wait_p95_ms"] = round(percentiles([wait for wait, _ in times])["p95_ms"], 1)
        found["run_p95_ms"] = round(percentiles([run for _, run in times])["p95_ms"], 1)
        found["load_1min"] = round(os.getloadavg()[0], 1)
        return found

    half = len(reports) // 2
    worker = start_worker(ENV, *options)
    healthy_times = messages_while(reports[:half], count, dispatcher, f"{label}, LAPOR! answering")
    healthy = figures(healthy_times)
    LAPOR.fail = "slow"
    hanging_times = messages_while(reports[half:], count, dispatcher, f"{label}, LAPOR! hanging")
    hanging = figures(hanging_times)
    LAPOR.release.set()
    stop(worker)
    LAPOR.fail = None
    LAPOR.release.clear()
    Breaker.objects.all().delete()  # the hanging phase opened LAPOR!'s: the next phases start closed
    drain(f"complaints of {label}")
    return {"healthy": healthy, "lapor_hanging": hanging, "p95_ratio": round(hanging["p95_ms"] / healthy["p95_ms"], 2),
            "times": {"healthy": healthy_times, "lapor_hanging": hanging_times}}


def spread(values):
    """min, median and max of a figure over the rounds."""
    return {"min": min(values), "median": round(statistics.median(values), 2), "max": max(values)}


def killed_rounds(reports, kills, dispatcher):
    """For each round a worker is killed while LAPOR! holds the answer to what it kept: a complaint (even
    rounds) or a follow-up (odd ones)."""
    LAPOR.late = True
    for n in range(kills):
        report = reports[n // 2]
        kept = len(LAPOR.complaints) + len(LAPOR.follow_ups)
        move(report, "diverifikasi" if n % 2 == 0 else "dikerjakan", dispatcher)
        worker = start_worker(ENV)
        until(lambda kept=kept: len(LAPOR.complaints) + len(LAPOR.follow_ups) > kept, 60, f"kill {n + 1}")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        LAPOR.release.set()  # the held answer goes to a closed connection
        LAPOR.release.clear()
    LAPOR.late = False


def drain(label):
    from forwarding.models import FollowUp, Forwarding

    worker = start_worker(ENV)
    until(lambda: not Forwarding.objects.filter(external_id="", inbound=False).exists()
          and not FollowUp.objects.filter(sent=None).exists(), 300, label)
    stop(worker)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--deliveries", type=int, default=40)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--late", type=int, default=20)
    args = parser.parse_args()
    prepare_city(BENCH_URL, ENV)
    import django

    django.setup()
    from bench.common import percentiles
    from forwarding.models import FollowUp
    from jobs.models import Breaker, Job

    dispatcher = lapor_bench_start()
    Breaker.objects.all().delete()
    messaged = 2 * 2 * args.deliveries * args.rounds  # each round and mode: complaints answered, then hanging
    reports = file_reports(messaged + (args.kills + 1) // 2 + args.late)
    kill_reports = reports[messaged:messaged + (args.kills + 1) // 2]
    late_reports = reports[messaged + (args.kills + 1) // 2:]
    results = {}
    try:
        modes = {"listen": (), "poll": ("--no-listen",)}
        print(f"Messages: {args.rounds} rounds of {args.messages} messages, one each 0.1 s, while "
              f"{args.deliveries} complaints go to LAPOR!, answering then hanging; a worker that listens and one "
              f"that only polls, in turn", flush=True)
        rounds = {mode: [] for mode in modes}
        for number in range(args.rounds):
            for mode in (list(modes) if number % 2 == 0 else list(modes)[::-1]):
                start = (2 * number + (mode == "poll")) * 2 * args.deliveries
                found = message_round(reports[start:start + 2 * args.deliveries], args.messages, dispatcher,
                                      modes[mode], f"round {number + 1} {mode}")
                rounds[mode].append(found)
                print(f"  round {number + 1}, {mode}: p95 {found['p95_ratio']}x; " + "; ".join(
                    f"{name} p95 {phase['p95_ms']:.0f} ms (wait {phase['wait_p95_ms']:.0f}, run "
                    f"{phase['run_p95_ms']:.0f}, load {phase['load_1min']})"
                    for name, phase in (("LAPOR! answering", found["healthy"]),
                                        ("hanging", found["lapor_hanging"]))), flush=True)
        results["messages"] = {mode: {"rounds": found, **{
            figure: spread([getter(one) for one in found]) for figure, getter in (
                ("p95_ratio", lambda one: one["p95_ratio"]),
                ("healthy_p95_ms", lambda one: one["healthy"]["p95_ms"]),
                ("hanging_p95_ms", lambda one: one["lapor_hanging"]["p95_ms"]),
                ("healthy_wait_p95_ms", lambda one: one["healthy"]["wait_p95_ms"]),
                ("hanging_wait_p95_ms", lambda one: one["lapor_hanging"]["wait_p95_ms"]),
                ("healthy_run_p95_ms", lambda one: one["healthy"]["run_p95_ms"]),
                ("hanging_run_p95_ms", lambda one: one["lapor_hanging"]["run_p95_ms"]))}}
            for mode, found in rounds.items()}
        for mode, found in rounds.items():  # every round's messages together: a p95 of rounds × --messages
            pooled = {phase: round(percentiles([wait + run for one in found
                                                for wait, run in one["times"][phase]])["p95_ms"], 1)
                      for phase in ("healthy", "lapor_hanging")}
            for one in found:
                del one["times"]
            results["messages"][mode]["pooled_p95_ms"] = dict(
                pooled, ratio=round(pooled["lapor_hanging"] / pooled["healthy"], 2))
        for mode in modes:
            print(f"  {mode}: min/median/max over the rounds: " + "; ".join(
                f"{figure} {results['messages'][mode][figure]}" for figure in results["messages"][mode]
                if figure != "rounds"), flush=True)

        print(f"Kills: {args.kills} workers SIGKILLed between LAPOR!'s keeping and its answer", flush=True)
        before = {"complaints": LAPOR.received, "follow_ups": LAPOR.followups_received,
                  "kept_follow_ups": len(LAPOR.follow_ups)}
        killed_rounds(kill_reports, args.kills, dispatcher)
        drain("after the kills")
        print(f"Late answers: {args.late} follow-ups answered after our 1 s timeout", flush=True)
        for report in late_reports:
            move(report, "diverifikasi", dispatcher)
        drain("complaints of the late phase")
        for report in late_reports:
            move(report, "dikerjakan", dispatcher)
        LAPOR.late = True
        # A timeout is a failure to the breaker: 5 in a row would open it and defer the rest a minute. Off here,
        # so that every one of the follow-ups meets an answer after our timeout.
        worker = start_worker(dict(ENV, FORWARDING_TIMEOUT_S="1", BREAKER_FAILURES="1000"))
        until(lambda: Job.objects.filter(task="forwarding.deliver", attempts__gte=1,
                                         state="queued").count() >= args.late, 300, "late answers")
        LAPOR.late = False
        LAPOR.release.set()
        stop(worker)
        LAPOR.release.clear()
        drain("after the late answers")
        kept_follow_ups = {(tracking_id, body["source_followup_id"]) for tracking_id, body in LAPOR.follow_ups}
        faulted = kill_reports + late_reports
        complaints_sent = LAPOR.received - before["complaints"]
        follow_ups_sent = LAPOR.followups_received - before["follow_ups"]
        follow_up_rows = FollowUp.objects.filter(forwarding__report__in=faulted).count()
        results["duplicates"] = {
            "kills": args.kills, "late_answers": args.late,
            "complaints": {"reports": len(faulted), "posted": complaints_sent,
                           "kept_by_lapor": len(set(LAPOR.complaints) & {r.code for r in faulted}),
                           "repeats_answered_409": complaints_sent - len(faulted)},
            "follow_ups": {"rows": follow_up_rows, "posted": follow_ups_sent,
                           "kept_by_lapor": len(LAPOR.follow_ups) - before["kept_follow_ups"],
                           "kept_twice": len(LAPOR.follow_ups) - len(kept_follow_ups),
                           "unsent": FollowUp.objects.filter(sent=None).count(),
                           "repeats_answered_409": follow_ups_sent - follow_up_rows},
            "contract_violations": len(LAPOR.violations),
        }
        print(f"  {results['duplicates']}", flush=True)
    finally:
        LAPOR.release.set()
        LAPOR.close()
    out = ROOT / "bench" / "results" / "faults.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
