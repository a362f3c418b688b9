/* Messages to residents (notify/): browser notifications for a report, and "use my position" for area alerts. */
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return match ? decodeURIComponent(match[1]) : field ? field.value : "";
  }

  function keyBytes(base64url) {
    var text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((base64url.length + 3) % 4));
    return Uint8Array.from(text, function (c) { return c.charCodeAt(0); });
  }

  var push = document.getElementById("follow-push");
  if (push && "serviceWorker" in navigator && "PushManager" in window) {
    var state = document.getElementById("follow-push-state");
    push.hidden = false;
    push.addEventListener("click", function () {
      navigator.serviceWorker.register("/sw.js").then(function (registration) {
        return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(push.dataset.key) });
      }).then(function (subscription) {
        return fetch(push.dataset.url, { method: "POST", body: JSON.stringify(subscription.toJSON()),
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() } });
      }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        state.textContent = push.dataset.done; push.hidden = true;
      }).catch(function () { state.textContent = push.dataset.failed; });
    });
  }

  /* Following a report from this phone: its id goes with the form (a support from it counts once), and the report
     is kept in "Laporan saya" (static/js/outbox.js). */
  var follow = document.querySelector("#follow form");
  if (follow && self.deviceId) {
    deviceId().then(function (id) { follow.elements.device_id.value = id; });
    follow.addEventListener("submit", function (event) {
      event.preventDefault();  // kept first: the page is left when the form goes
      var send = function () { follow.submit(); };
      myReports.keep({ code: follow.dataset.code, url: follow.dataset.url, followed: true }).then(send, send);
    });
  }

  /* An area alert's place: a tap on the map, "use my position", or the two fields typed; the map shows the circle
     the alerts cover, and the fields say the point (keyboard users type it there). */
  var alertArea, alertMapOf;
  function placeAlert(lat, lon) {
    document.getElementById("id_lat").value = lat.toFixed(6);
    document.getElementById("id_lon").value = lon.toFixed(6);
    document.getElementById("id_kelurahan").value = "";
    if (!alertMapOf) return;
    if (alertArea) alertArea.setLatLng([lat, lon]);
    else alertArea = L.circle([lat, lon], { radius: Number(alertMapOf.getContainer().parentNode.dataset.radius),
                                            interactive: false }).addTo(alertMapOf);
  }
  window.alertMap = function (map) {
    alertMapOf = map;
    map.on("click", function (event) { placeAlert(event.latlng.lat, event.latlng.lng); });
    var lat = parseFloat(document.getElementById("id_lat").value), lon = parseFloat(document.getElementById("id_lon").value);
    if (!isNaN(lat) && !isNaN(lon)) placeAlert(lat, lon);
  };

  var position = document.getElementById("use-position");
  if (position && "geolocation" in navigator) {
    position.hidden = false;
    position.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (where) {
        placeAlert(where.coords.latitude, where.coords.longitude);
        if (alertMapOf) alertMapOf.setView([where.coords.latitude, where.coords.longitude], 15);
      }, function () { position.textContent = position.dataset.failed; }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }
})();
