/* The site's one service worker (scope /).
   Notifications (notify/): shows what the server pushes, opens its page on a tap.
   Offline: keeps the map page, the static files it names (hashed names: cache first), the kelurahan outlines, the
   report tiles last seen and the last list of reports, and answers a page that cannot load with the offline page. Background Sync: sends the
   reports waiting in the outbox (static/js/outbox.js) even when no page is open, and keeps them in "Laporan saya";
   the page's own sending stays. */
{% load static %}"use strict";
importScripts("{{ outbox_js }}");

var CACHE = "lapor-{{ version }}", HOME = "{% url 'home' %}", OFFLINE = "{% url 'offline' %}";
// The pin's images, which Leaflet names itself (unhashed, under its image path).
var PIN = ["marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"].map(function (name) {
  return "{% get_static_prefix %}leaflet/images/" + name;
});
// Kept by path: the last answer stands in for any other bounding box while offline.
var LAST_SEEN = ["/api/v1/kelurahan.geojson", "/api/v1/reports"];
// The map's report tiles, each kept by its URL in a cache of its own: the TILES_KEPT seen last, so the map opens
// offline as it was last seen.
var TILES = "lapor-tiles-{{ version }}", TILES_KEPT = 300, REPORT_TILES = /^\/tiles\/reports\/\d+\/\d+\/\d+\.pbf$/;

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = { title: "Lapor Padangpanjang", body: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "Lapor Padangpanjang", {
    body: data.body || "", data: { url: data.url || "/" }, icon: "/favicon.ico"
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});

/* Installing: the map page, the static files it names, the outlines and the offline page. */
self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return fetch(HOME).then(function (page) {
      if (!page.ok) throw new Error("HTTP " + page.status);
      return page.clone().text().then(function (html) {
        var files = (html.match(/\/static\/[\w.@/-]+/g) || []).filter(function (url, i, all) {
          return url.slice(-1) !== "/" && all.indexOf(url) === i;
        });
        return Promise.all([cache.put(HOME, page), cache.addAll(files.concat(PIN, [OFFLINE, LAST_SEEN[0]]))]);
      });
    });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== CACHE && name !== TILES; }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function keep(key, response) {
  if (response.ok) { var copy = response.clone(); caches.open(CACHE).then(function (cache) { cache.put(key, copy); }); }
  return response;
}

function keepTile(request, response) {
  if (!response.ok) return response;
  var copy = response.clone();
  caches.open(TILES).then(function (cache) {
    return cache.put(request, copy).then(function () { return cache.keys(); }).then(function (keys) {
      // Keys come in the order they were put (a tile seen again goes last): the oldest go first.
      return Promise.all(keys.slice(0, Math.max(0, keys.length - TILES_KEPT)).map(function (key) { return cache.delete(key); }));
    });
  });
  return response;
}

function cached(key) {
  return caches.match(key).then(function (response) { return response || Response.error(); });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then(function (response) {
      return url.pathname === HOME ? keep(HOME, response) : response;
    }).catch(function () { return cached(url.pathname === HOME ? HOME : OFFLINE); }));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) { return keep(request, response); });
    }));
  } else if (REPORT_TILES.test(url.pathname)) {
    event.respondWith(fetch(request).then(function (response) { return keepTile(request, response); })
      .catch(function () { return caches.match(request, { cacheName: TILES }).then(function (hit) { return hit || Response.error(); }); }));
  } else if (LAST_SEEN.indexOf(url.pathname) >= 0) {
    event.respondWith(fetch(request).then(function (response) { return keep(url.pathname, response); })
      .catch(function () { return cached(url.pathname); }));
  }
});

/* Background Sync: each waiting report posted as the page posts it; the answer kept for the page to show. A
   failure (no network, server unavailable) leaves it waiting and the browser tries the sync again later. */
function sendWaiting() {
  return self.outbox.all().then(function (entries) {
    return Promise.all(entries.map(function (entry) {
      return fetch("/api/v1/reports", { method: "POST", body: self.outbox.body(entry), credentials: "same-origin",
                                        headers: { Accept: "application/json", "X-CSRFToken": entry.csrf || "" } })
        .then(function (response) {
          if (response.status >= 500) throw new Error("server unavailable");
          return response.json().then(function (answer) {
            var filed = response.status < 300 && self.myReports.keep({  // "Laporan saya", even if no page opens
              code: answer.code, url: answer.url, private_url: answer.private_url, status: answer.status,
              status_label: answer.status_label });
            return Promise.all([filed, self.sentReports.put({ client_uuid: entry.client_uuid, status: response.status,
                                                              answer: answer })]);
          }).then(function () { return self.outbox.remove(entry.client_uuid); });
        });
    }));
  }).then(function () {
    return self.clients.matchAll({ type: "window" }).then(function (pages) {
      pages.forEach(function (page) { page.postMessage("sent"); });
    });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag === "outbox") event.waitUntil(sendWaiting());
});
