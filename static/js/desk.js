/* The desk's home: the counts of what waits, asked for again every minute without reloading the page. */
"use strict";

(function () {
  var list = document.getElementById("waiting");
  var MINUTE = 60 * 1000;

  function refresh() {
    fetch(list.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (counts) {
        if (!counts) return;
        list.querySelectorAll("[data-count]").forEach(function (number) {
          var count = counts[number.dataset.count];
          if (count !== undefined) number.textContent = count.toLocaleString(document.documentElement.lang);
        });
      })
      .catch(function () { /* offline for a moment: the next minute tries again */ });
  }

  setInterval(refresh, MINUTE);
})();
