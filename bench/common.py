"""What the benchmarks share: a gunicorn of the project on a free local port, and percentiles."""

import os
import socket
import statistics
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentiles(seconds):
    """p50 and p95 of a list of durations in seconds, in milliseconds."""
    ordered = sorted(seconds)
    return {"p50_ms": statistics.median(ordered) * 1000,
            "p95_ms": ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(port=None, **env):
    """One gunicorn worker of the project on 127.0.0.1 (on `port`, or a free one) with DEBUG off;
    yields (port, master process).

    Static files are collected first, as `make run` does: with DEBUG off, pages name the hashed files.
    """
    port = port or free_port()
    settings = dict(os.environ, DEBUG="false", SECRET_KEY="bench-only", ALLOWED_HOSTS="127.0.0.1",
                    LOG_LEVEL="ERROR", **env)
    subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=ROOT, env=settings, check=True)
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--worker-class", "gthread", "--threads", "2", "--log-level", "warning"],
        cwd=ROOT, env=settings,
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
