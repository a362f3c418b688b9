"""Two costs every test (or every end-to-end test's user) paid, the old way and the way tests/ does it now, measured
interleaved in one run.

- Starting each test with an empty cache (tests/conftest.py `fresh_cache`): this checkout's keys are found by SCAN
  over the whole Redis database, which the running site and the other checkouts share. django-redis scans 10 keys a
  round trip by default (the old way); `clear_cache` asks for 10,000.
- A user made for the servers of an end-to-end test: a PBKDF2 hash at Django's full iteration count each time (the
  old way), or once per password in the process (tests/hashers.py).

It reports the Redis database's size and the machine's load (`uptime`), since both move the first figure: the
keys belong to whoever uses the Redis database. Writes nothing but its own throw-away key prefix.

    .venv/bin/python bench/suite_fixtures_bench.py [ROUNDS]
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django_redis import get_redis_connection  # noqa: E402

from tests import hashers  # noqa: E402
from tests.conftest import clear_cache  # noqa: E402


def timed(work):
    """Wall and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def summary(name, samples):
    walls, cpus = [s[0] for s in samples], [s[1] for s in samples]
    print(f"  {name:<44} wall median {statistics.median(walls) * 1000:8.1f} ms (min {min(walls) * 1000:.1f}, "
          f"max {max(walls) * 1000:.1f}); CPU median {statistics.median(cpus) * 1000:6.1f} ms")
    return statistics.median(walls), statistics.median(cpus)


def main(rounds):
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    settings.CACHES["default"]["KEY_PREFIX"] = "bench_suite_fixtures"
    print(f"Redis database keys (everyone's): {get_redis_connection('default').dbsize()}")
    cache.set("probe", 1)  # connect first: the first call's connection is not what is measured
    old_clear, new_clear, old_hash, new_hash = [], [], [], []
    hashers._encode.cache_clear()
    for round_ in range(rounds):
        old_clear.append(timed(lambda: cache.delete_pattern("*")))
        new_clear.append(timed(clear_cache))
        old_hash.append(timed(lambda: make_password("sandi-rahasia-123", hasher=PBKDF2PasswordHasher())))
        new_hash.append(timed(lambda: make_password("sandi-rahasia-123",
                                                    hasher=hashers.RememberingPBKDF2PasswordHasher())))
        print(f"round {round_ + 1}/{rounds} done", file=sys.stderr)
    print(f"{rounds} rounds, interleaved:")
    before, after = summary("cache cleared, 10 keys a SCAN (before)", old_clear), summary(
        "cache cleared, 10,000 keys a SCAN (now)", new_clear)
    print(f"  ratio now/before: wall {after[0] / before[0]:.3f}, CPU {after[1] / max(before[1], 1e-9):.3f}")
    before, after = summary("a test user's production hash (before)", old_hash), summary(
        "the same, remembered (now; the first computed)", new_hash)
    print(f"  ratio now/before: wall {after[0] / before[0]:.3f}, CPU {after[1] / max(before[1], 1e-9):.3f}")
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
