"""First paint of the desk's queue (/meja/antrean/) in Chromium on a phone on 3G, against the same page's HTML alone.

    .venv/bin/python bench/desk_paint.py [--reports 100000] [--runs 10] [--seed 7]

Production mode (gunicorn, DEBUG off, hashed static files) on desk_bench's data (nearby_bench's database and
generator). A dispatcher's session as desk_bench makes it; Chromium at 360 x 740 with the network and CPU
throttled through the DevTools protocol as a phone on 3G: 1.6 Mbit/s down, 750 kbit/s up, 300 ms latency
(`Network.emulateNetworkConditions`), the CPU 4x slower (`Emulation.setCPUThrottlingRate`). The basemap's
upstream is a local blank-tile server.

Measured per run, each in a fresh browser context (nothing cached: a first visit) and then once more in the same
context (a visit with the browser's cache): first-contentful-paint (the Paint Timing API), the first row of the
queue visible (the frame after `#row-1` is in the document; whether it lies within the 740 px is said), the
markers drawn (`.queue-marker`, the map's script done) and the load event. The reference, in the same run and
the same throttling: the queue's own HTML as the server sent it, with its styles, scripts and images taken out,
served from memory by a bare HTTP server (what the connection alone costs for those bytes). Rounds interleave
page and reference. Saved to bench/results/desk_paint.json.
"""

import argparse
import http.server
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import gunicorn  # noqa: E402
from bench.desk_bench import dispatcher_session  # noqa: E402
from bench.nearby_bench import BENCH_URL, prepare  # noqa: E402

PHONE = {"width": 360, "height": 740}
THREE_G = {"offline": False, "latency": 300, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
CPU_SLOWDOWN = 4

# In every page before its own scripts: when the first row enters the document, the next frame is its paint.
WATCH_FIRST_ROW = """
(() => {
  const seen = () => {
    const row = document.getElementById("row-1");
    if (!row || window.__firstRow) return !!row;
    window.__firstRow = -1;
    requestAnimationFrame(() => requestAnimationFrame(() => {
      window.__firstRow = performance.now();
      window.__firstRowTop = row.getBoundingClientRect().top;
    }));
    return true;
  };
  new MutationObserver((_, observer) => { if (seen()) observer.disconnect(); })
    .observe(document, {childList: true, subtree: true});
})();
"""

MEASURE = """() => ({
  fcp: (performance.getEntriesByName("first-contentful-paint")[0] || {}).startTime ?? null,
  firstRow: window.__firstRow > 0 ? window.__firstRow : null,
  firstRowTop: window.__firstRowTop ?? null,
  load: performance.getEntriesByType("navigation")[0].loadEventEnd,
  bytes: performance.getEntriesByType("resource").reduce((sum, r) => sum + r.transferSize,
                                                          performance.getEntriesByType("navigation")[0].transferSize),
})"""


def bare_html(html):
    """The page's markup alone: no stylesheet, script, image or map."""
    html = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    html = re.sub(r"<link\b[^>]*>", "", html)
    return re.sub(r"<img\b[^>]*>", "", html)


def serve(body):
    """A bare HTTP server on 127.0.0.1 answering `body` (HTML) to every GET; returns it, running."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def visit(context, url, twice=False, queue=True):
    """The figures of one throttled visit of `url` in `context` (and of a second one, with its cache, if `twice`);
    `queue`: the page is the queue itself, whose map draws markers."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", THREE_G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    figures = []
    for _ in range(2 if twice else 1):
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_function("() => window.__firstRow > 0", timeout=60_000)
        markers = None
        if queue:
            page.wait_for_selector(".queue-marker", state="attached", timeout=60_000)
            markers = page.evaluate("() => performance.now()")
        figures.append({**page.evaluate(MEASURE), "markers": markers})
    page.close()
    return figures


def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "n": len(values)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    prepare(args.reports, args.seed).close()
    _, key = dispatcher_session()

    from playwright.sync_api import sync_playwright

    from tests.deployed import CHROMIUM, CHROMIUM_ARGS, BlankTiles

    upstream = BlankTiles()
    runs = {"first visit": [], "second visit": [], "bare HTML": []}
    with tempfile.TemporaryDirectory() as work, \
            gunicorn(BASEMAP_URL=upstream.url, BASEMAP_CACHE_DIR=f"{work}/basemap", MEDIA_ROOT=f"{work}/media",
                     DATABASE_URL=BENCH_URL) as (port, _), sync_playwright() as driver:
        site = f"http://127.0.0.1:{port}"
        request = urllib.request.Request(site + "/meja/antrean/", headers={"Cookie": f"sessionid={key}",
                                                                           "Accept-Language": "id"})
        html = urllib.request.urlopen(request, timeout=60).read().decode()
        reference = serve(bare_html(html).encode())
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        def context():
            made = browser.new_context(viewport=PHONE, locale="id-ID", device_scale_factor=2, is_mobile=True,
                                       has_touch=True)
            made.add_cookies([{"name": "sessionid", "value": key, "url": site}])
            made.add_init_script(WATCH_FIRST_ROW)
            return made

        visit(context(), site + "/meja/antrean/")  # warms the server (its first request loads the templates)
        for run in range(1, args.runs + 1):
            made = context()
            first, second = visit(made, site + "/meja/antrean/", twice=True)
            made.close()
            made = context()
            (bare,) = visit(made, f"http://127.0.0.1:{reference.server_port}/", queue=False)
            made.close()
            runs["first visit"].append(first)
            runs["second visit"].append(second)
            runs["bare HTML"].append(bare)
            print(f"run {run}/{args.runs}: first visit FCP {first['fcp']:.0f} ms, first row "
                  f"{first['firstRow']:.0f} ms (top {first['firstRowTop']:.0f} px), markers {first['markers']:.0f} ms, "
                  f"load {first['load']:.0f} ms, {first['bytes'] / 1000:.0f} kB; bare HTML FCP {bare['fcp']:.0f} ms",
                  flush=True)
        browser.close()
        reference.shutdown()
    upstream.close()

    results = {"reports": args.reports, "runs": args.runs, "load_average": os.getloadavg(), "network": THREE_G,
               "cpu_slowdown": CPU_SLOWDOWN, "figures": {
                   kind: {name: summary([visit[name] for visit in visits])
                          for name in ("fcp", "firstRow", "markers", "load", "bytes")}
                   for kind, visits in runs.items()}, "first_row_top_px": runs["first visit"][0]["firstRowTop"]}
    print(f"\n{args.reports:,} reports, {args.runs} runs, load average {results['load_average'][0]:.1f}; "
          f"ms min / median / max")
    for kind, figures in results["figures"].items():
        line = [f"{name} {f['min']:.0f} / {f['median']:.0f} / {f['max']:.0f}"
                for name, f in figures.items() if f and name != "bytes"]
        print(f"  {kind:13} " + ", ".join(line) + f"; {figures['bytes']['median'] / 1000:.0f} kB")
    page, bare = results["figures"]["first visit"]["fcp"], results["figures"]["bare HTML"]["fcp"]
    print(f"First visit's FCP (median) {page['median'] / bare['median']:.2f}x the bare HTML's; the first row's top "
          f"at {results['first_row_top_px']:.0f} px of 740")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "desk_paint.json").write_text(json.dumps({**results, "runs_data": runs}, indent=2) + "\n")
    print("Saved bench/results/desk_paint.json")


if __name__ == "__main__":
    main()
