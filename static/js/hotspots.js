/* The hotspots map: each cluster's outline with its count, and each recurring place, from the page's own data. */
"use strict";

window.hotspotsMap = function (map) {
  var layers = JSON.parse(document.getElementById("insight-layers").textContent);
  var drawn = L.featureGroup().addTo(map);
  function label(text) { var span = document.createElement("span"); span.textContent = text; return span; }
  layers.clusters.features.forEach(function (f) {
    var c = f.properties.centroid;
    L.geoJSON(f, { style: { color: "#b3261e", weight: 2, fillOpacity: 0.2 } }).addTo(drawn);
    L.circleMarker([c[1], c[0]], { radius: 6 + Math.min(14, Math.sqrt(f.properties.count) * 2), color: "#b3261e" })
      .bindTooltip(label(f.properties.category_name + ": " + f.properties.count)).addTo(drawn);
  });
  layers.recurring.features.forEach(function (f) {
    var p = f.geometry.coordinates;
    L.circleMarker([p[1], p[0]], { radius: 7, color: "#6a1b9a", dashArray: "3" })
      .bindTooltip(label(f.properties.category_name + ": " + f.properties.fixed + " → " + f.properties.count))
      .addTo(drawn);
  });
  if (drawn.getLayers().length) map.fitBounds(drawn.getBounds(), { maxZoom: 17, padding: [16, 16] });
};
