"""Benchmark of what a signed-in staff request costs before its view, against another checkout (say, before a
change) in the same run.

    .venv/bin/python bench/signed_in_bench.py --beside CHECKOUT [--requests 300]

Uses bench/insight_bench.py's database (made and filled as that bench does if missing; pass --reports to choose its
size). A planner past the code step (a session of each checkout's own making) asks each gunicorn (1 worker, DEBUG
off) for `/api/v1/hotspots.geojson?eps=0`: the session, the user, their authenticator app and their groups are read
and the role checked, then the parameter is refused (400) before any query of the view. Interleaved, request by
request, with the statements this checkout's sign-in reads by hand through psycopg2 (accounts.backends:
the session, then the user with groups and apps). min / median / p95 / max in ms; saved to
bench/results/signed_in.json.
"""

import argparse
import contextlib
import http.client
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn  # noqa: E402
from bench.desk_bench import SIGNED_IN_SQL  # noqa: E402
from bench.insight_bench import BENCH_URL, PLANNER_SESSION, manage, prepare, summary  # noqa: E402

PATH = "/api/v1/hotspots.geojson?eps=0"


def session_key(root):
    return manage("shell", "-c", PLANNER_SESSION, capture=True, root=root).strip().splitlines()[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beside", required=True, help="another checkout of the project, served beside this one")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--reports", type=int, default=1_000_000)
    args = parser.parse_args()

    db = prepare(args.reports, 7)
    db.autocommit = True
    keys = {"here": session_key(ROOT), "beside": session_key(args.beside)}
    with db.cursor() as cursor:
        cursor.execute("SELECT id FROM auth_user WHERE username = 'bench-planner'")
        (user_id,) = cursor.fetchone()
    times = {"signed-in statements by hand": [], "this checkout": [], "--beside": []}
    with contextlib.ExitStack() as stack:
        ports = {"here": stack.enter_context(gunicorn(DATABASE_URL=BENCH_URL))[0],
                 "beside": stack.enter_context(gunicorn(root=args.beside, DATABASE_URL=BENCH_URL,
                                                        CACHE_PREFIX="signed-in-bench-beside"))[0]}

        def get(name):
            """One request on a connection of its own (gunicorn closes one left idle 2 s), as insight_bench asks."""
            client = http.client.HTTPConnection("127.0.0.1", ports[name], timeout=60)
            start = time.perf_counter()
            client.request("GET", PATH, headers={"Cookie": f"sessionid={keys[name]}", "Accept-Language": "id"})
            response = client.getresponse()
            body = response.read()
            client.close()
            assert response.status == 400 and b"eps" in body, (name, response.status, body[:300])
            return time.perf_counter() - start

        for name in ports:  # warms each worker: not counted
            get(name)
        with db.cursor() as cursor:
            for index in range(args.requests):
                start = time.perf_counter()
                for sql, params in zip(SIGNED_IN_SQL, ([keys["here"]], [user_id]), strict=True):
                    cursor.execute(sql, params)
                    cursor.fetchall()
                times["signed-in statements by hand"].append(time.perf_counter() - start)
                times["this checkout"].append(get("here"))
                times["--beside"].append(get("beside"))
                if (index + 1) % 100 == 0:
                    print(f"  {index + 1}/{args.requests} rounds", flush=True)

    results = {"path": PATH, "beside": args.beside, "requests": args.requests, "load_average": os.getloadavg(),
               **{name: summary(values) for name, values in times.items()}}
    print(f"\n{'ms':32}{'min':>8}{'median':>8}{'p95':>8}{'max':>8}")
    for name in times:
        row = results[name]
        print(f"{name:32}{row['min_ms']:8.2f}{row['median_ms']:8.2f}{row['p95_ms']:8.2f}{row['max_ms']:8.2f}")
    print(f"load average at the end: {results['load_average']}")
    out = ROOT / "bench" / "results" / "signed_in.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
