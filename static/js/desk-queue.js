/* The desk's queue: numbered markers matching the rows, and the keyboard at a desk (j/k, v, r, m, a, Enter). */
"use strict";

(function () {
  var points = JSON.parse(document.getElementById("queue-points").textContent);
  var rows = Array.prototype.slice.call(document.querySelectorAll("#queue .row"));
  var current = -1;

  function select(index) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) { row.classList.toggle("current", i === current); });
    rows[current].focus();
    document.getElementById("current").textContent = rows[current].querySelector(".what a").textContent;
  }

  function open(hash) {
    window.location.href = rows[current].querySelector(".what a").href + hash;
  }

  var keys = {
    j: function () { select(current + 1); },
    k: function () { select(current - 1); },
    v: function () { var button = rows[current].querySelector("form.verify button"); if (button) button.click(); },
    r: function () { open("#tolak"); },
    m: function () { open("#gabung"); },
    a: function () { open("#petugas"); },
    Enter: function () { open(""); }
  };

  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(event.target.tagName);
    if (typing || event.altKey || event.ctrlKey || event.metaKey || !keys[event.key]) return;
    if (current < 0 && event.key !== "j") return;
    event.preventDefault();
    keys[event.key]();
  });

  window.deskMap = function (map) {
    var bounds = [];
    points.forEach(function (p) {
      var icon = L.divIcon({ className: "queue-marker", html: String(p.n), iconSize: [26, 26] });
      L.marker([p.lat, p.lon], { icon: icon, title: p.n + ": " + p.code, keyboard: false })
        .on("click", function () { select(p.n - 1); }).addTo(map);
      bounds.push([p.lat, p.lon]);
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 });
  };
})();
