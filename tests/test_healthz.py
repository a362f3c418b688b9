"""GET /healthz."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings


@pytest.mark.django_db
def test_it_answers_200_with_the_database_and_postgis_versions(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"].startswith("PostgreSQL 15")
    assert body["postgis"].startswith("3.")


def test_it_answers_503_when_the_database_is_unreachable():
    """A real server process whose DATABASE_URL points at a port nothing listens on."""
    script = (
        "import django, json; django.setup();"
        "from django.test import Client; r = Client().get('/healthz');"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    env = dict(os.environ, DATABASE_URL="postgis://127.0.0.1:1/nowhere", ALLOWED_HOSTS="testserver",
               DJANGO_SETTINGS_MODULE="config.settings")
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=settings.BASE_DIR,
                          capture_output=True, text=True, timeout=60, check=True)
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["body"] == {"status": "error", "error": "database unavailable"}
    assert "127.0.0.1" in done.stderr  # the reason goes to the log
