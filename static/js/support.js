/* "Dukung": one support per device. The device's id (static/js/outbox.js) goes with it; the reports it supported
   are listed in localStorage, so a button shows a support already given after a reload, and kept in "Laporan saya".
   Used by the map page's duplicate list and the report page. */
"use strict";

(function () {
  var GIVEN = "lapor-supported";

  function given() { try { return JSON.parse(localStorage.getItem(GIVEN)) || []; } catch (e) { return []; } }
  function remember(code) {
    var codes = given();
    if (codes.indexOf(code) < 0) localStorage.setItem(GIVEN, JSON.stringify(codes.concat(code)));
  }

  function show(button, text, count, done) {
    button.textContent = text + " (" + count + ")";
    button.disabled = done;
    button.setAttribute("aria-pressed", done ? "true" : "false");
  }

  /* The button supports `code` (which `count` people support now, its page at `url`); texts: {support, supported,
     error}. */
  function wire(button, code, url, count, texts, csrfToken) {
    show(button, given().indexOf(code) >= 0 ? texts.supported : texts.support, count, given().indexOf(code) >= 0);
    button.addEventListener("click", function (event) {
      event.preventDefault();
      deviceId().then(function (id) {
        var body = new FormData(); body.append("device_id", id);
        return fetch("/api/v1/reports/" + code + "/support", { method: "POST", body: body,
                                                               headers: { "X-CSRFToken": csrfToken } });
      }).then(function (r) { if (r.status >= 300) throw new Error("HTTP " + r.status); return r.json(); })
        .then(function (answer) {
          remember(code); show(button, texts.supported, answer.support_count, true);
          return myReports.keep({ code: code, url: url, supported: true });
        })
        .catch(function () { button.textContent = texts.error; });
    });
  }

  window.support = { wire: wire };

  // The report page's own button.
  var box = document.getElementById("support");
  if (box) {
    var button = box.querySelector("button");
    wire(button, box.dataset.code, box.dataset.url, parseInt(button.dataset.count, 10), box.dataset,
         box.querySelector("[name=csrfmiddlewaretoken]").value);
    box.hidden = false;
  }
})();
