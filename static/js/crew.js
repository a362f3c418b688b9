/* The crew's phone page: reports around the crew member's position, nearest first, with filters. */
"use strict";

(function () {
  var TEXT = JSON.parse(document.getElementById("texts").textContent);
  var filters = document.getElementById("filters");
  var list = document.getElementById("nearby");
  var LIMIT = 100;  // the list's length: a full list means the map shows the vector tiles instead
  var map, layer, tiles, tilesAsked = 0, here = null;

  function query() {
    var params = new URLSearchParams({ lat: here[0], lon: here[1], radius_m: 10000, limit: LIMIT });
    new FormData(filters).forEach(function (value, name) { if (value) params.set(name, value); });
    return "/api/v1/reports/nearby?" + params.toString();
  }

  /* A full list: every public report of the chosen category and status as vector tiles, their code fetched only
     now. Resolves false when the map should show the list's markers instead (or the browser lacks import maps).
     "Only my crews" and "Overdue only" are the list's own filters, which the public tiles do not know: with one
     of them ticked the map keeps the list's markers, so it never shows more than was asked for. */
  function showTiles(on) {
    var asked = ++tilesAsked;
    if (tiles) map.removeLayer(tiles);
    tiles = null;
    if (!on || filters.mine.checked || filters.overdue.checked) return Promise.resolve(false);
    var params = new URLSearchParams();
    ["category", "status"].forEach(function (name) { if (filters[name].value) params.set(name, filters[name].value); });
    return import("report-tiles").then(function (module) {
      if (asked !== tilesAsked) return true;  // the filters changed meanwhile: the later call draws
      tiles = module.reportTiles({ filters: params.toString(), link: function (code) { return "/petugas/laporan/" + code + "/"; } })
        .addTo(map);
      return true;
    }).catch(function () { return false; });
  }

  var LANG = document.documentElement.lang || "id";
  var KM = new Intl.NumberFormat(LANG, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var DAY = new Intl.DateTimeFormat(LANG, { day: "numeric", month: "long", year: "numeric" });

  /* Metres below 1 km, km with one decimal above, in the page's language ("2,5 km" in Indonesian). */
  function distance(metres) {
    return metres < 1000 ? Math.round(metres) + " " + TEXT.metres : KM.format(metres / 1000) + " " + TEXT.km;
  }

  function paragraph(text, className) {
    var p = document.createElement("p");
    p.textContent = text;
    if (className) p.className = className;
    return p;
  }

  /* One item of the list: its number (the marker's), thumbnail, what and where, how far, and its due date. */
  function item(p) {
    var li = document.createElement("li"), link = document.createElement("a");
    link.href = "/petugas/laporan/" + p.code + "/";
    link.textContent = p.code + " · " + p.category_name + " · " + p.status_label + " · " + distance(p.distance_m);
    if (p.photos && p.photos.length) {
      var thumb = document.createElement("img");
      thumb.src = p.photos[0].thumbnail; thumb.alt = ""; thumb.width = 64; thumb.height = 64; thumb.className = "thumb";
      li.appendChild(thumb);
    }
    li.appendChild(link);
    if (p.overdue) { var late = document.createElement("strong"); late.className = "overdue"; late.textContent = " " + TEXT.overdue; li.appendChild(late); }
    li.appendChild(paragraph(p.description.length > 120 ? p.description.slice(0, 119) + "…" : p.description, "what"));
    li.appendChild(paragraph(p.address + " · " + TEXT.due.replace("%(date)s", DAY.format(new Date(p.due_date + "T00:00:00")))));
    return { li: li, link: link };
  }

  function show(features) {
    list.innerHTML = "";
    layer.clearLayers();
    var links = [];
    if (!features.length) { var none = document.createElement("li"); none.textContent = TEXT.none; list.appendChild(none); }
    features.forEach(function (f) {
      var made = item(f.properties);
      list.appendChild(made.li);
      links.push(made.link);
    });
    showTiles(features.length >= LIMIT).then(function (tiled) {
      if (tiled) return;
      features.forEach(function (f, i) {
        var c = f.geometry.coordinates;
        var icon = L.divIcon({ className: "numbered " + f.properties.status, html: String(i + 1), iconSize: [26, 26] });
        L.marker([c[1], c[0]], { icon: icon, title: (i + 1) + ". " + f.properties.code }).bindPopup(links[i].cloneNode(true)).addTo(layer);
      });
    });
  }

  function load() {
    fetch(query(), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) { show(body.features || []); })
      .catch(function () { list.textContent = TEXT.error; });
  }

  window.crewMap = function (leafletMap) {
    map = leafletMap;
    layer = L.layerGroup().addTo(map);
    function start(position) {
      here = position;
      /* Purple: a colour no status uses (static/css/app.css). */
      L.circleMarker(here, { radius: 8, color: "#5f3dc4", weight: 3, fillColor: "#9775fa", fillOpacity: 1 }).addTo(map);
      map.setView(here, 16);
      load();
    }
    if (!navigator.geolocation) { document.getElementById("where").textContent = TEXT.no_position; start([map.getCenter().lat, map.getCenter().lng]); return; }
    navigator.geolocation.getCurrentPosition(function (p) { start([p.coords.latitude, p.coords.longitude]); }, function () {
      document.getElementById("where").textContent = TEXT.no_position;
      start([map.getCenter().lat, map.getCenter().lng]);
    }, { enableHighAccuracy: true, timeout: 15000 });
  };

  filters.addEventListener("change", function () { if (here) load(); });
})();
