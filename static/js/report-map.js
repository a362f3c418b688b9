/* A report's page: a small map around its point. */
"use strict";

window.showReport = function (map) {
  var box = document.getElementById("report-point");
  var point = [parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)];
  map.scrollWheelZoom.disable();
  map.setView(point, 17);
  L.marker(point).addTo(map);
};
