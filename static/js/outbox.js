/* What the phone keeps, in IndexedDB (photos as Blobs) so a closed tab or a dead network loses nothing:
   new reports waiting for a connection in "outbox" (by client_uuid), crews' status changes in "actions" (by report
   code), the answers to reports the service worker sent while no page was there to show them in "sent" (by
   client_uuid), the reports this phone filed, followed or supported in "mine" (by code: "Laporan saya", with their
   public and private links) and the phone's random id in "device". None of it leaves the phone but the id, sent
   with a filing, a support or a follow so one person counts once.
   Loaded by the pages and by the service worker (self is the window in one, the worker in the other). */
"use strict";

(function () {
  var DB = "lapor-padangpanjang";
  var STORES = { outbox: "client_uuid", actions: "code", sent: "client_uuid", mine: "code", device: "name" };

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 4);
      request.onupgradeneeded = function () {
        Object.keys(STORES).forEach(function (name) {
          if (!request.result.objectStoreNames.contains(name)) {
            request.result.createObjectStore(name, { keyPath: STORES[name] });
          }
        });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function store(name) {
    function run(mode, action) {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(name, mode), result = action(tx.objectStore(name));
          tx.oncomplete = function () { resolve(result.result); };
          tx.onerror = function () { reject(tx.error); };
        });
      });
    }
    return {
      put: function (entry) { return run("readwrite", function (s) { return s.put(entry); }); },
      get: function (key) { return run("readonly", function (s) { return s.get(key); }); },
      all: function () { return run("readonly", function (s) { return s.getAll(); }); },
      remove: function (key) { return run("readwrite", function (s) { return s.delete(key); }); },
    };
  }

  /* The API's request body for a waiting report: its form fields, then its shrunk photos. */
  function body(entry) {
    var data = new FormData();
    Object.keys(entry.fields).forEach(function (name) {
      [].concat(entry.fields[name]).forEach(function (value) { data.append(name, value); });
    });
    entry.photos.forEach(function (blob, i) {
      data.append("photos", blob, blob.name || "foto-" + (i + 1) + (blob.type === "image/webp" ? ".webp" : ".jpg"));
    });
    return data;
  }

  function newUuid() {
    if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /* The phone's random id, made once; an id an earlier version kept in localStorage stays the same person. */
  function deviceId() {
    var ids = store("device");
    return ids.get("id").then(function (found) {
      if (found) return found.value;
      var old = self.localStorage && localStorage.getItem("lapor-device");
      var id = old || newUuid();
      return ids.put({ name: "id", value: id }).then(function () { return id; });
    });
  }

  /* Keep a report in "Laporan saya": what is known of it now is added to what was kept (a private link stays).
     `onlyKept`: a status update, which does not bring back a report removed meanwhile. */
  function keep(entry, onlyKept) {
    var mine = store("mine");
    return mine.get(entry.code).then(function (kept) {
      if (onlyKept === true && !kept) return null;
      return mine.put(Object.assign({ added: Date.now() }, kept || {}, entry));
    });
  }

  self.outbox = store("outbox");
  self.outbox.body = body;
  self.actionOutbox = store("actions");
  self.sentReports = store("sent");
  self.myReports = store("mine");
  self.myReports.keep = keep;
  self.deviceId = deviceId;
  self.newUuid = newUuid;
})();
