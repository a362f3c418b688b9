/* The LAPOR! inbox on the staff desk: the kelurahan outlines, the map's own search, and one pin the dispatcher
   drops. The zoom buttons sit at the bottom right and a dropped pin is brought to the map's centre, so no control
   ever covers it on a 360 px phone. */
"use strict";

(function () {
  var TEXT = JSON.parse(document.getElementById("texts").textContent);
  var form = document.getElementById("locate"), pin = null, map;

  function place(lat, lon) {
    form.lat.value = lat.toFixed(6);
    form.lon.value = lon.toFixed(6);
    if (pin) pin.setLatLng([lat, lon]); else pin = L.marker([lat, lon], { keyboard: false }).addTo(map);
    map.panTo([lat, lon]);
    document.getElementById("pin-state").textContent = TEXT.pin;
  }

  window.inboxMap = function (leafletMap) {
    map = leafletMap;
    map.zoomControl.setPosition("bottomright");
    fetch("/api/v1/kelurahan.geojson").then(function (r) { return r.json(); }).then(function (outlines) {
      var layer = L.geoJSON(outlines, { style: { color: "#495057", weight: 2, fill: false } }).addTo(map);
      // At once: a zoom still animating when a search result is chosen would end on the city, not the result.
      if (!pin) map.fitBounds(layer.getBounds(), { animate: false });
    });
    map.on("click", function (event) { place(event.latlng.lat, event.latlng.lng); });
    if (form.lat.value && form.lon.value) { place(parseFloat(form.lat.value), parseFloat(form.lon.value)); map.setZoom(17); }
  };

  document.getElementById("place-search").addEventListener("submit", function (event) {
    event.preventDefault();
    var results = document.getElementById("place-results");
    fetch("/api/v1/geocode?q=" + encodeURIComponent(document.getElementById("place-text").value))
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (answer) {
        results.innerHTML = "";
        var places = answer.ok ? answer.body : [];
        if (!places.length) {
          var none = document.createElement("li");
          none.textContent = answer.ok ? TEXT.no_results : (answer.body.error || (answer.body.q || [])[0] || TEXT.no_results);
          results.appendChild(none);
        }
        places.forEach(function (found) {
          var item = document.createElement("li"), button = document.createElement("button");
          button.type = "button";
          button.textContent = found.name;
          // No zoom animation: a tap while the map still moves would land on another place than the one shown.
          button.addEventListener("click", function () {
            map.setView([found.lat, found.lon], 17, { animate: false }); results.hidden = true;
          });
          item.appendChild(button);
          results.appendChild(item);
        });
        results.hidden = false;
      });
  });
})();
