/* The statistics map: kelurahan shaded by open reports (per 1,000 residents where population is known), by the
   classes the page lists under the map (reports/choropleth.py). */
"use strict";

/* The class of a value: "no data", or the highest class (they come in ascending order) whose lower bound, in units
   (whole reports, or tenths), it reaches; a report filed since the page was made keeps the top class. */
function classOf(shading, value) {
  var units = value === null ? null : value > 0 ? Math.max(1, Math.round(value / shading.unit)) : 0;
  var reached = shading.classes.filter(function (c) {
    return units === null ? c.lower === null : c.lower !== null && c.lower <= units;
  });
  return reached[reached.length - 1];
}

window.statsMap = function (map) {
  var shading = JSON.parse(document.getElementById("choropleth-classes").textContent);
  fetch("/api/v1/stats/kelurahan.geojson").then(function (r) { return r.json(); }).then(function (collection) {
    var value = function (p) { return shading.per_1000 ? p.open_per_1000 : p.open; };
    var layer = L.geoJSON(collection, {
      style: function (f) {
        var found = classOf(shading, value(f.properties));
        return { color: "#0b5e3c", weight: 1, fillColor: found ? found.shade : "#fff", fillOpacity: 0.75 };
      },
      onEachFeature: function (f, shape) {
        var label = document.createElement("span");
        label.textContent = f.properties.name + ": " + f.properties.open + " / " + f.properties.total;
        shape.bindTooltip(label);
      },
    }).addTo(map);
    map.fitBounds(layer.getBounds());
  });
};
