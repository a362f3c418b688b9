/* "Dukung": one support per device. The device's id and the reports it supported stay in localStorage, so a
   button shows a support already given after a reload. Used by the map page's duplicate list and the report page. */
"use strict";

(function () {
  var DEVICE = "lapor-device", GIVEN = "lapor-supported";

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function deviceId() {
    var id = localStorage.getItem(DEVICE);
    if (!id) { id = newUuid(); localStorage.setItem(DEVICE, id); }
    return id;
  }

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

  /* The button supports `code` (which `count` people support now); texts: {support, supported, error}. */
  function wire(button, code, count, texts, csrfToken) {
    show(button, given().indexOf(code) >= 0 ? texts.supported : texts.support, count, given().indexOf(code) >= 0);
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var body = new FormData(); body.append("device_id", deviceId());
      fetch("/api/v1/reports/" + code + "/support", { method: "POST", body: body, headers: { "X-CSRFToken": csrfToken } })
        .then(function (r) { if (r.status >= 300) throw new Error("HTTP " + r.status); return r.json(); })
        .then(function (answer) { remember(code); show(button, texts.supported, answer.support_count, true); })
        .catch(function () { button.textContent = texts.error; });
    });
  }

  window.support = { newUuid: newUuid, wire: wire };

  // The report page's own button.
  var box = document.getElementById("support");
  if (box) {
    var button = box.querySelector("button");
    wire(button, box.dataset.code, parseInt(button.dataset.count, 10), box.dataset,
         box.querySelector("[name=csrfmiddlewaretoken]").value);
    box.hidden = false;
  }
})();
