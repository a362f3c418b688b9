/* Reports waiting for a connection, kept in IndexedDB so a closed tab or a dead network loses nothing. */
"use strict";

window.outbox = (function () {
  var DB = "lapor-padangpanjang", STORE = "outbox";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "client_uuid" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, action) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode), result = action(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  return {
    /* entry: {client_uuid, fields: {name: value}, photos: [Blob]} */
    put: function (entry) { return run("readwrite", function (s) { return s.put(entry); }); },
    all: function () { return run("readonly", function (s) { return s.getAll(); }); },
    remove: function (uuid) { return run("readwrite", function (s) { return s.delete(uuid); }); },
  };
})();
