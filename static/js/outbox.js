/* What waits for a connection, kept in IndexedDB (photos as Blobs) so a closed tab or a dead network loses nothing:
   new reports in "outbox" (by client_uuid), crews' status changes in "actions" (by report code), and the answers
   to reports the service worker sent while no page was there to show them in "sent" (by client_uuid).
   Loaded by the pages and by the service worker (self is the window in one, the worker in the other). */
"use strict";

(function () {
  var DB = "lapor-padangpanjang", STORES = { outbox: "client_uuid", actions: "code", sent: "client_uuid" };

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 3);
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
    entry.photos.forEach(function (blob, i) { data.append("photos", blob, blob.name || "foto-" + (i + 1) + ".jpg"); });
    return data;
  }

  self.outbox = store("outbox");
  self.outbox.body = body;
  self.actionOutbox = store("actions");
  self.sentReports = store("sent");
})();
