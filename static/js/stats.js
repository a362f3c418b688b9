/* The statistics map: kelurahan shaded by open reports (per 1,000 residents where population is known). */
"use strict";

/* Each shade's range of values, as the map's style picks them (step = value / highest × 5, rounded down). */
function showLegend(shades, highest, perThousand) {
  var box = document.getElementById("choropleth-legend"), list = box.querySelector("ul"), last = shades.length - 1;
  var number = function (x) { return x.toLocaleString(document.documentElement.lang, { maximumFractionDigits: perThousand ? 1 : 0 }); };
  shades.forEach(function (shade, step) {
    var item = document.createElement("li"), dot = document.createElement("span");
    dot.className = "dot"; dot.style.background = shade;
    var from = highest * step / last, to = highest * (step + 1) / last;
    item.append(dot, step === last ? number(highest) : number(from) + " – " + number(to));
    list.appendChild(item);
  });
  box.hidden = false;
}

window.statsMap = function (map) {
  var SHADES = ["#f1f8f4", "#c7e9d0", "#8fd0a3", "#4fb072", "#1f7a45", "#0b4d2a"];
  fetch("/api/v1/stats/kelurahan.geojson").then(function (r) { return r.json(); }).then(function (collection) {
    var perThousand = collection.features.some(function (f) { return f.properties.open_per_1000 !== null; });
    var value = function (p) { return perThousand ? (p.open_per_1000 || 0) : p.open; };
    var highest = Math.max.apply(null, collection.features.map(function (f) { return value(f.properties); }).concat([1]));
    var layer = L.geoJSON(collection, {
      style: function (f) {
        var step = Math.min(SHADES.length - 1, Math.floor(value(f.properties) / highest * (SHADES.length - 1)));
        return { color: "#0b5e3c", weight: 1, fillColor: SHADES[step], fillOpacity: 0.75 };
      },
      onEachFeature: function (f, shape) {
        var label = document.createElement("span");
        label.textContent = f.properties.name + ": " + f.properties.open + " / " + f.properties.total;
        shape.bindTooltip(label);
      },
    }).addTo(map);
    map.fitBounds(layer.getBounds());
    showLegend(SHADES, highest, perThousand);
  });
};
