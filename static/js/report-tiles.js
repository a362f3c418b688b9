/* Reports from the vector tiles (/tiles/reports/): clusters with their counts, and single reports coloured by
   status, drawn as plain HTML in each tile. Below zoom 18 a tile holds at most 16, however many reports; from 18
   every report is its own point. A tap on a cluster zooms in; a tap on a report opens its popup (by default a link
   to its page; `describe(properties, link)` makes richer content) and fires "report" with its properties and
   point. An ES module, imported by the map pages' scripts (templates/tiles/import_map.html). */
import { PbfReader } from "pbf";
import { VectorTile } from "@mapbox/vector-tile";

var STATUS_CLASS = { baru: "baru", diverifikasi: "baru", dikerjakan: "proses", selesai: "selesai", ditutup: "selesai" };

// Three sizes of cluster by count (the look of Leaflet.markercluster, which the maps used before).
function clusterSize(count) { return count < 10 ? "small" : count < 100 ? "medium" : "large"; }

function shortCount(count) { return count < 10000 ? String(count) : Math.round(count / 1000) + "k"; }

var ReportTiles = L.GridLayer.extend({
  options: { pane: "reportTiles", filters: "", link: function (code) { return "/laporan/" + code + "/"; },
             describe: function (properties, link) { return link; } },

  onAdd: function (map) {
    if (!map.getPane("reportTiles")) map.createPane("reportTiles").style.zIndex = 450; // over outlines, under the pin
    L.GridLayer.prototype.onAdd.call(this, map);
  },

  createTile: function (coords, done) {
    var tile = L.DomUtil.create("div", "report-tile"), layer = this;
    var url = "/tiles/reports/" + coords.z + "/" + coords.x + "/" + coords.y + ".pbf";
    fetch(this.options.filters ? url + "?" + this.options.filters : url)
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.arrayBuffer(); })
      .then(function (data) {
        var reports = new VectorTile(new PbfReader(new Uint8Array(data))).layers.reports;
        for (var i = 0; reports && i < reports.length; i++) tile.appendChild(layer.marker(reports.feature(i), coords));
        done(null, tile);
      })
      .catch(function (error) { done(error, tile); });
    return tile;
  },

  marker: function (feature, coords) {
    var map = this._map, size = this.getTileSize(), p = feature.properties, at = feature.loadGeometry()[0][0];
    var x = at.x / feature.extent * size.x, y = at.y / feature.extent * size.y;
    var latlng = map.unproject(L.point(coords.x * size.x + x, coords.y * size.y + y), coords.z);
    var marker = document.createElement("div");
    marker.style.left = x + "px";
    marker.style.top = y + "px";
    if (p.count > 1) {
      marker.className = "marker-cluster marker-cluster-" + clusterSize(p.count);
      marker.innerHTML = "<div><span>" + shortCount(p.count) + "</span></div>";
    } else {
      marker.className = "report-dot " + (STATUS_CLASS[p.status] || "lain");
      marker.title = p.code;
    }
    var layer = this;
    marker.addEventListener("click", function (event) {
      L.DomEvent.stop(event); // not a tap on the map
      if (p.count > 1) { map.setView(latlng, Math.min(coords.z + 2, map.getMaxZoom())); return; }
      var a = document.createElement("a");
      a.href = layer.options.link(p.code); a.textContent = p.code;
      L.popup().setLatLng(latlng).setContent(layer.options.describe(p, a)).openOn(map);
      layer.fire("report", { properties: p, latlng: latlng });
    });
    return marker;
  },
});

export function reportTiles(options) { return new ReportTiles(options); }
