"""The site as a city runs it: gunicorn, DEBUG off, hashed static files, Bahasa Indonesia, real media serving.

Browser and end-to-end tests run against this, not Django's debug-friendly live server, so they see
what a resident sees: collected static files with hashed names, photos served by the app, and the
production error pages.
"""

import hashlib
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.db import connection
from PIL import Image

from tests.localserver import LocalServer
from tests.testdb import locked

ROOT = Path(settings.BASE_DIR)


@dataclass
class Server:
    url: str
    media_root: Path
    log: Path


def production_env(workdir, **extra):
    """The environment of a production process on the test database, its cache prefix and its own folders."""
    database = connection.settings_dict
    password = f":{quote(database['PASSWORD'])}" if database["PASSWORD"] else ""
    url = f"postgis://{quote(database['USER'] or '')}{password}@{database['HOST'] or '127.0.0.1'}:" \
          f"{database['PORT'] or 5432}/{database['NAME']}"
    env = dict(
        os.environ, DEBUG="false", SECRET_KEY="test-only-" + "k" * 50, DATABASE_URL=url.replace("//@", "//"),
        ALLOWED_HOSTS="127.0.0.1,localhost", CACHE_PREFIX=settings.CACHES["default"]["KEY_PREFIX"],
        MEDIA_ROOT=str(workdir / "media"), STATIC_ROOT=str(workdir / "static"),
        BASEMAP_CACHE_DIR=str(workdir / "basemap"), EMAIL_FILE_PATH=str(workdir / "mail"), LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def collect_static(env):
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                   check=True)


# The static files the tests' servers serve, collected as production collects them and kept between runs: one
# folder per checkout (its id, as its test database), in it one folder per fingerprint of what collectstatic reads.
STATIC_KEPT = Path(tempfile.gettempdir()) / f"pytest-{settings.CHECKOUT_ID}-static"


def collected_static():
    """The folder of the collected static files (hashed and compressed names, as `make run` collects them): built
    by the first process of a run that needs it while the others wait, and again only when a static file, a
    package or the settings changed (10-15 s of two cores' time a run otherwise)."""
    folder = STATIC_KEPT / static_fingerprint()
    with locked(STATIC_KEPT.with_suffix(".lock")):
        if not folder.is_dir():
            if STATIC_KEPT.exists():
                shutil.rmtree(STATIC_KEPT)  # earlier fingerprints' and any half-built folder
            building = STATIC_KEPT / "building"
            collect_static(production_env(building, STATIC_ROOT=str(building)))
            building.rename(folder)
    return folder


def static_fingerprint():
    """What collectstatic's output depends on: every file the static finders list (name and content), the pinned
    packages (Django's and WhiteNoise's versions) and the settings (the storage)."""
    digest = hashlib.sha1()
    for finder in get_finders():
        for path, storage in sorted(finder.list(["CVS", ".*", "*~"]), key=lambda found: found[0]):
            digest.update(path.encode() + b"\0" + Path(storage.path(path)).read_bytes())
    for path in (ROOT / "requirements.txt", ROOT / "config" / "settings.py"):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


@contextmanager
def gunicorn(env, workdir, workers=2):
    """gunicorn on 127.0.0.1 with `env` (see production_env); yields a Server.

    The test opens the listening socket and hands it over (`fd://`): requests wait in its backlog until
    gunicorn accepts them, so there is no port to poll and no race for a free one.
    """
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    port = listener.getsockname()[1]
    log = workdir / f"gunicorn-{port}.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi",
             "--bind", f"fd://{listener.fileno()}", "--workers", str(workers), "--worker-class", "gthread",
             "--threads", "4", "--no-control-socket", "--access-logfile", "-"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, pass_fds=[listener.fileno()],
        )
    listener.close()  # gunicorn holds its own copy
    try:
        yield Server(f"http://127.0.0.1:{port}", Path(env["MEDIA_ROOT"]), log)
    finally:
        process.terminate()
        process.wait(timeout=30)


class BlankTiles(LocalServer):
    """The basemap's upstream: a plain 256-px PNG for every tile, as a tile server would send."""

    def __init__(self):
        out = io.BytesIO()
        Image.new("RGB", (256, 256), (236, 232, 224)).save(out, "PNG")
        self.png = out.getvalue()
        super().__init__()
        self.url += "/{z}/{x}/{y}.png"

    def handle(self, request):
        self.reply(request, 200, self.png, "image/png", [("Cache-Control", "max-age=86400")])


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


# The zoom levels of the basemap tiles on the map (/tiles/basemap/{z}/{x}/{y}.png): after a zoom, the new level's.
TILE_ZOOMS = "[...new Set([...document.querySelectorAll('#map img.leaflet-tile')].map(i => i.src.split('/').at(-3)))]"


def located(page):
    """Tap "My location" on the map page, then wait until the phone's place is shown and the map rests at zoom
    17: a tap on the map while it still moves lands on what is about to go, and a zoom still moving would take "+"
    from 15."""
    page.click("#locate-me")
    page.wait_for_selector("#place.ok")
    page.wait_for_function(f"() => {TILE_ZOOMS}.join() === '17'")


class Phones:
    """Browser pages on a 360 x 740 phone in Bahasa Indonesia, against the production server.

    Every answer of 400 or more, console error and script error is a problem, and a test with problems
    fails, unless the test allowed it (`allow("409")`, `allow("ERR_INTERNET_DISCONNECTED")`).
    """

    def __init__(self, browser, url):
        self.browser, self.url, self.problems, self.allowed = browser, url, [], []

    def open(self, path="/", viewport=(360, 740), **options):
        """A new page at `path`, on a phone unless `viewport` says another (width, height), such as a desk's."""
        context = self.browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="id-ID",
                                           **options)
        page = context.new_page()
        page.on("response", lambda r: r.status >= 400 and self.problem(f"HTTP {r.status} {r.request.method} {r.url}"))
        page.on("console", lambda m: m.type == "error" and self.problem(f"console: {m.text} ({m.location['url']})"))
        page.on("pageerror", lambda error: self.problem(f"script error: {error}"))
        page.goto(self.url + path)
        return page, context

    def problem(self, text):
        if not any(allowed in text for allowed in self.allowed):
            self.problems.append(text)

    def allow(self, text):
        self.allowed.append(text)
