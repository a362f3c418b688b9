/* The city's assets of one kind (street lights as dots, drains and road segments as lines) from the vector tiles
   /tiles/assets/{kind}/, drawn as SVG in each tile from zoom 16. A tap on an asset calls `pick(id, latlng)`.
   An ES module, imported by the report page's script only when a category names assets. */
import { PbfReader } from "pbf";
import { VectorTile } from "@mapbox/vector-tile";

var SVG = "http://www.w3.org/2000/svg";

var AssetTiles = L.GridLayer.extend({
  options: { pane: "assetTiles", kind: "", minZoom: 16, pick: function () {} },

  onAdd: function (map) {
    if (!map.getPane("assetTiles")) map.createPane("assetTiles").style.zIndex = 440; // under the reports
    L.GridLayer.prototype.onAdd.call(this, map);
  },

  createTile: function (coords, done) {
    var size = this.getTileSize(), layer = this, map = this._map;
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "asset-tile");
    svg.setAttribute("width", size.x); svg.setAttribute("height", size.y);
    fetch("/tiles/assets/" + this.options.kind + "/" + coords.z + "/" + coords.x + "/" + coords.y + ".pbf")
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.arrayBuffer(); })
      .then(function (data) {
        var assets = new VectorTile(new PbfReader(new Uint8Array(data))).layers[layer.options.kind];
        for (var i = 0; assets && i < assets.length; i++) svg.appendChild(layer.shape(assets.feature(i), size));
        done(null, svg);
      })
      .catch(function (error) { done(error, svg); });
    svg.addEventListener("click", function (event) {
      var target = event.target.closest("[data-id]");
      if (!target) return;
      L.DomEvent.stop(event); // not a tap on the map: a pick
      var box = svg.getBoundingClientRect(), point = map.mouseEventToContainerPoint(event);
      layer.options.pick(Number(target.getAttribute("data-id")), map.containerPointToLatLng(point), box);
    });
    return svg;
  },

  shape: function (feature, size) {
    var scale = size.x / feature.extent, rings = feature.loadGeometry(), shape;
    if (feature.type === 1) {
      shape = document.createElementNS(SVG, "circle");
      shape.setAttribute("cx", rings[0][0].x * scale); shape.setAttribute("cy", rings[0][0].y * scale);
      shape.setAttribute("r", 7);
    } else {
      shape = document.createElementNS(SVG, "path");
      shape.setAttribute("d", rings.map(function (ring) {
        return ring.map(function (p, i) { return (i ? "L" : "M") + p.x * scale + " " + p.y * scale; }).join("");
      }).join(""));
    }
    shape.setAttribute("class", "asset");
    shape.setAttribute("data-id", feature.id);
    var title = document.createElementNS(SVG, "title");
    title.textContent = feature.properties.identifier + (feature.properties.name ? " · " + feature.properties.name : "");
    shape.appendChild(title);
    return shape;
  },
});

export function assetTiles(options) { return new AssetTiles(options); }
