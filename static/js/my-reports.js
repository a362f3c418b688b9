/* "Laporan saya" on the home page: the reports this phone keeps (static/js/outbox.js: filed, followed, supported)
   with their status now, asked in one call for all of them, and the reports still waiting in the outbox. Each can be
   removed from this phone (a shared phone); nothing of it is sent anywhere but the codes, to ask their status. */
"use strict";

(function () {
  var box = document.getElementById("my-reports");
  if (!box) return;
  var list = box.querySelector("ul"), TEXT = box.dataset;

  function link(href, text) {
    var a = document.createElement("a");
    a.href = href; a.textContent = text;
    return a;
  }

  function removeButton(remove) {
    var button = document.createElement("button");
    button.type = "button"; button.className = "remove"; button.textContent = TEXT.remove;
    button.addEventListener("click", function () { remove().then(show); });
    return button;
  }

  function reportItem(report) {
    var item = document.createElement("li"), state = document.createElement("p");
    state.className = "status status-" + (report.status || "unknown");
    state.textContent = [report.category_name, report.status_label || TEXT.unknown].filter(Boolean).join(" · ");
    // A complaint that is not public has no public page: its code leads to the private link, the only one.
    item.append(link(report.url || report.private_url, report.code), state);
    if (report.private_url && report.url) item.append(link(report.private_url, TEXT.private));
    item.append(removeButton(function () { return myReports.remove(report.code); }));
    return item;
  }

  function waitingItem(entry) {
    var item = document.createElement("li"), state = document.createElement("p");
    item.className = "waiting";
    state.textContent = TEXT.waiting;
    var what = document.createElement("strong");
    what.textContent = String((entry.fields.description || [""])[0]).slice(0, 60);
    item.append(what, state, removeButton(function () { return outbox.remove(entry.client_uuid); }));
    return item;
  }

  function show() {
    return Promise.all([myReports.all(), outbox.all()]).then(function (found) {
      var reports = found[0].sort(function (a, b) { return b.added - a.added; });
      list.innerHTML = "";
      found[1].forEach(function (entry) { list.appendChild(waitingItem(entry)); });
      reports.forEach(function (report) { list.appendChild(reportItem(report)); });
      box.hidden = !list.children.length;
      return reports;
    });
  }

  /* Their status now, kept too: without signal the list shows the last one seen. */
  function refresh(reports) {
    if (!reports.length) return;
    var codes = reports.map(function (report) { return report.code; }).join(",");
    fetch("/api/v1/reports/status?codes=" + encodeURIComponent(codes), { headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) throw new Error("HTTP " + response.status); return response.json(); })
      .then(function (now) { return Promise.all(now.map(function (report) { return myReports.keep(report, true); })); })
      .then(show)
      .catch(function () { /* no signal: the statuses last seen stay */ });
  }

  show().then(refresh);
  // A report sent meanwhile (by this page or the service worker) joins the list.
  if ("serviceWorker" in navigator) navigator.serviceWorker.addEventListener("message", function () { show(); });
  document.addEventListener("lapor:kept", function () { show(); });
})();
