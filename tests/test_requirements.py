"""The pins a person edits (requirements.txt, requirements-dev.txt) and the locks `make setup` installs with their
hashes (requirements.lock, requirements-dev.lock) hold exactly the same packages and versions: `make lock` was run
after the last change."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PIN = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;#\\]+)", re.M)


def pins(*names):
    found = {}
    for name in names:
        for package, version in PIN.findall((ROOT / name).read_text()):
            found[re.sub(r"[-_.]+", "-", package).lower()] = version
    return found


def test_every_requirement_is_pinned_exactly():
    for name in ("requirements.txt", "requirements-dev.txt"):
        lines = [line.split("#")[0].strip() for line in (ROOT / name).read_text().splitlines()]
        assert [line for line in lines if line and "==" not in line] == [], name


def test_the_runtime_lock_holds_the_runtime_pins():
    assert pins("requirements.lock") == pins("requirements.txt")


def test_the_test_lock_holds_both_lists_pins():
    assert pins("requirements-dev.lock") == pins("requirements.txt", "requirements-dev.txt")
    assert len(pins("requirements-dev.lock")) > len(pins("requirements.lock")) > 40
