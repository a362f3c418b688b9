"""Shared test set-up: a real PostGIS test database loaded as `setup_city` loads it."""

import json
import tempfile
import time
import uuid
from collections import Counter
from io import StringIO
from pathlib import Path
from unittest.mock import patch

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.test import Client, TransactionTestCase
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright import sync_api as playwright

from geo.models import Crew, Kelurahan
from jobs import queue
from jobs.models import Job
from notify.models import Notice
from reports import photos
from reports.filing import file_report
from reports.models import Category, Report
from tests import hashers, testdb
from tests.deployed import CHROMIUM, CHROMIUM_ARGS, BlankTiles, Phones, collected_static, gunicorn, production_env
from tests.images import GANTING_GPS, photo_bytes, upload
from tests.s3server import S3Server
from tiles import area

# The lookup's independent oracle (tests/data/README.md): the cleaned boundaries, the city's outline, the list.
ORACLE = Path(settings.BASE_DIR) / "tests" / "data" / "kelurahan"
CLEAN = ORACLE / "padang_panjang_kelurahan_clean.geojson"
CITY = ORACLE / "padang_panjang_kota.geojson"
# The published boundaries as the project ships them, the default KELURAHAN_FILE: what the test database holds.
PUBLISHED = Path(settings.BASE_DIR) / "fixtures" / "kelurahan" / "padang_panjang_kelurahan.geojson"


def pytest_configure(config):
    """This checkout's own temporary folder (photos, collected static files, logs of the servers the tests start)
    and its own cache keys: beside `make run` or another checkout's tests, neither touches the other's. Under
    pytest-xdist each worker has a folder of its own in it (`popen-gw0/`, given by xdist), and its own database
    and keys (tests/testdb.py)."""
    if not config.option.basetemp:
        config.option.basetemp = Path(tempfile.gettempdir()) / f"pytest-{settings.CHECKOUT_ID}"
    testdb.name_for_worker()
    settings.CACHES["default"]["KEY_PREFIX"] = settings.DATABASES["default"]["TEST"]["NAME"]
    # Never `make run`'s collected static files (staticfiles/): the app in the tests' own process renders pages
    # with the sources' names and serves no static file (the servers the tests start collect their own). Found
    # there, WhiteNoise reads that folder's thousand files again for every test client's first request: 25-30 s
    # more for the suite.
    settings.STATIC_ROOT = Path(config.option.basetemp) / "no-collected-static"


def pytest_collection_modifyitems(items):
    """Two tests with one node ID are one test to pytest-xdist, which runs only one of them and says nothing (as
    schemathesis names its tests under pytest 9 when they take no pytest parameter): refuse to run instead."""
    seen = Counter(item.nodeid for item in items)
    if twice := sorted(nodeid for nodeid, count in seen.items() if count > 1):
        raise pytest.UsageError("Tests sharing a node ID (pytest-xdist would run one of each): " + ", ".join(twice))


def load_city():
    """The shipped boundaries, the categories, the crews and the holidays, as `make setup` loads them."""
    call_command("setup_city", kelurahan=str(PUBLISHED), stdout=StringIO())


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker, pytestconfig):
    """A copy of the template database, migrated and loaded once per change of what shapes it (tests/testdb.py)."""
    # The checkout's folder: the workers' own folders are in it (it is basetemp itself in a run without workers).
    folder = Path(pytestconfig.option.basetemp)
    lock = (folder.parent if testdb.WORKER else folder) / "template.lock"
    with django_db_blocker.unblock():
        testdb.prepare(load_city, lock)
        city_as_loaded = testdb.Snapshot()
    # A transactional test ends by putting the city back as it was loaded, where Django's own flush would empty
    # every table and then recreate content types and permissions (seconds per test): the next test, of either
    # kind, starts from the loaded city.
    with patch.object(TransactionTestCase, "_fixture_teardown", lambda test: city_as_loaded.restore()):
        yield city_as_loaded
    with django_db_blocker.unblock():
        testdb.drop()


@pytest.fixture(scope="module", autouse=True)
def leaves_the_city_as_loaded(django_db_setup, django_db_blocker):
    """Each test file leaves the database as it found it: what a process a test starts (a server, a job worker)
    commits outside the test's transaction would otherwise meet whichever file runs next on this worker (the
    periodic jobs a job worker queues at its start, run by the next file's run_jobs)."""
    yield
    with django_db_blocker.unblock():
        assert django_db_setup.differences() == [], "rows left in the database by this file's tests"


@pytest.fixture
def city(transactional_db):
    """A transactional test (one with a live server) that needs the city: every such test puts it back at its end
    (django_db_setup), so it is there."""


@pytest.fixture(scope="session")
def static_root():
    """The static files collected as production collects them (hashed names), for the session's servers: kept
    between runs until what they are collected from changes (tests/deployed.py)."""
    return collected_static()


@pytest.fixture(scope="session")
def deployed_site(django_db_setup, static_root, tmp_path_factory):
    """One production server (tests/deployed.py) on the test database for the session's end-to-end tests."""
    workdir = tmp_path_factory.mktemp("deployed")
    upstream = BlankTiles()
    env = production_env(workdir, BASEMAP_URL=upstream.url, STATIC_ROOT=str(static_root))
    with gunicorn(env, workdir) as server:
        yield server
    upstream.close()


@pytest.fixture
def deployed(deployed_site, city, settings):
    """The production server with the city loaded; photos the test stores land where it serves them from,
    and passwords the test sets are hashed as production checks them (each password's hash computed once,
    tests/hashers.py)."""
    settings.MEDIA_ROOT = deployed_site.media_root
    settings.PASSWORD_HASHERS = hashers.AS_PRODUCTION
    return deployed_site


@pytest.fixture(scope="module")
def chromium():
    """One Chromium for a test module's browser tests: each test's pages are in browser contexts of their own
    (no cookie, storage or service worker passes from one test to the next), closed at its end."""
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an event loop in this thread; the tests' own ORM reads are still synchronous.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with playwright.sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def phones(deployed, chromium):
    """Phones (tests/deployed.py) against the production server; a test with problems fails."""
    phones = Phones(chromium, deployed.url)
    yield phones
    for context in chromium.contexts:
        context.close()
    # The test's ORM reads ran beside Playwright's event loop, on a connection of their own: close it too.
    connections.close_all()
    assert phones.problems == []


@pytest.fixture
def desk(client, django_user_model):
    """The test client signed in as an administrator, in the admin (the administrators' tool since issue 26;
    dispatchers work on the staff desk, /meja/)."""
    return verified_login(client, django_user_model.objects.create_superuser("dewi", password="x"))


@pytest.fixture
def admin_client(admin_user):
    """pytest-django's administrator client, past the code step too."""
    return verified_login(Client(), admin_user)


@pytest.fixture(autouse=True)
def city_language():
    """Every test starts in the city's language, as a process does: a request's language (the test client's
    LocaleMiddleware) stays active in the thread after it, so an earlier test's English would otherwise linger."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters and tiles live in Redis, the city's box in each process: every test starts afresh.
    Only this checkout's keys go (their prefix): the Redis database may serve a running site too."""
    clear_cache()
    area.forget()


def clear_cache():
    """Delete this checkout's keys. Redis finds them by SCAN over the whole database, which other checkouts and a
    running site share (thousands of keys): 10,000 keys a round trip, not django-redis's 10, so one call costs a
    few milliseconds instead of hundreds of round trips (tens of milliseconds, a second on a loaded machine)."""
    cache.delete_pattern("*", itersize=10_000)


@pytest.fixture(autouse=True)
def basemap_offline(settings, tmp_path):
    """No test reaches the internet: the basemap's upstream is a closed local port unless a test starts one."""
    settings.BASEMAP_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    settings.BASEMAP_CACHE_DIR = str(tmp_path / "basemap")
    settings.BASEMAP_MBTILES = ""


@pytest.fixture(scope="session")
def s3_server():
    server = S3Server()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3_server, settings):
    """Photos go to an empty bucket on the S3 server on 127.0.0.1, as MEDIA_STORAGE=s3 sends them."""
    s3_server.fresh_bucket()
    settings.MEDIA_STORAGE = "s3"
    settings.S3_STORAGE_OPTIONS = s3_server.options()
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "config.bucket.BucketStorage",
                                                          "OPTIONS": settings.S3_STORAGE_OPTIONS}}
    return s3_server


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded photos go to a folder of the test's own; passwords hash fast."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def staff_user(django_user_model, name, group=None, crew=None):
    """A user in one of the roles' groups, and optionally a member of the crew of that name."""
    user = django_user_model.objects.create_user(name, password="sandi-rahasia-123")
    if group:
        user.groups.add(Group.objects.get(name=group))
    if crew:
        Crew.objects.get(name=crew).members.add(user)
    return user


@pytest.fixture
def desk_clients(django_user_model):
    """Test clients in the admin as a planner, a dispatcher and an administrator, past the code step."""
    def staff(user):
        user.is_staff = True
        user.save()
        return verified_login(Client(), user)

    admin = django_user_model.objects.create_superuser("admin", password="x")
    return {"planner": staff(staff_user(django_user_model, "rina", "planner")),
            "dispatcher": staff(staff_user(django_user_model, "dewi", "dispatcher")), "admin": staff(admin)}


def verified_login(client, user):
    """Sign the test client in as `user` past both steps, as the code page leaves a session: an authenticator app
    set up (accounts/), and the session verified with it (django-otp keeps the device's id in the session)."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "test"})
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def current_code(device):
    """The code the device's app shows now. The device also takes the codes of the steps before and after
    (tolerance 1), so the code stays good if its 30-second step ends before the server checks it."""
    assert device.tolerance >= 1
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def signed_in_browser(phones, user, path, size=None, fake_clock=False):
    """A staff member's browser signed in as the sign-in page asks (password, then the code of an authenticator app
    set up for them), on `path`; `size` its viewport, and with `fake_clock` its pages' timers run only when the test
    moves Playwright's clock."""
    app = TOTPDevice.objects.create(user=user, name="HP", confirmed=True)
    page, _ = phones.open(f"/masuk/?next={path}")
    if fake_clock:
        page.clock.install()  # for the pages loaded from now on
    if size:
        page.set_viewport_size(size)
    page.fill("#id_username", user.username)
    page.fill("#id_password", "sandi-rahasia-123")
    page.click("main [type=submit]")
    page.wait_for_selector("#id_code")
    page.fill("#id_code", current_code(app))
    page.click("main [type=submit]")
    page.wait_for_url(f"**{path}")
    page.wait_for_load_state("load")
    return page


def read_geojson(path):
    return json.loads(Path(path).read_text())


def run(command, *args, **options):
    """Run a management command; return what it printed."""
    out = StringIO()
    call_command(command, *args, stdout=out, **options)
    return out.getvalue()


# A reporter's private details: tests check they leave by no public way.
REPORTER_NAME, REPORTER_PHONE, REPORTER_EMAIL = "Siti", "0812 5555 4444", "siti.rahasia@example.org"


def make_report(slug="jalan-berlubang", *, lat=GANTING_GPS[0], lon=GANTING_GPS[1], north=0.0, with_photo=False,
                description="Laporan untuk pengujian.", name=REPORTER_NAME, phone=REPORTER_PHONE,
                email=REPORTER_EMAIL, show_name=False, asset=None, **fields):
    """The tests' one way to make a report: filed the way every report is (filing.file_report), `north` degrees
    of latitude from (`lat`, `lon`), its acknowledgement taken as sent (tests of the acknowledgement file through
    the form or the API), then given `fields` directly (status, hidden, due_date...). `asset` is filed with it."""
    filed, _ = file_report(
        client_uuid=uuid.uuid4(), category=Category.objects.get(slug=slug), lat=lat + north, lon=lon,
        description=description, name=name, phone=phone, email=email, show_name=show_name,
        photos=[photos.process(upload(photo_bytes()), "1")] if with_photo else [], asset=asset,
    )
    acknowledged(filed)
    if not fields:
        return filed
    Report.objects.filter(pk=filed.pk).update(**fields)
    return Report.objects.get(pk=filed.pk)


def acknowledged(report):
    """The reporter's acknowledgement as if sent already (notify.events.acknowledge), and its job gone: a test of
    later messages starts where the resident would."""
    sent = Notice.objects.filter(key=f"ack:{report.pk}", state=Notice.State.PENDING)
    keys = [f"notify.deliver:{pk}" for pk in sent.values_list("subscription_id", flat=True)]
    sent.update(state=Notice.State.SENT)
    Job.objects.filter(key__in=keys, state=Job.State.QUEUED).delete()


def bulk_reports(count, spread=0.01, slug="jalan-berlubang", prefix="T"):
    """`count` reports in a square of `spread` degrees south-east of Ganting, straight into the table (fast, for
    tests that need thousands: no lookup, no history)."""
    category, kelurahan = Category.objects.get(slug=slug), Kelurahan.objects.get(name="Ganting")
    side = int(count**0.5) + 1
    step = spread / side
    Report.objects.bulk_create(
        Report(code=f"{prefix}-{n}", client_uuid=uuid.uuid4(), private_token="t", category=category,
               kelurahan=kelurahan, description="Generated.", due_date="2030-01-01",
               location=Point(GANTING_GPS[1] + step * (n % side), GANTING_GPS[0] - step * (n // side)))
        for n in range(count)
    )


def run_jobs():
    """Run every waiting job now, as the worker would, until none is due (a retry waits for its backoff)."""
    Job.objects.filter(state=Job.State.QUEUED).update(run_at=timezone.now())
    while queue.run_one():
        pass
